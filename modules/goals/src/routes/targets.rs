//! Targets: measurable goals on any node, listed with what is derived from their measurements.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, with_etag, Json, Query};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::pagination::{Page, PageParams};
use retning_kernel::{tenancy, ApiError, Db, DbConnection, Principal, Validator};

use super::nodes::writable_strategy;
use super::{as_of, sees_internal};
use crate::dto::*;
use crate::model::{NodeRow, StrategyRow, TargetRow};
use crate::progress::Direction;
use crate::repo;
use crate::schema::{strategies, targets};
use crate::views::{self, Lookup};
use crate::{perm, NAME};

/// Checks a whole target (a new one, or an existing one with a patch applied).
pub(crate) fn validate_target(
    t: &NewTarget,
    indicators: &IndicatorRegistry,
) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.text("title", &t.title, 1000);
    v.text("indicator", &t.indicator, 300);
    for (field, value) in [
        ("baseline_value", t.baseline_value),
        ("target_value", t.target_value),
    ] {
        let Some(value) = value else { continue };
        if !value.is_finite() {
            v.add(field, "invalid", "must be a finite number");
        } else if t.unit == Unit::Percent && !(0.0..=100.0).contains(&value) {
            v.add(
                field,
                "out_of_range",
                "a percentage must be between 0 and 100",
            );
        } else if t.unit == Unit::Dkk && value.fract() != 0.0 {
            v.add(field, "not_whole", "amounts are whole kroner");
        } else if matches!(t.unit, Unit::Count | Unit::Dkk | Unit::Ratio) && value < 0.0 {
            v.add(field, "out_of_range", "must not be negative");
        }
    }
    if t.direction == Direction::Keep {
        v.check(
            t.target_value.is_some() || t.baseline_value.is_some(),
            "target_value",
            "required",
            "a keep target needs a value to keep",
        );
    }
    match (
        t.source.unwrap_or(Source::Manual),
        t.computed_indicator.as_deref(),
    ) {
        (Source::Manual, Some(_)) => v.add(
            "computed_indicator",
            "not_allowed",
            "only computed targets name an indicator",
        ),
        (Source::Computed, None) => v.add(
            "computed_indicator",
            "required",
            "a computed target names its indicator (see GET /api/v1/indicators)",
        ),
        (Source::Computed, Some(key)) => match indicators.get(key) {
            None => v.add(
                "computed_indicator",
                "unknown_indicator",
                "is not a registered indicator (see GET /api/v1/indicators)",
            ),
            Some(i) if i.unit() != t.unit.as_str() => v.add(
                "unit",
                "mismatch",
                format!("the indicator {key} is measured in {}", i.unit()),
            ),
            Some(_) => {}
        },
        (Source::Manual, None) => {}
    }
    v.finish()?;
    if let (Some(baseline), Some(deadline)) = (t.baseline_date, t.deadline) {
        if deadline < baseline {
            return Err(ApiError::rule(
                "goals.target.deadline_before_baseline",
                "deadline",
                "must not be before baseline_date",
            ));
        }
    }
    Ok(())
}

/// Inserts a target (shared by the API and the seed loader).
pub(crate) fn insert_target(
    conn: &mut DbConnection,
    node: &NodeRow,
    key: Option<&str>,
    t: &NewTarget,
    owner_unit_id: Option<i64>,
    theme_ids: &[i64],
) -> Result<TargetRow, ApiError> {
    let now = retning_kernel::now();
    let position = repo::next_target_position(conn, node.id)?;
    let source = t.source.unwrap_or(Source::Manual);
    let row: TargetRow = diesel::insert_into(targets::table)
        .values((
            targets::municipality_id.eq(node.municipality_id),
            targets::strategy_id.eq(node.strategy_id),
            targets::node_id.eq(node.id),
            targets::key.eq(key),
            targets::position.eq(position),
            targets::title.eq(t.title.trim()),
            targets::indicator.eq(t.indicator.trim()),
            targets::unit.eq(t.unit.as_str()),
            targets::direction.eq(direction_str(t.direction)),
            targets::baseline_value.eq(t.baseline_value),
            targets::baseline_date.eq(t.baseline_date),
            targets::target_value.eq(t.target_value),
            targets::deadline.eq(t.deadline),
            targets::frequency.eq(frequency_str(t.frequency)),
            targets::owner_unit_id.eq(owner_unit_id),
            targets::source.eq(if source == Source::Computed {
                "computed"
            } else {
                "manual"
            }),
            targets::computed_indicator.eq(&t.computed_indicator),
            targets::created_at.eq(now),
            targets::updated_at.eq(now),
        ))
        .returning(targets::all_columns)
        .get_result(conn)?;
    repo::set_target_themes(conn, node.municipality_id, row.id, theme_ids)?;
    Ok(row)
}

