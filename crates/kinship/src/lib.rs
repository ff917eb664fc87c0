//! Kinship mathematics for Reunite: STR alleles, frequency tables, genotypes,
//! mutation models, pedigrees, exact pedigree likelihoods and likelihood ratios.
//!
//! This crate does no I/O and depends on no async runtime, database or web
//! crate: files are read by `formats`, and everything here is pure computation.

// Matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

pub mod allele;
pub mod family;
pub mod frequency;
pub mod genotype;
pub mod likelihood;
pub mod lr;
pub mod mutation;
pub mod pedigree;
pub mod relationship;

#[cfg(test)]
mod properties;

pub use allele::{Allele, AlleleError};
pub use family::{CasePedigree, FamilyError, MISSING_CHILD, Reference, Relative, case_pedigree};
pub use frequency::{FrequencyDatabase, FrequencyError, MarkerFrequencies};
pub use genotype::Genotype;
pub use likelihood::{IndexGenotype, LikelihoodError, MarkerModel, likelihood};
pub use lr::{KinshipCase, LrError, LrResult, MarkerLr, TypedPerson};
pub use mutation::{MutationError, MutationKind, MutationMatrix, MutationModel, ParentSex};
pub use pedigree::{Pedigree, PedigreeError, Person, Sex};
pub use relationship::{Relationship, pair_hypotheses, trio_hypotheses};

/// The verbal scale for an LR, as commonly used in forensic reporting
/// (ENFSI guideline, 2015): weak (10-100), moderate (100-1,000), moderately
/// strong (1,000-10,000), strong (10^4-10^5), very strong (10^5-10^6),
/// extremely strong (above 10^6) support, for H1 or, below 1, for H2.
pub fn verbal_scale(log10_lr: f64) -> String {
    if log10_lr == f64::NEG_INFINITY {
        return "exclusion: the data exclude H1".to_string();
    }
    let (support, side) = if log10_lr >= 0.0 {
        (log10_lr, "H1")
    } else {
        (-log10_lr, "H2")
    };
    let words = match support {
        s if s < 1.0 => return "inconclusive: no support for either hypothesis".to_string(),
        s if s < 2.0 => "weak",
        s if s < 3.0 => "moderate",
        s if s < 4.0 => "moderately strong",
        s if s < 5.0 => "strong",
        s if s < 6.0 => "very strong",
        _ => "extremely strong",
    };
    format!("{words} support for {side}")
}
