//! HTTP handlers of the goals module, one file per resource.

mod compare;
mod measurements;
mod nodes;
mod strategies;
mod targets;
mod themes;

use chrono::NaiveDate;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(themes::list)
        .service(themes::create)
        .service(themes::update)
        .service(themes::indicators)
        .service(themes::list_units)
        .service(themes::create_unit)
        .service(strategies::list)
        .service(strategies::create)
        .service(strategies::get)
        .service(strategies::update)
        .service(strategies::archive)
        .service(strategies::tree)
        .service(nodes::create)
        .service(nodes::update)
        .service(nodes::remove)
        .service(targets::create)
        .service(targets::list)
        .service(targets::csv)
        .service(targets::get)
        .service(targets::update)
        .service(measurements::list)
        .service(measurements::put)
        .service(measurements::remove)
        .service(compare::compare)
        .service(compare::overview);
}

pub(crate) fn as_of(date: Option<NaiveDate>) -> NaiveDate {
    date.unwrap_or_else(crate::views::today)
}

/// What the seed loader shares with the handlers: the same inserts and checks.
pub(crate) mod seed_api {
    pub(crate) use super::measurements::check_value;
    pub(crate) use super::targets::{insert_target, validate_target};
}
