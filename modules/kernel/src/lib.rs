//! The kernel of Retning: what every module plugs into.

pub mod audit;
pub mod auth;
pub mod cache;
pub mod codes;
pub mod cpr;
pub mod db;
pub mod error;
pub mod http;
pub mod indicators;
pub mod legal;
pub mod metrics;
pub mod module;
pub mod pagination;
pub mod request_id;
pub mod schema;
pub mod scope;
pub mod screen;
pub mod suppression;
pub mod tenancy;
pub mod text_enum;
pub mod transfer;
pub mod versions;

use chrono::{NaiveDateTime, Utc};
use serde::{Serialize, Serializer};

pub use auth::{Permission, Principal, Role};
pub use db::{write_transaction, Db, DbConnection};
pub use error::{ApiError, FieldError, Problem, Validator};
pub use module::Module;
pub use pagination::{Page, PageParams};

/// The largest CSV import body in bytes (app data: the server sets it from
/// `server.import_limit_bytes`; import handlers stream the body and stop beyond it).
#[derive(Debug, Clone, Copy)]
pub struct ImportLimit(pub usize);

/// The current time, UTC, to the microsecond (both backends store microseconds).
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.with_nanosecond_floor()
}

trait MicroFloor {
    fn with_nanosecond_floor(self) -> Self;
}
impl MicroFloor for NaiveDateTime {
    fn with_nanosecond_floor(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1000 * 1000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}

/// A UTC timestamp, serialized as RFC 3339 with `Z` (diesel's naive timestamps are UTC here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub NaiveDateTime);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(
            &self
                .0
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    }
}

/// Deserializes `Option<Option<T>>` so that PATCH bodies tell an absent field (`None`) from an
/// explicit `null` (`Some(None)`).
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(de).map(Some)
}
