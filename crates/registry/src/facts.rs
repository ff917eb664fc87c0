//! Case facts beyond DNA, the posterior, and the DVI category.
//!
//! For a found child and a missing-child case the facts are compared:
//! - sex: different known sexes exclude; an unknown sex does not;
//! - age: the missing child's age on the found date (from its birth date
//!   range) must overlap the found child's estimated age range, widened by a
//!   tolerance (`AGE_TOLERANCE_DAYS`);
//! - time: a child cannot be found before it went missing (nor before birth);
//! - place: the distance between where the child was last seen and where it
//!   was found (great-circle), shown, never excluding (children are moved far).
//!
//! The posterior that the child is the missing child of case `j`:
//! hypotheses are "belongs to case j" for every open case whose facts are
//! compatible, and "belongs to no registered family". The prior gives
//! `PRIOR_UNREGISTERED` to the last and spreads the rest evenly over the
//! compatible cases. With `LR_k` the DNA likelihood ratio of case `k` (against
//! an unrelated child), Bayes gives
//! `P(j | DNA) = pi_j LR_j / (pi_0 + sum_k pi_k LR_k)`.
//! Cases whose facts exclude the child get prior 0.
//!
//! Categories, as DVI practice names them: undisputed (LR >= 10^4 and at
//! least 10^4 times every competing case), probable (LR >= 10^3),
//! inconclusive, excluded (facts exclude, or LR < 1).

use formats::registry_csv::Date;
use kinship::Sex;
use serde::Serialize;

/// Days of slack on each side of an estimated age range.
pub const AGE_TOLERANCE_DAYS: i64 = 90;
/// Prior probability that a found child's family is not registered.
pub const PRIOR_UNREGISTERED: f64 = 0.5;

/// Thresholds of the categories.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CategoryThresholds {
    pub undisputed_lr: f64,
    pub undisputed_margin: f64,
    pub probable_lr: f64,
    pub excluded_below_lr: f64,
}

impl Default for CategoryThresholds {
    fn default() -> CategoryThresholds {
        CategoryThresholds {
            undisputed_lr: 1e4,
            undisputed_margin: 1e4,
            probable_lr: 1e3,
            excluded_below_lr: 1.0,
        }
    }
}

/// The facts of a missing child.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CaseFacts {
    pub sex: Option<String>,
    pub birth_from: Option<String>,
    pub birth_to: Option<String>,
    pub missing_date: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The facts of a found child.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FoundFacts {
    pub sex: Option<String>,
    pub age_min_days: Option<i64>,
    pub age_max_days: Option<i64>,
    pub found_date: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// One fact compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub fact: &'static str,
    /// "compatible", "excludes" or "unknown".
    pub verdict: &'static str,
    pub detail: String,
}

/// All facts compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub checks: Vec<Check>,
    pub distance_km: Option<f64>,
}

impl Comparison {
    /// No fact excludes the pair.
    pub fn compatible(&self) -> bool {
        self.checks.iter().all(|c| c.verdict != "excludes")
    }
}

fn parse(d: &Option<String>) -> Option<Date> {
    d.as_deref().and_then(|s| s.parse().ok())
}

fn sex_of(s: &Option<String>) -> Sex {
    s.as_deref().map_or(Sex::Unknown, Sex::named)
}

/// Great-circle distance in km.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let r = 6371.0088;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * a.sqrt().min(1.0).asin()
}

