//! Test support: a [`TestApp`] on its own fresh database (SQLite file or PostgreSQL database),
//! with users and tokens in one line, and a small request builder.
//!
//! Every database test is written once and run on both backends with [`both_backends!`].
//! PostgreSQL: `RETNING_TEST_POSTGRES_URL` (an admin URL of a server where databases may be
//! created), else `postgres://postgres@127.0.0.1:5432/postgres`. If that server cannot be reached
//! the PostgreSQL variants fail when `CI` or `RETNING_TEST_POSTGRES_URL` is set, and are skipped
//! with a message otherwise.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use actix_http::Request;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::test;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use retning_api::server::AppContext;
use retning_api::settings::{Overrides, Settings};
use retning_kernel::auth::{Role, TokenSubject};
use retning_kernel::schema::{municipalities, users};
use retning_kernel::{ApiError, Db, DbConnection, Principal};
use serde_json::Value;

pub use actix_web::http::Method;
pub use retning_kernel::db::Backend;

/// The password of every user a test creates.
pub const PASSWORD: &str = "correct horse battery staple";

pub fn seed_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../seed"))
}

/// The repository's seed folder, read now (the binary embeds the same files).
pub fn seed_files() -> retning_kernel::module::SeedFiles {
    retning_kernel::module::SeedFiles::from_dir(&seed_dir()).unwrap_or_else(|e| panic!("{e}"))
}

pub fn repo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| retning_kernel::auth::hash_password(PASSWORD).unwrap_or_default())
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        hex::encode(rand::random::<[u8; 3]>())
    )
}

fn postgres_admin_url() -> (String, bool) {
    match std::env::var("RETNING_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => (url, true),
        _ => (
            "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false"),
        ),
    }
}

