//! The vocabulary: categories, kinds of measure, the six standard steps of the staircase, laws.

use chrono::NaiveDate;

use crate::model::{KindKey, MeasureCategory, MeasureLaw};

/// A kind of measure: a placement type, or a kind of support measure.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub key: KindKey,
    pub category: MeasureCategory,
    /// The standard step: for placements the only one allowed, for support measures the default.
    pub standard_step: i32,
    pub label: &'static str,
    /// Counts as family care (foster family, network foster family included).
    pub foster_family: bool,
    /// Counts as a placement in the network (netværksplejefamilie).
    pub network: bool,
}

const fn placement(key: KindKey, step: i32, label: &'static str) -> Kind {
    Kind {
        key,
        category: MeasureCategory::Placement,
        standard_step: step,
        label,
        foster_family: step == 4 || step == 5,
        network: step == 4,
    }
}

const fn support(key: KindKey, step: i32, label: &'static str) -> Kind {
    Kind {
        key,
        category: MeasureCategory::Support,
        standard_step: step,
        label,
        foster_family: false,
        network: false,
    }
}

/// Every kind, placements first, each group in the order of the staircase.
pub const KINDS: &[Kind] = &[
    placement(
        KindKey::Netvaerksplejefamilie,
        4,
        "Netværksplejefamilie (slægt og netværk)",
    ),
    placement(KindKey::AlmenPlejefamilie, 5, "Almen plejefamilie"),
    placement(
        KindKey::ForstaerketPlejefamilie,
        5,
        "Forstærket plejefamilie",
    ),
    placement(
        KindKey::SpecialiseretPlejefamilie,
        5,
        "Specialiseret plejefamilie",
    ),
    placement(KindKey::KommunalPlejefamilie, 5, "Kommunal plejefamilie"),
    placement(
        KindKey::EgetVaerelse,
        6,
        "Eget værelse, kollegium eller kollegielignende opholdssted",
    ),
    placement(KindKey::Opholdssted, 6, "Socialpædagogisk opholdssted"),
    placement(
        KindKey::Doegninstitution,
        6,
        "Døgninstitution (også delvis lukket)",
    ),
    placement(KindKey::SikretDoegninstitution, 6, "Sikret døgninstitution"),
    placement(
        KindKey::BoerneOgUngehjem,
        6,
        "Børne- og ungehjem (Barnets lov)",
    ),
    placement(
        KindKey::Efterskole,
        6,
        "Efterskole, fri kostskole eller fri fagskole",
    ),
    placement(KindKey::Skibsprojekt, 6, "Skibsprojekt"),
    support(KindKey::TidligIndsats, 1, "Tidlig indsats i almenområdet"),
    support(KindKey::Raadgivning, 2, "Rådgivning og konsulentbistand"),
    support(KindKey::Kontaktperson, 2, "Fast kontaktperson"),
    support(
        KindKey::ForebyggendeIndsats,
        2,
        "Anden forebyggende indsats",
    ),
    support(
        KindKey::PraktiskPaedagogiskStoette,
        3,
        "Praktisk, pædagogisk eller anden støtte i hjemmet",
    ),
    support(KindKey::Familiebehandling, 3, "Familiebehandling"),
    support(
        KindKey::DoegnopholdFamilie,
        3,
        "Døgnophold for hele familien",
    ),
    support(KindKey::Aflastning, 3, "Aflastning"),
    support(
        KindKey::AndenStoette,
        3,
        "Anden støtte i eller omkring hjemmet",
    ),
];

pub fn kind(key: KindKey) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.key == key)
}

pub fn kinds_of(category: MeasureCategory) -> impl Iterator<Item = &'static Kind> {
    KINDS.iter().filter(move |k| k.category == category)
}

/// The standard steps a category's measures may stand on.
pub fn steps_of(category: MeasureCategory) -> std::ops::RangeInclusive<i32> {
    match category {
        MeasureCategory::Support => 1..=3,
        MeasureCategory::Placement => 4..=6,
    }
}

/// The six steps of the indsatstrappe, named as the national staircase names them.
///
/// Source: Social- og Boligstyrelsen, "Indsatstrappen for udsatte børn og unge"
/// (<https://www.social.dk/tvaergaaende/analyse-og-vidensarbejde/redskaber-til-styring-og-udvikling/noegletalsredskaber-og-indsatstrapper/indsatstrappen-for-udsatte-boern-og-unge>):
/// "Trappen har 6 trin: Tidligere indsatser i almenområdet, Forebyggende indsatser,
/// Hjemmebaserede foranstaltninger, Anbringelse i slægt eller netværk, Anbringelse i plejefamilie
/// og Anbringelse på institution." Word for word, step 4 included ("slægt eller netværk").
pub const STANDARD_STEPS: [(i32, &str); 6] = [
    (1, "Tidligere indsatser i almenområdet"),
    (2, "Forebyggende indsatser"),
    (3, "Hjemmebaserede foranstaltninger"),
    (4, "Anbringelse i slægt eller netværk"),
    (5, "Anbringelse i plejefamilie"),
    (6, "Anbringelse på institution"),
];

pub fn standard_step_name(step: i32) -> &'static str {
    STANDARD_STEPS
        .iter()
        .find(|(s, _)| *s == step)
        .map_or("", |(_, n)| n)
}

pub use retning_kernel::legal::barnets_lov_from;

/// The law in force for a measure starting on `start`: `SEL` or `BL` (the kernel's rule).
pub fn law_in_force(start: NaiveDate) -> MeasureLaw {
    if retning_kernel::legal::barnets_lov_in_force(start) {
        MeasureLaw::Bl
    } else {
        MeasureLaw::Sel
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retning_kernel::text_enum::TextEnum;

    #[test]
    fn kinds_are_unique_and_placements_stand_on_placement_steps() {
        let mut keys: Vec<KindKey> = KINDS.iter().map(|k| k.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), KINDS.len());
        // Every stored kind has its entry.
        assert_eq!(keys.len(), KindKey::ALL.len());
        for k in KINDS {
            assert!(steps_of(k.category).contains(&k.standard_step), "{}", k.key);
        }
        let network: Vec<KindKey> = KINDS.iter().filter(|k| k.network).map(|k| k.key).collect();
        assert_eq!(network, vec![KindKey::Netvaerksplejefamilie]);
        assert_eq!(KINDS.iter().filter(|k| k.foster_family).count(), 5);
    }

    #[test]
    fn law_changes_on_1_january_2024() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(law_in_force(d(2023, 12, 31)), MeasureLaw::Sel);
        assert_eq!(law_in_force(d(2024, 1, 1)), MeasureLaw::Bl);
    }
}
