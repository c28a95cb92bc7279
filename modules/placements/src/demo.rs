//! Deterministic synthetic measures for the four seeded municipalities (`retning seed --demo`),
//! shaped after the documents' figures: Vordingborg about 250 full-year placements in 2010 and
//! about 194 in 2014, falling towards the 2017 target of 170; Vejle about 290 in 2016 with 64 %
//! in foster families (network foster families not counted) and 10 % in the network; Randers and
//! Skanderborg plausible but invented. Every measure is marked `synthetic` and its child reference
//! starts `SYN-`; statistics say when synthetic data is among their figures. Running it again
//! replaces the synthetic measures with the same ones (nothing is duplicated; real measures are
//! never touched).

use chrono::{Datelike, Duration, Months, NaiveDate};
use retning_kernel::scope::Scope;
use retning_kernel::{tenancy, write_transaction, ApiError, DbConnection, Principal};

use crate::kinds;
use crate::model::{KindKey, MeasureCategory, MeasureLaw, MeasureProviderType, MeasureValues};
use crate::validate::Lookups;
use crate::{ops, repo};

/// A small deterministic generator (xorshift64*), so that the demo is the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi].
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.unit() * (hi - lo + 1) as f64) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<T: Copy>(&mut self, weighted: &[(T, f64)]) -> T {
        let total: f64 = weighted.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (item, w) in weighted {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        weighted[weighted.len() - 1].0
    }
}

/// How one municipality's synthetic data is shaped.
pub struct Profile {
    pub slug: &'static str,
    /// In child references: `SYN-VOR-000123`.
    pub code: &'static str,
    pub seed: u64,
    /// Full-year placements aimed at, per year (mid-year; interpolated between).
    pub placements: &'static [(i32, f64)],
    /// Of new placements: in network foster families, and in other foster families.
    pub network: f64,
    pub foster: f64,
    /// Support measures running, per placement running.
    pub support_ratio: f64,
    /// Share of new support measures linked to an evidence programme, by year (step function).
    pub support_evidence: &'static [(i32, f64)],
    /// Share of new placements of young people over 14 linked to an evidence programme.
    pub over_14_evidence: &'static [(i32, f64)],
    /// Names of the own foster-care unit and institutions, for providers.
    pub own_foster: &'static str,
    pub own_institution: Option<&'static str>,
    pub neighbour: &'static str,
}

pub const PROFILES: &[Profile] = &[
    Profile {
        slug: "vordingborg",
        code: "VOR",
        seed: 390,
        placements: &[
            (2006, 228.0),
            (2008, 238.0),
            (2009, 246.0),
            (2010, 250.0),
            (2011, 238.0),
            (2012, 221.0),
            (2013, 205.0),
            (2014, 194.0),
            (2015, 188.0),
            (2016, 181.0),
            (2017, 174.0),
            (2018, 171.0),
            (2019, 169.0),
        ],
        network: 0.08,
        foster: 0.52,
        support_ratio: 1.6,
        support_evidence: &[(2014, 0.012), (2015, 0.03), (2016, 0.05), (2017, 0.065)],
        over_14_evidence: &[(2015, 0.1), (2016, 0.2), (2017, 0.27)],
        own_foster: "Familieplejen Vordingborg",
        own_institution: None,
        neighbour: "naestved",
    },
    Profile {
        slug: "vejle",
        code: "VEJ",
        seed: 630,
        placements: &[
            (2006, 325.0),
            (2008, 332.0),
            (2010, 338.0),
            (2011, 336.0),
            (2012, 330.0),
            (2013, 322.0),
            (2014, 310.0),
            (2015, 299.0),
            (2016, 290.0),
            (2017, 285.0),
            (2018, 282.0),
            (2019, 280.0),
        ],
        // Faglig Omstilling 2.0's 64 % counts foster families without the network (see the
        // Vejle seed notes); 10 % are in the network.
        network: 0.10,
        foster: 0.64,
        support_ratio: 1.6,
        support_evidence: &[(2013, 0.02), (2016, 0.03)],
        over_14_evidence: &[(2016, 0.05)],
        own_foster: "Familieplejen",
        own_institution: Some("Fårupgaard"),
        neighbour: "randers",
    },
    Profile {
        slug: "randers",
        code: "RAN",
        seed: 730,
        placements: &[
            (2006, 322.0),
            (2010, 315.0),
            (2014, 300.0),
            (2016, 292.0),
            (2019, 281.0),
        ],
        network: 0.12,
        foster: 0.5,
        support_ratio: 1.6,
        support_evidence: &[(2014, 0.02)],
        over_14_evidence: &[(2016, 0.05)],
        own_foster: "Familieplejen Randers",
        own_institution: Some("Udføreområdet"),
        neighbour: "vejle",
    },
    Profile {
        slug: "skanderborg",
        code: "SKA",
        seed: 746,
        placements: &[
            (2006, 112.0),
            (2010, 110.0),
            (2014, 104.0),
            (2018, 100.0),
            (2019, 99.0),
        ],
        network: 0.08,
        foster: 0.55,
        support_ratio: 1.6,
        support_evidence: &[(2015, 0.01)],
        over_14_evidence: &[(2018, 0.05)],
        own_foster: "Familieplejen Skanderborg",
        own_institution: None,
        neighbour: "randers",
    },
];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
}

