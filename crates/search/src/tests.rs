//! The fast kernels against the general pedigree path, and the pruning
//! against brute force.

use kinship::{
    Allele, Genotype, KinshipCase, MarkerFrequencies, MarkerModel, MutationKind, MutationModel,
    Reference, Relative, Sex, TypedPerson, case_pedigree,
};
use proptest::prelude::*;
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim::Sampler;

use crate::*;

/// Markers with microvariants, so that stepwise models have several groups;
/// the first has 24 alleles of equal frequency, so that a sixth of its
/// genotypes fall outside the index's codebook of 254.
fn models(mutation: Option<MutationModel>, markers: usize, seed: u64) -> Vec<MarkerModel> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..markers)
        .map(|k| {
            if k == 0 {
                let alleles: Vec<Allele> =
                    (5..29).map(|x| x.to_string().parse().unwrap()).collect();
                let n = alleles.len();
                let f = MarkerFrequencies::new("M0".to_string(), alleles, vec![1.0 / n as f64; n])
                    .unwrap();
                return MarkerModel::new(f, mutation).unwrap();
            }
            let names = [
                "8", "9", "9.3", "10", "11", "12", "12.2", "13", "14", "15", "16.3", "17",
            ];
            let n = 4 + rng.random_range(0..8);
            let alleles: Vec<Allele> = names[..n].iter().map(|s| s.parse().unwrap()).collect();
            let w: Vec<f64> = (0..n).map(|_| rng.random_range(0.02..1.0)).collect();
            let sum: f64 = w.iter().sum();
            let f = MarkerFrequencies::new(
                format!("M{k}"),
                alleles,
                w.iter().map(|x| x / sum).collect(),
            )
            .unwrap();
            MarkerModel::new(f, mutation).unwrap()
        })
        .collect()
}

fn mutation(kind: u8, rng: &mut impl Rng) -> Option<MutationModel> {
    let (rm, rf) = (rng.random_range(0.0..0.02), rng.random_range(0.0..0.02));
    let kind = match kind % 4 {
        0 => return None,
        1 => MutationKind::Equal,
        2 => MutationKind::Proportional,
        _ => MutationKind::Stepwise {
            range: rng.random_range(0.05..0.9),
            rate2: rng.random_range(0.0..1e-3),
        },
    };
    Some(MutationModel {
        kind,
        rate_male: rm,
        rate_female: rf,
        female_kind: None,
    })
}

/// A random set of references, each relationship at most as often as it may occur.
fn random_relatives(rng: &mut impl Rng) -> Vec<Relative> {
    loop {
        let mut out = Vec::new();
        for r in Relative::ALL {
            let times = if r.is_unique() { 1 } else { 2 };
            for _ in 0..times {
                if rng.random_bool(0.18) {
                    out.push(r);
                }
            }
        }
        // Favour the shapes with fast kernels too.
        match rng.random_range(0..6) {
            0 => out = vec![Relative::Father, Relative::Mother],
            1 => {
                out = vec![if rng.random_bool(0.5) {
                    Relative::Father
                } else {
                    Relative::Mother
                }]
            }
            2 => {
                out = vec![Relative::Mother, Relative::FullSibling];
                if rng.random_bool(0.5) {
                    out.push(Relative::FullSibling);
                }
            }
            3 => out = vec![Relative::PaternalGrandfather, Relative::PaternalGrandmother],
            _ => {}
        }
        if !out.is_empty() && out.len() <= 5 {
            return out;
        }
    }
}

struct Fixture {
    models: Vec<MarkerModel>,
    index: Index,
    cases: Vec<(u64, Sex, Vec<Reference>, Vec<Profile>)>,
    children: Vec<Profile>,
}

