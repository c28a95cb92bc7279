//! Measurements: one value per target and date; corrections keep the earlier value.

use actix_web::{delete, get, put, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use retning_kernel::audit::{self, Change};
use retning_kernel::auth::Authenticated;
use retning_kernel::http::{json_with_etag, Query};
use retning_kernel::scope::{JsonBody, Scoped};
use retning_kernel::{ApiError, Db, Principal, Timestamp, Validator};

use super::targets::visible_target;
use crate::dto::*;
use crate::model::MeasurementRow;
use crate::ops::sees_internal;
use crate::ops::writable_strategy;
use crate::repo;
use crate::{perm, NAME};

fn view(m: MeasurementRow) -> MeasurementView {
    MeasurementView {
        date: m.date,
        value: m.value,
        note: m.note,
        recorded_by: m.recorded_by,
        recorded_at: Timestamp(m.recorded_at),
        current: m.superseded_at.is_none(),
        superseded_at: m.superseded_at.map(Timestamp),
        superseded_by: m.superseded_by,
    }
}

/// Checks a value against its target's unit.
pub(crate) fn check_value(unit: &str, value: f64, note: Option<&str>) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if !value.is_finite() {
        v.add("value", "invalid", "must be a finite number");
    } else if unit == "percent" && !(0.0..=100.0).contains(&value) {
        v.add(
            "value",
            "out_of_range",
            "a percentage must be between 0 and 100",
        );
    } else if unit == "dkk" && value.fract() != 0.0 {
        v.add("value", "not_whole", "amounts are whole kroner");
    } else if unit != "percent" && value < 0.0 {
        v.add("value", "out_of_range", "must not be negative");
    }
    v.opt_text("note", note, 2000);
    v.finish()
}

/// A target's measurements in date order; `history=true` adds corrected and removed values.
#[utoipa::path(
    operation_id = "goals_list_measurements",
    tag = "goals",
    params(("municipality" = String, Path, description = "The municipality's slug"), ("id" = i64, Path, description = "The target's id"), MeasurementQuery),
    responses((status = 200, description = "Measurements (ETag)", body = Vec<MeasurementView>)),
    security((), ("bearer" = []))
)]
#[get("/municipalities/{municipality}/targets/{id}/measurements")]
pub async fn list(
    req: HttpRequest,
    db: web::Data<Db>,
    who: Principal,
    path: web::Path<(String, i64)>,
    q: Query<MeasurementQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let q = q.0;
    let items = Scoped::public(who, slug, NAME)
        .read(&db, move |conn, scope| {
            visible_target(
                conn,
                scope.id(),
                id,
                sees_internal(&scope.who, &scope.municipality),
            )?;
            let rows =
                repo::measurement_history(conn, id, q.history.unwrap_or(false), q.from, q.to)?;
            Ok(rows.into_iter().map(view).collect::<Vec<_>>())
        })
        .await?;
    json_with_etag(&req, &items)
}

/// Record the value for a date (editors). Idempotent: the same value again changes nothing; a
/// different value replaces it and keeps the earlier one in the history with who and when.
#[utoipa::path(
    operation_id = "goals_put_measurement",
    tag = "goals",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The target's id"),
        ("date" = NaiveDate, Path, description = "The date the value is for (YYYY-MM-DD)"),
    ),
    request_body = MeasurementInput,
    responses(
        (status = 201, description = "Recorded for a new date", body = MeasurementView),
        (status = 200, description = "Corrected, or unchanged", body = MeasurementView),
    ),
    security(("bearer" = []))
)]
#[put("/municipalities/{municipality}/targets/{id}/measurements/{date}")]
pub async fn put(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, NaiveDate)>,
    body: JsonBody<MeasurementInput>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, date) = path.into_inner();
    let (created, row) = Scoped::new(who, slug, NAME, perm::WRITE)
        .write_body(&db, body, move |conn, scope, body| {
            let (target, _) = visible_target(conn, scope.id(), id, true)?;
            writable_strategy(conn, scope.id(), target.strategy_id)?;
            if target.source == "computed" {
                return Err(ApiError::rule(crate::codes::TARGET_COMPUTED, "value", "this target's value is computed; it takes no measurements"));
            }
            if date > crate::views::today() {
                return Err(ApiError::field("date", "in_future", "a measurement cannot be dated in the future"));
            }
            let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
            check_value(&target.unit, body.value, note)?;
            let by = scope.who.actor_name().to_owned();
            let current = repo::current_measurement(conn, id, date)?;
            if let Some(cur) = &current {
                if cur.value == body.value && cur.note.as_deref() == note {
                    return Ok((false, cur.clone()));
                }
                repo::supersede(conn, cur.id, &by)?;
            }
            let row = repo::insert_measurement(conn, scope.id(), id, date, body.value, note, &by)?;
            audit::record(conn, &scope.who, Change {
                municipality_id: Some(scope.id()),
                action: if current.is_some() { "correct" } else { "record" },
                object_type: "measurement",
                object_id: Some(row.id),
                details: serde_json::json!({
                    "target_id": id, "date": date, "value": row.value, "note": row.note,
                    "previous": current.as_ref().map(|c| serde_json::json!({"value": c.value, "note": c.note, "recorded_by": c.recorded_by})),
                }),
            })?;
            Ok((current.is_none(), row))
        })
        .await?;
    let view = view(row);
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Remove the value for a date (editors); it stays in the history as removed.
#[utoipa::path(
    operation_id = "goals_delete_measurement",
    tag = "goals",
    params(
        ("municipality" = String, Path, description = "The municipality's slug"),
        ("id" = i64, Path, description = "The target's id"),
        ("date" = NaiveDate, Path, description = "The date (YYYY-MM-DD)"),
    ),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []))
)]
#[delete("/municipalities/{municipality}/targets/{id}/measurements/{date}")]
pub async fn remove(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64, NaiveDate)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, date) = path.into_inner();
    Scoped::new(who, slug, NAME, perm::WRITE)
        .write(&db, move |conn, scope| {
            let (target, _) = visible_target(conn, scope.id(), id, true)?;
            writable_strategy(conn, scope.id(), target.strategy_id)?;
            let cur = repo::current_measurement(conn, id, date)?
                .ok_or_else(|| ApiError::not_found("measurement"))?;
            repo::supersede(conn, cur.id, scope.who.actor_name())?;
            audit::record(
                conn,
                &scope.who,
                Change {
                    municipality_id: Some(scope.id()),
                    action: "remove",
                    object_type: "measurement",
                    object_id: Some(cur.id),
                    details: serde_json::json!({"target_id": id, "date": date, "value": cur.value}),
                },
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
