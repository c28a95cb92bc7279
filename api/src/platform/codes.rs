//! The platform module's problem codes (see `retning_kernel::codes` for the kernel's).

pub const MUNICIPALITY_EXISTS: &str = "municipality.exists";
pub const USERNAME_TAKEN: &str = "platform.user.username_taken";
pub const OPERATOR_LIMITED: &str = "platform.user.operator_limited";
pub const MODULE_NOT_SWITCHABLE: &str = "platform.module.not_switchable";

pub const ALL: &[&str] = &[
    MUNICIPALITY_EXISTS,
    USERNAME_TAKEN,
    OPERATOR_LIMITED,
    MODULE_NOT_SWITCHABLE,
];
