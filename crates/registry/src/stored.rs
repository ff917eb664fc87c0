//! The registry's rows as the index is built from them: stored profiles
//! and frequency tables as they are kept (decrypted), and everything read
//! in one transaction to index the registry or what an import changed
//! (`Snapshot`). The index (`matching.rs`), its check, its snapshot and the
//! same-DNA flagging all read these.

use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, HashMap};

use compact_str::CompactString;
use kinship::{Allele, Genotype, Relative, Sex};
use search::{Index, Profile};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::facts::CaseDays;

/// A stored genotype set: per marker (canonical name) two alleles. Stored
/// as JSON with the alleles' names (`[["D3S1358", "15", "16"], ...]`), held
/// in memory as alleles (four bytes each) beside names kept inline
/// (`CompactString`): a registry's index is built from millions of them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct StoredProfile {
    pub sex: Option<String>,
    #[serde(with = "allele_names")]
    pub markers: Vec<(CompactString, Allele, Allele)>,
}

impl StoredProfile {
    pub fn genotypes(&self) -> Result<Vec<(&str, Genotype)>> {
        Ok(self
            .markers
            .iter()
            .map(|(m, a, b)| (m.as_str(), Genotype::new(*a, *b)))
            .collect())
    }

    /// Encoded for `index` (an allele its model lacks is an error).
    pub fn encode(&self, index: &Index) -> Result<Profile> {
        Ok(index.models().encode_named(self.genotypes()?)?.0)
    }
}

/// A profile's markers as stored: each allele by its name.
mod allele_names {
    use compact_str::CompactString;
    use kinship::Allele;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    type Markers = Vec<(CompactString, Allele, Allele)>;

    pub fn serialize<S: Serializer>(markers: &Markers, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            markers
                .iter()
                .map(|(m, a, b)| (m, a.to_string(), b.to_string())),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Markers, D::Error> {
        let named = Vec::<(CompactString, CompactString, CompactString)>::deserialize(d)?;
        named
            .into_iter()
            .map(|(m, a, b)| {
                let parse = |s: &str| {
                    s.parse::<Allele>()
                        .map_err(|e| D::Error::custom(format!("stored allele of {m}: {e}")))
                };
                Ok((parse(&a)?, parse(&b)?)).map(|(a, b)| (m.clone(), a, b))
            })
            .collect()
    }
}

/// A frequency table as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredMarker {
    pub name: String,
    pub alleles: Vec<String>,
    pub frequencies: Vec<f64>,
}

/// The active frequency database: id, name, version, sample size, markers.
pub(crate) type ActiveDatabase = (i64, String, i64, Option<i64>, Vec<StoredMarker>);
/// A case: the child's sex and its references (sample, relationship, sex).
pub(crate) type CaseRefs = (Sex, Vec<(String, Relative, Sex)>);

/// Everything needed to index the registry, read in one transaction.
pub(crate) struct Snapshot {
    pub(crate) database: Option<ActiveDatabase>,
    pub(crate) profiles: HashMap<String, StoredProfile>,
    /// case row id -> (child sex, references: (sample, relationship, sex))
    pub(crate) cases: BTreeMap<i64, CaseRefs>,
    /// found row id -> sample
    pub(crate) found: BTreeMap<i64, String>,
    /// case row id -> the facts that decide compatibility
    pub(crate) facts: FxHashMap<i64, CaseDays>,
    /// The last entry of the change sequence when it was read.
    pub(crate) seq: i64,
}

pub(crate) fn child_profile(index: &Index, snap: &Snapshot, found: i64) -> Result<Option<Profile>> {
    let Some(sample) = snap.found.get(&found) else {
        return Ok(None);
    };
    let Some(p) = snap.profiles.get(sample) else {
        return Ok(None);
    };
    Ok(Some(p.encode(index)?))
}
