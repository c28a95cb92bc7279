//! HTTP handlers, one file per resource; shared helpers below.

mod adoptions;
mod figures;
mod invitations;
mod partnerships;
mod programmes;
mod referrals;

use retning_kernel::audit::{self, Change};
use retning_kernel::pagination::PageParams;
use retning_kernel::{ApiError, DbConnection, Principal, Validator};
use serde::Serialize;
use serde_json::Value;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::{AdoptionStatus, CapacityUnit, ProgrammeRef};
use crate::dto::{PartnerStatus, PartnerView, PartnershipView, PartyRole, SharedAdoption, YearUse};
use crate::model::PartnerRow;
use crate::repo::PartnershipBundle;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(programmes::list)
        .service(programmes::create)
        .service(programmes::get)
        .service(programmes::update)
        .service(adoptions::of_programme)
        .service(adoptions::list)
        .service(adoptions::csv)
        .service(adoptions::create)
        .service(adoptions::get)
        .service(adoptions::update)
        .service(adoptions::remove)
        .service(figures::list)
        .service(figures::get)
        .service(figures::put)
        .service(figures::remove)
        .service(partnerships::list)
        .service(partnerships::create)
        .service(partnerships::get)
        .service(partnerships::update)
        .service(invitations::accept)
        .service(invitations::decline)
        .service(referrals::list)
        .service(referrals::create)
        .service(referrals::get)
        .service(referrals::remove);
}

/// Limit and cursor of a query struct that also carries filters.
pub(crate) fn page(limit: Option<i64>, cursor: Option<String>) -> Result<(i64, i64), ApiError> {
    let p = PageParams { limit, cursor };
    Ok((p.limit()?, p.offset()?))
}

/// Trims optional text; blank becomes absent.
pub(crate) fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

pub(crate) fn check_range(v: &mut Validator, field: &str, value: Option<i32>, min: i32, max: i32) {
    if let Some(n) = value {
        v.check(
            (min..=max).contains(&n),
            field,
            "out_of_range",
            format!("must be between {min} and {max}"),
        );
    }
}

/// What changed between two serialised views, for the audit log.
pub(crate) fn diff<T: Serialize>(before: &T, after: &T) -> Value {
    let (Ok(Value::Object(b)), Ok(Value::Object(a))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Value::Null;
    };
    let mut out = serde_json::Map::new();
    for (k, av) in &a {
        if k == "updated_at" {
            continue;
        }
        let bv = b.get(k).unwrap_or(&Value::Null);
        if bv != av {
            out.insert(k.clone(), serde_json::json!({"before": bv, "after": av}));
        }
    }
    Value::Object(out)
}

/// Records a change in the audit log of each municipality involved (host and partner both see
/// an answer to an invitation, or a referral).
pub(crate) fn audit_in(
    conn: &mut DbConnection,
    who: &Principal,
    municipalities: &[i64],
    action: &str,
    object_type: &str,
    object_id: Option<i64>,
    details: Value,
) -> Result<(), ApiError> {
    for m in municipalities {
        audit::record(
            conn,
            who,
            Change {
                municipality_id: Some(*m),
                action,
                object_type,
                object_id,
                details: details.clone(),
            },
        )?;
    }
    Ok(())
}

fn year_use(row: &PartnerRow, bundle: &PartnershipBundle) -> Vec<YearUse> {
    bundle
        .referred
        .get(&row.id)
        .map(|years| {
            years
                .iter()
                .map(|(year, n)| {
                    let share = row.yearly_share.map(i64::from);
                    YearUse {
                        year: *year,
                        share: row.yearly_share,
                        referred: *n,
                        remaining: share.map(|s| (s - n).max(0)),
                        over_share: share.map_or(0, |s| (n - s).max(0)),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The partnership as `viewer` (the addressed municipality) may see it, or `None` when it is
/// no party. Host: everything. Accepted partner: every partner and share, its own use. Invited
/// or declined partner: its own invitation only.
pub(crate) fn partnership_view(b: &PartnershipBundle, viewer: i64) -> Option<PartnershipView> {
    let own = b
        .partners
        .iter()
        .find(|(p, _)| p.partner_municipality_id == viewer);
    let role = if b.partnership.municipality_id == viewer {
        PartyRole::Host
    } else if own.is_some() {
        PartyRole::Partner
    } else {
        return None;
    };
    let own_status = own.and_then(|(p, _)| PartnerStatus::parse(&p.status));
    let partners = b
        .partners
        .iter()
        .filter(|(p, _)| match role {
            PartyRole::Host => true,
            PartyRole::Partner => {
                own_status == Some(PartnerStatus::Accepted) || p.partner_municipality_id == viewer
            }
        })
        .map(|(p, m)| {
            let shows_use = role == PartyRole::Host
                || (p.partner_municipality_id == viewer
                    && own_status == Some(PartnerStatus::Accepted));
            PartnerView {
                municipality: m.into(),
                status: PartnerStatus::parse(&p.status).unwrap_or(PartnerStatus::Invited),
                yearly_share: p.yearly_share,
                invited_at: retning_kernel::Timestamp(p.invited_at),
                responded_at: p.responded_at.map(retning_kernel::Timestamp),
                use_: shows_use.then(|| year_use(p, b)),
            }
        })
        .collect();
    let a = &b.adoption;
    Some(PartnershipView {
        id: b.partnership.id,
        host: (&b.host).into(),
        adoption: SharedAdoption {
            id: a.id,
            programme: ProgrammeRef {
                id: a.programme_id,
                short_name: b.programme_short_name.clone(),
                name: b.programme_name.clone(),
            },
            status: AdoptionStatus::parse(&a.status).unwrap_or(AdoptionStatus::Planned),
            yearly_capacity: a.yearly_capacity,
            capacity_unit: a.capacity_unit.as_deref().and_then(CapacityUnit::parse),
        },
        period_start: b.partnership.period_start,
        period_end: b.partnership.period_end,
        allow_over_share: b.partnership.allow_over_share,
        notes: b.partnership.notes.clone(),
        role,
        partners,
        created_at: retning_kernel::Timestamp(b.partnership.created_at),
        updated_at: retning_kernel::Timestamp(b.partnership.updated_at),
    })
}
