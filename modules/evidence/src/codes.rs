//! The evidence module's problem codes (see `retning_kernel::codes` for the kernel's).

pub const PROGRAMME_SHORT_NAME_TAKEN: &str = "evidence.programme.short_name_taken";
pub const ADOPTION_EXISTS: &str = "evidence.adoption.exists";
pub const ADOPTION_SHARED: &str = "evidence.adoption.shared";
pub const FIGURES_PERIOD_OVERLAPS: &str = "evidence.figures.period_overlaps";
pub const CAPACITY_UNKNOWN: &str = "evidence.capacity_unknown";
pub const SHARES_EXCEED_CAPACITY: &str = "evidence.shares_exceed_capacity";
pub const INVITATION_ALREADY_ANSWERED: &str = "evidence.invitation.already_answered";
pub const PARTNERSHIP_NOT_ACCEPTED: &str = "evidence.partnership.not_accepted";
pub const SHARE_NOT_AGREED: &str = "evidence.share_not_agreed";
pub const SHARE_EXCEEDED: &str = "evidence.share_exceeded";
pub const REFERRAL_OUTSIDE_PERIOD: &str = "evidence.referral.outside_period";

pub const ALL: &[&str] = &[
    PROGRAMME_SHORT_NAME_TAKEN,
    ADOPTION_EXISTS,
    ADOPTION_SHARED,
    FIGURES_PERIOD_OVERLAPS,
    CAPACITY_UNKNOWN,
    SHARES_EXCEED_CAPACITY,
    INVITATION_ALREADY_ANSWERED,
    PARTNERSHIP_NOT_ACCEPTED,
    SHARE_NOT_AGREED,
    SHARE_EXCEEDED,
    REFERRAL_OUTSIDE_PERIOD,
];
