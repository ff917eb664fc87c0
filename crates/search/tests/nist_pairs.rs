//! False positives among real unrelated people: every pair of the 1036 NIST
//! U.S. population samples (29 autosomal STRs, NIST "All" frequencies) scored
//! as parent and child (through the search index, the registry's default
//! stepwise mutation model) and as full siblings (through the search, no
//! mutation).
//!
//! The people are unrelated, so every pair passing a threshold is a false
//! positive. Nothing here is pinned to what the program once printed: the
//! counts, the highest LR and the LRs of the pairs the search returns are
//! compared with values computed here independently, by brute force over
//! every pair with closed forms written in this file (parent and child with
//! `kinship`'s mutation matrices; full siblings by IBD coefficients), each
//! checked against `kinship`'s pedigree likelihood; and the highest pairs by
//! the search are re-scored by `kinship`'s whole-case evaluation.

use kinship::{
    Genotype, KinshipCase, MarkerModel, MutationModel, ParentSex, Pedigree, Relationship, Relative,
    Sex, TypedPerson, likelihood, pair_hypotheses,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use search::{Hit, Index, MISSING, Models, Profile, Query, SearchConfig};

const PEOPLE: usize = 1036;
const MARKERS: usize = 29;

struct Nist {
    /// One model per marker of the frequency table, with `mutation`.
    models: Vec<MarkerModel>,
    /// Every person, encoded for an index over `models`.
    profiles: Vec<Profile>,
}

fn nist(mutation: Option<MutationModel>) -> Nist {
    let db = formats::builtin::nist_frequencies("All").expect("built-in NIST frequencies");
    let models: Vec<MarkerModel> = db
        .markers()
        .iter()
        .map(|f| MarkerModel::new(f.clone(), mutation).expect("valid mutation model"))
        .collect();
    assert_eq!(models.len(), MARKERS);
    let encoder = Models::new(models.clone()).expect("the NIST markers fit an index");
    let table = formats::builtin::nist_genotypes().expect("built-in NIST genotypes");
    assert_eq!(table.profiles.len(), PEOPLE);
    let profiles = table
        .profiles
        .iter()
        .map(|p| {
            let (profile, skipped) = encoder
                .encode_named(p.markers.iter().map(|(m, g)| (m.as_str(), *g)))
                .expect("the frequencies were derived from these people");
            assert!(skipped.is_empty(), "{}: markers {skipped:?}", p.sample);
            profile
        })
        .collect();
    Nist { models, profiles }
}

/// A pair's LR is compared with its independent value to 1e-9 relative:
/// log10 LRs to log10(1 + 1e-9).
const LOG10_TOLERANCE: f64 = 4.3e-10;

/// Whether two log10 LRs agree to 1e-9 relative (both -inf: an exclusion).
fn same_log10(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= LOG10_TOLERANCE
}

/// The same cases (ids in order) with the same log10 LRs.
fn assert_same_cases(got: &[(u64, f64)], want: &[(u64, f64)], what: &str) {
    assert_eq!(
        got.iter().map(|x| x.0).collect::<Vec<_>>(),
        want.iter().map(|x| x.0).collect::<Vec<_>>(),
        "{what}"
    );
    for (g, w) in got.iter().zip(want) {
        assert!(
            same_log10(g.1, w.1),
            "{what}: case {} search log10 LR {}, expected {}",
            g.0,
            g.1,
            w.1
        );
    }
}

/// Pairs scored: those sharing at least this many typed markers (the search's default).
fn min_shared() -> usize {
    SearchConfig::default().min_shared_markers
}

/// Pairs with LR >= 10^3, with LR >= 10^4, and the highest log10 LR of any
/// pair of two different persons.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Summary {
    at_least_1e3: usize,
    at_least_1e4: usize,
    max_log10_lr: f64,
}

