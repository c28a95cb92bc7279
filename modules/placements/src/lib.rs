//! The placements module: each municipality's measures (placements and support measures) on its
//! own staircase, with pseudonymous child references and never a CPR number; statistics the
//! targets are written in, suppressed for outsiders; and the computed indicators the goals
//! module shows on targets.
//!
//! Problem codes of this module: `placements.staircase.step_in_use`; field codes `cpr_number`,
//! `unknown_kind`, `unknown_step`, `wrong_step`, `not_in_force`, `unknown_programme`,
//! `unknown_municipality`, `members_only`, `unknown_place_request`, `not_request_provider`.
//!
//! A measure bought from another municipality may name the place request it was bought through
//! (`place_request_id`). The offers module's tables are read through this crate's own
//! declarations (`schema`), never by importing the offers crate, and offers is not a declared
//! dependency: the tables belong to the platform's one migration tree and exist whatever modules
//! are compiled in. Without the offers module there are no requests, so any named request is
//! refused (422) and everything else works as before.

pub mod codes;
pub mod demo;
pub mod dto;
pub mod import;
mod indicators;
pub mod kinds;
pub mod model;
pub mod ops;
pub mod repo;
mod routes;
pub mod schema;
mod seed;
pub mod stats;
pub mod validate;
pub mod views;

use std::sync::Arc;

use retning_kernel::auth::Permission;
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::module::SeedContext;
use retning_kernel::{DbConnection, Module};
use utoipa_actix_web::service_config::ServiceConfig;

pub const NAME: &str = "placements";

pub mod perm {
    use super::Permission;
    pub const READ: Permission = Permission::read(
        "placements.read",
        "read the municipality's measures of individual children (pseudonymous) and its exact statistics",
    );
    pub const WRITE: Permission = Permission::write(
        "placements.write",
        "record, change, delete and import the municipality's measures",
    );
    pub const STAIRCASE_MANAGE: Permission = Permission::admin(
        "placements.staircase.manage",
        "replace the municipality's staircase",
    );
}

pub struct PlacementsModule;

impl Module for PlacementsModule {
    fn name(&self) -> &'static str {
        NAME
    }
    fn dependencies(&self) -> &'static [&'static str] {
        // Measures refer to the evidence module's programme catalogue. The optional link to a
        // place request of the offers module needs no dependency (see the module's notes).
        &["evidence"]
    }
    fn permissions(&self) -> &'static [Permission] {
        &[perm::READ, perm::WRITE, perm::STAIRCASE_MANAGE]
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
    fn soft_references(&self) -> &'static [retning_kernel::transfer::SoftReference] {
        // The link to the offers module's place request has no foreign key (see the migration).
        &[retning_kernel::transfer::SoftReference {
            table: "placement_measures",
            column: "place_request_id",
            references: "offer_place_requests",
        }]
    }
}
