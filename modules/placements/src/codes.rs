//! The placements module's problem codes (see `retning_kernel::codes` for the kernel's).

pub const STEP_IN_USE: &str = "placements.staircase.step_in_use";

pub const ALL: &[&str] = &[STEP_IN_USE];
