//! The review workflow.
//!
//! Review: new -> under_review -> test_requested -> confirmed -> reunited;
//! or rejected, with a reason, at any step before reunited; a rejection can
//! be reopened, with a reason, back to under_review (someone looks at it
//! again; the rejection and the reopening stay in the history).
//!
//! The four-eyes rule: the case worker who requested the confirmatory test
//! (the latest step into test_requested) may not confirm it; any other case
//! worker may, whoever else took earlier steps. Two case workers who
//! alternate steps can therefore always finish.
//!
//! Every decision carries the version it was made on: a candidate's
//! `version` goes up by one with every step, and a step made on another
//! version than the current one is refused ([`RegistryError::Stale`]), so a
//! decision taken on a page that someone else changed since is never applied.
//! Every step is audited. Reaching reunited sets the case and found child
//! statuses and schedules the deletion of the references' genotypes after the
//! retention period.

use serde::Serialize;
use sqlx::Row;

use crate::store::{Event, now_unix};
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
            .ok_or_else(|| RegistryError::Damaged(format!("stored review status {s:?}")))
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
    Reopen,
}

impl ReviewAction {
    /// Every action, forward steps first.
    pub const ALL: [ReviewAction; 6] = [
        ReviewAction::StartReview,
        ReviewAction::RequestTest,
        ReviewAction::Confirm,
        ReviewAction::Reunite,
        ReviewAction::Reject,
        ReviewAction::Reopen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ReviewAction::StartReview => "start_review",
            ReviewAction::RequestTest => "request_test",
            ReviewAction::Confirm => "confirm",
            ReviewAction::Reunite => "reunite",
            ReviewAction::Reject => "reject",
            ReviewAction::Reopen => "reopen",
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
            (ReviewAction::Reopen, Rejected) => Some(UnderReview),
            _ => None,
        }
    }

    /// The action needs a reason (a rejection, a reopening).
    pub fn needs_reason(self) -> bool {
        matches!(self, ReviewAction::Reject | ReviewAction::Reopen)
    }

    /// Whether `actor` may take this action on a candidate whose
    /// confirmatory test `test_requested_by` requested (the four-eyes rule:
    /// not the one who requested the test confirms it).
    pub fn allowed_for(self, actor: &str, test_requested_by: Option<&str>) -> bool {
        self != ReviewAction::Confirm || test_requested_by != Some(actor)
    }
}

/// The actions `actor` may take on a candidate in `state` whose test
/// `test_requested_by` requested: the pages show these buttons and no other.
pub fn allowed_actions(
    state: ReviewState,
    actor: &str,
    test_requested_by: Option<&str>,
) -> Vec<ReviewAction> {
    state
        .actions()
        .into_iter()
        .filter(|a| a.allowed_for(actor, test_requested_by))
        .collect()
}

impl Registry {
    /// Moves a candidate one step of the review, whatever its version (for
    /// the command line and tests; people's decisions go through
    /// [`Registry::review_at`]). `reason` is required to reject and to
    /// reopen.
    pub async fn review(
        &self,
        actor: &str,
        id: i64,
        action: ReviewAction,
        reason: Option<&str>,
    ) -> Result<ReviewState> {
        self.review_step(actor, id, action, reason, None).await
    }

    /// Moves a candidate one step of the review, when `version` is still its
    /// current version ([`RegistryError::Stale`] otherwise, nothing done).
    pub async fn review_at(
        &self,
        actor: &str,
        id: i64,
        action: ReviewAction,
        reason: Option<&str>,
        version: i64,
    ) -> Result<ReviewState> {
        self.review_step(actor, id, action, reason, Some(version))
            .await
    }

    async fn review_step(
        &self,
        actor: &str,
        id: i64,
        action: ReviewAction,
        reason: Option<&str>,
        version: Option<i64>,
    ) -> Result<ReviewState> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if action.needs_reason() && reason.is_none() {
            return Err(RegistryError::Invalid(match action {
                ReviewAction::Reopen => "a reopening needs a reason".into(),
                _ => "a rejection needs a reason".into(),
            }));
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
        let target = id.to_string();
        self.audited(async |tx| {
            let row = sqlx::query(
                "SELECT status, found_ref, case_ref, version FROM candidates WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| RegistryError::not_found("candidate", id))?;
            let from = ReviewState::stored(&row.try_get::<String, _>("status")?)?;
            let current: i64 = row.try_get("version")?;
            if let Some(given) = version
                && given != current
            {
                return Err(RegistryError::Stale {
                    given,
                    current,
                    status: from,
                });
            }
            let to = action.transition(from).ok_or_else(|| {
                RegistryError::Conflict(format!(
                    "a candidate that is {} cannot be moved that way",
                    from.name()
                ))
            })?;
            if action == ReviewAction::Confirm {
                let requester = test_requester(&mut *tx, id).await?;
                if !action.allowed_for(actor, requester.as_deref()) {
                    return Err(RegistryError::Conflict(
                        "a confirmation needs a second caseworker: you requested the confirmatory test, so another case worker confirms it"
                            .into(),
                    ));
                }
            }
            sqlx::query("UPDATE candidates SET status = $1, version = version + 1 WHERE id = $2")
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
                let (found_ref, case_ref): (i64, i64) = (row.try_get("found_ref")?, row.try_get("case_ref")?);
                sqlx::query("UPDATE cases SET status = 'reunited', public_alert = 0 WHERE id = $1")
                    .bind(case_ref)
                    .execute(&mut *tx)
                    .await?;
                // A reunited case leaves the posterior of every child: the facts
                // the index holds follow through the change sequence.
                crate::changes::record_change(&mut *tx, &[case_ref], &[], false).await?;
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
            let event = Event {
                actor,
                action: "candidate.review",
                target_type: "candidate",
                target_id: &target,
                detail: format!("{} -> {}", from.name(), to.name()),
            };
            Ok((to, event))
        })
        .await
    }
}

/// Who requested a candidate's confirmatory test: the actor of the latest
/// step into test_requested.
pub(crate) async fn test_requester(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query(
        "SELECT actor FROM candidate_events WHERE candidate_ref = $1 AND to_status = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .bind(ReviewState::TestRequested.name())
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.try_get("actor"))
    .transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_actions_round_trip_and_move_as_the_workflow_says() {
        for s in ReviewState::ALL {
            assert_eq!(ReviewState::parse(s.name()), Some(s));
        }
        for a in ReviewAction::ALL {
            assert_eq!(ReviewAction::parse(a.name()), Some(a));
        }
        use ReviewAction::*;
        assert_eq!(ReviewState::New.actions(), [StartReview, Reject]);
        assert_eq!(ReviewState::Rejected.actions(), [Reopen]);
        assert_eq!(ReviewState::Reunited.actions(), []);
        assert_eq!(
            Reopen.transition(ReviewState::Rejected),
            Some(ReviewState::UnderReview)
        );
        // The four-eyes rule: whoever requested the test may not confirm.
        assert_eq!(
            allowed_actions(ReviewState::TestRequested, "ann", Some("ann")),
            [Reject]
        );
        assert_eq!(
            allowed_actions(ReviewState::TestRequested, "bob", Some("ann")),
            [Confirm, Reject]
        );
    }
}
