//! In-process caches of derived figures, each entry tagged with the data version it was
//! computed under ([`crate::versions`]): an entry answers only while the database still reports
//! that version, so a value is never older than the last committed write.
//!
//! Bounded: when full, the oldest entry goes first. Held by [`crate::Db`], so every database a
//! process talks to has its own.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::http::Rendered;
use crate::versions::{Versions, PLATFORM};

pub struct VersionedCache<K, V> {
    inner: Mutex<Inner<K, V>>,
    capacity: usize,
}

struct Inner<K, V> {
    entries: HashMap<K, (i64, V)>,
    order: VecDeque<K>,
}

impl<K: Eq + Hash + Clone, V: Clone> VersionedCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                order: VecDeque::new(),
            }),
            capacity: capacity.max(1),
        }
    }

    /// The value computed under `version`, if there is one.
    pub fn get(&self, key: &K, version: i64) -> Option<V> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.entries.get(key) {
            Some((v, value)) if *v == version => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value`, computed under `version` (read before computing), unless an entry of a
    /// later version is already there.
    pub fn put(&self, key: K, version: i64, value: V) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.entries.get_mut(&key) {
            Some(existing) => {
                if existing.0 <= version {
                    *existing = (version, value);
                }
            }
            None => {
                while inner.entries.len() >= self.capacity {
                    match inner.order.pop_front() {
                        Some(old) => {
                            inner.entries.remove(&old);
                        }
                        None => break,
                    }
                }
                inner.order.push_back(key.clone());
                inner.entries.insert(key, (version, value));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.entries.clear();
        inner.order.clear();
    }
}

/// What a cached view depends on: the data of one municipality (and the platform's), or of all.
#[derive(Debug, Clone, Copy)]
pub enum DependsOn {
    Municipality(i64),
    Everything,
}

/// The view `key` as rendered under the current data version (read first, in this unit of
/// work), rendering and keeping it when the version has moved since. `key` names the view, its
/// parameters and what the caller may see of it.
pub fn rendered(
    caches: &Caches,
    conn: &mut DbConnection,
    key: String,
    depends_on: DependsOn,
    render: impl FnOnce(&mut DbConnection) -> Result<Rendered, ApiError>,
) -> Result<Arc<Rendered>, ApiError> {
    let versions = Versions::read(conn)?;
    let version = match depends_on {
        // A platform-wide change (a theme, the programme catalogue) may show in any
        // municipality's views.
        DependsOn::Municipality(id) => versions.of(id) + versions.of(PLATFORM),
        DependsOn::Everything => versions.total(),
    };
    if let Some(hit) = caches.responses.get(&key, version) {
        return Ok(hit);
    }
    let fresh = Arc::new(render(conn)?);
    caches.responses.put(key, version, Arc::clone(&fresh));
    Ok(fresh)
}

/// A computed indicator's value: (indicator key, municipality, day).
pub type IndicatorKey = (&'static str, i64, NaiveDate);

/// The caches a database's readers share.
pub struct Caches {
    /// Computed indicators per (indicator, municipality, day), tagged with the municipality's
    /// version.
    pub indicators: VersionedCache<IndicatorKey, Option<f64>>,
    /// Serialized answers of views across municipalities (comparison, overview, statistics),
    /// by a key naming the view, its parameters and what the caller may see, tagged with the
    /// version the view depends on.
    pub responses: VersionedCache<String, Arc<Rendered>>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            indicators: VersionedCache::new(20_000),
            // A view across municipalities can be a megabyte: few, so memory stays small.
            responses: VersionedCache::new(32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_only_for_the_version_it_was_computed_under() {
        let c: VersionedCache<&str, i32> = VersionedCache::new(2);
        c.put("a", 3, 30);
        assert_eq!(c.get(&"a", 3), Some(30));
        assert_eq!(c.get(&"a", 4), None, "a later version is a miss");
        assert_eq!(c.get(&"a", 2), None);
        c.put("a", 2, 20);
        assert_eq!(
            c.get(&"a", 3),
            Some(30),
            "an older computation never replaces a newer"
        );
        c.put("a", 5, 50);
        assert_eq!(c.get(&"a", 5), Some(50));
    }

    #[test]
    fn bounded() {
        let c: VersionedCache<i32, i32> = VersionedCache::new(3);
        for i in 0..10 {
            c.put(i, 1, i);
        }
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(&9, 1), Some(9));
        assert_eq!(c.get(&0, 1), None);
    }
}