fn fixture(seed: u64, n_cases: usize, mutation_kind: u8) -> Fixture {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mutation = mutation(mutation_kind, &mut rng);
    let models = models(mutation, 14, seed);
    let m = Models::new(models.clone()).unwrap();
    let mut index = Index::new(
        m.clone(),
        SearchConfig {
            min_shared_markers: 6,
        },
    );
    let mut sampler = Sampler::new(&models);
    let mut cases = Vec::new();
    let mut children = Vec::new();
    let encode = |g: &[(usize, usize)], rng: &mut ChaCha8Rng, drop: f64| -> Profile {
        g.iter()
            .map(|&(a, b)| {
                if rng.random_bool(drop) {
                    [MISSING, MISSING]
                } else {
                    [a as u8, b as u8]
                }
            })
            .collect()
    };
    for id in 0..n_cases as u64 {
        let relatives = random_relatives(&mut rng);
        let child_sex = if rng.random_bool(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let refs: Vec<Reference> = relatives
            .iter()
            .enumerate()
            .map(|(i, &r)| Reference {
                id: format!("x{i}"),
                relative: r,
                sex: r.implied_sex().unwrap_or(if rng.random_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                }),
            })
            .collect();
        let ped = case_pedigree(child_sex, &refs).unwrap();
        let g = sampler.pedigree(&ped.h1, &mut rng).unwrap();
        let profiles: Vec<Profile> = refs
            .iter()
            .map(|r| encode(&g[ped.h1.index_of(&r.id).unwrap()], &mut rng, 0.15))
            .collect();
        let child = encode(
            &g[ped.h1.index_of(kinship::MISSING_CHILD).unwrap()],
            &mut rng,
            0.1,
        );
        let entries: Vec<(Relative, Sex, Profile)> = refs
            .iter()
            .zip(&profiles)
            .map(|(r, p)| (r.relative, r.sex, p.clone()))
            .collect();
        index.insert_case(id, child_sex, &entries).unwrap();
        children.push(child);
        let unrelated = sampler.frequency_founder(&mut rng);
        children.push(encode(&unrelated, &mut rng, 0.1));
        cases.push((id, child_sex, refs, profiles));
    }
    Fixture {
        models,
        index,
        cases,
        children,
    }
}

/// The general path: the case pedigree's H1 and H2 through `kinship`, over the shared markers.
fn general(f: &Fixture, case: usize, child: &Profile) -> Option<Vec<(usize, f64)>> {
    let (_, sex, refs, profiles) = &f.cases[case];
    let m = Models::new(f.models.clone()).unwrap();
    let shared: Vec<usize> = (0..f.models.len())
        .filter(|&k| child[k][0] != MISSING && profiles.iter().any(|p| p[k][0] != MISSING))
        .collect();
    if shared.len() < 6 {
        return None;
    }
    let ped = case_pedigree(*sex, refs).unwrap();
    let decode = |p: &Profile| -> Vec<Option<Genotype>> {
        let all = m.decode(p);
        shared.iter().map(|&k| all[k]).collect()
    };
    let mut typed: Vec<TypedPerson> = refs
        .iter()
        .zip(profiles)
        .map(|(r, p)| TypedPerson {
            id: r.id.clone(),
            genotypes: decode(p),
        })
        .collect();
    typed.push(TypedPerson {
        id: kinship::MISSING_CHILD.into(),
        genotypes: decode(child),
    });
    let case = KinshipCase {
        theta: 0.0,
        markers: shared.iter().map(|&k| f.models[k].clone()).collect(),
        h1: ped.h1,
        h2: ped.h2,
        typed,
    };
    let r = case.evaluate().unwrap();
    Some(
        shared
            .into_iter()
            .zip(r.markers.into_iter().map(|x| x.lr))
            .collect(),
    )
}

fn rel_diff(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / a.abs().max(b.abs())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every kernel agrees with the general pedigree path to 1e-9 relative, per marker.
    #[test]
    fn fast_kernels_agree_with_the_general_path(seed in 0u64..1_000_000, kind in 0u8..4) {
        let f = fixture(seed, 12, kind);
        for (c, _) in f.cases.iter().enumerate() {
            for child in &f.children[2 * c..2 * c + 2] {
                let want = general(&f, c, child);
                let got = f.index.score(c as u64, child);
                match (want, got) {
                    (None, None) => {}
                    (Some(want), Some(hit)) => {
                        prop_assert_eq!(want.len(), hit.markers.len());
                        for ((wm, wl), (gm, gl)) in want.iter().zip(&hit.markers) {
                            prop_assert_eq!(wm, gm);
                            if rel_diff(*wl, *gl) > 1e-9 {
                                let (_, sex, refs, profiles) = &f.cases[c];
                                eprintln!("DEBUG child sex {sex:?} refs {:?}", refs.iter().map(|r| (r.relative, r.sex)).collect::<Vec<_>>());
                                eprintln!("DEBUG marker codes {:?} child {:?} mutation {:?}", profiles.iter().map(|p| p[*wm]).collect::<Vec<_>>(), child[*wm], f.models[*wm].mutation());
                            }
                            prop_assert!(rel_diff(*wl, *gl) <= 1e-9, "case {} ({}) marker {}: fast {} general {}", c, hit.shape, wm, gl, wl);
                        }
                    }
                    (w, g) => prop_assert!(false, "scored differently: {:?} vs {:?}", w.is_some(), g.is_some()),
                }
            }
        }
    }

    /// Pruning never loses a pair: a threshold query and a top-k query give
    /// what scoring every pair gives.
    #[test]
    fn pruning_matches_brute_force(seed in 0u64..1_000_000, kind in 0u8..4, log_t in 0.0..6.0f64) {
        let f = fixture(seed, 40, kind);
        for child in f.children.iter().step_by(7) {
            let mut all: Vec<(u64, f64)> = (0..f.cases.len() as u64)
                .filter_map(|c| f.index.score(c, child).map(|h| (c, h.log10_lr)))
                .collect();
            all.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            let floor = Query { top_k: None, min_lr: Some(10f64.powf(log_t)) };
            let (hits, _) = f.index.search_child(child, &floor).unwrap();
            // The LRs alone are the hits' LRs to the last bit, in their order,
            // and each is the pair's score to the last bit.
            let (lrs, _) = f.index.search_child_lrs(child, &floor).unwrap();
            let hit_lrs: Vec<(u64, u64)> = hits.iter().map(|h| (h.id, h.log10_lr.to_bits())).collect();
            prop_assert_eq!(lrs.iter().map(|&(c, l)| (c, l.to_bits())).collect::<Vec<_>>(), hit_lrs);
            for &(c, l) in &lrs {
                prop_assert_eq!(Some(l.to_bits()), all.iter().find(|x| x.0 == c).map(|x| x.1.to_bits()));
            }
            let want: Vec<u64> = all.iter().filter(|x| x.1 >= log_t).map(|x| x.0).collect();
            let mut got: Vec<u64> = hits.iter().map(|h| h.id).collect();
            let mut want_sorted = want.clone();
            want_sorted.sort();
            got.sort();
            prop_assert_eq!(got, want_sorted);
            let (top, _) = f.index.search_child(child, &Query { top_k: Some(3), min_lr: None }).unwrap();
            let top_lrs: Vec<f64> = top.iter().map(|h| h.log10_lr).collect();
            let want_lrs: Vec<f64> = all.iter().take(3).map(|x| x.1).collect();
            prop_assert_eq!(top_lrs.len(), want_lrs.len());
            for (g, w) in top_lrs.iter().zip(&want_lrs) {
                prop_assert!((g - w).abs() < 1e-9 || g == w);
            }
        }
    }
}