impl Summary {
    fn of(log10_lrs: impl IntoIterator<Item = f64>) -> Summary {
        let mut s = Summary {
            at_least_1e3: 0,
            at_least_1e4: 0,
            max_log10_lr: f64::NEG_INFINITY,
        };
        for x in log10_lrs {
            s.at_least_1e3 += usize::from(x >= 3.0);
            s.at_least_1e4 += usize::from(x >= 4.0);
            s.max_log10_lr = s.max_log10_lr.max(x);
        }
        s
    }

    fn assert_same(&self, want: &Summary, what: &str) {
        assert_eq!(
            (self.at_least_1e3, self.at_least_1e4),
            (want.at_least_1e3, want.at_least_1e4),
            "{what}: pairs with LR >= 1e3 and >= 1e4, search against independent"
        );
        assert!(
            same_log10(self.max_log10_lr, want.max_log10_lr),
            "{what}: highest log10 LR {} by the search, {} independently",
            self.max_log10_lr,
            want.max_log10_lr
        );
    }
}

/// The people's genotypes by marker: the distinct genotypes of each marker,
/// and each person's as an index into them (`None`: untyped).
struct Distinct {
    genotypes: Vec<Vec<[u8; 2]>>,
    of: Vec<Vec<Option<usize>>>,
}

fn distinct(nist: &Nist) -> Distinct {
    let mut genotypes: Vec<Vec<[u8; 2]>> = vec![Vec::new(); MARKERS];
    let of = nist
        .profiles
        .iter()
        .map(|p| {
            p.iter()
                .enumerate()
                .map(|(m, &g)| {
                    if g[0] == MISSING {
                        return None;
                    }
                    let list = &mut genotypes[m];
                    Some(list.iter().position(|&x| x == g).unwrap_or_else(|| {
                        list.push(g);
                        list.len() - 1
                    }))
                })
                .collect()
        })
        .collect();
    Distinct { genotypes, of }
}

/// The parent-child log10 LR at each marker for every pair of its distinct
/// genotypes, by the closed form with `kinship`'s mutation matrices: the
/// parent (sex `sex`) transmits `z` with `T(z) = (M[x][z] + M[y][z]) / 2`,
/// the unknown other parent with `U(z) = sum_w p_w M'[w][z]`, and the child
/// `(a, b)` has `(T(a) U(b) + T(b) U(a)) / (2 p_a p_b)` (`T(a) U(a) / p_a^2`
/// when homozygous). `[m][parent * n + child]`, `n` the marker's distinct
/// genotypes. Checked against the pedigree likelihood by
/// `parent_child_closed_form_equals_the_general_path`.
fn parent_child_tables(nist: &Nist, d: &Distinct, sex: Sex) -> Vec<Vec<f64>> {
    let (own, other) = match sex {
        Sex::Male => (ParentSex::Male, ParentSex::Female),
        _ => (ParentSex::Female, ParentSex::Male),
    };
    (0..MARKERS)
        .map(|m| {
            let (gs, model) = (&d.genotypes[m], &nist.models[m]);
            let p = model.frequencies().frequencies();
            let alleles = p.len();
            let u: Vec<f64> = (0..alleles)
                .map(|z| {
                    (0..alleles)
                        .map(|w| p[w] * model.transition(other, w, z))
                        .sum()
                })
                .collect();
            let n = gs.len();
            let mut table = Vec::with_capacity(n * n);
            for &[x, y] in gs {
                let t = |z: u8| {
                    let z = usize::from(z);
                    0.5 * (model.transition(own, usize::from(x), z)
                        + model.transition(own, usize::from(y), z))
                };
                for &[a, b] in gs {
                    let (ai, bi) = (usize::from(a), usize::from(b));
                    let lr = if a == b {
                        t(a) * u[ai] / (p[ai] * p[ai])
                    } else {
                        (t(a) * u[bi] + t(b) * u[ai]) / (2.0 * p[ai] * p[bi])
                    };
                    table.push(lr.log10());
                }
            }
            table
        })
        .collect()
}

