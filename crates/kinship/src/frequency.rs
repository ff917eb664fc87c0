//! Allele frequencies of one marker, and databases of many markers.

use crate::allele::Allele;

/// How far from 1 the frequencies of a marker may sum before the table is refused.
pub const SUM_TOLERANCE: f64 = 1e-3;

/// Why a frequency table cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrequencyError {
    #[error("marker {marker}: no alleles")]
    Empty { marker: String },
    #[error("marker {marker}: allele {allele} is listed twice")]
    Duplicate { marker: String, allele: Allele },
    #[error("marker {marker}: allele {allele} has frequency {frequency}, which is not in (0, 1]")]
    OutOfRange {
        marker: String,
        allele: Allele,
        frequency: f64,
    },
    #[error("marker {marker}: frequencies sum to {sum}, not 1 (tolerance {SUM_TOLERANCE})")]
    Sum { marker: String, sum: f64 },
    #[error("marker {marker}: {alleles} alleles but {frequencies} frequencies")]
    Length {
        marker: String,
        alleles: usize,
        frequencies: usize,
    },
    #[error("marker {marker} is listed twice")]
    DuplicateMarker { marker: String },
}

/// The alleles of one marker with their population frequencies, sorted by allele.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerFrequencies {
    name: String,
    alleles: Vec<Allele>,
    frequencies: Vec<f64>,
}

impl MarkerFrequencies {
    /// Checks the table: at least one allele, no duplicates, every frequency in
    /// (0, 1], and a sum within [`SUM_TOLERANCE`] of 1. The frequencies are kept as
    /// given (call [`MarkerFrequencies::normalized`] to rescale them).
    pub fn new(
        name: impl Into<String>,
        alleles: Vec<Allele>,
        frequencies: Vec<f64>,
    ) -> Result<MarkerFrequencies, FrequencyError> {
        let name = name.into();
        let table = MarkerFrequencies::new_unchecked_sum(name, alleles, frequencies)?;
        let sum: f64 = table.frequencies.iter().sum();
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            return Err(FrequencyError::Sum {
                marker: table.name,
                sum,
            });
        }
        Ok(table)
    }

    /// As [`MarkerFrequencies::new`] but without the check of the sum; for tables
    /// built from counts that are normalised next.
    pub fn new_unchecked_sum(
        name: impl Into<String>,
        alleles: Vec<Allele>,
        frequencies: Vec<f64>,
    ) -> Result<MarkerFrequencies, FrequencyError> {
        let name = name.into();
        if alleles.len() != frequencies.len() {
            return Err(FrequencyError::Length {
                marker: name,
                alleles: alleles.len(),
                frequencies: frequencies.len(),
            });
        }
        if alleles.is_empty() {
            return Err(FrequencyError::Empty { marker: name });
        }
        let mut pairs: Vec<(Allele, f64)> = alleles.into_iter().zip(frequencies).collect();
        pairs.sort_by_key(|&(a, _)| a);
        for w in pairs.windows(2) {
            if w[0].0 == w[1].0 {
                return Err(FrequencyError::Duplicate {
                    marker: name,
                    allele: w[0].0,
                });
            }
        }
        for &(allele, frequency) in &pairs {
            if !(frequency > 0.0 && frequency <= 1.0) {
                return Err(FrequencyError::OutOfRange {
                    marker: name,
                    allele,
                    frequency,
                });
            }
        }
        let (alleles, frequencies) = pairs.into_iter().unzip();
        Ok(MarkerFrequencies {
            name,
            alleles,
            frequencies,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The alleles, in increasing order.
    pub fn alleles(&self) -> &[Allele] {
        &self.alleles
    }

    /// The frequencies, in the order of [`MarkerFrequencies::alleles`].
    pub fn frequencies(&self) -> &[f64] {
        &self.frequencies
    }

    pub fn len(&self) -> usize {
        self.alleles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.alleles.is_empty()
    }

    /// The index of an allele in the table.
    pub fn index_of(&self, allele: Allele) -> Option<usize> {
        self.alleles.binary_search(&allele).ok()
    }

    pub fn frequency(&self, allele: Allele) -> Option<f64> {
        self.index_of(allele).map(|i| self.frequencies[i])
    }

    /// The same table rescaled to sum to exactly 1.
    pub fn normalized(mut self) -> MarkerFrequencies {
        let sum: f64 = self.frequencies.iter().sum();
        for f in &mut self.frequencies {
            *f /= sum;
        }
        self
    }

    /// Adds each allele of `extra` that the table lacks at frequency `minimum`,
    /// then renormalises (NRC II's advice for alleles unseen in the database).
    /// Returns the new table and the alleles that were added.
    pub fn with_alleles(
        &self,
        extra: impl IntoIterator<Item = Allele>,
        minimum: f64,
    ) -> (MarkerFrequencies, Vec<Allele>) {
        let mut table = self.clone();
        let mut added = Vec::new();
        for a in extra {
            if table.index_of(a).is_none() && !added.contains(&a) {
                added.push(a);
            }
        }
        if added.is_empty() {
            return (table, added);
        }
        for &a in &added {
            let at = table.alleles.binary_search(&a).unwrap_err();
            table.alleles.insert(at, a);
            table.frequencies.insert(at, minimum);
        }
        added.sort();
        (table.normalized(), added)
    }
}

/// A named set of marker tables for one population.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FrequencyDatabase {
    markers: Vec<MarkerFrequencies>,
}

impl FrequencyDatabase {
    pub fn new(markers: Vec<MarkerFrequencies>) -> Result<FrequencyDatabase, FrequencyError> {
        for (i, m) in markers.iter().enumerate() {
            if markers[..i].iter().any(|o| o.name == m.name) {
                return Err(FrequencyError::DuplicateMarker {
                    marker: m.name.clone(),
                });
            }
        }
        Ok(FrequencyDatabase { markers })
    }

    pub fn markers(&self) -> &[MarkerFrequencies] {
        &self.markers
    }

    pub fn marker(&self, name: &str) -> Option<&MarkerFrequencies> {
        self.markers.iter().find(|m| m.name == name)
    }

    pub fn into_markers(self) -> Vec<MarkerFrequencies> {
        self.markers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Allele {
        s.parse().unwrap()
    }

    #[test]
    fn sorts_and_checks() {
        let m = MarkerFrequencies::new("L", vec![a("11"), a("9.3"), a("10")], vec![0.5, 0.2, 0.3])
            .unwrap();
        assert_eq!(m.alleles(), &[a("9.3"), a("10"), a("11")]);
        assert_eq!(m.frequencies(), &[0.2, 0.3, 0.5]);
        assert!(matches!(
            MarkerFrequencies::new("L", vec![a("1"), a("2")], vec![0.5, 0.4]),
            Err(FrequencyError::Sum { .. })
        ));
        assert!(matches!(
            MarkerFrequencies::new("L", vec![a("1"), a("1")], vec![0.5, 0.5]),
            Err(FrequencyError::Duplicate { .. })
        ));
    }

    #[test]
    fn adds_unseen_alleles_and_renormalises() {
        let m = MarkerFrequencies::new("L", vec![a("1"), a("2")], vec![0.5, 0.5]).unwrap();
        let (n, added) = m.with_alleles([a("3"), a("1"), a("3")], 0.01);
        assert_eq!(added, vec![a("3")]);
        assert_eq!(n.alleles(), &[a("1"), a("2"), a("3")]);
        assert!((n.frequencies().iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((n.frequencies()[2] - 0.01 / 1.01).abs() < 1e-15);
    }
}
