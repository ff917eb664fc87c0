//! Allele frequency databases: versioned by name, one of them active; a new
//! active one scores every pair again in the same transaction.

use sqlx::{AnyConnection, Row};

use super::versioned::{Versioned, Versions};
use super::{ImportReport, option_text, sha256_hex};
use crate::stored::StoredMarker;
use crate::{ImportKind, Registry, RegistryError, Result};

impl Registry {
    /// Imports a frequency database (Familias list format or long CSV). It
    /// becomes the active one when `activate` is set or none is active.
    pub async fn import_frequencies(
        &self,
        actor: &str,
        file: &str,
        text: &str,
        name: Option<&str>,
        population: Option<&str>,
        activate: bool,
    ) -> Result<ImportReport> {
        option_text("name", name)?;
        option_text("population", population)?;
        let db = formats::frequencies::parse_frequencies(file, text, population)?;
        if db.markers().len() > search::MAX_MARKERS {
            return Err(RegistryError::Invalid(format!(
                "{file}: {} markers; the registry uses at most {}",
                db.markers().len(),
                search::MAX_MARKERS
            )));
        }
        let name = name.map(str::to_string).unwrap_or_else(|| {
            let stem = std::path::Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("frequencies");
            match population {
                Some(p) => format!("{stem}-{p}"),
                None => stem.to_string(),
            }
        });
        let content: Vec<StoredMarker> = db
            .markers()
            .iter()
            .map(|m| StoredMarker {
                name: m.name().to_string(),
                alleles: m.alleles().iter().map(|a| a.to_string()).collect(),
                frequencies: m.frequencies().to_vec(),
            })
            .collect();
        let content =
            serde_json::to_string(&content).map_err(|e| RegistryError::Damaged(e.to_string()))?;
        let sha = sha256_hex(&content);
        // The number of people behind a long CSV table, for the NRC II minimum frequency.
        let sample_size =
            formats::frequencies::sample_size(text, population).and_then(|n| i64::try_from(n).ok());
        let mut report = ImportReport::new(ImportKind::Frequencies, file, db.markers().len());
        {
            let _guard = self.write.lock().await;
            let mut tx = self.begin_write().await?;
            let versions = Versions::read(&mut tx, Versioned::Frequencies, &name).await?;
            let (id, version) = match versions.same(&sha) {
                Some((id, version)) => {
                    report.unchanged = report.rows;
                    report.notes.push(format!(
                        "frequency database {name} v{version} already holds this table"
                    ));
                    (id, version)
                }
                None => {
                    let version = versions.next();
                    let id: i64 = sqlx::query(
                        "INSERT INTO frequency_dbs (name, version, population, source_file, sha256, sample_size, content, active, imported_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
                    )
                    .bind(&name)
                    .bind(version)
                    .bind(population)
                    .bind(file)
                    .bind(&sha)
                    .bind(sample_size)
                    .bind(&content)
                    .bind(crate::audit::now_rfc3339())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    report.added = report.rows;
                    report.notes.push(format!(
                        "frequency database {name} v{version} stored ({} markers)",
                        report.rows
                    ));
                    (id, version)
                }
            };
            let activates = versions.activates(activate);
            if activates {
                versions.make_active(&mut tx, id).await?;
                report.notes.push(format!(
                    "{name} v{version} is the active frequency database"
                ));
            }
            self.record_import(
                &mut tx,
                actor,
                ImportKind::Frequencies,
                file,
                &sha,
                report.added,
            )
            .await?;
            // A new active database: every pair is scored again, in the same transaction.
            let state = if activates {
                let (cases, found) = all_ids(&mut tx).await?;
                let (n, state) = self.rematch_in(&mut tx, actor, &cases, &found).await?;
                report.new_candidates = n;
                report.tell_same_dna(&state.same_dna);
                Some(state)
            } else {
                None
            };
            tx.commit().await?;
            if let Some(state) = state {
                state.committed();
            }
        }
        Ok(report)
    }
}

/// Every case and found child (row ids).
async fn all_ids(conn: &mut AnyConnection) -> Result<(Vec<i64>, Vec<i64>)> {
    let cases = sqlx::query("SELECT id FROM cases")
        .fetch_all(&mut *conn)
        .await?;
    let found = sqlx::query("SELECT id FROM found_children")
        .fetch_all(&mut *conn)
        .await?;
    Ok((
        cases
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?,
        found
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?,
    ))
}
