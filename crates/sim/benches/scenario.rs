//! Times the simulation of the default scenario (2000 missing-child cases, 89
//! rescued children, 22 synthetic markers with the registry's default
//! stepwise mutation model, founders from allele frequencies), which
//! `reunite demo` and `reunite loadtest` generate before they start.
//!
//! Run with `cargo bench -p sim --bench scenario`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kinship::MutationModel;
use sim::{ScenarioSpec, scenario, synthetic_models};

fn default_scenario(c: &mut Criterion) {
    let models = synthetic_models(22, Some(MutationModel::DEFAULT_SEARCH), 1);
    let spec = ScenarioSpec::default();
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    group.bench_function("default (2000 cases, 89 rescued)", |b| {
        b.iter(|| black_box(scenario(&models, &[], &spec).expect("a valid scenario")))
    });
    group.finish();
}

criterion_group!(benches, default_scenario);
criterion_main!(benches);