pub fn first_day() -> NaiveDate {
    d(2006, 1, 1)
}
pub fn last_day() -> NaiveDate {
    d(2019, 12, 31)
}

/// The value of a yearly curve (points at mid-year) on a date, linear between points.
fn curve(points: &[(i32, f64)], on: NaiveDate) -> f64 {
    let t = f64::from(on.year()) + f64::from(on.ordinal0()) / 365.25 - 0.5;
    let Some(first) = points.first() else {
        return 0.0;
    };
    if t <= f64::from(first.0) {
        return first.1;
    }
    for w in points.windows(2) {
        let ((y0, v0), (y1, v1)) = (w[0], w[1]);
        if t <= f64::from(y1) {
            return v0 + (v1 - v0) * (t - f64::from(y0)) / f64::from(y1 - y0);
        }
    }
    points.last().map_or(0.0, |p| p.1)
}

/// A step function by year: the value of the last point at or before the year.
fn by_year(points: &[(i32, f64)], year: i32) -> f64 {
    points
        .iter()
        .take_while(|(y, _)| *y <= year)
        .last()
        .map_or(0.0, |p| p.1)
}

fn days_in_month(first: NaiveDate) -> i64 {
    first
        .checked_add_months(Months::new(1))
        .map_or(30, |n| (n - first).num_days())
}

struct Generator<'a> {
    p: &'a Profile,
    lookups: &'a Lookups,
    rng: Rng,
    next_child: u32,
    /// Per start year and quota (0: support, 1: placements over 14): measures seen, linked.
    quotas: std::collections::HashMap<(i32, u8), (u32, u32)>,
    out: Vec<MeasureValues>,
}

