//! The posterior on the candidate page, against one computed here from the
//! lab files: the compatibility rules and the prior re-implemented plainly
//! (not through `registry::facts`), over more than 1,000 scored cases, so
//! that the facts of every scored case (read 500 ids per query) count.

use std::collections::{HashMap, HashSet};

use formats::registry_csv::{CaseRow, Date, FoundRow, parse_cases, parse_found};
use kinship::Sex;
use registry::Registry;
use sqlx::Row;

use crate::both;
use crate::common::*;
use crate::erasure::raw_pool;

/// Days from 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
fn days(d: Date) -> i64 {
    let (y, m, d) = (
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether the facts of the case leave the found child possible: different
/// known sexes, an age on the found date outside the estimate widened by 90
/// days each side, or a found date before the missing date exclude.
pub fn facts_allow(case: &CaseRow, found: &FoundRow) -> bool {
    let known = |s: Sex| s != Sex::Unknown;
    if known(case.child_sex) && known(found.sex) && case.child_sex != found.sex {
        return false;
    }
    if let (Some(fd), Some(b1), Some(lo), Some(hi)) = (
        found.found_date,
        case.birth_from,
        found.age_min_days,
        found.age_max_days,
    ) {
        let b2 = case.birth_to.unwrap_or(b1);
        let youngest = days(fd) - days(b2);
        let oldest = days(fd) - days(b1);
        if youngest > i64::from(hi) + 90 || oldest < i64::from(lo) - 90 {
            return false;
        }
    }
    if let (Some(m), Some(f)) = (case.missing_date, found.found_date)
        && days(f) < days(m)
    {
        return false;
    }
    true
}

/// The posterior of case `target` for a found child, from the log10 LRs of
/// the open cases whose facts allow the child: prior 1/2 that the family is
/// not registered, the other 1/2 spread evenly over those cases, so
/// P(j) = 1 / (1 + n / LR_j + sum over k != j of LR_k / LR_j).
/// `None` when the target is not among them.
pub fn expected_posterior(target: i64, allowed: &[(i64, f64)]) -> Option<f64> {
    let (_, lj) = *allowed.iter().find(|(c, _)| *c == target)?;
    let n = allowed.len() as f64;
    let others: f64 = allowed
        .iter()
        .filter(|(c, _)| *c != target)
        .map(|(_, l)| 10f64.powf(l - lj))
        .sum();
    Some(1.0 / (1.0 + n * 10f64.powf(-lj) + others))
}

/// Relative difference.
pub fn relative(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

/// The shown posterior of a candidate against the one computed from the
/// files: `cases` by database id, `closed` the cases no longer open.
pub async fn check_posterior(
    r: &Registry,
    pool: &sqlx::AnyPool,
    candidate: i64,
    cases: &HashMap<i64, &CaseRow>,
    found: &HashMap<&str, &FoundRow>,
    closed: &HashSet<i64>,
) -> (Option<f64>, usize, usize) {
    let detail = r.candidate_detail("t", candidate).await.unwrap().unwrap();
    let found_row = found[detail.found.found_id.as_str()];
    let found_ref: i64 = sqlx::query("SELECT id FROM found_children WHERE found_id = $1")
        .bind(&detail.found.found_id)
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let target = r.case_id_ref(&detail.case.case_id).await.unwrap().unwrap();
    // Every case scored for the child, with the LR the search gives it.
    let scores = r.child_scores(found_ref).await.unwrap();
    assert_eq!(
        detail.all_scores,
        scores.iter().map(|(_, l)| *l).collect::<Vec<_>>()
    );
    let stored = scores.iter().find(|(c, _)| *c == target).unwrap().1;
    assert!(
        relative(stored, detail.summary.log10_lr) < 1e-9,
        "the stored LR {} and the scored one {stored}",
        detail.summary.log10_lr
    );
    let allowed: Vec<(i64, f64)> = scores
        .iter()
        .filter(|(c, _)| !closed.contains(c) && facts_allow(cases[c], found_row))
        .copied()
        .collect();
    let want = expected_posterior(target, &allowed);
    match (detail.posterior, want) {
        (Some(got), Some(want)) => assert!(
            relative(got, want) < 1e-12,
            "{} and {}: posterior {got}, computed {want} over {} allowed of {} scored cases",
            detail.found.found_id,
            detail.case.case_id,
            allowed.len(),
            scores.len()
        ),
        (got, want) => assert_eq!(
            got, want,
            "{} and {}",
            detail.found.found_id, detail.case.case_id
        ),
    }
    (want, scores.len(), allowed.len())
}

/// 1,234 families (three chunks of 500 ids, the last partial), 36 rescued
/// children (30 of them with a registered family, whose references range
/// from both parents to one grandparent: the weaker give posteriors short of
/// 1 by more than 1e-10, which every compatible case's share of the prior
/// moves), a reunited family whose case no longer counts, and the candidates
/// of every rescued child down to LR 1.
async fn posterior_over_more_than_a_thousand_cases(db: &TestDb) {
    let s = nist_scenario(1234, 36, 30, 18);
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.min_lr = 1.0;
    let (r, _) = Registry::open(o).await.unwrap();
    import_nist(&r, "t", false).await;
    r.import_cases("t", "cases.csv", &s.cases_csv)
        .await
        .unwrap();
    r.import_references("t", "references.csv", &s.references_csv)
        .await
        .unwrap();
    r.import_found("t", "found.csv", &s.found_csv)
        .await
        .unwrap();
    r.import_profiles("t", "profiles.txt", &s.profiles_tsv, None, None, &|_, _| {})
        .await
        .unwrap();
    let today = Date::today_utc();
    let case_rows = parse_cases("cases.csv", &s.cases_csv, today).unwrap();
    let found_rows = parse_found("found.csv", &s.found_csv, today).unwrap();
    let mut cases = HashMap::new();
    for c in &case_rows {
        cases.insert(r.case_id_ref(&c.case_id).await.unwrap().unwrap(), c);
    }
    let found: HashMap<&str, &FoundRow> = found_rows
        .iter()
        .map(|f| (f.found_id.as_str(), f))
        .collect();
    let pool = raw_pool(db).await;
    // One family reunited with its child: its case is closed to the others.
    let summaries = r.candidate_summaries(None, None).await.unwrap();
    let truth = s.truth.iter().find(|t| t.case_id.is_some()).unwrap();
    let reunited = summaries
        .iter()
        .find(|c| Some(&c.case_id) == truth.case_id.as_ref() && c.found_id == truth.found_id)
        .unwrap();
    reunite(&r, reunited.id).await;
    let closed: HashSet<i64> = [r.case_id_ref(&reunited.case_id).await.unwrap().unwrap()].into();
    // The same registry as a national one sees it: beyond
    // `posterior_exact_cases` only the cases whose bound reaches the floor
    // are scored.
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.min_lr = 1.0;
    o.settings.posterior_exact_cases = 0;
    let (large, _) = Registry::open(o).await.unwrap();
    let floor = registry::facts::POSTERIOR_FLOOR_LR;
    let mut below_floor = 0;
    // Every child's candidates: the best three and every seventh after.
    let summaries = r.candidate_summaries(None, None).await.unwrap();
    let (mut checked, mut middling, mut none, mut strong) = (0, 0, 0, 0);
    for f in &found_rows {
        let mine: Vec<_> = summaries
            .iter()
            .filter(|c| c.found_id == f.found_id)
            .collect();
        let mut first_of_child = None;
        for (rank, c) in mine.iter().enumerate() {
            if rank >= 3 && rank % 7 != 0 {
                continue;
            }
            let (want, scored, allowed) =
                check_posterior(&r, &pool, c.id, &cases, &found, &closed).await;
            assert!(scored > 1000 && scored % 500 != 0, "{scored} cases scored");
            let exact = r.candidate_detail("t", c.id).await.unwrap().unwrap();
            assert_eq!(exact.cases_scored, scored);
            assert_eq!(exact.compatible_cases, allowed);
            // Bounded: never below the exact posterior, at most 0.1% above.
            let bounded = large.candidate_detail("t", c.id).await.unwrap().unwrap();
            assert_eq!(bounded.cases_scored, scored);
            // The prior is spread over every compatible open case, scored
            // or left below the floor.
            assert_eq!(bounded.compatible_cases, allowed);
            // The candidate's own floor: the lowest for a weak candidate,
            // higher the stronger it is (`facts::posterior_floor_log10`).
            let own = bounded.scores_from_log10.expect("scores from a floor");
            assert!(own >= floor.log10());
            // (Fewer than 10^5 cases: the floor lies within 3 + 5 decades
            // below the candidate's LR.)
            if c.log10_lr > 8.0 {
                assert!(own > c.log10_lr - 8.0, "{own} for LR 10^{}", c.log10_lr);
                strong += 1;
            }
            assert_eq!(exact.scores_from_log10, None);
            let kept: Vec<f64> = exact
                .all_scores
                .iter()
                .copied()
                .filter(|l| *l >= own)
                .collect();
            assert_eq!(bounded.all_scores, kept);
            below_floor += exact.all_scores.len() - kept.len();
            // A child's strongest candidate shown again, after a weaker one
            // took the search deeper, shows the same as the first time.
            if rank == 0 {
                first_of_child = Some((c.id, bounded.all_scores.clone(), bounded.posterior));
            } else if let Some((id, scores, posterior)) = first_of_child.take() {
                let again = large.candidate_detail("t", id).await.unwrap().unwrap();
                assert_eq!((again.all_scores, again.posterior), (scores, posterior));
            }
            match (bounded.posterior, want) {
                (Some(got), Some(want)) => {
                    let above = (got - want) / want;
                    assert!(
                        (-1e-12..=floor / (1.0 - floor)).contains(&above),
                        "{}: bounded posterior {got}, exact {want}",
                        c.id
                    );
                }
                (got, want) => assert_eq!(got, want, "{}", c.id),
            }
            checked += 1;
            match want {
                Some(p) if p > 1e-300 && 1.0 - p > 1e-10 => middling += 1,
                Some(_) => {}
                None => none += 1,
            }
        }
    }
    // Enough posteriors that every case's prior share shows in them, and
    // candidates whose case the facts or the reunion rule out.
    assert!(
        checked >= 20 && middling >= 5 && none >= 1 && strong >= 5,
        "{checked} checked, {middling} short of 1 by more than 1e-10, {none} without a posterior, \
         {strong} above LR 10^8"
    );
    assert!(
        below_floor > 1000 * checked,
        "most scored cases lie below the floor: {below_floor}"
    );
    // A second family reunited through the other registry: the pages the
    // national one shows again (its children's searches kept) count its
    // case no more.
    let truth = s
        .truth
        .iter()
        .filter(|t| t.case_id.is_some())
        .nth(1)
        .unwrap();
    let second = summaries
        .iter()
        .find(|c| Some(&c.case_id) == truth.case_id.as_ref() && c.found_id == truth.found_id)
        .unwrap();
    let seen = large
        .candidate_detail("t", second.id)
        .await
        .unwrap()
        .unwrap();
    let again = large
        .candidate_detail("t", second.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.compatible_cases, seen.compatible_cases);
    assert_eq!(again.posterior, seen.posterior);
    assert!(seen.posterior.is_some());
    reunite(&r, second.id).await;
    let after = large
        .candidate_detail("t", second.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.compatible_cases, seen.compatible_cases - 1);
    assert_eq!(after.posterior, None, "its case is closed");
    large.close().await;
    pool.close().await;
    r.close().await;
}
both!(posterior_over_more_than_a_thousand_cases);
