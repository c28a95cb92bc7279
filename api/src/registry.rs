//! The module registry: an explicit list, each entry behind a Cargo feature.

use std::sync::Arc;

use retning_kernel::indicators::IndicatorRegistry;
use retning_kernel::module::{self, ModuleCatalog, RegistryError};
use retning_kernel::Module;

/// Every compiled-in module, platform first.
pub fn compiled_modules() -> Vec<Arc<dyn Module>> {
    let mut modules: Vec<Arc<dyn Module>> = vec![Arc::new(crate::platform::PlatformModule)];
    #[cfg(feature = "goals")]
    modules.push(Arc::new(retning_goals::GoalsModule));
    #[cfg(feature = "placements")]
    modules.push(Arc::new(retning_placements::PlacementsModule));
    #[cfg(feature = "evidence")]
    modules.push(Arc::new(retning_evidence::EvidenceModule));
    #[cfg(feature = "offers")]
    modules.push(Arc::new(retning_offers::OffersModule));
    modules
}

/// The validated modules in dependency order, and what they registered with the kernel.
#[derive(Clone)]
pub struct Registry {
    pub modules: Vec<Arc<dyn Module>>,
    pub indicators: IndicatorRegistry,
}

impl Registry {
    pub fn new(modules: Vec<Arc<dyn Module>>) -> Result<Self, RegistryError> {
        let names: Vec<(&'static str, &'static [&'static str])> = modules
            .iter()
            .map(|m| (m.name(), m.dependencies()))
            .collect();
        let order = module::validate(&names)?;
        let mut ordered = Vec::with_capacity(modules.len());
        for name in order {
            if let Some(m) = modules.iter().find(|m| m.name() == name) {
                ordered.push(Arc::clone(m));
            }
        }
        let indicators = IndicatorRegistry::new(ordered.iter().flat_map(|m| m.indicators()))
            .map_err(RegistryError::Duplicate)?;
        Ok(Self {
            modules: ordered,
            indicators,
        })
    }

    pub fn catalog(&self) -> ModuleCatalog {
        ModuleCatalog {
            modules: self
                .modules
                .iter()
                .map(|m| (m.name(), m.switchable()))
                .collect(),
        }
    }
}
