//! Municipalities: the tenants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::schema::{disabled_modules, municipalities};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = municipalities)]
pub struct Municipality {
    pub id: i64,
    pub slug: String,
    pub code: String,
    pub name: String,
    pub region: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Municipality>> {
    municipalities::table
        .filter(municipalities::slug.eq(slug))
        .select(Municipality::as_select())
        .first(conn)
        .optional()
}

/// The municipality a module's route addresses: 404 when it does not exist, or when the module
/// is switched off for it. The rest of the transaction is scoped to it (on PostgreSQL, row-level
/// security shows the private tables' rows of this municipality only).
pub fn resolve(
    conn: &mut DbConnection,
    slug: &str,
    module: &str,
) -> Result<Municipality, ApiError> {
    if conn.backend() == crate::db::Backend::Postgres {
        // The scope is set by the statement that finds the municipality: one round trip, not two.
        let found: Option<(Municipality, String)> = enabled(slug, module)
            .select((
                Municipality::as_select(),
                diesel::dsl::sql::<diesel::sql_types::Text>(
                    "set_config('retning.municipality_id', CAST(municipalities.id AS TEXT), true)",
                ),
            ))
            .first(conn)
            .optional()?;
        return found
            .map(|(m, _)| m)
            .ok_or_else(|| ApiError::not_found("municipality"));
    }
    let m = find_enabled(conn, slug, module)?.ok_or_else(|| ApiError::not_found("municipality"))?;
    crate::db::scope_to_municipality(conn, m.id)?;
    Ok(m)
}

/// The municipality with this slug and the module switched on (a query to select from).
#[diesel::dsl::auto_type(no_type_alias)]
fn enabled<'a>(slug: &'a str, module: &'a str) -> _ {
    municipalities::table
        .filter(municipalities::slug.eq(slug))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            disabled_modules::table
                .filter(disabled_modules::municipality_id.eq(municipalities::id))
                .filter(disabled_modules::module.eq(module)),
        )))
}

/// Another municipality a request names (a partner in a body, say), if it exists and has the
/// module switched on (one query). Unlike [`resolve`] it leaves the transaction's scope alone.
pub fn find_enabled(
    conn: &mut DbConnection,
    slug: &str,
    module: &str,
) -> QueryResult<Option<Municipality>> {
    enabled(slug, module)
        .select(Municipality::as_select())
        .first(conn)
        .optional()
}

/// Slugs are lower-case ASCII letters, digits and dashes, as they stand in URLs.
pub fn valid_slug(slug: &str) -> bool {
    (2..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}