/// A fresh, empty database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    backend: Backend,
    dir: PathBuf,
    /// `None` for a second handle on another's database (it removes nothing when dropped).
    _owned: Option<TempDir>,
    pg: Option<(String, String)>,
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("retning-test-{}", unique_suffix()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir {}: {e}", dir.display()));
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestDb {
    /// `None` only for PostgreSQL when it is unreachable outside CI.
    pub fn create(backend: Backend) -> Option<Self> {
        let dir = TempDir::new();
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.0.join("retning.db").display());
                Some(Self {
                    url,
                    backend,
                    dir: dir.0.clone(),
                    _owned: Some(dir),
                    pg: None,
                })
            }
            Backend::Postgres => {
                let (admin_url, required) = postgres_admin_url();
                let mut admin = match PgConnection::establish(&admin_url) {
                    Ok(c) => c,
                    Err(e) if required => {
                        panic!("PostgreSQL is required here but {admin_url} is unreachable: {e}")
                    }
                    Err(e) => {
                        eprintln!("SKIPPED on PostgreSQL: {admin_url} unreachable ({e}); set RETNING_TEST_POSTGRES_URL");
                        return None;
                    }
                };
                let name = format!("retning_test_{}", unique_suffix());
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                let url = format!("{base}/{name}");
                Some(Self {
                    url,
                    backend,
                    dir: dir.0.clone(),
                    _owned: Some(dir),
                    pg: Some((admin_url.clone(), name)),
                })
            }
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Another handle on the same database, which leaves it in place when dropped.
    fn shared(&self) -> Self {
        Self {
            url: self.url.clone(),
            backend: self.backend,
            dir: self.dir.clone(),
            _owned: None,
            pg: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

type BoxedService = Box<
    dyn Service<
        Request,
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        Future = std::pin::Pin<
            Box<
                dyn std::future::Future<
                    Output = Result<ServiceResponse<BoxBody>, actix_web::Error>,
                >,
            >,
        >,
    >,
>;

struct Boxed<S>(S);

impl<S, B> Service<Request> for Boxed<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>>>,
    >;

    fn poll_ready(
        &self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, req: Request) -> Self::Future {
        let fut = self.0.call(req);
        Box::pin(async move { fut.await.map(ServiceResponse::map_into_boxed_body) })
    }
}

/// The application on a fresh database, seeded from `seed/`.
pub struct TestApp {
    service: BoxedService,
    pub ctx: AppContext,
    pub settings: Settings,
    db: TestDb,
}

/// Options for [`TestApp::with`].
#[derive(Default, Clone)]
pub struct Options {
    /// Modules registered after the compiled-in ones (test indicators and the like).
    pub extra_modules: Vec<std::sync::Arc<dyn retning_kernel::Module>>,
    /// Skip loading `seed/` (the database is migrated but empty).
    pub unseeded: bool,
    pub body_limit: Option<usize>,
    pub account_burst: Option<u32>,
    pub token_ttl_secs: Option<u64>,
    pub cors_allowed_origins: Vec<String>,
    pub import_limit: Option<usize>,
    /// `auth.rights_cache_seconds` (default 2).
    pub rights_cache_seconds: Option<u64>,
    /// `metrics.enabled` and `metrics.token`.
    pub metrics: Option<Option<String>>,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Option<Self> {
        Self::with(backend, Options::default()).await
    }

    pub async fn with(backend: Backend, options: Options) -> Option<Self> {
        let db = TestDb::create(backend)?;
        Some(Self::on(db, options).await)
    }

    /// A second server process on this one's database (its own pool and caches; seeding is
    /// left to the first): what another instance behind a load balancer would be.
    pub async fn second_process(&self) -> Self {
        Self::on(
            self.db.shared(),
            Options {
                unseeded: true,
                ..Options::default()
            },
        )
        .await
    }

    async fn on(db: TestDb, options: Options) -> Self {
        let overrides = Overrides {
            config_file: None,
            database_url: Some(db.url.clone()),
            bind: None,
            data_dir: Some(db.data_dir()),
        };
        let mut settings = Settings::load(&overrides).unwrap_or_else(|e| panic!("{e}"));
        settings.database.max_connections = 4;
        settings.seed.dir = Some(seed_dir());
        settings.seed.on_start = !options.unseeded;
        if let Some(limit) = options.body_limit {
            settings.server.body_limit_bytes = limit;
        }
        if let Some(burst) = options.account_burst {
            settings.auth.account_burst = burst;
        }
        settings.server.cors_allowed_origins = options.cors_allowed_origins.clone();
        if let Some(limit) = options.import_limit {
            settings.server.import_limit_bytes = limit;
        }
        if let Some(secs) = options.rights_cache_seconds {
            settings.auth.rights_cache_seconds = secs;
        }
        if let Some(ttl) = options.token_ttl_secs {
            settings.auth.token_ttl_secs = ttl;
        }
        if let Some(token) = &options.metrics {
            settings.metrics.enabled = true;
            settings.metrics.token = token.clone().unwrap_or_default();
        }
        let mut modules = retning_api::registry::compiled_modules();
        modules.extend(options.extra_modules.iter().cloned());
        let registry = retning_api::registry::Registry::new(modules)
            .unwrap_or_else(|e| panic!("registry: {e}"));
        let ctx = retning_api::cli::prepare_with(&settings, registry)
            .unwrap_or_else(|e| panic!("prepare: {e}"));
        let service = test::init_service(retning_api::server::build_app(&ctx)).await;
        Self {
            service: Box::new(Boxed(service)),
            ctx,
            settings,
            db,
        }
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub fn db(&self) -> &Db {
        &self.ctx.db
    }

    /// Runs database work directly (for arranging and checking what the API cannot show).
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut DbConnection) -> T) -> T {
        let mut conn = self.ctx.db.get().unwrap_or_else(|e| panic!("{e}"));
        f(&mut conn)
    }

    /// Arranges a fixture through a module's own write operation (its `ops` function), as the
    /// system in the municipality's scope and in one write transaction: for data a test needs but
    /// whose endpoint is not the one under test.
    pub fn arrange<T>(
        &self,
        municipality: &str,
        f: impl FnOnce(&mut DbConnection, &retning_kernel::scope::Scope) -> Result<T, ApiError>,
    ) -> T {
        self.with_conn(|conn| {
            let municipality = retning_kernel::tenancy::find_by_slug(conn, municipality)
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("no municipality {municipality}"));
            let scope = retning_kernel::scope::Scope {
                municipality,
                who: Principal::system(),
            };
            retning_kernel::write_transaction(conn, |conn| f(conn, &scope))
                .unwrap_or_else(|e| panic!("arranging a fixture: {e}"))
        })
    }

    pub fn municipality_id(&self, slug: &str) -> i64 {
        self.with_conn(|c| {
            municipalities::table
                .filter(municipalities::slug.eq(slug))
                .select(municipalities::id)
                .first(c)
                .unwrap_or_else(|e| panic!("municipality {slug}: {e}"))
        })
    }

    /// Creates a user (password [`PASSWORD`]) and returns its id.
    pub fn create_user(&self, municipality: Option<&str>, username: &str, role: Role) -> i64 {
        let mid = municipality.map(|m| self.municipality_id(m));
        let now = retning_kernel::now();
        self.with_conn(|c| {
            diesel::insert_into(users::table)
                .values((
                    users::municipality_id.eq(mid),
                    users::username.eq(username),
                    users::password_hash.eq(password_hash()),
                    users::role.eq(role.as_str()),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                ))
                .returning(users::id)
                .get_result(c)
                .unwrap_or_else(|e| panic!("user {username}: {e}"))
        })
    }

    /// A new user of `municipality` with `role`, and a token for them.
    pub fn token(&self, municipality: &str, role: Role) -> String {
        let username = format!("{}-{}-{}", role.as_str(), municipality, unique_suffix());
        let id = self.create_user(Some(municipality), &username, role);
        self.issue(id, &username, Some(municipality), role)
    }

    /// A new platform operator and a token for them.
    pub fn operator_token(&self) -> String {
        let username = format!("operator-{}", unique_suffix());
        let id = self.create_user(None, &username, Role::Operator);
        self.issue(id, &username, None, Role::Operator)
    }

    pub fn issue(
        &self,
        user_id: i64,
        username: &str,
        municipality: Option<&str>,
        role: Role,
    ) -> String {
        let subject = TokenSubject {
            user_id,
            username: username.to_owned(),
            municipality_id: municipality.map(|m| self.municipality_id(m)),
            municipality_slug: municipality.map(str::to_owned),
            role,
            token_version: 0,
        };
        self.ctx
            .auth
            .keys
            .issue(&subject)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req<'_> {
        self.request(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> Req<'_> {
        self.request(Method::PUT, path)
    }
    pub fn patch(&self, path: &str) -> Req<'_> {
        self.request(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> Req<'_> {
        self.request(Method::DELETE, path)
    }

    pub fn request(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            app: self,
            inner: test::TestRequest::default().method(method).uri(path),
        }
    }

    /// A new user of `municipality` with `role`, holding its token.
    pub fn member(&self, municipality: &str, role: Role) -> Caller<'_> {
        Caller {
            app: self,
            name: format!("{} of {municipality}", role.as_str()),
            token: Some(self.token(municipality, role)),
        }
    }

    /// A new platform operator, holding its token.
    pub fn operator(&self) -> Caller<'_> {
        Caller {
            app: self,
            name: "operator".to_owned(),
            token: Some(self.operator_token()),
        }
    }

    /// A caller without credentials.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller {
            app: self,
            name: "anonymous".to_owned(),
            token: None,
        }
    }

    /// A caller holding `token` (an API key, a token from a login), named `name` in failures.
    pub fn bearer(&self, name: &str, token: &str) -> Caller<'_> {
        Caller {
            app: self,
            name: name.to_owned(),
            token: Some(token.to_owned()),
        }
    }

    /// One request sent as several callers, each answered with an expected problem: see [`Access`].
    pub fn access(&self, method: Method, path: &str) -> Access<'_> {
        Access {
            app: self,
            method,
            path: path.to_owned(),
            body: None,
            expected: Vec::new(),
        }
    }

    /// Counts audit rows matching an action and object type.
    pub fn audit_count(&self, action: &str, object_type: &str) -> i64 {
        use retning_kernel::schema::audit_log;
        self.with_conn(|c| {
            audit_log::table
                .filter(audit_log::action.eq(action))
                .filter(audit_log::object_type.eq(object_type))
                .count()
                .get_result(c)
                .unwrap_or_else(|e| panic!("{e}"))
        })
    }
}

