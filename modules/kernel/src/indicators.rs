//! Computed indicators: values one module computes from its own data for another module's
//! targets (placements computes "full-year placements"; goals shows it on a target).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::cache::Caches;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::versions::{Versions, PLATFORM};

pub trait ComputedIndicator: Send + Sync {
    /// `<module>.<name>`, e.g. `placements.full_year_placements`.
    fn key(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// `count`, `percent`, `dkk` or `ratio`.
    fn unit(&self) -> &'static str;
    /// The modules whose data of the municipality the value is computed from (its cache is
    /// kept while their data is unchanged); `None`, the default, for all of it.
    fn inputs(&self) -> Option<&'static [&'static str]> {
        None
    }
    /// The value for a municipality for the period ending on `on` (a year for yearly figures),
    /// or `None` where there is no data to compute it from.
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError>;
    /// The value, for an indicator that is computed from another module's indicator: the
    /// registry calls this, and the indicator may ask `registry.compute` for another's value
    /// (never for its own, directly or through others). Defaults to [`Self::compute`].
    fn compute_with(
        &self,
        conn: &mut DbConnection,
        registry: &IndicatorRegistry,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        let _ = registry;
        self.compute(conn, municipality_id, on)
    }
}

/// Every computed indicator of the registered modules, by key; once given a database
/// ([`IndicatorRegistry::for_db`]), with that database's cache of their values.
#[derive(Clone, Default)]
pub struct IndicatorRegistry {
    by_key: BTreeMap<&'static str, Arc<dyn ComputedIndicator>>,
    cache: Option<Arc<Caches>>,
    metrics: Option<Arc<crate::metrics::Metrics>>,
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
        Ok(Self {
            by_key,
            cache: None,
            metrics: None,
        })
    }

    /// The registry answering from `db`'s cache of indicator values.
    pub fn for_db(&self, db: &Db) -> Self {
        Self {
            by_key: self.by_key.clone(),
            cache: Some(Arc::clone(db.caches())),
            metrics: Some(Arc::clone(db.metrics())),
        }
    }

    /// The value of an indicator for a municipality on a day (`None`: unknown indicator, or
    /// nothing to compute it from). Cached per (indicator, municipality, day) while the
    /// data versions of its inputs in that municipality (`versions`, read by the caller
    /// before) are unchanged, so a
    /// computation runs once per change of its inputs, not once per read.
    pub fn value(
        &self,
        conn: &mut DbConnection,
        versions: &Versions,
        key: &str,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        let Some(indicator) = self.by_key.get(key) else {
            return Ok(None);
        };
        let Some(cache) = &self.cache else {
            return indicator.compute_with(conn, self, municipality_id, on);
        };
        let version = match indicator.inputs() {
            Some(modules) => versions.of_modules(municipality_id, modules),
            None => versions.of(municipality_id) + versions.of(PLATFORM),
        };
        let cache_key = (indicator.key(), municipality_id, on);
        if let Some(hit) = cache.indicators.get(&cache_key, version) {
            return Ok(hit);
        }
        let started = std::time::Instant::now();
        let value = indicator.compute_with(conn, self, municipality_id, on)?;
        if let Some(metrics) = &self.metrics {
            metrics.indicator(indicator.key(), started.elapsed());
        }
        tracing::debug!(
            indicator = indicator.key(),
            municipality_id,
            %on,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "computed indicator"
        );
        cache.indicators.put(cache_key, version, value);
        Ok(value)
    }
    /// The value of another indicator, for an indicator computed from it (see
    /// [`ComputedIndicator::compute_with`]): computed, not cached, since the caller's own value is
    /// cached under the data versions of all its inputs. `None` for an unknown indicator.
    pub fn compute(
        &self,
        conn: &mut DbConnection,
        key: &str,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        match self.by_key.get(key) {
            Some(indicator) => indicator.compute_with(conn, self, municipality_id, on),
            None => Ok(None),
        }
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
