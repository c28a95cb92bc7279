//! The goals module's problem codes (see `retning_kernel::codes` for the kernel's).

pub const TARGET_DEADLINE_BEFORE_BASELINE: &str = "goals.target.deadline_before_baseline";
pub const TARGET_COMPUTED: &str = "goals.target.computed";
pub const STRATEGY_ARCHIVED: &str = "goals.strategy.archived";
pub const NODE_NOT_EMPTY: &str = "goals.node.not_empty";
pub const THEME_EXISTS: &str = "goals.theme.exists";
pub const UNIT_EXISTS: &str = "goals.unit.exists";
pub const LINEAGE_CYCLE: &str = "goals.strategy.lineage_cycle";
pub const OBJECTIVE_SERVED: &str = "goals.objective.served";
/// A node and one of its ancestors both have a budget figure for the same year.
pub const BUDGET_NESTED: &str = "goals.budget.nested";

pub const ALL: &[&str] = &[
    TARGET_DEADLINE_BEFORE_BASELINE,
    TARGET_COMPUTED,
    STRATEGY_ARCHIVED,
    NODE_NOT_EMPTY,
    THEME_EXISTS,
    UNIT_EXISTS,
    LINEAGE_CYCLE,
    OBJECTIVE_SERVED,
    BUDGET_NESTED,
];
