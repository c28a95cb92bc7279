//! Who changed what: every write records a row here in its own transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::schema::audit_log;

/// What a change is about, and whose audit log shows it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// `strategy`, `user`, `api_key`, …
    pub object_type: &'a str,
    pub object_id: Option<i64>,
    /// The municipalities whose log shows the change: the one the request addresses; both
    /// parties for a change between two municipalities; none for a platform-wide change.
    pub municipalities: &'a [i64],
}

impl<'a> Subject<'a> {
    /// An object of one municipality.
    pub fn of(municipality: &'a i64, object_type: &'a str, object_id: i64) -> Self {
        Self {
            object_type,
            object_id: Some(object_id),
            municipalities: std::slice::from_ref(municipality),
        }
    }
}

/// Records one write: the object as it was (`None` when created) and as it is (`None` when
/// deleted). The log keeps the fields that differ, each as `{"before": …, "after": …}` (all
/// fields of a created or deleted object), so every entry reads the same way whatever module
/// wrote it. Pass the views the API shows (never a secret, never a CPR number), and call it
/// inside the write's transaction, so a change without its audit row (or the reverse) cannot
/// be committed.
pub fn record_change<T: Serialize + ?Sized>(
    conn: &mut DbConnection,
    by: &Principal,
    action: &str,
    subject: Subject<'_>,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<(), ApiError> {
    let details = changed_fields(before.map(to_object), after.map(to_object)).to_string();
    let row = |municipality_id: Option<i64>| {
        (
            audit_log::municipality_id.eq(municipality_id),
            audit_log::actor_kind.eq(by.actor_kind()),
            audit_log::actor_id.eq(by.actor_id()),
            audit_log::actor_name.eq(by.actor_name()),
            audit_log::action.eq(action.to_owned()),
            audit_log::object_type.eq(subject.object_type.to_owned()),
            audit_log::object_id.eq(subject.object_id),
            audit_log::details.eq(details.clone()),
            audit_log::request_id.eq(by.request_id.clone()),
            audit_log::created_at.eq(crate::now()),
        )
    };
    let municipalities: Vec<Option<i64>> = if subject.municipalities.is_empty() {
        vec![None]
    } else {
        subject.municipalities.iter().copied().map(Some).collect()
    };
    for m in municipalities {
        diesel::insert_into(audit_log::table)
            .values(row(m))
            .execute(conn)?;
    }
    // What changed is recorded; the caches of what it changes learn it from the data versions.
    crate::versions::touch(conn, subject.municipalities)?;
    Ok(())
}

fn to_object<T: Serialize + ?Sized>(value: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        Ok(Value::Null) | Err(_) => serde_json::Map::new(),
        Ok(other) => serde_json::Map::from_iter([("value".to_owned(), other)]),
    }
}

/// Fields whose value differs (`updated_at` is the time of the entry itself and is left out).
fn changed_fields(
    before: Option<serde_json::Map<String, Value>>,
    after: Option<serde_json::Map<String, Value>>,
) -> Value {
    let (before, after) = (before.unwrap_or_default(), after.unwrap_or_default());
    let mut out = serde_json::Map::new();
    let keys = after
        .keys()
        .chain(before.keys().filter(|k| !after.contains_key(*k)));
    for key in keys {
        if key == "updated_at" {
            continue;
        }
        let (b, a) = (
            before.get(key).unwrap_or(&Value::Null),
            after.get(key).unwrap_or(&Value::Null),
        );
        if b != a {
            out.insert(key.clone(), serde_json::json!({"before": b, "after": a}));
        }
    }
    Value::Object(out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Option<serde_json::Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn an_update_keeps_what_changed() {
        let d = changed_fields(
            obj(json!({"id": 1, "status": "planned", "n": 12, "updated_at": "a"})),
            obj(json!({"id": 1, "status": "active", "n": 12, "updated_at": "b"})),
        );
        assert_eq!(
            d,
            json!({"status": {"before": "planned", "after": "active"}})
        );
    }

    #[test]
    fn a_creation_and_a_deletion_show_every_field() {
        let created = changed_fields(None, obj(json!({"id": 7, "name": "x"})));
        assert_eq!(
            created,
            json!({"id": {"before": null, "after": 7}, "name": {"before": null, "after": "x"}})
        );
        let deleted = changed_fields(obj(json!({"id": 7})), None);
        assert_eq!(deleted, json!({"id": {"before": 7, "after": null}}));
    }

    #[test]
    fn a_value_that_is_not_an_object_is_kept_as_value() {
        assert_eq!(to_object(&3), obj(json!({"value": 3})).unwrap_or_default());
    }
}