/// The parent-child LR of one pair of genotypes at marker `m` by `kinship`'s
/// pedigree likelihood: H1 the parent and an unknown other parent with the
/// child, H2 the two unrelated.
fn parent_child_pedigree(nist: &Nist, sex: Sex, m: usize, parent: [u8; 2], child: [u8; 2]) -> f64 {
    let (h1, h2) = pair_hypotheses(Relationship::ParentChild, ("P", sex), ("C", Sex::Unknown))
        .expect("parent-child hypotheses");
    let l = |ped: &Pedigree| {
        let mut g = vec![None; ped.len()];
        g[ped.index_of("P").expect("placed")] =
            Some((usize::from(parent[0]), usize::from(parent[1])));
        g[ped.index_of("C").expect("placed")] =
            Some((usize::from(child[0]), usize::from(child[1])));
        likelihood(ped, &nist.models[m], &g, 0.0).expect("a likelihood")
    };
    l(&h1) / l(&h2)
}

#[test]
fn parent_child_closed_form_equals_the_general_path() {
    let nist = nist(Some(MutationModel::DEFAULT_SEARCH));
    let d = distinct(&nist);
    for sex in [Sex::Female, Sex::Male] {
        let tables = parent_child_tables(&nist, &d, sex);
        let mut rng = ChaCha8Rng::seed_from_u64(29);
        for (m, (gs, table)) in d.genotypes.iter().zip(&tables).enumerate() {
            let n = gs.len();
            // 60 random pairs of the marker's genotypes.
            for _ in 0..60 {
                let (i, j) = (rng.random_range(0..n), rng.random_range(0..n));
                let want = parent_child_pedigree(&nist, sex, m, gs[i], gs[j]).log10();
                let got = table[i * n + j];
                assert!(
                    same_log10(got, want),
                    "{sex:?} parent, marker {m}, genotypes {:?} and {:?}: closed form {got}, pedigree {want}",
                    gs[i],
                    gs[j]
                );
            }
        }
    }
}

/// The parent-child log10 LR of `parent` and `child` (persons) from the
/// tables, summed over the markers both are typed at; `None` when they share
/// too few.
fn parent_child_brute(
    d: &Distinct,
    tables: &[Vec<f64>],
    parent: usize,
    child: usize,
) -> Option<f64> {
    let mut shared = 0;
    let mut log10 = 0.0;
    for m in 0..MARKERS {
        if let (Some(a), Some(b)) = (d.of[parent][m], d.of[child][m]) {
            shared += 1;
            log10 += tables[m][a * d.genotypes[m].len() + b];
        }
    }
    (shared >= min_shared()).then_some(log10)
}

/// The parent-child LR of two profiles per shared marker, by `kinship`'s
/// whole-case evaluation (`KinshipCase`): (marker, LR).
fn parent_child_general(
    nist: &Nist,
    encoder: &Models,
    sex: Sex,
    parent: &Profile,
    child: &Profile,
) -> Vec<(usize, f64)> {
    let (h1, h2) = pair_hypotheses(Relationship::ParentChild, ("P", sex), ("C", Sex::Unknown))
        .expect("parent-child hypotheses");
    let shared: Vec<usize> = (0..MARKERS)
        .filter(|&m| parent[m][0] != MISSING && child[m][0] != MISSING)
        .collect();
    let typed = |id: &str, p: &Profile| {
        let all = encoder.decode(p);
        TypedPerson {
            id: id.to_string(),
            genotypes: shared.iter().map(|&m| all[m]).collect(),
        }
    };
    let case = KinshipCase {
        theta: 0.0,
        markers: shared.iter().map(|&m| nist.models[m].clone()).collect(),
        h1,
        h2,
        typed: vec![typed("P", parent), typed("C", child)],
    };
    let r = case.evaluate().expect("general LR");
    shared
        .into_iter()
        .zip(r.markers.iter().map(|x| x.lr))
        .collect()
}

