//! False positives among real unrelated people: every pair of the 1036 NIST
//! U.S. population samples (29 autosomal STRs, NIST "All" frequencies) scored
//! as parent and child (through the search index, the registry's default
//! stepwise mutation model) and as full siblings (closed form, no mutation).
//!
//! The people are unrelated, so every pair passing a threshold is a false
//! positive. The data and the mathematics are deterministic: the counts are
//! asserted exactly, so any change of the LR kernels, the pruning of the
//! search or the data shows here.

use kinship::{
    Genotype, KinshipCase, MarkerModel, MutationModel, Relationship, Relative, Sex, TypedPerson,
    pair_hypotheses,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use search::{Index, MISSING, Models, Profile, Query, SearchConfig};

/// Parent-child pairs (ordered: parent A, child B, A != B) with LR >= 10^3,
/// with LR >= 10^4, and the highest log10 LR of any pair. With the mother as
/// the reference (female mutation rate 0.0005):
const MOTHER_CHILD: (usize, usize, f64) = (0, 0, -0.412_106_216_5);
/// With the father as the reference (male mutation rate 0.002):
const FATHER_CHILD: (usize, usize, f64) = (0, 0, 1.362_620_096_9);
/// Full-sibling pairs (unordered) with LR >= 10^3, >= 10^4, and the highest log10 LR.
const FULL_SIBLING: (usize, usize, f64) = (20, 1, 4.479_272_815_6);

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

/// What scoring every ordered or unordered pair gave.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Summary {
    at_least_1e3: usize,
    at_least_1e4: usize,
    /// The highest log10 LR of any pair of two different persons.
    max_log10_lr: f64,
}

impl Summary {
    fn assert_is(&self, e1e3: usize, e1e4: usize, max_log10_lr: f64, what: &str) {
        assert_eq!(
            (self.at_least_1e3, self.at_least_1e4),
            (e1e3, e1e4),
            "{what}: pairs with LR >= 1e3 and >= 1e4"
        );
        assert!(
            (self.max_log10_lr - max_log10_lr).abs() <= 1e-6,
            "{what}: highest log10 LR {} (was {max_log10_lr})",
            self.max_log10_lr
        );
    }
}

