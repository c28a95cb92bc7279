//! The vocabulary: categories, kinds of measure, the six standard steps of the staircase, laws.

use chrono::NaiveDate;

/// `placement` (anbringelse) or `support` (støttende/forebyggende indsats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Placement,
    Support,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Placement => "placement",
            Category::Support => "support",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "placement" => Some(Category::Placement),
            "support" => Some(Category::Support),
            _ => None,
        }
    }
}

/// A kind of measure: a placement type, or a kind of support measure.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub key: &'static str,
    pub category: Category,
    /// The standard step: for placements the only one allowed, for support measures the default.
    pub standard_step: i32,
    pub label: &'static str,
    /// Counts as family care (foster family, network foster family included).
    pub foster_family: bool,
    /// Counts as a placement in the network (netværksplejefamilie).
    pub network: bool,
}

const fn placement(key: &'static str, step: i32, label: &'static str) -> Kind {
    Kind {
        key,
        category: Category::Placement,
        standard_step: step,
        label,
        foster_family: step == 4 || step == 5,
        network: step == 4,
    }
}

const fn support(key: &'static str, step: i32, label: &'static str) -> Kind {
    Kind {
        key,
        category: Category::Support,
        standard_step: step,
        label,
        foster_family: false,
        network: false,
    }
}

/// Every kind, placements first, each group in the order of the staircase.
pub const KINDS: &[Kind] = &[
    placement(
        "netvaerksplejefamilie",
        4,
        "Netværksplejefamilie (slægt og netværk)",
    ),
    placement("almen_plejefamilie", 5, "Almen plejefamilie"),
    placement("forstaerket_plejefamilie", 5, "Forstærket plejefamilie"),
    placement(
        "specialiseret_plejefamilie",
        5,
        "Specialiseret plejefamilie",
    ),
    placement("kommunal_plejefamilie", 5, "Kommunal plejefamilie"),
    placement(
        "eget_vaerelse",
        6,
        "Eget værelse, kollegium eller kollegielignende opholdssted",
    ),
    placement("opholdssted", 6, "Socialpædagogisk opholdssted"),
    placement(
        "doegninstitution",
        6,
        "Døgninstitution (også delvis lukket)",
    ),
    placement("sikret_doegninstitution", 6, "Sikret døgninstitution"),
    placement("boerne_og_ungehjem", 6, "Børne- og ungehjem (Barnets lov)"),
    placement(
        "efterskole",
        6,
        "Efterskole, fri kostskole eller fri fagskole",
    ),
    placement("skibsprojekt", 6, "Skibsprojekt"),
    support("tidlig_indsats", 1, "Tidlig indsats i almenområdet"),
    support("raadgivning", 2, "Rådgivning og konsulentbistand"),
    support("kontaktperson", 2, "Fast kontaktperson"),
    support("forebyggende_indsats", 2, "Anden forebyggende indsats"),
    support(
        "praktisk_paedagogisk_stoette",
        3,
        "Praktisk, pædagogisk eller anden støtte i hjemmet",
    ),
    support("familiebehandling", 3, "Familiebehandling"),
    support("doegnophold_familie", 3, "Døgnophold for hele familien"),
    support("aflastning", 3, "Aflastning"),
    support("anden_stoette", 3, "Anden støtte i eller omkring hjemmet"),
];

pub fn kind(key: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.key == key)
}

pub fn kinds_of(category: Category) -> impl Iterator<Item = &'static Kind> {
    KINDS.iter().filter(move |k| k.category == category)
}

/// The standard steps a category's measures may stand on.
pub fn steps_of(category: Category) -> std::ops::RangeInclusive<i32> {
    match category {
        Category::Support => 1..=3,
        Category::Placement => 4..=6,
    }
}

/// The six steps of the indsatstrappe as Socialstyrelsen draws it.
pub const STANDARD_STEPS: [(i32, &str); 6] = [
    (1, "Tidlige indsatser i almenområdet"),
    (2, "Forebyggende indsatser"),
    (3, "Indsatser i hjemmet"),
    (4, "Anbringelse i slægt og netværk"),
    (5, "Anbringelse i plejefamilie"),
    (6, "Anbringelse på institution eller opholdssted"),
];

pub fn standard_step_name(step: i32) -> &'static str {
    STANDARD_STEPS
        .iter()
        .find(|(s, _)| *s == step)
        .map_or("", |(_, n)| n)
}

/// Since 1 January 2024 children's cases fall under Barnets lov, before under Serviceloven.
pub fn barnets_lov_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The law in force for a measure starting on `start`: `SEL` or `BL`.
pub fn law_in_force(start: NaiveDate) -> &'static str {
    if start < barnets_lov_from() {
        "SEL"
    } else {
        "BL"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_and_placements_stand_on_placement_steps() {
        let mut keys: Vec<&str> = KINDS.iter().map(|k| k.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), KINDS.len());
        for k in KINDS {
            assert!(steps_of(k.category).contains(&k.standard_step), "{}", k.key);
        }
        let network: Vec<&str> = KINDS.iter().filter(|k| k.network).map(|k| k.key).collect();
        assert_eq!(network, vec!["netvaerksplejefamilie"]);
        assert_eq!(KINDS.iter().filter(|k| k.foster_family).count(), 5);
    }

    #[test]
    fn law_changes_on_1_january_2024() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(law_in_force(d(2023, 12, 31)), "SEL");
        assert_eq!(law_in_force(d(2024, 1, 1)), "BL");
    }
}
