//! The platform's seed: the municipalities of `seed/municipalities.json`.

use diesel::prelude::*;
use retning_kernel::audit::{self, Change};
use retning_kernel::module::SeedFiles;
use retning_kernel::schema::municipalities;
use retning_kernel::{tenancy, DbConnection, Principal};
use serde::Deserialize;

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