/// Compares the facts of a case and a found child.
pub fn compare(case: &CaseFacts, found: &FoundFacts) -> Comparison {
    let mut checks = Vec::new();
    let (cs, fs) = (sex_of(&case.sex), sex_of(&found.sex));
    checks.push(match (cs, fs) {
        (Sex::Unknown, _) | (_, Sex::Unknown) => Check {
            fact: "sex",
            verdict: "unknown",
            detail: "a sex is not known".into(),
        },
        (a, b) if a == b => Check {
            fact: "sex",
            verdict: "compatible",
            detail: format!("both {}", a.name()),
        },
        (a, b) => Check {
            fact: "sex",
            verdict: "excludes",
            detail: format!("missing child {}, found child {}", a.name(), b.name()),
        },
    });
    let found_date = parse(&found.found_date);
    let birth = (parse(&case.birth_from), parse(&case.birth_to));
    checks.push(match (found_date, birth, found.age_min_days, found.age_max_days) {
        (Some(fd), (Some(b1), b2), Some(lo), Some(hi)) => {
            let b2 = b2.unwrap_or(b1);
            // Age on the found date: from (fd - b2) to (fd - b1) days.
            let (young, old) = (fd.days_since(b2), fd.days_since(b1));
            let overlap = young <= hi + AGE_TOLERANCE_DAYS && old >= lo - AGE_TOLERANCE_DAYS;
            let detail = format!(
                "missing child would be {young}-{old} days old when found; estimated {lo}-{hi} days (tolerance {AGE_TOLERANCE_DAYS})"
            );
            Check { fact: "age", verdict: if overlap { "compatible" } else { "excludes" }, detail }
        }
        _ => Check { fact: "age", verdict: "unknown", detail: "birth date, found date or age estimate missing".into() },
    });
    let missing = parse(&case.missing_date);
    checks.push(match (missing, found_date) {
        (Some(m), Some(f)) if f < m => Check {
            fact: "time",
            verdict: "excludes",
            detail: format!("found on {f}, before going missing on {m}"),
        },
        (Some(m), Some(f)) => Check {
            fact: "time",
            verdict: "compatible",
            detail: format!("found {} days after going missing", f.days_since(m)),
        },
        _ => Check {
            fact: "time",
            verdict: "unknown",
            detail: "a date is missing".into(),
        },
    });
    let distance = match (case.lat, case.lon, found.lat, found.lon) {
        (Some(a), Some(b), Some(c), Some(d)) => Some(distance_km(a, b, c, d)),
        _ => None,
    };
    checks.push(Check {
        fact: "place",
        verdict: if distance.is_some() {
            "compatible"
        } else {
            "unknown"
        },
        detail: match distance {
            Some(d) => format!("{d:.0} km between last seen and found"),
            None => "a place is missing".into(),
        },
    });
    Comparison {
        checks,
        distance_km: distance,
    }
}

/// What decides whether a case allows a found child (sex, birth and missing
/// dates as days since 1970-01-01, and whether the case is still open), held
/// in memory beside the search index for every indexed case so that the
/// posterior over a million cases reads no row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaseDays {
    sex: Sex,
    /// First and last possible birth day (the first when the last is unknown).
    birth: Option<(i32, i32)>,
    missing: Option<i32>,
    /// Not reunited and not closed: only open cases take part in the posterior.
    pub open: bool,
}

/// The [`CaseDays`] of every indexed case by row id, in a vector indexed
/// by the id. The posterior counts the compatible cases among a million
/// ([`search::Index::count_cases_sharing`]), visiting them in the order the
/// index holds them, mostly the order of their ids: a vector is then read
/// at memory speed, where a hash map waited on a cache miss for each case
/// (most of a candidate page's time at a million families). Row ids are
/// dense from 1 in both databases; an id far beyond the others (a
/// sequence that skipped ahead) is kept in a map instead, so memory stays
/// proportional to the cases.
#[derive(Debug, Clone, Default)]
pub struct DaysById {
    dense: Vec<Option<CaseDays>>,
    sparse: rustc_hash::FxHashMap<i64, CaseDays>,
    len: usize,
}

/// Ids below this are always kept in the vector (16 MiB of slots at most).
const DENSE_ALWAYS: usize = 1 << 20;

impl DaysById {
    pub fn get(&self, id: i64) -> Option<&CaseDays> {
        match usize::try_from(id) {
            Ok(i) if i < self.dense.len() => self.dense[i].as_ref(),
            _ => self.sparse.get(&id),
        }
    }

    pub fn contains(&self, id: i64) -> bool {
        self.get(id).is_some()
    }

