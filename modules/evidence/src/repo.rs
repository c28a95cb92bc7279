//! All SQL of the evidence module: functions taking the connection and, for tenant data, the
//! municipality. Rules that need what the database holds (capacity against shares, a share
//! against its use) live here too, so they run inside the caller's write transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::dsl::{exists, not, sum};
use diesel::prelude::*;
use retning_kernel::db::{lock_row, DbConnection, MultiBackend};
use retning_kernel::ApiError;

use retning_kernel::pagination::Sort;

use crate::dto::{PartyRole, ProgrammeFilter, ProgrammeSort};
use crate::model::{
    AdoptionChanges, AdoptionListing, AdoptionRow, AdoptionStatus, FiguresChanges, FiguresRow,
    MunicipalityName, NewFigures, NewPartner, NewReferralRow, PartnerChanges, PartnerRow,
    PartnerStatus, PartnershipChanges, PartnershipRow, ProgrammeData, ProgrammeRow, ReferralRow,
};
use crate::period::{self, Period};
use crate::schema::{
    disabled_modules, evidence_adoption_figures as fig, evidence_adoptions as ad,
    evidence_partnership_partners as pp, evidence_partnerships as ps, evidence_programmes as pr,
    evidence_referrals as rf, municipalities,
};
use crate::NAME;

// ---------------------------------------------------------------------------------------------
// Municipalities

pub fn municipality_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, MunicipalityName>> {
    let rows: Vec<(i64, String, String)> = municipalities::table
        .filter(municipalities::id.eq_any(ids.to_vec()))
        .select((
            municipalities::id,
            municipalities::slug,
            municipalities::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, name)| (id, MunicipalityName { id, slug, name }))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Programmes (platform-wide)

fn programme_query(f: &ProgrammeFilter) -> pr::BoxedQuery<'static, MultiBackend> {
    let mut q = pr::table.into_boxed();
    if let Some(step) = f.step {
        q = q
            .filter(pr::staircase_step_min.le(step))
            .filter(pr::staircase_step_max.ge(step));
    }
    if let Some(kind) = f.kind {
        q = q.filter(pr::kind.eq(kind));
    }
    if let Some(age) = f.age {
        q = q
            .filter(pr::age_min.is_null().or(pr::age_min.le(age)))
            .filter(pr::age_max.is_null().or(pr::age_max.ge(age)));
    }
    if let Some(s) = &f.short_name {
        q = q.filter(pr::short_name.eq(s.clone()));
    }
    q
}

pub fn list_programmes(
    conn: &mut DbConnection,
    f: &ProgrammeFilter,
    sort: Sort<ProgrammeSort>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ProgrammeRow>, i64)> {
    let q = programme_query(f).select(ProgrammeRow::as_select());
    let q = match (sort.key, sort.descending) {
        (ProgrammeSort::Name, false) => q.order((pr::name.asc(), pr::id.asc())),
        (ProgrammeSort::Name, true) => q.order((pr::name.desc(), pr::id.desc())),
        (ProgrammeSort::ShortName, false) => q.order(pr::short_name.asc()),
        (ProgrammeSort::ShortName, true) => q.order(pr::short_name.desc()),
        (ProgrammeSort::Id, false) => q.order(pr::id.asc()),
        (ProgrammeSort::Id, true) => q.order(pr::id.desc()),
    };
    let rows = q.limit(limit + 1).offset(offset).load(conn)?;
    let total = programme_query(f).count().get_result(conn)?;
    Ok((rows, total))
}

