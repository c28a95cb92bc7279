//! HTTP handlers, one file per resource: extract, call `Scoped` and `ops`/`repo`, answer.

mod adoptions;
mod figures;
mod invitations;
mod partnerships;
mod programmes;
mod referrals;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(programmes::list)
        .service(programmes::create)
        .service(programmes::get)
        .service(programmes::update)
        .service(adoptions::of_programme)
        .service(adoptions::list)
        .service(adoptions::csv)
        .service(adoptions::create)
        .service(adoptions::get)
        .service(adoptions::update)
        .service(adoptions::remove)
        .service(figures::list)
        .service(figures::get)
        .service(figures::put)
        .service(figures::remove)
        .service(partnerships::list)
        .service(partnerships::create)
        .service(partnerships::get)
        .service(partnerships::update)
        .service(invitations::accept)
        .service(invitations::decline)
        .service(referrals::list)
        .service(referrals::create)
        .service(referrals::get)
        .service(referrals::remove);
}
