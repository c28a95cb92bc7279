//! Who changed what: every write records a row here in its own transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::schema::audit_log;

/// One change to record. `details` holds what changed (never a secret, never a CPR number).
pub struct Change<'a> {
    pub municipality_id: Option<i64>,
    /// `create`, `update`, `archive`, `delete`, …
    pub action: &'a str,
    /// `strategy`, `user`, `api_key`, …
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    pub details: serde_json::Value,
}

/// Records a change. Call it inside the write's transaction, so that a change without its
/// audit row (or the reverse) cannot be committed.
pub fn record(conn: &mut DbConnection, by: &Principal, change: Change<'_>) -> Result<(), ApiError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::municipality_id.eq(change.municipality_id),
            audit_log::actor_kind.eq(by.actor_kind()),
            audit_log::actor_id.eq(by.actor_id()),
            audit_log::actor_name.eq(by.actor_name()),
            audit_log::action.eq(change.action),
            audit_log::object_type.eq(change.object_type),
            audit_log::object_id.eq(change.object_id),
            audit_log::details.eq(change.details.to_string()),
            audit_log::request_id.eq(by.request_id.as_deref()),
            audit_log::created_at.eq(crate::now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub municipality_id: Option<i64>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    pub details: String,
    pub request_id: Option<String>,
    pub created_at: NaiveDateTime,
}

/// An audit entry as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// `user`, `api_key`.
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<i64>,
    /// What changed, as recorded by the module.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub request_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: crate::Timestamp,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            request_id: r.request_id,
            created_at: crate::Timestamp(r.created_at),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    pub actor_name: Option<String>,
    pub action: Option<String>,
}

/// Newest first, keyset-paginated on the id (`before_id` is the cursor).
pub fn list(
    conn: &mut DbConnection,
    municipality_id: i64,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table
        .filter(audit_log::municipality_id.eq(municipality_id))
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(id) = before_id {
        q = q.filter(audit_log::id.lt(id));
    }
    if let Some(t) = &filter.object_type {
        q = q.filter(audit_log::object_type.eq(t.clone()));
    }
    if let Some(id) = filter.object_id {
        q = q.filter(audit_log::object_id.eq(id));
    }
    if let Some(a) = &filter.actor_name {
        q = q.filter(audit_log::actor_name.eq(a.clone()));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    q.load(conn)
}
