//! CSV import of measures: all or nothing, streamed.

use actix_web::http::{header, StatusCode};
use actix_web::{post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use retning_kernel::auth::Authenticated;
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::Scoped;
use retning_kernel::{ApiError, Db, ImportLimit};

use crate::dto::ImportResult;
use crate::import::{self as csv_import, ChannelReader, Outcome};
use crate::{ops, perm, repo, validate, NAME};

/// The import limit when the server sets none (the configuration's default).
const DEFAULT_IMPORT_LIMIT: usize = 64 * 1024 * 1024;

fn is_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| m == "text/csv" || m == "application/csv")
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        retning_kernel::codes::TOO_LARGE,
        format!("the file may be at most {limit} bytes (server.import_limit_bytes)"),
    )
}

/// Import measures from CSV (`text/csv`, editors), all or nothing: when any row is invalid
/// nothing is imported and the 422 lists every row's errors as `rows[N].column` (N = 1 for the
/// first row after the header; at most 1000 listed, `detail` gives the count). The body is read
/// as it arrives, never held whole.
///
/// UTF-8 (a byte-order mark is skipped), `,` or `;` between fields, a header row naming the
/// columns in any order, dates `YYYY-MM-DD`, an empty cell for none. Columns (the first five
/// required): `child_ref`, `birth_year`, `category` (`placement` or `support`), `kind`,
/// `start_date`, `end_date`, `step` (a step key), `legal_law` (`SEL` before 2024, `BL` from
/// then), `legal_paragraph`, `legal_stk`, `legal_nr`, `consent` (`true`/`false`, `ja`/`nej`;
/// required for placements with a legal basis), `provider_type` (`own`, `municipality`,
/// `private`), `provider_name`, `provider_municipality` (a slug), `yearly_cost_dkk` (whole
/// kroner), `evidence_programme` (a programme's short name), `note`. A cell holding a
/// CPR-shaped number is refused (`cpr_number`) and its value never repeated.
#[utoipa::path(
    operation_id = "placements_import_measures",
    tag = "placements",
    params(MunicipalityPath),
    request_body(content = String, content_type = "text/csv", description = "A header row, then one measure per row"),
    responses((status = 201, description = "Imported", body = ImportResult)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/measures/import")]
pub async fn import(
    req: HttpRequest,
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    slug: web::Path<String>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let limit = req
        .app_data::<ImportLimit>()
        .map_or(DEFAULT_IMPORT_LIMIT, |l| l.0);
    let slug = slug.into_inner();
    // Who may import is settled before a byte of the file is read.
    let (scope, lookups) = Scoped::new(who, slug, NAME, perm::WRITE)
        .read(&db, |conn, scope| {
            Ok((scope.clone(), repo::lookups(conn, scope.id())?))
        })
        .await?;
    if !is_csv(&req) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            retning_kernel::codes::UNSUPPORTED_MEDIA_TYPE,
            "the body must be text/csv",
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }

    let (tx, rx) = tokio::sync::mpsc::channel::<csv_import::Chunk>(16);
    let today = validate::today();
    let parsing = web::block(move || csv_import::parse(ChannelReader::new(rx), &lookups, today));
    let mut received = 0usize;
    let mut over = false;
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(Err(())).await;
                return Err(ApiError::bad_request(
                    retning_kernel::codes::BAD_BODY,
                    format!("could not read the body: {e}"),
                ));
            }
        };
        received += chunk.len();
        if received > limit {
            over = true;
            let _ = tx.send(Err(())).await;
            break;
        }
        if tx.send(Ok(chunk)).await.is_err() {
            // The parser stopped early (a broken header): its answer follows.
            break;
        }
    }
    drop(tx);
    let outcome = parsing
        .await
        .map_err(|e| ApiError::internal(format!("import task: {e}")))?;
    if over {
        return Err(too_large(limit));
    }
    match outcome {
        Outcome::Aborted => Err(too_large(limit)),
        Outcome::Invalid {
            errors,
            total,
            rows,
        } => {
            let detail = if total > errors.len() {
                format!(
                    "nothing was imported: {total} errors in {rows} rows; the first {} are listed",
                    errors.len()
                )
            } else {
                format!("nothing was imported: {total} errors in {rows} rows")
            };
            Err(ApiError::with_fields(
                StatusCode::UNPROCESSABLE_ENTITY,
                retning_kernel::codes::VALIDATION_FAILED,
                detail,
                errors,
            ))
        }
        Outcome::Valid(values) => {
            // The file was judged outside any transaction; the rows are written in a second
            // unit of work, which enters the municipality (and checks the permission) again.
            let result = Scoped::new(scope.who, scope.municipality.slug, NAME, perm::WRITE)
                .write(&db, move |conn, scope| {
                    ops::import_measures(conn, scope, values)
                })
                .await?;
            Ok(HttpResponse::Created().json(result))
        }
    }
}
