//! What the pages and the API show: a candidate with its markers side by
//! side, facts, posterior and history; a case; a found child; the lists of
//! ids; the audit log's newest entries. Reads of genotypes and of personal
//! fields are audited.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use sqlx::Row;

use crate::facts::{self, CaseFacts, Category, Comparison, FoundFacts};
use crate::review::ReviewState;
use crate::store::Event;
use crate::stored::StoredProfile;
use crate::{Registry, RegistryError, Result};

/// A candidate in a list.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateSummary {
    pub id: i64,
    pub found_id: String,
    pub case_id: String,
    pub lr: f64,
    pub log10_lr: f64,
    pub markers_compared: i64,
    pub status: ReviewState,
    pub category: Category,
    /// Raised by one with every review step; a decision names it.
    pub version: i64,
}

/// One marker of a candidate, side by side.
#[derive(Debug, Clone, Serialize)]
pub struct MarkerRow {
    pub marker: String,
    pub child: Option<String>,
    /// One per reference, in the order of `CandidateDetail::references`.
    pub references: Vec<Option<String>>,
    pub lr: Option<f64>,
    pub inconsistent: bool,
}

/// A reference of a case, for pages (no genotype).
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceInfo {
    pub sample_name: String,
    pub relationship: String,
    pub sex: String,
    pub person_name: Option<String>,
    pub typed: bool,
}

/// The facts and texts of a case, decrypted for an authorised reader.
#[derive(Debug, Clone, Serialize)]
pub struct CaseInfo {
    pub case_id: String,
    pub child_name: Option<String>,
    pub facts: CaseFacts,
    pub missing_place: Option<String>,
    pub description: Option<String>,
    pub status: String,
    pub public_alert: bool,
    pub references: Vec<ReferenceInfo>,
    /// Its references with the same DNA as another reference (for case
    /// workers to check; `same_dna.rs`), told from this case's side.
    pub same_dna: Vec<crate::SameDnaPair>,
}

/// The facts and texts of a found child.
#[derive(Debug, Clone, Serialize)]
pub struct FoundInfo {
    pub found_id: String,
    pub sample_name: String,
    pub facts: FoundFacts,
    pub found_place: Option<String>,
    pub institution: Option<String>,
    pub description: Option<String>,
    pub status: String,
    pub typed: bool,
    /// Other found children with the same DNA (`same_dna.rs`).
    pub same_dna: Vec<crate::SameDnaPair>,
}

/// The cases scored for a found child and one case's posterior.
struct ChildPosterior {
    /// (case row id, log10 LR), best first.
    scores: Vec<(i64, f64)>,
    cases_scored: usize,
    compatible_cases: usize,
    /// The log10 LR `scores` go down to, when not every case is in them.
    floor_log10: Option<f64>,
    posterior: Option<f64>,
}

/// A found child's search for the posterior: what every candidate page of
/// that child needs, whichever case it shows.
pub(crate) struct ChildSearch {
    profile: search::Profile,
    found_days: facts::FoundDays,
    /// The log10 LR the search went down to (`-inf`: every case).
    floor_log10: f64,
    /// (case row id, log10 LR), best first.
    scores: Vec<(i64, f64)>,
    /// Of each, whether it is a compatible open case (a term of the posterior).
    compatible: Vec<bool>,
    compatible_cases: usize,
    cases_scored: usize,
}

/// The children's searches of the index as it is at one entry of the change
/// sequence and one frequency database: a candidate page of a child seen
/// before neither scans the cases nor counts them again. Every change of
/// the index or of a case's facts is an entry of the change sequence
/// (`changes.rs`), and a process's index moves to a new entry only under
/// the write lock, after the commit: an entry of another state is never
/// served. At most `POSTERIOR_CACHE` children are kept.
#[derive(Default)]
pub(crate) struct PosteriorCache {
    at: (i64, Option<i64>),
    children: Vec<Arc<ChildSearch>>,
}

/// How many children's searches the cache keeps.
const POSTERIOR_CACHE: usize = 64;

impl PosteriorCache {
    /// A search of this child that went down to `floor_log10` or lower.
    fn get(
        &mut self,
        at: (i64, Option<i64>),
        profile: &search::Profile,
        found_days: &facts::FoundDays,
        floor_log10: f64,
    ) -> Option<Arc<ChildSearch>> {
        if self.at != at {
            return None;
        }
        self.children
            .iter()
            .find(|c| {
                c.profile == *profile && c.found_days == *found_days && c.floor_log10 <= floor_log10
            })
            .cloned()
    }

