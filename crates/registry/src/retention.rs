//! Retention: the references' genotypes and Y haplotypes of reunited cases
//! are deleted once the retention period is over, and clan volunteers (with
//! their Y haplotypes and leads) the day after the last day they consented
//! to.

use sqlx::Row;

use crate::store::{Event, append_audit, now_unix};
use crate::{Registry, Result};

/// What a retention run deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetentionReport {
    /// The references' profiles of reunited cases.
    pub profiles: usize,
    /// Clan volunteers whose consent ran out.
    pub volunteers: usize,
}

impl Registry {
    /// Deletes the genotypes and Y haplotypes of the references of reunited
    /// cases whose retention period is over, and the clan volunteers whose
    /// consent has run out.
    pub async fn run_retention(&self, actor: &str) -> Result<RetentionReport> {
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let due = sqlx::query(
            "SELECT id, case_ref FROM retention WHERE done_at IS NULL AND delete_after <= $1",
        )
        .bind(now_unix())
        .fetch_all(&mut *tx)
        .await?;
        let mut deleted = 0;
        let mut cases = Vec::new();
        for r in due {
            let (id, case_ref): (i64, i64) = (r.try_get("id")?, r.try_get("case_ref")?);
            cases.push(case_ref);
            crate::same_dna::forget_case(&mut tx, case_ref).await?;
            let n = sqlx::query("DELETE FROM profiles WHERE sample_name IN (SELECT sample_name FROM case_references WHERE case_ref = $1)")
                .bind(case_ref)
                .execute(&mut *tx)
                .await?;
            let y = crate::y_haplotypes::forget_case(&mut tx, case_ref).await?;
            deleted += n.rows_affected() as usize;
            sqlx::query("UPDATE retention SET done_at = $1 WHERE id = $2")
                .bind(crate::audit::now_rfc3339())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            append_audit(
                &mut tx,
                self.backend,
                Event {
                    actor,
                    action: "retention.delete",
                    target_type: "case",
                    target_id: &case_ref.to_string(),
                    detail: format!("{} profiles, {y} Y haplotypes deleted", n.rows_affected()),
                },
            )
            .await?;
        }
        let today = formats::registry_csv::Date::today_utc().to_string();
        let volunteers = self.retire_volunteers(&mut tx, actor, &today).await?;
        // The index forgets the deleted profiles with the commit.
        let index = match cases.is_empty() {
            true => None,
            false => Some(
                self.update_index_in(&mut tx, actor, &cases, &[], true)
                    .await?
                    .0,
            ),
        };
        tx.commit().await?;
        if let Some(index) = index {
            index.committed();
        }
        Ok(RetentionReport {
            profiles: deleted,
            volunteers,
        })
    }
}
