//! A partner's answer to a partnership invitation (the partner's admins). The invitation is
//! addressed by the partnership's id.

use actix_web::{post, web};
use retning_kernel::auth::Authenticated;
use retning_kernel::pagination::MunicipalityPath;
use retning_kernel::scope::Scoped;
use retning_kernel::{ApiError, Db};

use crate::dto::PartnershipView;
use crate::model::PartnerStatus;
use crate::{ops, perm, NAME};

/// Accept an invitation (the partner's admins): the partner may then refer against its share
/// and see the shared adoption's figures.
#[utoipa::path(
    operation_id = "evidence_accept_invitation",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
    ),
    responses((status = 200, description = "Accepted; the partnership as the partner now sees it", body = PartnershipView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/partnership-invitations/{id}/accept")]
pub async fn accept(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PartnershipView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::INVITATION_ANSWER)
        .write(&db, move |conn, scope| {
            ops::answer_invitation(conn, scope, id, PartnerStatus::Accepted)
        })
        .await?;
    Ok(web::Json(view))
}

/// Decline an invitation (the partner's admins). A declined partner keeps seeing its own
/// invitation, nothing more of the partnership.
#[utoipa::path(
    operation_id = "evidence_decline_invitation",
    tag = "evidence",
    params(
        MunicipalityPath,
        ("id" = i64, Path, description = "The partnership's id"),
    ),
    responses((status = 200, description = "Declined; the partnership as the partner now sees it", body = PartnershipView)),
    security(("bearer" = []))
)]
#[post("/municipalities/{municipality}/partnership-invitations/{id}/decline")]
pub async fn decline(
    db: web::Data<Db>,
    Authenticated(who): Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<web::Json<PartnershipView>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = Scoped::new(who, slug, NAME, perm::INVITATION_ANSWER)
        .write(&db, move |conn, scope| {
            ops::answer_invitation(conn, scope, id, PartnerStatus::Declined)
        })
        .await?;
    Ok(web::Json(view))
}
