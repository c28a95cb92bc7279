//! HTTP handlers of the placements module, one file per resource.

mod import;
mod kinds;
mod measures;
mod staircase;
mod statistics;

use actix_web::HttpRequest;
use retning_kernel::cpr;
use retning_kernel::http::decode_query;
use retning_kernel::tenancy::Municipality;
use retning_kernel::{ApiError, Principal};
use serde::de::DeserializeOwned;
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
    if who.require(&crate::perm::READ, Some(m.id)).is_ok() {
        Audience::Member
    } else {
        Audience::Public
    }
}

/// Query parameters, screened for CPR numbers before they are decoded: a decoding error (an
/// unknown category, say) would repeat the value in the problem.
pub(crate) fn screened_query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if cpr::find_cpr(&name) {
            return Err(ApiError::validation(vec![cpr::field_error("query")]));
        }
        if cpr::find_cpr(&value) {
            return Err(ApiError::validation(vec![cpr::field_error(format!(
                "query.{name}"
            ))]));
        }
    }
    decode_query(req.query_string())
}
