//! The search index kept in step with the registry, and candidates.

use std::collections::{BTreeMap, HashMap, HashSet};

use kinship::{Allele, Genotype, MarkerFrequencies, MarkerModel, MutationKind, Relative, Sex};
use search::{Hit, Index, Models, Profile, Query, SearchConfig};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::store::{Event, append_audit};
use crate::{Registry, RegistryError, Result};

/// The matching model in words, recorded with every candidate.
pub const SEARCH_MODEL: &str = "theta 0";

/// A stored genotype set: per marker (canonical name) two alleles.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct StoredProfile {
    pub sex: Option<String>,
    pub markers: Vec<(String, String, String)>,
}

impl StoredProfile {
    pub fn genotypes(&self) -> Result<Vec<(String, Genotype)>> {
        self.markers
            .iter()
            .map(|(m, a, b)| {
                let parse = |s: &str| {
                    s.parse::<Allele>()
                        .map_err(|e| RegistryError::Invalid(format!("stored allele of {m}: {e}")))
                };
                Ok((m.clone(), Genotype::new(parse(a)?, parse(b)?)))
            })
            .collect()
    }
}

/// A frequency table as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredMarker {
    pub name: String,
    pub alleles: Vec<String>,
    pub frequencies: Vec<f64>,
}

/// What the index was built from.
#[derive(Default)]
pub struct MatchState {
    pub(crate) index: Option<Index>,
    /// (id, name, version) of the active frequency database.
    pub(crate) database: Option<(i64, String, i64)>,
    /// Alleles the database lacked, added at the minimum frequency: (marker, allele).
    pub(crate) added: Vec<(String, String)>,
    /// Case row id -> index id is the same number; sample name -> profile, kept for incremental updates.
    pub(crate) model_desc: String,
}

impl MatchState {
    pub fn index(&self) -> Option<&Index> {
        self.index.as_ref()
    }

    /// "name vN" of the frequency database in use.
    pub fn database(&self) -> Option<String> {
        self.database.as_ref().map(|(_, n, v)| format!("{n} v{v}"))
    }

    pub fn added_alleles(&self) -> &[(String, String)] {
        &self.added
    }
}

/// The active frequency database: id, name, version, sample size, markers.
type ActiveDatabase = (i64, String, i64, Option<i64>, Vec<StoredMarker>);
/// A case: the child's sex and its references (sample, relationship, sex).
type CaseRefs = (Sex, Vec<(String, Relative, Sex)>);

/// Everything needed to index the registry, read in one transaction.
pub(crate) struct Snapshot {
    pub(crate) database: Option<ActiveDatabase>,
    pub(crate) profiles: HashMap<String, StoredProfile>,
    /// case row id -> (child sex, references: (sample, relationship, sex))
    pub(crate) cases: BTreeMap<i64, CaseRefs>,
    /// found row id -> sample
    pub(crate) found: BTreeMap<i64, String>,
}

pub(crate) fn parse_sex(s: &str) -> Sex {
    match s {
        "male" => Sex::Male,
        "female" => Sex::Female,
        _ => Sex::Unknown,
    }
}

