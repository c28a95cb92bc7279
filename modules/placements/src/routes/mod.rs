//! HTTP handlers of the placements module, one file per resource.

mod import;
mod kinds;
mod measures;
mod staircase;
mod statistics;

use retning_kernel::tenancy::Municipality;
use retning_kernel::Principal;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::Audience;

pub(crate) use staircase::validate as validate_staircase;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(kinds::list)
        .service(staircase::get)
        .service(staircase::put)
        .service(import::import)
        .service(measures::list)
        .service(measures::create)
        .service(measures::get)
        .service(measures::update)
        .service(measures::remove)
        .service(statistics::statistics)
        .service(statistics::monthly);
}

/// Exact figures for the municipality's own users and keys; suppressed ones for everyone else.
pub(crate) fn audience(who: &Principal, m: &Municipality) -> Audience {
    if who.may(&crate::perm::READ, Some(m.id)) {
        Audience::Member
    } else {
        Audience::Public
    }
}
