//! Moving data between installations and backends: one municipality's data as a JSON document
//! (export, import) and a whole installation from one database to another (copy).
//!
//! Generic by construction: tables, columns, their types, foreign keys and unique constraints
//! are read from the database's own catalog (PostgreSQL's `pg_catalog` and
//! `information_schema`, SQLite's `sqlite_master` and `pragma_*` functions), so a table a module
//! adds tomorrow moves without code. The conventions it relies on are the module contract's:
//! every table of a municipality's data carries `municipality_id`, and a row's own key is the
//! integer column `id`. A column that holds another table's id without a foreign key (a link
//! between modules that must not be tied by a constraint) is declared by its module
//! ([`crate::Module::soft_references`]).
//!
//! Values move as JSON in one canonical form whatever the backend: integers, floats, booleans
//! (0/1 on SQLite), dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]` (the form
//! diesel writes on SQLite, which PostgreSQL accepts), text, null. Rows are written with one
//! statement per table (`json_populate_recordset` on PostgreSQL, `json_each` on SQLite), so a
//! table's self-references are checked when its statement ends, and every write is one
//! transaction: a failure leaves nothing.
//!
//! Not carried: the migration bookkeeping (the target must have the same migrations) and the
//! data versions (derived counters: moved instead, so no cache of the target answers with what
//! it computed before). The audit log is carried as it was recorded: the ids an entry names
//! (`object_id`, `actor_id`, and those inside `details`) are the source installation's.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::db::{Backend, DbConnection};

/// The `format` field of an export document.
pub const FORMAT: &str = "retning-export";
/// The version of the export document's shape this binary writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Tables never moved: migration bookkeeping, and derived counters (see the module notes).
const EXCLUDED: &[&str] = &["__diesel_schema_migrations", "data_versions"];

/// A column holding another table's `id` without a foreign key, declared by the module that
/// owns the column.
#[derive(Debug, Clone, Copy)]
pub struct SoftReference {
    pub table: &'static str,
    pub column: &'static str,
    pub references: &'static str,
}

/// A refusal or failure of a transfer; nothing was written when it is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferError(pub String);

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransferError {}

impl From<diesel::result::Error> for TransferError {
    fn from(e: diesel::result::Error) -> Self {
        Self(format!("database: {e}"))
    }
}

impl From<crate::ApiError> for TransferError {
    fn from(e: crate::ApiError) -> Self {
        Self(e.to_string())
    }
}

fn err(msg: impl Into<String>) -> TransferError {
    TransferError(msg.into())
}

/// How a column's values are written in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Integer,
    Float,
    Boolean,
    Date,
    Timestamp,
    Text,
}

impl Kind {
    fn of_sqlite(declared: &str) -> Self {
        let t = declared.to_ascii_uppercase();
        if t.contains("INT") {
            Kind::Integer
        } else if t.contains("BOOL") {
            Kind::Boolean
        } else if t.contains("TIMESTAMP") {
            Kind::Timestamp
        } else if t.contains("DATE") {
            Kind::Date
        } else if t.contains("REAL") || t.contains("DOUB") || t.contains("FLOA") {
            Kind::Float
        } else {
            Kind::Text
        }
    }

    fn of_postgres(data_type: &str) -> Self {
        match data_type {
            "bigint" | "integer" | "smallint" => Kind::Integer,
            "double precision" | "real" | "numeric" => Kind::Float,
            "boolean" => Kind::Boolean,
            "date" => Kind::Date,
            t if t.starts_with("timestamp") => Kind::Timestamp,
            _ => Kind::Text,
        }
    }
}

/// One table as the catalog describes it.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
    /// Column → the table whose `id` it holds (foreign keys followed through composite keys to
    /// the `id` they end at; `municipality_id` → `municipalities` by convention; soft references).
    pub references: BTreeMap<String, String>,
    /// The smallest unique constraint without `id`: how a row is found in another installation.
    pub natural_key: Option<Vec<String>>,
}

impl Table {
    fn has_id(&self) -> bool {
        self.columns
            .iter()
            .any(|(c, k)| c == "id" && *k == Kind::Integer)
    }
    fn owned(&self) -> bool {
        self.columns.iter().any(|(c, _)| c == "municipality_id")
    }
    fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|(c, _)| c == column)
    }
}

/// Every table moved, parents before the tables that refer to them.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub tables: Vec<Table>,
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    a: String,
}

#[derive(QueryableByName)]
struct Two {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
}

