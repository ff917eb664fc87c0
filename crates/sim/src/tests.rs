use kinship::{
    Allele, IndexGenotype, MISSING_CHILD, MarkerFrequencies, MarkerModel, MutationKind,
    MutationModel, Pedigree, Person, Relative, Sex,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::*;

/// A marker with `n` alleles (10, 11, ...) and the given frequencies.
fn marker(name: &str, freqs: &[f64], mutation: Option<MutationModel>) -> MarkerModel {
    let alleles = (0..freqs.len() as u32)
        .map(|i| Allele::from_tenths(100 + 10 * i))
        .collect();
    MarkerModel::new(
        MarkerFrequencies::new(name, alleles, freqs.to_vec()).unwrap(),
        mutation,
    )
    .unwrap()
}

/// Five markers with 5 to 9 alleles, without mutation.
fn plain_models() -> Vec<MarkerModel> {
    (5..10)
        .map(|n| {
            let w: Vec<f64> = (1..=n).map(f64::from).collect();
            let sum: f64 = w.iter().sum();
            let f: Vec<f64> = w.iter().map(|x| x / sum).collect();
            marker(&format!("M{n}"), &f, None)
        })
        .collect()
}

fn has(g: IndexGenotype, a: usize) -> bool {
    g.0 == a || g.1 == a
}

/// Whether `child` can have one allele from `x` and the other from `y`.
fn from_both(child: IndexGenotype, x: IndexGenotype, y: IndexGenotype) -> bool {
    (has(x, child.0) && has(y, child.1)) || (has(x, child.1) && has(y, child.0))
}

fn shares_allele(a: IndexGenotype, b: IndexGenotype) -> bool {
    has(b, a.0) || has(b, a.1)
}

fn all_configs(k: usize) -> Vec<Configuration> {
    (0..k).map(|i| Configuration::ALL[i % 4]).collect()
}

fn same_families(a: &[SimulatedFamily], b: &[SimulatedFamily]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.config == y.config
                && x.child_sex == y.child_sex
                && x.references == y.references
                && x.pedigree.h1 == y.pedigree.h1
                && x.pedigree.h2 == y.pedigree.h2
                && x.reference_genotypes == y.reference_genotypes
                && x.child == y.child
        })
}

#[test]
fn same_seed_same_families_on_any_number_of_threads() {
    let models = synthetic_models(6, Some(MutationModel::DEFAULT_SEARCH), 3);
    let configs = all_configs(200);
    let a = families(&models, &configs, 42);
    let b = families(&models, &configs, 42);
    assert!(same_families(&a, &b));
    let c = families(&models, &configs, 43);
    assert!(!same_families(&a, &c), "another seed gives other families");

    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| families(&models, &configs, 42))
    };
    assert!(same_families(&a, &run(1)));
    assert!(same_families(&a, &run(5)));

    // Family i is reproducible on its own.
    let mut sampler = Sampler::new(&models);
    for i in [0usize, 7, 199] {
        let f = family(&mut sampler, configs[i], &mut family_rng(42, i as u64)).unwrap();
        assert!(same_families(std::slice::from_ref(&a[i]), &[f]));
    }
}

#[test]
fn founders_follow_the_frequencies() {
    let p = [0.3, 0.25, 0.2, 0.1, 0.08, 0.05, 0.02];
    let models = vec![marker("L", &p, None)];
    let mut sampler = Sampler::new(&models);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let people = 100_000;
    let mut counts = [0usize; 7];
    let mut homozygous = 0usize;
    for _ in 0..people {
        let g = sampler.founder(&mut rng).unwrap()[0];
        assert!(g.0 <= g.1, "smaller index first");
        counts[g.0] += 1;
        counts[g.1] += 1;
        homozygous += usize::from(g.0 == g.1);
    }
    for (c, f) in counts.iter().zip(p) {
        let share = *c as f64 / (2 * people) as f64;
        assert!(
            (share - f).abs() < 0.005,
            "allele share {share}, frequency {f}"
        );
    }
    let expected: f64 = p.iter().map(|x| x * x).sum();
    let share = homozygous as f64 / people as f64;
    assert!(
        (share - expected).abs() < 0.006,
        "homozygous share {share}, Hardy–Weinberg {expected}"
    );
}

