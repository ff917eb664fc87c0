//! The blind search: an in-memory index of case pedigrees and found-child
//! profiles, and the queries that rank one side against the other by LR.
//!
//! A query reads the index in two passes. The first gives every case an
//! upper bound on its LR from the bytes of its columns (`scan`, with the
//! bounds of `bound`). The second computes the exact LR of the cases with
//! the highest bounds, band after band, until no bound left can reach the
//! threshold (the query's minimum LR, or the k-th best so far), with a fast
//! kernel for the common family shapes (`shape`, `exact`) or the general
//! pedigree likelihood of `kinship`; both give the same numbers.

// Matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

mod bound;
mod class;
mod columns;
mod exact;
mod group;
mod index;
mod persist;
mod same_dna;
mod scan;
mod shape;
mod tables;

#[cfg(test)]
mod tests;

pub use exact::Evaluation;
pub use index::{Hit, Index, Query, SearchConfig, SearchStats};
pub use persist::IndexState;
pub use same_dna::{MIN_SHARED_MARKERS, ReferenceAt, SameDna, compare as compare_same_dna};
pub use scan::{first_pass_kernel, set_portable_first_pass};
pub use shape::{Shape, Side, classify};
pub use tables::{MAX_ALLELES, MAX_MARKERS, MISSING, Models, Profile, typed_mask};

/// Why the index refuses something.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    #[error("an index holds at most {max} markers, not {0}", max = MAX_MARKERS)]
    TooManyMarkers(usize),
    #[error("marker {marker} has {alleles} alleles; an index allows {max}", max = MAX_ALLELES)]
    TooManyAlleles { marker: String, alleles: usize },
    #[error("marker {marker}: allele {allele} is not in the frequency table")]
    UnknownAllele { marker: String, allele: String },
    #[error("a profile has {got} marker slots, the index {expected}")]
    ProfileLength { got: usize, expected: usize },
    #[error("case {0} has no references")]
    NoReferences(u64),
    #[error("case {case}: {reason}")]
    Family { case: u64, reason: String },
    #[error("no case {0} in the index")]
    UnknownCase(u64),
    #[error("the saved index cannot be restored: {0}")]
    State(String),
    #[error("the saved index was made with other models (frequencies, alleles or mutation model)")]
    OtherModels,
}
