//! What turning rows into views needs besides the rows (see the `from_row` functions in `dto`).

use std::collections::HashMap;

use retning_kernel::{ApiError, DbConnection};

use crate::model::StepRow;
use crate::repo;

/// The names a measure's view shows: steps, programme names, municipality slugs, and the
/// providers of what the municipality bought through place requests.
pub struct Names {
    steps: Vec<StepRow>,
    programmes: HashMap<i64, (String, String)>,
    slugs: HashMap<i64, String>,
    bought: HashMap<i64, (String, String, String)>,
}

impl Names {
    pub fn load(conn: &mut DbConnection, municipality_id: i64) -> Result<Self, ApiError> {
        let steps = repo::steps(conn, municipality_id)?;
        let (programmes, slugs) = repo::names(conn)?;
        let bought = repo::bought(conn, municipality_id)?;
        Ok(Self {
            steps,
            programmes,
            slugs,
            bought,
        })
    }

    /// The municipality's step with this id.
    pub fn step(&self, id: i64) -> Option<&StepRow> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// A programme's short name and name.
    pub fn programme(&self, id: i64) -> Option<(&str, &str)> {
        self.programmes
            .get(&id)
            .map(|(short, name)| (short.as_str(), name.as_str()))
    }

    /// The provider of a place request the municipality bought through: the municipality's
    /// slug, its name and the offer's name.
    pub fn bought(&self, request_id: i64) -> Option<(&str, &str, &str)> {
        self.bought
            .get(&request_id)
            .map(|(s, n, o)| (s.as_str(), n.as_str(), o.as_str()))
    }

    /// A municipality's slug.
    pub fn slug(&self, id: i64) -> Option<&str> {
        self.slugs.get(&id).map(String::as_str)
    }
}