    /// How many cases.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn insert(&mut self, id: i64, days: CaseDays) {
        let slot = match usize::try_from(id) {
            Ok(i) if i < self.dense.len() => &mut self.dense[i],
            Ok(i) if i < DENSE_ALWAYS.max(4 * (self.len + 1)) => {
                self.dense.resize(i + 1, None);
                // Ids kept in the map that the vector now reaches move in.
                let reached: Vec<i64> = self
                    .sparse
                    .keys()
                    .copied()
                    .filter(|&k| k >= 0 && (k as usize) <= i)
                    .collect();
                for k in reached {
                    self.dense[k as usize] = self.sparse.remove(&k);
                }
                &mut self.dense[i]
            }
            _ => {
                if self.sparse.insert(id, days).is_none() {
                    self.len += 1;
                }
                return;
            }
        };
        if slot.replace(days).is_none() {
            self.len += 1;
        }
    }

    pub fn remove(&mut self, id: i64) {
        let was = match usize::try_from(id) {
            Ok(i) if i < self.dense.len() => self.dense[i].take(),
            _ => self.sparse.remove(&id),
        };
        if was.is_some() {
            self.len -= 1;
        }
    }

    /// Every case's days, by id: the vector's in order, then the map's.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &CaseDays)> {
        self.dense
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((i as i64, d.as_ref()?)))
            .chain(self.sparse.iter().map(|(&id, d)| (id, d)))
    }
}

impl FromIterator<(i64, CaseDays)> for DaysById {
    /// In the order of the ids, so that the vector grows as far as the
    /// dense ids reach and no further.
    fn from_iter<I: IntoIterator<Item = (i64, CaseDays)>>(iter: I) -> DaysById {
        let mut all: Vec<(i64, CaseDays)> = iter.into_iter().collect();
        all.sort_unstable_by_key(|&(id, _)| id);
        let mut days = DaysById::default();
        for (id, d) in all {
            days.insert(id, d);
        }
        days
    }
}

/// The same cases with the same days, wherever each is kept.
impl PartialEq for DaysById {
    fn eq(&self, other: &DaysById) -> bool {
        self.len == other.len && self.iter().all(|(id, d)| other.get(id) == Some(d))
    }
}

/// A found child's facts as days, to compare with [`CaseDays`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoundDays {
    sex: Sex,
    found: Option<i64>,
    /// Estimated age range in days.
    age: Option<(i64, i64)>,
}

fn day(d: &Option<String>) -> Option<i64> {
    parse(d).map(Date::unix_days)
}

impl CaseDays {
    /// `status` is the case's status (`reunited` and `closed` are not open).
    pub fn of(case: &CaseFacts, status: &str) -> CaseDays {
        let narrow = |d: i64| d.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let birth = day(&case.birth_from).map(|b1| {
            let b2 = day(&case.birth_to).unwrap_or(b1);
            (narrow(b1), narrow(b2))
        });
        CaseDays {
            sex: sex_of(&case.sex),
            birth,
            missing: day(&case.missing_date).map(narrow),
            open: status != "reunited" && status != "closed",
        }
    }
}

/// [`CaseDays`] as plain values, for the persisted index snapshot:
/// (sex: 0 male, 1 female, 2 unknown; birth range; missing day; open).
pub(crate) type PackedDays = (u8, Option<(i32, i32)>, Option<i32>, bool);

impl CaseDays {
    pub(crate) fn pack(&self) -> PackedDays {
        let sex = match self.sex {
            Sex::Male => 0,
            Sex::Female => 1,
            Sex::Unknown => 2,
        };
        (sex, self.birth, self.missing, self.open)
    }

    pub(crate) fn unpack((sex, birth, missing, open): PackedDays) -> CaseDays {
        let sex = match sex {
            0 => Sex::Male,
            1 => Sex::Female,
            _ => Sex::Unknown,
        };
        CaseDays {
            sex,
            birth,
            missing,
            open,
        }
    }
}

impl FoundDays {
    pub fn of(found: &FoundFacts) -> FoundDays {
        FoundDays {
            sex: sex_of(&found.sex),
            found: day(&found.found_date),
            age: found.age_min_days.zip(found.age_max_days),
        }
    }
}

/// No fact excludes the pair: the rules of [`compare`], on days.
pub fn allows(case: &CaseDays, found: &FoundDays) -> bool {
    if case.sex != Sex::Unknown && found.sex != Sex::Unknown && case.sex != found.sex {
        return false;
    }
    if let (Some(fd), Some((b1, b2)), Some((lo, hi))) = (found.found, case.birth, found.age) {
        let (young, old) = (fd - i64::from(b2), fd - i64::from(b1));
        if young > hi + AGE_TOLERANCE_DAYS || old < lo - AGE_TOLERANCE_DAYS {
            return false;
        }
    }
    !matches!((case.missing, found.found), (Some(m), Some(f)) if f < i64::from(m))
}

