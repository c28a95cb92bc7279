//! Loads `seed/placements/staircases.json`: each seeded municipality's staircase. Idempotent: a
//! municipality that has steps keeps them.

use retning_kernel::module::SeedContext;
use retning_kernel::scope::Scope;
use retning_kernel::{tenancy, DbConnection, Principal};
use serde::Deserialize;

use crate::dto::{StaircaseInput, StepInput};
use crate::{ops, repo};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    notes: String,
    municipalities: Vec<Staircase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Staircase {
    municipality: String,
    #[allow(dead_code)]
    notes: String,
    steps: Vec<StepInput>,
}

pub fn load(conn: &mut DbConnection, ctx: &SeedContext<'_>) -> Result<(), String> {
    const PATH: &str = "placements/staircases.json";
    let Some(file) = ctx.files.json::<File>(PATH)? else {
        return Ok(());
    };
    for s in file.municipalities {
        let err = |e: String| format!("seed {PATH}: {}: {e}", s.municipality);
        let Some(municipality) =
            tenancy::find_by_slug(conn, &s.municipality).map_err(|e| err(e.to_string()))?
        else {
            return Err(err("not in municipalities.json".into()));
        };
        if !repo::steps(conn, municipality.id)
            .map_err(|e| err(e.to_string()))?
            .is_empty()
        {
            continue;
        }
        let scope = Scope {
            municipality,
            who: Principal::system(),
        };
        let input = StaircaseInput {
            steps: s.steps.clone(),
        };
        ops::replace_staircase(conn, &scope, &input, "seed").map_err(|e| err(e.to_string()))?;
    }
    Ok(())
}
