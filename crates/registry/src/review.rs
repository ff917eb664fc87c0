//! The review workflow.
//!
//! Review: new -> under_review -> test_requested -> confirmed (by a second
//! caseworker, never one who moved it before) -> reunited; or rejected, with a
//! reason, at any step before reunited. Every step is audited. Reaching
//! reunited sets the case and found child statuses and schedules the deletion
//! of the references' genotypes after the retention period.

use serde::Serialize;
use sqlx::Row;

use crate::store::{Event, append_audit, now_unix};
use crate::{Registry, RegistryError, Result};

/// Where a candidate is in its review. Stored in the database as its
/// [`name`](ReviewState::name); JSON carries the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    New,
    UnderReview,
    TestRequested,
    Confirmed,
    Reunited,
    Rejected,
}

impl ReviewState {
    /// Every state, in the order of the review.
    pub const ALL: [ReviewState; 6] = [
        ReviewState::New,
        ReviewState::UnderReview,
        ReviewState::TestRequested,
        ReviewState::Confirmed,
        ReviewState::Reunited,
        ReviewState::Rejected,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReviewState::New => "new",
            ReviewState::UnderReview => "under_review",
            ReviewState::TestRequested => "test_requested",
            ReviewState::Confirmed => "confirmed",
            ReviewState::Reunited => "reunited",
            ReviewState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewState> {
        ReviewState::ALL.into_iter().find(|r| r.name() == s)
    }

    /// A state read from the database.
    pub(crate) fn stored(s: &str) -> Result<ReviewState> {
        ReviewState::parse(s)
            .ok_or_else(|| RegistryError::Invalid(format!("stored review status {s:?}")))
    }

    /// The actions that move a candidate on from this state, in the order
    /// pages offer them (the forward step first).
    pub fn actions(self) -> Vec<ReviewAction> {
        ReviewAction::ALL
            .into_iter()
            .filter(|a| a.transition(self).is_some())
            .collect()
    }
}

impl PartialEq<&str> for ReviewState {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// A review action: a step from one [`ReviewState`] to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    StartReview,
    RequestTest,
    Confirm,
    Reunite,
    Reject,
}

impl ReviewAction {
    /// Every action, forward steps first.
    pub const ALL: [ReviewAction; 5] = [
        ReviewAction::StartReview,
        ReviewAction::RequestTest,
        ReviewAction::Confirm,
        ReviewAction::Reunite,
        ReviewAction::Reject,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReviewAction::StartReview => "start_review",
            ReviewAction::RequestTest => "request_test",
            ReviewAction::Confirm => "confirm",
            ReviewAction::Reunite => "reunite",
            ReviewAction::Reject => "reject",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewAction> {
        ReviewAction::ALL.into_iter().find(|a| a.name() == s)
    }

    /// The state a candidate in `from` gets, when this action may move it.
    pub fn transition(self, from: ReviewState) -> Option<ReviewState> {
        use ReviewState::*;
        match (self, from) {
            (ReviewAction::StartReview, New) => Some(UnderReview),
            (ReviewAction::RequestTest, UnderReview) => Some(TestRequested),
            (ReviewAction::Confirm, TestRequested) => Some(Confirmed),
            (ReviewAction::Reunite, Confirmed) => Some(Reunited),
            (ReviewAction::Reject, New | UnderReview | TestRequested | Confirmed) => Some(Rejected),
            _ => None,
        }
    }

    /// The action needs a reason (a rejection).
    pub fn needs_reason(self) -> bool {
        self == ReviewAction::Reject
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
    ) -> Result<ReviewState> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if action.needs_reason() && reason.is_none() {
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
        let from = ReviewState::stored(&row.try_get::<String, _>(0)?)?;
        let to = action.transition(from).ok_or_else(|| {
            RegistryError::Invalid(format!(
                "a candidate that is {} cannot be moved that way",
                from.name()
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
            .bind(to.name())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO candidate_events (candidate_ref, from_status, to_status, actor, reason, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(from.name())
            .bind(to.name())
            .bind(actor)
            .bind(reason)
            .bind(crate::audit::now_rfc3339())
            .execute(&mut *tx)
            .await?;
        if to == ReviewState::Reunited {
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
                detail: format!("{} -> {}", from.name(), to.name()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }
}
