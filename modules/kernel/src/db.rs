//! One connection type over SQLite and PostgreSQL, the pool, migrations and transactions.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::cache::Caches;
use crate::error::ApiError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

thread_local! {
    static QUERIES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Statements run so far by connections on this thread (every connection of the pool counts
/// them), so the database work of one call can be measured: `Db::run` logs it per request, and
/// tests pin that a tree or a list takes a fixed number of queries.
pub fn queries_on_this_thread() -> u64 {
    QUERIES.with(std::cell::Cell::get)
}

struct QueryCounter;

impl diesel::connection::Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
            QUERIES.with(|q| q.set(q.get() + 1));
        }
    }
}

/// The connection every repository function takes.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    // SQL the two backends spell differently, for the statements modules write by hand
    // (statistics, figures): each spelling lives here once.

    /// Days from date `b` to date `a`.
    pub fn date_diff(self, a: &str, b: &str) -> String {
        match self {
            Backend::Sqlite => format!("CAST(julianday({a}) - julianday({b}) AS INTEGER)"),
            Backend::Postgres => format!("({a} - {b})"),
        }
    }

    /// The smaller of two values.
    pub fn least(self, a: &str, b: &str) -> String {
        match self {
            Backend::Sqlite => format!("MIN({a}, {b})"),
            Backend::Postgres => format!("LEAST({a}, {b})"),
        }
    }

    /// The larger of two values.
    pub fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Backend::Sqlite => format!("MAX({a}, {b})"),
            Backend::Postgres => format!("GREATEST({a}, {b})"),
        }
    }

    /// The year of a date, as an integer.
    pub fn year_of(self, d: &str) -> String {
        match self {
            Backend::Sqlite => format!("CAST(strftime('%Y', {d}) AS INTEGER)"),
            Backend::Postgres => format!("CAST(EXTRACT(YEAR FROM {d}) AS INTEGER)"),
        }
    }

    /// The floating-point type to cast to.
    pub fn double_type(self) -> &'static str {
        match self {
            Backend::Sqlite => "REAL",
            Backend::Postgres => "DOUBLE PRECISION",
        }
    }
}

/// A database location, decided from the URL scheme and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    /// `postgres://` / `postgresql://` select PostgreSQL; `sqlite://PATH` or `sqlite:PATH` select
    /// SQLite. Anything else is refused, so a typo never silently creates a stray file.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(
                    "sqlite URL has no file path (expected sqlite://path/to/file.db)".into(),
                );
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        Err(format!(
            "unsupported database URL scheme in {:?}: use sqlite://PATH or postgres://USER@HOST/DB",
            redact(url)
        ))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password removed, for logs.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => redact(u),
        }
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host/db -> postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((creds, host)) = rest.split_once('@') {
            if let Some((user, _)) = creds.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_owned()
}

/// The r2d2 manager: connects with the backend the URL named, and applies SQLite's pragmas.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    busy_timeout_ms: u64,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.set_instrumentation(QueryCounter);
                Ok(DbConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)?;
                // The file is already in WAL mode (see `Db::connect`). FULL: an acknowledged
                // write survives a power loss, not only a crash.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                conn.set_instrumentation(QueryCounter);
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), diesel::ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        match conn {
            DbConnection::Postgres(c) => <AnsiTransactionManager as TransactionManager<
                PgConnection,
            >>::is_broken_transaction_manager(c),
            DbConnection::Sqlite(c) => <AnsiTransactionManager as TransactionManager<
                SqliteConnection,
            >>::is_broken_transaction_manager(c),
        }
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub connect_timeout: Duration,
    pub sqlite_busy_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            connect_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// The database handle that handlers hold: a pool plus the backend it talks to, the caches of
/// figures derived from its data, and on SQLite the lock its writers take in turn.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    caches: Arc<Caches>,
    /// SQLite lets one writer in at a time and makes the others wait in its busy handler, whose
    /// sleeps grow (a few writers then wait seconds). This process's writers queue here instead,
    /// before they take a connection, and reach the database one after the other; the busy
    /// handler is left for other processes (the command-line tools).
    writer: Option<Arc<Mutex<()>>>,
    metrics: Arc<crate::metrics::Metrics>,
}

