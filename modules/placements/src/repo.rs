//! All SQL of the placements module. Every function takes the connection and the municipality.
//!
//! Statistics are aggregated by the database, one statement per breakdown. Where the two
//! backends differ (date arithmetic, generating months) the statement is written per backend and
//! run with bind parameters: `$1` the municipality, `$2` the period's first day, `$3` its last
//! (SQLite reads them as the numbered `?1`, `?2`, `?3`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text};
use retning_kernel::db::{lock_row, Backend, DbConnection, MultiBackend};
use retning_kernel::schema::municipalities;
use retning_kernel::ApiError;

use crate::dto::StepInput;
use crate::model::{
    KindKey, MeasureCategory, MeasureRow, MeasureValues, NewMeasureRow, NewStep, StepChanges,
    StepRow, LINKABLE_REQUESTS,
};
use crate::schema::{
    evidence_programmes, offer_place_requests as opr, offers, placement_measures as pm,
    placement_steps as ps,
};
use crate::validate::Lookups;

// ------------------------------------------------------------------------------------------
// Staircase

pub fn steps(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<Vec<StepRow>> {
    ps::table
        .filter(ps::municipality_id.eq(municipality_id))
        .order((ps::position.asc(), ps::id.asc()))
        .select(StepRow::as_select())
        .load(conn)
}

/// Ids of the municipality's steps that measures stand on.
pub fn steps_in_use(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<HashSet<i64>> {
    let ids: Vec<Option<i64>> = pm::table
        .filter(pm::municipality_id.eq(municipality_id))
        .filter(pm::step_id.is_not_null())
        .select(pm::step_id)
        .distinct()
        .load(conn)?;
    Ok(ids.into_iter().flatten().collect())
}

/// Writes a staircase (already judged by `ops`) over the `current` steps: steps are matched by
/// key; missing keys are removed, kept ones updated, new ones added. Returns the new staircase.
pub fn write_staircase(
    conn: &mut DbConnection,
    municipality_id: i64,
    current: &[StepRow],
    input: &[StepInput],
) -> QueryResult<Vec<StepRow>> {
    let now = retning_kernel::now();
    for s in current {
        if !input.iter().any(|i| i.key.trim() == s.key) {
            diesel::delete(
                ps::table
                    .filter(ps::municipality_id.eq(municipality_id))
                    .filter(ps::id.eq(s.id)),
            )
            .execute(conn)?;
        }
    }
    for (i, step) in input.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let key = step.key.trim();
        let name = step.name.trim();
        let description = step
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        match current.iter().find(|s| s.key == key) {
            Some(s) => {
                diesel::update(
                    ps::table
                        .filter(ps::municipality_id.eq(municipality_id))
                        .filter(ps::id.eq(s.id)),
                )
                .set(&StepChanges {
                    position,
                    name,
                    standard_step: step.standard_step,
                    description,
                    updated_at: now,
                })
                .execute(conn)?;
            }
            None => {
                diesel::insert_into(ps::table)
                    .values(&NewStep {
                        municipality_id,
                        key,
                        position,
                        name,
                        standard_step: step.standard_step,
                        description,
                        created_at: now,
                        updated_at: now,
                    })
                    .execute(conn)?;
            }
        }
    }
    steps(conn, municipality_id)
}

// ------------------------------------------------------------------------------------------
// Lookups

/// Everything a measure may refer to: the municipality's steps, the programme catalogue, the
/// municipalities and the place requests it bought through (small tables, or few rows).
pub fn lookups(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<Lookups> {
    let steps = steps(conn, municipality_id)?;
    let programmes = evidence_programmes::table
        .select((
            evidence_programmes::short_name,
            evidence_programmes::id,
            evidence_programmes::name,
        ))
        .load::<(String, i64, String)>(conn)?
        .into_iter()
        .map(|(short, id, name)| (short, (id, name)))
        .collect();
    let municipalities = municipalities::table
        .select((municipalities::slug, municipalities::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let place_requests = linkable_requests(conn, municipality_id)?;
    Ok(Lookups {
        steps,
        programmes,
        municipalities,
        place_requests,
    })
}

// ------------------------------------------------------------------------------------------
// Measures

pub fn insert_measure(
    conn: &mut DbConnection,
    municipality_id: i64,
    values: &MeasureValues,
    synthetic: bool,
) -> QueryResult<MeasureRow> {
    let now = retning_kernel::now();
    let row = NewMeasureRow {
        municipality_id,
        values: values.clone(),
        synthetic,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(pm::table)
        .values(&row)
        .returning(pm::all_columns)
        .get_result(conn)
}

/// Inserts many measures of a municipality, several rows per statement; the values are
/// consumed as they go, so no second copy of them is built.
pub fn insert_measures(
    conn: &mut DbConnection,
    municipality_id: i64,
    values: Vec<MeasureValues>,
    synthetic: bool,
) -> QueryResult<usize> {
    // 25 columns: 400 rows stay below both backends' limits on bind parameters.
    const ROWS: usize = 400;
    let now = retning_kernel::now();
    let mut n = 0;
    let mut chunk = Vec::with_capacity(ROWS);
    let mut values = values.into_iter().peekable();
    while values.peek().is_some() {
        chunk.clear();
        chunk.extend(values.by_ref().take(ROWS).map(|values| NewMeasureRow {
            municipality_id,
            values,
            synthetic,
            created_at: now,
            updated_at: now,
        }));
        n += match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(pm::table).values(&chunk).execute(c)?,
            DbConnection::Postgres(c) => {
                diesel::insert_into(pm::table).values(&chunk).execute(c)?
            }
        };
    }
    Ok(n)
}

pub fn measure(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<MeasureRow, ApiError> {
    pm::table
        .filter(pm::municipality_id.eq(municipality_id))
        .filter(pm::id.eq(id))
        .select(MeasureRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("measure"))
}

/// The measure, locked for the rest of the write transaction.
pub fn measure_for_update(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> Result<MeasureRow, ApiError> {
    if !lock_row(conn, "placement_measures", id)? {
        return Err(ApiError::not_found("measure"));
    }
    measure(conn, municipality_id, id)
}

pub fn update_measure(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    values: &MeasureValues,
) -> QueryResult<MeasureRow> {
    diesel::update(
        pm::table
            .filter(pm::municipality_id.eq(municipality_id))
            .filter(pm::id.eq(id)),
    )
    .set((values, pm::updated_at.eq(retning_kernel::now())))
    .returning(pm::all_columns)
    .get_result(conn)
}

pub fn delete_measure(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<usize> {
    diesel::delete(
        pm::table
            .filter(pm::municipality_id.eq(municipality_id))
            .filter(pm::id.eq(id)),
    )
    .execute(conn)
}

/// What a list of measures is filtered by (already resolved).
#[derive(Debug, Default, Clone)]
pub struct MeasureCriteria {
    pub category: Option<MeasureCategory>,
    pub kind: Option<KindKey>,
    pub step_id: Option<i64>,
    pub open: Option<bool>,
    pub active_on: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub child_ref: Option<String>,
    pub synthetic: Option<bool>,
}

fn measure_query(
    municipality_id: i64,
    f: &MeasureCriteria,
) -> pm::BoxedQuery<'static, MultiBackend> {
    let mut q = pm::table
        .filter(pm::municipality_id.eq(municipality_id))
        .into_boxed();
    if let Some(c) = f.category {
        q = q.filter(pm::category.eq(c));
    }
    if let Some(k) = f.kind {
        q = q.filter(pm::kind.eq(k));
    }
    if let Some(s) = f.step_id {
        q = q.filter(pm::step_id.eq(s));
    }
    match f.open {
        Some(true) => q = q.filter(pm::end_date.is_null()),
        Some(false) => q = q.filter(pm::end_date.is_not_null()),
        None => {}
    }
    if let Some(d) = f.active_on {
        q = q
            .filter(pm::start_date.le(d))
            .filter(pm::end_date.is_null().or(pm::end_date.ge(d)));
    }
    if let Some(d) = f.to {
        q = q.filter(pm::start_date.le(d));
    }
    if let Some(d) = f.from {
        q = q.filter(pm::end_date.is_null().or(pm::end_date.ge(d)));
    }
    if let Some(c) = &f.child_ref {
        q = q.filter(pm::child_ref.eq(c.clone()));
    }
    if let Some(s) = f.synthetic {
        q = q.filter(pm::synthetic.eq(s));
    }
    q
}

/// A page of measures, newest start first, and the total.
pub fn list_measures(
    conn: &mut DbConnection,
    municipality_id: i64,
    f: &MeasureCriteria,
    sort: retning_kernel::pagination::Sort<crate::dto::MeasureSort>,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<MeasureRow>, i64)> {
    use crate::dto::MeasureSort;
    let total: i64 = measure_query(municipality_id, f).count().get_result(conn)?;
    let q = measure_query(municipality_id, f).select(MeasureRow::as_select());
    // Ties by id in the same direction; open measures (no end) last whichever the direction,
    // the same on both backends (they place NULLs differently).
    let q = match (sort.key, sort.descending) {
        (MeasureSort::StartDate, false) => q.order((pm::start_date.asc(), pm::id.asc())),
        (MeasureSort::StartDate, true) => q.order((pm::start_date.desc(), pm::id.desc())),
        (MeasureSort::EndDate, false) => q.order((
            pm::end_date.is_null().asc(),
            pm::end_date.asc(),
            pm::id.asc(),
        )),
        (MeasureSort::EndDate, true) => q.order((
            pm::end_date.is_null().asc(),
            pm::end_date.desc(),
            pm::id.desc(),
        )),
        (MeasureSort::Step, false) => q.order((pm::standard_step.asc(), pm::id.asc())),
        (MeasureSort::Step, true) => q.order((pm::standard_step.desc(), pm::id.desc())),
        (MeasureSort::UpdatedAt, false) => q.order((pm::updated_at.asc(), pm::id.asc())),
        (MeasureSort::UpdatedAt, true) => q.order((pm::updated_at.desc(), pm::id.desc())),
    };
    let rows = q.offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

/// Programmes by id (short name, name), and municipality slugs by id.
pub type Names = (HashMap<i64, (String, String)>, HashMap<i64, String>);

/// Names for views: programmes by id (short name, name), municipality slugs by id.
pub fn names(conn: &mut DbConnection) -> QueryResult<Names> {
    let programmes = evidence_programmes::table
        .select((
            evidence_programmes::id,
            evidence_programmes::short_name,
            evidence_programmes::name,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, s, n)| (id, (s, n)))
        .collect();
    let slugs = municipalities::table
        .select((municipalities::id, municipalities::slug))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok((programmes, slugs))
}

/// Who provides what the municipality's measures were bought through (the requests its measures
/// name, in any state): request id →
/// (providing municipality's slug, its name, the offer's name). Read through this module's own
/// declaration of the offers module's tables; on PostgreSQL the buyer's scoped transaction sees
/// its own requests.
pub fn bought(
    conn: &mut DbConnection,
    municipality_id: i64,
) -> QueryResult<HashMap<i64, (String, String, String)>> {
    let rows = opr::table
        .inner_join(offers::table)
        .filter(opr::municipality_id.eq(municipality_id))
        .filter(
            opr::id.nullable().eq_any(
                pm::table
                    .filter(pm::municipality_id.eq(municipality_id))
                    .filter(pm::place_request_id.is_not_null())
                    .select(pm::place_request_id),
            ),
        )
        .select((opr::id, opr::provider_municipality_id, offers::name))
        .load::<(i64, i64, String)>(conn)?;
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let providers: HashMap<i64, (String, String)> = municipalities::table
        .filter(municipalities::id.eq_any(rows.iter().map(|r| r.1).collect::<Vec<_>>()))
        .select((
            municipalities::id,
            municipalities::slug,
            municipalities::name,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| (id, (slug, name)))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, provider, offer)| {
            let (slug, name) = providers.get(&provider)?.clone();
            Some((id, (slug, name, offer)))
        })
        .collect())
}

/// The place requests a measure of the municipality may be bought through (its own as buyer,
/// accepted, active or ended): id → providing municipality's id.
pub fn linkable_requests(
    conn: &mut DbConnection,
    municipality_id: i64,
) -> QueryResult<HashMap<i64, i64>> {
    Ok(opr::table
        .filter(opr::municipality_id.eq(municipality_id))
        .filter(opr::status.eq_any(LINKABLE_REQUESTS))
        .select((opr::id, opr::provider_municipality_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The providing municipality of one of the municipality's own requests, whatever its state
/// (a measure keeps the link it has when the request later changes).
pub fn request_provider(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
) -> QueryResult<Option<i64>> {
    opr::table
        .filter(opr::municipality_id.eq(municipality_id))
        .filter(opr::id.eq(id))
        .select(opr::provider_municipality_id)
        .first(conn)
        .optional()
}

pub fn has_measures(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        pm::table.filter(pm::municipality_id.eq(municipality_id)),
    ))
    .get_result(conn)
}

/// Removes the municipality's generated demo measures.
pub fn delete_synthetic(conn: &mut DbConnection, municipality_id: i64) -> QueryResult<usize> {
    diesel::delete(
        pm::table
            .filter(pm::municipality_id.eq(municipality_id))
            .filter(pm::synthetic.eq(true)),
    )
    .execute(conn)
}

// ------------------------------------------------------------------------------------------
// Statistics

/// The statistics' SQL helpers (each backend's spellings come from `Backend`).
struct Sql(Backend);

impl Sql {
    /// Days of `m` within [`from`, `to`], both counted; `m` overlaps the period.
    fn overlap(&self, from: &str, to: &str) -> String {
        let end = self.0.least(&format!("COALESCE(m.end_date, {to})"), to);
        let start = self.0.greatest("m.start_date", from);
        format!("({} + 1)", self.0.date_diff(&end, &start))
    }
    fn sum(&self, expr: &str) -> String {
        format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
    }
    fn count_if(&self, cond: &str) -> String {
        self.sum(&format!("CASE WHEN {cond} THEN 1 ELSE 0 END"))
    }
    fn children_if(&self, cond: &str) -> String {
        format!("COUNT(DISTINCT CASE WHEN {cond} THEN m.child_ref END)")
    }
}

const OVERLAP: &str =
    "m.municipality_id = $1 AND m.start_date <= $3 AND (m.end_date IS NULL OR m.end_date >= $2)";
const ACTIVE_ON_END: &str = "(m.end_date IS NULL OR m.end_date >= $3)";
const STARTED: &str = "m.start_date >= $2";
const ENDED: &str = "(m.end_date IS NOT NULL AND m.end_date <= $3)";
const WITH_PROGRAMME: &str = "m.evidence_programme_id IS NOT NULL";

/// Runs a statistics statement with the three standard bind parameters.
fn load<R>(
    conn: &mut DbConnection,
    sql: impl Fn(&Sql) -> String,
    municipality_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(sql(&Sql(Backend::Sqlite)).replace('$', "?"))
            .bind::<BigInt, _>(municipality_id)
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .load(c),
        DbConnection::Postgres(c) => diesel::sql_query(sql(&Sql(Backend::Postgres)))
            .bind::<BigInt, _>(municipality_id)
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .load(c),
    }
}

/// Figures of a group of placements in a period.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct GroupRow {
    /// The kind, or the step id / standard step as text, or empty for totals.
    #[diesel(sql_type = Text)]
    pub group_key: String,
    #[diesel(sql_type = BigInt)]
    pub standard_step: i64,
    /// Measures running at some time in the period.
    #[diesel(sql_type = BigInt)]
    pub measures: i64,
    /// Distinct children among them.
    #[diesel(sql_type = BigInt)]
    pub children: i64,
    /// Days placed in the period.
    #[diesel(sql_type = BigInt)]
    pub days: i64,
    #[diesel(sql_type = BigInt)]
    pub on_end: i64,
    #[diesel(sql_type = BigInt)]
    pub on_end_children: i64,
    /// Yearly cost × days placed (kroner-days).
    #[diesel(sql_type = Double)]
    pub cost_days: f64,
    #[diesel(sql_type = BigInt)]
    pub synthetic: i64,
}

fn group_sql(s: &Sql, category: MeasureCategory, key: &str, group_by: &str) -> String {
    format!(
        "SELECT {key} AS group_key, {std} AS standard_step, COUNT(*) AS measures, COUNT(DISTINCT m.child_ref) AS children, \
         {days} AS days, {on_end} AS on_end, {on_end_children} AS on_end_children, \
         CAST(COALESCE(SUM(CAST(COALESCE(m.yearly_cost_dkk, 0) AS {dbl}) * {overlap}), 0) AS {dbl}) AS cost_days, \
         {synthetic} AS synthetic \
         FROM placement_measures m WHERE {OVERLAP} AND m.category = '{category}' {group_by}",
        category = category.as_str(),
        std = if group_by.is_empty() { "CAST(0 AS BIGINT)".to_owned() } else { "CAST(MIN(m.standard_step) AS BIGINT)".to_owned() },
        days = s.sum(&s.overlap("$2", "$3")),
        on_end = s.count_if(ACTIVE_ON_END),
        on_end_children = s.children_if(ACTIVE_ON_END),
        dbl = s.0.double_type(),
        overlap = s.overlap("$2", "$3"),
        synthetic = s.count_if("m.synthetic"),
    )
}

/// Placements of the period by kind.
pub fn placements_by_kind(
    conn: &mut DbConnection,
    municipality_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<GroupRow>> {
    load(
        conn,
        |s| group_sql(s, MeasureCategory::Placement, "m.kind", "GROUP BY m.kind"),
        municipality_id,
        from,
        to,
    )
}

/// Placements of the period by standard step (the distinct children need their own count).
pub fn placements_by_standard_step(
    conn: &mut DbConnection,
    municipality_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<GroupRow>> {
    load(
        conn,
        |s| {
            group_sql(
                s,
                MeasureCategory::Placement,
                "CAST(m.standard_step AS TEXT)",
                "GROUP BY m.standard_step",
            )
        },
        municipality_id,
        from,
        to,
    )
}

/// Placements of the period by the municipality's own step (`group_key` is the step id, empty
/// for placements on no step).
pub fn placements_by_step(
    conn: &mut DbConnection,
    municipality_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<GroupRow>> {
    load(
        conn,
        |s| {
            group_sql(
                s,
                MeasureCategory::Placement,
                "COALESCE(CAST(m.step_id AS TEXT), '')",
                "GROUP BY m.step_id",
            )
        },
        municipality_id,
        from,
        to,
    )
}

/// Totals of the period's placements, with flows and the over-14 figures.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct TotalsRow {
    #[diesel(sql_type = BigInt)]
    pub measures: i64,
    #[diesel(sql_type = BigInt)]
    pub children: i64,
    #[diesel(sql_type = BigInt)]
    pub days: i64,
    #[diesel(sql_type = BigInt)]
    pub on_end: i64,
    #[diesel(sql_type = BigInt)]
    pub on_end_children: i64,
    #[diesel(sql_type = BigInt)]
    pub started: i64,
    #[diesel(sql_type = BigInt)]
    pub started_children: i64,
    #[diesel(sql_type = BigInt)]
    pub ended: i64,
    #[diesel(sql_type = BigInt)]
    pub ended_children: i64,
    #[diesel(sql_type = BigInt)]
    pub with_programme: i64,
    #[diesel(sql_type = BigInt)]
    pub with_programme_children: i64,
    #[diesel(sql_type = BigInt)]
    pub without_programme_children: i64,
    #[diesel(sql_type = BigInt)]
    pub new_over_14: i64,
    #[diesel(sql_type = BigInt)]
    pub new_over_14_programme: i64,
    #[diesel(sql_type = BigInt)]
    pub new_over_14_programme_children: i64,
    #[diesel(sql_type = BigInt)]
    pub new_over_14_other_children: i64,
    #[diesel(sql_type = Double)]
    pub cost_days: f64,
    /// Measures with a yearly cost recorded.
    #[diesel(sql_type = BigInt)]
    pub with_cost: i64,
    #[diesel(sql_type = BigInt)]
    pub synthetic: i64,
}

fn totals_sql(s: &Sql, category: MeasureCategory) -> String {
    let over_14 = format!(
        "{STARTED} AND {} - m.birth_year >= 15",
        s.0.year_of("m.start_date")
    );
    let over_14_programme = format!("{over_14} AND {WITH_PROGRAMME}");
    let over_14_other = format!("{over_14} AND m.evidence_programme_id IS NULL");
    format!(
        "SELECT COUNT(*) AS measures, COUNT(DISTINCT m.child_ref) AS children, {days} AS days, \
         {on_end} AS on_end, {on_end_children} AS on_end_children, \
         {started} AS started, {started_children} AS started_children, {ended} AS ended, {ended_children} AS ended_children, \
         {with_programme} AS with_programme, {with_programme_children} AS with_programme_children, \
         {without_programme_children} AS without_programme_children, \
         {new_over_14} AS new_over_14, {new_over_14_programme} AS new_over_14_programme, \
         {over_14_programme_children} AS new_over_14_programme_children, {over_14_other_children} AS new_over_14_other_children, \
         CAST(COALESCE(SUM(CAST(COALESCE(m.yearly_cost_dkk, 0) AS {dbl}) * {overlap}), 0) AS {dbl}) AS cost_days, \
         {with_cost} AS with_cost, {synthetic} AS synthetic \
         FROM placement_measures m WHERE {OVERLAP} AND m.category = '{category}'",
        category = category.as_str(),
        days = s.sum(&s.overlap("$2", "$3")),
        on_end = s.count_if(ACTIVE_ON_END),
        on_end_children = s.children_if(ACTIVE_ON_END),
        started = s.count_if(STARTED),
        started_children = s.children_if(STARTED),
        ended = s.count_if(ENDED),
        ended_children = s.children_if(ENDED),
        with_programme = s.count_if(WITH_PROGRAMME),
        with_programme_children = s.children_if(WITH_PROGRAMME),
        without_programme_children = s.children_if("m.evidence_programme_id IS NULL"),
        new_over_14 = s.count_if(&over_14),
        new_over_14_programme = s.count_if(&over_14_programme),
        over_14_programme_children = s.children_if(&over_14_programme),
        over_14_other_children = s.children_if(&over_14_other),
        with_cost = s.count_if("m.yearly_cost_dkk IS NOT NULL"),
        dbl = s.0.double_type(),
        overlap = s.overlap("$2", "$3"),
        synthetic = s.count_if("m.synthetic"),
    )
}

pub fn placement_totals(
    conn: &mut DbConnection,
    municipality_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<TotalsRow> {
    Ok(load::<TotalsRow>(
        conn,
        |s| totals_sql(s, MeasureCategory::Placement),
        municipality_id,
        from,
        to,
    )?
    .pop()
    .unwrap_or_default())
}

pub fn support_totals(
    conn: &mut DbConnection,
    municipality_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<TotalsRow> {
    Ok(load::<TotalsRow>(
        conn,
        |s| totals_sql(s, MeasureCategory::Support),
        municipality_id,
        from,
        to,
    )?
    .pop()
    .unwrap_or_default())
}

/// Lengths (days, both ends counted) of the placements that ended in the period.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct DurationRow {
    #[diesel(sql_type = BigInt)]
    pub ended: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub average_days: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub median_days: Option<f64>,
}

pub fn durations(
    conn: &mut DbConnection,
    municipality_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<DurationRow> {
    let sql = |s: &Sql| {
        let dbl = s.0.double_type();
        format!(
            "SELECT COUNT(*) AS ended, AVG(CAST(r.d AS {dbl})) AS average_days, \
             AVG(CASE WHEN r.rn IN ((r.cnt + 1) / 2, (r.cnt + 2) / 2) THEN CAST(r.d AS {dbl}) END) AS median_days \
             FROM (SELECT x.d AS d, ROW_NUMBER() OVER (ORDER BY x.d) AS rn, COUNT(*) OVER () AS cnt \
                   FROM (SELECT ({len} + 1) AS d FROM placement_measures m \
                         WHERE m.municipality_id = $1 AND m.category = '{placement}' \
                         AND m.end_date IS NOT NULL AND m.end_date >= $2 AND m.end_date <= $3) x) r",
            len = s.0.date_diff("m.end_date", "m.start_date"),
            placement = MeasureCategory::Placement.as_str(),
        )
    };
    Ok(load::<DurationRow>(conn, sql, municipality_id, from, to)?
        .pop()
        .unwrap_or_default())
}

/// One month of placements.
#[derive(Debug, Clone, QueryableByName)]
pub struct MonthRow {
    #[diesel(sql_type = Date)]
    pub month_start: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub days: i64,
    #[diesel(sql_type = BigInt)]
    pub on_end: i64,
    #[diesel(sql_type = BigInt)]
    pub on_end_children: i64,
    #[diesel(sql_type = BigInt)]
    pub started: i64,
    #[diesel(sql_type = BigInt)]
    pub ended: i64,
    #[diesel(sql_type = BigInt)]
    pub synthetic: i64,
}

/// Placements per month from the month of `first` (its first day) to the month of `last` (its
/// first day), one statement.
pub fn months(
    conn: &mut DbConnection,
    municipality_id: i64,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<Vec<MonthRow>> {
    let sql = |s: &Sql| {
        let months = match s.0 {
            Backend::Sqlite => "WITH RECURSIVE b(m_start, m_end) AS ( \
                 SELECT date($2), date($2, '+1 month', '-1 day') \
                 UNION ALL SELECT date(m_start, '+1 month'), date(m_start, '+2 month', '-1 day') FROM b WHERE m_start < date($3)) \
                 SELECT b.m_start AS month_start, "
                .to_owned(),
            Backend::Postgres => "WITH b AS (SELECT CAST(g AS DATE) AS m_start, CAST(g + interval '1 month' - interval '1 day' AS DATE) AS m_end \
                 FROM generate_series(CAST($2 AS TIMESTAMP), CAST($3 AS TIMESTAMP), interval '1 month') AS g) \
                 SELECT b.m_start AS month_start, "
                .to_owned(),
        };
        format!(
            "{months}{days} AS days, {on_end} AS on_end, COUNT(DISTINCT CASE WHEN m.end_date IS NULL OR m.end_date >= b.m_end THEN m.child_ref END) AS on_end_children, \
             {started} AS started, {ended} AS ended, {synthetic} AS synthetic \
             FROM b LEFT JOIN placement_measures m ON m.municipality_id = $1 AND m.category = '{placement}' \
             AND m.start_date <= b.m_end AND (m.end_date IS NULL OR m.end_date >= b.m_start) \
             GROUP BY b.m_start, b.m_end ORDER BY b.m_start",
            days = s.sum(&format!(
                "({} + 1)",
                s.0.date_diff(&s.0.least("COALESCE(m.end_date, b.m_end)", "b.m_end"), &s.0.greatest("m.start_date", "b.m_start"))
            )),
            on_end = s.count_if("m.id IS NOT NULL AND (m.end_date IS NULL OR m.end_date >= b.m_end)"),
            started = s.count_if("m.start_date >= b.m_start"),
            ended = s.count_if("m.end_date IS NOT NULL AND m.end_date <= b.m_end"),
            synthetic = s.count_if("m.synthetic"),
            placement = MeasureCategory::Placement.as_str(),
        )
    };
    load(conn, sql, municipality_id, first, last)
}