/// A target the caller may see (its strategy public, or the caller a member): 404 otherwise.
pub(crate) fn visible_target(
    conn: &mut DbConnection,
    municipality_id: i64,
    id: i64,
    include_internal: bool,
) -> Result<(TargetRow, StrategyRow), ApiError> {
    let t = repo::target(conn, municipality_id, id)?;
    let s = repo::strategy(conn, municipality_id, t.strategy_id, include_internal)
        .map_err(|_| ApiError::not_found("target"))?;
    Ok((t, s))
}

/// Add a target to a node (editors).
#[utoipa::path(
    operation_id = "goals_create_target",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The node's id")),
    request_body = NewTarget,
    responses((status = 201, description = "Created", body = TargetView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/nodes/{id}/targets")]
pub async fn create(
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: Json<NewTarget>,
) -> Result<HttpResponse, ApiError> {
    let (slug, node_id) = path.into_inner();
    let body = body.0;
    let (view, slug) = db
        .write(move |conn| {
            let m = tenancy::resolve(conn, &slug, NAME)?;
            who.require(&perm::WRITE, Some(m.id))?;
            let node = repo::node(conn, m.id, node_id)?;
            writable_strategy(conn, m.id, node.strategy_id)?;
            validate_target(&body, &indicators)?;
            let owner = body.owner_unit.as_deref().map(|k| repo::unit_id(conn, m.id, "owner_unit", k)).transpose()?;
            let theme_ids = repo::theme_ids(conn, "themes", &body.themes)?;
            let row = insert_target(conn, &node, None, &body, owner, &theme_ids)?;
            audit::record(conn, &who, Change {
                municipality_id: Some(m.id),
                action: "create",
                object_type: "target",
                object_id: Some(row.id),
                details: serde_json::json!({
                    "node_id": node_id, "title": row.title, "unit": row.unit, "direction": row.direction,
                    "baseline_value": row.baseline_value, "target_value": row.target_value, "deadline": row.deadline,
                }),
            })?;
            let lookup = Lookup::load(conn, &[m.id])?;
            let view = views::target_views(conn, &lookup, &indicators, &[row], views::today())?.pop();
            Ok((view.ok_or_else(|| ApiError::internal("target view missing"))?, m.slug))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/municipalities/{slug}/targets/{}", view.id),
        ))
        .json(view))
}

/// The targets the query selects, judged as of its date, and how many there are in all.
/// Only the requested window (`skip`, `take`) is judged, unless a filter on a derived value
/// (assessment, staleness) needs every target judged first.
fn select_targets(
    conn: &mut DbConnection,
    indicators: &IndicatorRegistry,
    who: &Principal,
    slug: &str,
    q: &TargetQuery,
    window: Option<(usize, usize)>,
) -> Result<(Vec<TargetView>, usize), ApiError> {
    let m = tenancy::resolve(conn, slug, NAME)?;
    let include_internal = sees_internal(who, &m);
    let mut sq = strategies::table
        .filter(strategies::municipality_id.eq(m.id))
        .filter(strategies::status.eq("active"))
        .select(strategies::id)
        .into_boxed();
    if !include_internal {
        sq = sq.filter(strategies::visibility.eq("public"));
    }
    if let Some(s) = q.strategy {
        sq = sq.filter(strategies::id.eq(s));
    }
    let strategy_ids: Vec<i64> = sq.load(conn)?;
    let mut rows = repo::targets_of_strategies(conn, &strategy_ids)?;
    rows.sort_by_key(|r| (r.strategy_id, r.node_id, r.position, r.id));
    if let Some(node) = q.node {
        let n = repo::node(conn, m.id, node)
            .map_err(|_| ApiError::field("node", "unknown_node", "is not a node you can see"))?;
        if !strategy_ids.contains(&n.strategy_id) {
            return Err(ApiError::field(
                "node",
                "unknown_node",
                "is not a node you can see",
            ));
        }
        let all = repo::nodes_of_strategies(conn, &[n.strategy_id])?;
        let keep: HashSet<i64> = repo::subtree(&all, node).into_iter().collect();
        rows.retain(|r| keep.contains(&r.node_id));
    }
    if let Some(theme) = &q.theme {
        let t = repo::theme_by_slug(conn, theme)?
            .ok_or_else(|| ApiError::field("theme", "unknown_theme", "is not a theme"))?;
        let target_ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let tt = repo::target_themes_of(conn, &target_ids)?;
        let nodes = repo::nodes_of_strategies(conn, &strategy_ids)?;
        let node_ids: Vec<i64> = nodes.iter().map(|n| n.id).collect();
        let nt = repo::node_themes_of(conn, &node_ids)?;
        rows.retain(|r| {
            tt.get(&r.id).is_some_and(|ts| ts.contains(&t.id))
                || nt.get(&r.node_id).is_some_and(|ts| ts.contains(&t.id))
        });
    }
    let lookup = Lookup::load(conn, &[m.id])?;
    let derived_filter = q.assessment.is_some() || q.stale.is_some();
    if let (Some((skip, take)), false) = (window, derived_filter) {
        let total = rows.len();
        let page: Vec<TargetRow> = rows.into_iter().skip(skip).take(take).collect();
        return Ok((
            views::target_views(conn, &lookup, indicators, &page, as_of(q.as_of))?,
            total,
        ));
    }
    let mut out = views::target_views(conn, &lookup, indicators, &rows, as_of(q.as_of))?;
    if let Some(a) = q.assessment {
        out.retain(|t| t.assessment == a);
    }
    if let Some(s) = q.stale {
        out.retain(|t| t.stale == s);
    }
    let total = out.len();
    if let Some((skip, take)) = window {
        out = out.into_iter().skip(skip).take(take).collect();
    }
    Ok((out, total))
}

/// The municipality's targets with latest value, progress and assessment; filter by theme,
/// node (and its descendants), strategy, assessment and staleness.
#[utoipa::path(
    operation_id = "goals_list_targets",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), TargetQuery),
    responses((status = 200, description = "Targets (ETag)", body = Page<TargetView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    slug: web::Path<String>,
    q: Query<TargetQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let (limit, offset) = (page.limit()?, page.offset()?);
    let slug = slug.into_inner();
    let window = (
        usize::try_from(offset).unwrap_or(0),
        usize::try_from(limit + 1).unwrap_or(0),
    );
    let (rows, total) = db
        .run(move |conn| select_targets(conn, &indicators, &who, &slug, &q, Some(window)))
        .await?;
    json_with_etag(
        &req,
        &Page::from_offset(rows, offset, limit, Some(total as i64)),
    )
}

/// The same targets as CSV (UTF-8 with a byte-order mark and a header row, so a spreadsheet
/// opens it with Danish letters intact).
#[utoipa::path(
    operation_id = "goals_export_targets_csv",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), TargetCsvQuery),
    responses((status = 200, description = "CSV, one row per target", content_type = "text/csv", body = String)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets.csv")]
pub async fn csv(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    slug: web::Path<String>,
    q: Query<TargetQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let slug = slug.into_inner();
    let (all, _) = db
        .run(move |conn| select_targets(conn, &indicators, &who, &slug, &q, None))
        .await?;
    let mut out = String::from("\u{feff}");
    out.push_str("target_id,strategy_id,node_id,title,indicator,unit,direction,baseline_value,baseline_date,target_value,deadline,frequency,source,latest_date,latest_value,progress,assessment,trend,stale,themes\r\n");
    let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for t in &all {
        let fields = [
            t.id.to_string(),
            t.strategy_id.to_string(),
            t.node_id.to_string(),
            t.title.clone(),
            t.indicator.clone(),
            t.unit.as_str().to_owned(),
            direction_str(t.direction).to_owned(),
            num(t.baseline_value),
            date(t.baseline_date),
            num(t.target_value),
            date(t.deadline),
            frequency_str(t.frequency).to_owned(),
            if t.source == Source::Computed {
                "computed"
            } else {
                "manual"
            }
            .to_owned(),
            date(t.latest.as_ref().map(|l| l.date)),
            num(t.latest.as_ref().map(|l| l.value)),
            num(t.progress),
            t.assessment.as_str().to_owned(),
            t.trend
                .map(|tr| {
                    serde_json::to_value(tr)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
            t.stale.to_string(),
            t.themes.join(";"),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    let mut resp = with_etag(&req, out.into_bytes(), "text/csv; charset=utf-8");
    if resp.status().is_success() {
        resp.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            header::HeaderValue::from_static("attachment; filename=\"targets.csv\""),
        );
    }
    Ok(resp)
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One target with its latest value, progress and assessment.
#[utoipa::path(
    operation_id = "goals_get_target",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The target's id"), AsOfQuery),
    responses((status = 200, description = "The target (ETag)", body = TargetView)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let as_of = as_of(q.0.as_of);
    let view = db
        .run(move |conn| {
            let m = tenancy::resolve(conn, &slug, NAME)?;
            let (t, _) = visible_target(conn, m.id, id, sees_internal(&who, &m))?;
            let lookup = Lookup::load(conn, &[m.id])?;
            views::target_views(conn, &lookup, &indicators, &[t], as_of)?
                .pop()
                .ok_or_else(|| ApiError::not_found("target"))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Change a target (editors); the whole target is validated after the change.
#[utoipa::path(
    operation_id = "goals_update_target",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The target's id")),
    request_body = TargetPatch,
    responses((status = 200, description = "Updated", body = TargetView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/targets/{id}")]
pub async fn update(
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: Json<TargetPatch>,
) -> Result<web::Json<TargetView>, ApiError> {
    let (slug, id) = path.into_inner();
    let p = body.0;
    let view = db
        .write(move |conn| {
            let m = tenancy::resolve(conn, &slug, NAME)?;
            who.require(&perm::WRITE, Some(m.id))?;
            let cur = repo::target(conn, m.id, id)?;
            writable_strategy(conn, m.id, cur.strategy_id)?;
            let lookup = Lookup::load(conn, &[m.id])?;
            let cur_owner = lookup.unit_ref(cur.owner_unit_id).map(|u| u.key);
            let merged = NewTarget {
                title: p.title.clone().unwrap_or_else(|| cur.title.clone()),
                indicator: p.indicator.clone().unwrap_or_else(|| cur.indicator.clone()),
                unit: p.unit.unwrap_or(Unit::parse(&cur.unit).unwrap_or(Unit::Count)),
                direction: p.direction.unwrap_or(parse_direction(&cur.direction)),
                baseline_value: p.baseline_value.unwrap_or(cur.baseline_value),
                baseline_date: p.baseline_date.unwrap_or(cur.baseline_date),
                target_value: p.target_value.unwrap_or(cur.target_value),
                deadline: p.deadline.unwrap_or(cur.deadline),
                frequency: p.frequency.unwrap_or(parse_frequency(&cur.frequency)),
                owner_unit: p.owner_unit.clone().unwrap_or(cur_owner),
                source: Some(p.source.unwrap_or(if cur.source == "computed" { Source::Computed } else { Source::Manual })),
                computed_indicator: p.computed_indicator.clone().unwrap_or_else(|| cur.computed_indicator.clone()),
                themes: Vec::new(),
            };
            validate_target(&merged, &indicators)?;
            let owner = merged.owner_unit.as_deref().map(|k| repo::unit_id(conn, m.id, "owner_unit", k)).transpose()?;
            let row: TargetRow = diesel::update(targets::table.find(id))
                .set((
                    targets::title.eq(merged.title.trim()),
                    targets::indicator.eq(merged.indicator.trim()),
                    targets::unit.eq(merged.unit.as_str()),
                    targets::direction.eq(direction_str(merged.direction)),
                    targets::baseline_value.eq(merged.baseline_value),
                    targets::baseline_date.eq(merged.baseline_date),
                    targets::target_value.eq(merged.target_value),
                    targets::deadline.eq(merged.deadline),
                    targets::frequency.eq(frequency_str(merged.frequency)),
                    targets::owner_unit_id.eq(owner),
                    targets::source.eq(if merged.source == Some(Source::Computed) { "computed" } else { "manual" }),
                    targets::computed_indicator.eq(&merged.computed_indicator),
                    targets::updated_at.eq(retning_kernel::now()),
                ))
                .returning(targets::all_columns)
                .get_result(conn)?;
            if let Some(themes) = &p.themes {
                let ids = repo::theme_ids(conn, "themes", themes)?;
                repo::set_target_themes(conn, m.id, id, &ids)?;
            }
            audit::record(conn, &who, Change {
                municipality_id: Some(m.id),
                action: "update",
                object_type: "target",
                object_id: Some(id),
                details: serde_json::json!({
                    "before": {"title": cur.title, "baseline_value": cur.baseline_value, "baseline_date": cur.baseline_date,
                               "target_value": cur.target_value, "deadline": cur.deadline, "source": cur.source, "computed_indicator": cur.computed_indicator},
                    "after": {"title": row.title, "baseline_value": row.baseline_value, "baseline_date": row.baseline_date,
                              "target_value": row.target_value, "deadline": row.deadline, "source": row.source, "computed_indicator": row.computed_indicator},
                    "themes": p.themes,
                }),
            })?;
            views::target_views(conn, &lookup, &indicators, &[row], views::today())?.pop().ok_or_else(|| ApiError::internal("target view missing"))
        })
        .await?;
    Ok(web::Json(view))
}