/// Every case's exact LR for `child` through the search (a query with
/// neither top-k nor floor returns every scored pair), by case id.
fn every_lr(index: &Index, child: &Profile) -> Vec<Hit> {
    let (mut hits, _) = index.search_child(child, &Query::default()).unwrap();
    hits.sort_by_key(|h| h.id);
    hits
}

/// The cases sharing enough markers with a child are exactly the cases a
/// search without top-k or floor scores, for related and unrelated children,
/// with markers dropped, and after removals.
#[test]
fn cases_sharing_are_the_cases_scored() {
    let mut f = fixture(11, 40, 2);
    let check = |f: &Fixture| {
        for child in &f.children {
            let mut scored: Vec<u64> = every_lr(&f.index, child).iter().map(|h| h.id).collect();
            scored.sort_unstable();
            let mut sharing: Vec<u64> = f.index.cases_sharing(child).collect();
            sharing.sort_unstable();
            assert_eq!(sharing, scored);
            // Counted in parallel, with and without a filter of its own.
            assert_eq!(f.index.count_cases_sharing(child, |_| true), sharing.len());
            let odd = sharing.iter().filter(|&&id| id % 2 == 1).count();
            assert_eq!(f.index.count_cases_sharing(child, |id| id % 2 == 1), odd);
        }
    };
    check(&f);
    // A child typed at fewer markers than the minimum shares with no case.
    let mut sparse = f.children[0].clone();
    for g in sparse.iter_mut().skip(5) {
        *g = [MISSING, MISSING];
    }
    assert_eq!(f.index.cases_sharing(&sparse).count(), 0);
    // Some children share too few markers with some cases.
    let some_few = f.children.iter().any(|c| {
        let (_, stats) = f.index.search_child(c, &Query::default()).unwrap();
        stats.too_few_markers > 0
    });
    assert!(some_few, "the fixture has pairs sharing too few markers");
    for id in [0u64, 17, 39] {
        assert!(f.index.remove_case(id));
    }
    check(&f);
}