/// A request being built.
pub struct Req<'a> {
    app: &'a TestApp,
    inner: test::TestRequest,
}

impl Req<'_> {
    pub fn bearer(mut self, token: &str) -> Self {
        self.inner = self
            .inner
            .insert_header(("authorization", format!("Bearer {token}")));
        self
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.inner = self.inner.insert_header((name, value));
        self
    }
    pub fn json(mut self, body: &Value) -> Self {
        self.inner = self
            .inner
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string());
        self
    }
    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.inner = self
            .inner
            .insert_header(("content-type", content_type))
            .set_payload(body.into());
        self
    }
    pub async fn send(self) -> Resp {
        let res = test::call_service(&self.app.service, self.inner.to_request()).await;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = test::read_body(res).await.to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// Someone calling the API: a bearer token or none, and a name that failures show.
#[derive(Clone)]
pub struct Caller<'a> {
    app: &'a TestApp,
    name: String,
    token: Option<String>,
}

impl<'a> Caller<'a> {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The bearer token (panics for [`TestApp::anonymous`]).
    pub fn token(&self) -> &str {
        self.token
            .as_deref()
            .unwrap_or_else(|| panic!("{} holds no token", self.name))
    }
    pub fn get(&self, path: &str) -> Req<'a> {
        self.request(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req<'a> {
        self.request(Method::POST, path)
    }
    pub fn put(&self, path: &str) -> Req<'a> {
        self.request(Method::PUT, path)
    }
    pub fn patch(&self, path: &str) -> Req<'a> {
        self.request(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> Req<'a> {
        self.request(Method::DELETE, path)
    }
    pub fn request(&self, method: Method, path: &str) -> Req<'a> {
        let req = self.app.request(method, path);
        match &self.token {
            Some(token) => req.bearer(token),
            None => req,
        }
    }
}

