//! Reading lab files into the types of `kinship`: kinship case files (JSON),
//! allele frequency tables (Familias list format, long CSV), genotype tables
//! (wide CSV, long CSV, GeneMapper ID-X exports), CODIS CMF XML files and marker
//! names.
//!
//! Every reader takes the file's name for its errors and either returns the
//! whole content or a [`FormatError`] naming the file, the place and the reason.

pub mod builtin;
pub mod case_file;
pub mod cmf;
mod csv_line;
pub mod error;
pub mod fam;
pub mod frequencies;
pub mod genotypes;
pub mod lines;
pub mod markers;
pub mod pfif;
pub mod registry_csv;

pub use error::{FormatError, Location};
pub use lines::split_lines;
