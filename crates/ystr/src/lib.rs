//! Y-STR haplotypes and what Reunite computes from them: a haplotype's
//! match probability in a population (the discrete Laplace mixture of
//! Andersen, Eriksen and Morling 2013, fitted as the R package disclapmix
//! fits it; Brenner's κ; the augmented count) and the paternal-lineage
//! likelihood ratio of a boy against a man of his presumed paternal line.
//!
//! No I/O: readers take the text and the file's name (for errors).
//!
//! - [`locus`]: the loci of Yfiler, Yfiler Plus and PowerPlex Y23, with aliases.
//! - [`haplotype`]: alleles, calls (multi-copy pairs, intermediate, null and
//!   duplicated alleles kept and flagged), the `"DYS19=14,DYS385=11-14"` form.
//! - [`population`]: a population file, one row per man, one column per locus.
//! - [`pam`]: PAM clustering (build and swap as R's `cluster::pam`).
//! - [`disclap`]: the discrete Laplace mixture: EM with the GLM inside, BIC.
//! - [`estimate`]: the match probability by each method.
//! - [`lineage`]: mutation rates and the lineage LR.
//! - [`lineage_index`]: many men's haplotypes, one byte per locus copy, and
//!   the scan for every man within a few differing loci.
//! - [`index_state`]: a lineage index as plain data, kept between processes
//!   and restored (checked) without reading a haplotype.

pub mod disclap;
pub mod error;
pub mod estimate;
pub mod haplotype;
pub mod index_state;
pub mod lineage;
pub mod lineage_index;
pub mod locus;
pub mod pam;
pub mod population;

pub use error::LocatedError;
pub use haplotype::{Allele, Call, Haplotype};
pub use locus::{Coordinate, Locus};