    fn put(&mut self, at: (i64, Option<i64>), searched: Arc<ChildSearch>) {
        if self.at != at {
            self.at = at;
            self.children.clear();
        }
        // A search of the same child that went less deep is of no more use.
        self.children.retain(|c| {
            !(c.profile == searched.profile
                && c.found_days == searched.found_days
                && c.floor_log10 >= searched.floor_log10)
        });
        if self.children.len() == POSTERIOR_CACHE {
            self.children.remove(0);
        }
        self.children.push(searched);
    }
}

/// A step of a candidate's review.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewEvent {
    pub from: ReviewState,
    pub to: ReviewState,
    pub actor: String,
    pub reason: Option<String>,
    pub at: String,
}

/// Everything the candidate page shows.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateDetail {
    pub summary: CandidateSummary,
    pub case: CaseInfo,
    pub found: FoundInfo,
    pub markers: Vec<MarkerRow>,
    pub comparison: Comparison,
    pub posterior: Option<f64>,
    /// log10 LR of every case scored for this child (for the chart), best
    /// first; in a registry larger than `Settings::posterior_exact_cases`
    /// only those at or above `scores_from_log10`.
    pub all_scores: Vec<f64>,
    /// The candidate's floor (`facts::posterior_floor_log10`) when
    /// `all_scores` holds only the cases at or above it; `None` when it
    /// holds every case scored.
    pub scores_from_log10: Option<f64>,
    /// How many cases were scored for this child (share enough markers).
    pub cases_scored: usize,
    /// How many of them are open and compatible with the child's facts: the
    /// cases the prior is spread over.
    pub compatible_cases: usize,
    pub history: Vec<ReviewEvent>,
    /// Who requested the confirmatory test (the latest step into
    /// test_requested): the one case worker who may not confirm it.
    pub test_requested_by: Option<String>,
    pub shape: String,
    pub model: String,
    pub frequency_database: String,
}

/// What a family account is told about its case: reviewed news only. A
/// candidate that the automatic matching found and no case worker has
/// looked at yet, or one that was rejected, is no news.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyStatus {
    /// No candidate under review (none found, none looked at yet, or every
    /// one rejected).
    Searching,
    /// A case worker is checking a possible match (under review, or a
    /// confirmatory test requested).
    BeingChecked,
    /// A match was confirmed by a second case worker.
    Confirmed,
    /// The child and the family were reunited.
    Reunited,
    /// The case was closed.
    Closed,
}

impl FamilyStatus {
    pub fn name(self) -> &'static str {
        match self {
            FamilyStatus::Searching => "searching",
            FamilyStatus::BeingChecked => "being_checked",
            FamilyStatus::Confirmed => "confirmed",
            FamilyStatus::Reunited => "reunited",
            FamilyStatus::Closed => "closed",
        }
    }

    /// From the case's status and its candidates' review states.
    pub fn of(case_status: &str, candidates: &[ReviewState]) -> FamilyStatus {
        let any = |s: ReviewState| candidates.contains(&s);
        if case_status == "reunited" || any(ReviewState::Reunited) {
            FamilyStatus::Reunited
        } else if case_status == "closed" {
            FamilyStatus::Closed
        } else if any(ReviewState::Confirmed) {
            FamilyStatus::Confirmed
        } else if any(ReviewState::UnderReview) || any(ReviewState::TestRequested) {
            FamilyStatus::BeingChecked
        } else {
            FamilyStatus::Searching
        }
    }
}

/// An audit entry for the admin page.
pub use crate::audit::AuditEntry;

