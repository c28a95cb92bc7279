//! Plugin modules: what a module is, and the checks a registry of them must pass.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Permission;
use crate::db::DbConnection;
use crate::indicators::ComputedIndicator;

/// A plugin module. Routes and their OpenAPI paths are registered together in [`Module::configure`]
/// (under `/api/v1`), so the spec is collected from the registration that serves requests.
pub trait Module: Send + Sync + 'static {
    /// Unique, lower-case (`goals`); also the name used to switch it per municipality.
    fn name(&self) -> &'static str;
    /// Modules whose tables or kernel registrations this one builds on.
    fn dependencies(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether a municipality may switch it off (the platform itself cannot be).
    fn switchable(&self) -> bool {
        true
    }
    /// Every permission its handlers check, for documentation and review.
    fn permissions(&self) -> &'static [Permission] {
        &[]
    }
    /// Every problem code its handlers answer with (its `codes::ALL`; the kernel's own are in
    /// [`crate::codes`]). The README's table of codes is held to these lists by a test.
    fn problem_codes(&self) -> &'static [&'static str];
    /// Registers routes (relative to `/api/v1`) with their OpenAPI paths.
    fn configure(&self, cfg: &mut ServiceConfig);
    /// Loads the module's seed data into a database where it is not yet loaded (skipping what
    /// is there). Runs inside one transaction together with every other module's seed, in
    /// dependency order.
    fn seed(&self, _conn: &mut DbConnection, _ctx: &SeedContext<'_>) -> Result<(), String> {
        Ok(())
    }
    /// Indicators this module computes for the goals module.
    fn indicators(&self) -> Vec<Arc<dyn ComputedIndicator>> {
        Vec::new()
    }
    /// Its columns that hold another table's id without a foreign key, so that moving data
    /// between installations ([`crate::transfer`]) rewrites them with the ids they point to.
    fn soft_references(&self) -> &'static [crate::transfer::SoftReference] {
        &[]
    }
}

/// Names of the registered modules and whether each can be switched off (app data, made by the
/// registry; the platform's module switches read it, so the platform needs only the kernel).
#[derive(Debug, Clone)]
pub struct ModuleCatalog {
    pub modules: Vec<(&'static str, bool)>,
}

/// What a seed loader may use: the seed files and the kernel's registrations.
pub struct SeedContext<'a> {
    pub files: &'a SeedFiles,
    pub indicators: &'a crate::indicators::IndicatorRegistry,
}

/// The seed data files by path relative to the seed root (`goals/vejle.json`), read from a
/// folder (`seed.dir`) or compiled into the binary, so modules read them one way whatever the
/// origin and an installed binary carries its own seed.
#[derive(Debug, Default)]
pub struct SeedFiles {
    origin: String,
    files: std::collections::BTreeMap<String, String>,
}

impl SeedFiles {
    /// Files given by the caller (the binary's embedded copy).
    pub fn new(
        origin: impl Into<String>,
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        Self {
            origin: origin.into(),
            files: files.into_iter().collect(),
        }
    }

    /// Every file below `dir`, read now.
    pub fn from_dir(dir: &Path) -> Result<Self, String> {
        fn walk(
            root: &Path,
            dir: &Path,
            out: &mut std::collections::BTreeMap<String, String>,
        ) -> Result<(), String> {
            let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for entry in entries {
                let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
                if path.is_dir() {
                    walk(root, &path, out)?;
                } else if let Ok(relative) = path.strip_prefix(root) {
                    let name = relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                    out.insert(name, text);
                }
            }
            Ok(())
        }
        if !dir.is_dir() {
            return Err(format!(
                "seed folder {} does not exist (set seed.dir)",
                dir.display()
            ));
        }
        let mut files = std::collections::BTreeMap::new();
        walk(dir, dir, &mut files)?;
        Ok(Self {
            origin: dir.display().to_string(),
            files,
        })
    }