#[test]
fn insert_and_remove_keep_the_index_consistent() {
    let mut f = fixture(7, 30, 3);
    let child = f.children[10].clone();
    let top5 = Query {
        top_k: Some(5),
        min_lr: None,
    };
    let before = f.index.search_child(&child, &top5).unwrap().0;
    let all_before = every_lr(&f.index, &child);
    let scored_before: Vec<Option<Hit>> = (0..30u64).map(|c| f.index.score(c, &child)).collect();
    // The best case, then the first case of the largest group (so that the
    // group's last case moves into its place).
    let largest = f.index.groups.iter().max_by_key(|g| g.metas.len()).unwrap();
    assert!(largest.metas.len() >= 3, "a group with cases to move");
    let first = largest.metas[0].id;
    let mut removed = vec![before[0].id];
    if first != removed[0] {
        removed.push(first);
    }
    for (k, &id) in removed.iter().enumerate() {
        assert!(f.index.remove_case(id));
        assert!(!f.index.contains_case(id));
        assert!(!f.index.remove_case(id), "removed twice");
        let gone = &removed[..=k];
        assert_eq!(f.index.case_count(), 30 - gone.len());
        // Every other case scores exactly as before, one by one and through
        // the search; the removed ones are gone.
        for c in 0..30u64 {
            let now = f.index.score(c, &child);
            if gone.contains(&c) {
                assert!(now.is_none(), "case {c} was removed");
            } else {
                assert_eq!(
                    now, scored_before[c as usize],
                    "case {c} after removing {gone:?}"
                );
            }
        }
        let want: Vec<_> = all_before
            .iter()
            .filter(|x| !gone.contains(&x.id))
            .cloned()
            .collect();
        assert_eq!(every_lr(&f.index, &child), want, "after removing {gone:?}");
    }
    // The top five now: the best five of what was there before, without the removed.
    let mut rest: Vec<_> = all_before
        .iter()
        .filter(|x| !removed.contains(&x.id))
        .collect();
    rest.sort_by(|x, y| y.log10_lr.total_cmp(&x.log10_lr).then(x.id.cmp(&y.id)));
    let after = f.index.search_child(&child, &top5).unwrap().0;
    let got: Vec<(u64, f64)> = after.iter().map(|h| (h.id, h.log10_lr)).collect();
    let want: Vec<(u64, f64)> = rest.iter().take(5).map(|x| (x.id, x.log10_lr)).collect();
    assert_eq!(got, want);
}

/// Equal LRs are ordered by id, whatever the order cases and children went
/// in: an index kept in step by removals and inserts answers a top-k query
/// exactly as one built afresh.
#[test]
fn ties_are_broken_by_id_not_by_place() {
    let f = fixture(11, 6, 0);
    let (_, sex, refs, profiles) = &f.cases[0];
    let entries: Vec<(Relative, Sex, Profile)> = refs
        .iter()
        .zip(profiles)
        .map(|(r, p)| (r.relative, r.sex, p.clone()))
        .collect();
    let child = f.children[0].clone();
    let mut index = Index::new(
        f.index.models().clone(),
        SearchConfig {
            min_shared_markers: 6,
        },
    );
    // Three copies of one family, the larger ids first.
    for id in [90u64, 50, 20] {
        index.insert_case(id, *sex, &entries).unwrap();
    }
    let top2 = Query {
        top_k: Some(2),
        min_lr: None,
    };
    let ids = |index: &Index| -> Vec<u64> {
        let hits = index.search_child(&child, &top2).unwrap().0;
        assert_eq!(hits[0].log10_lr, hits[1].log10_lr, "a tie");
        hits.iter().map(|h| h.id).collect()
    };
    assert_eq!(ids(&index), vec![20, 50]);
    // 20 taken out and put back lands in another place of its group.
    assert!(index.remove_case(20));
    index.insert_case(20, *sex, &entries).unwrap();
    assert_eq!(ids(&index), vec![20, 50]);
    // The same for a case's search over found children.
    for id in [7u64, 3, 5] {
        index.insert_child(id, child.clone()).unwrap();
    }
    let hits = index.search_case(50, &top2).unwrap().0;
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![3, 5]);
}

#[test]
fn a_case_finds_its_child() {
    let mut f = fixture(11, 20, 3);
    for (i, c) in f.children.iter().enumerate() {
        f.index.insert_child(i as u64, c.clone()).unwrap();
    }
    // A case with both parents typed: its own child (children[2 * case]) is
    // the one it should find first.
    let case = f
        .cases
        .iter()
        .position(|(_, _, refs, _)| {
            refs.iter().any(|r| r.relative == Relative::Father)
                && refs.iter().any(|r| r.relative == Relative::Mother)
        })
        .expect("a both-parents case");
    let (hits, stats) = f
        .index
        .search_case(
            case as u64,
            &Query {
                top_k: Some(3),
                min_lr: None,
            },
        )
        .unwrap();
    assert_eq!(stats.scanned, 40);
    assert_eq!(hits.len(), 3);
    assert_eq!(
        hits[0].id,
        2 * case as u64,
        "case {case} finds its own child first"
    );
    // The ranking is the general path's: every child's LR by `kinship`.
    let mut general_lrs: Vec<(u64, f64)> = f
        .children
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            general(&f, case, c).map(|m| (i as u64, m.iter().map(|x| x.1.log10()).sum()))
        })
        .collect();
    general_lrs.sort_by(|x, y| y.1.total_cmp(&x.1));
    assert_eq!(general_lrs[0].0, 2 * case as u64);
    for (hit, (id, _)) in hits.iter().zip(&general_lrs) {
        assert_eq!(hit.id, *id);
        let want = general(&f, case, &f.children[*id as usize]).unwrap();
        assert_eq!(hit.markers.len(), want.len());
        for ((gm, gl), (wm, wl)) in hit.markers.iter().zip(&want) {
            assert_eq!(gm, wm);
            assert!(
                rel_diff(*gl, *wl) <= 1e-9,
                "child {id} marker {wm}: search {gl} general {wl}"
            );
        }
    }
}

