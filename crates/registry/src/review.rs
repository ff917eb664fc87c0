//! The review workflow.
//!
//! Review: new -> under_review -> test_requested -> confirmed (by a second
//! caseworker, never one who moved it before) -> reunited; or rejected, with a
//! reason, at any step before reunited. Every step is audited. Reaching
//! reunited sets the case and found child statuses and schedules the deletion
//! of the references' genotypes after the retention period.

use sqlx::Row;

use crate::store::{Event, append_audit, now_unix};
use crate::{Registry, RegistryError, Result};

/// A review action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    StartReview,
    RequestTest,
    Confirm,
    Reunite,
    Reject,
}

impl ReviewAction {
    pub fn parse(s: &str) -> Option<ReviewAction> {
        Some(match s {
            "start_review" => ReviewAction::StartReview,
            "request_test" => ReviewAction::RequestTest,
            "confirm" => ReviewAction::Confirm,
            "reunite" => ReviewAction::Reunite,
            "reject" => ReviewAction::Reject,
            _ => return None,
        })
    }

    /// The status a candidate must have, and the status it gets.
    fn transition(self, from: &str) -> Option<&'static str> {
        match (self, from) {
            (ReviewAction::StartReview, "new") => Some("under_review"),
            (ReviewAction::RequestTest, "under_review") => Some("test_requested"),
            (ReviewAction::Confirm, "test_requested") => Some("confirmed"),
            (ReviewAction::Reunite, "confirmed") => Some("reunited"),
            (ReviewAction::Reject, "new" | "under_review" | "test_requested" | "confirmed") => {
                Some("rejected")
            }
            _ => None,
        }
    }
}

impl Registry {
    /// Moves a candidate one step of the review. `reason` is required to reject.
    pub async fn review(
        &self,
        actor: &str,
        id: i64,
        action: ReviewAction,
        reason: Option<&str>,
    ) -> Result<String> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if action == ReviewAction::Reject && reason.is_none() {
            return Err(RegistryError::Invalid("a rejection needs a reason".into()));
        }
        if let Some(bad) = reason.and_then(|r| {
            r.chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        }) {
            return Err(RegistryError::Invalid(format!(
                "the reason has the control character U+{:04X}; not allowed",
                u32::from(bad)
            )));
        }
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT status, found_ref, case_ref FROM candidates WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| RegistryError::Invalid(format!("no candidate {id}")))?;
        let from: String = row.try_get(0)?;
        let to = action.transition(&from).ok_or_else(|| {
            RegistryError::Invalid(format!(
                "a candidate that is {from} cannot be moved that way"
            ))
        })?;
        if action == ReviewAction::Confirm {
            let earlier: Vec<String> =
                sqlx::query("SELECT actor FROM candidate_events WHERE candidate_ref = $1")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<std::result::Result<_, _>>()?;
            if earlier.iter().any(|a| a == actor) {
                return Err(RegistryError::Invalid(
                    "a confirmation needs a second caseworker: you reviewed this candidate before"
                        .into(),
                ));
            }
        }
        sqlx::query("UPDATE candidates SET status = $1 WHERE id = $2")
            .bind(to)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO candidate_events (candidate_ref, from_status, to_status, actor, reason, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(&from)
            .bind(to)
            .bind(actor)
            .bind(reason)
            .bind(crate::audit::now_rfc3339())
            .execute(&mut *tx)
            .await?;
        if to == "reunited" {
            let (found_ref, case_ref): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
            sqlx::query("UPDATE cases SET status = 'reunited', public_alert = 0 WHERE id = $1")
                .bind(case_ref)
                .execute(&mut *tx)
                .await?;
            // A reunited case leaves the posterior of every child: the facts
            // the index holds follow through the change sequence.
            crate::matching::record_change(&mut tx, &[case_ref], &[], false).await?;
            sqlx::query("UPDATE found_children SET status = 'reunited' WHERE id = $1")
                .bind(found_ref)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO retention (case_ref, delete_after) VALUES ($1, $2)")
                .bind(case_ref)
                .bind(now_unix() + self.settings.retention_days * 86_400)
                .execute(&mut *tx)
                .await?;
        }
        append_audit(
            &mut tx,
            self.backend,
            Event {
                actor,
                action: "candidate.review",
                target_type: "candidate",
                target_id: &id.to_string(),
                detail: format!("{from} -> {to}"),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(to.to_string())
    }
}
