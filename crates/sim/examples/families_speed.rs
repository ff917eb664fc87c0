//! Times the simulation of many families of 22 synthetic markers.
//!
//! `cargo run --release -p sim --example families_speed -- [families] [seed]`

use std::time::Instant;

use kinship::MutationModel;
use sim::{Configuration, families, synthetic_models};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map_or(100_000, |a| a.parse().expect("a number of families"));
    let seed: u64 = args.next().map_or(1, |a| a.parse().expect("a seed"));
    let models = synthetic_models(22, Some(MutationModel::DEFAULT_SEARCH), seed);
    let configs: Vec<Configuration> = (0..n).map(|i| Configuration::ALL[i % 4]).collect();
    let start = Instant::now();
    let fams = families(&models, &configs, seed);
    let elapsed = start.elapsed();
    let references: usize = fams.iter().map(|f| f.references.len()).sum();
    println!(
        "{n} families ({references} references) of {} markers in {:.3} s on {} threads ({:.2} µs per family)",
        models.len(),
        elapsed.as_secs_f64(),
        rayon::current_num_threads(),
        elapsed.as_secs_f64() * 1e6 / n as f64,
    );
}
