//! Indicators computed for the goals module. The kernel asks for a municipality and a day, so
//! each aggregates over the municipality's adoptions or partnerships in the twelve months
//! ending on that day (a calendar year when the day is 31 December).

use std::sync::Arc;

use chrono::NaiveDate;
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::{ApiError, DbConnection};

use crate::repo;

pub fn all() -> Vec<Arc<dyn ComputedIndicator>> {
    vec![
        Arc::new(AdoptionCapacityUse),
        Arc::new(PartnershipCapacityUse),
        Arc::new(PartnerShareUse),
    ]
}

/// `evidence.adoption_capacity_use`.
pub struct AdoptionCapacityUse;

impl ComputedIndicator for AdoptionCapacityUse {
    fn key(&self) -> &'static str {
        "evidence.adoption_capacity_use"
    }
    fn description(&self) -> &'static str {
        "Capacity use of the municipality's evidence programmes: families or children started in the twelve months \
         ending on the day, as a percentage of the yearly capacity of the adoptions that have figures for those months \
         (planned adoptions and adoptions without a capacity do not count)"
    }
    fn unit(&self) -> &'static str {
        "percent"
    }
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        Ok(repo::adoption_capacity_use(conn, municipality_id, on)?)
    }
}

/// `evidence.partnership_capacity_use`.
pub struct PartnershipCapacityUse;

impl ComputedIndicator for PartnershipCapacityUse {
    fn key(&self) -> &'static str {
        "evidence.partnership_capacity_use"
    }
    fn description(&self) -> &'static str {
        "Use of the capacity the municipality shares as host: referrals by accepted partners in the twelve months \
         ending on the day, as a percentage of their agreed yearly shares (over-share referrals included, so it can \
         pass 100)"
    }
    fn unit(&self) -> &'static str {
        "percent"
    }
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        Ok(repo::share_use(conn, municipality_id, true, on)?)
    }
}

/// `evidence.partner_share_use`: the partner's side of the same figures.
pub struct PartnerShareUse;

impl ComputedIndicator for PartnerShareUse {
    fn key(&self) -> &'static str {
        "evidence.partner_share_use"
    }
    fn description(&self) -> &'static str {
        "Use of the municipality's own shares in other municipalities' programmes: its referrals in the twelve months \
         ending on the day, as a percentage of its accepted yearly shares"
    }
    fn unit(&self) -> &'static str {
        "percent"
    }
    fn compute(
        &self,
        conn: &mut DbConnection,
        municipality_id: i64,
        on: NaiveDate,
    ) -> Result<Option<f64>, ApiError> {
        Ok(repo::share_use(conn, municipality_id, false, on)?)
    }
}