/// Whether `k` successes in `n` fair coin tosses are within five standard
/// deviations of `n / 2` (deterministic with a seeded RNG, so never flaky).
fn about_half(k: usize, n: usize) -> bool {
    let sd = (n as f64 * 0.25).sqrt();
    (k as f64 - n as f64 / 2.0).abs() <= 5.0 * sd
}

#[test]
fn without_mutation_children_carry_one_allele_of_each_parent() {
    let models = plain_models();
    let mut sampler = Sampler::new(&models);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    // Per marker and parent: (heterozygous parent whose alleles the other
    // parent lacks, first allele passed on); and for both parents so, how
    // often both passed their first allele.
    let k = models.len();
    let mut paternal = vec![(0usize, 0usize); k];
    let mut maternal = vec![(0usize, 0usize); k];
    let mut both = vec![(0usize, 0usize); k];
    for _ in 0..20_000 {
        let father = sampler.founder(&mut rng).unwrap();
        let mother = unrelated(&mut sampler, &mut rng).unwrap();
        let child = sampler.child(&father, &mother, &mut rng);
        assert_eq!(child.len(), k);
        for (j, ((&c, &f), &m)) in child.iter().zip(&father).zip(&mother).enumerate() {
            assert!(c.0 <= c.1);
            assert!(from_both(c, f, m), "child {c:?} of {f:?} and {m:?}");
            // Which allele of a heterozygous parent was passed on is known
            // when the other parent carries neither of its alleles.
            let first_of = |x: IndexGenotype, y: IndexGenotype| {
                (x.0 != x.1 && !has(y, x.0) && !has(y, x.1)).then(|| has(c, x.0))
            };
            let from_father = first_of(f, m);
            let from_mother = first_of(m, f);
            if let Some(first) = from_father {
                paternal[j].0 += 1;
                paternal[j].1 += usize::from(first);
            }
            if let Some(first) = from_mother {
                maternal[j].0 += 1;
                maternal[j].1 += usize::from(first);
            }
            if let (Some(x), Some(y)) = (from_father, from_mother) {
                both[j].0 += 1;
                both[j].1 += usize::from(x == y);
            }
        }
    }
    // Each parent passes either allele with probability 1/2, the father's
    // choice independent of the mother's (the same choice with probability 1/2).
    for (j, name) in models.iter().map(|m| m.name()).enumerate() {
        for (side, (n, first)) in [
            ("the father's first allele", paternal[j]),
            ("the mother's first allele", maternal[j]),
            ("the same choice from both parents", both[j]),
        ] {
            assert!(n >= 1_000, "{name}, {side}: only {n} informative children");
            assert!(
                about_half(first, n),
                "{name}: {first} of {n} children got {side}"
            );
        }
    }
}

#[test]
fn children_mutate_at_the_model_rate() {
    let n = 6;
    let mutation = MutationModel {
        kind: MutationKind::Equal,
        rate_male: 0.2,
        rate_female: 0.1,
        female_kind: None,
    };
    let models = vec![marker("L", &vec![1.0 / n as f64; n], Some(mutation))];
    let sampler = Sampler::new(&models);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    // Fathers 0/0, mothers 1/1: a child without allele 0 had a paternal
    // mutation (and no maternal one into 0), and likewise for allele 1.
    let children = 100_000;
    let (mut no0, mut no1) = (0usize, 0usize);
    for _ in 0..children {
        let c = sampler.child(&[(0, 0)], &[(1, 1)], &mut rng)[0];
        no0 += usize::from(!has(c, 0));
        no1 += usize::from(!has(c, 1));
    }
    let k = (n - 1) as f64;
    let paternal = no0 as f64 / children as f64;
    let maternal = no1 as f64 / children as f64;
    let expect_paternal = 0.2 * (1.0 - 0.1 / k);
    let expect_maternal = 0.1 * (1.0 - 0.2 / k);
    assert!(
        (paternal - expect_paternal).abs() < 0.006,
        "paternal {paternal}, expected {expect_paternal}"
    );
    assert!(
        (maternal - expect_maternal).abs() < 0.006,
        "maternal {maternal}, expected {expect_maternal}"
    );
}