/// One request (method, path, optional JSON body) sent once per caller; each answer must be the
/// expected problem. A failure names the request and the caller:
///
/// ```ignore
/// app.access(Method::POST, "/api/v1/programmes")
///     .json(&body)
///     .answers(&app.anonymous(), 401, "auth.required")
///     .answers(&viewer, 403, "auth.forbidden")
///     .answers(&outsider, 404, "not_found")
///     .check()
///     .await;
/// ```
pub struct Access<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    body: Option<Value>,
    expected: Vec<(String, Option<String>, u16, String)>,
}

impl<'a> Access<'a> {
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some(body.clone());
        self
    }
    /// `caller` must get the problem `status` with `code`.
    pub fn answers(mut self, caller: &Caller<'_>, status: u16, code: &str) -> Self {
        self.expected.push((
            caller.name.clone(),
            caller.token.clone(),
            status,
            code.to_owned(),
        ));
        self
    }
    /// Sends the request once per expected answer, in order, and asserts each.
    #[track_caller]
    pub fn check(self) -> impl std::future::Future<Output = ()> + 'a {
        let location = std::panic::Location::caller();
        async move {
            assert!(!self.expected.is_empty(), "{location}: no expected answers");
            for (name, token, status, code) in &self.expected {
                let mut req = self.app.request(self.method.clone(), &self.path);
                if let Some(token) = token {
                    req = req.bearer(token);
                }
                if let Some(body) = &self.body {
                    req = req.json(body);
                }
                let resp = req.send().await;
                if let Err(e) = resp.check_problem(*status, code) {
                    panic!(
                        "{location}: {} {} as {name}: expected {status} {code}: {e}",
                        self.method, self.path
                    );
                }
            }
        }
    }
}