impl Generator<'_> {
    fn programme(&self, short: &str) -> Option<i64> {
        self.lookups.programmes.get(short).map(|(id, _)| *id)
    }

    /// Whether the next measure of a quota is linked to a programme: the share of a year's
    /// measures is met as closely as whole measures allow (not left to chance).
    fn quota(&mut self, which: u8, year: i32, rate: f64) -> bool {
        let (seen, linked) = self.quotas.entry((year, which)).or_insert((0, 0));
        *seen += 1;
        let due = (rate * f64::from(*seen)).round() as u32;
        let link = *linked < due;
        if link {
            *linked += 1;
        }
        link
    }

    fn child(&mut self) -> String {
        self.next_child += 1;
        format!("SYN-{}-{:06}", self.p.code, self.next_child)
    }

    fn age(&mut self) -> i32 {
        let band = self.rng.pick(&[
            ((0, 5), 0.22),
            ((6, 11), 0.25),
            ((12, 14), 0.18),
            ((15, 17), 0.35),
        ]);
        self.rng.range(band.0, band.1) as i32
    }

    /// A placement type: the group (network, foster family, institution) lagging most behind
    /// its share of the placements running (`stock`), so that the shares of full-year placements
    /// follow the profile year by year; the type within the group at random.
    fn placement_kind(&mut self, start: NaiveDate, stock: [usize; 3]) -> KindKey {
        let shares = [
            self.p.network,
            self.p.foster,
            1.0 - self.p.network - self.p.foster,
        ];
        let total = (stock.iter().sum::<usize>() + 1) as f64;
        let group = (0..3)
            .max_by(|a, b| {
                let deficit = |g: usize| shares[g] * total - stock[g] as f64;
                deficit(*a).total_cmp(&deficit(*b)).then(b.cmp(a))
            })
            .unwrap_or(2);
        match group {
            0 => KindKey::Netvaerksplejefamilie,
            1 if start.year() < 2019 => self.rng.pick(&[
                (KindKey::AlmenPlejefamilie, 0.85),
                (KindKey::KommunalPlejefamilie, 0.15),
            ]),
            1 => self.rng.pick(&[
                (KindKey::AlmenPlejefamilie, 0.55),
                (KindKey::ForstaerketPlejefamilie, 0.25),
                (KindKey::SpecialiseretPlejefamilie, 0.1),
                (KindKey::KommunalPlejefamilie, 0.1),
            ]),
            _ => self.rng.pick(&[
                (KindKey::Opholdssted, 0.38),
                (
                    if start < kinds::barnets_lov_from() {
                        KindKey::Doegninstitution
                    } else {
                        KindKey::BoerneOgUngehjem
                    },
                    0.38,
                ),
                (KindKey::EgetVaerelse, 0.12),
                (KindKey::Efterskole, 0.07),
                (KindKey::SikretDoegninstitution, 0.03),
                (KindKey::Skibsprojekt, 0.02),
            ]),
        }
    }

    fn cost(&mut self, kind: KindKey) -> i64 {
        let (lo, hi) = match kind {
            KindKey::Netvaerksplejefamilie => (150_000, 250_000),
            KindKey::AlmenPlejefamilie => (300_000, 450_000),
            KindKey::KommunalPlejefamilie | KindKey::ForstaerketPlejefamilie => (380_000, 600_000),
            KindKey::SpecialiseretPlejefamilie => (600_000, 900_000),
            KindKey::Opholdssted => (550_000, 850_000),
            KindKey::Doegninstitution | KindKey::BoerneOgUngehjem => (700_000, 1_100_000),
            KindKey::SikretDoegninstitution => (2_500_000, 3_500_000),
            KindKey::EgetVaerelse => (200_000, 350_000),
            KindKey::Efterskole => (150_000, 250_000),
            KindKey::Skibsprojekt => (800_000, 1_200_000),
            _ => (20_000, 200_000),
        };
        // Whole thousands, as budgets are written.
        self.rng.range(lo / 1000, hi / 1000) * 1000
    }

    fn provider(
        &mut self,
        kind: KindKey,
    ) -> (Option<MeasureProviderType>, Option<String>, Option<i64>) {
        let own = |name: &str| (Some(MeasureProviderType::Own), Some(name.to_owned()), None);
        match kind {
            KindKey::Netvaerksplejefamilie
            | KindKey::AlmenPlejefamilie
            | KindKey::KommunalPlejefamilie
            | KindKey::ForstaerketPlejefamilie => own(self.p.own_foster),
            KindKey::Doegninstitution | KindKey::BoerneOgUngehjem => match self.p.own_institution {
                Some(name) if self.rng.chance(0.6) => own(name),
                _ => match self.lookups.municipalities.get(self.p.neighbour) {
                    Some(id) => (
                        Some(MeasureProviderType::Municipality),
                        Some("Døgninstitution (synthetic)".to_owned()),
                        Some(*id),
                    ),
                    None => (Some(MeasureProviderType::Private), None, None),
                },
            },
            KindKey::Opholdssted
            | KindKey::SpecialiseretPlejefamilie
            | KindKey::Skibsprojekt
            | KindKey::Efterskole
            | KindKey::SikretDoegninstitution
            | KindKey::EgetVaerelse => (Some(MeasureProviderType::Private), None, None),
            _ => own("Familieafdelingen"),
        }
    }

    /// Days a measure lasts, before any age limit.
    fn duration(&mut self, category: MeasureCategory) -> i64 {
        match category {
            MeasureCategory::Placement => {
                let band =
                    self.rng
                        .pick(&[((30, 180), 0.25), ((181, 900), 0.35), ((901, 3000), 0.40)]);
                self.rng.range(band.0, band.1)
            }
            MeasureCategory::Support => {
                let band =
                    self.rng
                        .pick(&[((30, 180), 0.35), ((181, 540), 0.45), ((541, 1100), 0.20)]);
                self.rng.range(band.0, band.1)
            }
        }
    }

    /// Creates a measure starting on `start`, given the placements running by group; returns
    /// the day after its last (`None`: still open) and its group (0-2; support measures 0).
    fn measure(
        &mut self,
        category: MeasureCategory,
        start: NaiveDate,
        stock: [usize; 3],
    ) -> Running {
        let age = self.age();
        let birth_year = start.year() - age;
        let mut end = start + Duration::days(self.duration(category) - 1);
        // A placement ends at the latest when the young person turns 18 (efterværn aside).
        let adult = d(birth_year + 18, 12, 31);
        if end > adult {
            end = adult.max(start);
        }
        let mut kind = match category {
            MeasureCategory::Placement => self.placement_kind(start, stock),
            MeasureCategory::Support => self.rng.pick(&[
                (KindKey::TidligIndsats, 0.08),
                (KindKey::Raadgivning, 0.16),
                (KindKey::Kontaktperson, 0.16),
                (KindKey::ForebyggendeIndsats, 0.10),
                (KindKey::PraktiskPaedagogiskStoette, 0.18),
                (KindKey::Familiebehandling, 0.20),
                (KindKey::Aflastning, 0.09),
                (KindKey::DoegnopholdFamilie, 0.03),
            ]),
        };
        let mut programme = None;
        match category {
            MeasureCategory::Placement
                if age >= 15
                    && self.quota(
                        1,
                        start.year(),
                        by_year(self.p.over_14_evidence, start.year()),
                    ) =>
            {
                kind = KindKey::AlmenPlejefamilie;
                programme = self.programme("tfco-a");
            }
            MeasureCategory::Support
                if self.quota(
                    0,
                    start.year(),
                    by_year(self.p.support_evidence, start.year()),
                ) =>
            {
                let short = match age {
                    ..=2 => "de-utrolige-aar",
                    3..=8 => self.rng.pick(&[("de-utrolige-aar", 0.5), ("pmto", 0.5)]),
                    9..=10 => "pmto",
                    _ => self.rng.pick(&[("mst", 0.5), ("fft", 0.5)]),
                };
                programme = self.programme(short);
                kind = KindKey::Familiebehandling;
            }
            _ => {}
        }
        let k = kinds::kind(kind);
        let standard_step = k.map_or(2, |k| k.standard_step);
        let legal = legal_basis(category, kind, start, self.rng.chance(0.85));
        let (provider_type, provider_name, provider_municipality_id) = self.provider(kind);
        let cost = self.cost(kind);
        let open = end > last_day();
        let child_ref = self.child();
        self.out.push(MeasureValues {
            child_ref,
            birth_year,
            category,
            kind,
            step_id: self.lookups.default_step(standard_step).map(|s| s.id),
            standard_step,
            legal_law: Some(legal.0),
            legal_paragraph: Some(legal.1.to_owned()),
            legal_stk: legal.2,
            legal_nr: legal.3,
            consent: legal.4,
            start_date: start,
            end_date: (!open).then_some(end),
            provider_type,
            provider_name,
            provider_municipality_id,
            yearly_cost_dkk: Some(cost),
            evidence_programme_id: programme,
            note: Some(
                "Syntetiske demodata (retning seed --demo), ikke et rigtigt barn".to_owned(),
            ),
            place_request_id: None,
        });
        let group = if category == MeasureCategory::Placement {
            usize::try_from(standard_step - 4).unwrap_or(2).min(2)
        } else {
            0
        };
        Running {
            after: (!open).then(|| end + Duration::days(1)),
            group,
        }
    }

    /// Keeps the number running near the curve: each month, starts as many measures as are
    /// missing on its 15th, on random days of the month.
    fn run(&mut self, category: MeasureCategory, target: impl Fn(NaiveDate) -> f64) {
        let mut running: Vec<Running> = Vec::new();
        let stock = |running: &[Running], on: NaiveDate| {
            let mut by_group = [0usize; 3];
            for r in running.iter().filter(|r| r.after.is_none_or(|a| a > on)) {
                by_group[r.group] += 1;
            }
            by_group
        };
        let mut month = first_day();
        // The stock already placed on the first day, started up to three years before.
        let initial = target(month).round() as usize;
        for _ in 0..initial {
            let start = month - Duration::days(self.rng.range(1, 3 * 365));
            let now = stock(&running, month);
            let r = self.measure(category, start, now);
            running.push(r);
        }
        while month <= last_day() {
            running.retain(|r| r.after.is_none_or(|a| a > month));
            let mid = month + Duration::days(14);
            let mut now = stock(&running, mid);
            let missing = (target(mid) - now.iter().sum::<usize>() as f64)
                .round()
                .max(0.0) as usize;
            let days = days_in_month(month);
            for _ in 0..missing {
                let start = month + Duration::days(self.rng.range(0, days - 1));
                let r = self.measure(category, start, now);
                now[r.group] += 1;
                running.push(r);
            }
            month = month
                .checked_add_months(Months::new(1))
                .unwrap_or(NaiveDate::MAX);
        }
    }
}

