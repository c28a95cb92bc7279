//! HTTP handlers, one file per resource: extract, call `Scoped` and `ops`/`repo`, answer.

mod figures;
mod market;
mod offers;
mod requests;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(market::list)
        .service(market::csv)
        .service(offers::list)
        .service(offers::create)
        .service(offers::get)
        .service(offers::update)
        .service(offers::remove)
        .service(requests::list)
        .service(requests::create)
        .service(requests::get)
        .service(requests::accept)
        .service(requests::decline)
        .service(requests::withdraw)
        .service(requests::start)
        .service(requests::end)
        .service(figures::offer)
        .service(figures::offers)
        .service(figures::purchases)
        .service(figures::occupancy);
}
