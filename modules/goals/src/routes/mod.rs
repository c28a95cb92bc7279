//! HTTP handlers of the goals module, one file per resource.

mod budget;
mod compare;
mod initiatives;
mod measurements;
mod nodes;
mod policies;
mod strategies;
mod targets;
mod themes;

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
        .service(strategies::report)
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
        .service(policies::list)
        .service(policies::create)
        .service(policies::get)
        .service(policies::update)
        .service(policies::remove)
        .service(policies::create_objective)
        .service(policies::update_objective)
        .service(policies::remove_objective)
        .service(budget::put)
        .service(budget::remove)
        .service(budget::csv)
        .service(budget::get)
        .service(initiatives::create)
        .service(initiatives::list)
        .service(initiatives::csv)
        .service(initiatives::get)
        .service(initiatives::update)
        .service(initiatives::remove)
        .service(initiatives::put_update)
        .service(initiatives::remove_update)
        .service(compare::compare)
        .service(compare::overview);
}
