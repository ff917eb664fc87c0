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
    match s.as_deref() {
        Some("male") => Sex::Male,
        Some("female") => Sex::Female,
        _ => Sex::Unknown,
    }
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

/// The category of a candidate: its log10 LR, the best log10 LR of the other
/// cases scored for the same child, and whether the facts are compatible.
pub fn category(
    log10_lr: f64,
    best_other_log10: Option<f64>,
    compatible: bool,
    t: &CategoryThresholds,
) -> &'static str {
    if !compatible || log10_lr < t.excluded_below_lr.log10() {
        return "excluded";
    }
    let margin_ok = best_other_log10.is_none_or(|o| log10_lr - o >= t.undisputed_margin.log10());
    if log10_lr >= t.undisputed_lr.log10() && margin_ok {
        "undisputed"
    } else if log10_lr >= t.probable_lr.log10() {
        "probable"
    } else {
        "inconclusive"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(category(8.0, Some(3.0), true, &t), "undisputed");
        assert_eq!(category(8.0, Some(5.0), true, &t), "probable");
        assert_eq!(category(3.5, None, true, &t), "probable");
        assert_eq!(category(2.0, None, true, &t), "inconclusive");
        assert_eq!(category(8.0, None, false, &t), "excluded");
    }
}