/// Per child, the cases compared one by one with brute force: every case at
/// or above the child's `FLOOR_RANK`-th best LR (and every pair reaching
/// 10^3), through a threshold query that the first pass prunes.
const FLOOR_RANK: usize = 50;
/// The highest pairs by the search's LR re-scored by `KinshipCase`; per
/// child, the best this many by a top-k query are the best by brute force.
const RESCORED: usize = 50;

/// Parent-child false positives with `relative` (mother or father) as the
/// one reference: the search (a threshold query and a top-k query per child)
/// against brute force over every ordered pair (parent A, child B, A != B).
fn parent_child_hits(nist: &Nist, relative: Relative, sex: Sex) -> Summary {
    let d = distinct(nist);
    let tables = parent_child_tables(nist, &d, sex);
    let models = Models::new(nist.models.clone()).expect("the NIST markers fit an index");
    let mut index = Index::new(models.clone(), SearchConfig::default());
    for (i, p) in nist.profiles.iter().enumerate() {
        index
            .insert_case(i as u64, Sex::Unknown, &[(relative, sex, p.clone())])
            .expect("a one-parent case");
    }
    // The best RESCORED + 1: the person's own case may be among them.
    let best = Query {
        top_k: Some(RESCORED + 1),
        min_lr: None,
    };
    struct PerChild {
        brute: Vec<f64>,
        search: Vec<f64>,
        compared: usize,
        /// (child, hit)
        top: Vec<(usize, Hit)>,
    }
    let per_child: Vec<PerChild> = nist
        .profiles
        .par_iter()
        .enumerate()
        .map(|(child, profile)| {
            let brute: Vec<(u64, f64)> = (0..PEOPLE)
                .filter(|&case| case != child)
                .filter_map(|case| {
                    parent_child_brute(&d, &tables, case, child).map(|x| (case as u64, x))
                })
                .collect();
            let mut highest: Vec<f64> = brute.iter().map(|x| x.1).collect();
            highest.sort_by(|x, y| y.total_cmp(x));
            // Every pair at or above the floor, and nothing else (pairs
            // within rounding of the floor left out on both sides).
            let floor = (highest[FLOOR_RANK - 1] - 1e-6).min(3.0);
            let (hits, stats) = index
                .search_child(
                    profile,
                    &Query {
                        top_k: None,
                        min_lr: Some(10f64.powf(floor)),
                    },
                )
                .expect("search");
            assert_eq!(stats.scanned, PEOPLE);
            let near = |x: f64| (x - floor).abs() <= 1e-9;
            let want: Vec<(u64, f64)> = brute
                .iter()
                .filter(|x| x.1 >= floor && !near(x.1))
                .copied()
                .collect();
            let mut got: Vec<(u64, f64)> = hits
                .iter()
                .filter(|h| h.id != child as u64 && !near(h.log10_lr))
                .map(|h| (h.id, h.log10_lr))
                .collect();
            got.sort_by_key(|x| x.0);
            assert_same_cases(
                &got,
                &want,
                &format!("child {child}: the cases with LR >= 10^{floor}, search against brute force"),
            );
            // The best RESCORED cases by the search: the best by brute force.
            let (top, _) = index.search_child(profile, &best).expect("search");
            let top: Vec<_> = top
                .into_iter()
                .filter(|h| h.id != child as u64)
                .take(RESCORED)
                .map(|h| (child, h))
                .collect();
            assert_eq!(top.len(), RESCORED);
            for (k, (t, w)) in top.iter().zip(&highest).enumerate() {
                assert!(
                    same_log10(t.1.log10_lr, *w),
                    "child {child}: the {k}-th best case by the search has log10 LR {}, by brute force {w}",
                    t.1.log10_lr
                );
            }
            PerChild {
                brute: highest,
                search: got.iter().map(|x| x.1).collect(),
                compared: want.len(),
                top,
            }
        })
        .collect();
    let compared: usize = per_child.iter().map(|c| c.compared).sum();
    let ordered: usize = per_child.iter().map(|c| c.brute.len()).sum();
    assert_eq!(
        ordered,
        PEOPLE * (PEOPLE - 1),
        "every pair shares enough markers"
    );
    assert!(
        compared >= (FLOOR_RANK - 1) * PEOPLE,
        "{compared} pairs compared"
    );

    // The highest pairs by the search's LR: the same LRs as the highest by
    // brute force, and each the same as `kinship`'s whole-case evaluation,
    // marker by marker.
    let mut top: Vec<_> = per_child.iter().flat_map(|c| c.top.iter()).collect();
    top.sort_by(|x, y| y.1.log10_lr.total_cmp(&x.1.log10_lr));
    top.truncate(RESCORED);
    let mut highest: Vec<f64> = per_child
        .iter()
        .flat_map(|c| c.brute.iter().copied())
        .collect();
    highest.sort_by(|x, y| y.total_cmp(x));
    for ((child, hit), want) in top.iter().zip(&highest) {
        let (log10, case, markers) = (&hit.log10_lr, hit.id, &hit.markers);
        assert!(
            same_log10(*log10, *want),
            "the highest pairs: search {log10} (case {case} child {child}), brute force {want}"
        );
        let general = parent_child_general(
            nist,
            &models,
            sex,
            &nist.profiles[case as usize],
            &nist.profiles[*child],
        );
        assert_eq!(markers.len(), general.len());
        for ((m, fast), (gm, slow)) in markers.iter().zip(&general) {
            assert_eq!(m, gm);
            assert!(
                (fast - slow).abs() <= 1e-9 * slow.abs(),
                "case {case} child {child} marker {m}: search {fast} general {slow}"
            );
        }
        let total: f64 = general.iter().map(|x| x.1.log10()).sum();
        assert!(
            same_log10(*log10, total),
            "case {case} child {child}: search {log10} general {total}"
        );
    }
    // Everything at or above 10^3 lies above the floor, so the search's
    // counts come from its threshold queries, brute force's from every pair.
    let search = Summary::of(per_child.iter().flat_map(|c| c.search.iter().copied()));
    let search = Summary {
        max_log10_lr: top[0].1.log10_lr,
        ..search
    };
    let brute = Summary::of(per_child.iter().flat_map(|c| c.brute.iter().copied()));
    println!("{relative:?}: {compared} pairs compared one by one; {brute:?}");
    search.assert_same(&brute, &format!("{relative:?}-child"));
    brute
}

