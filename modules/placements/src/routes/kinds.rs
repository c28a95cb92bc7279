//! The vocabulary of kinds (public).

use actix_web::{get, HttpRequest, HttpResponse};
use retning_kernel::http::json_with_etag;
use retning_kernel::ApiError;

use crate::dto::KindView;
use crate::kinds::KINDS;

/// Every kind of measure: placement types and kinds of support measure, with their standard
/// step and whether they count as foster family or network.
#[utoipa::path(
    operation_id = "placements_list_kinds",
    tag = "placements",
    responses((status = 200, description = "Kinds (ETag)", body = Vec<KindView>)),
    security(())
)]
#[get("/placements/kinds")]
pub async fn list(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let kinds: Vec<KindView> = KINDS.iter().map(KindView::of).collect();
    json_with_etag(&req, &kinds)
}
