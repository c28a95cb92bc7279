//! Strategies: list, get, create, update, archive, and the whole tree.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::pagination::{Page, PageParams};
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::{ApiError, Db, DbConnection, Principal, Validator};

use super::{as_of, sees_internal};
use crate::dto::*;
use crate::model::StrategyRow;
use crate::repo::{self, StrategyFilter, StrategySort};
use crate::schema::strategies;
use crate::views;
use crate::{perm, NAME};

fn validate_strategy(v: &mut Validator, s: &NewStrategy) {
    v.text("title", &s.title, 300);
    v.opt_text("summary", s.summary.as_deref(), 5000);
    v.opt_text("adopted_by", s.adopted_by.as_deref(), 200);
    if let (Some(start), Some(end)) = (s.period_start, s.period_end) {
        v.check(
            end >= start,
            "period_end",
            "before_start",
            "must not be before period_start",
        );
    }
    if let Some(src) = &s.source {
        v.opt_text("source.file", src.file.as_deref(), 300);
        v.opt_text("source.title", src.title.as_deref(), 500);
        v.opt_text("source.notes", src.notes.as_deref(), 10_000);
    }
    v.check(
        s.level_names.len() <= 20,
        "level_names",
        "too_many",
        "at most 20 levels",
    );
    for (i, name) in s.level_names.iter().enumerate() {
        v.text(&format!("level_names[{i}]"), name, 60);
    }
    v.check(
        s.follow_ups.len() <= 100,
        "follow_ups",
        "too_many",
        "at most 100 follow-up dates",
    );
    for (i, f) in s.follow_ups.iter().enumerate() {
        v.text(&format!("follow_ups[{i}].label"), &f.label, 200);
    }
}

/// Inserts a strategy with its follow-ups (shared by the API and the seed loader).
pub(crate) fn insert_strategy(
    conn: &mut DbConnection,
    municipality_id: i64,
    key: Option<&str>,
    s: &NewStrategy,
    status: &str,
) -> Result<StrategyRow, ApiError> {
    let now = retning_kernel::now();
    let src = s.source.clone().unwrap_or_default();
    let row: StrategyRow = diesel::insert_into(strategies::table)
        .values((
            strategies::municipality_id.eq(municipality_id),
            strategies::key.eq(key),
            strategies::title.eq(s.title.trim()),
            strategies::summary.eq(&s.summary),
            strategies::visibility.eq(s.visibility.unwrap_or(Visibility::Internal).as_str()),
            strategies::status.eq(status),
            strategies::period_start.eq(s.period_start),
            strategies::period_end.eq(s.period_end),
            strategies::adopted_by.eq(&s.adopted_by),
            strategies::adopted_on.eq(s.adopted_on),
            strategies::source_file.eq(&src.file),
            strategies::source_title.eq(&src.title),
            strategies::source_published.eq(src.published),
            strategies::source_notes.eq(&src.notes),
            strategies::level_names
                .eq(serde_json::to_string(&s.level_names).unwrap_or_else(|_| "[]".into())),
            strategies::follow_up_rhythm.eq(s.follow_up_rhythm.map(frequency_str)),
            strategies::created_at.eq(now),
            strategies::updated_at.eq(now),
        ))
        .returning(strategies::all_columns)
        .get_result(conn)?;
    let follow_ups: Vec<_> = s
        .follow_ups
        .iter()
        .map(|f| (f.date, f.label.clone()))
        .collect();
    repo::replace_follow_ups(conn, municipality_id, row.id, &follow_ups)?;
    Ok(row)
}

