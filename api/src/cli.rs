//! The `retning` command line: serve, migrate, seed, openapi, user, key, export, import, copy.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use retning_kernel::auth::{self, KeyScope, Role, TokenKeys};
use retning_kernel::db::PoolSettings;
use retning_kernel::{tenancy, write_transaction, ApiError, Db, Principal};

use crate::platform::{LoginLimiter, LoginLimits};
use crate::registry::{compiled_modules, Registry};
use crate::server::{auth_state, build_app, openapi_document, AppContext};
use crate::settings::{Overrides, Settings};

#[derive(Parser)]
#[command(
    name = "retning",
    version,
    about = "Municipal strategies for vulnerable children and families, side by side"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    /// Defaults to `serve`.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct GlobalArgs {
    /// Configuration file (TOML), read after the compiled-in defaults.
    #[arg(long, global = true, env = "RETNING_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data dir).
    #[arg(long, global = true)]
    database: Option<String>,
    /// Folder for the SQLite database and the generated signing secret (default ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, seed an empty database, and serve the API.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
        /// On the first start (an empty database), also load synthetic demo measures for the
        /// four seeded municipalities, so the dashboard shows progress at once (marked
        /// synthetic everywhere). Ignored, with a note, when the database already holds data.
        #[arg(long)]
        demo: bool,
    },
    /// Exit 0 when the server at the configured address answers ready (GET /health/ready), else 1:
    /// the container's health check.
    Healthcheck {
        /// Address to ask (default: server.bind, with 0.0.0.0 asked as 127.0.0.1).
        #[arg(long)]
        address: Option<String>,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the seed data (municipalities, strategies, …) where missing.
    Seed {
        /// Also generate synthetic demo measures for the four seeded municipalities (marked
        /// synthetic everywhere; running it again replaces them).
        #[arg(long)]
        demo: bool,
    },
    /// Write the OpenAPI document.
    Openapi {
        /// File to write (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Write everything one municipality owns, in every module, as one JSON document.
    Export {
        #[arg(long)]
        municipality: String,
        /// File to write (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Load an export into this installation (ids renumbered), in one transaction.
    Import {
        /// File to read (default: standard input).
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// Copy a whole installation, ids kept, into an empty database (e.g. sqlite://… → postgres://…).
    Copy {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        /// The municipality's slug (not with --operator).
        #[arg(
            long,
            required_unless_present = "operator",
            conflicts_with = "operator"
        )]
        municipality: Option<String>,
        #[arg(long)]
        username: String,
        /// viewer, editor or admin.
        #[arg(
            long,
            required_unless_present = "operator",
            conflicts_with = "operator"
        )]
        role: Option<String>,
        /// Create a platform operator (belongs to no municipality).
        #[arg(long)]
        operator: bool,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an API key and print it (shown only once).
    Create {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        name: String,
        /// read or write.
        #[arg(long, default_value = "read")]
        scope: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve {
        bind: None,
        demo: false,
    });
    let bind = match &command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let overrides = Overrides {
        config_file: cli.global.config.clone(),
        database_url: cli.global.database.clone(),
        bind,
        data_dir: cli.global.data_dir.clone(),
    };
    let settings = match Settings::load(&overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("retning: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&settings);
    match run(command, settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("retning: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

fn registry() -> Result<Registry, String> {
    Registry::new(compiled_modules()).map_err(|e| e.to_string())
}

fn connect(settings: &Settings) -> Result<Db, String> {
    let url = settings.database_url()?;
    let pool = PoolSettings {
        max_connections: settings.database.max_connections,
        connect_timeout: Duration::from_secs(settings.database.connect_timeout_secs),
        sqlite_busy_timeout: Duration::from_millis(settings.database.sqlite_busy_timeout_ms),
    };
    tracing::info!(database = %url.display(), "connecting");
    Db::connect(&url, &pool)
}

fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Openapi { output } => {
            let doc = openapi_document(&registry()?);
            let json = doc.to_pretty_json().map_err(|e| e.to_string())? + "\n";
            match output {
                Some(path) => {
                    std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => print!("{json}"),
            }
            Ok(())
        }
        Command::Migrate => {
            let db = connect(&settings)?;
            let applied = db.migrate()?;
            println!("applied {} migration(s)", applied.len());
            Ok(())
        }
        Command::Seed { demo } => {
            let db = connect(&settings)?;
            db.migrate()?;
            let files = crate::seed::files(settings.seed.dir.as_deref())?;
            crate::seed::load(&db, &registry()?, &files)?;
            println!("seed loaded from {}", files.origin());
            if demo {
                seed_demo(&db)?;
            }
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    municipality,
                    username,
                    role,
                    operator,
                    password_stdin: _,
                },
        } => {
            let password = read_password()?;
            let db = existing_database(&settings)?;
            create_user(
                &db,
                municipality.as_deref(),
                &username,
                role.as_deref(),
                operator,
                &password,
            )
        }
        Command::Key {
            command:
                KeyCommand::Create {
                    municipality,
                    name,
                    scope,
                },
        } => {
            let db = existing_database(&settings)?;
            let key = create_key(&db, &municipality, &name, &scope)?;
            println!("{key}");
            Ok(())
        }
        Command::Export {
            municipality,
            output,
        } => crate::transfer::run_export(
            &crate::transfer::connect_existing(&settings.database_url()?)?,
            &registry()?,
            &municipality,
            output.as_deref(),
        ),
        Command::Import { input } => crate::transfer::run_import(
            &connect(&settings)?,
            &settings.database_url()?.display(),
            &registry()?,
            input.as_deref(),
        ),
        Command::Copy { from, to } => crate::transfer::run_copy(&registry()?, &from, &to),
        Command::Serve { demo, .. } => serve(settings, demo),
        Command::Healthcheck { address } => healthcheck(&settings, address.as_deref()),
    }
}

/// The database a writing command works on, which must be one a server has set up: a command
/// that made a new empty database (a mistyped path, the wrong folder) would write a user no server
/// ever sees. Says which database it looked at.
pub fn existing_database(settings: &Settings) -> Result<Db, String> {
    let url = settings.database_url()?;
    let hint = "start the server once (`retning serve`, which creates, migrates and seeds it) or point --data-dir / --database at the server's database";
    if let retning_kernel::db::DatabaseUrl::Sqlite(path) = &url {
        if !path.exists() {
            return Err(format!("no database at {}: {hint}", url.display()));
        }
    }
    let db = connect(settings)?;
    if crate::seed::is_empty(&db).unwrap_or(true) {
        return Err(format!(
            "the database {} holds no municipalities: {hint}",
            url.display()
        ));
    }
    // Pending migrations of a newer binary are applied as the server would.
    db.migrate()?;
    Ok(db)
}

/// GET /health/ready over plain HTTP/1.1 on the configured address, with a short timeout.
pub fn healthcheck(settings: &Settings, address: Option<&str>) -> Result<(), String> {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    let mut addr: SocketAddr = match address {
        Some(a) => a
            .parse()
            .map_err(|_| format!("--address {a:?} is not an address like 127.0.0.1:8080"))?,
        None => settings.bind_addr()?,
    };
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("not ready: cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /health/ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n\r\n"
    )
    .map_err(|e| format!("not ready: {e}"))?;
    let mut answer = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut answer)
        .map_err(|e| format!("not ready: {e}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    if status_line.split_whitespace().nth(1) == Some("200") {
        println!("ready: {addr}");
        Ok(())
    } else {
        Err(format!("not ready: {addr} answered {status_line:?}"))
    }
}

#[cfg(feature = "placements")]
fn seed_demo(db: &Db) -> Result<(), String> {
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let summary = retning_placements::demo::generate(&mut conn).map_err(|e| e.to_string())?;
    for (municipality, n) in summary {
        println!("{municipality}: {n} synthetic measures (demo data, not real children)");
    }
    Ok(())
}

#[cfg(not(feature = "placements"))]
fn seed_demo(_db: &Db) -> Result<(), String> {
    Err("--demo needs the placements module (build with the `placements` feature)".into())
}

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("password (then Enter):");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if let Some(problem) = auth::password_problem(&password) {
        return Err(format!("password {problem}"));
    }
    Ok(password)
}

pub fn create_user(
    db: &Db,
    municipality: Option<&str>,
    username: &str,
    role: Option<&str>,
    operator: bool,
    password: &str,
) -> Result<(), String> {
    if !crate::platform::ops::valid_username(username) {
        return Err("username must be 2-64 letters, digits or . _ - @".into());
    }
    let role = if operator {
        Role::Operator
    } else {
        match role.and_then(Role::parse) {
            Some(r @ (Role::Viewer | Role::Editor | Role::Admin)) => r,
            _ => return Err("--role must be viewer, editor or admin".into()),
        }
    };
    let hash = auth::hash_password(password).map_err(|e| e.to_string())?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let municipality_id = match municipality {
        Some(slug) => Some(
            tenancy::find_by_slug(&mut conn, slug)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no municipality {slug:?}"))?
                .id,
        ),
        None => None,
    };
    let user = write_transaction(&mut conn, |conn| {
        crate::platform::ops::create_user(
            conn,
            &Principal::system(),
            municipality_id,
            username,
            &hash,
            role,
        )
    })
    .map_err(|e: ApiError| e.to_string())?;
    println!(
        "created user {} (id {}, role {})",
        user.username,
        user.id,
        role.as_str()
    );
    Ok(())
}

pub fn create_key(db: &Db, municipality: &str, name: &str, scope: &str) -> Result<String, String> {
    let scope = KeyScope::parse(scope).ok_or("--scope must be read or write")?;
    if name.trim().is_empty() {
        return Err("--name must not be blank".into());
    }
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let m = tenancy::find_by_slug(&mut conn, municipality)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no municipality {municipality:?}"))?;
    let (_, secret) = write_transaction(&mut conn, |conn| {
        crate::platform::ops::create_key(conn, &Principal::system(), m.id, name, scope)
    })
    .map_err(|e: ApiError| e.to_string())?;
    Ok(secret)
}

/// Prepares the database and the shared state the server (and the tests) run with.
pub fn prepare(settings: &Settings) -> Result<AppContext, String> {
    prepare_with(settings, registry()?)
}

/// [`prepare`] with a given module registry (tests add modules of their own).
pub fn prepare_with(settings: &Settings, registry: Registry) -> Result<AppContext, String> {
    prepare_demo(settings, registry, false)
}

/// [`prepare_with`], loading the synthetic demo measures when `demo` and the database was empty.
pub fn prepare_demo(
    settings: &Settings,
    registry: Registry,
    demo: bool,
) -> Result<AppContext, String> {
    let db = connect(settings)?;
    if settings.database.run_migrations {
        let applied = db.migrate()?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "applied migrations");
        }
    }
    let empty = crate::seed::is_empty(&db)?;
    if settings.seed.on_start && empty {
        let files = crate::seed::files(settings.seed.dir.as_deref())?;
        crate::seed::load(&db, &registry, &files)?;
        tracing::info!(from = %files.origin(), "loaded the seed into the empty database");
        if demo {
            seed_demo(&db)?;
        }
    } else if demo {
        tracing::warn!(
            "--demo loads demo measures on the first start only; this database holds data already (`retning seed --demo` replaces the demo measures)"
        );
    }
    let keys = TokenKeys::new(
        &settings.jwt_secret()?,
        &settings.auth.issuer,
        &settings.auth.audience,
        Duration::from_secs(settings.auth.token_ttl_secs),
    )?;
    let limits = LoginLimits {
        account_burst: settings.auth.account_burst,
        account_refill: Duration::from_secs(settings.auth.account_refill_secs),
        address_burst: settings.auth.address_burst,
        address_refill: Duration::from_secs(settings.auth.address_refill_secs),
        trust_forwarded_for: settings.server.trust_forwarded_for,
    };
    Ok(AppContext {
        auth: auth_state(
            &db,
            keys,
            Duration::from_secs(settings.auth.rights_cache_seconds),
        ),
        db,
        limiter: actix_web::web::Data::new(LoginLimiter::new(limits)),
        registry,
        body_limit: settings.server.body_limit_bytes,
        import_limit: settings.server.import_limit_bytes,
        cors_allowed_origins: settings.server.cors_allowed_origins.clone(),
        metrics: crate::server::MetricsEndpoint {
            enabled: settings.metrics.enabled,
            token: Some(settings.metrics.token.clone()).filter(|t| !t.is_empty()),
        },
    })
}

fn serve(settings: Settings, demo: bool) -> Result<(), String> {
    let addr = settings.bind_addr()?;
    let ctx = prepare_demo(&settings, registry()?, demo)?;
    let workers = if settings.server.workers == 0 {
        std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
    } else {
        settings.server.workers
    };
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let server = actix_web::HttpServer::new(move || build_app(&ctx))
            .workers(workers)
            .shutdown_timeout(settings.server.shutdown_timeout_secs)
            .bind(addr)
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        tracing::info!(%addr, docs = %format!("http://{addr}/docs/"), "Retning is listening");
        server.run().await.map_err(|e| format!("server: {e}"))
    })
}
