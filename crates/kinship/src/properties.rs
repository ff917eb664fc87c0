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

/// A family of four: father, mother and two children.
fn nuclear_family() -> Pedigree {
    Pedigree::new(vec![
        Person::founder("F", Sex::Male),
        Person::founder("M", Sex::Female),
        Person::child("C1", Sex::Male, "F", "M"),
        Person::child("C2", Sex::Female, "F", "M"),
    ])
    .unwrap()
}

/// Balding–Nichols: the probability that the next allele drawn from the
/// subpopulation is `x` when the alleles `seen` were drawn before it,
/// (n_x θ + (1 - θ) p_x) / (1 + (n - 1) θ).
fn bn_next(x: usize, seen: &[usize], p: &[f64], theta: f64) -> f64 {
    let n_x = seen.iter().filter(|&&s| s == x).count() as f64;
    let n = seen.len() as f64;
    (n_x * theta + (1.0 - theta) * p[x]) / (1.0 + (n - 1.0) * theta)
}

/// P(B | A) for unrelated A and B under θ: B's alleles are the third and
/// fourth draws after A's two.
fn p_unrelated_theta(a: (usize, usize), b: (usize, usize), p: &[f64], theta: f64) -> f64 {
    let seen = [a.0, a.1];
    let first =
        |x: usize, y: usize| bn_next(x, &seen, p, theta) * bn_next(y, &[a.0, a.1, x], p, theta);
    if b.0 == b.1 {
        first(b.0, b.0)
    } else {
        first(b.0, b.1) + first(b.1, b.0)
    }
}

/// P(B | A, one allele identical by descent) under θ: one of A's alleles
/// (1/2 each) and a third draw after A's two.
fn p_ibd1_theta(a: (usize, usize), b: (usize, usize), p: &[f64], theta: f64) -> f64 {
    let share = |x: usize| 0.5 * (f64::from(u8::from(a.0 == x)) + f64::from(u8::from(a.1 == x)));
    let new = |y: usize| bn_next(y, &[a.0, a.1], p, theta);
    if b.0 == b.1 {
        share(b.0) * new(b.0)
    } else {
        share(b.0) * new(b.1) + share(b.1) * new(b.0)
    }
}

/// The pairwise LR under θ from the IBD coefficients, written out by hand:
/// k0 + k1 P(B | A, IBD 1) / P(B | A) + k2 [B = A] / P(B | A).
fn closed_form_theta(
    rel: Relationship,
    a: (usize, usize),
    b: (usize, usize),
    p: &[f64],
    theta: f64,
) -> f64 {
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
    let unrelated = p_unrelated_theta(a, b, p, theta);
    k0 + k1 * p_ibd1_theta(a, b, p, theta) / unrelated
        + k2 * if same { 1.0 / unrelated } else { 0.0 }
}

/// A mutation matrix written out by hand from the definitions (alleles 8, 9,
/// 10, ...: one microvariant group, so stepwise ignores rate2).
fn hand_matrix(kind: MutationKind, rate: f64, p: &[f64]) -> Vec<Vec<f64>> {
    let n = p.len();
    let mut m = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            m[i][j] = match kind {
                MutationKind::Equal => rate / (n - 1) as f64,
                MutationKind::Proportional => {
                    let h: f64 = p.iter().map(|q| q * (1.0 - q)).sum();
                    rate / h * p[j]
                }
                MutationKind::Stepwise { range, .. } => {
                    let w = |k: usize| range.powi(i.abs_diff(k) as i32);
                    let total: f64 = (0..n).filter(|&k| k != i).map(w).sum();
                    rate * w(j) / total
                }
            };
        }
        m[i][i] = 1.0 - (0..n).filter(|&j| j != i).map(|j| m[i][j]).sum::<f64>();
    }
    m
}

fn kind_strategy() -> impl Strategy<Value = MutationKind> {
    prop_oneof![
        Just(MutationKind::Equal),
        Just(MutationKind::Proportional),
        (0.05..0.95f64).prop_map(|range| MutationKind::Stepwise { range, rate2: 0.0 }),
    ]
}

