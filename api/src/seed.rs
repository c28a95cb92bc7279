//! Seed loading: the platform's municipalities, then every module's data, in one transaction.

use std::path::Path;

use include_dir::{include_dir, Dir};
use retning_kernel::module::SeedFiles;

use diesel::prelude::*;
use retning_kernel::audit::{self, Change};
use retning_kernel::schema::municipalities;
use retning_kernel::{tenancy, write_transaction, ApiError, Db, DbConnection, Principal};
use serde::Deserialize;

use crate::registry::Registry;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MunicipalitySeed {
    #[allow(dead_code)]
    source: String,
    municipalities: Vec<SeedMunicipality>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedMunicipality {
    slug: String,
    code: String,
    name: String,
    region: String,
}

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

/// Adds the municipalities of `seed/municipalities.json` that are missing.
pub fn seed_municipalities(conn: &mut DbConnection, files: &SeedFiles) -> Result<(), String> {
    let seed: MunicipalitySeed = files
        .json("municipalities.json")?
        .ok_or_else(|| format!("{}: no municipalities.json", files.origin()))?;
    let system = Principal::system();
    for m in seed.municipalities {
        if !tenancy::valid_slug(&m.slug) {
            return Err(format!("municipalities.json: invalid slug {:?}", m.slug));
        }
        if tenancy::find_by_slug(conn, &m.slug)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let now = retning_kernel::now();
        let id: i64 = diesel::insert_into(municipalities::table)
            .values((
                municipalities::slug.eq(&m.slug),
                municipalities::code.eq(&m.code),
                municipalities::name.eq(&m.name),
                municipalities::region.eq(&m.region),
                municipalities::created_at.eq(now),
                municipalities::updated_at.eq(now),
            ))
            .returning(municipalities::id)
            .get_result(conn)
            .map_err(|e| format!("municipalities.json: {}: {e}", m.slug))?;
        audit::record(
            conn,
            &system,
            Change {
                municipality_id: Some(id),
                action: "seed",
                object_type: "municipality",
                object_id: Some(id),
                details: serde_json::json!({"slug": m.slug, "source": "seed/municipalities.json"}),
            },
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
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