/// A generated measure as the simulation follows it.
struct Running {
    /// The day after its last day; `None` while open.
    after: Option<NaiveDate>,
    group: usize,
}

/// Law, paragraph, stk., nr., consent for a generated measure.
fn legal_basis(
    category: MeasureCategory,
    kind: KindKey,
    start: NaiveDate,
    consent: bool,
) -> (
    MeasureLaw,
    &'static str,
    Option<i32>,
    Option<i32>,
    Option<bool>,
) {
    let sel = start < kinds::barnets_lov_from();
    match (category, sel) {
        (MeasureCategory::Placement, true) if consent => {
            (MeasureLaw::Sel, "52", Some(3), Some(7), Some(true))
        }
        (MeasureCategory::Placement, true) => (MeasureLaw::Sel, "58", Some(1), None, Some(false)),
        (MeasureCategory::Placement, false) if consent => {
            (MeasureLaw::Bl, "46", Some(1), None, Some(true))
        }
        (MeasureCategory::Placement, false) => (MeasureLaw::Bl, "47", Some(1), None, Some(false)),
        (MeasureCategory::Support, true) => match kind {
            KindKey::TidligIndsats | KindKey::ForebyggendeIndsats => {
                (MeasureLaw::Sel, "11", Some(3), None, None)
            }
            KindKey::Raadgivning => (MeasureLaw::Sel, "52", Some(3), Some(1), None),
            KindKey::PraktiskPaedagogiskStoette => (MeasureLaw::Sel, "52", Some(3), Some(2), None),
            KindKey::Familiebehandling => (MeasureLaw::Sel, "52", Some(3), Some(3), None),
            KindKey::DoegnopholdFamilie => (MeasureLaw::Sel, "52", Some(3), Some(4), None),
            KindKey::Aflastning => (MeasureLaw::Sel, "52", Some(3), Some(5), None),
            KindKey::Kontaktperson => (MeasureLaw::Sel, "52", Some(3), Some(6), None),
            _ => (MeasureLaw::Sel, "52", Some(3), Some(9), None),
        },
        (MeasureCategory::Support, false) => (MeasureLaw::Bl, "32", Some(1), None, None),
    }
}