fn typed_pair(model: &MarkerModel, a: (usize, usize), b: (usize, usize)) -> Vec<TypedPerson> {
    let al = model.frequencies().alleles();
    vec![
        TypedPerson {
            id: "A".into(),
            genotypes: vec![Some(Genotype::new(al[a.0], al[a.1]))],
        },
        TypedPerson {
            id: "B".into(),
            genotypes: vec![Some(Genotype::new(al[b.0], al[b.1]))],
        },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A paternal great-uncle and a paternal first cousin of the missing
    /// child, placed by `case_pedigree` (great-grandparents, an untyped
    /// uncle and his wife): each relates the child to the reference with
    /// IBD coefficients (3/4, 1/4, 0), as a first cousin does, and the
    /// case's LR is that closed form.
    #[test]
    fn paternal_great_uncle_and_first_cousin_are_the_closed_form(
        n in 2usize..6, w in prop::collection::vec(0.01..1.0f64, 6),
        a in (0usize..6, 0usize..6), b in (0usize..6, 0usize..6),
        cousin in any::<bool>(), boy in any::<bool>(),
    ) {
        let model = marker(n, &w, None);
        let a = (a.0 % n, a.1 % n);
        let b = (b.0 % n, b.1 % n);
        let relative = if cousin { Relative::PaternalFirstCousin } else { Relative::PaternalGreatUncle };
        let reference = Reference { id: "A".into(), relative, sex: Sex::Male };
        let child_sex = if boy { Sex::Male } else { Sex::Female };
        let c = case_pedigree(child_sex, &[reference]).unwrap();
        let mut typed = typed_pair(&model, a, b);
        typed[1].id = MISSING_CHILD.into();
        let want = closed_form(Relationship::FirstCousin, a, b, model.frequencies().frequencies());
        let case = KinshipCase { theta: 0.0, markers: vec![model], h1: c.h1, h2: c.h2, typed };
        let got = case.evaluate().unwrap().lr();
        prop_assert!(rel_close(got, want, 1e-12), "{relative}: {got} vs {want}");
    }

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

    /// Total probability with θ > 0 and mutation: summing the likelihood over
    /// every genotype of one person of a family of four (a child given typed
    /// or untyped parents, or a founder, whose alleles then enter the θ
    /// sequence as typed instead of being enumerated) gives the likelihood
    /// without that person.
    #[test]
    fn total_probability_with_theta_and_mutation(
        n in 2usize..6, w in prop::collection::vec(0.01..1.0f64, 6), m in mutation_strategy(),
        theta in 0.001..0.1f64, g in prop::collection::vec((0usize..6, 0usize..6), 4),
        typed in prop::collection::vec(any::<bool>(), 4), summed in 0usize..4,
    ) {
        let model = marker(n, &w, m);
        let ped = nuclear_family();
        let mut slots: Vec<Option<IndexGenotype>> = (0..4)
            .map(|i| typed[i].then_some((g[i].0 % n, g[i].1 % n)))
            .collect();
        slots[summed] = None;
        let without = likelihood(&ped, &model, &slots, theta).unwrap();
        let mut total = 0.0;
        for a in 0..n {
            for b in a..n {
                slots[summed] = Some((a, b));
                total += likelihood(&ped, &model, &slots, theta).unwrap();
            }
        }
        prop_assert!(rel_close(total, without, 1e-12), "summed {summed}: {total} vs {without}");
    }

    /// Pairwise LRs under θ > 0 (H1 != H2) against the Balding–Nichols closed
    /// forms written out by hand.
    #[test]
    fn pairwise_theta_closed_forms_equal_the_general_path(
        n in 2usize..6, w in prop::collection::vec(0.01..1.0f64, 6),
        a in (0usize..6, 0usize..6), b in (0usize..6, 0usize..6), r in 0usize..6,
        theta in 0.001..0.2f64,
    ) {
        let model = marker(n, &w, None);
        // First cousins (four untyped founders) are left to the slow test below.
        let rel = [
            Relationship::ParentChild,
            Relationship::FullSibling,
            Relationship::HalfSibling,
            Relationship::Grandparent,
            Relationship::Avuncular,
            Relationship::Unrelated,
        ][r];
        let a = (a.0 % n, a.1 % n);
        let b = (b.0 % n, b.1 % n);
        let (h1, h2) = pair_hypotheses(rel, ("A", Sex::Unknown), ("B", Sex::Unknown)).unwrap();
        let typed = typed_pair(&model, a, b);
        let want = closed_form_theta(rel, a, b, model.frequencies().frequencies(), theta);
        let case = KinshipCase { theta, markers: vec![model], h1, h2, typed };
        let got = case.evaluate().unwrap().lr();
        prop_assert!(rel_close(got, want, 1e-12), "{rel}: {got} vs {want}");
    }

    /// A parent-child duo with mutation (the parent's matrix for the shared
    /// allele, the other parent's matrix for a population allele) and θ,
    /// against the sum over the child's two phases written out by hand.
    #[test]
    fn duo_with_mutation_and_theta_by_hand(
        n in 2usize..7, w in prop::collection::vec(0.01..1.0f64, 7),
        km in kind_strategy(), kf in kind_strategy(), rm in 0.0..0.019f64, rf in 0.0..0.019f64,
        father in any::<bool>(), theta in prop_oneof![Just(0.0), 0.001..0.1f64],
        a in (0usize..7, 0usize..7), b in (0usize..7, 0usize..7),
    ) {
        let mutation = MutationModel { kind: km, rate_male: rm, rate_female: rf, female_kind: Some(kf) };
        let model = marker(n, &w, Some(mutation));
        let p = model.frequencies().frequencies().to_vec();
        let (a, b) = ((a.0 % n, a.1 % n), (b.0 % n, b.1 % n));
        let male = hand_matrix(km, rm, &p);
        let female = hand_matrix(kf, rf, &p);
        let (own, spouse) = if father { (&male, &female) } else { (&female, &male) };
        // The parent passes one of its alleles through its own matrix; the
        // other parent passes an allele drawn after A's two through its own.
        let from_a = |x: usize| 0.5 * (own[a.0][x] + own[a.1][x]);
        let from_other = |y: usize| (0..n).map(|u| bn_next(u, &[a.0, a.1], &p, theta) * spouse[u][y]).sum::<f64>();
        let h1 = if b.0 == b.1 {
            from_a(b.0) * from_other(b.0)
        } else {
            from_a(b.0) * from_other(b.1) + from_a(b.1) * from_other(b.0)
        };
        let want = h1 / p_unrelated_theta(a, b, &p, theta);
        let sex = if father { Sex::Male } else { Sex::Female };
        let (h1, h2) = pair_hypotheses(Relationship::ParentChild, ("A", sex), ("B", Sex::Unknown)).unwrap();
        let typed = typed_pair(&model, a, b);
        let case = KinshipCase { theta, markers: vec![model], h1, h2, typed };
        let got = case.evaluate().unwrap().lr();
        prop_assert!(rel_close(got, want, 1e-12), "{got} vs {want}");
    }

    /// The paternity index of a trio with mutation in both parents and θ:
    /// sum over the child's phases of father x and mother y, over the same
    /// with the father's allele drawn after the four of the typed parents
    /// and passed through the male matrix.
    #[test]
    fn trio_with_mutation_and_theta_by_hand(
        n in 2usize..7, w in prop::collection::vec(0.01..1.0f64, 7),
        km in kind_strategy(), kf in kind_strategy(), rm in 0.0..0.019f64, rf in 0.0..0.019f64,
        theta in prop_oneof![Just(0.0), 0.001..0.1f64],
        f in (0usize..7, 0usize..7), mo in (0usize..7, 0usize..7), c in (0usize..7, 0usize..7),
    ) {
        let mutation = MutationModel { kind: km, rate_male: rm, rate_female: rf, female_kind: Some(kf) };
        let model = marker(n, &w, Some(mutation));
        let p = model.frequencies().frequencies().to_vec();
        let (f, mo, c) = ((f.0 % n, f.1 % n), (mo.0 % n, mo.1 % n), (c.0 % n, c.1 % n));
        let male = hand_matrix(km, rm, &p);
        let female = hand_matrix(kf, rf, &p);
        let from_father = |x: usize| 0.5 * (male[f.0][x] + male[f.1][x]);
        let from_mother = |y: usize| 0.5 * (female[mo.0][y] + female[mo.1][y]);
        let seen = [f.0, f.1, mo.0, mo.1];
        let from_unknown = |x: usize| (0..n).map(|u| bn_next(u, &seen, &p, theta) * male[u][x]).sum::<f64>();
        let phases: Vec<(usize, usize)> = if c.0 == c.1 { vec![c] } else { vec![c, (c.1, c.0)] };
        let h1: f64 = phases.iter().map(|&(x, y)| from_father(x) * from_mother(y)).sum();
        let h2: f64 = phases.iter().map(|&(x, y)| from_unknown(x) * from_mother(y)).sum();
        let (ped1, ped2) = trio_hypotheses(("C", Sex::Unknown), "M", "F").unwrap();
        let al = model.frequencies().alleles().to_vec();
        let typed = [("F", f), ("M", mo), ("C", c)]
            .iter()
            .map(|&(id, (x, y))| TypedPerson { id: id.into(), genotypes: vec![Some(Genotype::new(al[x], al[y]))] })
            .collect();
        let case = KinshipCase { theta, markers: vec![model], h1: ped1, h2: ped2, typed };
        match case.evaluate() {
            Ok(r) => prop_assert!(rel_close(r.lr(), h1 / h2, 1e-12), "{} vs {}", r.lr(), h1 / h2),
            Err(LrError::ImpossibleUnderBoth { .. }) => prop_assert!(h1 == 0.0 && h2 == 0.0),
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

/// First cousins under θ (four untyped founders, enumerated jointly) against
/// the Balding–Nichols closed form, over every pair of genotypes of a
/// three-allele marker.
#[test]
fn first_cousins_theta_closed_form() {
    let model = marker(3, &[0.2, 0.3, 0.5], None);
    let p = model.frequencies().frequencies().to_vec();
    let genotypes: Vec<(usize, usize)> = (0..3).flat_map(|x| (x..3).map(move |y| (x, y))).collect();
    let (h1, h2) = pair_hypotheses(
        Relationship::FirstCousin,
        ("A", Sex::Unknown),
        ("B", Sex::Unknown),
    )
    .unwrap();
    for &a in &genotypes {
        for &b in &genotypes {
            let theta = 0.03;
            let case = KinshipCase {
                theta,
                markers: vec![model.clone()],
                h1: h1.clone(),
                h2: h2.clone(),
                typed: typed_pair(&model, a, b),
            };
            let got = case.evaluate().unwrap().lr();
            let want = closed_form_theta(Relationship::FirstCousin, a, b, &p, theta);
            assert!(rel_close(got, want, 1e-12), "{a:?} {b:?}: {got} vs {want}");
        }
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
