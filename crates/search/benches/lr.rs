//! LR benchmarks over 22 CODIS + Penta markers (NIST "All" frequencies, the
//! registry's default stepwise mutation model):
//!
//! - one trio LR (father, mother, child) and one duo LR (one parent, child),
//!   by the general pedigree path of `kinship` and by the search index's fast
//!   kernels;
//! - a blind search of one child against 100,000 simulated cases (40% both
//!   parents, 40% one parent, 10% a parent and siblings, 10% grandparents),
//!   the best 10, and every case with LR >= 10^4.
//!
//! Run with `cargo bench -p search --bench lr`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kinship::{
    Genotype, IndexGenotype, KinshipCase, MISSING_CHILD, MarkerModel, MutationModel, Reference,
    Relative, Sex, TypedPerson, case_pedigree,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use search::{Index, Models, Profile, Query, SearchConfig};
use sim::{Configuration, Sampler, families};

const CASES: usize = 100_000;

/// 22 CODIS + Penta markers, NIST "All" frequencies, default stepwise mutation.
fn bench_models() -> Vec<MarkerModel> {
    let db = formats::builtin::nist_frequencies("All").expect("built-in NIST frequencies");
    formats::markers::CODIS_PENTA_22
        .iter()
        .map(|name| {
            let f = db.marker(name).expect("NIST frequencies have every marker");
            MarkerModel::new(f.clone(), Some(MutationModel::DEFAULT_SEARCH))
                .expect("valid mutation model")
        })
        .collect()
}

/// The configuration of simulated case `i`, as `reunite bench` draws them.
fn configuration(i: usize) -> Configuration {
    match i % 10 {
        0..=3 => Configuration::BothParents,
        4..=7 => Configuration::OneParent,
        8 => Configuration::ParentAndSiblings,
        _ => Configuration::Grandparents,
    }
}

fn to_genotypes(models: &[MarkerModel], g: &[IndexGenotype]) -> Vec<Option<Genotype>> {
    g.iter()
        .zip(models)
        .map(|(&(a, b), m)| {
            let al = m.frequencies().alleles();
            Some(Genotype::new(al[a], al[b]))
        })
        .collect()
}

fn encode(index_models: &Models, models: &[MarkerModel], g: &[IndexGenotype]) -> Profile {
    index_models
        .encode(&to_genotypes(models, g))
        .expect("simulated alleles are in the table")
}

/// The general path: the case pedigree of the references and `KinshipCase::evaluate`.
fn general_case(
    models: &[MarkerModel],
    child_sex: Sex,
    refs: &[(Relative, Sex, &[IndexGenotype])],
    child: &[IndexGenotype],
) -> KinshipCase {
    let references: Vec<Reference> = refs
        .iter()
        .map(|&(relative, sex, _)| Reference {
            id: relative.name().to_string(),
            relative,
            sex,
        })
        .collect();
    let ped = case_pedigree(child_sex, &references).expect("a valid case");
    let mut typed: Vec<TypedPerson> = refs
        .iter()
        .map(|&(relative, _, g)| TypedPerson {
            id: relative.name().to_string(),
            genotypes: to_genotypes(models, g),
        })
        .collect();
    typed.push(TypedPerson {
        id: MISSING_CHILD.to_string(),
        genotypes: to_genotypes(models, child),
    });
    KinshipCase {
        theta: 0.0,
        markers: models.to_vec(),
        h1: ped.h1,
        h2: ped.h2,
        typed,
    }
}