impl Db {
    /// Connects (creating the SQLite file and its folder if needed). Does not migrate.
    pub fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Self, String> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
        }
        if let DatabaseUrl::Sqlite(path) = url {
            // WAL is a property of the file: switch once, before the pool opens its connections
            // at the same time (switching needs an exclusive lock).
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
                .map_err(|e| format!("cannot switch {} to WAL: {e}", path.display()))?;
        }
        let manager = ConnectionManager {
            url: url.clone(),
            busy_timeout_ms: u64::try_from(settings.sqlite_busy_timeout.as_millis())
                .unwrap_or(5000),
        };
        // No test query on check-out (a round trip on every request): a connection whose
        // transaction broke is discarded on return (`has_broken`), and one whose server went
        // away fails its statement, which the request reports as 503.
        let pool = r2d2::Pool::builder()
            .max_size(settings.max_connections.max(1))
            .connection_timeout(settings.connect_timeout)
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| format!("cannot connect to {}: {e}", url.display()))?;
        let metrics = crate::metrics::Metrics::new(url.backend().name())
            .map_err(|e| format!("metrics: {e}"))?;
        Ok(Self {
            pool,
            backend: url.backend(),
            metrics: Arc::new(metrics),
            caches: Arc::new(Caches::default()),
            writer: (url.backend() == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
        })
    }

    /// The caches of figures derived from this database's data.
    pub fn caches(&self) -> &Arc<Caches> {
        &self.caches
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// This server's metrics (requests, pool, indicators).
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.metrics
    }

    /// The metrics in Prometheus text format, with the pool's state read now.
    pub fn render_metrics(&self) -> Result<String, ApiError> {
        let state = self.pool.state();
        self.metrics
            .render((
                state.connections,
                state.idle_connections,
                self.pool.max_size(),
            ))
            .map_err(|e| ApiError::internal(format!("metrics: {e}")))
    }

    pub fn get(&self) -> Result<PooledConnection, ApiError> {
        self.pool
            .get()
            .map_err(|e| ApiError::unavailable(format!("database pool: {e}")))
    }

    /// Runs blocking database work off the async executor.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.work(false, f).await
    }

    async fn work<T, F>(&self, writes: bool, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let writer = self.writer.clone();
        let metrics = Arc::clone(&self.metrics);
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _in_request = span.enter();
            // A write queues for the writer lock before it takes a connection, so waiting
            // writers never hold connections readers need (and a writer holding the lock never
            // waits for a connection a waiting writer holds). A write inside a read unit of work
            // (one that hashes a password before it writes) is left to SQLite's busy handler.
            let _writing = match (&writer, writes) {
                (Some(lock), true) => {
                    let asked = std::time::Instant::now();
                    let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
                    metrics.writer_wait(asked.elapsed());
                    Some(guard)
                }
                _ => None,
            };
            let asked = std::time::Instant::now();
            let conn = pool.get();
            metrics.pool_wait(asked.elapsed(), conn.is_ok());
            let mut conn =
                conn.map_err(|e| ApiError::unavailable(format!("database pool: {e}")))?;
            let before = queries_on_this_thread();
            crate::versions::forget_module();
            let result = as_application(&mut conn, f);
            crate::versions::forget_module();
            tracing::debug!(queries = queries_on_this_thread() - before, "database work");
            result
        })
        .await
        .map_err(|e| ApiError::internal(format!("blocking task failed: {e}")))?
    }

    /// Like [`Db::run`], inside [`write_transaction`].
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.work(true, move |conn| write_transaction(conn, f))
            .await
    }

    /// Applies pending migrations; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, String> {
        let mut conn = self.pool.get().map_err(|e| format!("database pool: {e}"))?;
        migrate(&mut conn)
    }
}

/// The role the server's requests work as on PostgreSQL: it owns no table, and row-level
/// security shows it a private row only in a transaction scoped to the row's municipality
/// ([`scope_to_municipality`]) or to the platform ([`scope_to_platform`]). Created by the
/// migration `kernel_row_level_security`.
pub const APPLICATION_ROLE: &str = "retning_app";

