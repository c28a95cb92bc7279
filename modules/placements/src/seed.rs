//! Loads `seed/placements/staircases.json`: each seeded municipality's staircase. Idempotent: a
//! municipality that has steps keeps them.

use diesel::prelude::*;
use retning_kernel::audit::{self, Change};
use retning_kernel::module::SeedContext;
use retning_kernel::schema::municipalities;
use retning_kernel::{DbConnection, Principal};
use serde::Deserialize;

use crate::dto::{StaircaseInput, StepInput};
use crate::repo;

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
        let Some(mid) = municipalities::table
            .filter(municipalities::slug.eq(&s.municipality))
            .select(municipalities::id)
            .first::<i64>(conn)
            .optional()
            .map_err(|e| err(e.to_string()))?
        else {
            return Err(err("not in municipalities.json".into()));
        };
        if !repo::steps(conn, mid)
            .map_err(|e| err(e.to_string()))?
            .is_empty()
        {
            continue;
        }
        let input = StaircaseInput {
            steps: s.steps.clone(),
        };
        crate::routes::validate_staircase(&input).map_err(|e| err(e.to_string()))?;
        let steps =
            repo::replace_staircase(conn, mid, &input.steps).map_err(|e| err(e.to_string()))?;
        audit::record(
            conn,
            &Principal::system(),
            Change {
                municipality_id: Some(mid),
                action: "seed",
                object_type: "staircase",
                object_id: None,
                details: serde_json::json!({"steps": steps.iter().map(|s| &s.key).collect::<Vec<_>>(), "source": "seed/placements/staircases.json"}),
            },
        )
        .map_err(|e| err(e.to_string()))?;
    }
    Ok(())
}