fn single_lrs(c: &mut Criterion) {
    let models = bench_models();
    let sampler = Sampler::new(&models);
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let father = sampler.frequency_founder(&mut rng);
    let mother = sampler.frequency_founder(&mut rng);
    let child = sampler.child(&father, &mother, &mut rng);
    let child_sex = Sex::Female;

    let trio = general_case(
        &models,
        child_sex,
        &[
            (Relative::Father, Sex::Male, &father),
            (Relative::Mother, Sex::Female, &mother),
        ],
        &child,
    );
    let duo = general_case(
        &models,
        child_sex,
        &[(Relative::Father, Sex::Male, &father)],
        &child,
    );

    let index_models = Models::new(models.clone()).expect("22 markers fit an index");
    let father_p = encode(&index_models, &models, &father);
    let mother_p = encode(&index_models, &models, &mother);
    let child_p = encode(&index_models, &models, &child);
    let mut index = Index::new(index_models, SearchConfig::default());
    index
        .insert_case(
            1,
            child_sex,
            &[
                (Relative::Father, Sex::Male, father_p.clone()),
                (Relative::Mother, Sex::Female, mother_p),
            ],
        )
        .expect("trio case");
    index
        .insert_case(2, child_sex, &[(Relative::Father, Sex::Male, father_p)])
        .expect("duo case");

    // The two paths agree before they are timed.
    for (case, general) in [(1, &trio), (2, &duo)] {
        let slow = general.evaluate().expect("general LR").log10_lr;
        let fast = index
            .score(case, &child_p)
            .expect("shared markers")
            .log10_lr;
        assert!(
            (slow - fast).abs() <= 1e-9 * slow.abs().max(1.0),
            "case {case}: general log10 LR {slow}, fast {fast}"
        );
        eprintln!("case {case}: log10 LR {fast:.3}");
    }

    let mut group = c.benchmark_group("lr_22_markers");
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.bench_function("trio_general", |b| {
        b.iter(|| black_box(&trio).evaluate().expect("LR"))
    });
    group.bench_function("duo_general", |b| {
        b.iter(|| black_box(&duo).evaluate().expect("LR"))
    });
    group.bench_function("trio_index", |b| {
        b.iter(|| index.score(black_box(1), black_box(&child_p)).expect("LR"))
    });
    group.bench_function("duo_index", |b| {
        b.iter(|| index.score(black_box(2), black_box(&child_p)).expect("LR"))
    });
    group.finish();
}

fn blind_search(c: &mut Criterion) {
    let models = bench_models();
    let start = Instant::now();
    let configs: Vec<Configuration> = (0..CASES).map(configuration).collect();
    let fams = families(&models, &configs, 1);
    let index_models = Models::new(models.clone()).expect("22 markers fit an index");
    let mut index = Index::new(index_models.clone(), SearchConfig::default());
    for (i, f) in fams.iter().enumerate() {
        let refs: Vec<_> = f
            .references
            .iter()
            .zip(&f.reference_genotypes)
            .map(|(r, g)| (r.relative, r.sex, encode(&index_models, &models, g)))
            .collect();
        index
            .insert_case(i as u64, f.child_sex, &refs)
            .expect("simulated cases are valid");
    }
    eprintln!(
        "simulated and indexed {CASES} cases in {:.1} s ({} index bytes)",
        start.elapsed().as_secs_f64(),
        index.index_bytes()
    );
    // The true child of a both-parents case, and a child of no case.
    let related = encode(&index_models, &models, &fams[0].child);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let unrelated = encode(
        &index_models,
        &models,
        &Sampler::new(&models).frequency_founder(&mut rng),
    );
    drop(fams);

    let queries = [
        (
            "top10",
            Query {
                top_k: Some(10),
                min_lr: None,
            },
        ),
        (
            "min_lr_1e4",
            Query {
                top_k: None,
                min_lr: Some(1e4),
            },
        ),
    ];
    let mut group = c.benchmark_group("blind_search_100k_cases");
    group.throughput(Throughput::Elements(CASES as u64));
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    for (name, query) in &queries {
        for (who, child) in [("related_child", &related), ("unrelated_child", &unrelated)] {
            let (hits, stats) = index.search_child(child, query).expect("search");
            eprintln!(
                "{who} {name}: {} hits, best log10 LR {:?}, {stats:?}",
                hits.len(),
                hits.first().map(|h| h.log10_lr)
            );
            group.bench_function(format!("{who}_{name}"), |b| {
                b.iter(|| index.search_child(black_box(child), query).expect("search"))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: they take longer than the measurements.
    config = Criterion::default().without_plots();
    targets = single_lrs, blind_search
}
criterion_main!(benches);
