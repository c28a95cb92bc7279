//! The platform's seed: the municipalities of `seed/municipalities.json`.

use retning_kernel::module::SeedFiles;
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
        let input = super::ops::MunicipalityInput {
            slug: &m.slug,
            code: &m.code,
            name: &m.name,
            region: &m.region,
        };
        super::ops::create_municipality(conn, &system, "seed", &input)
            .map_err(|e| format!("municipalities.json: {}: {e}", m.slug))?;
    }
    Ok(())
}
