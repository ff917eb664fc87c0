//! Erasing a case: the case, its references and their profiles (the
//! genotypes) and Y haplotypes, its candidates with their review history, its retention
//! entries, its photos, and the family accounts that belong to it, in one
//! transaction.
//! The audit log keeps a record of the deletion (counts, no personal or
//! genetic data) and the search index forgets the case at once.
//!
//! On SQLite `secure_delete` (set on every connection) overwrites what the
//! deletion frees, and the write-ahead log is checkpointed and truncated
//! after the commit, so the deleted ciphertexts are no longer in the database
//! files. On PostgreSQL the rows are gone at once; the space they held is
//! reclaimed by `VACUUM`, which is the operator's job (see README).

use serde::Serialize;
use sqlx::Row;

use crate::store::{Event, append_audit};
use crate::{Backend, Registry, RegistryError, Result};

/// What deleting a case removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseDeletion {
    pub case_id: String,
    pub references: u64,
    /// Stored genotype profiles of the references.
    pub profiles: u64,
    /// Stored Y haplotypes of the references.
    pub y_haplotypes: u64,
    pub candidates: u64,
    /// Review steps of those candidates.
    pub review_events: u64,
    /// Family accounts of the case (their sessions end with them).
    pub accounts: u64,
    /// SQLite: the write-ahead log was checkpointed and truncated, so the
    /// deleted data is no longer in the files. `false` when another
    /// connection kept the checkpoint from finishing (the next one does it).
    /// Always `true` on PostgreSQL, where this does not apply.
    pub files_cleared: bool,
}

impl Registry {
    /// Deletes a case and everything that belongs to it (see the module doc).
    pub async fn delete_case(&self, actor: &str, case_id: &str) -> Result<CaseDeletion> {
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let case_ref: i64 = sqlx::query("SELECT id FROM cases WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| RegistryError::not_found("case", case_id))?
            .try_get("id")?;
        let review_events = sqlx::query(
            "DELETE FROM candidate_events WHERE candidate_ref IN (SELECT id FROM candidates WHERE case_ref = $1)",
        )
        .bind(case_ref)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let candidates = sqlx::query("DELETE FROM candidates WHERE case_ref = $1")
            .bind(case_ref)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        crate::same_dna::forget_case(&mut tx, case_ref).await?;
        crate::search_terms::forget_case(&mut tx, case_ref).await?;
        let photos = crate::photos::forget_case(&mut tx, case_ref).await?;
        let y_haplotypes = crate::y_haplotypes::forget_case(&mut tx, case_ref).await?;
        crate::volunteers::forget_case(&mut tx, case_ref).await?;
        let profiles = sqlx::query(
            "DELETE FROM profiles WHERE sample_name IN (SELECT sample_name FROM case_references WHERE case_ref = $1)",
        )
        .bind(case_ref)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let references = sqlx::query("DELETE FROM case_references WHERE case_ref = $1")
            .bind(case_ref)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM retention WHERE case_ref = $1")
            .bind(case_ref)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE user_ref IN (SELECT id FROM users WHERE case_ref = $1)",
        )
        .bind(case_ref)
        .execute(&mut *tx)
        .await?;
        let accounts = sqlx::query("DELETE FROM users WHERE case_ref = $1")
            .bind(case_ref)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM cases WHERE id = $1")
            .bind(case_ref)
            .execute(&mut *tx)
            .await?;
        append_audit(
            &mut tx,
            self.backend,
            Event {
                actor,
                action: "case.delete",
                target_type: "case",
                target_id: case_id,
                detail: format!(
                    "{references} references, {profiles} profiles, {candidates} candidates, {review_events} review steps, {accounts} family accounts, {photos} photos deleted; {y_haplotypes} Y haplotypes deleted"
                ),
            },
        )
        .await?;
        // No search may see the case between the commit and its removal
        // from the index: the index update holds the index until then.
        let (index, _) = self
            .update_index_in(&mut tx, actor, &[case_ref], &[], true)
            .await?;
        tx.commit().await?;
        index.committed();
        let files_cleared = match self.backend {
            Backend::Sqlite => self.checkpoint_truncate().await?,
            Backend::Postgres => true,
        };
        Ok(CaseDeletion {
            case_id: case_id.to_string(),
            references,
            profiles,
            y_haplotypes,
            candidates,
            review_events,
            accounts,
            files_cleared,
        })
    }

    /// SQLite: copies the write-ahead log into the database file and
    /// truncates it; `false` when a reader or writer kept it from finishing.
    pub(crate) async fn checkpoint_truncate(&self) -> Result<bool> {
        let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await?;
        let busy: i64 = row.try_get("busy")?;
        Ok(busy == 0)
    }
}
