//! Property tests: the general likelihood against probability laws and
//! hand-computed closed forms.

use proptest::prelude::*;

use crate::*;

fn marker(n: usize, weights: &[f64], mutation: Option<MutationModel>) -> MarkerModel {
    let alleles: Vec<Allele> = (0..n)
        .map(|i| Allele::from_tenths(80 + 10 * i as u32))
        .collect();
    let total: f64 = weights[..n].iter().sum();
    let freqs = weights[..n].iter().map(|w| w / total).collect();
    MarkerModel::new(
        MarkerFrequencies::new("L", alleles, freqs).unwrap(),
        mutation,
    )
    .unwrap()
}

fn mutation_strategy() -> impl Strategy<Value = Option<MutationModel>> {
    prop_oneof![
        Just(None),
        (0.0..0.05f64, 0.0..0.05f64).prop_map(|(m, f)| Some(MutationModel {
            kind: MutationKind::Equal,
            rate_male: m,
            rate_female: f,
            female_kind: None,
        })),
        // The proportional model is valid while rate <= sum p(1 - p), which is
        // at least 0.0196 for the weights drawn here (0.01..1, two alleles or more).
        (0.0..0.019f64, 0.0..0.019f64).prop_map(|(m, f)| Some(MutationModel {
            kind: MutationKind::Proportional,
            rate_male: m,
            rate_female: f,
            female_kind: None,
        })),
        (0.0..0.05f64, 0.0..0.05f64, 0.05..0.95f64, 0.0..0.001f64).prop_map(
            |(m, f, range, rate2)| Some(MutationModel {
                kind: MutationKind::Stepwise { range, rate2 },
                rate_male: m,
                rate_female: f,
                female_kind: None,
            })
        ),
        // Familias allows a different model for each sex.
        (0.0..0.05f64, 0.0..0.05f64, 0.05..0.95f64).prop_map(|(m, f, range)| Some(MutationModel {
            kind: MutationKind::Stepwise { range, rate2: 0.0 },
            rate_male: m,
            rate_female: f,
            female_kind: Some(MutationKind::Equal),
        })),
    ]
}

fn trio() -> Pedigree {
    Pedigree::new(vec![
        Person::founder("F", Sex::Male),
        Person::founder("M", Sex::Female),
        Person::child("C", Sex::Female, "F", "M"),
    ])
    .unwrap()
}

/// P(B | A, one allele identical by descent), no mutation.
fn p_ibd1(a: (usize, usize), b: (usize, usize), p: &[f64]) -> f64 {
    let given = |x: usize| {
        if b.0 == b.1 {
            if x == b.0 { p[b.0] } else { 0.0 }
        } else {
            (if x == b.0 { p[b.1] } else { 0.0 }) + (if x == b.1 { p[b.0] } else { 0.0 })
        }
    };
    0.5 * (given(a.0) + given(a.1))
}

fn p_genotype(g: (usize, usize), p: &[f64]) -> f64 {
    if g.0 == g.1 {
        p[g.0] * p[g.0]
    } else {
        2.0 * p[g.0] * p[g.1]
    }
}