#[test]
fn fixtures_cover_every_kernel() {
    let f = fixture(3, 80, 3);
    assert!(
        f.index
            .groups
            .iter()
            .any(|g| g.metas.iter().any(|m| !m.escaped.is_empty())),
        "some genotypes lie outside the codebook"
    );
    let mut shapes: Vec<&str> = (0..80u64)
        .filter_map(|c| {
            f.index
                .score(c, &f.children[2 * c as usize])
                .map(|h| h.shape)
        })
        .collect();
    shapes.sort();
    shapes.dedup();
    assert_eq!(
        shapes,
        vec![
            "both_parents",
            "general",
            "grandparents",
            "one_parent",
            "parent_and_siblings"
        ]
    );
}

/// The vectorised first pass gives the same sums as the portable one, and
/// every case's bound is at least its exact LR.
#[test]
fn first_pass_paths_agree_and_bound_the_lr() {
    for kind in [3, 1, 2] {
        let f = fixture(5 + u64::from(kind), 1500, kind);
        assert!(f.index.groups.iter().any(|g| g.metas.len() >= 128));
        for child in f.children.iter().take(12) {
            for g in &f.index.groups {
                let Some(b) = crate::bound::ClassBounds::new(f.index.models(), g.kind, child)
                else {
                    continue;
                };
                let maps = crate::scan::SharedMaps::new(f.index.models(), &[g.kind], child);
                let plan = crate::scan::Plan::new(g.kind, &b, child, &maps).unwrap();
                let n = g.metas.len();
                let mut fast = vec![0u16; n];
                let mut maxima = vec![0u16; n.div_ceil(64)];
                let mut slow = vec![0u16; n];
                crate::scan::bound_sums(g, Some(&plan), 0, &mut fast, &mut maxima);
                crate::scan::bound_sums_portable(g, &plan, 0, &mut slow);
                assert_eq!(fast, slow, "{:?}", g.kind);
                // The portable pass, block by block, sums each case's units
                // as the second pass reads them, case by case.
                let mut units = Vec::new();
                for (pos, &sum) in slow.iter().enumerate() {
                    crate::scan::case_bounds(g, Some(&plan), pos, &mut units);
                    let want = units.iter().fold(0u16, |a, &u| a.saturating_add(u));
                    assert_eq!(sum, want, "{:?} case {pos}", g.kind);
                }
                for (k, m) in maxima.iter().enumerate() {
                    assert_eq!(Some(*m), slow[k * 64..].iter().take(64).copied().max());
                }
                let markers = child.iter().filter(|g| g[0] != MISSING).count();
                for (pos, &sum) in slow.iter().enumerate() {
                    let id = g.metas[pos].id;
                    if let Some(hit) = f.index.score(id, child) {
                        let bound = crate::bound::log10_of(u32::from(sum), markers);
                        assert!(
                            hit.log10_lr <= bound,
                            "case {id} ({}): LR 10^{} above its bound 10^{bound}",
                            hit.shape,
                            hit.log10_lr
                        );
                    }
                }
            }
        }
    }
}

/// Every answer the registry asks of an index, for comparing two: each
/// child's search (every pair, and top-k), each case's search, each pair's
/// score, the cases sharing markers with each child.
fn answers(index: &Index, children: &[Profile], cases: u64) -> Vec<String> {
    let top3 = Query {
        top_k: Some(3),
        min_lr: None,
    };
    let mut out = Vec::new();
    for child in children {
        out.push(format!("{:?}", every_lr(index, child)));
        out.push(format!("{:?}", index.search_child(child, &top3).unwrap().0));
        let mut sharing: Vec<u64> = index.cases_sharing(child).collect();
        sharing.sort_unstable();
        out.push(format!("{sharing:?}"));
        for c in 0..cases {
            out.push(format!("{:?}", index.score(c, child)));
        }
    }
    for c in (0..cases).step_by(9) {
        out.push(format!("{:?}", index.search_case(c, &top3).map(|x| x.0)));
    }
    out
}

/// The index through its state and back (postcard, as the registry keeps it).
fn round_trip(index: &Index, models: &[MarkerModel]) -> Index {
    let bytes = postcard::to_stdvec(&index.state()).unwrap();
    let state: IndexState<'_> = postcard::from_bytes(&bytes).unwrap();
    Index::restore(Models::new(models.to_vec()).unwrap(), state).unwrap()
}

