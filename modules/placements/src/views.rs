//! Rows into the views clients see.

use std::collections::HashMap;

use retning_kernel::{ApiError, DbConnection, Timestamp};

use crate::dto::*;
use crate::kinds;
use crate::model::{MeasureRow, StepRow};
use crate::repo;

/// What turning rows into views needs: steps, programme names, municipality slugs.
pub struct Names {
    steps: Vec<StepRow>,
    programmes: HashMap<i64, (String, String)>,
    slugs: HashMap<i64, String>,
}

impl Names {
    pub fn load(conn: &mut DbConnection, municipality_id: i64) -> Result<Self, ApiError> {
        let steps = repo::steps(conn, municipality_id)?;
        let (programmes, slugs) = repo::names(conn)?;
        Ok(Self {
            steps,
            programmes,
            slugs,
        })
    }

    pub fn measure(&self, r: MeasureRow) -> MeasureView {
        let category = kinds::Category::parse(&r.category).unwrap_or(kinds::Category::Support);
        let legal_basis = match (r.legal_law, r.legal_paragraph) {
            (Some(law), Some(paragraph)) => Some(LegalBasis {
                law,
                paragraph,
                stk: r.legal_stk,
                nr: r.legal_nr,
                consent: r.consent,
            }),
            _ => None,
        };
        let provider = r
            .provider_type
            .as_deref()
            .and_then(ProviderType::parse)
            .map(|type_| Provider {
                type_,
                name: r.provider_name,
                municipality: r
                    .provider_municipality_id
                    .and_then(|id| self.slugs.get(&id).cloned()),
            });
        MeasureView {
            id: r.id,
            municipality: self
                .slugs
                .get(&r.municipality_id)
                .cloned()
                .unwrap_or_default(),
            child_ref: r.child_ref,
            birth_year: r.birth_year,
            category: Category::from_kernel(category),
            kind_label: kinds::kind(&r.kind).map_or("", |k| k.label).to_owned(),
            kind: r.kind,
            step: r
                .step_id
                .and_then(|id| self.steps.iter().find(|s| s.id == id))
                .map(|s| StepRef {
                    key: s.key.clone(),
                    name: s.name.clone(),
                    standard_step: s.standard_step,
                }),
            standard_step: r.standard_step,
            legal_basis,
            start_date: r.start_date,
            open: r.end_date.is_none(),
            end_date: r.end_date,
            provider,
            yearly_cost_dkk: r.yearly_cost_dkk,
            evidence_programme: r
                .evidence_programme_id
                .and_then(|id| self.programmes.get(&id))
                .map(|(short_name, name)| ProgrammeRef {
                    short_name: short_name.clone(),
                    name: name.clone(),
                }),
            note: r.note,
            synthetic: r.synthetic,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        }
    }
}

pub fn staircase(municipality: &str, steps: Vec<StepRow>) -> StaircaseView {
    StaircaseView {
        municipality: municipality.to_owned(),
        steps: steps
            .into_iter()
            .map(|s| StepView {
                standard_name: kinds::standard_step_name(s.standard_step).to_owned(),
                key: s.key,
                name: s.name,
                position: s.position,
                standard_step: s.standard_step,
                description: s.description,
            })
            .collect(),
        standard_steps: kinds::STANDARD_STEPS
            .iter()
            .map(|(step, name)| StandardStepView {
                step: *step,
                name: (*name).to_owned(),
            })
            .collect(),
    }
}
