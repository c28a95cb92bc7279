//! A partner's answer to a partnership invitation (the partner's admins). The invitation is
//! addressed by the partnership's id.

use actix_web::{post, web};
use retning_kernel::auth::Authenticated;
use retning_kernel::scope::Scoped;
use retning_kernel::{ApiError, Db, Principal};

use super::{audit_in, partnership_view};
use crate::dto::PartnershipView;
use crate::repo;
use crate::{perm, NAME};

/// Sets the partner's status; answering the same again changes nothing, and an answered
/// invitation cannot be answered otherwise (the host re-opens it by listing the partner again).
async fn answer(
    db: web::Data<Db>,
    who: Principal,
    slug: String,
    id: i64,
    status: &'static str,
) -> Result<PartnershipView, ApiError> {
    Scoped::new(who, slug, NAME, perm::INVITATION_ANSWER)
        .write(&db, move |conn, scope| {
            let row = repo::find_partner(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("invitation"))?;
            // Lock order everywhere: adoption, partnership, partner.
            repo::lock_partnership(conn, row.municipality_id, id)?;
            let row = repo::lock_partner(conn, scope.id(), id)?
                .ok_or_else(|| ApiError::not_found("invitation"))?;
            if row.status != status {
                if row.status != repo::INVITED {
                    return Err(ApiError::conflict(
                        crate::codes::INVITATION_ALREADY_ANSWERED,
                        format!(
                            "the invitation is already {}; the host can invite again",
                            row.status
                        ),
                    ));
                }
                repo::answer_invitation(conn, &row, status)?;
                audit_in(
                    conn,
                    &scope.who,
                    &[scope.id(), row.municipality_id],
                    if status == repo::ACCEPTED {
                        "accept"
                    } else {
                        "decline"
                    },
                    "evidence_partnership_invitation",
                    Some(id),
                    serde_json::json!({
                        "partnership_id": id,
                        "partner": scope.slug(),
                        "yearly_share": row.yearly_share,
                    }),
                )?;
            }
            let partnership = repo::find_partnership(conn, row.municipality_id, id)?
                .ok_or_else(|| ApiError::not_found("partnership"))?;
            let bundle = repo::bundle(conn, partnership)?;
            partnership_view(&bundle, scope.id()).ok_or_else(|| ApiError::not_found("partnership"))
        })
        .await
}

/// Accept an invitation (the partner's admins): the partner may then refer against its share
/// and see the shared adoption's figures.
#[utoipa::path(
    operation_id = "evidence_accept_invitation",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The invited partner's slug", example = "lolland"),
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
    answer(db, who, slug, id, repo::ACCEPTED)
        .await
        .map(web::Json)
}

/// Decline an invitation (the partner's admins). A declined partner keeps seeing its own
/// invitation, nothing more of the partnership.
#[utoipa::path(
    operation_id = "evidence_decline_invitation",
    tag = "evidence",
    params(
        ("municipality" = String, Path, description = "The invited partner's slug"),
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
    answer(db, who, slug, id, repo::DECLINED)
        .await
        .map(web::Json)
}