/// A restored index answers every query exactly as the original, with
/// removals and inserts before the round trip (cases moved inside their
/// groups, genotypes outside the codebooks, coupled cases' extra columns)
/// and the same changes applied to both after it.
#[test]
fn a_restored_index_answers_as_the_original() {
    let mut f = fixture(3, 80, 3);
    assert!(
        f.index
            .groups
            .iter()
            .any(|g| g.metas.iter().any(|m| !m.escaped.is_empty())),
        "some genotypes lie outside the codebook"
    );
    for (i, c) in f.children.iter().enumerate().take(30) {
        f.index.insert_child(i as u64, c.clone()).unwrap();
    }
    // Before the round trip: cases and children removed (others move into
    // their places), one case put back.
    for id in [0u64, 5, 17, 40] {
        assert!(f.index.remove_case(id));
    }
    let entries = |f: &Fixture, c: usize| -> (Sex, Vec<(Relative, Sex, Profile)>) {
        let (_, sex, refs, profiles) = &f.cases[c];
        let e = refs
            .iter()
            .zip(profiles)
            .map(|(r, p)| (r.relative, r.sex, p.clone()))
            .collect();
        (*sex, e)
    };
    let (sex, e) = entries(&f, 17);
    f.index.insert_case(17, sex, &e).unwrap();
    assert!(f.index.remove_child(3));
    let probe: Vec<Profile> = f.children.iter().step_by(50).cloned().collect();

    let mut restored = round_trip(&f.index, &f.models);
    assert_eq!(restored.case_count(), f.index.case_count());
    assert_eq!(restored.child_count(), f.index.child_count());
    assert_eq!(restored.config(), f.index.config());
    assert_eq!(restored.profile_count(), f.index.profile_count());
    assert_eq!(restored.differences(&f.index), Vec::<String>::new());
    assert_eq!(f.index.differences(&restored), Vec::<String>::new());
    assert_eq!(
        answers(&restored, &probe, 80),
        answers(&f.index, &probe, 80)
    );

    // After it: the same changes to both.
    for index in [&mut f.index, &mut restored] {
        for id in [1u64, 2, 60] {
            assert!(index.remove_case(id));
        }
        index.remove_child(4);
        index.insert_child(99, f.children[50].clone()).unwrap();
    }
    for c in [0usize, 2] {
        let (sex, e) = entries(&f, c);
        f.index.insert_case(c as u64, sex, &e).unwrap();
        restored.insert_case(c as u64, sex, &e).unwrap();
    }
    assert_eq!(restored.differences(&f.index), Vec::<String>::new());
    assert_eq!(
        answers(&restored, &probe, 80),
        answers(&f.index, &probe, 80)
    );
    // And through a second round trip.
    let again = round_trip(&restored, &f.models);
    assert_eq!(answers(&again, &probe, 80), answers(&f.index, &probe, 80));
}

/// A state made with other models is refused: another mutation rate,
/// another frequency, another allele.
#[test]
fn a_state_of_other_models_is_refused() {
    let f = fixture(7, 10, 3);
    let bytes = postcard::to_stdvec(&f.index.state()).unwrap();
    let restore = |models: Vec<MarkerModel>| {
        let state: IndexState<'_> = postcard::from_bytes(&bytes).unwrap();
        Index::restore(Models::new(models).unwrap(), state).map(|_| ())
    };
    assert_eq!(restore(f.models.clone()), Ok(()));
    let with = |k: usize, freq: Vec<f64>, alleles: Option<Vec<Allele>>, rate: Option<f64>| {
        let mut models = f.models.clone();
        let m = &models[k];
        let mut mutation = m.mutation().copied();
        if let (Some(mu), Some(r)) = (mutation.as_mut(), rate) {
            mu.rate_male = r;
        }
        let table = MarkerFrequencies::new(
            m.name().to_string(),
            alleles.unwrap_or_else(|| m.frequencies().alleles().to_vec()),
            freq,
        )
        .unwrap();
        models[k] = MarkerModel::new(table, mutation).unwrap();
        models
    };
    let m1 = &f.models[1];
    let n = m1.len();
    let same = m1.frequencies().frequencies().to_vec();
    assert_eq!(restore(with(1, same.clone(), None, None)), Ok(()));
    let rate = f.models[1].mutation().map(|m| m.rate_male + 0.001);
    assert!(rate.is_some(), "the fixture has a mutation model");
    assert_eq!(
        restore(with(1, same.clone(), None, rate)),
        Err(SearchError::OtherModels)
    );
    let mut other = same.clone();
    other[0] += 0.01;
    other[1] -= 0.01;
    assert_eq!(
        restore(with(1, other, None, None)),
        Err(SearchError::OtherModels)
    );
    let mut alleles = m1.frequencies().alleles().to_vec();
    alleles[n - 1] = "40".parse().unwrap();
    assert_eq!(
        restore(with(1, same, Some(alleles), None)),
        Err(SearchError::OtherModels)
    );
}

