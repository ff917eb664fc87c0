//! Simulation for Reunite: STR genotypes of founders and children, and whole
//! missing-child cases (references, case pedigree, true child), seeded and
//! reproducible, for tests, benchmarks, power studies and the demo.
//!
//! - [`Sampler`] draws founders (from allele frequencies or a pool of real
//!   people, see [`Founders`]), children (Mendelian transmission with the
//!   markers' mutation matrices) and whole pedigrees.
//! - [`family`] and [`families`] simulate cases of a [`Configuration`];
//!   [`families`] runs in parallel and gives the same result on any number of
//!   threads.
//! - [`lineage`] simulates paternal lineages: Y-STR haplotypes of clan
//!   founders from a discrete Laplace mixture and of their descendants with
//!   mutation at per-locus rates.
//! - [`synthetic_models`] makes marker models when no real database is at hand.
//!
//! Genotypes are [`kinship::IndexGenotype`]s (allele indices into the marker's
//! alleles, smaller first), one per marker in the order of the models.
//!
//! ```
//! use kinship::MutationModel;
//! use sim::{Configuration, Sampler, family, family_rng, families, synthetic_models};
//!
//! let models = synthetic_models(22, Some(MutationModel::DEFAULT_SEARCH), 1);
//! let configs = [Configuration::BothParents, Configuration::Grandparents];
//! let fams = families(&models, &configs, 7);
//! assert_eq!(fams[1].references.len(), 2);
//! // Any family can be reproduced on its own.
//! let again = family(&mut Sampler::new(&models), configs[1], &mut family_rng(7, 1)).unwrap();
//! assert_eq!(again.child, fams[1].child);
//! ```

#![warn(missing_docs)]

mod english;
mod family;
pub mod lineage;
pub mod locale;
mod markers;
mod sampler;
pub mod scenario;
#[cfg(test)]
mod scenario_whole_text;

#[cfg(test)]
mod tests;

pub use family::{
    Configuration, SimulatedFamily, families, family, family_rng, references, unrelated,
};
pub use locale::{Locale, UnknownLocale};
pub use markers::synthetic_models;
pub use sampler::{Founders, Sampler};
pub use scenario::{
    FoundTruth, LabFiles, Scenario, ScenarioSpec, ScenarioTruth, WriteScenarioError, scenario,
    scenario_in, write_scenario, write_scenario_in,
};

/// Why a simulation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// Every person of the founder pool has been used.
    #[error("the founder pool is used up: all {size} persons have been drawn")]
    PoolExhausted {
        /// Number of persons in the pool.
        size: usize,
    },
    /// A pool person does not have one genotype slot per marker.
    #[error(
        "pool person {person} has {found} genotype slots, expected one per marker ({expected})"
    )]
    PoolMarkers {
        /// Position of the person in the pool.
        person: usize,
        /// Number of markers.
        expected: usize,
        /// Number of slots the person has.
        found: usize,
    },
    /// A Y-STR locus copy has no mutation rate.
    #[error("no mutation rate for {coordinate}")]
    NoRate {
        /// The locus copy.
        coordinate: String,
    },
    /// The mixture's centres or dispersions are not one per locus copy.
    #[error("the mixture's centres and dispersions need one number per locus copy ({expected})")]
    MixtureShape {
        /// Number of locus copies.
        expected: usize,
    },
    /// A two-copy locus without both copies, or a locus given twice.
    #[error("{locus}: give each locus once, a two-copy locus with both copies")]
    Copies {
        /// The locus.
        locus: String,
    },
    /// A pool genotype names an allele the marker does not have.
    #[error(
        "pool person {person} has allele index {index} at marker {marker}, which has {alleles} alleles"
    )]
    PoolAllele {
        /// Position of the person in the pool.
        person: usize,
        /// Marker name.
        marker: String,
        /// The allele index out of range.
        index: usize,
        /// Number of alleles of the marker.
        alleles: usize,
    },
}