/// Below this LR a case's term is left out of the posterior's denominator
/// when the index is larger than `Settings::posterior_exact_cases`. With the
/// prior of [`PRIOR_UNREGISTERED`] = 1/2 and `n` compatible cases, the
/// denominator holds `1/2 + (1/2)(1/n) sum LR_k >= 1/2`; the terms left out
/// add less than `(1/2)(1/n) n POSTERIOR_FLOOR_LR`, so the posterior shown is
/// at most `POSTERIOR_FLOOR_LR / (1 - POSTERIOR_FLOOR_LR)` (0.1%) above
/// the exact one, and never below it. The cases above the floor come from the
/// search's bounds (cases whose bound lies below are never scored); `n`
/// comes from the marker masks and the facts held in memory. A child's
/// search and count are kept for its next page while the index stays at the
/// same entry of the change sequence (`page_data::PosteriorCache`): every
/// change of a profile, a case or a case's status is such an entry.
pub const POSTERIOR_FLOOR_LR: f64 = 1e-3;

/// The floor of one candidate's posterior, as a log10 LR: the terms below
/// it add at most `POSTERIOR_FLOOR_LR` of the denominator kept, because the
/// candidate's own term is in that denominator. With the prior `p` of
/// [`PRIOR_UNREGISTERED`], `n <= cases` compatible cases and the
/// candidate's LR `LR_t`, the kept denominator holds at least
/// `p + (1-p)(1/n) LR_t`, and the terms left out add less than
/// `(1-p) floor`; a floor of
/// `POSTERIOR_FLOOR_LR (p + (1-p) LR_t / cases) / p` keeps their share of
/// the kept denominator within `POSTERIOR_FLOOR_LR`. A candidate whose LR
/// is far above the cases' count so needs only the few cases near it scored
/// (the search's bounds leave the rest), while a weak one has the floor of
/// `POSTERIOR_FLOOR_LR`.
pub fn posterior_floor_log10(target_log10: f64, cases: usize) -> f64 {
    let p = PRIOR_UNREGISTERED;
    // log10 of (1-p) LR_t / (p cases), then log10(1 + 10^x) without overflow.
    let x = target_log10 + ((1.0 - p) / p / cases.max(1) as f64).log10();
    let lift = if x > 0.0 {
        x + (1.0 + 10f64.powf(-x)).log10()
    } else {
        (1.0 + 10f64.powf(x)).log10()
    };
    POSTERIOR_FLOOR_LR.log10() + lift
}

/// The posterior of one case: `target_log10` its log10 LR, `terms` the log10
/// LRs of the compatible open cases counted in the denominator (the target's
/// among them), `n` the number of compatible open cases over which the prior
/// is spread (at least `terms.len()`). In log space, so that large LRs do not
/// overflow.
pub fn posterior(target_log10: f64, terms: &[f64], n: usize) -> f64 {
    let ln10 = std::f64::consts::LN_10;
    let prior_each = ((1.0 - PRIOR_UNREGISTERED) / n.max(1) as f64).ln();
    let unregistered = PRIOR_UNREGISTERED.ln();
    let logs = terms.iter().map(|l| prior_each + l * ln10);
    let max = logs.clone().fold(unregistered, f64::max);
    let total: f64 = (unregistered - max).exp() + logs.map(|l| (l - max).exp()).sum::<f64>();
    (prior_each + target_log10 * ln10 - max).exp() / total
}

/// Posterior probabilities over the compatible cases, from their log10 LRs
/// (computed in log space so that large LRs do not overflow).
pub fn posteriors(compatible_log10_lrs: &[f64]) -> Vec<f64> {
    let n = compatible_log10_lrs.len();
    if n == 0 {
        return Vec::new();
    }
    let ln10 = std::f64::consts::LN_10;
    let prior_each = (1.0 - PRIOR_UNREGISTERED) / n as f64;
    let logs: Vec<f64> = compatible_log10_lrs
        .iter()
        .map(|l| prior_each.ln() + l * ln10)
        .collect();
    let unregistered = PRIOR_UNREGISTERED.ln();
    let max = logs.iter().copied().fold(unregistered, f64::max);
    let total: f64 = (unregistered - max).exp() + logs.iter().map(|l| (l - max).exp()).sum::<f64>();
    logs.iter().map(|l| (l - max).exp() / total).collect()
}

