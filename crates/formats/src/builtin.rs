//! Data compiled into the binary, so that it runs anywhere: the NIST 1036
//! U.S. population genotypes and frequencies (public domain), and the norSTR
//! frequency databases (MIT licence, `data/norstr/LICENSE.md`).

use kinship::FrequencyDatabase;

use crate::error::FormatError;
use crate::frequencies::parse_frequencies;
use crate::genotypes::{GenotypeTable, parse_genotypes};

/// `data/nist1036/frequencies.csv`.
pub const NIST_FREQUENCIES: &str = include_str!("../../../data/nist1036/frequencies.csv");
/// `data/nist1036/genotypes.csv`.
pub const NIST_GENOTYPES: &str = include_str!("../../../data/nist1036/genotypes.csv");
/// `data/norstr/LICENSE.md`, the licence of the norSTR databases.
pub const NORSTR_LICENSE: &str = include_str!("../../../data/norstr/LICENSE.md");

/// The NIST frequencies of one population (`All`, `AfAm`, `Asian`, `Cauc`, `Hisp`).
pub fn nist_frequencies(population: &str) -> Result<FrequencyDatabase, FormatError> {
    parse_frequencies(
        "nist1036/frequencies.csv",
        NIST_FREQUENCIES,
        Some(population),
    )
}

/// The 1036 NIST genotypes.
pub fn nist_genotypes() -> Result<GenotypeTable, FormatError> {
    parse_genotypes("nist1036/genotypes.csv", NIST_GENOTYPES)
}

/// Marker models of every NIST marker (population `All`), with `mutation` at each.
pub fn nist_models(mutation: Option<kinship::MutationModel>) -> Vec<kinship::MarkerModel> {
    nist_frequencies("All")
        .expect("the built-in table parses")
        .markers()
        .iter()
        .map(|m| kinship::MarkerModel::new(m.clone(), mutation).expect("valid mutation model"))
        .collect()
}

/// The 1036 NIST people as a founder pool for `models`: per person, per
/// model marker, the genotype as allele indices (`None` where untyped or
/// where the model lacks an allele).
pub fn nist_pool(models: &[kinship::MarkerModel]) -> Vec<Vec<Option<kinship::IndexGenotype>>> {
    nist_genotypes()
        .expect("the built-in table parses")
        .profiles
        .iter()
        .map(|p| {
            models
                .iter()
                .map(|m| {
                    let f = m.frequencies();
                    p.genotype(m.name())
                        .and_then(|g| Some((f.index_of(g.first())?, f.index_of(g.second())?)))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_data_parses() {
        assert_eq!(super::nist_genotypes().unwrap().profiles.len(), 1036);
        assert_eq!(super::nist_frequencies("All").unwrap().markers().len(), 29);
    }
}
