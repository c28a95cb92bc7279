//! Computed indicators: values one module computes from its own data for another module's
//! targets (placements computes "full-year placements"; goals shows it on a target).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::error::ApiError;

pub trait ComputedIndicator: Send + Sync {
    /// `<module>.<name>`, e.g. `placements.full_year_placements`.
    fn key(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// `count`, `percent`, `dkk` or `ratio`.
    fn unit(&self) -> &'static str;
    /// The value for a municipality for the period ending on `on` (a year for yearly figures),
    /// or `None` where there is no data to compute it from.
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError>;
}

/// Every computed indicator of the registered modules, by key.
#[derive(Clone, Default)]
pub struct IndicatorRegistry {
    by_key: BTreeMap<&'static str, Arc<dyn ComputedIndicator>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorInfo {
    pub key: String,
    pub description: String,
    pub unit: String,
}

impl IndicatorRegistry {
    pub fn new(
        indicators: impl IntoIterator<Item = Arc<dyn ComputedIndicator>>,
    ) -> Result<Self, String> {
        let mut by_key = BTreeMap::new();
        for i in indicators {
            if by_key.insert(i.key(), i.clone()).is_some() {
                return Err(format!("indicator {:?} is registered twice", i.key()));
            }
        }
        Ok(Self { by_key })
    }
    pub fn get(&self, key: &str) -> Option<&Arc<dyn ComputedIndicator>> {
        self.by_key.get(key)
    }
    pub fn contains(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }
    pub fn list(&self) -> Vec<IndicatorInfo> {
        self.by_key
            .values()
            .map(|i| IndicatorInfo {
                key: i.key().to_owned(),
                description: i.description().to_owned(),
                unit: i.unit().to_owned(),
            })
            .collect()
    }
}