impl Registry {
    async fn case_info(&self, conn: &mut sqlx::AnyConnection, case_ref: i64) -> Result<CaseInfo> {
        let r = sqlx::query(
            "SELECT case_id, child_sex, birth_from, birth_to, missing_date, missing_lat, missing_lon, child_name, missing_place, description, status, public_alert
             FROM cases WHERE id = $1",
        )
        .bind(case_ref)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| RegistryError::not_found("case with row id", case_ref))?;
        let case_id: String = r.try_get("case_id")?;
        let mut references = Vec::new();
        for x in sqlx::query(
            "SELECT r.sample_name, r.relationship, r.sex, r.person_name, p.id FROM case_references r
             LEFT JOIN profiles p ON p.sample_name = r.sample_name WHERE r.case_ref = $1 ORDER BY r.id",
        )
        .bind(case_ref)
        .fetch_all(&mut *conn)
        .await?
        {
            let sample: String = x.try_get("sample_name")?;
            references.push(ReferenceInfo {
                person_name: self.open_column("case_references", "person_name", &sample, &x)?,
                sample_name: sample,
                relationship: x.try_get("relationship")?,
                sex: x.try_get("sex")?,
                typed: x.try_get::<Option<i64>, _>("id")?.is_some(),
            });
        }
        Ok(CaseInfo {
            child_name: self.open_column("cases", "child_name", &case_id, &r)?,
            missing_place: self.open_column("cases", "missing_place", &case_id, &r)?,
            description: self.open_column("cases", "description", &case_id, &r)?,
            facts: CaseFacts {
                sex: Some(r.try_get("child_sex")?),
                birth_from: r.try_get("birth_from")?,
                birth_to: r.try_get("birth_to")?,
                missing_date: r.try_get("missing_date")?,
                lat: r.try_get("missing_lat")?,
                lon: r.try_get("missing_lon")?,
            },
            status: r.try_get("status")?,
            public_alert: r.try_get::<i64, _>("public_alert")? != 0,
            same_dna: self
                .same_dna_of_samples(
                    &mut *conn,
                    &references
                        .iter()
                        .map(|r| r.sample_name.clone())
                        .collect::<Vec<_>>(),
                )
                .await?,
            case_id,
            references,
        })
    }

    async fn found_info(
        &self,
        conn: &mut sqlx::AnyConnection,
        found_ref: i64,
    ) -> Result<FoundInfo> {
        let r = sqlx::query(
            "SELECT f.found_id, f.sample_name, f.sex, f.age_min_days, f.age_max_days, f.found_date, f.found_lat, f.found_lon,
                    f.institution, f.found_place, f.description, f.status, p.id
             FROM found_children f LEFT JOIN profiles p ON p.sample_name = f.sample_name WHERE f.id = $1",
        )
        .bind(found_ref)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| RegistryError::not_found("found child with row id", found_ref))?;
        let found_id: String = r.try_get("found_id")?;
        let sample: String = r.try_get("sample_name")?;
        let same_dna = self
            .same_dna_of_samples(&mut *conn, std::slice::from_ref(&sample))
            .await?;
        Ok(FoundInfo {
            same_dna,
            found_place: self.open_column("found_children", "found_place", &found_id, &r)?,
            description: self.open_column("found_children", "description", &found_id, &r)?,
            sample_name: r.try_get("sample_name")?,
            facts: FoundFacts {
                sex: Some(r.try_get("sex")?),
                age_min_days: r.try_get("age_min_days")?,
                age_max_days: r.try_get("age_max_days")?,
                found_date: r.try_get("found_date")?,
                lat: r.try_get("found_lat")?,
                lon: r.try_get("found_lon")?,
            },
            institution: r.try_get("institution")?,
            status: r.try_get("status")?,
            typed: r.try_get::<Option<i64>, _>("id")?.is_some(),
            found_id,
        })
    }

    pub(crate) async fn audit_read(
        &self,
        actor: &str,
        action: &str,
        target_type: &str,
        target_id: &str,
        detail: String,
    ) -> Result<()> {
        let event = Event {
            actor,
            action,
            target_type,
            target_id,
            detail,
        };
        self.audited(async |_| Ok(((), event))).await
    }

    pub async fn case_id_ref(&self, case_id: &str) -> Result<Option<i64>> {
        Ok(sqlx::query("SELECT id FROM cases WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("id"))
            .transpose()?)
    }

    /// A case, decrypted for an authorised reader (audited).
    pub async fn case_page(&self, actor: &str, case_id: &str) -> Result<Option<CaseInfo>> {
        let Some(case_ref) = self.case_id_ref(case_id).await? else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        let info = self.case_info(&mut conn, case_ref).await?;
        drop(conn);
        self.audit_read(actor, "case.read", "case", case_id, String::new())
            .await?;
        Ok(Some(info))
    }

    /// The status of a family's own case, and nothing else.
    pub async fn case_status(&self, case_ref: i64) -> Result<Option<(String, String)>> {
        Ok(
            sqlx::query("SELECT case_id, status FROM cases WHERE id = $1")
                .bind(case_ref)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get("case_id")?, r.try_get("status")?)))
                .transpose()?,
        )
    }

    /// What a family account sees of its own case: its id and the status
    /// its candidates' reviews give ([`FamilyStatus`]), nothing else.
    pub async fn family_status(&self, case_ref: i64) -> Result<Option<(String, FamilyStatus)>> {
        let Some((case_id, status)) = self.case_status(case_ref).await? else {
            return Ok(None);
        };
        let states = sqlx::query("SELECT DISTINCT status FROM candidates WHERE case_ref = $1")
            .bind(case_ref)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| ReviewState::stored(&r.try_get::<String, _>("status")?))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((case_id, FamilyStatus::of(&status, &states))))
    }

    /// A found child, decrypted for an authorised reader (audited).
    pub async fn found_page(&self, actor: &str, found_id: &str) -> Result<Option<FoundInfo>> {
        let Some(r) = sqlx::query("SELECT id FROM found_children WHERE found_id = $1")
            .bind(found_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        let info = self.found_info(&mut conn, r.try_get("id")?).await?;
        drop(conn);
        self.audit_read(actor, "found.read", "found_child", found_id, String::new())
            .await?;
        Ok(Some(info))
    }

    /// Every found child and case id, for lists.
    pub async fn list_ids(&self) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
        let cases = sqlx::query("SELECT case_id, status FROM cases ORDER BY case_id")
            .fetch_all(&self.pool)
            .await?;
        let found = sqlx::query("SELECT found_id, status FROM found_children ORDER BY found_id")
            .fetch_all(&self.pool)
            .await?;
        let pairs = |rows: Vec<sqlx::any::AnyRow>, id: &str| {
            rows.iter()
                .map(|r| Ok((r.try_get(id)?, r.try_get("status")?)))
                .collect::<Result<Vec<_>>>()
        };
        Ok((pairs(cases, "case_id")?, pairs(found, "found_id")?))
    }

    /// The candidate page: facts, genotypes side by side, LRs, posterior,
    /// category, and the LRs of every case for this child. Reads genotypes:
    /// audited per sample.
    pub async fn candidate_detail(&self, actor: &str, id: i64) -> Result<Option<CandidateDetail>> {
        let Some(k) = sqlx::query(
            "SELECT k.found_ref, k.case_ref, k.lr, k.log10_lr, k.markers_compared, k.status, k.per_marker, k.inconsistent, k.shape, k.model,
                    d.name AS db_name, d.version AS db_version, f.found_id, c.case_id,
                    (SELECT MAX(o.log10_lr) FROM candidates o WHERE o.found_ref = k.found_ref AND o.id <> k.id) AS best_other,
                    k.version AS candidate_version
             FROM candidates k JOIN frequency_dbs d ON d.id = k.frequency_db
             JOIN found_children f ON f.id = k.found_ref JOIN cases c ON c.id = k.case_ref WHERE k.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let (found_ref, case_ref): (i64, i64) = (k.try_get("found_ref")?, k.try_get("case_ref")?);
        let mut conn = self.pool.acquire().await?;
        let case = self.case_info(&mut conn, case_ref).await?;
        let found = self.found_info(&mut conn, found_ref).await?;
        // Genotypes of the child and the references.
        let mut samples = vec![found.sample_name.clone()];
        samples.extend(case.references.iter().map(|r| r.sample_name.clone()));
        let mut profiles: HashMap<String, StoredProfile> = HashMap::new();
        for s in &samples {
            if let Some(r) = sqlx::query("SELECT genotypes FROM profiles WHERE sample_name = $1")
                .bind(s)
                .fetch_optional(&mut *conn)
                .await?
            {
                let text = self
                    .open_column("profiles", "genotypes", s, &r)?
                    .unwrap_or_default();
                if let Ok(p) = serde_json::from_str(&text) {
                    profiles.insert(s.clone(), p);
                }
            }
        }
        let history = sqlx::query("SELECT from_status, to_status, actor, reason, at FROM candidate_events WHERE candidate_ref = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok(ReviewEvent { from: ReviewState::stored(&r.try_get::<String, _>("from_status")?)?, to: ReviewState::stored(&r.try_get::<String, _>("to_status")?)?, actor: r.try_get("actor")?, reason: r.try_get("reason")?, at: r.try_get("at")? }))
            .collect::<Result<Vec<_>>>()?;
        let test_requested_by = crate::review::test_requester(&mut conn, id).await?;
        drop(conn);
        let per_marker: Vec<serde_json::Value> =
            serde_json::from_str(&k.try_get::<String, _>("per_marker")?).unwrap_or_default();
        let inconsistent: Vec<String> =
            serde_json::from_str(&k.try_get::<String, _>("inconsistent")?).unwrap_or_default();
        let lr_of: HashMap<String, f64> = per_marker
            .iter()
            .filter_map(|v| Some((v["name"].as_str()?.to_string(), v["lr"].as_f64()?)))
            .collect();
        let genotype = |sample: &str, marker: &str| {
            profiles.get(sample).and_then(|p| {
                p.markers
                    .iter()
                    .find(|(m, _, _)| m == marker)
                    .map(|(_, a, b)| format!("{a}/{b}"))
            })
        };
        let mut marker_names: Vec<String> = Vec::new();
        for s in &samples {
            if let Some(p) = profiles.get(s) {
                for (m, _, _) in &p.markers {
                    if !marker_names.iter().any(|n| n == m) {
                        marker_names.push(m.to_string());
                    }
                }
            }
        }
        let markers = marker_names
            .iter()
            .map(|m| MarkerRow {
                marker: m.clone(),
                child: genotype(&found.sample_name, m),
                references: case
                    .references
                    .iter()
                    .map(|r| genotype(&r.sample_name, m))
                    .collect(),
                lr: lr_of.get(m).copied(),
                inconsistent: inconsistent.contains(m),
            })
            .collect();
        // The cases scored for this child, and the posterior over the compatible open cases.
        let ChildPosterior {
            scores,
            cases_scored,
            compatible_cases,
            floor_log10: scores_from_log10,
            posterior,
        } = self
            .child_posterior(profiles.get(&found.sample_name), case_ref, &found.facts)
            .await?;
        let all_scores: Vec<f64> = scores.iter().map(|(_, l)| *l).collect();
        let comparison = facts::compare(&case.facts, &found.facts);
        let log10_lr: f64 = k.try_get("log10_lr")?;
        // The category as every list shows it: the margin over the other
        // candidates stored for the child, the facts compared.
        let best_other: Option<f64> = k.try_get("best_other")?;
        let category = facts::candidate_category(log10_lr, best_other, &case.facts, &found.facts);
        let summary = CandidateSummary {
            id,
            found_id: k.try_get("found_id")?,
            case_id: k.try_get("case_id")?,
            lr: k.try_get("lr")?,
            log10_lr,
            markers_compared: k.try_get("markers_compared")?,
            status: ReviewState::stored(&k.try_get::<String, _>("status")?)?,
            category,
            version: k.try_get("candidate_version")?,
        };
        self.audit_read(
            actor,
            "profile.read",
            "candidate",
            &id.to_string(),
            format!("{} genotypes shown: {}", profiles.len(), samples.join(" ")),
        )
        .await?;
        Ok(Some(CandidateDetail {
            summary,
            case,
            found,
            markers,
            comparison,
            posterior,
            all_scores,
            scores_from_log10,
            cases_scored,
            compatible_cases,
            history,
            test_requested_by,
            shape: k.try_get("shape")?,
            model: k.try_get("model")?,
            frequency_database: crate::matching::database_label(
                &k.try_get::<String, _>("db_name")?,
                k.try_get("db_version")?,
            ),
        }))
    }

    /// The log10 LR of a found child against every case in the index (exact, no threshold).
    pub async fn child_scores(&self, found_ref: i64) -> Result<Vec<(i64, f64)>> {
        let state = self.search_index().await?;
        let Some(index) = state.index() else {
            return Ok(Vec::new());
        };
        let Some(p) = self.found_profile(found_ref).await? else {
            return Ok(Vec::new());
        };
        let (hits, _) = index.search_child(&p.encode(index)?, &search::Query::default())?;
        Ok(hits
            .into_iter()
            .map(|h| (h.id as i64, h.log10_lr))
            .collect())
    }

    /// A found child's profile, decrypted; `None` when the child or its
    /// profile is not in the registry.
    async fn found_profile(&self, found_ref: i64) -> Result<Option<StoredProfile>> {
        let sample: Option<String> =
            sqlx::query("SELECT sample_name FROM found_children WHERE id = $1")
                .bind(found_ref)
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("sample_name"))
                .transpose()?;
        let Some(sample) = sample else {
            return Ok(None);
        };
        let Some(r) = sqlx::query("SELECT genotypes FROM profiles WHERE sample_name = $1")
            .bind(&sample)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let text = self
            .open_column("profiles", "genotypes", &sample, &r)?
            .unwrap_or_default();
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| RegistryError::Damaged(format!("stored profile {sample} is damaged: {e}")))
    }

    /// The cases scored for a found child and the posterior of one of them
    /// (`None` when that case is not scored, not open, or its facts exclude
    /// the child): see `facts.rs`. Every case sharing enough markers counts
    /// in the prior (from the index's marker masks and the facts it holds,
    /// no row read); up to `Settings::posterior_exact_cases` indexed cases
    /// every one is scored and the posterior is exact, beyond it only the
    /// cases whose bound reaches the candidate's floor
    /// (`facts::posterior_floor_log10`) are scored and the posterior is
    /// within 0.1% above the exact one.
    async fn child_posterior(
        &self,
        child: Option<&StoredProfile>,
        case_ref: i64,
        found: &FoundFacts,
    ) -> Result<ChildPosterior> {
        let state = self.search_index().await?;
        let none = ChildPosterior {
            scores: Vec::new(),
            cases_scored: 0,
            compatible_cases: 0,
            floor_log10: None,
            posterior: None,
        };
        let Some(index) = state.index() else {
            return Ok(none);
        };
        let Some(child) = child else {
            return Ok(none);
        };
        let profile = child.encode(index)?;
        let exact = index.case_count() <= self.settings.posterior_exact_cases;
        let found_days = facts::FoundDays::of(found);
        let allowed = |case: i64| {
            state
                .facts
                .get(case)
                .is_some_and(|d| d.open && facts::allows(d, &found_days))
        };
        // The candidate's LR, scored alone: the number the search gives it,
        // to the last bit (`None`: too few markers shared).
        let target = index.score(case_ref as u64, &profile).map(|h| h.log10_lr);
        // Up to `posterior_exact_cases` every case; beyond, the candidate's
        // own floor (`facts::posterior_floor_log10`).
        let floor_log10 = if exact {
            f64::NEG_INFINITY
        } else {
            facts::posterior_floor_log10(target.unwrap_or(f64::NEG_INFINITY), index.case_count())
        };
        // The child's search and count, kept for the next page of the same
        // child while the index stays as it is.
        let at = (state.seq, state.database.as_ref().map(|d| d.0));
        let cached = self
            .posterior_cache
            .lock()
            .expect("the posterior cache is never left half-written")
            .get(at, &profile, &found_days, floor_log10);
        let searched = match cached {
            Some(searched) => searched,
            None => {
                let query = search::Query {
                    top_k: None,
                    min_lr: (!exact).then(|| 10f64.powf(floor_log10)),
                };
                let (lrs, n) = rayon::join(
                    || index.search_child_lrs(&profile, &query),
                    || (!exact).then(|| index.count_cases_sharing(&profile, |c| allowed(c as i64))),
                );
                let (lrs, stats) = lrs?;
                let compatible: Vec<bool> = lrs.iter().map(|&(c, _)| allowed(c as i64)).collect();
                let searched = Arc::new(ChildSearch {
                    profile: profile.clone(),
                    found_days,
                    floor_log10,
                    compatible_cases: n
                        .unwrap_or_else(|| compatible.iter().filter(|&&a| a).count()),
                    scores: lrs.into_iter().map(|(c, l)| (c as i64, l)).collect(),
                    compatible,
                    cases_scored: stats.scanned - stats.too_few_markers,
                });
                self.posterior_cache
                    .lock()
                    .expect("the posterior cache is never left half-written")
                    .put(at, Arc::clone(&searched));
                searched
            }
        };
        // What this candidate's floor keeps of the search (a search kept
        // from a weaker candidate of the child went deeper).
        let kept = searched
            .scores
            .iter()
            .zip(&searched.compatible)
            .take_while(|((_, l), _)| *l >= floor_log10);
        let scores: Vec<(i64, f64)> = kept.clone().map(|(s, _)| *s).collect();
        let terms: Vec<f64> = kept.filter(|(_, a)| **a).map(|((_, l), _)| *l).collect();
        let posterior = target
            .filter(|_| allowed(case_ref))
            .map(|t| facts::posterior(t, &terms, searched.compatible_cases));
        Ok(ChildPosterior {
            scores,
            cases_scored: searched.cases_scored,
            compatible_cases: searched.compatible_cases,
            floor_log10: (!exact).then_some(floor_log10),
            posterior,
        })
    }

    /// The case a candidate belongs to (for access checks).
    pub async fn candidate_case(&self, id: i64) -> Result<Option<i64>> {
        Ok(sqlx::query("SELECT case_ref FROM candidates WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("case_ref"))
            .transpose()?)
    }

    /// The newest audit entries.
    pub async fn audit_tail(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, action, target_type, target_id, detail, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::store::audit_entry).collect()
    }
}
