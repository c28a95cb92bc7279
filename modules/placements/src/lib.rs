//! The placements module: measures on the staircase and their statistics.

use retning_kernel::Module;
use utoipa_actix_web::service_config::ServiceConfig;

pub const NAME: &str = "placements";

pub struct PlacementsModule;

impl Module for PlacementsModule {
    fn name(&self) -> &'static str {
        NAME
    }
    fn configure(&self, _cfg: &mut ServiceConfig) {}
}