#[derive(QueryableByName)]
struct Four {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
    #[diesel(sql_type = Text)]
    c: String,
    #[diesel(sql_type = Text)]
    d: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct MaybeId {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    n: Option<i64>,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Catalog {
    /// Reads the catalog of the connected database.
    pub fn read(conn: &mut DbConnection, soft: &[SoftReference]) -> Result<Self, TransferError> {
        let mut columns: BTreeMap<String, Vec<(String, Kind)>> = BTreeMap::new();
        // (table, column, referenced table, referenced column)
        let mut fks: Vec<(String, String, String, String)> = Vec::new();
        // (constraint, table, column), columns in key order
        let mut uniques: Vec<(String, String, String)> = Vec::new();
        match conn.backend() {
            Backend::Sqlite => {
                let tables: Vec<One> = diesel::sql_query(
                    "SELECT name AS a FROM sqlite_master WHERE type = 'table' \
                     AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .load(conn)?;
                for One { a: t } in tables {
                    let cols: Vec<Two> = diesel::sql_query(
                        "SELECT name AS a, type AS b FROM pragma_table_info($1) ORDER BY cid",
                    )
                    .bind::<Text, _>(&t)
                    .load(conn)?;
                    columns.insert(
                        t.clone(),
                        cols.into_iter()
                            .map(|c| (c.a, Kind::of_sqlite(&c.b)))
                            .collect(),
                    );
                    let refs: Vec<Two> = diesel::sql_query(
                        "SELECT \"from\" AS a, \"table\" || ' ' || COALESCE(\"to\", 'id') AS b \
                         FROM pragma_foreign_key_list($1) ORDER BY id, seq",
                    )
                    .bind::<Text, _>(&t)
                    .load(conn)?;
                    for r in refs {
                        let (rt, rc) = r.b.split_once(' ').unwrap_or((&r.b, "id"));
                        fks.push((t.clone(), r.a, rt.to_owned(), rc.to_owned()));
                    }
                    let keys: Vec<Two> = diesel::sql_query(
                        "SELECT il.name AS a, ii.name AS b FROM pragma_index_list($1) il \
                         JOIN pragma_index_info(il.name) ii WHERE il.origin = 'u' \
                         ORDER BY il.name, ii.seqno",
                    )
                    .bind::<Text, _>(&t)
                    .load(conn)?;
                    uniques.extend(keys.into_iter().map(|k| (k.a, t.clone(), k.b)));
                }
            }
            Backend::Postgres => {
                let cols: Vec<Four> = diesel::sql_query(
                    "SELECT c.table_name::text AS a, c.column_name::text AS b, \
                     c.data_type::text AS c, '' AS d \
                     FROM information_schema.columns c JOIN information_schema.tables t \
                       ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                     ORDER BY c.table_name, c.ordinal_position",
                )
                .load(conn)?;
                for c in cols {
                    columns
                        .entry(c.a)
                        .or_default()
                        .push((c.b, Kind::of_postgres(&c.c)));
                }
                let refs: Vec<Four> = diesel::sql_query(
                    "SELECT cl.relname::text AS a, at.attname::text AS b, \
                     rcl.relname::text AS c, rat.attname::text AS d \
                     FROM pg_constraint co \
                     JOIN pg_class cl ON cl.oid = co.conrelid \
                     JOIN pg_namespace ns ON ns.oid = cl.relnamespace \
                     CROSS JOIN LATERAL unnest(co.conkey, co.confkey) AS k(col, refcol) \
                     JOIN pg_attribute at ON at.attrelid = co.conrelid AND at.attnum = k.col \
                     JOIN pg_class rcl ON rcl.oid = co.confrelid \
                     JOIN pg_attribute rat ON rat.attrelid = co.confrelid AND rat.attnum = k.refcol \
                     WHERE co.contype = 'f' AND ns.nspname = current_schema() \
                     ORDER BY co.conname",
                )
                .load(conn)?;
                fks.extend(refs.into_iter().map(|r| (r.a, r.b, r.c, r.d)));
                let keys: Vec<Four> = diesel::sql_query(
                    "SELECT co.conname::text AS a, cl.relname::text AS b, at.attname::text AS c, \
                     '' AS d \
                     FROM pg_constraint co \
                     JOIN pg_class cl ON cl.oid = co.conrelid \
                     JOIN pg_namespace ns ON ns.oid = cl.relnamespace \
                     CROSS JOIN LATERAL unnest(co.conkey) WITH ORDINALITY AS k(col, ord) \
                     JOIN pg_attribute at ON at.attrelid = co.conrelid AND at.attnum = k.col \
                     WHERE co.contype = 'u' AND ns.nspname = current_schema() \
                     ORDER BY co.conname, k.ord",
                )
                .load(conn)?;
                uniques.extend(keys.into_iter().map(|k| (k.a, k.b, k.c)));
            }
        }
        for x in EXCLUDED {
            columns.remove(*x);
        }

        // Where a column's value points: follow composite keys (`(municipality_id, adoption_id)
        // → evidence_adoptions (municipality_id, id)`) to the `id` they end at.
        let direct: HashMap<(String, String), (String, String)> = fks
            .into_iter()
            .map(|(t, c, rt, rc)| ((t, c), (rt, rc)))
            .collect();
        let resolve = |table: &str, column: &str| -> Option<String> {
            let mut at = (table.to_owned(), column.to_owned());
            for _ in 0..16 {
                match direct.get(&at) {
                    Some((rt, rc)) if rc == "id" => return Some(rt.clone()),
                    Some(next) => at = next.clone(),
                    None if at.1 == "municipality_id" => return Some("municipalities".to_owned()),
                    None => return None,
                }
            }
            None
        };

        let mut keys_by_table: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for (name, table, column) in uniques {
            keys_by_table
                .entry(table)
                .or_default()
                .entry(name)
                .or_default()
                .push(column);
        }

        let mut tables = Vec::new();
        for (name, cols) in &columns {
            let mut references = BTreeMap::new();
            for (c, _) in cols {
                if c == "id" {
                    continue;
                }
                if let Some(t) = resolve(name, c) {
                    references.insert(c.clone(), t);
                }
            }
            for s in soft.iter().filter(|s| s.table == name) {
                if cols.iter().any(|(c, _)| c == s.column) {
                    references.insert(s.column.to_owned(), s.references.to_owned());
                }
            }
            let position = |c: &str| cols.iter().position(|(n, _)| n == c).unwrap_or(usize::MAX);
            let natural_key = keys_by_table.get(name).and_then(|keys| {
                keys.values()
                    .filter(|k| !k.iter().any(|c| c == "id"))
                    .min_by_key(|k| (k.len(), k.iter().map(|c| position(c)).min()))
                    .cloned()
            });
            tables.push(Table {
                name: name.clone(),
                columns: cols.clone(),
                references,
                natural_key,
            });
        }
        Ok(Self {
            tables: order(tables)?,
        })
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Parents first (a table's references to itself aside); alphabetical among equals.
fn order(tables: Vec<Table>) -> Result<Vec<Table>, TransferError> {
    let names: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    let mut left: BTreeMap<String, Table> =
        tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let mut out = Vec::new();
    while !left.is_empty() {
        let ready = left
            .values()
            .find(|t| {
                t.references.values().all(|r| {
                    r == &t.name || !names.contains(r) || out.iter().any(|o: &Table| &o.name == r)
                })
            })
            .map(|t| t.name.clone());
        match ready {
            Some(name) => {
                if let Some(t) = left.remove(&name) {
                    out.push(t);
                }
            }
            None => {
                return Err(err(format!(
                    "the tables {} refer to each other in a cycle; they cannot be ordered",
                    left.keys().cloned().collect::<Vec<_>>().join(", ")
                )))
            }
        }
    }
    Ok(out)
}

/// The migrations applied to the connected database, oldest first.
pub fn applied_migrations(conn: &mut DbConnection) -> Result<Vec<String>, TransferError> {
    let rows: Vec<One> = diesel::sql_query(
        "SELECT CAST(version AS TEXT) AS a FROM __diesel_schema_migrations ORDER BY version",
    )
    .load(conn)
    .map_err(|_| err("the database holds no Retning installation (it was never migrated)"))?;
    Ok(rows.into_iter().map(|r| r.a).collect())
}

fn timestamp_text(t: NaiveDateTime) -> String {
    t.format("%F %T%.f").to_string()
}

/// A value as read from either backend, in the document's canonical form.
fn canonical(kind: Kind, v: Value) -> Result<Value, String> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let bad = |v: &Value| format!("unexpected {kind:?} value {v}");
    Ok(match kind {
        Kind::Integer => match &v {
            Value::Number(n) if n.is_i64() => v,
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => json!(f as i64),
                _ => return Err(bad(&v)),
            },
            Value::Bool(b) => json!(i64::from(*b)),
            _ => return Err(bad(&v)),
        },
        Kind::Float => match &v {
            Value::Number(n) => json!(n.as_f64().ok_or_else(|| bad(&v))?),
            Value::String(s) => json!(s.trim().parse::<f64>().map_err(|_| bad(&v))?),
            _ => return Err(bad(&v)),
        },
        Kind::Boolean => match &v {
            Value::Bool(_) => v,
            Value::Number(n) => json!(n.as_i64() != Some(0)),
            _ => return Err(bad(&v)),
        },
        Kind::Date => match &v {
            Value::String(s) => {
                let d = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                    .map_err(|_| bad(&v))?;
                json!(d.format("%Y-%m-%d").to_string())
            }
            _ => return Err(bad(&v)),
        },
        Kind::Timestamp => match &v {
            Value::String(s) => {
                let s = s.trim_end_matches('Z');
                let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
                    .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
                    .map_err(|_| bad(&v))?;
                json!(timestamp_text(t))
            }
            _ => return Err(bad(&v)),
        },
        Kind::Text => match &v {
            Value::String(_) => v,
            other => json!(other.to_string()),
        },
    })
}

/// Rows of a table in the catalog's column order, canonical values. `filter` is SQL built here
/// from integers only.
fn read_rows(
    conn: &mut DbConnection,
    table: &Table,
    filter: Option<&str>,
) -> Result<Vec<Vec<Value>>, TransferError> {
    #[derive(QueryableByName)]
    struct J {
        #[diesel(sql_type = Text)]
        j: String,
    }
    let name = quote(&table.name);
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    let order = if table.has_id() { " ORDER BY id" } else { "" };
    let sql = match conn.backend() {
        Backend::Postgres => {
            format!("SELECT row_to_json(t)::text AS j FROM {name} t{filter}{order}")
        }
        Backend::Sqlite => {
            let fields = table
                .columns
                .iter()
                .map(|(c, k)| {
                    let q = quote(c);
                    // SQLite's JSON writes reals with 15 digits; 17 keep every double.
                    let v = if *k == Kind::Float {
                        format!("CASE WHEN {q} IS NULL THEN NULL ELSE printf('%.17g', {q}) END")
                    } else {
                        q
                    };
                    format!("'{}', {v}", c.replace('\'', "''"))
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("SELECT json_object({fields}) AS j FROM {name}{filter}{order}")
        }
    };
    let rows: Vec<J> = diesel::sql_query(sql).load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut obj: Map<String, Value> = serde_json::from_str(&r.j)
            .map_err(|e| err(format!("{}: a row is not JSON: {e}", table.name)))?;
        let mut row = Vec::with_capacity(table.columns.len());
        for (c, k) in &table.columns {
            let v = obj.remove(c).unwrap_or(Value::Null);
            row.push(canonical(*k, v).map_err(|e| err(format!("{}.{c}: {e}", table.name)))?);
        }
        out.push(row);
    }
    if !table.has_id() {
        out.sort_by_cached_key(|r| Value::Array(r.clone()).to_string());
    }
    Ok(out)
}

/// Inserts rows (catalog column order) in one statement, ids as given.
fn insert_rows(
    conn: &mut DbConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> Result<(), TransferError> {
    // A table that refers to itself goes in one statement (its references are checked when
    // the statement ends, whatever the rows' order); others in chunks.
    let chunk = if table.references.values().any(|r| r == &table.name) {
        rows.len().max(1)
    } else {
        5000
    };
    for part in rows.chunks(chunk) {
        insert_chunk(conn, table, part)?;
    }
    Ok(())
}

fn insert_chunk(
    conn: &mut DbConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> Result<(), TransferError> {
    let objects: Vec<Value> = rows
        .iter()
        .map(|r| {
            Value::Object(
                table
                    .columns
                    .iter()
                    .zip(r)
                    .map(|((c, k), v)| {
                        let v = match (conn.backend(), k, v) {
                            (Backend::Sqlite, Kind::Boolean, Value::Bool(b)) => {
                                json!(i64::from(*b))
                            }
                            _ => v.clone(),
                        };
                        (c.clone(), v)
                    })
                    .collect(),
            )
        })
        .collect();
    let payload = Value::Array(objects).to_string();
    let name = quote(&table.name);
    let cols = table
        .columns
        .iter()
        .map(|(c, _)| quote(c))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match conn.backend() {
        Backend::Postgres => format!(
            "INSERT INTO {name} ({cols}) OVERRIDING SYSTEM VALUE \
             SELECT {cols} FROM json_populate_recordset(NULL::{name}, $1::json)"
        ),
        Backend::Sqlite => {
            let values = table
                .columns
                .iter()
                .map(|(c, _)| format!("json_extract(value, '$.\"{}\"')", c.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ");
            format!("INSERT INTO {name} ({cols}) SELECT {values} FROM json_each($1)")
        }
    };
    diesel::sql_query(sql)
        .bind::<Text, _>(payload)
        .execute(conn)
        .map_err(|e| err(format!("writing {}: {e}", table.name)))?;
    Ok(())
}

/// The largest id a table has used (rows, and the sequence that hands them out).
fn max_used_id(conn: &mut DbConnection, table: &str) -> Result<i64, TransferError> {
    let q = quote(table);
    let rows: Vec<MaybeId> =
        diesel::sql_query(format!("SELECT MAX(id) AS n FROM {q}")).load(conn)?;
    let mut max = rows.first().and_then(|r| r.n).unwrap_or(0);
    match conn.backend() {
        Backend::Sqlite => {
            let seq: Vec<MaybeId> = diesel::sql_query(
                "SELECT CAST(seq AS BIGINT) AS n FROM sqlite_sequence WHERE name = $1",
            )
            .bind::<Text, _>(table)
            .load(conn)
            .unwrap_or_default();
            max = max.max(seq.first().and_then(|r| r.n).unwrap_or(0));
        }
        Backend::Postgres => {
            if let Some(seq) = sequence_of(conn, table)? {
                let last: Vec<MaybeId> = diesel::sql_query(format!(
                    "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS n FROM {seq}"
                ))
                .load(conn)?;
                max = max.max(last.first().and_then(|r| r.n).unwrap_or(0));
            }
        }
    }
    Ok(max)
}

fn sequence_of(conn: &mut DbConnection, table: &str) -> Result<Option<String>, TransferError> {
    #[derive(QueryableByName)]
    struct S {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        s: Option<String>,
    }
    let rows: Vec<S> = diesel::sql_query("SELECT pg_get_serial_sequence($1, 'id') AS s")
        .bind::<Text, _>(quote(table))
        .load(conn)?;
    Ok(rows.into_iter().next().and_then(|r| r.s))
}

/// On PostgreSQL, moves the identity sequence past the largest id (SQLite's AUTOINCREMENT
/// follows inserted ids by itself).
fn advance_sequence(conn: &mut DbConnection, table: &Table) -> Result<(), TransferError> {
    if conn.backend() != Backend::Postgres || !table.has_id() {
        return Ok(());
    }
    let max = max_used_id(conn, &table.name)?;
    if let (Some(seq), true) = (sequence_of(conn, &table.name)?, max > 0) {
        conn.batch_execute(&format!(
            "SELECT setval('{}', {max}, true)",
            seq.replace('\'', "''")
        ))?;
    }
    Ok(())
}

fn lock(conn: &mut DbConnection, table: &Table) -> Result<(), TransferError> {
    if conn.backend() == Backend::Postgres {
        conn.batch_execute(&format!(
            "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
            quote(&table.name)
        ))?;
    }
    Ok(())
}

/// One table in an export document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableDoc {
    pub name: String,
    pub columns: Vec<ColumnDoc>,
    /// How a `referenced` row is found in the installation it is imported into.
    pub natural_key: Option<Vec<String>>,
    /// The municipality's own rows.
    pub rows: Vec<Vec<Value>>,
    /// Rows of others the municipality's rows refer to (the municipality itself, themes,
    /// programmes, partner municipalities, another municipality's offer): matched by natural
    /// key on import, created where missing.
    pub referenced: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnDoc {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
}

/// Everything one municipality owns, in every module: `retning export`'s document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Export {
    pub format: String,
    pub format_version: u32,
    pub municipality: String,
    pub source_backend: String,
    /// The migrations of the source; an import needs exactly these.
    pub migrations: Vec<String>,
    pub exported_at: String,
    pub tables: Vec<TableDoc>,
}

impl Export {
    /// Rows per table (own rows, referenced rows).
    pub fn counts(&self) -> BTreeMap<String, (usize, usize)> {
        self.tables
            .iter()
            .map(|t| (t.name.clone(), (t.rows.len(), t.referenced.len())))
            .collect()
    }
}

/// Runs `f` in one read-only snapshot of the database.
fn snapshot<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, TransferError>,
) -> Result<T, TransferError> {
    match conn.backend() {
        Backend::Postgres => conn.batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
             SELECT set_config('retning.scope', 'platform', true)",
        )?,
        Backend::Sqlite => conn.batch_execute("BEGIN")?,
    }
    let result = f(conn);
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = conn.batch_execute(end);
    let value = result?;
    ended?;
    Ok(value)
}

fn id_of(table: &Table, row: &[Value]) -> Option<i64> {
    table
        .index("id")
        .and_then(|i| row.get(i))
        .and_then(Value::as_i64)
}

/// Exports one municipality (by slug): its rows in every table that carries
/// `municipality_id`, and the rows of others they refer to.
pub fn export(
    conn: &mut DbConnection,
    municipality: &str,
    soft: &[SoftReference],
) -> Result<Export, TransferError> {
    snapshot(conn, |conn| {
        let catalog = Catalog::read(conn, soft)?;
        let migrations = applied_migrations(conn)?;
        let municipalities = catalog
            .table("municipalities")
            .ok_or_else(|| err("no municipalities table: is the database migrated?"))?;
        let all = read_rows(conn, municipalities, None)?;
        let slug_at = municipalities.index("slug").unwrap_or(usize::MAX);
        let m_id = all
            .iter()
            .find(|r| r.get(slug_at).and_then(Value::as_str) == Some(municipality))
            .and_then(|r| id_of(municipalities, r))
            .ok_or_else(|| err(format!("no municipality {municipality:?} in this database")))?;

        let mut own: BTreeMap<String, Vec<Vec<Value>>> = BTreeMap::new();
        for t in catalog.tables.iter().filter(|t| t.owned()) {
            own.insert(
                t.name.clone(),
                read_rows(conn, t, Some(&format!("municipality_id = {m_id}")))?,
            );
        }
        // The rows of others they refer to, until nothing new is referred to.
        let mut referenced: BTreeMap<String, BTreeMap<i64, Vec<Value>>> = BTreeMap::new();
        referenced
            .entry("municipalities".into())
            .or_default()
            .extend(
                all.iter()
                    .filter(|r| id_of(municipalities, r) == Some(m_id))
                    .map(|r| (m_id, r.clone())),
            );
        loop {
            let mut wanted: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
            for t in &catalog.tables {
                let rows = own
                    .get(&t.name)
                    .into_iter()
                    .flatten()
                    .chain(referenced.get(&t.name).into_iter().flat_map(|m| m.values()));
                for row in rows {
                    for (c, target) in &t.references {
                        let Some(id) = t.index(c).and_then(|i| row.get(i)).and_then(Value::as_i64)
                        else {
                            continue;
                        };
                        let Some(tt) = catalog.table(target) else {
                            continue;
                        };
                        let is_own = own
                            .get(target)
                            .is_some_and(|rs| rs.iter().any(|r| id_of(tt, r) == Some(id)));
                        let known = referenced.get(target).is_some_and(|m| m.contains_key(&id));
                        if !is_own && !known {
                            wanted.entry(target.clone()).or_default().insert(id);
                        }
                    }
                }
            }
            if wanted.is_empty() {
                break;
            }
            for (target, ids) in wanted {
                let Some(tt) = catalog.table(&target) else {
                    continue;
                };
                let list = ids
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                let rows = read_rows(conn, tt, Some(&format!("id IN ({list})")))?;
                for id in &ids {
                    if !rows.iter().any(|r| id_of(tt, r) == Some(*id)) {
                        return Err(err(format!(
                            "a row refers to {target} id {id}, which does not exist"
                        )));
                    }
                }
                if tt.natural_key.is_none() {
                    return Err(err(format!(
                        "{municipality}'s rows refer to rows of {target} it does not own, and {target} \
                         has no unique key to find them by in another installation"
                    )));
                }
                let entry = referenced.entry(target.clone()).or_default();
                for r in rows {
                    if let Some(id) = id_of(tt, &r) {
                        entry.insert(id, r);
                    }
                }
            }
        }
        let tables = catalog
            .tables
            .iter()
            .map(|t| TableDoc {
                name: t.name.clone(),
                columns: t
                    .columns
                    .iter()
                    .map(|(c, k)| ColumnDoc {
                        name: c.clone(),
                        kind: *k,
                        references: t.references.get(c).cloned(),
                    })
                    .collect(),
                natural_key: t.natural_key.clone(),
                rows: own.remove(&t.name).unwrap_or_default(),
                referenced: referenced
                    .remove(&t.name)
                    .map(|m| m.into_values().collect())
                    .unwrap_or_default(),
            })
            .collect();
        Ok(Export {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            municipality: municipality.to_owned(),
            source_backend: conn.backend().name().into(),
            migrations,
            exported_at: crate::now()
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tables,
        })
    })
}

/// What an import or copy wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Rows written per table.
    pub written: BTreeMap<String, usize>,
    /// Referenced rows found in the target by their natural key (not written).
    pub matched: BTreeMap<String, usize>,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.written.values().sum()
    }
}

/// Refuses a document this binary cannot read, or one holding a CPR-shaped number (named by
/// table, column and row, never the value).
pub fn check_document(doc: &Export) -> Result<(), TransferError> {
    if doc.format != FORMAT {
        return Err(err(format!(
            "not a Retning export (format {:?}, expected {FORMAT:?})",
            doc.format
        )));
    }
    if doc.format_version != FORMAT_VERSION {
        return Err(err(format!(
            "export format version {} cannot be read by this binary, which reads version {FORMAT_VERSION}",
            doc.format_version
        )));
    }
    for t in &doc.tables {
        for (part, rows) in [("rows", &t.rows), ("referenced", &t.referenced)] {
            for (n, row) in rows.iter().enumerate() {
                if row.len() != t.columns.len() {
                    return Err(err(format!(
                        "{}.{part}[{}] has {} values for {} columns",
                        t.name,
                        n + 1,
                        row.len(),
                        t.columns.len()
                    )));
                }
                for (c, v) in t.columns.iter().zip(row) {
                    // Hashes are the server's own output, never text a person typed.
                    if c.name.ends_with("_hash") {
                        continue;
                    }
                    // Numbers too, as the request screen does, except ids and references.
                    let number = match v {
                        Value::Number(n) if c.name != "id" && c.references.is_none() => {
                            Some(n.to_string())
                        }
                        _ => None,
                    };
                    if v.as_str()
                        .or(number.as_deref())
                        .is_some_and(crate::cpr::find_cpr)
                    {
                        return Err(err(format!(
                            "refused: {}.{part}[{}], column {}, holds a CPR number; nothing was imported",
                            t.name,
                            n + 1,
                            c.name
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

fn same_migrations(source: &[String], target: &[String], what: &str) -> Result<(), TransferError> {
    if source == target {
        return Ok(());
    }
    let only_source: Vec<&String> = source.iter().filter(|m| !target.contains(m)).collect();
    let only_target: Vec<&String> = target.iter().filter(|m| !source.contains(m)).collect();
    Err(err(format!(
        "refused: {what} and the target have different migrations (only in {what}: {only_source:?}; \
         only in the target: {only_target:?}); use the same version of retning on both"
    )))
}

/// Imports an export document into the connected database, in one write transaction.
pub fn import(
    conn: &mut DbConnection,
    doc: &Export,
    soft: &[SoftReference],
) -> Result<Summary, TransferError> {
    check_document(doc)?;
    same_migrations(&doc.migrations, &applied_migrations(conn)?, "the export")?;
    crate::db::write_transaction(conn, |conn| {
        crate::db::scope_to_platform(conn)?;
        let catalog = Catalog::read(conn, soft)?;
        for t in &doc.tables {
            let Some(target) = catalog.table(&t.name) else {
                return Err(err(format!(
                    "table {} of the export does not exist here",
                    t.name
                )));
            };
            let theirs: BTreeSet<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            let ours: BTreeSet<&str> = target.columns.iter().map(|(c, _)| c.as_str()).collect();
            if theirs != ours {
                return Err(err(format!(
                    "table {} has other columns here than in the export",
                    t.name
                )));
            }
        }
        let mut summary = Summary::default();
        let mut maps: HashMap<String, HashMap<i64, i64>> = HashMap::new();
        let mut municipality_id = None;
        let mut created_municipalities = Vec::new();
        for table in &catalog.tables {
            let Some(td) = doc.tables.iter().find(|d| d.name == table.name) else {
                continue;
            };
            if td.rows.is_empty() && td.referenced.is_empty() {
                continue;
            }
            lock(conn, table)?;
            // The document's column order → the catalog's.
            let reorder = |row: &Vec<Value>| -> Vec<Value> {
                table
                    .columns
                    .iter()
                    .map(|(c, _)| {
                        td.columns
                            .iter()
                            .position(|d| &d.name == c)
                            .and_then(|i| row.get(i).cloned())
                            .unwrap_or(Value::Null)
                    })
                    .collect()
            };
            let mut own: Vec<Vec<Value>> = td.rows.iter().map(reorder).collect();
            let mut theirs: Vec<Vec<Value>> = td.referenced.iter().map(reorder).collect();
            // References to earlier tables first, so natural keys can be compared.
            let remap = |rows: &mut Vec<Vec<Value>>,
                         maps: &HashMap<String, HashMap<i64, i64>>,
                         only_other_tables: bool|
             -> Result<(), TransferError> {
                for (n, row) in rows.iter_mut().enumerate() {
                    for (c, target) in &table.references {
                        if only_other_tables == (target == &table.name) {
                            continue;
                        }
                        let Some(i) = table.index(c) else { continue };
                        let Some(old) = row.get(i).and_then(Value::as_i64) else {
                            continue;
                        };
                        let new = maps.get(target).and_then(|m| m.get(&old)).ok_or_else(|| {
                            err(format!(
                                "{} row {}: {c} refers to {target} id {old}, which the export does not hold",
                                table.name,
                                n + 1
                            ))
                        })?;
                        row[i] = json!(new);
                    }
                }
                Ok(())
            };
            remap(&mut own, &maps, true)?;
            remap(&mut theirs, &maps, true)?;
            let mut map: HashMap<i64, i64> = HashMap::new();
            let mut to_insert: Vec<Vec<Value>> = Vec::new();
            if !theirs.is_empty() {
                let key = table.natural_key.clone().ok_or_else(|| {
                    err(format!(
                        "{} has no unique key to match referenced rows by",
                        table.name
                    ))
                })?;
                let key_at: Vec<usize> = key.iter().filter_map(|c| table.index(c)).collect();
                let key_of = |r: &Vec<Value>| {
                    Value::Array(key_at.iter().map(|i| r[*i].clone()).collect()).to_string()
                };
                let found: HashMap<String, i64> = read_rows(conn, table, None)?
                    .iter()
                    .filter_map(|r| id_of(table, r).map(|id| (key_of(r), id)))
                    .collect();
                for row in theirs {
                    let k = key_of(&row);
                    let Some(old) = id_of(table, &row) else {
                        continue;
                    };
                    if let Some(id) = found.get(&k) {
                        map.insert(old, *id);
                        *summary.matched.entry(table.name.clone()).or_default() += 1;
                        if table.name == "municipalities"
                            && row
                                .get(table.index("slug").unwrap_or(usize::MAX))
                                .and_then(Value::as_str)
                                == Some(doc.municipality.as_str())
                        {
                            municipality_id = Some(*id);
                        }
                    } else {
                        to_insert.push(row);
                    }
                }
            }
            to_insert.extend(own);
            if table.has_id() {
                let mut next = max_used_id(conn, &table.name)? + 1;
                for row in &mut to_insert {
                    let Some(old) = id_of(table, row) else {
                        continue;
                    };
                    map.insert(old, next);
                    if let Some(i) = table.index("id") {
                        row[i] = json!(next);
                    }
                    next += 1;
                }
            }
            maps.insert(table.name.clone(), map);
            remap(&mut to_insert, &maps, false)?;
            if table.name == "municipalities" {
                let slug_at = table.index("slug").unwrap_or(usize::MAX);
                for row in &to_insert {
                    let id = id_of(table, row).unwrap_or_default();
                    created_municipalities.push(id);
                    if row.get(slug_at).and_then(Value::as_str) == Some(doc.municipality.as_str()) {
                        municipality_id = Some(id);
                    }
                }
                // The municipality exists here already: it must own nothing yet.
                if let Some(m) = municipality_id.filter(|m| !created_municipalities.contains(m)) {
                    let mut owned = Vec::new();
                    for t in catalog.tables.iter().filter(|t| t.owned()) {
                        let n: Vec<Count> = diesel::sql_query(format!(
                            "SELECT COUNT(*) AS n FROM {} WHERE municipality_id = {m}",
                            quote(&t.name)
                        ))
                        .load(conn)?;
                        let n = n.first().map_or(0, |c| c.n);
                        if n > 0 {
                            owned.push(format!("{}: {n}", t.name));
                        }
                    }
                    if !owned.is_empty() {
                        return Err(err(format!(
                            "refused: {} already owns data in this database ({}); import only where it owns nothing. Nothing was imported",
                            doc.municipality,
                            owned.join(", ")
                        )));
                    }
                }
            }
            insert_rows(conn, table, &to_insert)?;
            advance_sequence(conn, table)?;
            if !to_insert.is_empty() {
                summary.written.insert(table.name.clone(), to_insert.len());
            }
        }
        let m = municipality_id.ok_or_else(|| {
            err(format!(
                "the export holds no row for municipality {}",
                doc.municipality
            ))
        })?;
        // Every cache of the municipalities touched, and of the platform (themes, programmes),
        // learns of the change from the data versions at the commit.
        let mut touched = created_municipalities.clone();
        touched.push(m);
        crate::versions::touch(conn, &touched)?;
        crate::versions::touch(conn, &[])?;
        crate::audit::record_change(
            conn,
            &crate::Principal::system(),
            "import",
            crate::audit::Subject::of(&m, "municipality", m),
            None,
            Some(&json!({
                "source_backend": doc.source_backend,
                "exported_at": doc.exported_at,
                "rows": summary.total(),
            })),
        )?;
        Ok(summary)
    })
}

/// Every moved table's rows in the document's canonical form, in one snapshot (what a copy
/// carries; for comparing two installations).
pub fn dump(
    conn: &mut DbConnection,
    soft: &[SoftReference],
) -> Result<BTreeMap<String, Vec<Vec<Value>>>, TransferError> {
    snapshot(conn, |conn| {
        let catalog = Catalog::read(conn, soft)?;
        let mut out = BTreeMap::new();
        for t in &catalog.tables {
            out.insert(t.name.clone(), read_rows(conn, t, None)?);
        }
        Ok(out)
    })
}

/// The tables of `conn` that hold rows (none may, for a copy's target).
fn non_empty(conn: &mut DbConnection, catalog: &Catalog) -> Result<Vec<String>, TransferError> {
    let mut out = Vec::new();
    for t in &catalog.tables {
        let n: Vec<Count> =
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {}", quote(&t.name)))
                .load(conn)?;
        let n = n.first().map_or(0, |c| c.n);
        if n > 0 {
            out.push(format!("{} ({n} rows)", t.name));
        }
    }
    Ok(out)
}

/// Copies a whole installation into an empty, migrated database with every id kept, in one
/// transaction on the target. `target_name` names the target in a refusal.
pub fn copy(
    from: &mut DbConnection,
    to: &mut DbConnection,
    target_name: &str,
    soft: &[SoftReference],
) -> Result<Summary, TransferError> {
    let source_migrations = applied_migrations(from)?;
    same_migrations(&source_migrations, &applied_migrations(to)?, "the source")?;
    // One table at a time from the source's snapshot into the target's transaction, so only
    // one table's rows are ever held in memory.
    snapshot(from, |from| {
        let source = Catalog::read(from, soft)?;
        crate::db::write_transaction(to, |to| {
            crate::db::scope_to_platform(to)?;
            let catalog = Catalog::read(to, soft)?;
            let full = non_empty(to, &catalog)?;
            if !full.is_empty() {
                return Err(err(format!(
                    "refused: the target {target_name} is not empty ({}); copy only into a new, \
                     migrated database. Nothing was copied",
                    full.join(", ")
                )));
            }
            let mut summary = Summary::default();
            let mut municipality_ids = Vec::new();
            for table in &catalog.tables {
                let theirs = source
                    .table(&table.name)
                    .ok_or_else(|| err(format!("table {} is missing in the source", table.name)))?;
                // The source's column order → the target's.
                let at: Vec<usize> = table
                    .columns
                    .iter()
                    .map(|(c, _)| {
                        theirs.index(c).ok_or_else(|| {
                            err(format!(
                                "column {}.{c} is missing in the source",
                                table.name
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?;
                let rows: Vec<Vec<Value>> = read_rows(from, theirs, None)?
                    .into_iter()
                    .map(|r| at.iter().map(|i| r[*i].clone()).collect())
                    .collect();
                lock(to, table)?;
                insert_rows(to, table, &rows)?;
                advance_sequence(to, table)?;
                if table.name == "municipalities" {
                    municipality_ids.extend(rows.iter().filter_map(|r| id_of(table, r)));
                }
                summary.written.insert(table.name.clone(), rows.len());
            }
            crate::versions::touch(to, &municipality_ids)?;
            crate::versions::touch(to, &[])?;
            Ok(summary)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_take_one_form_from_either_backend() {
        let c = |k, v| canonical(k, v).unwrap_or(Value::Null);
        assert_eq!(c(Kind::Boolean, json!(1)), json!(true));
        assert_eq!(c(Kind::Boolean, json!(false)), json!(false));
        assert_eq!(
            c(Kind::Float, json!("0.30000000000000004")),
            json!(0.30000000000000004)
        );
        assert_eq!(c(Kind::Integer, json!(5.0)), json!(5));
        assert_eq!(
            c(Kind::Timestamp, json!("2026-12-02T09:10:07.1234")),
            json!("2026-12-02 09:10:07.123400")
        );
        assert_eq!(
            c(Kind::Timestamp, json!("2026-12-02 09:10:07")),
            json!("2026-12-02 09:10:07")
        );
        assert_eq!(c(Kind::Date, json!("2016-01-01")), json!("2016-01-01"));
        assert!(canonical(Kind::Date, json!("yesterday")).is_err());
    }
}