/// The pairwise LR from the IBD coefficients (k0, k1, k2).
fn closed_form(rel: Relationship, a: (usize, usize), b: (usize, usize), p: &[f64]) -> f64 {
    let (k0, k1, k2) = match rel {
        Relationship::ParentChild => (0.0, 1.0, 0.0),
        Relationship::FullSibling => (0.25, 0.5, 0.25),
        Relationship::HalfSibling | Relationship::Grandparent | Relationship::Avuncular => {
            (0.5, 0.5, 0.0)
        }
        Relationship::FirstCousin => (0.75, 0.25, 0.0),
        Relationship::Unrelated => (1.0, 0.0, 0.0),
    };
    let same = (a.0.min(a.1), a.0.max(a.1)) == (b.0.min(b.1), b.0.max(b.1));
    k0 + k1 * p_ibd1(a, b, p) / p_genotype(b, p)
        + k2 * if same { 1.0 / p_genotype(b, p) } else { 0.0 }
}

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    if b == 0.0 {
        a.abs() <= tol
    } else {
        ((a - b) / b).abs() <= tol
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mutation_rows_sum_to_one(n in 2usize..12, w in prop::collection::vec(0.01..1.0f64, 12), m in mutation_strategy()) {
        let model = marker(n, &w, m);
        for sex in [ParentSex::Male, ParentSex::Female] {
            if let Some(mat) = model.matrix(sex) {
                for i in 0..n {
                    let s: f64 = mat.row(i).iter().sum();
                    prop_assert!((s - 1.0).abs() < 1e-12, "row {i} sums to {s}");
                    prop_assert!(mat.row(i).iter().all(|&x| x >= 0.0));
                }
            }
        }
    }

    #[test]
    fn child_given_parents_sums_to_one(
        n in 2usize..8, w in prop::collection::vec(0.01..1.0f64, 8), m in mutation_strategy(),
        f in (0usize..8, 0usize..8), mo in (0usize..8, 0usize..8),
    ) {
        let model = marker(n, &w, m);
        let ped = trio();
        let f = (f.0 % n, f.1 % n);
        let mo = (mo.0 % n, mo.1 % n);
        let parents = likelihood(&ped, &model, &[Some(f), Some(mo), None], 0.0).unwrap();
        let mut total = 0.0;
        for a in 0..n {
            for b in a..n {
                total += likelihood(&ped, &model, &[Some(f), Some(mo), Some((a, b))], 0.0).unwrap();
            }
        }
        prop_assert!((total / parents - 1.0).abs() < 1e-12, "{total} vs {parents}");
    }

    #[test]
    fn same_hypotheses_give_one(
        n in 2usize..8, w in prop::collection::vec(0.01..1.0f64, 8), m in mutation_strategy(),
        g in prop::collection::vec((0usize..8, 0usize..8), 3), theta in prop_oneof![Just(0.0), 0.0..0.05f64],
    ) {
        let model = marker(n, &w, m);
        let ped = trio();
        let typed = ["F", "M", "C"].iter().zip(&g).map(|(id, &(a, b))| TypedPerson {
            id: id.to_string(),
            genotypes: vec![Some(Genotype::new(model.frequencies().alleles()[a % n], model.frequencies().alleles()[b % n]))],
        }).collect();
        let case = KinshipCase { theta, markers: vec![model], h1: ped.clone(), h2: ped, typed };
        match case.evaluate() {
            Ok(r) => prop_assert!((r.lr() - 1.0).abs() < 1e-12),
            Err(LrError::ImpossibleUnderBoth { .. }) => {}
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    #[test]
    fn pairwise_closed_forms_equal_the_general_path(
        n in 2usize..9, w in prop::collection::vec(0.01..1.0f64, 9),
        a in (0usize..9, 0usize..9), b in (0usize..9, 0usize..9), r in 0usize..7,
    ) {
        let model = marker(n, &w, None);
        let rel = Relationship::ALL[r];
        let a = (a.0 % n, a.1 % n);
        let b = (b.0 % n, b.1 % n);
        let (h1, h2) = pair_hypotheses(rel, ("A", Sex::Unknown), ("B", Sex::Unknown)).unwrap();
        let al = model.frequencies().alleles().to_vec();
        let typed = vec![
            TypedPerson { id: "A".into(), genotypes: vec![Some(Genotype::new(al[a.0], al[a.1]))] },
            TypedPerson { id: "B".into(), genotypes: vec![Some(Genotype::new(al[b.0], al[b.1]))] },
        ];
        let want = closed_form(rel, a, b, model.frequencies().frequencies());
        let case = KinshipCase { theta: 0.0, markers: vec![model], h1, h2, typed };
        let got = case.evaluate().unwrap().lr();
        prop_assert!(rel_close(got, want, 1e-12), "{rel}: {got} vs {want}");
    }
}

/// A child of first cousins (a loop) is homozygous with probability
/// p^2 + F p (1 - p), F = 1/16.
#[test]
fn inbred_child_of_first_cousins() {
    let ped = Pedigree::new(vec![
        Person::founder("GF", Sex::Male),
        Person::founder("GM", Sex::Female),
        Person::child("P1", Sex::Male, "GF", "GM"),
        Person::child("P2", Sex::Female, "GF", "GM"),
        Person::founder("S1", Sex::Female),
        Person::founder("S2", Sex::Male),
        Person::child("A", Sex::Male, "P1", "S1"),
        Person::child("B", Sex::Female, "S2", "P2"),
        Person::child("X", Sex::Male, "A", "B"),
    ])
    .unwrap();
    let model = marker(4, &[0.1, 0.2, 0.3, 0.4], None);
    let mut g = vec![None; 9];
    g[8] = Some((1, 1));
    let got = likelihood(&ped, &model, &g, 0.0).unwrap();
    let (p, f) = (0.2, 1.0 / 16.0);
    assert!(rel_close(got, p * p + f * p * (1.0 - p), 1e-13), "{got}");
}

/// Fifty markers each with LR 1e-30 give a total of 1e-1500 in log10 without underflow.
#[test]
fn many_tiny_markers_do_not_underflow() {
    let markers: Vec<MarkerLr> = (0..50)
        .map(|i| MarkerLr {
            name: format!("M{i}"),
            h1: 1e-31,
            h2: 0.1,
            lr: 1e-30,
        })
        .collect();
    let r = LrResult::from_markers(markers);
    assert!((r.log10_lr + 1500.0).abs() < 1e-9);
    assert!(!r.is_exclusion());
}

/// Theta with untyped founders: the full-sibling case G6 by hand.
#[test]
fn theta_full_siblings_by_hand() {
    let (h1, h2) = pair_hypotheses(
        Relationship::FullSibling,
        ("S1", Sex::Male),
        ("S2", Sex::Female),
    )
    .unwrap();
    let model = marker(4, &[0.1, 0.2, 0.3, 0.4], None);
    let al = model.frequencies().alleles().to_vec();
    let typed = vec![
        TypedPerson {
            id: "S1".into(),
            genotypes: vec![Some(Genotype::new(al[0], al[0]))],
        },
        TypedPerson {
            id: "S2".into(),
            genotypes: vec![Some(Genotype::new(al[0], al[0]))],
        },
    ];
    let case = KinshipCase {
        theta: 0.02,
        markers: vec![model],
        h1,
        h2,
        typed,
    };
    assert!(rel_close(
        case.evaluate().unwrap().lr(),
        15.7040451293341,
        1e-12
    ));
}
