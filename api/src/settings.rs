//! Configuration: compiled-in defaults → optional file → `RETNING__SECTION__KEY` environment
//! variables → command-line flags. A bad value stops the start with a message naming the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

use retning_kernel::db::DatabaseUrl;

pub const DEFAULTS: &str = include_str!("../../config/default.toml");
/// The longest `auth.rights_cache_seconds` accepted.
pub const MAX_RIGHTS_CACHE_SECONDS: u64 = 60;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub seed: SeedSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    pub enabled: bool,
    pub token: String,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("enabled", &self.enabled)
            .field(
                "token",
                &if self.token.is_empty() {
                    "(none)"
                } else {
                    "(set)"
                },
            )
            .finish()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub workers: usize,
    pub body_limit_bytes: usize,
    pub import_limit_bytes: usize,
    pub shutdown_timeout_secs: u64,
    pub cors_allowed_origins: Vec<String>,
    pub trust_forwarded_for: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    /// Inserted into a PostgreSQL `url` (which then names no password), percent-encoded, so a
    /// password with `@`, `:`, `/` or `%` needs no escaping by hand.
    pub password: String,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    pub sqlite_busy_timeout_ms: u64,
    pub run_migrations: bool,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: String,
    pub issuer: String,
    pub audience: String,
    pub token_ttl_secs: u64,
    pub account_burst: u32,
    pub account_refill_secs: u64,
    pub address_burst: u32,
    pub address_refill_secs: u64,
    pub rights_cache_seconds: u64,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field(
                "jwt_secret",
                &if self.jwt_secret.is_empty() {
                    "(generated)"
                } else {
                    "(set)"
                },
            )
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("rights_cache_seconds", &self.rights_cache_seconds)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSettings {
    /// A folder that replaces the seed compiled into the binary.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    pub on_start: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub level: String,
    pub format: String,
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    pub fn load(overrides: &Overrides) -> Result<Self, String> {
        Self::load_with_env(
            overrides,
            Environment::with_prefix("RETNING")
                .prefix_separator("__")
                .separator("__"),
        )
    }

    fn load_with_env(overrides: &Overrides, env: Environment) -> Result<Self, String> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(file) = &overrides.config_file {
            if !file.exists() {
                return Err(format!(
                    "configuration file {} does not exist",
                    file.display()
                ));
            }
            builder = builder.add_source(File::from(file.as_path()).required(true));
        }
        builder = builder.add_source(
            env.list_separator(",")
                .with_list_parse_key("server.cors_allowed_origins")
                .try_parsing(true),
        );
        let set = |b: config::ConfigBuilder<config::builder::DefaultState>,
                   k: &str,
                   v: Option<String>| match v {
            Some(v) => b.set_override(k, v),
            None => Ok(b),
        };
        builder = set(builder, "database.url", overrides.database_url.clone())
            .map_err(|e| e.to_string())?;
        builder = set(builder, "server.bind", overrides.bind.clone()).map_err(|e| e.to_string())?;
        builder = set(
            builder,
            "data_dir",
            overrides
                .data_dir
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
        )
        .map_err(|e| e.to_string())?;
        let settings: Settings = builder
            .build()
            .and_then(Config::try_deserialize)
            .map_err(|e| format!("configuration: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), String> {
        self.bind_addr()?;
        self.database_url()?;
        let positive = [
            (
                "server.body_limit_bytes",
                self.server.body_limit_bytes as u64,
            ),
            (
                "server.import_limit_bytes",
                self.server.import_limit_bytes as u64,
            ),
            (
                "database.max_connections",
                u64::from(self.database.max_connections),
            ),
            ("auth.token_ttl_secs", self.auth.token_ttl_secs),
            ("auth.account_burst", u64::from(self.auth.account_burst)),
            ("auth.address_burst", u64::from(self.auth.address_burst)),
            ("auth.account_refill_secs", self.auth.account_refill_secs),
            ("auth.address_refill_secs", self.auth.address_refill_secs),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(format!("configuration: {key} must be greater than 0"));
            }
        }
        if self.auth.rights_cache_seconds > MAX_RIGHTS_CACHE_SECONDS {
            return Err(format!(
                "configuration: auth.rights_cache_seconds must be at most {MAX_RIGHTS_CACHE_SECONDS} (it bounds how long a demoted or disabled user keeps old rights on another server)"
            ));
        }
        if !self.auth.jwt_secret.is_empty() && self.auth.jwt_secret.len() < 32 {
            return Err("configuration: auth.jwt_secret must be at least 32 bytes (or empty to generate one)".into());
        }
        if !["text", "json"].contains(&self.log.format.as_str()) {
            return Err(format!(
                "configuration: log.format must be \"text\" or \"json\", not {:?}",
                self.log.format
            ));
        }
        for origin in &self.server.cors_allowed_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(format!("configuration: server.cors_allowed_origins: {origin:?} is not an http(s) origin"));
            }
        }
        Ok(())
    }

    pub fn bind_addr(&self) -> Result<SocketAddr, String> {
        self.server.bind.parse().map_err(|_| {
            format!(
                "configuration: server.bind {:?} is not an address like 127.0.0.1:8080",
                self.server.bind
            )
        })
    }

    pub fn database_url(&self) -> Result<DatabaseUrl, String> {
        if self.database.url.trim().is_empty() {
            return Ok(DatabaseUrl::Sqlite(self.data_dir.join("retning.db")));
        }
        let url = with_password(&self.database.url, &self.database.password)?;
        DatabaseUrl::parse(&url).map_err(|e| format!("configuration: database.url: {e}"))
    }

    /// The signing secret: configured, or generated once and kept in the data directory.
    pub fn jwt_secret(&self) -> Result<Vec<u8>, String> {
        if !self.auth.jwt_secret.is_empty() {
            return Ok(self.auth.jwt_secret.as_bytes().to_vec());
        }
        load_or_create_secret(&self.data_dir.join("jwt-secret"))
    }
}

