//! `retning export`, `import` and `copy`: the command line over [`retning_kernel::transfer`].

use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

use retning_kernel::db::{DatabaseUrl, PoolSettings};
use retning_kernel::transfer::{self, Export, SoftReference, Summary};
use retning_kernel::Db;

use crate::registry::Registry;

/// The soft references every compiled-in module declares.
pub fn soft_references(registry: &Registry) -> Vec<SoftReference> {
    registry
        .modules
        .iter()
        .flat_map(|m| m.soft_references().iter().copied())
        .collect()
}

/// Exports one municipality of `db` as a document.
pub fn export(db: &Db, registry: &Registry, municipality: &str) -> Result<Export, String> {
    let mut conn = db.get().map_err(|e| e.to_string())?;
    transfer::export(&mut conn, municipality, &soft_references(registry)).map_err(|e| e.0)
}

/// Imports a document into `db` (migrated first).
pub fn import(db: &Db, registry: &Registry, doc: &Export) -> Result<Summary, String> {
    db.migrate()?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    transfer::import(&mut conn, doc, &soft_references(registry)).map_err(|e| e.0)
}

/// Reads a document, refusing anything but an export (with a message naming what is wrong).
pub fn read_document(text: &[u8]) -> Result<Export, String> {
    serde_json::from_slice(text).map_err(|e| format!("not a Retning export document: {e}"))
}

/// Connects to a database that must exist already (a SQLite file is never created here).
pub fn connect_existing(url: &DatabaseUrl) -> Result<Db, String> {
    if let DatabaseUrl::Sqlite(path) = url {
        if !path.is_file() {
            return Err(format!("{} does not exist", url.display()));
        }
    }
    Db::connect(url, &PoolSettings::default())
}

/// Copies a whole installation from one database to another (migrated first, and empty).
pub fn copy(registry: &Registry, from: &str, to: &str) -> Result<Summary, String> {
    let source = connect_existing(&DatabaseUrl::parse(from)?)?;
    let target_url = DatabaseUrl::parse(to)?;
    let target = Db::connect(&target_url, &PoolSettings::default())?;
    target.migrate()?;
    let mut a = source.get().map_err(|e| e.to_string())?;
    let mut b = target.get().map_err(|e| e.to_string())?;
    transfer::copy(
        &mut a,
        &mut b,
        &target_url.display(),
        &soft_references(registry),
    )
    .map_err(|e| e.0)
}

fn report(what: &str, summary: &Summary, started: Instant) {
    for (table, n) in &summary.written {
        eprintln!("  {table}: {n}");
    }
    for (table, n) in &summary.matched {
        eprintln!("  {table}: {n} matched by natural key");
    }
    eprintln!(
        "{what} {} rows in {:.2} s",
        summary.total(),
        started.elapsed().as_secs_f64()
    );
}

/// `retning export`.
pub fn run_export(
    db: &Db,
    registry: &Registry,
    municipality: &str,
    output: Option<&Path>,
) -> Result<(), String> {
    let started = Instant::now();
    let doc = export(db, registry, municipality)?;
    let json = serde_json::to_string(&doc).map_err(|e| e.to_string())? + "\n";
    match output {
        Some(path) => {
            write_private(path, json.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => std::io::stdout()
            .write_all(json.as_bytes())
            .map_err(|e| e.to_string())?,
    }
    let (own, referenced) = doc
        .counts()
        .values()
        .fold((0, 0), |(a, b), (o, r)| (a + o, b + r));
    eprintln!(
        "exported {municipality}: {own} own rows and {referenced} referenced rows, {} bytes, in {:.2} s",
        json.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The document holds password and key hashes: readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

/// `retning import`; `database` names the target in the report.
pub fn run_import(
    db: &Db,
    database: &str,
    registry: &Registry,
    input: Option<&Path>,
) -> Result<(), String> {
    let started = Instant::now();
    let text = match input {
        Some(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| e.to_string())?;
            buf
        }
    };
    let doc = read_document(&text)?;
    let summary = import(db, registry, &doc)?;
    report(
        &format!("imported {} into {database}:", doc.municipality),
        &summary,
        started,
    );
    Ok(())
}

/// `retning copy`.
pub fn run_copy(registry: &Registry, from: &str, to: &str) -> Result<(), String> {
    let started = Instant::now();
    let summary = copy(registry, from, to)?;
    report("copied", &summary, started);
    Ok(())
}