/// A municipality's strategies: public ones for everyone, internal ones for its own users.
#[utoipa::path(
    operation_id = "goals_list_strategies",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), StrategyQuery),
    responses((status = 200, description = "Strategies (ETag; 304 on If-None-Match)", body = Page<StrategyView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    slug: web::Path<String>,
    q: Query<StrategyQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let (limit, offset) = (page.limit()?, page.offset()?);
    let sort = StrategySort::parse(q.sort.as_deref())?;
    let status = match q.status.as_deref() {
        None | Some("active") => Some("active".to_owned()),
        Some("archived") => Some("archived".to_owned()),
        Some("all") => None,
        Some(_) => {
            return Err(ApiError::field(
                "status",
                "invalid",
                "must be active, archived or all",
            ))
        }
    };
    let page = Scoped::public(who, slug.into_inner(), NAME)
        .read(&db, move |conn, scope| {
            let theme_id = match &q.theme {
                Some(t) => Some(
                    repo::theme_by_slug(conn, t)?
                        .ok_or_else(|| ApiError::field("theme", "unknown_theme", "is not a theme"))?
                        .id,
                ),
                None => None,
            };
            let filter = StrategyFilter {
                include_internal: sees_internal(&scope.who, &scope.municipality),
                status,
                visibility: q.visibility.map(|v| v.as_str().to_owned()),
                theme_id,
                sort,
            };
            let (rows, total) = repo::list_strategies(conn, scope.id(), &filter, offset, limit)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let mut follow_ups = repo::follow_ups(conn, &ids)?;
            let page = Page::from_offset(rows, offset, limit, Some(total));
            Ok(page.map(|r| {
                let f = follow_ups.remove(&r.id).unwrap_or_default();
                views::strategy_view(r, scope.slug(), f)
            }))
        })
        .await?;
    json_with_etag(&req, &page)
}

/// Add a strategy (editors).
#[utoipa::path(
    operation_id = "goals_create_strategy",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug")),
    request_body = NewStrategy,
    responses((status = 201, description = "Created", body = StrategyView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/strategies")]
pub async fn create(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    body: JsonBody<NewStrategy>,
) -> Result<HttpResponse, ApiError> {
    let (view, slug) = Scoped::new(who, slug.into_inner(), NAME, perm::WRITE)
        .write_body(&db, body, |conn, scope, body| {
            let mut v = Validator::new();
            validate_strategy(&mut v, &body);
            v.finish()?;
            let row = insert_strategy(conn, scope.id(), None, &body, "active")?;
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "create",
                    object_type: "strategy",
                    object_id: Some(row.id),
                    details: serde_json::json!({"title": row.title, "visibility": row.visibility}),
                },
            )?;
            let f = repo::follow_ups(conn, &[row.id])?
                .remove(&row.id)
                .unwrap_or_default();
            Ok((
                views::strategy_view(row, scope.slug(), f),
                scope.slug().to_owned(),
            ))
        })
        .await?;
    Ok(created(
        format!("/api/v1/municipalities/{slug}/strategies/{}", view.id),
        &view,
    ))
}

/// One strategy (public, or internal for the municipality's own users).
#[utoipa::path(
    operation_id = "goals_get_strategy",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The strategy's id")),
    responses((status = 200, description = "The strategy (ETag)", body = StrategyView)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            let row = repo::strategy(
                conn,
                scope.id(),
                id,
                sees_internal(&scope.who, &scope.municipality),
            )?;
            let f = repo::follow_ups(conn, &[row.id])?
                .remove(&row.id)
                .unwrap_or_default();
            Ok(views::strategy_view(row, scope.slug(), f))
        })
        .await?;
    json_with_etag(&req, &view)
}

