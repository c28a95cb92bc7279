//! Seed loading: every module's data (the platform's municipalities first), in one transaction,
//! from the seed compiled into the binary or from `seed.dir`.

use std::path::Path;

use include_dir::{include_dir, Dir};
use retning_kernel::module::SeedFiles;

use diesel::prelude::*;
use retning_kernel::schema::municipalities;
use retning_kernel::{write_transaction, ApiError, Db};

use crate::registry::Registry;

/// The repository's `seed/` folder, compiled into the binary so that it seeds wherever it is
/// started from.
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../seed");

/// The seed compiled into the binary.
pub fn embedded() -> SeedFiles {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(String, String)>) {
        for file in dir.files() {
            if let Some(text) = file.contents_utf8() {
                out.push((
                    file.path().to_string_lossy().replace('\\', "/"),
                    text.to_owned(),
                ));
            }
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    let mut files = Vec::new();
    walk(&EMBEDDED, &mut files);
    SeedFiles::new("the seed compiled into the binary", files)
}

/// The seed files: the folder `seed.dir` names, or else the embedded copy.
pub fn files(dir: Option<&Path>) -> Result<SeedFiles, String> {
    match dir {
        Some(dir) => SeedFiles::from_dir(dir),
        None => Ok(embedded()),
    }
}

pub fn is_empty(db: &Db) -> Result<bool, String> {
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let n: i64 = municipalities::table
        .count()
        .get_result(&mut *conn)
        .map_err(|e| e.to_string())?;
    Ok(n == 0)
}

/// Loads the seed of every module (each skips what is already there), all or nothing.
pub fn load(db: &Db, registry: &Registry, files: &SeedFiles) -> Result<(), String> {
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let ctx = retning_kernel::module::SeedContext {
        files,
        indicators: &registry.indicators,
    };
    write_transaction(&mut conn, |conn| -> Result<(), SeedError> {
        for m in &registry.modules {
            m.seed(conn, &ctx)
                .map_err(|e| SeedError(format!("module {}: {e}", m.name())))?;
        }
        Ok(())
    })
    .map_err(|e| e.0)
}

struct SeedError(String);

impl From<diesel::result::Error> for SeedError {
    fn from(e: diesel::result::Error) -> Self {
        SeedError(e.to_string())
    }
}

impl From<ApiError> for SeedError {
    fn from(e: ApiError) -> Self {
        SeedError(e.to_string())
    }
}
