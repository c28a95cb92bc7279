//! All SQL of the offers module: functions taking the connection and, for tenant data, the
//! municipality. The capacity rule (the peak load over a period against the approved places)
//! is one SQL predicate here, used by acceptance, by the market's vacancy filter and by a
//! change of approved places alike.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::{exists, not, sql, sum};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Double, Integer, Nullable, Text};
use retning_kernel::db::{lock_row, Backend, DbConnection, MultiBackend};
use retning_kernel::pagination::Sort;

use crate::dto::OfferProgramme;
use crate::model::{
    Law, MunicipalityName, NewOffer, NewPartner, NewRequest, NewTargetGroup, OfferRow, OfferSort,
    OfferStatus, OfferType, OfferValues, OfferVisibility, Party, RatePeriod, RequestRow,
    RequestStatus, RequestTransition, TargetGroupRow, BOOKED,
};
use crate::schema::{
    disabled_modules, evidence_programmes as pr, municipalities, offer_bookings as ob,
    offer_partners as op, offer_place_requests as rq, offer_target_groups as tg, offers,
};
use crate::NAME;

// ---------------------------------------------------------------------------------------------
// Municipalities and programmes

pub fn municipality_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, MunicipalityName>> {
    let rows: Vec<MunicipalityName> = municipalities::table
        .filter(municipalities::id.eq_any(ids.to_vec()))
        .select((
            municipalities::id,
            municipalities::slug,
            municipalities::name,
            municipalities::region,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// The municipalities among `slugs` that exist and have the module switched on: (slug, id).
pub fn enabled_municipalities(
    conn: &mut DbConnection,
    slugs: &[String],
) -> QueryResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = municipalities::table
        .filter(municipalities::slug.eq_any(slugs.to_vec()))
        .filter(not(exists(
            disabled_modules::table
                .filter(disabled_modules::municipality_id.eq(municipalities::id))
                .filter(disabled_modules::module.eq(NAME)),
        )))
        .select((municipalities::slug, municipalities::id))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn programme_by_short_name(
    conn: &mut DbConnection,
    short_name: &str,
) -> QueryResult<Option<i64>> {
    pr::table
        .filter(pr::short_name.eq(short_name))
        .select(pr::id)
        .first(conn)
        .optional()
}

pub fn programmes(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, OfferProgramme>> {
    let rows: Vec<(i64, String, String)> = pr::table
        .filter(pr::id.eq_any(ids.to_vec()))
        .select((pr::id, pr::short_name, pr::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, short_name, name)| {
            (
                id,
                OfferProgramme {
                    id,
                    short_name,
                    name,
                },
            )
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Capacity

/// Whether `places` more fit on every day from `from` to `to` (both included) beside the places
/// accepted and active requests already book, for the offer of the surrounding query (`offers`).
///
/// The load only rises where a booking starts, so its peak over the period is at `from` or at
/// the start of a booking that starts inside the period: the predicate checks those days and no
/// others. An offer without approved places has room for nothing.
fn fits(
    places: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Box<dyn BoxableExpression<offers::table, MultiBackend, SqlType = Bool>> {
    let [a, b] = BOOKED;
    Box::new(sql::<Bool>("(COALESCE(offers.approved_places, 0) - ")
        .bind::<Integer, _>(places)
        .sql(" >= (SELECT COALESCE(SUM(b.places), 0) FROM offer_bookings b WHERE b.offer_id = offers.id AND b.status IN (")
        .bind::<Text, _>(a)
        .sql(", ")
        .bind::<Text, _>(b)
        .sql(") AND b.period_start <= ")
        .bind::<Date, _>(from)
        .sql(" AND b.period_end >= ")
        .bind::<Date, _>(from)
        .sql(") AND NOT EXISTS (SELECT 1 FROM offer_bookings s WHERE s.offer_id = offers.id AND s.status IN (")
        .bind::<Text, _>(a)
        .sql(", ")
        .bind::<Text, _>(b)
        .sql(") AND s.period_start > ")
        .bind::<Date, _>(from)
        .sql(" AND s.period_start <= ")
        .bind::<Date, _>(to)
        .sql(" AND COALESCE(offers.approved_places, 0) - ")
        .bind::<Integer, _>(places)
        .sql(" < (SELECT SUM(b.places) FROM offer_bookings b WHERE b.offer_id = offers.id AND b.status IN (")
        .bind::<Text, _>(a)
        .sql(", ")
        .bind::<Text, _>(b)
        .sql(") AND b.period_start <= s.period_start AND b.period_end >= s.period_start)))"))
}

/// Whether `places` more fit into the offer on every day of the period (see [`fits`]).
pub fn places_fit(
    conn: &mut DbConnection,
    offer_id: i64,
    places: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<bool> {
    let n: i64 = offers::table
        .filter(offers::id.eq(offer_id))
        .into_boxed()
        .filter(fits(places, from, to))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Places booked (accepted and active requests) on `day`, per offer.
pub fn booked_on(
    conn: &mut DbConnection,
    offer_ids: &[i64],
    day: NaiveDate,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, Option<i64>)> = ob::table
        .filter(ob::offer_id.eq_any(offer_ids.to_vec()))
        .filter(ob::status.eq_any(BOOKED))
        .filter(ob::period_start.le(day))
        .filter(ob::period_end.ge(day))
        .group_by(ob::offer_id)
        .select((ob::offer_id, sum(ob::places)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, n.unwrap_or(0)))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Offers

/// What a caller may see: its own municipality's offers (drafts too), others' offers that are
/// not drafts and are either for all or name the caller's municipality as a partner; only of
/// providers with the module on.
fn visible_to(
    viewer: Option<i64>,
) -> Box<dyn BoxableExpression<offers::table, MultiBackend, SqlType = Bool>> {
    let enabled = not(exists(
        disabled_modules::table
            .filter(disabled_modules::municipality_id.eq(offers::municipality_id))
            .filter(disabled_modules::module.eq(NAME)),
    ));
    let published = offers::status.ne(OfferStatus::Draft);
    match viewer {
        None => Box::new(
            enabled
                .and(published)
                .and(offers::visibility.eq(OfferVisibility::All)),
        ),
        Some(v) => Box::new(
            enabled.and(
                offers::municipality_id.eq(v).or(published.and(
                    offers::visibility.eq(OfferVisibility::All).or(exists(
                        op::table
                            .filter(op::offer_id.eq(offers::id))
                            .filter(op::partner_municipality_id.eq(v)),
                    )),
                )),
            ),
        ),
    }
}

/// The market's selection of offers.
#[derive(Debug, Default, Clone)]
pub struct OfferSelection {
    /// Only this provider's offers.
    pub provider_id: Option<i64>,
    pub provider_slug: Option<String>,
    pub status: Option<OfferStatus>,
    pub offer_type: Option<OfferType>,
    pub law: Option<Law>,
    pub target_group: Option<String>,
    pub age: Option<i32>,
    pub step: Option<i32>,
    pub region: Option<String>,
    pub programme: Option<String>,
    /// A `LIKE` pattern over name, description, provider unit and method (lower case).
    pub text: Option<String>,
    /// (places, from, to): at least `places` free on every day of the period.
    pub vacancy: Option<(i32, NaiveDate, NaiveDate)>,
}

fn offer_query(
    viewer: Option<i64>,
    s: &OfferSelection,
) -> offers::BoxedQuery<'static, MultiBackend> {
    let mut q = offers::table.filter(visible_to(viewer)).into_boxed();
    if let Some(p) = s.provider_id {
        q = q.filter(offers::municipality_id.eq(p));
    }
    if let Some(slug) = &s.provider_slug {
        q = q.filter(
            offers::municipality_id.eq_any(
                municipalities::table
                    .filter(municipalities::slug.eq(slug.clone()))
                    .select(municipalities::id),
            ),
        );
    }
    if let Some(region) = &s.region {
        q = q.filter(
            offers::municipality_id.eq_any(
                municipalities::table
                    .filter(municipalities::region.eq(region.clone()))
                    .select(municipalities::id),
            ),
        );
    }
    if let Some(status) = s.status {
        q = q.filter(offers::status.eq(status));
    }
    if let Some(t) = s.offer_type {
        q = q.filter(offers::offer_type.eq(t));
    }
    if let Some(law) = s.law {
        q = q.filter(offers::legal_law.eq(law));
    }
    if let Some(group) = &s.target_group {
        q = q.filter(exists(
            tg::table
                .filter(tg::offer_id.eq(offers::id))
                .filter(tg::target_group.eq(group.clone())),
        ));
    }
    if let Some(age) = s.age {
        q = q
            .filter(offers::age_min.is_null().or(offers::age_min.le(age)))
            .filter(offers::age_max.is_null().or(offers::age_max.ge(age)));
    }
    if let Some(step) = s.step {
        q = q.filter(offers::staircase_step.eq(step));
    }
    if let Some(p) = &s.programme {
        q = q.filter(
            offers::programme_id.eq_any(
                pr::table
                    .filter(pr::short_name.eq(p.clone()))
                    .select(pr::id.nullable()),
            ),
        );
    }
    if let Some(pattern) = &s.text {
        q = q.filter(
            sql::<Bool>(
                "LOWER(offers.name || ' ' || COALESCE(offers.description, '') || ' ' || \
                 COALESCE(offers.provider_unit, '') || ' ' || COALESCE(offers.method, '')) LIKE ",
            )
            .bind::<Text, _>(pattern.clone())
            .sql(" ESCAPE '\\'"),
        );
    }
    if let Some((places, from, to)) = s.vacancy {
        q = q.filter(fits(places, from, to));
    }
    q
}

/// A page of the offers `viewer` may see, and how many there are in all (two queries).
pub fn list_offers(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    s: &OfferSelection,
    sort: Sort<OfferSort>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<OfferRow>, i64)> {
    let total: i64 = offer_query(viewer, s).count().get_result(conn)?;
    let mut q = offer_query(viewer, s);
    let provider_name = municipalities::table
        .filter(municipalities::id.eq(offers::municipality_id))
        .select(municipalities::name)
        .single_value();
    q = match (sort.key, sort.descending) {
        (OfferSort::Name, false) => q.order(offers::name.asc()),
        (OfferSort::Name, true) => q.order(offers::name.desc()),
        (OfferSort::Provider, false) => q.order((provider_name.asc(), offers::name.asc())),
        (OfferSort::Provider, true) => q.order((provider_name.desc(), offers::name.asc())),
        (OfferSort::ApprovedPlaces, false) => q.order((
            offers::approved_places.is_null().asc(),
            offers::approved_places.asc(),
        )),
        (OfferSort::ApprovedPlaces, true) => q.order((
            offers::approved_places.is_null().asc(),
            offers::approved_places.desc(),
        )),
        (OfferSort::UpdatedAt, false) => q.order(offers::updated_at.asc()),
        (OfferSort::UpdatedAt, true) => q.order(offers::updated_at.desc()),
    };
    let rows = q
        .then_order_by(offers::id.asc())
        .select(OfferRow::as_select())
        .offset(offset)
        .limit(limit + 1)
        .load(conn)?;
    Ok((rows, total))
}

/// One offer, if `viewer` may see it.
pub fn visible_offer(
    conn: &mut DbConnection,
    viewer: Option<i64>,
    id: i64,
) -> QueryResult<Option<OfferRow>> {
    offers::table
        .filter(offers::id.eq(id))
        .filter(visible_to(viewer))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()
}

/// One of the provider's own offers.
pub fn own_offer(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<OfferRow>> {
    offers::table
        .filter(offers::id.eq(id))
        .filter(offers::municipality_id.eq(municipality_id))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()
}

/// Locks an offer's row for the rest of the write transaction (PostgreSQL `FOR UPDATE`; on
/// SQLite the write transaction holds the database's write lock already): every change of its
/// load or its approved places passes here first, so the capacity check and the write are one
/// step for concurrent requests.
pub fn lock_offer(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    lock_row(conn, "offers", id)
}

pub fn offer_name_taken(
    conn: &mut DbConnection,
    municipality_id: i64,
    name: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut q = offers::table
        .filter(offers::municipality_id.eq(municipality_id))
        .filter(offers::name.eq(name.to_owned()))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(offers::id.ne(id));
    }
    let n: i64 = q.count().get_result(conn)?;
    Ok(n > 0)
}

pub fn insert_offer(conn: &mut DbConnection, new: &NewOffer) -> QueryResult<OfferRow> {
    diesel::insert_into(offers::table)
        .values(new)
        .returning(offers::all_columns)
        .get_result(conn)
}

pub fn update_offer(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    values: &OfferValues,
) -> QueryResult<OfferRow> {
    diesel::update(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::municipality_id.eq(municipality_id)),
    )
    .set(values)
    .returning(offers::all_columns)
    .get_result(conn)
}

/// Whether any place request names the offer (such an offer is closed, never deleted).
pub fn offer_has_requests(conn: &mut DbConnection, offer_id: i64) -> QueryResult<bool> {
    let n: i64 = ob::table
        .filter(ob::offer_id.eq(offer_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn delete_offer(conn: &mut DbConnection, municipality_id: i64, id: i64) -> QueryResult<usize> {
    diesel::delete(tg::table.filter(tg::offer_id.eq(id))).execute(conn)?;
    diesel::delete(op::table.filter(op::offer_id.eq(id))).execute(conn)?;
    diesel::delete(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::municipality_id.eq(municipality_id)),
    )
    .execute(conn)
}

pub fn replace_target_groups(
    conn: &mut DbConnection,
    municipality_id: i64,
    offer_id: i64,
    groups: &[String],
) -> QueryResult<()> {
    diesel::delete(tg::table.filter(tg::offer_id.eq(offer_id))).execute(conn)?;
    let rows: Vec<NewTargetGroup> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| NewTargetGroup {
            municipality_id,
            offer_id,
            position: i32::try_from(i).unwrap_or(i32::MAX),
            target_group: g.clone(),
        })
        .collect();
    for row in &rows {
        diesel::insert_into(tg::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn replace_partners(
    conn: &mut DbConnection,
    municipality_id: i64,
    offer_id: i64,
    partners: &[i64],
) -> QueryResult<()> {
    diesel::delete(op::table.filter(op::offer_id.eq(offer_id))).execute(conn)?;
    let rows: Vec<NewPartner> = partners
        .iter()
        .map(|p| NewPartner {
            municipality_id,
            offer_id,
            partner_municipality_id: *p,
        })
        .collect();
    for row in &rows {
        diesel::insert_into(op::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// The target groups of offers, in the provider's order.
pub fn target_groups(
    conn: &mut DbConnection,
    offer_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<TargetGroupRow> = tg::table
        .filter(tg::offer_id.eq_any(offer_ids.to_vec()))
        .order((tg::offer_id, tg::position))
        .select(TargetGroupRow::as_select())
        .load(conn)?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for r in rows {
        out.entry(r.offer_id).or_default().push(r.target_group);
    }
    Ok(out)
}

/// The partner municipalities' slugs of offers, alphabetically.
pub fn partner_slugs(
    conn: &mut DbConnection,
    offer_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = op::table
        .inner_join(municipalities::table.on(municipalities::id.eq(op::partner_municipality_id)))
        .filter(op::offer_id.eq_any(offer_ids.to_vec()))
        .order((op::offer_id, municipalities::slug))
        .select((op::offer_id, municipalities::slug))
        .load(conn)?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, slug) in rows {
        out.entry(id).or_default().push(slug);
    }
    Ok(out)
}

/// Offer rows by id, whatever their status (the figures name the offers they count).
pub fn offers_by_id(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, OfferRow>> {
    let rows: Vec<OfferRow> = offers::table
        .filter(offers::id.eq_any(ids.to_vec()))
        .select(OfferRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

/// Names of offers by id (for place requests; whoever is party to a request sees its offer's
/// name even once the offer is a draft again).
pub fn offer_names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = offers::table
        .filter(offers::id.eq_any(ids.to_vec()))
        .select((offers::id, offers::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Place requests

pub fn insert_request(conn: &mut DbConnection, new: &NewRequest) -> QueryResult<RequestRow> {
    diesel::insert_into(rq::table)
        .values(new)
        .returning(rq::all_columns)
        .get_result(conn)
}

/// A request the municipality is a party to.
pub fn find_request(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<RequestRow>> {
    rq::table
        .filter(rq::id.eq(id))
        .filter(
            rq::municipality_id
                .eq(municipality_id)
                .or(rq::provider_municipality_id.eq(municipality_id)),
        )
        .select(RequestRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_request_status(
    conn: &mut DbConnection,
    id: i64,
    status: RequestStatus,
) -> QueryResult<RequestRow> {
    diesel::update(rq::table.filter(rq::id.eq(id)))
        .set(&RequestTransition {
            status,
            updated_at: retning_kernel::now(),
        })
        .returning(rq::all_columns)
        .get_result(conn)
}

/// What a municipality's list of place requests selects.
#[derive(Debug, Clone, Copy)]
pub struct RequestSelection {
    pub party: Option<Party>,
    pub status: Option<RequestStatus>,
    pub offer_id: Option<i64>,
}

fn request_query(
    municipality_id: i64,
    s: RequestSelection,
) -> rq::BoxedQuery<'static, MultiBackend> {
    let mut q = rq::table.into_boxed();
    q = match s.party {
        Some(Party::Buyer) => q.filter(rq::municipality_id.eq(municipality_id)),
        Some(Party::Provider) => q.filter(rq::provider_municipality_id.eq(municipality_id)),
        None => q.filter(
            rq::municipality_id
                .eq(municipality_id)
                .or(rq::provider_municipality_id.eq(municipality_id)),
        ),
    };
    if let Some(status) = s.status {
        q = q.filter(rq::status.eq(status));
    }
    if let Some(offer) = s.offer_id {
        q = q.filter(rq::offer_id.eq(offer));
    }
    q
}

/// A page of the requests the municipality is a party to, newest first, and their number.
pub fn list_requests(
    conn: &mut DbConnection,
    municipality_id: i64,
    s: RequestSelection,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<RequestRow>, i64)> {
    let total: i64 = request_query(municipality_id, s).count().get_result(conn)?;
    let rows = request_query(municipality_id, s)
        .order(rq::id.desc())
        .select(RequestRow::as_select())
        .offset(offset)
        .limit(limit + 1)
        .load(conn)?;
    Ok((rows, total))
}

// ---------------------------------------------------------------------------------------------
// Figures: place-days sold, occupancy and revenue, computed from the request rows each time

/// The figures' SQL helpers (each backend's spellings come from `Backend`).
struct Sql(Backend);

impl Sql {
    /// Place-days of booking `r` within the period `$2`..`$3` (both included); `r` overlaps it.
    fn place_days(&self, r: &str) -> String {
        let end = self.0.least(&format!("{r}.period_end"), "$3");
        let start = self.0.greatest(&format!("{r}.period_start"), "$2");
        format!("{r}.places * ({} + 1)", self.0.date_diff(&end, &start))
    }
    /// `sold` place-days as a percent of `capacity` places × `$4` days, one decimal; NULL
    /// without capacity.
    fn percent(&self, sold: &str, capacity: &str) -> String {
        format!(
            "CASE WHEN {capacity} > 0 THEN CAST(ROUND({sold} * 1000.0 / ({capacity} * $4)) / 10.0 AS {}) END",
            self.0.double_type()
        )
    }
}

/// Whose figures: a provider's offers (all, or one), or what a buyer bought.
#[derive(Debug, Clone, Copy)]
pub enum FigureScope {
    /// The provider's offers (one when given), every offer with or without sales.
    Provider { offer_id: Option<i64> },
    /// One of the provider's offers, a row per buying municipality that bought in the period.
    ByBuyer { offer_id: i64 },
    /// The offers the municipality bought places in during the period, its own places only.
    Buyer,
}

/// Figures of an offer in a period (for a buyer when `buyer_id` is not 0).
#[derive(Debug, Clone, QueryableByName)]
pub struct FigureRow {
    #[diesel(sql_type = BigInt)]
    pub offer_id: i64,
    /// The buying municipality of a per-buyer row; 0 otherwise.
    #[diesel(sql_type = BigInt)]
    pub buyer_id: i64,
    /// Requests with sold place-days in the period.
    #[diesel(sql_type = BigInt)]
    pub requests: i64,
    #[diesel(sql_type = BigInt)]
    pub place_days: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub occupancy_percent: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub revenue_dkk: Option<i64>,
}

/// The figures statement. Parameters: `$1` the municipality (provider or buyer), `$2`/`$3` the
/// period, `$4` its days, `$5` an offer (0: any), `$6`..`$8` the sold states, `$9`/`$10` the
/// day and month rate periods.
///
/// Sold place-days are places × the days of each accepted, active or ended request within the
/// period, both ends included. Occupancy is sold place-days ÷ (approved places × days of the
/// period). Revenue is rate × place-days for a day rate; for a month rate a place-day is
/// 12 / (days of the period) months, so rate × 12 × place-days ÷ days, rounded to whole kroner
/// (half up).
fn figures_sql(s: &Sql, scope: FigureScope) -> String {
    let (party, by_buyer, join) = match scope {
        FigureScope::Provider { .. } => ("r.provider_municipality_id = $1", false, "LEFT JOIN"),
        FigureScope::ByBuyer { .. } => ("r.provider_municipality_id = $1", true, "JOIN"),
        FigureScope::Buyer => ("r.municipality_id = $1", false, "JOIN"),
    };
    let (buyer_col, group) = if by_buyer {
        ("r.municipality_id", ", r.municipality_id")
    } else {
        ("CAST(0 AS BIGINT)", "")
    };
    let own_offers = match scope {
        FigureScope::Buyer => "",
        FigureScope::Provider { .. } | FigureScope::ByBuyer { .. } => "o.municipality_id = $1 AND ",
    };
    let sold = "COALESCE(s.place_days, 0)";
    format!(
        "SELECT o.id AS offer_id, COALESCE(s.buyer_id, 0) AS buyer_id, \
           COALESCE(s.requests, 0) AS requests, {sold} AS place_days, \
           {occupancy} AS occupancy_percent, \
           CASE WHEN o.rate_period = $9 THEN o.rate_dkk * {sold} \
                WHEN o.rate_period = $10 THEN (o.rate_dkk * 24 * {sold} + $4) / (2 * $4) END AS revenue_dkk \
         FROM offers o {join} ( \
           SELECT r.offer_id AS offer_id, {buyer_col} AS buyer_id, COUNT(*) AS requests, \
             CAST(SUM({days}) AS BIGINT) AS place_days \
           FROM offer_place_requests r \
           WHERE {party} AND r.status IN ($6, $7, $8) AND r.period_start <= $3 AND r.period_end >= $2 \
           GROUP BY r.offer_id{group} \
         ) s ON s.offer_id = o.id \
         WHERE {own_offers}($5 = 0 OR o.id = $5) \
         ORDER BY o.name, o.id, buyer_id",
        occupancy = s.percent(sold, "o.approved_places"),
        days = s.place_days("r"),
    )
}

/// The states whose place-days count as sold: places accepted, in use or used.
pub const SOLD: [RequestStatus; 3] = [
    RequestStatus::Accepted,
    RequestStatus::Active,
    RequestStatus::Ended,
];

/// Figures of offers over the period `from`..`to` (both included) for `municipality_id` in
/// the role `scope` names (see [`figures_sql`]).
pub fn figures(
    conn: &mut DbConnection,
    municipality_id: i64,
    scope: FigureScope,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<FigureRow>> {
    let days = (to - from).num_days() + 1;
    let offer = match scope {
        FigureScope::Provider { offer_id } => offer_id.unwrap_or(0),
        FigureScope::ByBuyer { offer_id } => offer_id,
        FigureScope::Buyer => 0,
    };
    let [a, b, c] = SOLD;
    macro_rules! run {
        ($c:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<BigInt, _>(municipality_id)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .bind::<BigInt, _>(days)
                .bind::<BigInt, _>(offer)
                .bind::<Text, _>(a)
                .bind::<Text, _>(b)
                .bind::<Text, _>(c)
                .bind::<Text, _>(RatePeriod::Day)
                .bind::<Text, _>(RatePeriod::Month)
                .load($c)
        };
    }
    match conn {
        DbConnection::Sqlite(c) => run!(
            c,
            figures_sql(&Sql(Backend::Sqlite), scope).replace('$', "?")
        ),
        DbConnection::Postgres(c) => run!(c, figures_sql(&Sql(Backend::Postgres), scope)),
    }
}

#[derive(Debug, Clone, QueryableByName)]
struct OccupancyRow {
    #[diesel(sql_type = Nullable<Double>)]
    percent: Option<f64>,
}

/// Percent of the approved place-days of the provider's offers with approved places (drafts
/// left out: they are not offered) that were sold from `from` to `to`, one decimal; `None`
/// when it has no such offer. Read through `offer_bookings`, so it is the same in any scope.
/// Parameters: `$1` the provider, `$2`/`$3` the period, `$4` its days, `$5`..`$7` the sold
/// states, `$8` the draft status.
pub fn occupancy(
    conn: &mut DbConnection,
    provider_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Option<f64>> {
    let days = (to - from).num_days() + 1;
    let [a, b, c] = SOLD;
    let statement = |s: &Sql| {
        let own = "o.municipality_id = $1 AND o.approved_places > 0 AND o.status <> $8";
        format!(
            "SELECT {percent} AS percent \
             FROM (SELECT COALESCE(SUM(o.approved_places), 0) AS capacity FROM offers o WHERE {own}) cap, \
                  (SELECT COALESCE(SUM({days}), 0) AS sold FROM offer_bookings b \
                     JOIN offers o ON o.id = b.offer_id \
                     WHERE {own} AND b.status IN ($5, $6, $7) AND b.period_start <= $3 AND b.period_end >= $2) used",
            percent = s.percent("used.sold", "cap.capacity"),
            days = s.place_days("b"),
        )
    };
    macro_rules! run {
        ($c:expr, $sql:expr) => {
            diesel::sql_query($sql)
                .bind::<BigInt, _>(provider_id)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .bind::<BigInt, _>(days)
                .bind::<Text, _>(a)
                .bind::<Text, _>(b)
                .bind::<Text, _>(c)
                .bind::<Text, _>(OfferStatus::Draft)
                .get_result::<OccupancyRow>($c)
        };
    }
    let row = match conn {
        DbConnection::Sqlite(c) => run!(c, statement(&Sql(Backend::Sqlite)).replace('$', "?")),
        DbConnection::Postgres(c) => run!(c, statement(&Sql(Backend::Postgres))),
    }?;
    Ok(row.percent)
}
