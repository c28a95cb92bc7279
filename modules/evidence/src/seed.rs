//! Seed loading from `seed/evidence/`: the catalogue, adoptions and partnerships. Runs inside
//! the seed transaction; skips what exists (programmes by short name, adoptions by
//! municipality and programme, partnerships by host adoption, partners by municipality).

use retning_kernel::module::SeedFiles;

use chrono::NaiveDate;
use retning_kernel::audit::{record_change, Subject};
use retning_kernel::{tenancy, ApiError, DbConnection, Principal};
use serde::Deserialize;

use crate::dto::{AdoptionView, KnowledgeDeclaration, ProgrammeView};
use crate::model::{
    AdoptionChanges, AdoptionStatus, CapacityUnit, PartnershipChanges, ProgrammeData, ProgrammeKind,
};
use crate::ops;
use crate::repo::{self, ShareSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    notes: String,
    programmes: Vec<ProgrammeSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgrammeSeed {
    short_name: String,
    name: String,
    description: Option<String>,
    target_group: Option<String>,
    age_min: Option<i32>,
    age_max: Option<i32>,
    age_note: Option<String>,
    typical_duration: Option<String>,
    kind: ProgrammeKind,
    /// Consecutive steps; stored as their range.
    staircase_steps: Vec<i32>,
    knowledge_declaration: KnowledgeDeclaration,
    source_reference: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdoptionsFile {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    notes: String,
    adoptions: Vec<AdoptionSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdoptionSeed {
    municipality: String,
    programme: String,
    status: AdoptionStatus,
    started_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
    yearly_capacity: Option<i32>,
    capacity_unit: Option<CapacityUnit>,
    certified_practitioners: Option<i32>,
    operating_unit: Option<String>,
    notes: Option<String>,
    /// Provenance, for the reader of the file (the audit row records the seeded view).
    #[allow(dead_code)]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnershipsFile {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    notes: String,
    partnerships: Vec<PartnershipSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnershipSeed {
    host: String,
    programme: String,
    period_start: Option<NaiveDate>,
    period_end: Option<NaiveDate>,
    allow_over_share: bool,
    notes: Option<String>,
    /// Seeded partners are invited: a seed never records an answer the sources do not give.
    partners: Vec<PartnerSeed>,
    /// Provenance, for the reader of the file (the audit row records the seeded view).
    #[allow(dead_code)]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartnerSeed {
    municipality: String,
    yearly_share: Option<i32>,
}

/// The audit row of a seeded object: what it is after the seed.
fn record<T: serde::Serialize>(
    conn: &mut DbConnection,
    subject: Subject<'_>,
    view: &T,
) -> Result<(), String> {
    record_change(
        conn,
        &Principal::system(),
        "seed",
        subject,
        None,
        Some(view),
    )
    .map_err(|e: ApiError| e.to_string())
}

fn municipality_id(conn: &mut DbConnection, file: &str, slug: &str) -> Result<i64, String> {
    tenancy::find_by_slug(conn, slug)
        .map_err(|e| e.to_string())?
        .map(|m| m.id)
        .ok_or_else(|| format!("{file}: unknown municipality {slug:?}"))
}

fn programme_id(conn: &mut DbConnection, file: &str, short_name: &str) -> Result<i64, String> {
    repo::find_programme_by_short_name(conn, short_name)
        .map_err(|e| e.to_string())?
        .map(|p| p.id)
        .ok_or_else(|| format!("{file}: unknown programme {short_name:?}"))
}

/// Loads the module's three seed files where they exist; without them it loads nothing.
pub fn load(conn: &mut DbConnection, files: &SeedFiles) -> Result<(), String> {
    if let Some(file) = files.json("evidence/catalogue.json")? {
        load_catalogue(conn, &file)?;
    }
    if let Some(file) = files.json("evidence/adoptions.json")? {
        load_adoptions(conn, &file)?;
    }
    if let Some(file) = files.json("evidence/partnerships.json")? {
        load_partnerships(conn, &file)?;
    }
    Ok(())
}

fn load_catalogue(conn: &mut DbConnection, file: &CatalogueFile) -> Result<(), String> {
    for p in &file.programmes {
        if !tenancy::valid_slug(&p.short_name) {
            return Err(format!(
                "catalogue.json: invalid short_name {:?}",
                p.short_name
            ));
        }
        if repo::find_programme_by_short_name(conn, &p.short_name)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let k = &p.knowledge_declaration;
        let data = ProgrammeData {
            short_name: p.short_name.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            target_group: p.target_group.clone(),
            age_min: p.age_min,
            age_max: p.age_max,
            age_note: p.age_note.clone(),
            typical_duration: p.typical_duration.clone(),
            kind: p.kind,
            staircase_step_min: p.staircase_steps.iter().min().copied(),
            staircase_step_max: p.staircase_steps.iter().max().copied(),
            grade_target_group: k.target_group,
            grade_method: k.method,
            grade_implementation: k.implementation,
            grade_effect: k.effect,
            grade_economy: k.economy,
            source_reference: p.source_reference.clone(),
        };
        let row = repo::insert_programme(conn, &data)
            .map_err(|e| format!("catalogue.json: {}: {e}", p.short_name))?;
        let view = ProgrammeView::from_row(row);
        record(conn, ops::programme_subject(view.id), &view)?;
    }
    Ok(())
}

fn load_adoptions(conn: &mut DbConnection, file: &AdoptionsFile) -> Result<(), String> {
    const FILE: &str = "adoptions.json";
    for a in &file.adoptions {
        let m = municipality_id(conn, FILE, &a.municipality)?;
        let programme = programme_id(conn, FILE, &a.programme)?;
        if repo::find_adoption_by_programme(conn, m, programme)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let data = AdoptionChanges {
            status: a.status,
            started_on: a.started_on,
            ended_on: a.ended_on,
            yearly_capacity: a.yearly_capacity,
            capacity_unit: a.capacity_unit,
            certified_practitioners: a.certified_practitioners,
            operating_unit: a.operating_unit.clone(),
            notes: a.notes.clone(),
        };
        let fail =
            |e: &dyn std::fmt::Display| format!("{FILE}: {} {}: {e}", a.municipality, a.programme);
        let row = repo::insert_adoption(conn, m, programme, &data).map_err(|e| fail(&e))?;
        let view = repo::find_adoption_listing(conn, m, row.id)
            .map_err(|e| fail(&e))?
            .map(AdoptionView::from_row)
            .ok_or_else(|| fail(&"the adoption vanished after insert"))?;
        record(conn, Subject::of(&m, "evidence_adoption", view.id), &view)?;
    }
    Ok(())
}

fn load_partnerships(conn: &mut DbConnection, file: &PartnershipsFile) -> Result<(), String> {
    const FILE: &str = "partnerships.json";
    let err = |e: &dyn std::fmt::Display| format!("{FILE}: {e}");
    for p in &file.partnerships {
        let host = municipality_id(conn, FILE, &p.host)?;
        let programme = programme_id(conn, FILE, &p.programme)?;
        let adoption = repo::find_adoption_by_programme(conn, host, programme)
            .map_err(|e| err(&e))?
            .ok_or_else(|| format!("{FILE}: {} has no adoption of {}", p.host, p.programme))?;
        if repo::count_partnerships_on(conn, host, adoption.id).map_err(|e| err(&e))? > 0 {
            continue;
        }
        let mut partners = Vec::with_capacity(p.partners.len());
        for partner in &p.partners {
            partners.push(municipality_id(conn, FILE, &partner.municipality)?);
        }
        let specs: Vec<ShareSpec> = p
            .partners
            .iter()
            .enumerate()
            .map(|(i, s)| ShareSpec {
                index: Some(i),
                yearly_share: s.yearly_share,
            })
            .collect();
        repo::check_shares(
            conn,
            &adoption,
            None,
            (p.period_start, p.period_end),
            &specs,
            "partners",
        )
        .map_err(|e| err(&e))?;
        let row = repo::insert_partnership(
            conn,
            host,
            adoption.id,
            &PartnershipChanges {
                period_start: p.period_start,
                period_end: p.period_end,
                allow_over_share: p.allow_over_share,
                notes: p.notes.clone(),
            },
        )
        .map_err(|e| err(&e))?;
        for (partner, id) in p.partners.iter().zip(partners) {
            repo::insert_partner(conn, host, row.id, id, partner.yearly_share)
                .map_err(|e| err(&e))?;
        }
        let id = row.id;
        let view = ops::party_view(conn, host, row).map_err(|e| err(&e))?;
        record(conn, Subject::of(&host, "evidence_partnership", id), &view)?;
    }
    Ok(())
}
