//! The goals module: strategies as trees of the municipalities' own levels, measurable targets
//! with measurements, derived progress and assessment, shared themes, and comparison.

pub mod codes;
pub mod dto;
mod indicators;
pub mod model;
pub mod ops;
pub mod progress;
pub mod repo;
pub mod report;
mod routes;
pub mod schema;
mod seed;
pub mod views;

use std::sync::Arc;

use retning_kernel::auth::Permission;
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::{DbConnection, Module};
use utoipa_actix_web::service_config::ServiceConfig;

pub const NAME: &str = "goals";

pub mod perm {
    use super::Permission;
    pub const READ_INTERNAL: Permission = Permission::read(
        "goals.read_internal",
        "read the municipality's internal strategies and their targets",
    );
    pub const WRITE: Permission = Permission::write(
        "goals.write",
        "create and change strategies, nodes, targets, units and measurements",
    );
    pub const THEME_MANAGE: Permission =
        Permission::operator("goals.theme.manage", "manage the shared themes");
}

pub struct GoalsModule;

impl Module for GoalsModule {
    fn name(&self) -> &'static str {
        NAME
    }
    fn permissions(&self) -> &'static [Permission] {
        &[perm::READ_INTERNAL, perm::WRITE, perm::THEME_MANAGE]
    }
    fn problem_codes(&self) -> &'static [&'static str] {
        codes::ALL
    }
    fn configure(&self, cfg: &mut ServiceConfig) {
        routes::configure(cfg);
    }
    fn seed(
        &self,
        conn: &mut DbConnection,
        ctx: &retning_kernel::module::SeedContext<'_>,
    ) -> Result<(), String> {
        seed::load(conn, ctx)
    }
    fn indicators(&self) -> Vec<Arc<dyn ComputedIndicator>> {
        indicators::all()
    }
}