/// Parent-child false positives with `relative` (mother or father) as the one
/// reference: ordered pairs (parent, child) with LR >= 10^3 and >= 10^4.
fn parent_child_hits(nist: &Nist, relative: Relative, sex: Sex) -> Summary {
    let models = Models::new(nist.models.clone()).expect("the NIST markers fit an index");
    let mut index = Index::new(models, SearchConfig::default());
    for (i, p) in nist.profiles.iter().enumerate() {
        index
            .insert_case(i as u64, Sex::Unknown, &[(relative, sex, p.clone())])
            .expect("a one-parent case");
    }
    let query = Query {
        top_k: None,
        min_lr: Some(1e3),
    };
    // The best two: the person's own case and the best other.
    let best = Query {
        top_k: Some(2),
        min_lr: None,
    };
    let per_child: Vec<(usize, usize, f64)> = nist
        .profiles
        .par_iter()
        .enumerate()
        .map(|(child, profile)| {
            let (hits, stats) = index.search_child(profile, &query).expect("search");
            assert_eq!(stats.scanned, PEOPLE);
            let (top, _) = index.search_child(profile, &best).expect("search");
            let max = top
                .iter()
                .filter(|h| h.id != child as u64)
                .map(|h| h.log10_lr)
                .fold(f64::NEG_INFINITY, f64::max);
            // Every case scored one by one: the search must miss no pair.
            let mut brute = (0, 0, f64::NEG_INFINITY);
            for h in (0..PEOPLE as u64)
                .filter(|&c| c != child as u64)
                .filter_map(|c| index.score(c, profile))
            {
                brute.0 += usize::from(h.log10_lr >= 3.0);
                brute.1 += usize::from(h.log10_lr >= 4.0);
                brute.2 = brute.2.max(h.log10_lr);
            }
            let mut counts = (0, 0, max);
            for h in hits.iter().filter(|h| h.id != child as u64) {
                assert!(h.log10_lr >= 3.0, "a hit below the query's floor");
                counts.0 += 1;
                if h.log10_lr >= 4.0 {
                    counts.1 += 1;
                }
                // The fast kernel against the plain pedigree path.
                let general: f64 = index
                    .score_general(h.id, profile)
                    .expect("shared markers")
                    .iter()
                    .map(|m| m.1.log10())
                    .sum();
                assert!(
                    (general - h.log10_lr).abs() <= 1e-9 * general.abs(),
                    "case {} child {child}: fast {} general {general}",
                    h.id,
                    h.log10_lr
                );
            }
            assert_eq!(counts, brute, "child {child}: search against brute force");
            counts
        })
        .collect();
    // The fast kernel against the plain pedigree path on random pairs.
    let mut rng = ChaCha8Rng::seed_from_u64(relative as u64);
    for _ in 0..20 {
        let case = rng.random_range(0..PEOPLE);
        let child = (case + rng.random_range(1..PEOPLE)) % PEOPLE;
        let fast = index
            .score(case as u64, &nist.profiles[child])
            .expect("shared markers");
        let general = index
            .score_general(case as u64, &nist.profiles[child])
            .expect("shared markers");
        for ((m, f), (_, g)) in fast.markers.iter().zip(&general) {
            assert!(
                (f - g).abs() <= 1e-9 * g.abs(),
                "case {case} child {child} marker {m}: fast {f} general {g}"
            );
        }
    }
    let (at_least_1e3, at_least_1e4, max_log10_lr) = per_child
        .into_iter()
        .fold((0, 0, f64::NEG_INFINITY), |a, b| {
            (a.0 + b.0, a.1 + b.1, a.2.max(b.2))
        });
    Summary {
        at_least_1e3,
        at_least_1e4,
        max_log10_lr,
    }
}

#[test]
fn parent_child_false_positives() {
    let nist = nist(Some(MutationModel::DEFAULT_SEARCH));
    let mother = parent_child_hits(&nist, Relative::Mother, Sex::Female);
    let father = parent_child_hits(&nist, Relative::Father, Sex::Male);
    let ordered = PEOPLE * (PEOPLE - 1);
    println!("parent-child, {ordered} ordered pairs: mother {mother:?}; father {father:?}");
    mother.assert_is(
        MOTHER_CHILD.0,
        MOTHER_CHILD.1,
        MOTHER_CHILD.2,
        "mother-child",
    );
    father.assert_is(
        FATHER_CHILD.0,
        FATHER_CHILD.1,
        FATHER_CHILD.2,
        "father-child",
    );
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

#[test]
fn full_sibling_false_positives() {
    let nist = nist(None);
    let p = frequencies(&nist);
    let counts: Vec<(usize, usize, f64)> = (0..PEOPLE)
        .into_par_iter()
        .map(|i| {
            let mut c = (0, 0, 0.0f64);
            for j in i + 1..PEOPLE {
                let lr = full_sibling_lr(&nist.profiles[i], &nist.profiles[j], &p);
                if lr >= 1e3 {
                    c.0 += 1;
                }
                if lr >= 1e4 {
                    c.1 += 1;
                }
                c.2 = c.2.max(lr);
            }
            c
        })
        .collect();
    let (at_least_1e3, at_least_1e4, max_lr) = counts
        .into_iter()
        .fold((0, 0, 0.0f64), |a, b| (a.0 + b.0, a.1 + b.1, a.2.max(b.2)));
    let summary = Summary {
        at_least_1e3,
        at_least_1e4,
        max_log10_lr: max_lr.log10(),
    };
    let unordered = PEOPLE * (PEOPLE - 1) / 2;
    println!("full siblings, {unordered} unordered pairs: {summary:?}");
    summary.assert_is(
        FULL_SIBLING.0,
        FULL_SIBLING.1,
        FULL_SIBLING.2,
        "full siblings",
    );
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