/// Runs a unit of request work. On PostgreSQL it is one transaction as [`APPLICATION_ROLE`],
/// scoped to nothing until the work scopes it, so a query that forgot its municipality sees no
/// private row; the scope ends with the transaction and never reaches the connection's next
/// user. SQLite has no roles: the work runs as it is.
pub fn as_application<T, F>(conn: &mut DbConnection, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
{
    if let DbConnection::Postgres(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN; SET LOCAL ROLE retning_app")?;
    } else {
        return f(conn);
    }
    let result = f(conn);
    let DbConnection::Postgres(c) = conn else {
        return result;
    };
    match result {
        Ok(v) => {
            <AnsiTransactionManager as TransactionManager<PgConnection>>::commit_transaction(c)?;
            Ok(v)
        }
        Err(e) => {
            let _ =
                <AnsiTransactionManager as TransactionManager<PgConnection>>::rollback_transaction(
                    c,
                );
            Err(e)
        }
    }
}

/// Scopes the current transaction to one municipality: PostgreSQL's row-level security then
/// shows the private tables' rows of that municipality (and nothing of another). The kernel
/// calls it when it resolves the municipality a request addresses ([`crate::tenancy::resolve`]).
pub fn scope_to_municipality(
    conn: &mut DbConnection,
    municipality_id: i64,
) -> Result<(), diesel::result::Error> {
    if let DbConnection::Postgres(c) = conn {
        diesel::sql_query("SELECT set_config('retning.municipality_id', $1, true)")
            .bind::<diesel::sql_types::Text, _>(municipality_id.to_string())
            .execute(c)?;
    }
    Ok(())
}

/// Scopes the current transaction to the whole platform: for the kernel's own work that must
/// find a row before it knows its municipality (signing in, credentials and rights), and for
/// public aggregates computed across municipalities (comparison). Never for a module's
/// ordinary request work.
pub fn scope_to_platform(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    if let DbConnection::Postgres(c) = conn {
        c.batch_execute("SELECT set_config('retning.scope', 'platform', true)")?;
    }
    Ok(())
}

pub fn migrate(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| format!("migration failed: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// The one way to write. On SQLite the write lock is taken up front (`BEGIN IMMEDIATE`), so a
/// read-then-write never fails half-way with "database is locked" when another writer commits
/// first; on PostgreSQL it is an ordinary transaction and repositories lock rows they read to
/// decide (`FOR UPDATE`) or write with guarded `UPDATE … WHERE`.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        }
        DbConnection::Postgres(c) => {
            <AnsiTransactionManager as TransactionManager<PgConnection>>::begin_transaction(c)?;
        }
    }
    let outer = crate::versions::collect();
    let result = f(conn);
    // The data versions of what the transaction changed move in the same transaction, last
    // (see `versions`).
    let result = match result {
        Ok(v) => {
            let touched = crate::versions::take(outer);
            match crate::versions::increment(conn, &touched) {
                Ok(()) => Ok(v),
                Err(e) => Err(E::from(e)),
            }
        }
        Err(e) => {
            crate::versions::discard(outer);
            Err(e)
        }
    };
    match (result, conn) {
        (Ok(v), DbConnection::Sqlite(c)) => {
            <AnsiTransactionManager as TransactionManager<SqliteConnection>>::commit_transaction(
                c,
            )?;
            Ok(v)
        }
        (Ok(v), DbConnection::Postgres(c)) => {
            <AnsiTransactionManager as TransactionManager<PgConnection>>::commit_transaction(c)?;
            Ok(v)
        }
        (Err(e), DbConnection::Sqlite(c)) => {
            // The original error matters more than a failed rollback; the connection is then
            // marked broken and the pool discards it.
            let _ = <AnsiTransactionManager as TransactionManager<SqliteConnection>>::rollback_transaction(c);
            Err(e)
        }
        (Err(e), DbConnection::Postgres(c)) => {
            let _ =
                <AnsiTransactionManager as TransactionManager<PgConnection>>::rollback_transaction(
                    c,
                );
            Err(e)
        }
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Locks one row for the rest of the write transaction, so a read-then-write on it cannot
/// interleave with another writer: `SELECT … FOR UPDATE` on PostgreSQL; on SQLite the
/// transaction already holds the database's write lock (`BEGIN IMMEDIATE`). `table` must be a
/// constant table name, never input.
pub fn lock_row(
    conn: &mut DbConnection,
    table: &'static str,
    id: i64,
) -> Result<bool, diesel::result::Error> {
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        id: i64,
    }
    debug_assert!(table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
    match conn {
        DbConnection::Postgres(c) => {
            let rows: Vec<Found> =
                diesel::sql_query(format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"))
                    .bind::<BigInt, _>(id)
                    .load(c)?;
            Ok(!rows.is_empty())
        }
        DbConnection::Sqlite(c) => {
            let rows: Vec<Found> =
                diesel::sql_query(format!("SELECT id FROM {table} WHERE id = ?"))
                    .bind::<BigInt, _>(id)
                    .load(c)?;
            Ok(!rows.is_empty())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_scheme_decides_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:/tmp/x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").map(|u| u.backend()),
            Ok(Backend::Postgres)
        );
        for bad in ["data/x.db", "mysql://u@h/db", "sqlite://", "", "http://x"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_never_reach_logs() {
        let url = DatabaseUrl::parse("postgres://app:hunter2@db:5432/retning").map(|u| u.display());
        assert_eq!(url, Ok("postgres://app:***@db:5432/retning".to_owned()));
        let err = DatabaseUrl::parse("mysql://app:hunter2@db/x")
            .err()
            .unwrap_or_default();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