impl Registry {
    /// Reads everything the index is built from, on `conn` (inside the
    /// caller's transaction, so an import's own rows are seen), and records
    /// the bulk decryption in the audit log.
    pub(crate) async fn snapshot(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<Snapshot> {
        let db_row = sqlx::query(
            "SELECT id, name, version, sample_size, content FROM frequency_dbs WHERE active = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let database = match db_row {
            None => None,
            Some(r) => {
                let content: String = r.try_get(4)?;
                let markers: Vec<StoredMarker> = serde_json::from_str(&content).map_err(|e| {
                    RegistryError::Invalid(format!("stored frequency database is damaged: {e}"))
                })?;
                Some((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get::<Option<i64>, _>(3)?,
                    markers,
                ))
            }
        };
        let mut profiles = HashMap::new();
        for r in sqlx::query("SELECT sample_name, genotypes FROM profiles")
            .fetch_all(&mut *tx)
            .await?
        {
            let sample: String = r.try_get(0)?;
            let blob: Vec<u8> = r.try_get(1)?;
            let text = self
                .open_field("profiles", "genotypes", &sample, Some(blob))?
                .unwrap_or_default();
            let p: StoredProfile = serde_json::from_str(&text).map_err(|e| {
                RegistryError::Invalid(format!("stored profile {sample} is damaged: {e}"))
            })?;
            profiles.insert(sample, p);
        }
        let mut cases: BTreeMap<i64, CaseRefs> = BTreeMap::new();
        for r in sqlx::query("SELECT id, child_sex FROM cases")
            .fetch_all(&mut *tx)
            .await?
        {
            cases.insert(
                r.try_get(0)?,
                (parse_sex(&r.try_get::<String, _>(1)?), Vec::new()),
            );
        }
        for r in sqlx::query(
            "SELECT case_ref, sample_name, relationship, sex FROM case_references ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let case: i64 = r.try_get(0)?;
            let rel: String = r.try_get(2)?;
            let rel: Relative = rel.parse().map_err(RegistryError::Invalid)?;
            if let Some(c) = cases.get_mut(&case) {
                c.1.push((r.try_get(1)?, rel, parse_sex(&r.try_get::<String, _>(3)?)));
            }
        }
        let mut found = BTreeMap::new();
        for r in sqlx::query("SELECT id, sample_name FROM found_children")
            .fetch_all(&mut *tx)
            .await?
        {
            found.insert(r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?);
        }
        append_audit(
            &mut *tx,
            self.backend,
            Event {
                actor,
                action: "profiles.read",
                target_type: "profiles",
                target_id: "*",
                detail: format!("{} profiles decrypted to {purpose}", profiles.len()),
            },
        )
        .await?;
        Ok(Snapshot {
            database,
            profiles,
            cases,
            found,
        })
    }

    /// Builds the index from the registry (at start, and when the models change).
    pub(crate) async fn load_index(&self) -> Result<()> {
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let snap = self
            .snapshot(&mut tx, &self.actor, "build the search index")
            .await?;
        tx.commit().await?;
        let mut state = self.state.write().await;
        *state = self.build_state(&snap)?;
        Ok(())
    }

    pub(crate) fn build_state(&self, snap: &Snapshot) -> Result<MatchState> {
        let Some((db_id, name, version, sample_size, markers)) = &snap.database else {
            return Ok(MatchState::default());
        };
        // Alleles that typed persons carry but the database lacks: the NRC II
        // minimum 5 / 2N, then the marker is renormalised.
        let mut carried: HashMap<&str, HashSet<String>> = HashMap::new();
        for p in snap.profiles.values() {
            for (m, a, b) in &p.markers {
                let set = carried.entry(m.as_str()).or_default();
                set.insert(a.clone());
                set.insert(b.clone());
            }
        }
        let mut models = Vec::new();
        let mut added = Vec::new();
        for sm in markers.iter().take(search::MAX_MARKERS) {
            let alleles: Vec<Allele> = sm
                .alleles
                .iter()
                .map(|a| {
                    a.parse()
                        .map_err(|e| RegistryError::Invalid(format!("stored allele {a}: {e}")))
                })
                .collect::<Result<_>>()?;
            let table = MarkerFrequencies::new(sm.name.clone(), alleles, sm.frequencies.clone())
                .map_err(|e| RegistryError::Invalid(e.to_string()))?;
            let minimum = match sample_size {
                Some(n) if *n > 0 => 5.0 / (2.0 * *n as f64),
                _ => table
                    .frequencies()
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min),
            };
            let extra: Vec<Allele> = carried
                .get(sm.name.as_str())
                .map(|s| s.iter().filter_map(|a| a.parse().ok()).collect())
                .unwrap_or_default();
            let (table, new) = table.with_alleles(extra, minimum);
            added.extend(new.into_iter().map(|a| (sm.name.clone(), a.to_string())));
            if table.len() > search::MAX_ALLELES {
                continue;
            }
            models.push(
                MarkerModel::new(table, Some(self.settings.mutation))
                    .map_err(|e| RegistryError::Invalid(e.to_string()))?,
            );
        }
        let models = Models::new(models)?;
        let mut index = Index::new(
            models,
            SearchConfig {
                min_shared_markers: self.settings.min_shared_markers,
            },
        );
        for (&case, (sex, refs)) in &snap.cases {
            insert_case(&mut index, case, *sex, refs, &snap.profiles)?;
        }
        for (&found, sample) in &snap.found {
            if let Some(p) = snap.profiles.get(sample) {
                let (profile, _) = index
                    .models()
                    .encode_named(p.genotypes()?.iter().map(|(m, g)| (m.as_str(), *g)))?;
                index.insert_child(found as u64, profile)?;
            }
        }
        Ok(MatchState {
            index: Some(index),
            database: Some((*db_id, name.clone(), *version)),
            added,
            model_desc: model_description(&self.settings),
        })
    }