#[test]
fn pedigrees_in_any_order() {
    let models = plain_models();
    let ped = Pedigree::new(vec![
        Person::child("grandchild", Sex::Female, "son", "wife"),
        Person::child("son", Sex::Male, "F", "M"),
        Person::founder("wife", Sex::Female),
        Person::founder("F", Sex::Male),
        Person::founder("M", Sex::Female),
    ])
    .unwrap();
    let mut sampler = Sampler::new(&models);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..200 {
        let g = sampler.pedigree(&ped, &mut rng).unwrap();
        assert_eq!(g.len(), 5);
        for (child, (f, m)) in [(0, (1, 2)), (1, (3, 4))] {
            assert_eq!(g[child].len(), models.len());
            assert!(
                g[child]
                    .iter()
                    .zip(&g[f])
                    .zip(&g[m])
                    .all(|((&c, &x), &y)| from_both(c, x, y))
            );
        }
    }
}

#[test]
fn pool_founders_are_drawn_without_replacement() {
    let models = plain_models();
    let pool: Vec<Vec<Option<IndexGenotype>>> = (0..3)
        .map(|p| {
            (0..models.len())
                .map(|k| if k == 2 { None } else { Some((p + 1, p)) })
                .collect()
        })
        .collect();
    let mut sampler = Sampler::with_founders(&models, Founders::Pool(&pool)).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let g = sampler.founder(&mut rng).unwrap();
        let p = g[0].0;
        assert_eq!(g[0], (p, p + 1), "pool genotype, smaller index first");
        assert!(
            g[2].1 < models[2].len(),
            "untyped marker drawn from the frequencies"
        );
        seen.push(p);
    }
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2]);
    assert_eq!(sampler.pool_remaining(), Some(0));
    assert_eq!(
        sampler.founder(&mut rng),
        Err(SimError::PoolExhausted { size: 3 })
    );
    assert!(matches!(
        family(&mut sampler, Configuration::BothParents, &mut rng),
        Err(SimError::PoolExhausted { .. })
    ));

    // A pool of two is enough for a family with two founders only.
    let mut sampler = Sampler::with_founders(&models, Founders::Pool(&pool[..2])).unwrap();
    let f = family(&mut sampler, Configuration::BothParents, &mut rng).unwrap();
    let mut parents: Vec<usize> = f.reference_genotypes.iter().map(|g| g[0].0).collect();
    parents.sort_unstable();
    assert_eq!(parents, vec![0, 1]);

    let short = vec![vec![Some((0, 0))]];
    assert!(matches!(
        Sampler::with_founders(&models, Founders::Pool(&short)),
        Err(SimError::PoolMarkers { person: 0, .. })
    ));
    let mut bad = pool.clone();
    bad[1][0] = Some((0, 99));
    assert!(matches!(
        Sampler::with_founders(&models, Founders::Pool(&bad)),
        Err(SimError::PoolAllele {
            person: 1,
            index: 99,
            ..
        })
    ));
    assert!(
        Sampler::with_founders(&models, Founders::Frequencies)
            .unwrap()
            .pool_remaining()
            .is_none()
    );
}

