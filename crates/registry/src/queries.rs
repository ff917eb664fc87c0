//! Reading candidates, backups, key rotation and the audit check.

use std::path::Path;

use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

// Table and column names below come from constants of this file, never from input;
// the backup path is checked for quotes.

use crate::audit::verify_from_genesis;
use crate::crypto::{self, Key};
use crate::store::{Event, append_audit, audit_entries, set_meta};
use crate::{Backend, Registry, RegistryError, Result};

/// A candidate as listed by `reunite matches`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CandidateRow {
    pub found_id: String,
    pub case_id: String,
    pub lr: f64,
    pub log10_lr: f64,
    pub markers_compared: i64,
    pub inconsistent_markers: Vec<String>,
    pub status: String,
    pub shape: String,
    pub frequency_database: String,
    pub model: String,
    pub computed_at: String,
}

/// Which candidates to list.
#[derive(Debug, Clone, Default)]
pub struct CandidateFilter {
    pub status: Option<String>,
    pub found_id: Option<String>,
    pub case_id: Option<String>,
}

/// (table, natural key column, encrypted columns) of every encrypted field.
const ENCRYPTED: &[(&str, &str, &[&str])] = &[
    (
        "cases",
        "case_id",
        &["child_name", "missing_place", "description", "contact"],
    ),
    (
        "found_children",
        "found_id",
        &["found_place", "description"],
    ),
    ("case_references", "sample_name", &["person_name"]),
    ("profiles", "sample_name", &["genotypes"]),
];

impl Registry {
    /// Every candidate that passes the filter, best first (ties by row
    /// id), as [`Registry::candidate_page`] gives them page by page.
    pub async fn candidates(&self, filter: &CandidateFilter) -> Result<Vec<CandidateRow>> {
        let mut out = Vec::new();
        self.each_candidate(filter, |row| {
            out.push(row);
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// Writes a consistent copy of a SQLite registry to `dest` (`VACUUM INTO`).
    /// For PostgreSQL use `pg_dump` (see README).
    pub async fn backup(&self, actor: &str, dest: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(RegistryError::Invalid(
                "backup of a PostgreSQL registry: use pg_dump --format=custom (see README); keep the key file apart".into(),
            ));
        }
        if dest.exists() {
            return Err(RegistryError::Invalid(format!(
                "{} exists; a backup never overwrites",
                dest.display()
            )));
        }
        let dest_text = dest
            .to_str()
            .ok_or_else(|| RegistryError::Invalid("backup path is not UTF-8".into()))?;
        if dest_text.contains('\'') {
            return Err(RegistryError::Invalid(
                "backup path must not contain a quote".into(),
            ));
        }
        let event = Event {
            actor,
            action: "backup",
            target_type: "database",
            target_id: "*",
            detail: "VACUUM INTO".into(),
        };
        self.audited(async |_| Ok(((), event))).await?;
        sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{dest_text}'")))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Re-encrypts every field with a new key, written to `new_key_file`
    /// (created 0600). The old key opens nothing afterwards.
    pub async fn rotate_key(&self, actor: &str, new_key_file: &Path) -> Result<usize> {
        let new_key = Key::generate();
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let mut fields = 0;
        for (table, key_col, columns) in ENCRYPTED {
            for col in *columns {
                let rows = sqlx::query(AssertSqlSafe(format!(
                    "SELECT id, {key_col}, {col} FROM {table} WHERE {col} IS NOT NULL"
                )))
                .fetch_all(&mut *tx)
                .await?;
                for r in rows {
                    let id: i64 = r.try_get(0)?;
                    let natural: String = r.try_get(1)?;
                    let blob: Vec<u8> = r.try_get(2)?;
                    let aad = crypto::aad(table, col, &natural);
                    let plain = crypto::decrypt(&self.key, &aad, &blob)?;
                    let sealed = crypto::encrypt(&new_key, &aad, &plain);
                    sqlx::query(AssertSqlSafe(format!(
                        "UPDATE {table} SET {col} = $1 WHERE id = $2"
                    )))
                    .bind(sealed)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    fields += 1;
                }
            }
        }
        // The index snapshot is sealed with the old key: it is built anew
        // (with the new key) when next needed.
        crate::changes::delete_snapshots(&mut tx).await?;
        set_meta(&mut tx, "key_id", &new_key.id()).await?;
        append_audit(
            &mut tx,
            self.backend,
            Event {
                actor,
                action: "key.rotate",
                target_type: "database",
                target_id: "*",
                detail: format!("{fields} fields re-encrypted; new key id {}", new_key.id()),
            },
        )
        .await?;
        // The new key is on disk before the data depends on it.
        crypto::write_key_file(new_key_file, &new_key)?;
        if let Err(e) = tx.commit().await {
            let _ = std::fs::remove_file(new_key_file);
            return Err(e.into());
        }
        Ok(fields)
    }

    /// Checks the audit chain; returns the number of entries.
    pub async fn verify_audit(&self) -> Result<usize> {
        let mut conn = self.pool.acquire().await?;
        let entries = audit_entries(&mut conn).await?;
        verify_from_genesis(&entries).map_err(|e| RegistryError::Audit(e.to_string()))
    }

    /// Counts of the main tables, for summaries (no personal data).
    pub async fn counts(&self) -> Result<Vec<(&'static str, i64)>> {
        let mut out = Vec::new();
        for (name, table) in [
            ("cases", "cases"),
            ("references", "case_references"),
            ("found children", "found_children"),
            ("profiles", "profiles"),
            (
                "reference profiles",
                "profiles JOIN case_references ON case_references.sample_name = profiles.sample_name",
            ),
            ("candidates", "candidates"),
            ("audit entries", "audit_log"),
        ] {
            let n: i64 = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
            out.push((name, n));
        }
        Ok(out)
    }
}
