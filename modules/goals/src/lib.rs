//! The goals module: strategies as trees, targets, measurements, themes, comparison.

use retning_kernel::Module;
use utoipa_actix_web::service_config::ServiceConfig;

pub const NAME: &str = "goals";

pub struct GoalsModule;

impl Module for GoalsModule {
    fn name(&self) -> &'static str {
        NAME
    }
    fn configure(&self, _cfg: &mut ServiceConfig) {}
}