/// A candidate's category, as DVI practice names them (see the module
/// notes). JSON and the API carry its [`name`](Category::name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Undisputed,
    Probable,
    Inconclusive,
    Excluded,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Undisputed,
        Category::Probable,
        Category::Inconclusive,
        Category::Excluded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Undisputed => "undisputed",
            Category::Probable => "probable",
            Category::Inconclusive => "inconclusive",
            Category::Excluded => "excluded",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == s)
    }

    /// The category of a candidate: its log10 LR, the best log10 LR of the
    /// other cases compared with the same child, and whether the facts are
    /// compatible.
    pub fn of(
        log10_lr: f64,
        best_other_log10: Option<f64>,
        compatible: bool,
        t: &CategoryThresholds,
    ) -> Category {
        if !compatible || log10_lr < t.excluded_below_lr.log10() {
            return Category::Excluded;
        }
        let margin_ok =
            best_other_log10.is_none_or(|o| log10_lr - o >= t.undisputed_margin.log10());
        if log10_lr >= t.undisputed_lr.log10() && margin_ok {
            Category::Undisputed
        } else if log10_lr >= t.probable_lr.log10() {
            Category::Probable
        } else {
            Category::Inconclusive
        }
    }
}

/// The category every page and list shows for a candidate, computed here
/// only: its log10 LR, the best log10 LR of the other candidates stored for
/// the same found child (the margin of "undisputed"), and the facts of the
/// case and of the child ([`allows`], which decides as [`compare`]). It
/// reads no genotype and scores nothing, so a list computes it per row from
/// the candidates' and the facts' columns.
pub fn candidate_category(
    log10_lr: f64,
    best_other_log10: Option<f64>,
    case: &CaseFacts,
    found: &FoundFacts,
) -> Category {
    let compatible = allows(&CaseDays::of(case, "open"), &FoundDays::of(found));
    Category::of(
        log10_lr,
        best_other_log10,
        compatible,
        &CategoryThresholds::default(),
    )
}

impl PartialEq<&str> for Category {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of days by id answers as a map would, whether an id is in
    /// its vector or, far beyond the others, in its map, and after the
    /// vector grows past ids kept in the map.
    #[test]
    fn days_by_id_is_a_map() {
        let d = |n: i32| CaseDays {
            sex: Sex::Female,
            birth: Some((n, n + 30)),
            missing: None,
            open: true,
        };
        let mut t = DaysById::default();
        let far = 10 * DENSE_ALWAYS as i64;
        t.insert(3, d(3));
        t.insert(far, d(9));
        t.insert(-5, d(5));
        t.insert(3, d(4));
        assert_eq!(t.len(), 3);
        assert_eq!(t.get(3), Some(&d(4)));
        assert_eq!(t.get(far), Some(&d(9)));
        assert_eq!(t.get(-5), Some(&d(5)));
        assert_eq!(t.get(4), None);
        assert!(t.dense.len() < DENSE_ALWAYS, "the far id is not a slot");
        // A million and more cases: the vector reaches the far id, which
        // moves into it and is still found.
        for id in 1..=(3 * DENSE_ALWAYS as i64) {
            if id != 3 {
                t.insert(id, d(id as i32));
            }
        }
        t.insert(far + 1, d(1));
        assert!(t.dense.len() > far as usize);
        assert_eq!(t.get(far), Some(&d(9)));
        assert_eq!(t.len(), 3 * DENSE_ALWAYS + 3);
        t.remove(far + 1);
        t.remove(far);
        t.remove(far);
        t.remove(-5);
        t.remove(7);
        assert_eq!((t.get(far), t.get(-5), t.get(7)), (None, None, None));
        assert_eq!(t.len(), 3 * DENSE_ALWAYS - 1);
        // The same content built another way is equal; one day more is not.
        let again: DaysById = t.iter().map(|(id, d)| (id, *d)).collect();
        assert_eq!(again, t);
        let mut more = again.clone();
        more.insert(7, d(7));
        assert_ne!(more, t);
        more.remove(7);
        more.insert(8, d(1));
        assert_ne!(more, t);
    }

