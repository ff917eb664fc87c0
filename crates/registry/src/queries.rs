//! Reading candidates, the audit check and the counts of the tables.

use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

// Table names below come from constants of this file, never from input.

use crate::audit::verify_from_genesis;
use crate::store::audit_entries;
use crate::{Registry, RegistryError, Result};

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
            let n: i64 = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
            out.push((name, n));
        }
        Ok(out)
    }
}
