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
    fn soft_references(&self) -> &'static [retning_kernel::transfer::SoftReference] {
        // An initiative names programmes of the evidence catalogue by short name, without a
        // foreign key: goals does not depend on the evidence module (see the migration). The
        // short name is the programme's own key, the same in every installation, so moving data
        // carries it unchanged (only integer values are renumbered); declared so that the link
        // is known and the catalogue's table is moved before the links to it.
        &[retning_kernel::transfer::SoftReference {
            table: "initiative_programmes",
            column: "programme",
            references: "evidence_programmes",
        }]
    }
}