    fn case() -> CaseFacts {
        CaseFacts {
            sex: Some("male".into()),
            birth_from: Some("2024-01-01".into()),
            birth_to: Some("2024-01-31".into()),
            missing_date: Some("2024-06-01".into()),
            lat: Some(10.0),
            lon: Some(20.0),
        }
    }

    fn found() -> FoundFacts {
        FoundFacts {
            sex: Some("male".into()),
            age_min_days: Some(500),
            age_max_days: Some(700),
            found_date: Some("2025-07-01".into()),
            lat: Some(11.0),
            lon: Some(20.0),
        }
    }

    #[test]
    fn compatible_facts() {
        let c = compare(&case(), &found());
        assert!(c.compatible(), "{c:?}");
        assert!((c.distance_km.unwrap() - 111.2).abs() < 0.5);
    }

    #[test]
    fn each_fact_can_exclude() {
        let mut f = found();
        f.sex = Some("female".into());
        assert!(!compare(&case(), &f).compatible());
        let mut f = found();
        f.age_min_days = Some(1400);
        f.age_max_days = Some(1500);
        assert!(!compare(&case(), &f).compatible());
        let mut f = found();
        f.found_date = Some("2024-05-01".into());
        assert!(!compare(&case(), &f).compatible());
        let mut f = found();
        f.sex = None;
        assert!(
            compare(&case(), &f).compatible(),
            "an unknown sex does not exclude"
        );
    }