#[test]
fn configurations_have_the_right_references() {
    let models = plain_models();
    let per = 300;
    let configs: Vec<Configuration> = Configuration::ALL
        .iter()
        .flat_map(|&c| vec![c; per])
        .collect();
    let fams = families(&models, &configs, 2024);
    let mut seen_fathers = [0usize; 4];
    let mut sibling_counts = [0usize; 4];
    let mut paternal_side = 0usize;
    let mut child_males = 0usize;
    for f in &fams {
        let h1 = &f.pedigree.h1;
        let id = |i: usize| h1.persons()[i].id.as_str();
        let child = h1.index_of(MISSING_CHILD).unwrap();
        assert_eq!(h1.sex(child), f.child_sex);
        child_males += usize::from(f.child_sex == Sex::Male);
        assert!(
            f.pedigree
                .h2
                .is_founder(f.pedigree.h2.index_of(MISSING_CHILD).unwrap())
        );
        let (father, mother) = h1.parents(child).unwrap();
        assert_eq!(f.reference_genotypes.len(), f.references.len());
        assert!(
            f.reference_genotypes
                .iter()
                .all(|g| g.len() == models.len())
        );
        assert_eq!(f.child.len(), models.len());
        let rels: Vec<Relative> = f.references.iter().map(|r| r.relative).collect();
        for r in &f.references {
            if let Some(s) = r.relative.implied_sex() {
                assert_eq!(r.sex, s);
            }
        }
        let genotype = |rel: Relative| {
            let k = rels.iter().position(|&r| r == rel).unwrap();
            &f.reference_genotypes[k]
        };
        // Parents in the references pass an allele to the child at every marker.
        for rel in [Relative::Father, Relative::Mother] {
            if rels.contains(&rel) {
                let g = genotype(rel);
                assert!((0..models.len()).all(|k| shares_allele(f.child[k], g[k])));
            }
        }
        let c = f.config as usize;
        seen_fathers[c] += usize::from(rels.contains(&Relative::Father));
        match f.config {
            Configuration::BothParents => {
                assert_eq!(rels, vec![Relative::Father, Relative::Mother]);
                assert_eq!((id(father), id(mother)), ("father", "mother"));
                for k in 0..models.len() {
                    assert!(from_both(
                        f.child[k],
                        genotype(Relative::Father)[k],
                        genotype(Relative::Mother)[k]
                    ));
                }
            }
            Configuration::OneParent => {
                assert_eq!(rels.len(), 1);
                match rels[0] {
                    Relative::Father => assert_eq!((id(father), id(mother)), ("father", "_mother")),
                    Relative::Mother => assert_eq!((id(father), id(mother)), ("_father", "mother")),
                    r => panic!("one parent, not {r}"),
                }
            }
            Configuration::ParentAndSiblings => {
                assert!(matches!(rels[0], Relative::Father | Relative::Mother));
                let siblings = &f.references[1..];
                assert!((1..=3).contains(&siblings.len()));
                sibling_counts[siblings.len()] += 1;
                for (k, s) in siblings.iter().enumerate() {
                    assert_eq!(s.relative, Relative::FullSibling);
                    assert_eq!(s.id, format!("sibling{}", k + 1));
                    assert!(matches!(s.sex, Sex::Male | Sex::Female));
                    assert_eq!(
                        h1.parents(h1.index_of(&s.id).unwrap()),
                        Some((father, mother))
                    );
                }
            }
            Configuration::Grandparents => {
                assert_eq!(rels.len(), 2);
                let (side, parent) = match rels[..] {
                    [Relative::PaternalGrandfather, Relative::PaternalGrandmother] => {
                        ("paternal", father)
                    }
                    [Relative::MaternalGrandfather, Relative::MaternalGrandmother] => {
                        ("maternal", mother)
                    }
                    _ => panic!("grandparents of one side, not {rels:?}"),
                };
                paternal_side += usize::from(side == "paternal");
                assert!(id(parent).starts_with('_'), "the parent is not a reference");
                let (gf, gm) = h1.parents(parent).unwrap();
                assert_eq!(id(gf), format!("{side}_grandfather"));
                assert_eq!(id(gm), format!("{side}_grandmother"));
                // The child's allele from that parent comes from one of them.
                let (g1, g2) = (&f.reference_genotypes[0], &f.reference_genotypes[1]);
                for k in 0..models.len() {
                    assert!(shares_allele(f.child[k], g1[k]) || shares_allele(f.child[k], g2[k]));
                }
            }
        }
    }
    // Both sides and every sibling count occur, roughly as often as drawn.
    assert_eq!(seen_fathers[0], per);
    for share in [seen_fathers[1], seen_fathers[2], paternal_side] {
        assert!(
            (100..200).contains(&share),
            "a 50/50 choice came out {share} of {per}"
        );
    }
    assert!(
        sibling_counts[1..].iter().all(|&n| (60..140).contains(&n)),
        "{sibling_counts:?}"
    );
    assert!(
        (500..700).contains(&child_males),
        "{child_males} boys of {}",
        fams.len()
    );
}

#[test]
fn configuration_names() {
    for c in Configuration::ALL {
        assert_eq!(c.name().parse::<Configuration>(), Ok(c));
        assert_eq!(c.to_string(), c.name());
    }
    assert_eq!(
        "Parent and siblings".parse::<Configuration>(),
        Ok(Configuration::ParentAndSiblings)
    );
    assert!("cousins".parse::<Configuration>().is_err());
    assert_eq!(Configuration::Grandparents.name(), "grandparents");
}

#[test]
fn synthetic_models_are_valid_and_seeded() {
    let a = synthetic_models(22, Some(MutationModel::DEFAULT_SEARCH), 1);
    assert_eq!(a.len(), 22);
    assert!(a.iter().all(|m| (6..=15).contains(&m.len())));
    let b = synthetic_models(22, Some(MutationModel::DEFAULT_SEARCH), 1);
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| x.frequencies() == y.frequencies())
    );
    assert_eq!(a[0].name(), "S1");
}
