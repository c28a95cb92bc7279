//! HTTP handlers of the placements module, one file per resource.

mod import;
mod kinds;
mod measures;
mod staircase;
mod statistics;

use utoipa_actix_web::service_config::ServiceConfig;

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
