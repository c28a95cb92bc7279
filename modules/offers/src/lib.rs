//! The offers module: offers a provider municipality publishes for other municipalities to buy
//! places in (døgninstitutioner, aflastning, familiepleje), the market across municipalities
//! with a vacancy filter, and place requests between a buying and a providing municipality,
//! whose accepted and active places never exceed the offer's approved places on any day.
//!
//! Problem codes of this module: `offers.offer.not_open`, `offers.offer.without_places`,
//! `offers.places_booked`, `offers.capacity_exceeded`, `offers.request.illegal_transition`,
//! `offers.request.wrong_party`, `offers.request.own_offer`.

pub mod codes;
mod dto;
mod indicators;
mod model;
mod ops;
mod repo;
mod routes;
pub mod schema;
mod seed;

use std::sync::Arc;

use retning_kernel::auth::Permission;
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::module::SeedContext;
use retning_kernel::{DbConnection, Module};
use utoipa_actix_web::service_config::ServiceConfig;

pub const NAME: &str = "offers";

pub mod perm {
    use super::Permission;
    pub const WRITE: Permission = Permission::write(
        "offers.write",
        "publish and change the municipality's offers (as provider), request places in other municipalities' offers (as buyer) and make the party's transitions of its place requests",
    );
    pub const REQUEST_READ: Permission = Permission::read(
        "offers.request.read",
        "read the place requests the municipality is a party to, as buyer or provider",
    );
}

pub struct OffersModule;

impl Module for OffersModule {
    fn name(&self) -> &'static str {
        NAME
    }
    fn dependencies(&self) -> &'static [&'static str] {
        // An offer may name a programme of the evidence catalogue; both parties are the
        // platform's municipalities.
        &["platform", "evidence"]
    }
    fn permissions(&self) -> &'static [Permission] {
        &[perm::WRITE, perm::REQUEST_READ]
    }
    fn problem_codes(&self) -> &'static [&'static str] {
        codes::ALL
    }
    fn configure(&self, cfg: &mut ServiceConfig) {
        routes::configure(cfg);
    }
    fn seed(&self, conn: &mut DbConnection, ctx: &SeedContext<'_>) -> Result<(), String> {
        seed::load(conn, ctx)
    }
    fn indicators(&self) -> Vec<Arc<dyn ComputedIndicator>> {
        indicators::all()
    }
}