    /// Puts a state built by [`Registry::rematch_in`] in place, once its
    /// transaction is committed.
    pub(crate) async fn install(&self, state: MatchState) {
        *self.state.write().await = state;
    }

    /// After an import, inside the import's own transaction (the caller
    /// holds the write lock): rebuild the index from the registry as the
    /// transaction sees it, search the cases and found children that changed
    /// and store the candidates. The rows, their candidates and the audit
    /// entries are committed together or not at all; the caller installs the
    /// returned state after the commit.
    pub(crate) async fn rematch_in(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        cases: &[i64],
        found: &[i64],
    ) -> Result<(usize, MatchState)> {
        let snap = self
            .snapshot(&mut *tx, actor, "update the search index")
            .await?;
        let state = self.build_state(&snap)?;
        let Some(index) = state.index.as_ref() else {
            return Ok((0, state));
        };
        let Some((db_id, _, _)) = state.database.clone() else {
            return Ok((0, state));
        };
        // The best of each search is kept whenever the DNA favours relatedness
        // at all (LR >= 1), so a weakly typed family still shows its best
        // candidate; every other candidate needs `min_lr`.
        let query = Query {
            top_k: Some(self.settings.top_k),
            min_lr: Some(1.0),
        };
        let keep =
            |rank: usize, hit: &Hit| rank == 0 || hit.log10_lr >= self.settings.min_lr.log10();
        let mut results: Vec<(i64, i64, Hit)> = Vec::new();
        let mut searches = Vec::new();
        for &f in found {
            let Some(profile) = child_profile(index, &snap, f)? else {
                continue;
            };
            let (hits, stats) = index.search_child(&profile, &query)?;
            let hits: Vec<Hit> = hits
                .into_iter()
                .enumerate()
                .filter(|(k, h)| keep(*k, h))
                .map(|(_, h)| h)
                .collect();
            searches.push(("search.child", "found_child", f, stats.scanned, hits.len()));
            results.extend(hits.into_iter().map(|h| (f, h.id as i64, h)));
        }
        for &c in cases {
            if !index.contains_case(c as u64) {
                continue;
            }
            let (hits, stats) = index.search_case(c as u64, &query)?;
            let hits: Vec<Hit> = hits
                .into_iter()
                .enumerate()
                .filter(|(k, h)| keep(*k, h))
                .map(|(_, h)| h)
                .collect();
            searches.push(("search.case", "case", c, stats.scanned, hits.len()));
            results.extend(hits.into_iter().map(|h| (h.id as i64, c, h)));
        }
        let names: Vec<String> = index
            .models()
            .markers()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        let added = serde_json::to_string(&state.added).unwrap_or_default();
        let model = state.model_desc.clone();
        let now = crate::audit::now_rfc3339();
        let mut stored = 0;
        for (found_ref, case_ref, hit) in &results {
            let per_marker: Vec<serde_json::Value> = hit
                .markers
                .iter()
                .map(|&(m, lr)| serde_json::json!({"name": names[m], "lr": lr}))
                .collect();
            let inconsistent: Vec<&str> = hit
                .inconsistent
                .iter()
                .map(|&m| names[m].as_str())
                .collect();
            let lr = hit.lr();
            let values = (
                if lr.is_finite() { lr } else { f64::MAX },
                hit.log10_lr,
                hit.markers_compared() as i64,
                serde_json::to_string(&inconsistent).unwrap_or_default(),
                serde_json::Value::from(per_marker).to_string(),
            );
            let updated = sqlx::query(
                "UPDATE candidates SET lr = $1, log10_lr = $2, markers_compared = $3, inconsistent = $4, per_marker = $5,
                 shape = $6, model = $7, frequency_db = $8, added_alleles = $9, computed_at = $10
                 WHERE found_ref = $11 AND case_ref = $12",
            )
            .bind(values.0)
            .bind(values.1)
            .bind(values.2)
            .bind(&values.3)
            .bind(&values.4)
            .bind(hit.shape)
            .bind(&model)
            .bind(db_id)
            .bind(&added)
            .bind(&now)
            .bind(*found_ref)
            .bind(*case_ref)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                sqlx::query(
                    "INSERT INTO candidates (found_ref, case_ref, lr, log10_lr, markers_compared, inconsistent, per_marker,
                     shape, model, frequency_db, added_alleles, computed_at, status)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new')",
                )
                .bind(*found_ref)
                .bind(*case_ref)
                .bind(values.0)
                .bind(values.1)
                .bind(values.2)
                .bind(&values.3)
                .bind(&values.4)
                .bind(hit.shape)
                .bind(&model)
                .bind(db_id)
                .bind(&added)
                .bind(&now)
                .execute(&mut *tx)
                .await?;
                stored += 1;
            }
            sqlx::query(
                "UPDATE cases SET status = 'candidate_found' WHERE id = $1 AND status = 'open'",
            )
            .bind(*case_ref)
            .execute(&mut *tx)
            .await?;
        }
        for (action, target_type, id, scanned, hits) in searches {
            append_audit(
                &mut *tx,
                self.backend,
                Event {
                    actor,
                    action,
                    target_type,
                    target_id: &id.to_string(),
                    detail: format!("{scanned} compared, {hits} candidates"),
                },
            )
            .await?;
        }
        Ok((stored, state))
    }
}

