//! Loads `seed/offers/<municipality>.json`: each provider's offers in its own documents'
//! wording. Idempotent: an offer whose name the municipality already uses is skipped.

use retning_kernel::module::SeedContext;
use retning_kernel::scope::Scope;
use retning_kernel::{tenancy, DbConnection, Principal};
use serde::Deserialize;

use crate::dto::NewOfferInput;
use crate::{ops, repo};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    municipality: String,
    #[allow(dead_code)]
    source: String,
    #[allow(dead_code)]
    notes: String,
    offers: Vec<NewOfferInput>,
}

const FILES: &[&str] = &["offers/vejle.json"];

pub fn load(conn: &mut DbConnection, ctx: &SeedContext<'_>) -> Result<(), String> {
    for path in FILES {
        let Some(file) = ctx.files.json::<File>(path)? else {
            continue;
        };
        let err = |e: String| format!("seed {path}: {e}");
        let municipality = tenancy::find_by_slug(conn, &file.municipality)
            .map_err(|e| err(e.to_string()))?
            .ok_or_else(|| {
                err(format!(
                    "{} is not in municipalities.json",
                    file.municipality
                ))
            })?;
        let scope = Scope {
            municipality,
            who: Principal::system(),
        };
        for offer in file.offers {
            if repo::offer_name_taken(conn, scope.id(), offer.name.trim(), None)
                .map_err(|e| err(e.to_string()))?
            {
                continue;
            }
            let name = offer.name.clone();
            ops::create_offer(conn, &scope, offer).map_err(|e| err(format!("{name}: {e}")))?;
        }
    }
    Ok(())
}