/// Polls every future to completion together (requests overlap in the blocking pool).
pub async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::pin::Pin;
    use std::task::Poll;
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futures.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// The `items` of a page.
pub fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

/// The string `key` of each value that has one.
pub fn strs<'a>(values: &'a [Value], key: &str) -> Vec<&'a str> {
    values.iter().filter_map(|v| v[key].as_str()).collect()
}

/// The `municipality.slug` of each item of a page.
pub fn municipality_slugs(page: &Value) -> Vec<String> {
    items(page)
        .iter()
        .filter_map(|a| a["municipality"]["slug"].as_str().map(str::to_owned))
        .collect()
}

/// Strategy trees (`nodes` with `children` and `targets`).
pub mod tree {
    use serde_json::Value;

    /// Every target of `nodes` and their descendants, depth first.
    pub fn all_targets(nodes: &Value, out: &mut Vec<Value>) {
        for n in nodes.as_array().into_iter().flatten() {
            out.extend(n["targets"].as_array().cloned().unwrap_or_default());
            all_targets(&n["children"], out);
        }
    }

    /// The first target whose title starts with `title_start`.
    pub fn target_by_key<'a>(targets: &'a [Value], title_start: &str) -> &'a Value {
        targets
            .iter()
            .find(|t| {
                t["title"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(title_start))
            })
            .unwrap_or_else(|| panic!("no target {title_start}"))
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                self.text()
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(HeaderName::from_bytes(name.as_bytes()).ok()?)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    }
    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
    /// Asserts an `application/problem+json` body with this status and code; returns it.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        self.check_problem(status, code)
            .unwrap_or_else(|e| panic!("{e}"))
    }
    /// What [`Resp::problem`] asserts, as a result: `Err` says what differs.
    pub fn check_problem(&self, status: u16, code: &str) -> Result<Value, String> {
        if self.status != status {
            return Err(format!(
                "unexpected status {} (expected {status}); body: {}",
                self.status,
                self.text()
            ));
        }
        if self.header("content-type") != Some("application/problem+json") {
            return Err(format!(
                "content-type {:?} is not application/problem+json; body: {}",
                self.header("content-type"),
                self.text()
            ));
        }
        let body: Value = serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                self.text()
            )
        })?;
        if body["status"] != status {
            return Err(format!("problem status is not {status}: {body}"));
        }
        if body["code"] != code {
            return Err(format!("problem code is not {code:?}: {body}"));
        }
        if body["type"] != format!("urn:retning:problem:{code}") {
            return Err(format!(
                "problem type is not urn:retning:problem:{code}: {body}"
            ));
        }
        if !(body["title"].is_string() && body["detail"].is_string()) {
            return Err(format!("problem without title or detail: {body}"));
        }
        Ok(body)
    }
    /// Asserts a 422 (or given status) problem naming `field` among its errors.
    #[track_caller]
    pub fn field_error(&self, status: u16, code: &str, field: &str) -> Value {
        let body = self.problem(status, code);
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&field),
            "expected field {field:?} in {fields:?}: {body}"
        );
        body
    }
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL, as `<name>::sqlite` and
/// `<name>::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::TestApp::start($crate::Backend::Sqlite).await.unwrap_or_else(|| unreachable!());
                    super::$name(app).await;
                }
                #[actix_web::test]
                async fn postgres() {
                    if let Some(app) = $crate::TestApp::start($crate::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

/// Like [`both_backends!`] for tests that build their own app: each named
/// `async fn(Backend)` runs once per backend (PostgreSQL skipped as described above).
#[macro_export]
macro_rules! each_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await;
                }
                #[actix_web::test]
                async fn postgres() {
                    if $crate::TestDb::create($crate::Backend::Postgres).is_some() {
                        super::$name($crate::Backend::Postgres).await;
                    }
                }
            }
        )*
    };
}