#[test]
fn parent_child_false_positives() {
    let nist = nist(Some(MutationModel::DEFAULT_SEARCH));
    let mother = parent_child_hits(&nist, Relative::Mother, Sex::Female);
    let father = parent_child_hits(&nist, Relative::Father, Sex::Male);
    let ordered = PEOPLE * (PEOPLE - 1);
    println!("parent-child, {ordered} ordered pairs: mother {mother:?}; father {father:?}");
}

/// Per marker: allele frequencies.
fn frequencies(nist: &Nist) -> Vec<Vec<f64>> {
    nist.models
        .iter()
        .map(|m| m.frequencies().frequencies().to_vec())
        .collect()
}

/// The full-sibling LR of genotypes `a` and `b` at one marker with allele
/// frequencies `p`: IBD coefficients (1/4, 1/2, 1/4), no mutation.
fn full_sibling_marker(a: [u8; 2], b: [u8; 2], p: &[f64]) -> f64 {
    let (b0, b1) = (b[0] as usize, b[1] as usize);
    let p_b = if b0 == b1 {
        p[b0] * p[b0]
    } else {
        2.0 * p[b0] * p[b1]
    };
    // P(B | allele x of A is identical by descent in B).
    let given = |x: usize| {
        if b0 == b1 {
            if x == b0 { p[b0] } else { 0.0 }
        } else {
            (if x == b0 { p[b1] } else { 0.0 }) + (if x == b1 { p[b0] } else { 0.0 })
        }
    };
    let ibd1 = 0.5 * (given(a[0] as usize) + given(a[1] as usize));
    // Profiles keep the smaller code first, so equal genotypes are equal arrays.
    let ibd2 = if a == b { 1.0 / p_b } else { 0.0 };
    0.25 + 0.5 * ibd1 / p_b + 0.25 * ibd2
}