/// `postgres://user@host/db` with `password` → `postgres://user:ENCODED@host/db`.
fn with_password(url: &str, password: &str) -> Result<String, String> {
    if password.is_empty() {
        return Ok(url.to_owned());
    }
    let rest = url
        .strip_prefix("postgres://")
        .map(|r| ("postgres://", r))
        .or_else(|| {
            url.strip_prefix("postgresql://")
                .map(|r| ("postgresql://", r))
        });
    let Some((scheme, rest)) = rest else {
        return Err(
            "configuration: database.password is set, but database.url is not a postgres:// URL"
                .into(),
        );
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return Err("configuration: database.password is set, but database.url names no user (postgres://USER@HOST/DB)".into());
    };
    let user = &rest[..at];
    if user.contains(':') {
        return Err("configuration: database.url holds a password and database.password is set too; give it once".into());
    }
    let encoded: String =
        percent_encoding::utf8_percent_encode(password, percent_encoding::NON_ALPHANUMERIC)
            .collect();
    Ok(format!("{scheme}{user}:{encoded}{}", &rest[at..]))
}

fn load_or_create_secret(path: &Path) -> Result<Vec<u8>, String> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let secret = existing.trim().as_bytes().to_vec();
        if secret.len() >= 32 {
            return Ok(secret);
        }
        return Err(format!(
            "{} holds fewer than 32 bytes; delete it to generate a new secret",
            path.display()
        ));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    use std::io::Write;
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(secret.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new token-signing secret");
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_separate_password_is_percent_encoded_into_the_url() {
        assert_eq!(
            super::with_password("postgres://retning@db:5432/retning", "p@ss:w/rd#%1").as_deref(),
            Ok("postgres://retning:p%40ss%3Aw%2Frd%23%251@db:5432/retning")
        );
        assert_eq!(
            super::with_password("postgres://retning@db/retning", "").as_deref(),
            Ok("postgres://retning@db/retning")
        );
        assert!(super::with_password("postgres://u:x@db/r", "y").is_err());
        assert!(super::with_password("postgres://db/r", "y").is_err());
        assert!(super::with_password("sqlite://x.db", "y").is_err());
        // The URL the backend is given parses with the password decoded back.
        let url =
            super::with_password("postgres://retning@db/retning", "p@ss w/rd").unwrap_or_default();
        assert!(
            retning_kernel::db::DatabaseUrl::parse(&url).is_ok(),
            "{url}"
        );
    }

    use super::*;
    use std::collections::HashMap;

    fn load(env: &[(&str, &str)]) -> Result<Settings, String> {
        let map: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = Environment::with_prefix("RETNING")
            .prefix_separator("__")
            .separator("__")
            .source(Some(map));
        Settings::load_with_env(&Overrides::default(), env)
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = load(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert_eq!(
            s.database_url(),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/retning.db")))
        );
        assert!(s.server.cors_allowed_origins.is_empty());
    }

    #[test]
    fn environment_overrides() {
        let s = load(&[
            ("RETNING__SERVER__BIND", "0.0.0.0:9000"),
            ("RETNING__DATABASE__URL", "postgres://u@h/db"),
            ("RETNING__DATA_DIR", "/var/lib/retning"),
            (
                "RETNING__SERVER__CORS_ALLOWED_ORIGINS",
                "https://a.dk,https://b.dk",
            ),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.server.bind, "0.0.0.0:9000");
        assert_eq!(s.data_dir, PathBuf::from("/var/lib/retning"));
        assert_eq!(s.database_url().map(|u| u.backend().name()), Ok("postgres"));
        assert_eq!(
            s.server.cors_allowed_origins,
            vec!["https://a.dk", "https://b.dk"]
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        let cases = [
            ("RETNING__SERVER__BIND", "not-an-address", "server.bind"),
            ("RETNING__DATABASE__URL", "mysql://x", "database.url"),
            (
                "RETNING__DATABASE__MAX_CONNECTIONS",
                "many",
                "max_connections",
            ),
            ("RETNING__AUTH__JWT_SECRET", "short", "auth.jwt_secret"),
            ("RETNING__LOG__FORMAT", "xml", "log.format"),
            ("RETNING__SERVER__NO_SUCH_KEY", "1", "no_such_key"),
        ];
        for (key, value, named) in cases {
            let err = load(&[(key, value)]).err().unwrap_or_default();
            assert!(err.contains(named), "{key}={value}: {err}");
        }
    }
}