/// The comparison by content sees a case whose genotype changed, a case or
/// a child only in one index, and nothing when they hold the same in other
/// places.
#[test]
fn differences_name_what_differs() {
    let mut f = fixture(11, 12, 1);
    for (i, c) in f.children.iter().enumerate().take(4) {
        f.index.insert_child(i as u64, c.clone()).unwrap();
    }
    let mut other = round_trip(&f.index, &f.models);
    // The same content, other places: case 0 out and back in.
    let (_, sex, refs, profiles) = &f.cases[0];
    let mut e: Vec<(Relative, Sex, Profile)> = refs
        .iter()
        .zip(profiles)
        .map(|(r, p)| (r.relative, r.sex, p.clone()))
        .collect();
    other.remove_case(0);
    other.insert_case(0, *sex, &e).unwrap();
    assert_eq!(f.index.differences(&other), Vec::<String>::new());
    // One genotype of case 0 changed.
    let m = (0..f.models.len())
        .find(|&m| e[0].2[m][0] != MISSING)
        .unwrap();
    e[0].2[m] = if e[0].2[m] == [0, 0] { [0, 1] } else { [0, 0] };
    other.insert_case(0, *sex, &e).unwrap();
    assert_eq!(
        f.index.differences(&other),
        vec!["1 cases held otherwise: 0".to_string()]
    );
    other.remove_case(0);
    other.remove_child(2);
    other.insert_child(2, f.children[9].clone()).unwrap();
    other.insert_child(7, f.children[7].clone()).unwrap();
    assert_eq!(
        f.index.differences(&other),
        vec![
            "1 cases only in the first index: 0".to_string(),
            "1 found children held otherwise: 2".to_string(),
            "1 found children only in the second index: 7".to_string(),
        ]
    );
}

/// Per marker, the alleles smaller first (`MISSING` kept).
fn normalised(p: &[[u8; 2]]) -> Vec<[u8; 2]> {
    p.iter().map(|&[a, b]| [a.min(b), a.max(b)]).collect()
}

/// A copy of `p` with `changes` typed markers given another genotype and
/// some markers left untyped. The first marker, whose genotypes are partly
/// outside the index's codebook, is changed first half of the time, then to
/// a genotype outside the codebook half of the time.
fn perturbed(
    p: &[[u8; 2]],
    changes: usize,
    drop: f64,
    index: &Index,
    rng: &mut ChaCha8Rng,
) -> Profile {
    let mut q = p.to_vec();
    let mut typed: Vec<usize> = (0..q.len()).filter(|&m| q[m][0] != MISSING).collect();
    for i in (1..typed.len()).rev() {
        typed.swap(i, rng.random_range(0..=i));
    }
    if typed.contains(&0) && rng.random_bool(0.5) {
        typed.retain(|&m| m != 0);
        typed.insert(0, 0);
    }
    for &m in typed.iter().take(changes) {
        let n = index.models.markers()[m].frequencies().alleles().len() as u8;
        let old = normalised(&q[m..=m])[0];
        let escaped = m == 0 && rng.random_bool(0.5);
        let new = loop {
            let a = rng.random_range(0..n);
            let b = rng.random_range(0..n);
            let outside = index.models.books[m].code([a, b]) == crate::tables::ESCAPED;
            if [a.min(b), a.max(b)] != old && (!escaped || outside) {
                break [a, b];
            }
        };
        q[m] = new;
    }
    for g in &mut q {
        if rng.random_bool(drop) {
            *g = [MISSING, MISSING];
        }
    }
    q
}

