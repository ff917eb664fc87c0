//! The blind search: an in-memory index of case pedigrees and found-child
//! profiles, and the queries that rank one side against the other by LR.
//!
//! A query reads the index in two passes. The first counts, per case, the
//! child's markers that the family cannot explain without a mutation: bytes
//! compared side by side over columns of allele codes. From that count and
//! bounds computed once per query (`bound`), a case whose LR provably stays
//! below the threshold (the query's minimum LR, or the k-th best so far) is
//! skipped. The second pass computes the exact LR of the rest, with a fast
//! kernel for the common family shapes (`shape`, `exact`) or the general
//! pedigree likelihood of `kinship`; both give the same numbers.

// Matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

mod bound;
mod columns;
mod exact;
mod index;
mod scan;
mod shape;
mod tables;

#[cfg(test)]
mod tests;

pub use exact::Evaluation;
pub use index::{Hit, Index, Query, SearchConfig, SearchStats};
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
}