/// The full-sibling LR of two profiles over the markers both are typed at.
fn full_sibling_lr(a: &[[u8; 2]], b: &[[u8; 2]], p: &[Vec<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .zip(p)
        .filter(|((x, y), _)| x[0] != MISSING && y[0] != MISSING)
        .map(|((x, y), p)| full_sibling_marker(*x, *y, p))
        .product()
}

/// The same LR by the general pedigree path of `kinship`.
fn full_sibling_general(nist: &Nist, encoder: &Models, a: &Profile, b: &Profile) -> f64 {
    let (h1, h2) = pair_hypotheses(
        Relationship::FullSibling,
        ("A", Sex::Unknown),
        ("B", Sex::Unknown),
    )
    .expect("full-sibling hypotheses");
    let typed = |id: &str, p: &Profile| TypedPerson {
        id: id.to_string(),
        genotypes: encoder.decode(p),
    };
    let case = KinshipCase {
        theta: 0.0,
        markers: nist.models.clone(),
        h1,
        h2,
        typed: vec![typed("A", a), typed("B", b)],
    };
    case.evaluate().expect("general LR").lr()
}

/// Full-sibling pairs compared one by one, search against the closed form,
/// at or above this log10 LR.
const FULL_SIBLING_FLOOR: f64 = 1.0;
/// Persons queried besides one of each pair reaching 10^3 (each query
/// scores all 1036 cases by the general path).
const FULL_SIBLING_SAMPLE: usize = 4;

/// The closed-form full-sibling log10 LR of persons `i` and `j`, or `None`
/// when they share too few markers.
fn full_sibling_closed(nist: &Nist, p: &[Vec<f64>], i: usize, j: usize) -> Option<f64> {
    let (a, b) = (&nist.profiles[i], &nist.profiles[j]);
    let shared = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x[0] != MISSING && y[0] != MISSING)
        .count();
    (shared >= min_shared()).then(|| full_sibling_lr(a, b, p).log10())
}