/// A few of the rescued children and references of a fixture copied, some
/// exactly, some with one or two markers changed, some with markers dropped;
/// and strangers.
fn same_dna_queries(f: &Fixture, rng: &mut ChaCha8Rng) -> Vec<Profile> {
    let mut queries = Vec::new();
    for k in 0..30 {
        let source: Profile = if k % 2 == 0 {
            f.children[rng.random_range(0..f.children.len())].clone()
        } else {
            let case = &f.cases[rng.random_range(0..f.cases.len())];
            case.3[rng.random_range(0..case.3.len())].clone()
        };
        let changes = rng.random_range(0..3);
        let drop = [0.0, 0.1, 0.4][rng.random_range(0..3)];
        queries.push(perturbed(&source, changes, drop, &f.index, rng));
    }
    queries
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The scans for the same DNA (one query at a time, and many at once
    /// through hash tables) find exactly the found children and the
    /// references that the plain comparison of every pair finds.
    #[test]
    fn same_dna_scans_agree_with_the_plain_comparison(seed in 0u64..1_000_000, min_shared in 2usize..13) {
        let mut f = fixture(seed, 40, 0);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5A5A);
        // Found children: the fixture's, and near copies of some of them
        // and of references.
        let mut children: Vec<(u64, Profile)> = f.children.iter().cloned().enumerate().map(|(i, p)| (i as u64, p)).collect();
        for (k, q) in same_dna_queries(&f, &mut rng).into_iter().enumerate() {
            children.push((10_000 + k as u64, q));
        }
        for (id, p) in &children {
            f.index.insert_child(*id, p.clone()).unwrap();
        }
        let queries = same_dna_queries(&f, &mut rng);
        let refs: Vec<&[[u8; 2]]> = queries.iter().map(Vec::as_slice).collect();
        // Every set of typed markers through its tables (a stored profile
        // typed otherwise found by its triples), every query by its
        // triples, and the default: the queries of small sets by their
        // triples, the others through tables.
        let tables = crate::same_dna::Keyed { group_max: 0 };
        let keyed = crate::same_dna::Keyed { group_max: usize::MAX };
        let mixed = crate::same_dna::Keyed::default();
        let many_children = f.index.same_dna_children_hashed_with(&refs, min_shared, tables);
        let many_refs = f.index.same_dna_references_hashed_with(&refs, min_shared, tables);
        let keyed_children = f.index.same_dna_children_hashed_with(&refs, min_shared, keyed);
        let keyed_refs = f.index.same_dna_references_hashed_with(&refs, min_shared, keyed);
        let mixed_children = f.index.same_dna_children_hashed_with(&refs, min_shared, mixed);
        let mixed_refs = f.index.same_dna_references_hashed_with(&refs, min_shared, mixed);
        let chosen_children = f.index.same_dna_children_many(&refs, min_shared);
        let mut flagged = 0;
        for (qi, q) in queries.iter().enumerate() {
            let mut want: Vec<(u64, SameDna)> = children
                .iter()
                .filter_map(|(id, p)| compare_same_dna(q, p, min_shared).map(|s| (*id, s)))
                .collect();
            want.sort_unstable();
            prop_assert_eq!(&f.index.same_dna_children(q, min_shared), &want);
            prop_assert_eq!(&many_children[qi], &want);
            prop_assert_eq!(&keyed_children[qi], &want);
            prop_assert_eq!(&mixed_children[qi], &want);
            prop_assert_eq!(&chosen_children[qi], &want);
            let mut want_refs: Vec<(u64, Vec<[u8; 2]>, SameDna)> = f
                .cases
                .iter()
                .flat_map(|(case, _, _, profiles)| profiles.iter().map(move |p| (*case, p)))
                .filter_map(|(case, p)| compare_same_dna(q, p, min_shared).map(|s| (case, normalised(p), s)))
                .collect();
            want_refs.sort_unstable();
            for got in [f.index.same_dna_references(q, min_shared), many_refs[qi].clone(), keyed_refs[qi].clone(), mixed_refs[qi].clone()] {
                let mut got: Vec<(u64, Vec<[u8; 2]>, SameDna)> = got
                    .into_iter()
                    .map(|(at, s)| (at.case, f.index.reference_profile(at.case, at.slot).unwrap(), s))
                    .collect();
                got.sort_unstable();
                prop_assert_eq!(&got, &want_refs);
            }
            flagged += want.len() + want_refs.len();
        }
        // The queries are mostly copies: the comparison is not vacuous.
        prop_assert!(flagged > 0);
    }
}

#[test]
fn same_dna_compares_over_shared_markers_only() {
    let a: Vec<[u8; 2]> = (0..12).map(|m| [m as u8, m as u8 + 1]).collect();
    // Every marker equal (alleles in either order).
    let mut b: Vec<[u8; 2]> = a.iter().map(|&[x, y]| [y, x]).collect();
    assert_eq!(
        compare_same_dna(&a, &b, 10),
        Some(SameDna {
            shared: 12,
            differing: None
        })
    );
    // One marker differs: named.
    b[4] = [9, 9];
    assert_eq!(
        compare_same_dna(&a, &b, 10),
        Some(SameDna {
            shared: 12,
            differing: Some(4)
        })
    );
    // Two differ: not the same DNA.
    b[7] = [9, 9];
    assert_eq!(compare_same_dna(&a, &b, 10), None);
    // Untyped markers are not compared; below the floor nothing is flagged.
    b[7] = [MISSING, MISSING];
    assert_eq!(
        compare_same_dna(&a, &b, 10),
        Some(SameDna {
            shared: 11,
            differing: Some(4)
        })
    );
    b[4] = [MISSING, MISSING];
    b[0] = [MISSING, MISSING];
    assert_eq!(compare_same_dna(&a, &b, 10), None);
    assert_eq!(
        compare_same_dna(&a, &b, 9),
        Some(SameDna {
            shared: 9,
            differing: None
        })
    );
}
