//! The evidence module: the platform-wide catalogue of evidence programmes, which municipality
//! runs what (adoptions, with periodic figures), and partnerships in which a host municipality
//! runs a programme for partner municipalities with agreed yearly shares of its capacity.
//!
//! Problem codes of this module: `evidence.programme.short_name_taken`,
//! `evidence.adoption.exists`, `evidence.adoption.shared`, `evidence.figures.period_overlaps`,
//! `evidence.capacity_unknown`, `evidence.shares_exceed_capacity`,
//! `evidence.invitation.already_answered`, `evidence.partnership.not_accepted`,
//! `evidence.referral.outside_period`, `evidence.share_not_agreed`, `evidence.share_exceeded`.

pub mod codes;
mod dto;
mod indicators;
mod model;
mod ops;
mod period;
mod repo;
mod routes;
pub mod schema;
mod seed;

use std::sync::Arc;

use retning_kernel::auth::Permission;
use retning_kernel::indicators::ComputedIndicator;
use retning_kernel::module::SeedContext;
use retning_kernel::{DbConnection, Module};
use utoipa_actix_web::service_config::ServiceConfig;

pub const NAME: &str = "evidence";

pub mod perm {
    use super::Permission;
    pub const PROGRAMME_MANAGE: Permission = Permission::operator(
        "evidence.programme.manage",
        "add and change programmes of the platform-wide catalogue",
    );
    pub const ADOPTION_WRITE: Permission = Permission::write(
        "evidence.adoption.write",
        "add, change and remove the municipality's adoptions and their periodic figures",
    );
    pub const FIGURES_READ: Permission = Permission::read(
        "evidence.figures.read",
        "read the periodic figures of the municipality's adoptions, and of adoptions shared with it in an accepted partnership",
    );
    pub const PARTNERSHIP_READ: Permission = Permission::read(
        "evidence.partnership.read",
        "read the partnerships the municipality hosts or is invited to, and their referrals",
    );
    pub const PARTNERSHIP_MANAGE: Permission = Permission::write(
        "evidence.partnership.manage",
        "create partnerships on the municipality's adoptions, invite partners and set their shares",
    );
    pub const INVITATION_ANSWER: Permission = Permission::admin(
        "evidence.invitation.answer",
        "accept or decline the municipality's partnership invitations",
    );
    pub const REFERRAL_WRITE: Permission = Permission::write(
        "evidence.referral.write",
        "record and withdraw referrals against the municipality's partnership shares",
    );
}

pub struct EvidenceModule;

impl Module for EvidenceModule {
    fn name(&self) -> &'static str {
        NAME
    }
    fn dependencies(&self) -> &'static [&'static str] {
        // Adoptions and partnerships refer to the platform's municipalities.
        &["platform"]
    }
    fn permissions(&self) -> &'static [Permission] {
        &[
            perm::PROGRAMME_MANAGE,
            perm::ADOPTION_WRITE,
            perm::FIGURES_READ,
            perm::PARTNERSHIP_READ,
            perm::PARTNERSHIP_MANAGE,
            perm::INVITATION_ANSWER,
            perm::REFERRAL_WRITE,
        ]
    }
    fn problem_codes(&self) -> &'static [&'static str] {
        codes::ALL
    }
    fn configure(&self, cfg: &mut ServiceConfig) {
        routes::configure(cfg);
    }
    fn seed(&self, conn: &mut DbConnection, ctx: &SeedContext<'_>) -> Result<(), String> {
        seed::load(conn, ctx.files)
    }
    fn indicators(&self) -> Vec<Arc<dyn ComputedIndicator>> {
        indicators::all()
    }
}