/// Full-sibling false positives: the closed form over every unordered pair,
/// and the search (every person a case with one full sibling as reference,
/// the general path) queried with one person of every pair reaching 10^3 and
/// a sample of others: each query returns exactly the closed form's pairs at
/// or above 10^FULL_SIBLING_FLOOR, with the same LRs, and the pairs it finds
/// at 10^3 and 10^4 are all the closed form's.
#[test]
fn full_sibling_false_positives() {
    let nist = nist(None);
    let p = frequencies(&nist);
    // Per person, every other person at or above the floor (closed form).
    let partners: Vec<Vec<(u64, f64)>> = (0..PEOPLE)
        .into_par_iter()
        .map(|i| {
            (0..PEOPLE)
                .filter(|&j| j != i)
                .filter_map(|j| full_sibling_closed(&nist, &p, i, j).map(|x| (j as u64, x)))
                .filter(|x| x.1 >= FULL_SIBLING_FLOOR)
                .collect()
        })
        .collect();
    let pairs = |list: &[Vec<(u64, f64)>]| -> Vec<(u64, u64, f64)> {
        let mut out: Vec<(u64, u64, f64)> = list
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                l.iter()
                    .map(move |&(j, x)| ((i as u64).min(j), (i as u64).max(j), x))
            })
            .collect();
        out.sort_by_key(|x| (x.0, x.1));
        out.dedup_by(|x, y| (x.0, x.1) == (y.0, y.1));
        out
    };
    let closed_pairs = pairs(&partners);
    let closed = Summary::of(closed_pairs.iter().map(|x| x.2));

    let models = Models::new(nist.models.clone()).expect("the NIST markers fit an index");
    let mut index = Index::new(models, SearchConfig::default());
    for (i, profile) in nist.profiles.iter().enumerate() {
        index
            .insert_case(
                i as u64,
                Sex::Unknown,
                &[(Relative::FullSibling, Sex::Unknown, profile.clone())],
            )
            .expect("a full-sibling case");
    }
    // One person of each pair reaching 10^3 (the LR is symmetric), and a few others.
    let mut queried: Vec<usize> = Vec::new();
    for &(i, j, x) in &closed_pairs {
        if x >= 3.0 && !queried.contains(&(i as usize)) && !queried.contains(&(j as usize)) {
            queried.push(i as usize);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(1036);
    queried.extend((0..FULL_SIBLING_SAMPLE).map(|_| rng.random_range(0..PEOPLE)));
    queried.sort();
    queried.dedup();
    let query = Query {
        top_k: None,
        min_lr: Some(10f64.powf(FULL_SIBLING_FLOOR)),
    };
    let near = |x: f64| (x - FULL_SIBLING_FLOOR).abs() <= 1e-9;
    let mut found: Vec<Vec<(u64, f64)>> = vec![Vec::new(); PEOPLE];
    for &child in &queried {
        let (hits, stats) = index
            .search_child(&nist.profiles[child], &query)
            .expect("search");
        assert_eq!(stats.scanned, PEOPLE);
        let mut got: Vec<(u64, f64)> = hits
            .iter()
            .filter(|h| h.id != child as u64 && !near(h.log10_lr))
            .map(|h| (h.id, h.log10_lr))
            .collect();
        got.sort_by_key(|x| x.0);
        let want: Vec<(u64, f64)> = partners[child]
            .iter()
            .filter(|x| !near(x.1))
            .copied()
            .collect();
        assert_same_cases(
            &got,
            &want,
            &format!(
                "person {child}: full siblings with LR >= 10^{FULL_SIBLING_FLOOR}, search against closed form"
            ),
        );
        found[child] = got;
    }
    // The pairs the search found, counted once each: every pair reaching
    // 10^3 has both its persons queried.
    let search = Summary::of(pairs(&found).iter().map(|x| x.2));
    let unordered = PEOPLE * (PEOPLE - 1) / 2;
    println!(
        "full siblings, {unordered} unordered pairs: {closed:?}; {} persons queried, {} pairs at or above 10^{FULL_SIBLING_FLOOR}",
        queried.len(),
        closed_pairs.len()
    );
    search.assert_same(&closed, "full siblings");
}

#[test]
fn full_sibling_closed_form_equals_the_general_path() {
    let nist = nist(None);
    let p = frequencies(&nist);
    let encoder = Models::new(nist.models.clone()).expect("the NIST markers fit an index");
    let mut rng = ChaCha8Rng::seed_from_u64(1036);
    for _ in 0..20 {
        let i = rng.random_range(0..PEOPLE);
        let j = (i + rng.random_range(1..PEOPLE)) % PEOPLE;
        let (a, b) = (&nist.profiles[i], &nist.profiles[j]);
        let closed = full_sibling_lr(a, b, &p);
        let general = full_sibling_general(&nist, &encoder, a, b);
        assert!(
            ((closed - general) / general).abs() <= 1e-9,
            "persons {i} and {j}: closed form {closed}, general {general}"
        );
    }
    // A person with itself: every marker contributes its identical-genotype term.
    let a = &nist.profiles[0];
    let closed = full_sibling_lr(a, a, &p);
    let general = full_sibling_general(&nist, &encoder, a, a);
    assert!(((closed - general) / general).abs() <= 1e-9);
}

#[test]
fn genotypes_decode_to_the_table() {
    let nist = nist(None);
    let encoder = Models::new(nist.models.clone()).expect("the NIST markers fit an index");
    let table = formats::builtin::nist_genotypes().expect("built-in NIST genotypes");
    for (person, profile) in table.profiles.iter().zip(&nist.profiles) {
        let decoded = encoder.decode(profile);
        for (model, g) in nist.models.iter().zip(decoded) {
            let want: Option<Genotype> = person.genotype(model.name());
            assert_eq!(g, want, "{} at {}", person.sample, model.name());
        }
    }
}