pub(crate) fn child_profile(index: &Index, snap: &Snapshot, found: i64) -> Result<Option<Profile>> {
    let Some(sample) = snap.found.get(&found) else {
        return Ok(None);
    };
    let Some(p) = snap.profiles.get(sample) else {
        return Ok(None);
    };
    Ok(Some(
        index
            .models()
            .encode_named(p.genotypes()?.iter().map(|(m, g)| (m.as_str(), *g)))?
            .0,
    ))
}

fn insert_case(
    index: &mut Index,
    case: i64,
    sex: Sex,
    refs: &[(String, Relative, Sex)],
    profiles: &HashMap<String, StoredProfile>,
) -> Result<()> {
    let mut entries = Vec::new();
    for (sample, rel, rsex) in refs {
        if let Some(p) = profiles.get(sample) {
            let (profile, _) = index
                .models()
                .encode_named(p.genotypes()?.iter().map(|(m, g)| (m.as_str(), *g)))?;
            entries.push((*rel, *rsex, profile));
        }
    }
    if !entries.is_empty() {
        index.insert_case(case as u64, sex, &entries)?;
    }
    Ok(())
}

/// The model in words: mutation model and theta.
pub(crate) fn model_description(s: &crate::Settings) -> String {
    let m = s.mutation;
    let kind = match m.kind {
        MutationKind::Equal => "equal".to_string(),
        MutationKind::Proportional => "proportional".to_string(),
        MutationKind::Stepwise { range, rate2 } => format!("stepwise range {range} rate2 {rate2}"),
    };
    format!(
        "{kind}, rate male {} female {}, {SEARCH_MODEL}",
        m.rate_male, m.rate_female
    )
}