/// Change a strategy (editors). Archived strategies are read-only.
#[utoipa::path(
    operation_id = "goals_update_strategy",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The strategy's id")),
    request_body = StrategyPatch,
    responses((status = 200, description = "Updated", body = StrategyView)),
    security(("bearer" = []))
)]
#[patch("/municipalities/{municipality}/strategies/{id}")]
pub async fn update(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    body: JsonBody<StrategyPatch>,
) -> Result<web::Json<StrategyView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, p| {
            let cur = repo::strategy(conn, scope.id(), id, true)?;
            if cur.status == "archived" {
                return Err(ApiError::conflict(crate::codes::STRATEGY_ARCHIVED, "an archived strategy cannot be changed"));
            }
            let cur_follow_ups = repo::follow_ups(conn, &[id])?.remove(&id).unwrap_or_default();
            let cur_source = SourceRef {
                file: cur.source_file.clone(),
                title: cur.source_title.clone(),
                published: cur.source_published,
                notes: cur.source_notes.clone(),
            };
            let merged = NewStrategy {
                title: p.title.clone().unwrap_or_else(|| cur.title.clone()),
                summary: p.summary.clone().unwrap_or_else(|| cur.summary.clone()),
                visibility: Some(p.visibility.unwrap_or(Visibility::parse(&cur.visibility))),
                period_start: p.period_start.unwrap_or(cur.period_start),
                period_end: p.period_end.unwrap_or(cur.period_end),
                adopted_by: p.adopted_by.clone().unwrap_or_else(|| cur.adopted_by.clone()),
                adopted_on: p.adopted_on.unwrap_or(cur.adopted_on),
                source: Some(p.source.clone().unwrap_or(cur_source)),
                level_names: p.level_names.clone().unwrap_or_else(|| serde_json::from_str(&cur.level_names).unwrap_or_default()),
                follow_up_rhythm: p.follow_up_rhythm.unwrap_or_else(|| cur.follow_up_rhythm.as_deref().map(parse_frequency)),
                follow_ups: p.follow_ups.clone().unwrap_or_else(|| {
                    cur_follow_ups.iter().map(|f| FollowUp { date: f.date, label: f.label.clone() }).collect()
                }),
            };
            let mut v = Validator::new();
            validate_strategy(&mut v, &merged);
            v.finish()?;
            let src = merged.source.clone().unwrap_or_default();
            let row: StrategyRow = diesel::update(strategies::table.find(id))
                .set((
                    strategies::title.eq(merged.title.trim()),
                    strategies::summary.eq(&merged.summary),
                    strategies::visibility.eq(merged.visibility.unwrap_or(Visibility::Internal).as_str()),
                    strategies::period_start.eq(merged.period_start),
                    strategies::period_end.eq(merged.period_end),
                    strategies::adopted_by.eq(&merged.adopted_by),
                    strategies::adopted_on.eq(merged.adopted_on),
                    strategies::source_file.eq(&src.file),
                    strategies::source_title.eq(&src.title),
                    strategies::source_published.eq(src.published),
                    strategies::source_notes.eq(&src.notes),
                    strategies::level_names.eq(serde_json::to_string(&merged.level_names).unwrap_or_else(|_| "[]".into())),
                    strategies::follow_up_rhythm.eq(merged.follow_up_rhythm.map(frequency_str)),
                    strategies::updated_at.eq(retning_kernel::now()),
                ))
                .returning(strategies::all_columns)
                .get_result(conn)?;
            if p.follow_ups.is_some() {
                let items: Vec<_> = merged.follow_ups.iter().map(|f| (f.date, f.label.clone())).collect();
                repo::replace_follow_ups(conn, scope.id(), id, &items)?;
            }
            audit::record(conn, &scope.who, Change {
                municipality_id: Some(scope.id()),
                action: "update",
                object_type: "strategy",
                object_id: Some(id),
                details: serde_json::json!({
                    "before": {"title": cur.title, "visibility": cur.visibility, "period_start": cur.period_start, "period_end": cur.period_end},
                    "after": {"title": row.title, "visibility": row.visibility, "period_start": row.period_start, "period_end": row.period_end},
                }),
            })?;
            let f = repo::follow_ups(conn, &[id])?.remove(&id).unwrap_or_default();
            Ok(views::strategy_view(row, scope.slug(), f))
        })
        .await?;
    Ok(web::Json(view))
}

/// Archive a strategy (editors). It stays readable (`status=archived`), is never deleted, and
/// can no longer be changed.
#[utoipa::path(
    operation_id = "goals_archive_strategy",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The strategy's id")),
    responses((status = 200, description = "Archived", body = StrategyView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/strategies/{id}/archive")]
pub async fn archive(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<StrategyView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            let cur = repo::strategy(conn, scope.id(), id, true)?;
            let row = if cur.status == "archived" {
                cur
            } else {
                let now = retning_kernel::now();
                let row: StrategyRow = diesel::update(strategies::table.find(id))
                    .set((
                        strategies::status.eq("archived"),
                        strategies::archived_at.eq(now),
                        strategies::updated_at.eq(now),
                    ))
                    .returning(strategies::all_columns)
                    .get_result(conn)?;
                audit::record(
                    conn,
                    &scope.who,
                    Change {
                        municipality_id: Some(scope.id()),
                        action: "archive",
                        object_type: "strategy",
                        object_id: Some(id),
                        details: serde_json::json!({"title": row.title}),
                    },
                )?;
                row
            };
            let f = repo::follow_ups(conn, &[id])?
                .remove(&id)
                .unwrap_or_default();
            Ok(views::strategy_view(row, scope.slug(), f))
        })
        .await?;
    Ok(web::Json(view))
}

/// The whole strategy: every node in order, each target with its latest measurement, progress
/// and assessment, in one response (a fixed number of queries, whatever its size).
#[utoipa::path(
    operation_id = "goals_get_strategy_tree",
    tag = "goals",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The strategy's id"),
        AsOfQuery,
    ),
    responses((status = 200, description = "The tree (ETag)", body = StrategyTree)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/strategies/{id}/tree")]
pub async fn tree(
    req: HttpRequest,
    db: web::Data<Db>,
    indicators: web::Data<IndicatorRegistry>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let as_of = as_of(q.0.as_of);
    let tree = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            views::strategy_tree(
                conn,
                &scope.municipality,
                id,
                sees_internal(&scope.who, &scope.municipality),
                &indicators,
                as_of,
            )
        })
        .await?;
    json_with_etag(&req, &tree)
}
