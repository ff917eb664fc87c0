//! Population Y-STR haplotype databases: one row per man, one column per
//! locus, as `ystr::population::Population::parse` reads them; versioned
//! by name and one of them active, as allele frequency databases are. The
//! discrete Laplace mixture is fitted once, on import (the number of
//! clusters chosen by BIC as `disclapmix_adaptive` chooses it), and stored
//! beside the men, so a match probability needs no refit.

use formats::{FormatError, Location};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ystr::LocatedError;
use ystr::disclap;
use ystr::estimate::population_loci;
use ystr::population::Population;

use super::versioned::{Versioned, Versions};
use super::{ImportReport, option_text, sha256_hex};
use crate::{ImportKind, Registry, RegistryError, Result};

/// How many clusters past the best BIC the adaptive fit looks before it
/// stops (disclapmix_adaptive's `margin`; `reunite ystr fit` uses the same).
const BIC_MARGIN: usize = 5;

/// The fitted mixture as stored (`haplotype_dbs.mixture`, JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMixture {
    /// The model's coordinates in the file's column order (`DYS385a`, `DYS385b`, ...).
    pub coordinates: Vec<String>,
    pub clusters: usize,
    pub centres: Vec<Vec<i32>>,
    pub dispersion: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
    pub log_likelihood: f64,
    pub bic: f64,
}

impl StoredMixture {
    /// The mixture that predicts.
    pub fn mixture(&self) -> disclap::Mixture {
        disclap::Mixture {
            centres: self.centres.clone(),
            dispersion: self.dispersion.clone(),
            weights: self.weights.clone(),
        }
    }
}

/// A located error of the `ystr` crate as the registry's format error.
pub(crate) fn located(e: LocatedError) -> RegistryError {
    RegistryError::Format(FormatError::new(
        e.file,
        Location {
            line: e.line,
            path: None,
            field: e.field,
        },
        e.reason,
    ))
}