    /// Where the files came from, for logs.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// The JSON file at `path` decoded, `None` when there is no such file; errors name the file
    /// and the JSON path.
    pub fn json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<Option<T>, String> {
        let Some(text) = self.get(path) else {
            return Ok(None);
        };
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de)
            .map(Some)
            .map_err(|e| format!("seed {path}: {}: {}", e.path(), e.inner()))
    }

    /// The paths of the files directly in `folder` (`goals`), sorted.
    pub fn list(&self, folder: &str) -> Vec<&str> {
        let prefix = format!("{folder}/");
        self.files
            .keys()
            .filter_map(|k| {
                let rest = k.strip_prefix(&prefix)?;
                (!rest.contains('/')).then_some(k.as_str())
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum RegistryError {
    Duplicate(String),
    UnknownDependency { module: String, dependency: String },
    Cycle(Vec<String>),
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryError::Duplicate(n) => write!(f, "module {n:?} is registered twice"),
            RegistryError::UnknownDependency { module, dependency } => {
                write!(
                    f,
                    "module {module:?} depends on {dependency:?}, which is not registered"
                )
            }
            RegistryError::Cycle(names) => write!(
                f,
                "modules depend on each other in a cycle: {}",
                names.join(" -> ")
            ),
        }
    }
}

/// Checks names and dependencies; returns the modules in dependency order (dependencies first,
/// otherwise in the given order).
pub fn validate(
    modules: &[(&'static str, &'static [&'static str])],
) -> Result<Vec<&'static str>, RegistryError> {
    let mut seen = HashSet::new();
    for (name, _) in modules {
        if !seen.insert(*name) {
            return Err(RegistryError::Duplicate((*name).to_owned()));
        }
    }
    let deps: HashMap<&str, &[&str]> = modules.iter().map(|(n, d)| (*n, *d)).collect();
    for (name, ds) in modules {
        for d in *ds {
            if !deps.contains_key(d) {
                return Err(RegistryError::UnknownDependency {
                    module: (*name).to_owned(),
                    dependency: (*d).to_owned(),
                });
            }
        }
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        n: &'static str,
        deps: &HashMap<&str, &'static [&'static str]>,
        marks: &mut HashMap<&'static str, Mark>,
        stack: &mut Vec<&'static str>,
        out: &mut Vec<&'static str>,
    ) -> Result<(), RegistryError> {
        match marks.get(n) {
            Some(Mark::Done) => return Ok(()),
            Some(Mark::Visiting) => {
                let start = stack.iter().position(|s| *s == n).unwrap_or(0);
                let mut cycle: Vec<String> =
                    stack[start..].iter().map(|s| (*s).to_owned()).collect();
                cycle.push(n.to_owned());
                return Err(RegistryError::Cycle(cycle));
            }
            None => {}
        }
        marks.insert(n, Mark::Visiting);
        stack.push(n);
        for d in deps.get(n).copied().unwrap_or(&[]) {
            visit(d, deps, marks, stack, out)?;
        }
        stack.pop();
        marks.insert(n, Mark::Done);
        out.push(n);
        Ok(())
    }
    let mut marks = HashMap::new();
    let mut out = Vec::new();
    for (name, _) in modules {
        visit(name, &deps, &mut marks, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first() {
        let order = validate(&[
            ("placements", &["evidence"]),
            ("goals", &[]),
            ("evidence", &[]),
        ]);
        assert_eq!(order, Ok(vec!["evidence", "placements", "goals"]));
    }

    #[test]
    fn rejects_duplicates() {
        assert_eq!(
            validate(&[("goals", &[]), ("goals", &[])]),
            Err(RegistryError::Duplicate("goals".into()))
        );
    }

    #[test]
    fn rejects_unknown_dependency() {
        assert_eq!(
            validate(&[("placements", &["evidence"])]),
            Err(RegistryError::UnknownDependency {
                module: "placements".into(),
                dependency: "evidence".into()
            })
        );
    }

    #[test]
    fn rejects_cycles() {
        let r = validate(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(
            r,
            Err(RegistryError::Cycle(vec![
                "a".into(),
                "b".into(),
                "c".into(),
                "a".into()
            ]))
        );
        assert!(matches!(
            validate(&[("a", &["a"])]),
            Err(RegistryError::Cycle(_))
        ));
    }
}