pub fn find_programme(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ProgrammeRow>> {
    pr::table
        .find(id)
        .select(ProgrammeRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_programme_by_short_name(
    conn: &mut DbConnection,
    short_name: &str,
) -> QueryResult<Option<ProgrammeRow>> {
    pr::table
        .filter(pr::short_name.eq(short_name))
        .select(ProgrammeRow::as_select())
        .first(conn)
        .optional()
}

fn short_name_taken(e: diesel::result::Error) -> ApiError {
    match ApiError::from(e) {
        e if e.status().as_u16() == 409 => ApiError::rule(
            crate::codes::PROGRAMME_SHORT_NAME_TAKEN,
            "short_name",
            "another programme has this short name",
        ),
        e => e,
    }
}

pub fn insert_programme(
    conn: &mut DbConnection,
    d: &ProgrammeData,
) -> Result<ProgrammeRow, ApiError> {
    let now = retning_kernel::now();
    diesel::insert_into(pr::table)
        .values((d, pr::created_at.eq(now), pr::updated_at.eq(now)))
        .returning(pr::all_columns)
        .get_result(conn)
        .map_err(short_name_taken)
}

pub fn update_programme(
    conn: &mut DbConnection,
    id: i64,
    d: &ProgrammeData,
) -> Result<ProgrammeRow, ApiError> {
    diesel::update(pr::table.find(id))
        .set((d, pr::updated_at.eq(retning_kernel::now())))
        .returning(pr::all_columns)
        .get_result(conn)
        .map_err(short_name_taken)
}

// ---------------------------------------------------------------------------------------------
// Adoptions

/// Which adoptions a query reads.
#[derive(Debug, Clone, Default)]
pub struct AdoptionSelection {
    /// One municipality's adoptions; `None`: every municipality that has the module on.
    pub municipality_id: Option<i64>,
    pub programme_id: Option<i64>,
    pub status: Option<AdoptionStatus>,
}

type ListingTuple = (AdoptionRow, String, String, String, String);

fn listing(
    (adoption, municipality_slug, municipality_name, programme_short_name, programme_name): ListingTuple,
) -> AdoptionListing {
    AdoptionListing {
        adoption,
        municipality_slug,
        municipality_name,
        programme_short_name,
        programme_name,
    }
}

fn adoption_query(
    f: &AdoptionSelection,
) -> diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::InnerJoin<diesel::dsl::InnerJoin<ad::table, pr::table>, municipalities::table>,
    MultiBackend,
> {
    let mut q = ad::table
        .inner_join(pr::table)
        .inner_join(municipalities::table)
        .into_boxed();
    match f.municipality_id {
        Some(m) => q = q.filter(ad::municipality_id.eq(m)),
        None => {
            q = q.filter(not(exists(
                disabled_modules::table
                    .filter(disabled_modules::municipality_id.eq(ad::municipality_id))
                    .filter(disabled_modules::module.eq(NAME)),
            )))
        }
    }
    if let Some(p) = f.programme_id {
        q = q.filter(ad::programme_id.eq(p));
    }
    if let Some(s) = f.status {
        q = q.filter(ad::status.eq(s));
    }
    q
}

/// Ordered by programme name, then municipality name.
pub fn list_adoptions(
    conn: &mut DbConnection,
    f: &AdoptionSelection,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AdoptionListing>, i64)> {
    let rows: Vec<ListingTuple> = adoption_query(f)
        .select((
            AdoptionRow::as_select(),
            municipalities::slug,
            municipalities::name,
            pr::short_name,
            pr::name,
        ))
        .order((pr::name.asc(), municipalities::name.asc(), ad::id.asc()))
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?;
    let total = adoption_query(f).count().get_result(conn)?;
    Ok((rows.into_iter().map(listing).collect(), total))
}

pub fn find_adoption_listing(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<AdoptionListing>> {
    let f = AdoptionSelection {
        municipality_id: Some(municipality_id),
        ..Default::default()
    };
    let row: Option<ListingTuple> = adoption_query(&f)
        .filter(ad::id.eq(id))
        .select((
            AdoptionRow::as_select(),
            municipalities::slug,
            municipalities::name,
            pr::short_name,
            pr::name,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(listing))
}

pub fn find_adoption(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<AdoptionRow>> {
    ad::table
        .filter(ad::municipality_id.eq(municipality_id))
        .filter(ad::id.eq(id))
        .select(AdoptionRow::as_select())
        .first(conn)
        .optional()
}

/// The adoption, locked for the rest of the write (see `retning_kernel::db::lock_row`).
pub fn lock_adoption(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<AdoptionRow>> {
    if find_adoption(conn, municipality_id, id)?.is_none() {
        return Ok(None);
    }
    lock_row(conn, "evidence_adoptions", id)?;
    find_adoption(conn, municipality_id, id)
}

pub fn find_adoption_by_programme(
    conn: &mut DbConnection,
    municipality_id: i64,
    programme_id: i64,
) -> QueryResult<Option<AdoptionRow>> {
    ad::table
        .filter(ad::municipality_id.eq(municipality_id))
        .filter(ad::programme_id.eq(programme_id))
        .select(AdoptionRow::as_select())
        .first(conn)
        .optional()
}

fn adoption_exists() -> ApiError {
    ApiError::conflict(
        crate::codes::ADOPTION_EXISTS,
        "the municipality has already adopted this programme",
    )
}

pub fn insert_adoption(
    conn: &mut DbConnection,
    municipality_id: i64,
    programme_id: i64,
    d: &AdoptionChanges,
) -> Result<AdoptionRow, ApiError> {
    if find_adoption_by_programme(conn, municipality_id, programme_id)?.is_some() {
        return Err(adoption_exists());
    }
    let now = retning_kernel::now();
    diesel::insert_into(ad::table)
        .values((
            ad::municipality_id.eq(municipality_id),
            ad::programme_id.eq(programme_id),
            d,
            ad::created_at.eq(now),
            ad::updated_at.eq(now),
        ))
        .returning(ad::all_columns)
        .get_result(conn)
        .map_err(|e| match ApiError::from(e) {
            // A concurrent insert of the same programme won.
            e if e.status().as_u16() == 409 => adoption_exists(),
            e => e,
        })
}

pub fn update_adoption(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    d: &AdoptionChanges,
) -> QueryResult<AdoptionRow> {
    diesel::update(
        ad::table
            .filter(ad::municipality_id.eq(municipality_id))
            .filter(ad::id.eq(id)),
    )
    .set((d, ad::updated_at.eq(retning_kernel::now())))
    .returning(ad::all_columns)
    .get_result(conn)
}

pub fn count_partnerships_on(
    conn: &mut DbConnection,
    municipality_id: i64,
    adoption_id: i64,
) -> QueryResult<i64> {
    ps::table
        .filter(ps::municipality_id.eq(municipality_id))
        .filter(ps::adoption_id.eq(adoption_id))
        .count()
        .get_result(conn)
}

/// Deletes an adoption and its figures; returns how many figure rows went with it. The caller
/// has checked that no partnership shares it.
pub fn delete_adoption(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<usize> {
    let figures = diesel::delete(
        fig::table
            .filter(fig::municipality_id.eq(municipality_id))
            .filter(fig::adoption_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(
        ad::table
            .filter(ad::municipality_id.eq(municipality_id))
            .filter(ad::id.eq(id)),
    )
    .execute(conn)?;
    Ok(figures)
}

// ---------------------------------------------------------------------------------------------
// Figures

pub fn list_figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    adoption_id: i64,
    year: Option<i32>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<FiguresRow>, i64)> {
    let query = || {
        let mut q = fig::table
            .filter(fig::municipality_id.eq(municipality_id))
            .filter(fig::adoption_id.eq(adoption_id))
            .into_boxed();
        if let Some(y) = year {
            let start = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN);
            let end = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX);
            q = q
                .filter(fig::period_start.ge(start))
                .filter(fig::period_end.le(end));
        }
        q
    };
    let rows = query()
        .select(FiguresRow::as_select())
        .order((fig::period_start.asc(), fig::period_end.asc()))
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?;
    let total = query().count().get_result(conn)?;
    Ok((rows, total))
}

pub fn find_figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    adoption_id: i64,
    period: &str,
) -> QueryResult<Option<FiguresRow>> {
    fig::table
        .filter(fig::municipality_id.eq(municipality_id))
        .filter(fig::adoption_id.eq(adoption_id))
        .filter(fig::period.eq(period))
        .select(FiguresRow::as_select())
        .first(conn)
        .optional()
}

/// Sets an adoption's figures for a period (the adoption is locked by the caller). Returns the
/// row and what it replaced. Periods of one adoption may not overlap (a year and its halves
/// would count twice).
pub fn put_figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    adoption_id: i64,
    period: &Period,
    (started, completed, dropped_out): (i32, i32, i32),
) -> Result<(FiguresRow, Option<FiguresRow>), ApiError> {
    let now = retning_kernel::now();
    if let Some(before) = find_figures(conn, municipality_id, adoption_id, &period.label)? {
        let row = diesel::update(fig::table.find(before.id))
            .set(&FiguresChanges {
                started,
                completed,
                dropped_out,
                updated_at: now,
            })
            .returning(fig::all_columns)
            .get_result(conn)?;
        return Ok((row, Some(before)));
    }
    let clash: Option<String> = fig::table
        .filter(fig::municipality_id.eq(municipality_id))
        .filter(fig::adoption_id.eq(adoption_id))
        .filter(fig::period_start.le(period.end))
        .filter(fig::period_end.ge(period.start))
        .select(fig::period)
        .first(conn)
        .optional()?;
    if let Some(other) = clash {
        return Err(ApiError::rule(
            crate::codes::FIGURES_PERIOD_OVERLAPS,
            "path.period",
            format!(
                "overlaps the figures already given for {other}; use one period length per span"
            ),
        ));
    }
    let row = diesel::insert_into(fig::table)
        .values(&NewFigures {
            municipality_id,
            adoption_id,
            period: &period.label,
            period_start: period.start,
            period_end: period.end,
            started,
            completed,
            dropped_out,
            created_at: now,
            updated_at: now,
        })
        .returning(fig::all_columns)
        .get_result(conn)?;
    Ok((row, None))
}

pub fn delete_figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    adoption_id: i64,
    period: &str,
) -> QueryResult<Option<FiguresRow>> {
    let Some(row) = find_figures(conn, municipality_id, adoption_id, period)? else {
        return Ok(None);
    };
    diesel::delete(fig::table.find(row.id)).execute(conn)?;
    Ok(Some(row))
}

// ---------------------------------------------------------------------------------------------
// Partnerships

/// Whether `partner` is an accepted partner of a partnership on the host's adoption.
pub fn is_accepted_partner(
    conn: &mut DbConnection,
    host_id: i64,
    adoption_id: i64,
    partner: i64,
) -> QueryResult<bool> {
    let n: i64 = pp::table
        .inner_join(ps::table)
        .filter(ps::municipality_id.eq(host_id))
        .filter(ps::adoption_id.eq(adoption_id))
        .filter(pp::municipality_id.eq(host_id))
        .filter(pp::partner_municipality_id.eq(partner))
        .filter(pp::status.eq(PartnerStatus::Accepted))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find_partnership(
    conn: &mut DbConnection,
    host_id: i64,
    id: i64,
) -> QueryResult<Option<PartnershipRow>> {
    ps::table
        .filter(ps::municipality_id.eq(host_id))
        .filter(ps::id.eq(id))
        .select(PartnershipRow::as_select())
        .first(conn)
        .optional()
}

pub fn partners_of(
    conn: &mut DbConnection,
    host_id: i64,
    partnership_id: i64,
) -> QueryResult<Vec<PartnerRow>> {
    pp::table
        .filter(pp::municipality_id.eq(host_id))
        .filter(pp::partnership_id.eq(partnership_id))
        .select(PartnerRow::as_select())
        .order(pp::id.asc())
        .load(conn)
}

/// The partner row of `partner` in a partnership (whoever hosts it).
pub fn find_partner(
    conn: &mut DbConnection,
    partner: i64,
    partnership_id: i64,
) -> QueryResult<Option<PartnerRow>> {
    pp::table
        .filter(pp::partner_municipality_id.eq(partner))
        .filter(pp::partnership_id.eq(partnership_id))
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()
}

/// The partner row, locked for the rest of the write and read again after the lock.
pub fn lock_partner(
    conn: &mut DbConnection,
    partner: i64,
    partnership_id: i64,
) -> QueryResult<Option<PartnerRow>> {
    let Some(row) = find_partner(conn, partner, partnership_id)? else {
        return Ok(None);
    };
    lock_row(conn, "evidence_partnership_partners", row.id)?;
    find_partner(conn, partner, partnership_id)
}

/// The partnership as the municipality is party to it: as host, or as partner (with its row).
pub fn find_for_party(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<PartnershipRow>> {
    if let Some(p) = find_partnership(conn, municipality_id, id)? {
        return Ok(Some(p));
    }
    let Some(partner) = find_partner(conn, municipality_id, id)? else {
        return Ok(None);
    };
    find_partnership(conn, partner.municipality_id, id)
}

/// Partnerships the municipality hosts or is invited to, oldest first.
pub fn list_partnerships(
    conn: &mut DbConnection,
    municipality_id: i64,
    party: Option<PartyRole>,
    adoption_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<PartnershipRow>, i64)> {
    let query = || {
        let as_partner = pp::table
            .filter(pp::partner_municipality_id.eq(municipality_id))
            .select(pp::partnership_id);
        let mut q = ps::table.into_boxed();
        q = match party {
            None => q.filter(
                ps::municipality_id
                    .eq(municipality_id)
                    .or(ps::id.eq_any(as_partner)),
            ),
            Some(PartyRole::Host) => q.filter(ps::municipality_id.eq(municipality_id)),
            Some(PartyRole::Partner) => q.filter(ps::id.eq_any(as_partner)),
        };
        if let Some(a) = adoption_id {
            q = q.filter(ps::adoption_id.eq(a));
        }
        q
    };
    let rows = query()
        .select(PartnershipRow::as_select())
        .order(ps::id.asc())
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?;
    let total = query().count().get_result(conn)?;
    Ok((rows, total))
}

/// A partnership with everything its views need.
#[derive(Debug, Clone)]
pub struct PartnershipBundle {
    pub partnership: PartnershipRow,
    pub adoption: AdoptionRow,
    pub programme_short_name: String,
    pub programme_name: String,
    pub host: MunicipalityName,
    pub partners: Vec<(PartnerRow, MunicipalityName)>,
    /// Per partner row id: referred per calendar year.
    pub referred: HashMap<i64, BTreeMap<i32, i64>>,
}

/// Loads what the views of these partnerships need in a fixed number of queries.
pub fn bundles(
    conn: &mut DbConnection,
    rows: Vec<PartnershipRow>,
) -> QueryResult<Vec<PartnershipBundle>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let adoption_ids: Vec<i64> = rows.iter().map(|r| r.adoption_id).collect();
    let adoptions: HashMap<i64, (AdoptionRow, String, String)> = ad::table
        .inner_join(pr::table)
        .filter(ad::id.eq_any(adoption_ids))
        .select((AdoptionRow::as_select(), pr::short_name, pr::name))
        .load::<(AdoptionRow, String, String)>(conn)?
        .into_iter()
        .map(|t| (t.0.id, t))
        .collect();
    let partners: Vec<PartnerRow> = pp::table
        .filter(pp::partnership_id.eq_any(ids.clone()))
        .select(PartnerRow::as_select())
        .order(pp::id.asc())
        .load(conn)?;
    let uses: Vec<(i64, i32, Option<i64>)> = rf::table
        .filter(rf::partnership_id.eq_any(ids))
        .group_by((rf::partner_id, rf::share_year))
        .select((rf::partner_id, rf::share_year, sum(rf::referred)))
        .load(conn)?;
    let mut municipality_ids: Vec<i64> = rows.iter().map(|r| r.municipality_id).collect();
    municipality_ids.extend(partners.iter().map(|p| p.partner_municipality_id));
    municipality_ids.sort_unstable();
    municipality_ids.dedup();
    let names = municipality_names(conn, &municipality_ids)?;
    let name = |id: i64| {
        names.get(&id).cloned().unwrap_or(MunicipalityName {
            id,
            slug: String::new(),
            name: String::new(),
        })
    };
    let mut referred: HashMap<i64, BTreeMap<i32, i64>> = HashMap::new();
    for (partner_id, year, n) in uses {
        referred
            .entry(partner_id)
            .or_default()
            .insert(year, n.unwrap_or(0));
    }
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        let Some((adoption, short_name, programme_name)) = adoptions.get(&p.adoption_id).cloned()
        else {
            continue;
        };
        let mine: Vec<(PartnerRow, MunicipalityName)> = partners
            .iter()
            .filter(|r| r.partnership_id == p.id)
            .map(|r| (r.clone(), name(r.partner_municipality_id)))
            .collect();
        let used = mine
            .iter()
            .filter_map(|(r, _)| referred.get(&r.id).map(|m| (r.id, m.clone())))
            .collect();
        out.push(PartnershipBundle {
            host: name(p.municipality_id),
            partnership: p,
            adoption,
            programme_short_name: short_name,
            programme_name,
            partners: mine,
            referred: used,
        });
    }
    Ok(out)
}

pub fn bundle(conn: &mut DbConnection, row: PartnershipRow) -> Result<PartnershipBundle, ApiError> {
    bundles(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::not_found("partnership"))
}

/// A share as a range of days with an amount, for the capacity rule.
#[derive(Debug, Clone, Copy)]
struct Commitment {
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    shares: i64,
}

fn contains(c: &Commitment, point: Option<NaiveDate>) -> bool {
    let after_start = match (c.start, point) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(s), Some(p)) => s <= p,
    };
    after_start && c.end.is_none_or(|e| point.is_none_or(|p| p <= e))
}

/// Shares (of partners who have not declined) that other partnerships on the adoption hold,
/// at their peak within `range` (open bounds are open-ended). Shares are per year, so the
/// peak over overlapping periods is what the capacity must carry.
fn other_commitments(
    conn: &mut DbConnection,
    host_id: i64,
    adoption_id: i64,
    exclude: Option<i64>,
) -> QueryResult<Vec<Commitment>> {
    let rows: Vec<(i64, Option<NaiveDate>, Option<NaiveDate>)> = ps::table
        .filter(ps::municipality_id.eq(host_id))
        .filter(ps::adoption_id.eq(adoption_id))
        .select((ps::id, ps::period_start, ps::period_end))
        .load(conn)?;
    let mut out = Vec::new();
    for (id, start, end) in rows {
        if Some(id) == exclude {
            continue;
        }
        let shares: Option<i64> = pp::table
            .filter(pp::municipality_id.eq(host_id))
            .filter(pp::partnership_id.eq(id))
            .filter(pp::status.ne(PartnerStatus::Declined))
            .select(sum(pp::yearly_share))
            .first(conn)?;
        out.push(Commitment {
            start,
            end,
            shares: shares.unwrap_or(0),
        });
    }
    Ok(out)
}

fn peak_within(others: &[Commitment], range: (Option<NaiveDate>, Option<NaiveDate>)) -> i64 {
    let this = Commitment {
        start: range.0,
        end: range.1,
        shares: 0,
    };
    // The most shares at once is reached where some period starts.
    std::iter::once(range.0)
        .chain(others.iter().map(|c| c.start))
        .filter(|p| contains(&this, *p))
        .map(|p| {
            others
                .iter()
                .filter(|c| contains(c, p))
                .map(|c| c.shares)
                .sum::<i64>()
        })
        .max()
        .unwrap_or(0)
}

/// The largest sum of yearly shares the adoption's partnerships promise at any one time, and
/// whether any share is agreed at all.
pub fn committed_peak(
    conn: &mut DbConnection,
    host_id: i64,
    adoption_id: i64,
) -> QueryResult<(i64, bool)> {
    let all = other_commitments(conn, host_id, adoption_id, None)?;
    let any: i64 = pp::table
        .inner_join(ps::table)
        .filter(ps::municipality_id.eq(host_id))
        .filter(ps::adoption_id.eq(adoption_id))
        .filter(pp::status.ne(PartnerStatus::Declined))
        .filter(pp::yearly_share.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((peak_within(&all, (None, None)), any > 0))
}

/// A partner's share in a partnership being created or changed; `index` is its position in
/// the request's `partners` (none for partners the request leaves as they are).
#[derive(Debug, Clone, Copy)]
pub struct ShareSpec {
    pub index: Option<usize>,
    pub yearly_share: Option<i32>,
}

/// Shares may not exceed the host adoption's yearly capacity, counted with the shares of other
/// partnerships on the adoption that overlap in time. The error names the first share that
/// tips it over (`partners[2].yearly_share`).
pub fn check_shares(
    conn: &mut DbConnection,
    adoption: &AdoptionRow,
    exclude: Option<i64>,
    range: (Option<NaiveDate>, Option<NaiveDate>),
    shares: &[ShareSpec],
    fallback_field: &str,
) -> Result<(), ApiError> {
    let field = |s: &ShareSpec| {
        s.index.map_or_else(
            || fallback_field.to_owned(),
            |i| format!("partners[{i}].yearly_share"),
        )
    };
    let Some(capacity) = adoption.yearly_capacity else {
        return match shares.iter().find(|s| s.yearly_share.is_some()) {
            Some(s) => Err(ApiError::rule(
                crate::codes::CAPACITY_UNKNOWN,
                field(s),
                "the host adoption has no yearly capacity; set it before agreeing shares",
            )),
            None => Ok(()),
        };
    };
    let others = other_commitments(conn, adoption.municipality_id, adoption.id, exclude)?;
    let base = peak_within(&others, range);
    let mut total = base;
    for s in shares {
        total += i64::from(s.yearly_share.unwrap_or(0));
        if total > i64::from(capacity) {
            let with_others = if base > 0 {
                format!(" (with {base} shared in overlapping partnerships)")
            } else {
                String::new()
            };
            return Err(ApiError::rule(
                crate::codes::SHARES_EXCEED_CAPACITY,
                field(s),
                format!(
                    "the yearly shares come to {total}{with_others}, more than the adoption's yearly capacity of {capacity}"
                ),
            ));
        }
    }
    Ok(())
}

pub fn insert_partnership(
    conn: &mut DbConnection,
    host_id: i64,
    adoption_id: i64,
    d: &PartnershipChanges,
) -> QueryResult<PartnershipRow> {
    let now = retning_kernel::now();
    diesel::insert_into(ps::table)
        .values((
            ps::municipality_id.eq(host_id),
            ps::adoption_id.eq(adoption_id),
            d,
            ps::created_at.eq(now),
            ps::updated_at.eq(now),
        ))
        .returning(ps::all_columns)
        .get_result(conn)
}

pub fn update_partnership(
    conn: &mut DbConnection,
    host_id: i64,
    id: i64,
    d: &PartnershipChanges,
) -> QueryResult<PartnershipRow> {
    diesel::update(
        ps::table
            .filter(ps::municipality_id.eq(host_id))
            .filter(ps::id.eq(id)),
    )
    .set((d, ps::updated_at.eq(retning_kernel::now())))
    .returning(ps::all_columns)
    .get_result(conn)
}

/// The partnership row, locked for the rest of the write.
pub fn lock_partnership(
    conn: &mut DbConnection,
    host_id: i64,
    id: i64,
) -> QueryResult<Option<PartnershipRow>> {
    if find_partnership(conn, host_id, id)?.is_none() {
        return Ok(None);
    }
    lock_row(conn, "evidence_partnerships", id)?;
    find_partnership(conn, host_id, id)
}

pub fn insert_partner(
    conn: &mut DbConnection,
    host_id: i64,
    partnership_id: i64,
    partner: i64,
    yearly_share: Option<i32>,
) -> QueryResult<PartnerRow> {
    let now = retning_kernel::now();
    diesel::insert_into(pp::table)
        .values(&NewPartner {
            municipality_id: host_id,
            partnership_id,
            partner_municipality_id: partner,
            yearly_share,
            status: PartnerStatus::Invited,
            invited_at: now,
            updated_at: now,
        })
        .returning(pp::all_columns)
        .get_result(conn)
}

/// Sets a partner's share; a changed share, or a declined partner invited again, re-opens the
/// invitation (the partner agreed to the old terms, not the new).
pub fn reinvite_partner(
    conn: &mut DbConnection,
    host_id: i64,
    row: &PartnerRow,
    yearly_share: Option<i32>,
) -> QueryResult<PartnerRow> {
    let now = retning_kernel::now();
    let reopen = row.yearly_share != yearly_share || row.status == PartnerStatus::Declined;
    diesel::update(
        pp::table
            .filter(pp::municipality_id.eq(host_id))
            .filter(pp::id.eq(row.id)),
    )
    .set(&PartnerChanges {
        yearly_share,
        status: if reopen {
            PartnerStatus::Invited
        } else {
            row.status
        },
        invited_at: if reopen { now } else { row.invited_at },
        responded_at: if reopen { None } else { row.responded_at },
        updated_at: now,
    })
    .returning(pp::all_columns)
    .get_result(conn)
}

pub fn answer_invitation(
    conn: &mut DbConnection,
    row: &PartnerRow,
    status: PartnerStatus,
) -> QueryResult<PartnerRow> {
    let now = retning_kernel::now();
    diesel::update(
        pp::table
            .filter(pp::municipality_id.eq(row.municipality_id))
            .filter(pp::id.eq(row.id)),
    )
    .set(&PartnerChanges {
        yearly_share: row.yearly_share,
        status,
        invited_at: row.invited_at,
        responded_at: Some(now),
        updated_at: now,
    })
    .returning(pp::all_columns)
    .get_result(conn)
}

// ---------------------------------------------------------------------------------------------
// Referrals

/// Families or children the partner referred in a calendar year (the partner row is locked by
/// the caller, so this does not change before the insert).
pub fn referred_in_year(
    conn: &mut DbConnection,
    host_id: i64,
    partner_row_id: i64,
    year: i32,
) -> QueryResult<i64> {
    let n: Option<i64> = rf::table
        .filter(rf::municipality_id.eq(host_id))
        .filter(rf::partner_id.eq(partner_row_id))
        .filter(rf::share_year.eq(year))
        .select(sum(rf::referred))
        .first(conn)?;
    Ok(n.unwrap_or(0))
}

pub fn insert_referral(
    conn: &mut DbConnection,
    partner: &PartnerRow,
    period: &Period,
    referred: i32,
    over_share: bool,
    note: Option<&str>,
) -> QueryResult<ReferralRow> {
    diesel::insert_into(rf::table)
        .values(&NewReferralRow {
            municipality_id: partner.municipality_id,
            partnership_id: partner.partnership_id,
            partner_id: partner.id,
            partner_municipality_id: partner.partner_municipality_id,
            share_year: period.year,
            period: &period.label,
            period_start: period.start,
            period_end: period.end,
            referred,
            over_share,
            note,
            created_at: retning_kernel::now(),
        })
        .returning(rf::all_columns)
        .get_result(conn)
}

/// Referrals of a partnership (of one partner when `partner` is given), newest first.
pub fn list_referrals(
    conn: &mut DbConnection,
    host_id: i64,
    partnership_id: i64,
    partner: Option<i64>,
    year: Option<i32>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<ReferralRow>, i64)> {
    let query = || {
        let mut q = rf::table
            .filter(rf::municipality_id.eq(host_id))
            .filter(rf::partnership_id.eq(partnership_id))
            .into_boxed();
        if let Some(p) = partner {
            q = q.filter(rf::partner_municipality_id.eq(p));
        }
        if let Some(y) = year {
            q = q.filter(rf::share_year.eq(y));
        }
        q
    };
    let rows = query()
        .select(ReferralRow::as_select())
        .order(rf::id.desc())
        .limit(limit + 1)
        .offset(offset)
        .load(conn)?;
    let total = query().count().get_result(conn)?;
    Ok((rows, total))
}

pub fn find_referral(
    conn: &mut DbConnection,
    host_id: i64,
    partnership_id: i64,
    id: i64,
) -> QueryResult<Option<ReferralRow>> {
    rf::table
        .filter(rf::municipality_id.eq(host_id))
        .filter(rf::partnership_id.eq(partnership_id))
        .filter(rf::id.eq(id))
        .select(ReferralRow::as_select())
        .first(conn)
        .optional()
}

pub fn delete_referral(conn: &mut DbConnection, host_id: i64, id: i64) -> QueryResult<usize> {
    diesel::delete(
        rf::table
            .filter(rf::municipality_id.eq(host_id))
            .filter(rf::id.eq(id)),
    )
    .execute(conn)
}

// ---------------------------------------------------------------------------------------------
// Computed indicators

fn percent(used: i64, capacity: i64) -> Option<f64> {
    (capacity > 0).then(|| {
        let v = used as f64 * 100.0 / capacity as f64;
        (v * 10.0).round() / 10.0
    })
}

/// Families or children started in the municipality's adoptions in the twelve months ending on
/// `on`, as a percentage of their yearly capacity. Counts adoptions that are not merely planned,
/// have a capacity, ran during those months, and have figures for a period ending in them.
pub fn adoption_capacity_use(
    conn: &mut DbConnection,
    municipality_id: i64,
    on: NaiveDate,
) -> QueryResult<Option<f64>> {
    let (from, to) = period::year_ending(on);
    let adoptions: Vec<(i64, Option<i32>)> = ad::table
        .filter(ad::municipality_id.eq(municipality_id))
        .filter(ad::status.ne(AdoptionStatus::Planned))
        .filter(ad::yearly_capacity.gt(0))
        .filter(ad::started_on.is_null().or(ad::started_on.le(to)))
        .filter(ad::ended_on.is_null().or(ad::ended_on.ge(from)))
        .select((ad::id, ad::yearly_capacity))
        .load(conn)?;
    if adoptions.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = adoptions.iter().map(|a| a.0).collect();
    let figures: Vec<(i64, i32)> = fig::table
        .filter(fig::municipality_id.eq(municipality_id))
        .filter(fig::adoption_id.eq_any(ids))
        .filter(fig::period_end.ge(from))
        .filter(fig::period_end.le(to))
        .select((fig::adoption_id, fig::started))
        .load(conn)?;
    let mut started: HashMap<i64, i64> = HashMap::new();
    for (id, n) in figures {
        *started.entry(id).or_default() += i64::from(n);
    }
    if started.is_empty() {
        return Ok(None);
    }
    let capacity: i64 = adoptions
        .iter()
        .filter(|(id, _)| started.contains_key(id))
        .map(|(_, c)| i64::from(c.unwrap_or(0)))
        .sum();
    Ok(percent(started.values().sum(), capacity))
}

/// Referred in the twelve months ending on `on` against the yearly shares of accepted partners
/// (shares agreed, partnership period touching those months), as a percentage. `as_host`: the
/// partnerships the municipality hosts; otherwise its own shares in others' partnerships.
pub fn share_use(
    conn: &mut DbConnection,
    municipality_id: i64,
    as_host: bool,
    on: NaiveDate,
) -> QueryResult<Option<f64>> {
    let (from, to) = period::year_ending(on);
    let mut q = pp::table
        .inner_join(ps::table)
        .filter(pp::status.eq(PartnerStatus::Accepted))
        .filter(pp::yearly_share.is_not_null())
        .filter(ps::period_start.is_null().or(ps::period_start.le(to)))
        .filter(ps::period_end.is_null().or(ps::period_end.ge(from)))
        .into_boxed();
    q = if as_host {
        q.filter(ps::municipality_id.eq(municipality_id))
    } else {
        q.filter(pp::partner_municipality_id.eq(municipality_id))
    };
    let shares: Vec<(i64, Option<i32>)> = q.select((pp::id, pp::yearly_share)).load(conn)?;
    if shares.is_empty() {
        return Ok(None);
    }
    let capacity: i64 = shares.iter().map(|s| i64::from(s.1.unwrap_or(0))).sum();
    let ids: Vec<i64> = shares.iter().map(|s| s.0).collect();
    let referred: Option<i64> = rf::table
        .filter(rf::partner_id.eq_any(ids))
        .filter(rf::period_end.ge(from))
        .filter(rf::period_end.le(to))
        .select(sum(rf::referred))
        .first(conn)?;
    Ok(percent(referred.unwrap_or(0), capacity))
}
