//! Synthetic marker models, for tests, benchmarks and demos without a real
//! frequency database.

use kinship::{Allele, MarkerFrequencies, MarkerModel, MutationModel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `markers` synthetic STR markers named `S1`, `S2`, ..., each with 6 to 15
/// consecutive whole-repeat alleles (from 8 upwards) and random, uneven
/// frequencies, all drawn from `seed`; every marker uses `mutation` (`None`:
/// alleles pass unchanged).
///
/// # Panics
/// If `mutation` is invalid for some marker (a rate outside `[0, 1)`, or one so
/// high that an allele would have a negative chance of staying unchanged).
pub fn synthetic_models(
    markers: usize,
    mutation: Option<MutationModel>,
    seed: u64,
) -> Vec<MarkerModel> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (1..=markers)
        .map(|k| {
            let n = 6 + (rng.next_u32() % 10) as usize;
            // Weights in [0.05, 1.05), squared for a skewed, realistic spread.
            let w: Vec<f64> = (0..n)
                .map(|_| {
                    let u = f64::from(rng.next_u32()) / 4_294_967_296.0 + 0.05;
                    u * u
                })
                .collect();
            let sum: f64 = w.iter().sum();
            let alleles = (0..n)
                .map(|i| Allele::from_tenths(10 * (8 + i as u32)))
                .collect();
            let freqs = MarkerFrequencies::new(
                format!("S{k}"),
                alleles,
                w.iter().map(|x| x / sum).collect(),
            )
            .expect("valid synthetic frequencies");
            MarkerModel::new(freqs, mutation).expect("valid mutation model")
        })
        .collect()
}