    /// `allows` on days decides as `compare` on the stored facts, over
    /// every combination of known and unknown facts around each boundary.
    #[test]
    fn allows_agrees_with_compare() {
        let sexes = [None, Some("male"), Some("female"), Some("unknown")];
        let dates = [
            None,
            Some("2024-01-01"),
            Some("2024-02-29"),
            Some("2025-07-01"),
            Some("not a date"),
        ];
        let ages = [None, Some((0, 30)), Some((500, 700)), Some((430, 431))];
        let mut checked = 0;
        let mut excluded = 0;
        for cs in sexes {
            for fs in sexes {
                for b1 in dates {
                    for b2 in dates {
                        for m in dates {
                            for fd in dates {
                                for age in ages {
                                    let c = CaseFacts {
                                        sex: cs.map(String::from),
                                        birth_from: b1.map(String::from),
                                        birth_to: b2.map(String::from),
                                        missing_date: m.map(String::from),
                                        ..CaseFacts::default()
                                    };
                                    let f = FoundFacts {
                                        sex: fs.map(String::from),
                                        age_min_days: age.map(|a| a.0),
                                        age_max_days: age.map(|a| a.1),
                                        found_date: fd.map(String::from),
                                        ..FoundFacts::default()
                                    };
                                    let want = compare(&c, &f).compatible();
                                    let got = allows(&CaseDays::of(&c, "open"), &FoundDays::of(&f));
                                    assert_eq!(got, want, "{c:?} {f:?}");
                                    checked += 1;
                                    excluded += usize::from(!want);
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(excluded > checked / 10, "{excluded} of {checked} excluded");
        // The age boundary, to the day: 90 days of tolerance each side.
        let c = case();
        let mut f = found();
        // On 2025-07-01 the child born 2024-01-01..31 is 517 to 547 days old.
        for (lo, hi, ok) in [
            (637, 700, true),
            (638, 700, false),
            (0, 427, true),
            (0, 426, false),
        ] {
            f.age_min_days = Some(lo);
            f.age_max_days = Some(hi);
            assert_eq!(compare(&c, &f).compatible(), ok, "{lo}-{hi}");
            assert_eq!(
                allows(&CaseDays::of(&c, "open"), &FoundDays::of(&f)),
                ok,
                "{lo}-{hi}"
            );
        }
        assert!(!CaseDays::of(&c, "reunited").open);
        assert!(!CaseDays::of(&c, "closed").open);
        assert!(CaseDays::of(&c, "candidate_found").open);
    }

    /// The posterior of one case with `n` given equals the one of
    /// `posteriors` over the same cases, and leaving out terms below the
    /// floor moves it up by less than the floor.
    #[test]
    fn posterior_with_terms_left_out() {
        let all = [6.0, 1.0, 0.0, -4.0, -3.5, -9.0];
        let exact = posteriors(&all);
        for (i, l) in all.iter().enumerate() {
            let p = posterior(*l, &all, all.len());
            assert!(
                (p - exact[i]).abs() <= 1e-15 * exact[i].max(1e-300),
                "{p} {}",
                exact[i]
            );
        }
        let kept: Vec<f64> = all
            .iter()
            .copied()
            .filter(|l| *l >= POSTERIOR_FLOOR_LR.log10())
            .collect();
        assert_eq!(kept.len(), 3);
        for (i, l) in all.iter().enumerate() {
            let p = posterior(*l, &kept, all.len());
            let rel = (p - exact[i]) / exact[i];
            assert!(rel >= 0.0, "never below the exact one: {rel}");
            assert!(
                rel <= POSTERIOR_FLOOR_LR / (1.0 - POSTERIOR_FLOOR_LR),
                "{rel}"
            );
        }
    }

    /// A candidate's own floor leaves out more terms the stronger it is, and
    /// the posterior stays within `POSTERIOR_FLOOR_LR` above the exact one
    /// (hand-computed: LR 1e6 among 1,000 cases, floor 1e-3 (1 + 1e3) = 1.001).
    #[test]
    fn a_candidates_own_floor_keeps_the_posterior_within_the_bound() {
        let lifted = posterior_floor_log10(6.0, 1000);
        assert!((lifted - 1.001f64.log10()).abs() < 1e-12, "{lifted}");
        assert_eq!(posterior_floor_log10(f64::NEG_INFINITY, 1000), -3.0);
        assert!((posterior_floor_log10(-1.0, 1000) - (-3.0 + 1.0001f64.log10())).abs() < 1e-12);
        assert!(posterior_floor_log10(400.0, 1_000_000).is_finite());
        // 1,000 cases: the candidate, and 999 others each just below its floor
        // (the worst case the bound allows), or at LR 10.
        for (target, other) in [(6.0, 1.0004f64.log10()), (2.0, 1.0), (9.0, 5.9)] {
            let mut all = vec![target];
            all.extend(std::iter::repeat_n(other, 999));
            let exact = posterior(target, &all, all.len());
            let floor = posterior_floor_log10(target, all.len());
            let kept: Vec<f64> = all.iter().copied().filter(|l| *l >= floor).collect();
            let p = posterior(target, &kept, all.len());
            let rel = (p - exact) / exact;
            assert!(
                (0.0..=POSTERIOR_FLOOR_LR).contains(&rel),
                "{target} {other}: {rel}"
            );
        }
        // Below a strong candidate's floor: 999 cases at LR 1.0004 are left
        // out, and they move the posterior by 1e-3 at most.
        assert!(1.0004f64.log10() < posterior_floor_log10(6.0, 1000));
    }

    #[test]
    fn posterior_and_categories() {
        let p = posteriors(&[6.0, 1.0, 0.0]);
        // Prior 1/6 each, 1/2 unregistered: 1e6/6 / (0.5 + (1e6 + 10 + 1)/6).
        let want = (1e6 / 6.0) / (0.5 + (1e6 + 11.0) / 6.0);
        assert!((p[0] - want).abs() < 1e-12);
        assert!((p.iter().sum::<f64>() + 0.5 / (0.5 + (1e6 + 11.0) / 6.0) - 1.0).abs() < 1e-12);
        let big = posteriors(&[400.0, 1.0]);
        assert!((big[0] - 1.0).abs() < 1e-12 && big[1] >= 0.0);
        let t = CategoryThresholds::default();
        assert_eq!(Category::of(8.0, Some(3.0), true, &t), Category::Undisputed);
        assert_eq!(Category::of(8.0, Some(5.0), true, &t), Category::Probable);
        assert_eq!(Category::of(3.5, None, true, &t), Category::Probable);
        assert_eq!(Category::of(2.0, None, true, &t), Category::Inconclusive);
        assert_eq!(Category::of(8.0, None, false, &t), Category::Excluded);
        assert_eq!(Category::of(-0.5, None, true, &t), Category::Excluded);
        for c in Category::ALL {
            assert_eq!(Category::parse(c.name()), Some(c));
        }
    }
}