/// The men of a population as the registry keeps them: a header of the
/// loci (once each, in the file's order), a row per man with each call in
/// the `ystr` text form (`14`, `11-14`), no ids. Read back by
/// `Population::parse`; the same men give the same text, however the file
/// spelled them.
fn canonical(p: &Population) -> String {
    let loci = population_loci(p);
    let mut out = loci.iter().map(|l| l.name()).collect::<Vec<_>>().join(",");
    out.push('\n');
    for m in &p.men {
        let row: Vec<String> = loci
            .iter()
            .map(|l| {
                m.haplotype
                    .get(*l)
                    .map(|c| c.to_string())
                    .unwrap_or_default()
            })
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

impl Registry {
    /// Imports a population Y-STR haplotype database: checked whole (errors
    /// name the file, line, field and reason), the mixture fitted, then
    /// stored as a new version of `name` (default: the file's stem) unless
    /// its latest version holds the same men. It becomes the active one when
    /// `activate` is set or none is active. All or nothing; audited.
    pub async fn import_haplotypes(
        &self,
        actor: &str,
        file: &str,
        text: &str,
        name: Option<&str>,
        activate: bool,
    ) -> Result<ImportReport> {
        option_text("name", name)?;
        let population = Population::parse(text, file).map_err(located)?;
        let x = population.model_matrix().map_err(located)?;
        let fit = disclap::fit_adaptive(&x, BIC_MARGIN, |_| {})
            .map_err(|e| RegistryError::Invalid(format!("{file}: {e}")))?;
        let best = fit.best();
        let mixture = StoredMixture {
            coordinates: population.coordinate_names(),
            clusters: best.mixture.clusters(),
            centres: best.mixture.centres.clone(),
            dispersion: best.mixture.dispersion.clone(),
            weights: best.mixture.weights.clone(),
            log_likelihood: best.log_likelihood,
            bic: best.bic,
        };
        let mixture_json =
            serde_json::to_string(&mixture).map_err(|e| RegistryError::Damaged(e.to_string()))?;
        let loci: Vec<&str> = population_loci(&population)
            .into_iter()
            .map(|l| l.name())
            .collect();
        let loci = loci.join(",");
        let content = canonical(&population);
        let sha = sha256_hex(&content);
        let men = population.men.len();
        let name = name.map(str::to_string).unwrap_or_else(|| {
            std::path::Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("haplotypes")
                .to_string()
        });
        let mut report = ImportReport::new(ImportKind::Haplotypes, file, men);
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let versions = Versions::read(&mut tx, Versioned::Haplotypes, &name).await?;
        let (id, version) = match versions.same(&sha) {
            Some((id, version)) => {
                report.unchanged = men;
                report.notes.push(format!(
                    "haplotype database {name} v{version} already holds these men"
                ));
                (id, version)
            }
            None => {
                let version = versions.next();
                let id: i64 = sqlx::query(
                    "INSERT INTO haplotype_dbs (name, version, source_file, sha256, men, loci, content, mixture, active, imported_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9) RETURNING id",
                )
                .bind(&name)
                .bind(version)
                .bind(file)
                .bind(&sha)
                .bind(men as i64)
                .bind(&loci)
                .bind(&content)
                .bind(&mixture_json)
                .bind(crate::audit::now_rfc3339())
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                report.added = men;
                report.notes.push(format!(
                    "haplotype database {name} v{version} stored ({men} men, {} loci, {} clusters by BIC)",
                    population_loci(&population).len(),
                    mixture.clusters
                ));
                (id, version)
            }
        };
        if versions.activates(activate) {
            versions.make_active(&mut tx, id).await?;
            report.notes.push(format!(
                "{name} v{version} is the active haplotype database"
            ));
            let leads = self.lineage_lrs_again(&mut tx, actor).await?;
            if leads > 0 {
                report.notes.push(format!(
                    "{leads} paternal-line leads' LRs computed again by it"
                ));
            }
        }
        self.record_import(
            &mut tx,
            actor,
            ImportKind::Haplotypes,
            file,
            &sha,
            report.added,
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The active haplotype database: its name, version and mixture.
    pub async fn active_haplotype_db(&self) -> Result<Option<HaplotypeDb>> {
        let row = sqlx::query(
            "SELECT name, version, men, loci, mixture FROM haplotype_dbs WHERE active = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| -> Result<HaplotypeDb> {
            let mixture: String = r.try_get("mixture")?;
            Ok(HaplotypeDb {
                name: r.try_get("name")?,
                version: r.try_get("version")?,
                men: r.try_get::<i64, _>("men")? as usize,
                loci: r
                    .try_get::<String, _>("loci")?
                    .split(',')
                    .map(str::to_string)
                    .collect(),
                mixture: serde_json::from_str(&mixture).map_err(|e| {
                    RegistryError::Damaged(format!("a stored haplotype mixture: {e}"))
                })?,
            })
        })
        .transpose()
    }
}

/// A stored population haplotype database.
#[derive(Debug, Clone, PartialEq)]
pub struct HaplotypeDb {
    pub name: String,
    pub version: i64,
    pub men: usize,
    pub loci: Vec<String>,
    pub mixture: StoredMixture,
}

#[cfg(test)]
mod tests {
    use super::StoredMixture;
    use proptest::prelude::*;

    proptest! {
        /// The mixture read back from its stored JSON is the one fitted, to
        /// the last bit: a probability from a stored database is the one
        /// the fit gave.
        #[test]
        fn a_stored_mixture_reads_back_to_the_bit(
            dispersion in prop::collection::vec(0.0f64..1.0, 1..30),
            weight in 0.0f64..1.0,
            log_likelihood in -1.0e7f64..0.0,
        ) {
            let m = StoredMixture {
                coordinates: vec!["DYS19".into()],
                clusters: 1,
                centres: vec![vec![14]],
                dispersion: vec![dispersion],
                weights: vec![weight],
                log_likelihood,
                bic: -2.0 * log_likelihood,
            };
            let back: StoredMixture = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
            let bits = |m: &StoredMixture| {
                let mut b: Vec<u64> = m.dispersion[0].iter().map(|x| x.to_bits()).collect();
                b.extend([m.weights[0], m.log_likelihood, m.bic].map(f64::to_bits));
                b
            };
            prop_assert_eq!(bits(&back), bits(&m));
        }
    }
}
