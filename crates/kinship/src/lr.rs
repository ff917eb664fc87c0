//! Likelihood ratios of two pedigree hypotheses over many markers.

use crate::allele::Allele;
use crate::genotype::Genotype;
use crate::likelihood::{IndexGenotype, LikelihoodError, MarkerModel, likelihood};
use crate::pedigree::Pedigree;

/// A kinship question: how much more likely are the typed genotypes under `h1`
/// than under `h2`?
#[derive(Debug, Clone)]
pub struct KinshipCase {
    pub theta: f64,
    pub markers: Vec<MarkerModel>,
    pub h1: Pedigree,
    pub h2: Pedigree,
    /// Typed persons, each with one genotype slot per marker (in the order of
    /// `markers`; `None` where the person was not typed).
    pub typed: Vec<TypedPerson>,
}

/// A typed person of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedPerson {
    pub id: String,
    pub genotypes: Vec<Option<Genotype>>,
}

/// The LR at one marker.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerLr {
    pub name: String,
    /// P(data | H1) at this marker.
    pub h1: f64,
    /// P(data | H2) at this marker.
    pub h2: f64,
    pub lr: f64,
}

/// The LR of a case: per marker, and in total (kept as a base-10 logarithm so
/// that no product of many markers overflows or underflows).
#[derive(Debug, Clone, PartialEq)]
pub struct LrResult {
    pub markers: Vec<MarkerLr>,
    /// log10 of the total LR; `-inf` when a marker excludes.
    pub log10_lr: f64,
}

impl LrResult {
    /// The total LR as a float (0 for an exclusion; may overflow to infinity or
    /// underflow to 0 for extreme totals: use `log10_lr` then).
    pub fn lr(&self) -> f64 {
        if self.is_exclusion() {
            return 0.0;
        }
        let product: f64 = self.markers.iter().map(|m| m.lr).product();
        if product.is_normal() {
            product
        } else {
            10f64.powf(self.log10_lr)
        }
    }

    pub fn is_exclusion(&self) -> bool {
        self.log10_lr == f64::NEG_INFINITY
    }

    /// Builds a result from per-marker LRs.
    pub fn from_markers(markers: Vec<MarkerLr>) -> LrResult {
        let log10_lr = markers.iter().map(|m| m.lr.log10()).sum();
        LrResult { markers, log10_lr }
    }
}

/// Why an LR cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LrError {
    #[error("person {person:?} is typed but is not in hypothesis {hypothesis}")]
    TypedPersonMissing {
        person: String,
        hypothesis: &'static str,
    },
    #[error("person {person:?} is typed twice")]
    TypedTwice { person: String },
    #[error(
        "marker {marker}: allele {allele} of person {person:?} is not in the frequency table (add it with a minimum frequency)"
    )]
    UnknownAllele {
        marker: String,
        person: String,
        allele: Allele,
    },
    #[error("marker {marker}: the genotypes are impossible under both hypotheses")]
    ImpossibleUnderBoth { marker: String },
    #[error(
        "marker {marker}: the genotypes are impossible under H2 but not under H1 (the LR would be infinite)"
    )]
    ImpossibleUnderH2 { marker: String },
    #[error("marker {marker}: {source}")]
    Likelihood {
        marker: String,
        source: LikelihoodError,
    },
    #[error("person {person:?} has {got} genotype slots for {expected} markers")]
    SlotCount {
        person: String,
        got: usize,
        expected: usize,
    },
}

impl KinshipCase {
    /// Computes the LR of `h1` against `h2`, marker by marker.
    pub fn evaluate(&self) -> Result<LrResult, LrError> {
        let mut seen = std::collections::HashSet::new();
        for t in &self.typed {
            if !seen.insert(t.id.as_str()) {
                return Err(LrError::TypedTwice {
                    person: t.id.clone(),
                });
            }
            if t.genotypes.len() != self.markers.len() {
                return Err(LrError::SlotCount {
                    person: t.id.clone(),
                    got: t.genotypes.len(),
                    expected: self.markers.len(),
                });
            }
            for (ped, hyp) in [(&self.h1, "H1"), (&self.h2, "H2")] {
                if ped.index_of(&t.id).is_none() {
                    return Err(LrError::TypedPersonMissing {
                        person: t.id.clone(),
                        hypothesis: hyp,
                    });
                }
            }
        }
        let markers = self
            .markers
            .iter()
            .enumerate()
            .map(|(k, model)| self.marker_lr(k, model))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LrResult::from_markers(markers))
    }

    fn marker_lr(&self, k: usize, model: &MarkerModel) -> Result<MarkerLr, LrError> {
        let marker = model.name().to_string();
        let slots = |ped: &Pedigree| -> Result<Vec<Option<IndexGenotype>>, LrError> {
            let mut g = vec![None; ped.len()];
            for t in &self.typed {
                let Some(genotype) = t.genotypes[k] else {
                    continue;
                };
                let index = |allele: Allele| {
                    model
                        .frequencies()
                        .index_of(allele)
                        .ok_or_else(|| LrError::UnknownAllele {
                            marker: marker.clone(),
                            person: t.id.clone(),
                            allele,
                        })
                };
                let i = ped.index_of(&t.id).expect("checked above");
                g[i] = Some((index(genotype.first())?, index(genotype.second())?));
            }
            Ok(g)
        };
        let lik = |ped: &Pedigree| -> Result<f64, LrError> {
            likelihood(ped, model, &slots(ped)?, self.theta).map_err(|source| LrError::Likelihood {
                marker: marker.clone(),
                source,
            })
        };
        let h1 = lik(&self.h1)?;
        let h2 = lik(&self.h2)?;
        if h2 == 0.0 {
            return Err(if h1 == 0.0 {
                LrError::ImpossibleUnderBoth { marker }
            } else {
                LrError::ImpossibleUnderH2 { marker }
            });
        }
        Ok(MarkerLr {
            name: marker,
            h1,
            h2,
            lr: h1 / h2,
        })
    }
}
