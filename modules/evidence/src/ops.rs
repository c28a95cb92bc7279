//! The evidence module's domain rules, validation and write operations, each write with its one
//! audit row inside the write's transaction. Shared by the routes (and, for the rules, the seed).

use std::collections::HashSet;

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use retning_kernel::audit::{record_change, Subject};
use retning_kernel::error::FieldError;
use retning_kernel::scope::Scope;
use retning_kernel::tenancy::{self, Municipality};
use retning_kernel::{ApiError, DbConnection, Principal, Validator};

use crate::dto::{
    AdoptionPatch, AdoptionView, FiguresFilter, FiguresInput, FiguresView, MunicipalityRef,
    NewAdoption, NewPartnership, NewProgramme, NewReferral, PartnerInput, PartnerView,
    PartnershipPatch, PartnershipView, PartyRole, ProgrammeFilter, ProgrammePatch, ProgrammeRef,
    ProgrammeView, ReferralFilter, ReferralView, SharedAdoption, YearUse,
};
use crate::model::{
    AdoptionChanges, Grade, MunicipalityName, PartnerRow, PartnerStatus, PartnershipChanges,
    PartnershipRow, ProgrammeData, ProgrammeKind,
};
use crate::period::{self, Period};
use crate::repo::{self, PartnershipBundle, ShareSpec};
use crate::{perm, NAME};

pub const MAX_AGE: i32 = 25;
const MAX_PARTNERS: usize = 50;
const MAX_SHARE: i32 = 100_000;
const MAX_REFERRED: i32 = 1000;

// ---------------------------------------------------------------------------------------------
// Shared checks

/// Trims optional text; blank becomes absent.
pub fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub fn check_range(v: &mut Validator, field: &str, value: Option<i32>, min: i32, max: i32) {
    if let Some(n) = value {
        v.check(
            (min..=max).contains(&n),
            field,
            "out_of_range",
            format!("must be between {min} and {max}"),
        );
    }
}

fn check_year(field: &str, year: Option<i32>) -> Result<(), ApiError> {
    let mut v = Validator::new();
    check_range(&mut v, field, year, period::MIN_YEAR, period::MAX_YEAR);
    v.finish()
}

pub fn parse_period(s: &str) -> Result<Period, ApiError> {
    Period::parse(s).ok_or_else(|| ApiError::field("path.period", "invalid", period::SHAPE))
}

