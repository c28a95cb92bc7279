//! The goals module's rules and changes: what a body must satisfy, what a change must find in
//! the database first, and each change with its audit row. Routes and the seed call these; every
//! query they need is in `repo`.

use retning_kernel::audit::{self, Change};
use retning_kernel::scope::Scope;
use retning_kernel::{ApiError, DbConnection, Principal, Validator};

use crate::dto::*;
use crate::model::{ThemeRow, UnitRow};
use crate::repo;

// ------------------------------------------------------------------------------------------
// Themes and units

/// A theme's slug or a unit's key: 2-60 lower-case letters, digits or dashes.
fn valid_key(key: &str) -> bool {
    (2..=60).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn theme_kind(t: &NewTheme) -> &str {
    t.kind.as_deref().unwrap_or("theme")
}

/// Checks a new theme's fields (before any database work).
pub fn validate_new_theme(t: &NewTheme) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        valid_key(&t.slug),
        "slug",
        "invalid",
        "must be 2-60 lower-case letters, digits or dashes",
    );
    v.text("name", &t.name, 200);
    v.opt_text("description", t.description.as_deref(), 2000);
    let kind = theme_kind(t);
    v.check(
        kind == "theme" || kind == "pejlemaerke",
        "kind",
        "invalid",
        "must be theme or pejlemaerke",
    );
    v.finish()
}

/// Adds a theme (validated by [`validate_new_theme`]): its parent must exist, its slug must not.
pub fn create_theme(
    conn: &mut DbConnection,
    who: &Principal,
    t: &NewTheme,
) -> Result<ThemeRow, ApiError> {
    let parent_id = match &t.parent {
        Some(p) => Some(
            repo::theme_by_slug(conn, p)?
                .ok_or_else(|| ApiError::field("parent", "unknown_theme", "is not a theme"))?
                .id,
        ),
        None => None,
    };
    if repo::theme_by_slug(conn, &t.slug)?.is_some() {
        return Err(ApiError::rule(
            crate::codes::THEME_EXISTS,
            "slug",
            "is already a theme",
        ));
    }
    let row = repo::insert_theme(
        conn,
        &t.slug,
        t.name.trim(),
        t.description.as_deref(),
        theme_kind(t),
        parent_id,
    )?;
    audit::record(
        conn,
        who,
        Change {
            municipality_id: None,
            action: "create",
            object_type: "theme",
            object_id: Some(row.id),
            details: serde_json::json!({"slug": row.slug, "name": row.name}),
        },
    )?;
    Ok(row)
}

/// Checks a theme patch's fields (before any database work).
pub fn validate_theme_patch(p: &ThemePatch) -> Result<(), ApiError> {
    let mut v = Validator::new();
    if let Some(n) = &p.name {
        v.text("name", n, 200);
    }
    if let Some(Some(d)) = &p.description {
        v.opt_text("description", Some(d), 2000);
    }
    v.finish()
}

/// Renames or describes a theme (validated by [`validate_theme_patch`]); 404 if there is none.
pub fn update_theme(
    conn: &mut DbConnection,
    who: &Principal,
    slug: &str,
    p: &ThemePatch,
) -> Result<ThemeRow, ApiError> {
    let cur = repo::theme_by_slug(conn, slug)?.ok_or_else(|| ApiError::not_found("theme"))?;
    let description = match &p.description {
        Some(d) => d.as_deref(),
        None => cur.description.as_deref(),
    };
    let row = repo::update_theme(
        conn,
        cur.id,
        p.name.as_deref().map_or(cur.name.as_str(), str::trim),
        description,
    )?;
    audit::record(
        conn,
        who,
        Change {
            municipality_id: None,
            action: "update",
            object_type: "theme",
            object_id: Some(row.id),
            details: serde_json::json!({"slug": row.slug, "before": {"name": cur.name}, "after": {"name": row.name}}),
        },
    )?;
    Ok(row)
}

/// Adds a unit to the scope's municipality: its parent must be a unit there, its key must not.
pub fn create_unit(
    conn: &mut DbConnection,
    scope: &Scope,
    u: &NewUnit,
) -> Result<UnitRow, ApiError> {
    let mut v = Validator::new();
    v.check(
        valid_key(&u.key),
        "key",
        "invalid",
        "must be 2-60 lower-case letters, digits or dashes",
    );
    v.text("name", &u.name, 200);
    v.text("kind", &u.kind, 60);
    v.finish()?;
    let parent_id = u
        .parent
        .as_deref()
        .map(|p| repo::unit_id(conn, scope.id(), "parent", p))
        .transpose()?;
    if repo::unit_key_taken(conn, scope.id(), &u.key)? {
        return Err(ApiError::rule(
            crate::codes::UNIT_EXISTS,
            "key",
            "is already a unit of this municipality",
        ));
    }
    let row = repo::insert_unit(
        conn,
        scope.id(),
        &u.key,
        u.name.trim(),
        u.kind.trim(),
        parent_id,
    )?;
    audit::record(
        conn,
        &scope.who,
        Change {
            municipality_id: Some(scope.id()),
            action: "create",
            object_type: "unit",
            object_id: Some(row.id),
            details: serde_json::json!({"key": row.key, "name": row.name}),
        },
    )?;
    Ok(row)
}
