//! Periodic figures of an adoption (started, completed, dropped out). Small counts about
//! children: visible to the municipality and to accepted partners of a partnership on the
//! adoption, to nobody else.

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::pagination::Page;
use retning_kernel::scope::{created, JsonBody, Scoped};
use retning_kernel::tenancy::Municipality;
use retning_kernel::{ApiError, Db, DbConnection, Principal, Validator};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{check_range, page};
use crate::dto::{FiguresInput, FiguresView};
use crate::period::{self, Period};
use crate::repo;
use crate::{perm, NAME};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    /// How many items (1-500, default 50).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only periods inside this calendar year.
    #[param(minimum = 1990, maximum = 2100)]
    year: Option<i32>,
}

fn parse_period(s: &str) -> Result<Period, ApiError> {
    Period::parse(s).ok_or_else(|| ApiError::field("path.period", "invalid", period::SHAPE))
}

/// Members of the host may read; so may members of an accepted partner. Everyone else gets
/// what `require` gives an outsider (401 anonymous, 404 otherwise).
fn require_figures_read(
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

/// An adoption's figures per period (the municipality, and accepted partners).
#[utoipa::path(
    operation_id = "evidence_list_figures",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The slug of the municipality that runs the programme"),
        ("id" = i64, Path, description = "The adoption's id"),
        FiguresQuery,
    ),
    responses(
        (status = 200, description = "Figures, oldest period first (ETag)", body = Page<FiguresView>),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/adoptions/{id}/figures")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
    q: Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.0;
    let (limit, offset) = page(q.limit, q.cursor)?;
    let mut v = Validator::new();
    check_range(
        &mut v,
        "query.year",
        q.year,
        period::MIN_YEAR,
        period::MAX_YEAR,
    );
    v.finish()?;
    let (slug, id) = path.into_inner();
    let (rows, total) = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            require_figures_read(conn, &scope.who, &scope.municipality, id)?;
            repo::find_adoption(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            Ok(repo::list_figures(
                conn,
                scope.id(),
                id,
                q.year,
                offset,
                limit,
            )?)
        })
        .await?;
    let page = Page::from_offset(rows, offset, limit, Some(total)).map(FiguresView::from);
    json_with_etag(&req, &page)
}

/// Set an adoption's figures for a period (editors); idempotent. `201` when the period is new.
#[utoipa::path(
    operation_id = "evidence_put_figure",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The adoption's id"),
        ("period" = String, Path, pattern = "^(199[0-9]|20[0-9]{2}|2100)(-([Hh][12]|[Qq][1-4]))?$", description = "`2024`, `2024-H1` or `2024-Q3`; periods of one adoption may not overlap", example = "2024-H1"),
    ),
    request_body = FiguresInput,
    responses(
        (status = 200, description = "Replaced", body = FiguresView),
        (status = 201, description = "Created", body = FiguresView),
    ),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/adoptions/{id}/figures/{period}")]
pub async fn put(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, String)>,
    body: JsonBody<FiguresInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, period) = path.into_inner();
    let (row, replaced, slug) = Scoped::new(who, slug, NAME, perm::ADOPTION_WRITE)
        .write_body(&db, body, move |conn, scope, b| {
            let period = parse_period(&period)?;
            let mut v = Validator::new();
            for (field, n) in [
                ("started", b.started),
                ("completed", b.completed),
                ("dropped_out", b.dropped_out),
            ] {
                check_range(&mut v, field, Some(n), 0, 100_000);
            }
            v.finish()?;
            repo::lock_adoption(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            let (row, before) = repo::put_figures(
                conn,
                scope.id(),
                id,
                &period,
                (b.started, b.completed, b.dropped_out),
            )?;
            let same = before.as_ref().is_some_and(|b| {
                (b.started, b.completed, b.dropped_out) == (row.started, row.completed, row.dropped_out)
            });
            if !same {
                let figures = |r: &crate::model::FiguresRow| {
                    serde_json::json!({"started": r.started, "completed": r.completed, "dropped_out": r.dropped_out})
                };
                retning_kernel::audit::record(
                    conn,
                    &scope.who,
                    retning_kernel::audit::Change {
                        municipality_id: Some(scope.id()),
                        action: if before.is_some() { "update" } else { "create" },
                        object_type: "evidence_figures",
                        object_id: Some(row.id),
                        details: serde_json::json!({
                            "adoption_id": id,
                            "period": row.period,
                            "before": before.as_ref().map(figures),
                            "after": figures(&row),
                        }),
                    },
                )?;
            }
            Ok((row, before.is_some(), scope.slug().to_owned()))
        })
        .await?;
    let view = FiguresView::from(row);
    Ok(if replaced {
        HttpResponse::Ok().json(view)
    } else {
        let location = format!(
            "/api/v1/municipalities/{slug}/adoptions/{}/figures/{}",
            id, view.period
        );
        created(location, &view)
    })
}

/// An adoption's figures for one period (the municipality, and accepted partners).
#[utoipa::path(
    operation_id = "evidence_get_figure",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The slug of the municipality that runs the programme"),
        ("id" = i64, Path, description = "The adoption's id"),
        ("period" = String, Path, pattern = "^(199[0-9]|20[0-9]{2}|2100)(-([Hh][12]|[Qq][1-4]))?$", description = "`2024`, `2024-H1` or `2024-Q3`"),
    ),
    responses(
        (status = 200, description = "The figures (ETag)", body = FiguresView),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    ),
    security(("bearer" = []))
)]
#[get("/municipalities/{municipality}/adoptions/{id}/figures/{period}")]
pub async fn get(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, period) = path.into_inner();
    let row = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            require_figures_read(conn, &scope.who, &scope.municipality, id)?;
            let period = parse_period(&period)?;
            repo::find_figures(conn, scope.id(), id, &period.label)?
                .ok_or_else(|| ApiError::not_found("figures"))
        })
        .await?;
    json_with_etag(&req, &FiguresView::from(row))
}

/// Remove an adoption's figures for a period (editors).
#[utoipa::path(
    operation_id = "evidence_delete_figure",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The adoption's id"),
        ("period" = String, Path, pattern = "^(199[0-9]|20[0-9]{2}|2100)(-([Hh][12]|[Qq][1-4]))?$", description = "`2024`, `2024-H1` or `2024-Q3`"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/adoptions/{id}/figures/{period}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, period) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::ADOPTION_WRITE)
        .write(&db, move |conn, scope| {
            let period = parse_period(&period)?;
            repo::lock_adoption(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("adoption"))?;
            let row = repo::delete_figures(conn, scope.id(), id, &period.label)?
                .ok_or_else(|| ApiError::not_found("figures"))?;
            retning_kernel::audit::record(
                conn,
                &scope.who,
                retning_kernel::audit::Change {
                    municipality_id: Some(scope.id()),
                    action: "delete",
                    object_type: "evidence_figures",
                    object_id: Some(row.id),
                    details: serde_json::json!({
                        "adoption_id": id,
                        "period": row.period,
                        "before": {"started": row.started, "completed": row.completed, "dropped_out": row.dropped_out},
                    }),
                },
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