fn municipality_ref(m: &Municipality) -> MunicipalityRef {
    MunicipalityRef::from_row(MunicipalityName {
        id: m.id,
        slug: m.slug.clone(),
        name: m.name.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Programmes

/// The catalogue's filters in range.
pub fn check_programme_filter(f: &ProgrammeFilter) -> Result<(), ApiError> {
    let mut v = Validator::new();
    check_range(&mut v, "query.step", f.step, 1, 6);
    check_range(&mut v, "query.age", f.age, 0, MAX_AGE);
    v.finish()
}

/// Checks a programme's whole state (after a PATCH is applied, too), adding to what `v` found
/// in the request's own shapes.
fn validate_programme(mut v: Validator, d: &ProgrammeData) -> Result<(), ApiError> {
    v.check(
        tenancy::valid_slug(&d.short_name),
        "short_name",
        "invalid",
        "must be 2-40 lower-case letters, digits or dashes (mst-can)",
    );
    v.text("name", &d.name, 200);
    v.opt_text("description", d.description.as_deref(), 4000);
    v.opt_text("target_group", d.target_group.as_deref(), 500);
    v.opt_text("age_note", d.age_note.as_deref(), 200);
    v.opt_text("typical_duration", d.typical_duration.as_deref(), 200);
    v.opt_text("source_reference", d.source_reference.as_deref(), 1000);
    check_range(&mut v, "age_min", d.age_min, 0, MAX_AGE);
    check_range(&mut v, "age_max", d.age_max, 0, MAX_AGE);
    if let (Some(min), Some(max)) = (d.age_min, d.age_max) {
        v.check(
            min <= max,
            "age_max",
            "before_min",
            "must not be below age_min",
        );
    }
    v.finish()
}

/// A list of staircase steps as the stored range: sorted, each step once, 1-6 and without a
/// gap (one range is what the catalogue stores and filters on); `[]` is no step.
fn step_range(v: &mut Validator, steps: Option<Vec<i32>>) -> (Option<i32>, Option<i32>) {
    let mut steps = steps.unwrap_or_default();
    steps.sort_unstable();
    steps.dedup();
    let (Some(&min), Some(&max)) = (steps.first(), steps.last()) else {
        return (None, None);
    };
    v.check(
        (1..=6).contains(&min) && (1..=6).contains(&max),
        "staircase_steps",
        "out_of_range",
        "steps must be between 1 and 6",
    );
    v.check(
        i64::from(max) - i64::from(min) + 1 == steps.len() as i64,
        "staircase_steps",
        "not_consecutive",
        "must be consecutive steps (4 and 5, not 3 and 5)",
    );
    (Some(min), Some(max))
}

/// The programme as a new catalogue entry, checked (before the write transaction).
pub fn new_programme(b: NewProgramme) -> Result<ProgrammeData, ApiError> {
    let grades = b.knowledge_declaration.unwrap_or_default();
    let mut v = Validator::new();
    let (staircase_step_min, staircase_step_max) = step_range(&mut v, b.staircase_steps);
    let data = ProgrammeData {
        short_name: b.short_name.trim().to_owned(),
        name: b.name.trim().to_owned(),
        description: clean(b.description),
        target_group: clean(b.target_group),
        age_min: b.age_min,
        age_max: b.age_max,
        age_note: clean(b.age_note),
        typical_duration: clean(b.typical_duration),
        kind: b.kind.unwrap_or(ProgrammeKind::Programme),
        staircase_step_min,
        staircase_step_max,
        grade_target_group: grades.target_group,
        grade_method: grades.method,
        grade_implementation: grades.implementation,
        grade_effect: grades.effect,
        grade_economy: grades.economy,
        source_reference: clean(b.source_reference),
    };
    validate_programme(v, &data)?;
    Ok(data)
}

pub fn create_programme(
    conn: &mut DbConnection,
    who: &Principal,
    data: &ProgrammeData,
) -> Result<ProgrammeView, ApiError> {
    let view = ProgrammeView::from_row(repo::insert_programme(conn, data)?);
    record_change(
        conn,
        who,
        "create",
        programme_subject(view.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// A catalogue programme is platform-wide: no municipality's log shows it.
pub fn programme_subject(id: i64) -> Subject<'static> {
    Subject {
        object_type: "evidence_programme",
        object_id: Some(id),
        municipalities: &[],
    }
}

pub fn update_programme(
    conn: &mut DbConnection,
    who: &Principal,
    id: i64,
    p: ProgrammePatch,
) -> Result<ProgrammeView, ApiError> {
    let current =
        repo::find_programme(conn, id)?.ok_or_else(|| ApiError::not_found("programme"))?;
    let mut d = ProgrammeData::from(current.clone());
    if let Some(s) = p.short_name {
        d.short_name = s.trim().to_owned();
    }
    if let Some(s) = p.name {
        d.name = s.trim().to_owned();
    }
    let text = |new: Option<Option<String>>, old: Option<String>| match new {
        Some(v) => clean(v),
        None => old,
    };
    d.description = text(p.description, d.description);
    d.target_group = text(p.target_group, d.target_group);
    d.age_note = text(p.age_note, d.age_note);
    d.typical_duration = text(p.typical_duration, d.typical_duration);
    d.source_reference = text(p.source_reference, d.source_reference);
    d.age_min = p.age_min.unwrap_or(d.age_min);
    d.age_max = p.age_max.unwrap_or(d.age_max);
    if let Some(kind) = p.kind {
        d.kind = kind;
    }
    let mut v = Validator::new();
    if let Some(steps) = p.staircase_steps {
        (d.staircase_step_min, d.staircase_step_max) = step_range(&mut v, steps);
    }
    if let Some(g) = p.knowledge_declaration {
        let set = |new: Option<Option<Grade>>, old: Option<Grade>| new.unwrap_or(old);
        d.grade_target_group = set(g.target_group, d.grade_target_group);
        d.grade_method = set(g.method, d.grade_method);
        d.grade_implementation = set(g.implementation, d.grade_implementation);
        d.grade_effect = set(g.effect, d.grade_effect);
        d.grade_economy = set(g.economy, d.grade_economy);
    }
    validate_programme(v, &d)?;
    let before = ProgrammeView::from_row(current);
    let after = ProgrammeView::from_row(repo::update_programme(conn, id, &d)?);
    record_change(
        conn,
        who,
        "update",
        programme_subject(id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// Adoptions

/// Checks an adoption's whole state (after a PATCH is applied, too).
fn validate_adoption(d: &AdoptionChanges) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if let (Some(from), Some(to)) = (d.started_on, d.ended_on) {
        v.check(
            from <= to,
            "ended_on",
            "before_start",
            "must not be before started_on",
        );
    }
    check_range(&mut v, "yearly_capacity", d.yearly_capacity, 0, 100_000);
    v.check(
        d.yearly_capacity.is_none() || d.capacity_unit.is_some(),
        "capacity_unit",
        "required",
        "is required with yearly_capacity (families or children)",
    );
    check_range(
        &mut v,
        "certified_practitioners",
        d.certified_practitioners,
        0,
        10_000,
    );
    v.opt_text("operating_unit", d.operating_unit.as_deref(), 200);
    v.opt_text("notes", d.notes.as_deref(), 2000);
    v.finish()
}

fn adoption_view(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<AdoptionView, ApiError> {
    repo::find_adoption_listing(conn, municipality_id, id)?
        .map(AdoptionView::from_row)
        .ok_or_else(|| ApiError::not_found("adoption"))
}

pub fn adoption_subject(scope: &Scope, id: i64) -> Subject<'_> {
    Subject::of(&scope.municipality.id, "evidence_adoption", id)
}

pub fn create_adoption(
    conn: &mut DbConnection,
    scope: &Scope,
    b: NewAdoption,
) -> Result<AdoptionView, ApiError> {
    let data = AdoptionChanges {
        status: b.status,
        started_on: b.started_on,
        ended_on: b.ended_on,
        yearly_capacity: b.yearly_capacity,
        capacity_unit: b.capacity_unit,
        certified_practitioners: b.certified_practitioners,
        operating_unit: clean(b.operating_unit),
        notes: clean(b.notes),
    };
    validate_adoption(&data)?;
    if repo::find_programme(conn, b.programme_id)?.is_none() {
        return Err(ApiError::field(
            "programme_id",
            "unknown",
            "no such programme",
        ));
    }
    let row = repo::insert_adoption(conn, scope.id(), b.programme_id, &data)?;
    let view = repo::find_adoption_listing(conn, scope.id(), row.id)?
        .map(AdoptionView::from_row)
        .ok_or_else(|| ApiError::internal("adoption vanished after insert"))?;
    record_change(
        conn,
        &scope.who,
        "create",
        adoption_subject(scope, row.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// A capacity below the shares promised to partners is refused.
pub fn update_adoption(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: AdoptionPatch,
) -> Result<AdoptionView, ApiError> {
    let current = repo::lock_adoption(conn, scope.id(), id)?
        .ok_or_else(|| ApiError::not_found("adoption"))?;
    let before = adoption_view(conn, scope.id(), id)?;
    let mut d = AdoptionChanges::from(&current);
    if let Some(s) = p.status {
        d.status = s;
    }
    d.started_on = p.started_on.unwrap_or(d.started_on);
    d.ended_on = p.ended_on.unwrap_or(d.ended_on);
    d.yearly_capacity = p.yearly_capacity.unwrap_or(d.yearly_capacity);
    d.capacity_unit = p.capacity_unit.unwrap_or(d.capacity_unit);
    d.certified_practitioners = p
        .certified_practitioners
        .unwrap_or(d.certified_practitioners);
    if let Some(u) = p.operating_unit {
        d.operating_unit = clean(u);
    }
    if let Some(n) = p.notes {
        d.notes = clean(n);
    }
    validate_adoption(&d)?;
    if d.yearly_capacity != current.yearly_capacity {
        let (peak, any_share) = repo::committed_peak(conn, scope.id(), id)?;
        let problem = match d.yearly_capacity {
            None if any_share => {
                Some("partners hold agreed shares of this adoption; it needs a capacity".to_owned())
            }
            Some(c) if i64::from(c) < peak => Some(format!(
                "partners hold yearly shares of {peak}; the capacity cannot be less"
            )),
            _ => None,
        };
        if let Some(message) = problem {
            return Err(ApiError::rule(
                crate::codes::SHARES_EXCEED_CAPACITY,
                "yearly_capacity",
                message,
            ));
        }
    }
    repo::update_adoption(conn, scope.id(), id, &d)?;
    let after = adoption_view(conn, scope.id(), id)?;
    record_change(
        conn,
        &scope.who,
        "update",
        adoption_subject(scope, id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Removes an adoption and its figures; refused while a partnership shares it.
pub fn delete_adoption(conn: &mut DbConnection, scope: &Scope, id: i64) -> Result<(), ApiError> {
    repo::lock_adoption(conn, scope.id(), id)?.ok_or_else(|| ApiError::not_found("adoption"))?;
    if repo::count_partnerships_on(conn, scope.id(), id)? > 0 {
        return Err(ApiError::conflict(
            crate::codes::ADOPTION_SHARED,
            "a partnership shares this adoption; it cannot be removed (set its status to ended)",
        ));
    }
    let before = adoption_view(conn, scope.id(), id)?;
    repo::delete_adoption(conn, scope.id(), id)?;
    record_change(
        conn,
        &scope.who,
        "delete",
        adoption_subject(scope, id),
        Some(&before),
        None,
    )
}

// ---------------------------------------------------------------------------------------------
// Figures

pub fn check_figures_filter(f: &FiguresFilter) -> Result<(), ApiError> {
    check_year("query.year", f.year)
}

/// Members of the host may read; so may members of an accepted partner. Everyone else gets
/// what `require` gives an outsider (401 anonymous, 404 otherwise).
pub fn require_figures_read(
    conn: &mut DbConnection,
    who: &Principal,
    host: &Municipality,
    adoption_id: i64,
) -> Result<(), ApiError> {
    if !who.is_member(host.id) && !who.is_anonymous() {
        if let Some(own) = who.municipality_id {
            if repo::is_accepted_partner(conn, host.id, adoption_id, own)? {
                return who.require(&perm::FIGURES_READ, Some(own));
            }
        }
    }
    who.require(&perm::FIGURES_READ, Some(host.id))
}

fn figures_subject(scope: &Scope, id: i64) -> Subject<'_> {
    Subject::of(&scope.municipality.id, "evidence_figures", id)
}

/// Sets an adoption's figures for a period; idempotent. Returns the figures and whether they
/// replaced earlier ones; an unchanged PUT records nothing.
pub fn put_figures(
    conn: &mut DbConnection,
    scope: &Scope,
    adoption_id: i64,
    period: &str,
    b: FiguresInput,
) -> Result<(FiguresView, bool), ApiError> {
    let period = parse_period(period)?;
    let mut v = Validator::new();
    for (field, n) in [
        ("started", b.started),
        ("completed", b.completed),
        ("dropped_out", b.dropped_out),
    ] {
        check_range(&mut v, field, Some(n), 0, 100_000);
    }
    v.finish()?;
    repo::lock_adoption(conn, scope.id(), adoption_id)?
        .ok_or_else(|| ApiError::not_found("adoption"))?;
    let (row, before) = repo::put_figures(
        conn,
        scope.id(),
        adoption_id,
        &period,
        (b.started, b.completed, b.dropped_out),
    )?;
    let same = before.as_ref().is_some_and(|b| {
        (b.started, b.completed, b.dropped_out) == (row.started, row.completed, row.dropped_out)
    });
    let replaced = before.is_some();
    let figures_id = row.id;
    let after = FiguresView::from_row(row);
    if !same {
        let before = before.map(FiguresView::from_row);
        record_change(
            conn,
            &scope.who,
            if replaced { "update" } else { "create" },
            figures_subject(scope, figures_id),
            before.as_ref(),
            Some(&after),
        )?;
    }
    Ok((after, replaced))
}

pub fn delete_figures(
    conn: &mut DbConnection,
    scope: &Scope,
    adoption_id: i64,
    period: &str,
) -> Result<(), ApiError> {
    let period = parse_period(period)?;
    repo::lock_adoption(conn, scope.id(), adoption_id)?
        .ok_or_else(|| ApiError::not_found("adoption"))?;
    let row = repo::delete_figures(conn, scope.id(), adoption_id, &period.label)?
        .ok_or_else(|| ApiError::not_found("figures"))?;
    let figures_id = row.id;
    record_change(
        conn,
        &scope.who,
        "delete",
        figures_subject(scope, figures_id),
        Some(&FiguresView::from_row(row)),
        None,
    )
}

// ---------------------------------------------------------------------------------------------
// Partnerships: who sees what

fn year_use(row: &PartnerRow, bundle: &PartnershipBundle) -> Vec<YearUse> {
    bundle
        .referred
        .get(&row.id)
        .map(|years| {
            years
                .iter()
                .map(|(year, n)| {
                    let share = row.yearly_share.map(i64::from);
                    YearUse {
                        year: *year,
                        share: row.yearly_share,
                        referred: *n,
                        remaining: share.map(|s| (s - n).max(0)),
                        over_share: share.map_or(0, |s| (n - s).max(0)),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The partnership as `viewer` (the addressed municipality) may see it, or `None` when it is
/// no party. Host: everything. Accepted partner: every partner and share, its own use. Invited
/// or declined partner: its own invitation only.
pub fn partnership_view(b: &PartnershipBundle, viewer: i64) -> Option<PartnershipView> {
    let own = b
        .partners
        .iter()
        .find(|(p, _)| p.partner_municipality_id == viewer);
    let role = if b.partnership.municipality_id == viewer {
        PartyRole::Host
    } else if own.is_some() {
        PartyRole::Partner
    } else {
        return None;
    };
    let own_accepted = own.is_some_and(|(p, _)| p.status == PartnerStatus::Accepted);
    let partners = b
        .partners
        .iter()
        .filter(|(p, _)| match role {
            PartyRole::Host => true,
            PartyRole::Partner => own_accepted || p.partner_municipality_id == viewer,
        })
        .map(|(p, m)| {
            let shows_use =
                role == PartyRole::Host || (p.partner_municipality_id == viewer && own_accepted);
            PartnerView::from_row(
                p.clone(),
                MunicipalityRef::from_row(m.clone()),
                shows_use.then(|| year_use(p, b)),
            )
        })
        .collect();
    let adoption = SharedAdoption::from_row(
        b.adoption.clone(),
        ProgrammeRef {
            id: b.adoption.programme_id,
            short_name: b.programme_short_name.clone(),
            name: b.programme_name.clone(),
        },
    );
    Some(PartnershipView::from_row(
        b.partnership.clone(),
        MunicipalityRef::from_row(b.host.clone()),
        adoption,
        role,
        partners,
    ))
}

/// The partnership `id` as the addressed municipality (host or partner) sees it.
pub fn party_view(
    conn: &mut DbConnection,
    viewer: i64,
    row: PartnershipRow,
) -> Result<PartnershipView, ApiError> {
    let bundle = repo::bundle(conn, row)?;
    partnership_view(&bundle, viewer).ok_or_else(|| ApiError::not_found("partnership"))
}

fn host_view(conn: &mut DbConnection, host_id: i64, id: i64) -> Result<PartnershipView, ApiError> {
    let row = repo::find_partnership(conn, host_id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    party_view(conn, host_id, row)
}

// ---------------------------------------------------------------------------------------------
// Partnerships: writes

fn check_period(v: &mut Validator, start: Option<NaiveDate>, end: Option<NaiveDate>) {
    if let (Some(s), Some(e)) = (start, end) {
        v.check(
            s <= e,
            "period_end",
            "before_start",
            "must not be before period_start",
        );
    }
}

/// Resolves the listed partners to municipalities that have the module on, naming each bad
/// entry (`partners[1].municipality`).
fn resolve_partners(
    conn: &mut DbConnection,
    v: &mut Validator,
    host: &Municipality,
    partners: &[PartnerInput],
) -> Result<Vec<Option<Municipality>>, ApiError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(partners.len());
    for (i, p) in partners.iter().enumerate() {
        let field = format!("partners[{i}].municipality");
        check_range(
            v,
            &format!("partners[{i}].yearly_share"),
            p.yearly_share,
            0,
            MAX_SHARE,
        );
        let slug = p.municipality.trim();
        if slug == host.slug {
            v.add(field, "host", "the host cannot be its own partner");
            out.push(None);
            continue;
        }
        if !seen.insert(slug.to_owned()) {
            v.add(field, "duplicate", "is listed twice");
            out.push(None);
            continue;
        }
        match tenancy::find_enabled(conn, slug, NAME)? {
            Some(m) => out.push(Some(m)),
            None => {
                v.add(
                    field,
                    "unknown",
                    "no such municipality, or the evidence module is switched off for it",
                );
                out.push(None);
            }
        }
    }
    Ok(out)
}

pub fn partnership_subject(scope: &Scope, id: i64) -> Subject<'_> {
    Subject::of(&scope.municipality.id, "evidence_partnership", id)
}

/// Creates a partnership on one of the host's adoptions and invites the partners. The yearly
/// shares may not exceed the adoption's yearly capacity.
pub fn create_partnership(
    conn: &mut DbConnection,
    scope: &Scope,
    b: NewPartnership,
) -> Result<PartnershipView, ApiError> {
    let host = &scope.municipality;
    let mut v = Validator::new();
    check_period(&mut v, b.period_start, b.period_end);
    v.opt_text("notes", b.notes.as_deref(), 2000);
    v.check(
        (1..=MAX_PARTNERS).contains(&b.partners.len()),
        "partners",
        "out_of_range",
        format!("must list 1-{MAX_PARTNERS} partners"),
    );
    let resolved = resolve_partners(conn, &mut v, host, &b.partners)?;
    let adoption = repo::lock_adoption(conn, host.id, b.adoption_id)?;
    v.check(
        adoption.is_some(),
        "adoption_id",
        "unknown",
        "no such adoption of the host",
    );
    v.finish()?;
    let adoption = adoption.ok_or_else(|| ApiError::not_found("adoption"))?;
    let specs: Vec<ShareSpec> = b
        .partners
        .iter()
        .enumerate()
        .map(|(i, p)| ShareSpec {
            index: Some(i),
            yearly_share: p.yearly_share,
        })
        .collect();
    let range = (b.period_start, b.period_end);
    repo::check_shares(conn, &adoption, None, range, &specs, "partners")?;
    let row = repo::insert_partnership(
        conn,
        host.id,
        adoption.id,
        &PartnershipChanges {
            period_start: b.period_start,
            period_end: b.period_end,
            allow_over_share: b.allow_over_share,
            notes: clean(b.notes),
        },
    )?;
    for (p, m) in b.partners.iter().zip(resolved.iter().flatten()) {
        repo::insert_partner(conn, host.id, row.id, m.id, p.yearly_share)?;
    }
    let view = host_view(conn, host.id, row.id)?;
    record_change(
        conn,
        &scope.who,
        "create",
        partnership_subject(scope, row.id),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// Changes a partnership's period, notes or over-share rule, invites more partners or changes
/// shares. A changed share, or a declined partner listed again, re-opens that partner's
/// invitation.
pub fn update_partnership(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    p: PartnershipPatch,
) -> Result<PartnershipView, ApiError> {
    let host = &scope.municipality;
    let current = repo::find_partnership(conn, host.id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    // Lock order everywhere: adoption, partnership, partner.
    let adoption = repo::lock_adoption(conn, host.id, current.adoption_id)?
        .ok_or_else(|| ApiError::not_found("adoption"))?;
    let current = repo::lock_partnership(conn, host.id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    let before = host_view(conn, host.id, id)?;
    let start = p.period_start.unwrap_or(current.period_start);
    let end = p.period_end.unwrap_or(current.period_end);
    let notes = match p.notes {
        Some(n) => clean(n),
        None => current.notes.clone(),
    };
    let listed = p.partners.unwrap_or_default();
    let mut v = Validator::new();
    check_period(&mut v, start, end);
    v.opt_text("notes", notes.as_deref(), 2000);
    let resolved = resolve_partners(conn, &mut v, host, &listed)?;
    let existing = repo::partners_of(conn, host.id, id)?;
    let listed_ids: Vec<i64> = resolved.iter().flatten().map(|m| m.id).collect();
    let added = listed_ids
        .iter()
        .filter(|m| !existing.iter().any(|r| r.partner_municipality_id == **m))
        .count();
    v.check(
        existing.len() + added <= MAX_PARTNERS,
        "partners",
        "out_of_range",
        format!("a partnership has at most {MAX_PARTNERS} partners"),
    );
    v.finish()?;
    let mut specs: Vec<ShareSpec> = existing
        .iter()
        .filter(|r| {
            r.status != PartnerStatus::Declined && !listed_ids.contains(&r.partner_municipality_id)
        })
        .map(|r| ShareSpec {
            index: None,
            yearly_share: r.yearly_share,
        })
        .collect();
    specs.extend(listed.iter().enumerate().map(|(i, l)| ShareSpec {
        index: Some(i),
        yearly_share: l.yearly_share,
    }));
    repo::check_shares(
        conn,
        &adoption,
        Some(id),
        (start, end),
        &specs,
        "period_start",
    )?;
    repo::update_partnership(
        conn,
        host.id,
        id,
        &PartnershipChanges {
            period_start: start,
            period_end: end,
            allow_over_share: p.allow_over_share.unwrap_or(current.allow_over_share),
            notes,
        },
    )?;
    for (l, m) in listed.iter().zip(resolved.iter().flatten()) {
        match existing.iter().find(|r| r.partner_municipality_id == m.id) {
            Some(row) => {
                repo::reinvite_partner(conn, host.id, row, l.yearly_share)?;
            }
            None => {
                repo::insert_partner(conn, host.id, id, m.id, l.yearly_share)?;
            }
        }
    }
    let after = host_view(conn, host.id, id)?;
    record_change(
        conn,
        &scope.who,
        "update",
        partnership_subject(scope, id),
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Sets the partner's answer (`Accepted` or `Declined`); answering the same again changes
/// nothing, and an answered invitation cannot be answered otherwise (the host re-opens it by
/// listing the partner again). Host and partner both see the answer in their audit logs.
pub fn answer_invitation(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    answer: PartnerStatus,
) -> Result<PartnershipView, ApiError> {
    let row = repo::find_partner(conn, scope.id(), id)?
        .ok_or_else(|| ApiError::not_found("invitation"))?;
    // Lock order everywhere: adoption, partnership, partner.
    repo::lock_partnership(conn, row.municipality_id, id)?;
    let row = repo::lock_partner(conn, scope.id(), id)?
        .ok_or_else(|| ApiError::not_found("invitation"))?;
    if row.status != answer {
        if row.status != PartnerStatus::Invited {
            return Err(ApiError::conflict(
                crate::codes::INVITATION_ALREADY_ANSWERED,
                format!(
                    "the invitation is already {}; the host can invite again",
                    row.status
                ),
            ));
        }
        let host_id = row.municipality_id;
        let partner = municipality_ref(&scope.municipality);
        let before = PartnerView::from_row(row.clone(), partner.clone(), None);
        let answered = repo::answer_invitation(conn, &row, answer)?;
        let after = PartnerView::from_row(answered, partner, None);
        let action = if answer == PartnerStatus::Accepted {
            "accept"
        } else {
            "decline"
        };
        record_change(
            conn,
            &scope.who,
            action,
            Subject {
                object_type: "evidence_partnership_invitation",
                object_id: Some(id),
                municipalities: &[scope.id(), host_id],
            },
            Some(&before),
            Some(&after),
        )?;
    }
    let partnership = repo::find_partnership(conn, row.municipality_id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    party_view(conn, scope.id(), partnership)
}

// ---------------------------------------------------------------------------------------------
// Referrals

pub fn check_referral_filter(f: &ReferralFilter) -> Result<(), ApiError> {
    check_year("query.year", f.year)
}

/// The partnership as `m` reads its referrals: the host reads all (`None`), an accepted
/// partner its own (`Some(m)`); anyone else, declined partners included, gets 404.
pub fn readable(
    conn: &mut DbConnection,
    m: &Municipality,
    id: i64,
) -> Result<(PartnershipRow, Option<i64>), ApiError> {
    if let Some(p) = repo::find_partnership(conn, m.id, id)? {
        return Ok((p, None));
    }
    let partner = repo::find_partner(conn, m.id, id)?
        .filter(|r| r.status == PartnerStatus::Accepted)
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    let p = repo::find_partnership(conn, partner.municipality_id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    Ok((p, Some(m.id)))
}

/// The partner whose referrals a reader lists: an accepted partner only its own; the host
/// whichever it names (or all).
pub fn referral_partner(
    conn: &mut DbConnection,
    only: Option<i64>,
    named: Option<&str>,
) -> Result<Option<i64>, ApiError> {
    Ok(match (only, named) {
        (Some(own), _) => Some(own),
        (None, Some(s)) => Some(
            tenancy::find_by_slug(conn, s)?
                .map(|m| m.id)
                .ok_or_else(|| {
                    ApiError::field("query.partner", "unknown", "no such municipality")
                })?,
        ),
        (None, None) => None,
    })
}

fn referral_subject<'a>(id: i64, parties: &'a [i64; 2]) -> Subject<'a> {
    Subject {
        object_type: "evidence_referral",
        object_id: Some(id),
        municipalities: parties,
    }
}

/// Records referrals against the partner's share. Refused with `evidence.share_exceeded` when
/// the year's share would be exceeded, unless the host allows over-share; then it is recorded
/// as over-share. Host and partner both see it in their audit logs.
pub fn create_referral(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    b: NewReferral,
) -> Result<ReferralView, ApiError> {
    let m = &scope.municipality;
    let period = Period::parse(&b.period);
    let mut v = Validator::new();
    v.check(period.is_some(), "period", "invalid", period::SHAPE);
    check_range(&mut v, "referred", Some(b.referred), 1, MAX_REFERRED);
    let note = clean(b.note);
    v.opt_text("note", note.as_deref(), 500);
    v.finish()?;
    let period = period.ok_or_else(|| ApiError::field("period", "invalid", period::SHAPE))?;
    let first =
        repo::find_partner(conn, m.id, id)?.ok_or_else(|| ApiError::not_found("partnership"))?;
    // Lock order everywhere: adoption, partnership, partner. The partner row's lock makes the
    // check of its share and the insert one step for concurrent requests.
    let partnership = repo::lock_partnership(conn, first.municipality_id, id)?
        .ok_or_else(|| ApiError::not_found("partnership"))?;
    let partner =
        repo::lock_partner(conn, m.id, id)?.ok_or_else(|| ApiError::not_found("partnership"))?;
    if partner.status != PartnerStatus::Accepted {
        return Err(ApiError::conflict(
            crate::codes::PARTNERSHIP_NOT_ACCEPTED,
            format!(
                "the invitation is {}; only an accepted partner refers against a share",
                partner.status
            ),
        ));
    }
    if !period::touches(&period, partnership.period_start, partnership.period_end) {
        return Err(ApiError::rule(
            crate::codes::REFERRAL_OUTSIDE_PERIOD,
            "period",
            "lies outside the partnership's period",
        ));
    }
    let Some(share) = partner.yearly_share else {
        return Err(ApiError::conflict(
            crate::codes::SHARE_NOT_AGREED,
            "no yearly share is agreed yet; the host sets it",
        ));
    };
    let used = repo::referred_in_year(conn, partner.municipality_id, partner.id, period.year)?;
    let after = used + i64::from(b.referred);
    let over = after > i64::from(share);
    if over && !partnership.allow_over_share {
        let left = (i64::from(share) - used).max(0);
        return Err(ApiError::with_fields(
            StatusCode::CONFLICT,
            crate::codes::SHARE_EXCEEDED,
            format!(
                "the share for {} is {share}, {used} used; {} more do not fit ({left} left)",
                period.year, b.referred
            ),
            vec![FieldError::new(
                "referred",
                "share_exceeded",
                format!("at most {left} more in {}", period.year),
            )],
        ));
    }
    let row = repo::insert_referral(conn, &partner, &period, b.referred, over, note.as_deref())?;
    let view = ReferralView::from_row(row, municipality_ref(m));
    record_change(
        conn,
        &scope.who,
        "create",
        referral_subject(view.id, &[m.id, partner.municipality_id]),
        None,
        Some(&view),
    )?;
    Ok(view)
}

/// Withdraws a referral recorded by mistake (the referring partner).
pub fn delete_referral(
    conn: &mut DbConnection,
    scope: &Scope,
    id: i64,
    referral_id: i64,
) -> Result<(), ApiError> {
    let m = &scope.municipality;
    let first =
        repo::find_partner(conn, m.id, id)?.ok_or_else(|| ApiError::not_found("partnership"))?;
    repo::lock_partnership(conn, first.municipality_id, id)?;
    let partner =
        repo::lock_partner(conn, m.id, id)?.ok_or_else(|| ApiError::not_found("partnership"))?;
    let r = repo::find_referral(conn, partner.municipality_id, id, referral_id)?
        .filter(|r| r.partner_id == partner.id)
        .ok_or_else(|| ApiError::not_found("referral"))?;
    repo::delete_referral(conn, partner.municipality_id, r.id)?;
    let before = ReferralView::from_row(r, municipality_ref(m));
    record_change(
        conn,
        &scope.who,
        "delete",
        referral_subject(before.id, &[m.id, partner.municipality_id]),
        Some(&before),
        None,
    )
}