const CALIBRATION: f64 = 1.02;

/// The synthetic measures of one municipality (pure: the same profile and lookups give the same
/// measures).
pub fn synthesize(p: &Profile, lookups: &Lookups) -> Vec<MeasureValues> {
    let mut g = Generator {
        p,
        lookups,
        rng: Rng::new(p.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        next_child: 0,
        quotas: std::collections::HashMap::new(),
        out: Vec::new(),
    };
    // Topping up on each month's 15th leaves the month's average about 2 % below the aim.
    g.run(MeasureCategory::Placement, |on| {
        curve(p.placements, on) * CALIBRATION
    });
    g.run(MeasureCategory::Support, |on| {
        curve(p.placements, on) * p.support_ratio * CALIBRATION
    });
    g.out
}

/// Replaces the synthetic measures of the four municipalities (those that exist), in one
/// transaction; returns the number generated per municipality.
pub fn generate(conn: &mut DbConnection) -> Result<Vec<(String, usize)>, ApiError> {
    write_transaction(conn, |conn| {
        let mut summary = Vec::new();
        for p in PROFILES {
            let Some(municipality) = tenancy::find_by_slug(conn, p.slug)? else {
                continue;
            };
            let lookups = repo::lookups(conn, municipality.id)?;
            let values = synthesize(p, &lookups);
            let scope = Scope {
                municipality,
                who: Principal::system(),
            };
            let load = ops::replace_demo_measures(conn, &scope, values)?;
            summary.push((p.slug.to_owned(), load.generated));
        }
        Ok(summary)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Full-year placements of a year, and the foster-family and network shares, computed
    /// directly from generated values (the integration tests check the same through the API).
    fn year_figures(values: &[MeasureValues], year: i32) -> (f64, f64, f64) {
        let (from, to) = (d(year, 1, 1), d(year, 12, 31));
        let days = (to - from).num_days() as f64 + 1.0;
        let (mut all, mut foster, mut network) = (0.0, 0.0, 0.0);
        for v in values
            .iter()
            .filter(|v| v.category == MeasureCategory::Placement)
        {
            let end = v.end_date.unwrap_or(to).min(to);
            let start = v.start_date.max(from);
            if end < start {
                continue;
            }
            let n = (end - start).num_days() as f64 + 1.0;
            all += n;
            if matches!(v.standard_step, 4 | 5) {
                foster += n;
            }
            if v.standard_step == 4 {
                network += n;
            }
        }
        (all / days, foster / all * 100.0, network / all * 100.0)
    }

    #[test]
    fn deterministic() {
        let a = synthesize(&PROFILES[0], &Lookups::default());
        let b = synthesize(&PROFILES[0], &Lookups::default());
        assert_eq!(a, b);
        assert!(a.iter().all(|v| v.child_ref.starts_with("SYN-VOR-")));
    }

    #[test]
    fn documents_figures() {
        let vor = synthesize(&PROFILES[0], &Lookups::default());
        let fy = |y| year_figures(&vor, y).0;
        for (year, expected) in [(2010, 250.0), (2014, 194.0), (2017, 174.0)] {
            assert!(
                (fy(year) - expected).abs() <= expected * 0.03,
                "Vordingborg {year}: {}",
                fy(year)
            );
        }
        let vejle = synthesize(&PROFILES[1], &Lookups::default());
        let (fy, foster, network) = year_figures(&vejle, 2016);
        assert!((fy - 290.0).abs() <= 9.0, "Vejle 2016: {fy}");
        // 64 % in foster families without the network, as Faglig Omstilling 2.0 counts them.
        assert!(
            (foster - network - 64.0).abs() <= 3.0,
            "Vejle foster share without the network: {}",
            foster - network
        );
        assert!(
            (network - 10.0).abs() <= 2.0,
            "Vejle network share: {network}"
        );
        for v in vor.iter().chain(&vejle) {
            assert!(v.end_date.is_none_or(|e| e >= v.start_date));
            assert!((0..=23).contains(&(v.start_date.year() - v.birth_year)));
        }
    }
}
