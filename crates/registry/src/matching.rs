//! The search index kept in step with the registry, and candidates.

use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use kinship::{Allele, MarkerFrequencies, MarkerModel, MutationKind, Relative, Sex};
use search::{Hit, Index, Models, Profile, Query, SearchConfig};
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use tokio::sync::{RwLockReadGuard, RwLockWriteGuard};

use crate::changes::{changes_since, last_change, record_change};
use crate::facts::{CaseDays, CaseFacts, DaysById};
use crate::same_dna::SameDnaPair;
use crate::store::{AnyQuery, Event, append_audits, each_row_in, execute_in, insert_rows, rows_in};
use crate::stored::{
    ActiveDatabase, CaseRefs, Snapshot, StoredMarker, StoredProfile, child_profile,
};
use crate::{Registry, RegistryError, Result};

/// Why the rows changed since the index was brought in step are read.
const UPDATE: &str = "update the search index";

/// The matching model in words, recorded with every candidate.
pub const SEARCH_MODEL: &str = "theta 0";

/// What the index was built from.
#[derive(Default)]
pub struct MatchState {
    pub(crate) index: Option<Index>,
    /// (id, name, version) of the active frequency database.
    pub(crate) database: Option<(i64, String, i64)>,
    /// Alleles the database lacked, added at the minimum frequency: (marker, allele).
    pub(crate) added: Vec<(String, String)>,
    /// The mutation model and theta in words, recorded with every candidate.
    pub(crate) model_desc: String,
    /// Built from the database. False until the index is first needed (a
    /// command that only lists or verifies never decrypts the profiles), and
    /// again after an import changed the index but did not commit.
    pub(crate) loaded: bool,
    /// The last entry of the change sequence (`index_changes`) the index
    /// holds.
    pub(crate) seq: i64,
    /// The facts of every case that decide compatibility, by case row id,
    /// kept in step with the index (for the posterior).
    pub(crate) facts: DaysById,
}

/// The index while an import changes it: the state's write lock, held from
/// the import's search to its commit, so no search sees rows that are not
/// committed. Unless the import marks it committed, dropping it drops the
/// changed index, which is then rebuilt from the database when next needed:
/// a refused or failed import leaves the index as the database is.
pub(crate) struct IndexUpdate<'a> {
    state: RwLockWriteGuard<'a, MatchState>,
    committed: bool,
    /// The pairs of profiles with the same DNA the import flagged
    /// ([`Registry::rematch_in`]).
    pub(crate) same_dna: Vec<SameDnaPair>,
}

impl IndexUpdate<'_> {
    /// The import's transaction committed: its index state is the live one.
    pub(crate) fn committed(mut self) {
        self.committed = true;
    }
}

impl Drop for IndexUpdate<'_> {
    fn drop(&mut self) {
        if !self.committed {
            *self.state = MatchState::default();
        }
    }
}

impl MatchState {
    pub fn index(&self) -> Option<&Index> {
        self.index.as_ref()
    }

    /// "name vN" of the frequency database in use.
    pub fn database(&self) -> Option<String> {
        self.database
            .as_ref()
            .map(|(_, n, v)| database_label(n, *v))
    }

    pub fn added_alleles(&self) -> &[(String, String)] {
        &self.added
    }
}

impl Registry {
    /// The active frequency database, read on `conn`.
    pub(crate) async fn active_database(
        &self,
        tx: &mut AnyConnection,
    ) -> Result<Option<ActiveDatabase>> {
        let db_row = sqlx::query(
            "SELECT id, name, version, sample_size, content FROM frequency_dbs WHERE active = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        Ok(match db_row {
            None => None,
            Some(r) => {
                let content: String = r.try_get("content")?;
                let markers: Vec<StoredMarker> = serde_json::from_str(&content).map_err(|e| {
                    RegistryError::Damaged(format!("stored frequency database is damaged: {e}"))
                })?;
                Some((
                    r.try_get("id")?,
                    r.try_get("name")?,
                    r.try_get("version")?,
                    r.try_get::<Option<i64>, _>("sample_size")?,
                    markers,
                ))
            }
        })
    }

    /// Reads everything the index is built from, on `conn` (inside the
    /// caller's transaction, so an import's own rows are seen), and records
    /// the bulk decryption in the audit log.
    pub(crate) async fn snapshot(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<Snapshot> {
        let database = self.active_database(&mut *tx).await?;
        let mut profiles = HashMap::new();
        for r in sqlx::query("SELECT sample_name, genotypes FROM profiles")
            .fetch_all(&mut *tx)
            .await?
        {
            let sample: String = r.try_get("sample_name")?;
            let p = self.stored_profile(&sample, r.try_get("genotypes")?)?;
            profiles.insert(sample, p);
        }
        let mut cases: BTreeMap<i64, CaseRefs> = BTreeMap::new();
        let mut facts = FxHashMap::default();
        for r in sqlx::query(AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases")))
            .fetch_all(&mut *tx)
            .await?
        {
            let (id, sex, days) = case_row(&r)?;
            cases.insert(id, (sex, Vec::new()));
            facts.insert(id, days);
        }
        for r in sqlx::query(
            "SELECT case_ref, sample_name, relationship, sex FROM case_references ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let case: i64 = r.try_get("case_ref")?;
            let rel: String = r.try_get("relationship")?;
            let rel: Relative = rel.parse().map_err(RegistryError::Invalid)?;
            if let Some(c) = cases.get_mut(&case) {
                c.1.push((
                    r.try_get("sample_name")?,
                    rel,
                    Sex::named(&r.try_get::<String, _>("sex")?),
                ));
            }
        }
        let mut found = BTreeMap::new();
        for r in sqlx::query("SELECT id, sample_name FROM found_children")
            .fetch_all(&mut *tx)
            .await?
        {
            found.insert(
                r.try_get::<i64, _>("id")?,
                r.try_get::<String, _>("sample_name")?,
            );
        }
        let seq = last_change(&mut *tx).await?;
        self.audit_bulk_read(
            &mut *tx,
            actor,
            format!("{} profiles decrypted to {purpose}", profiles.len()),
        )
        .await?;
        Ok(Snapshot {
            database,
            profiles,
            cases,
            found,
            facts,
            seq,
        })
    }

    /// A bulk decryption of profiles, as an audit entry (`detail` says how
    /// many and why, never whose).
    pub(crate) async fn audit_bulk_read(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        detail: String,
    ) -> Result<()> {
        self.audit_count(tx, actor, ("profiles.read", "profiles", "*"), detail)
            .await
    }

    /// Builds the index from the registry unless it is built: restored
    /// from the index snapshot and brought up to date, or from every row.
    async fn load_index(&self) -> Result<()> {
        let _guard = self.write.lock().await;
        if self.state.read().await.loaded {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        let (loaded, _) = self
            .index_state_now(&mut tx, &self.actor, "build the search index")
            .await?;
        tx.commit().await?;
        let mut state = self.state.write().await;
        *state = loaded;
        Ok(())
    }

    /// The search index, built from the registry the first time it is
    /// needed. The caller must hold neither the write lock nor a write
    /// transaction.
    pub(crate) async fn search_index(&self) -> Result<RwLockReadGuard<'_, MatchState>> {
        loop {
            {
                let state = self.state.read().await;
                if state.loaded {
                    if last_change(&mut *self.pool.acquire().await?).await? <= state.seq {
                        return Ok(state);
                    }
                } else {
                    drop(state);
                    self.load_index().await?;
                    continue;
                }
            }
            self.catch_up_index().await?;
        }
    }

    /// Brings a built index in step with what other processes on the same
    /// database changed since (the change sequence); true when there was
    /// something to apply. The server calls it every second.
    pub async fn catch_up_index(&self) -> Result<bool> {
        {
            let state = self.state.read().await;
            if !state.loaded || last_change(&mut *self.pool.acquire().await?).await? <= state.seq {
                return Ok(false);
            }
        }
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let (update, _) = self
            .update_index_in(&mut tx, &self.actor, &[], &[], false)
            .await?;
        tx.commit().await?;
        update.committed();
        Ok(true)
    }

    /// Builds the search index now rather than at its first use (the
    /// server does, before it answers).
    pub async fn load_search_index(&self) -> Result<()> {
        self.search_index().await.map(drop)
    }

    /// Reads the cases and found children an import changed, and the
    /// profiles of their references and of the children, on `tx` (inside
    /// the import's transaction); the decryption is an audit entry.
    pub(crate) async fn changed_rows(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        cases: &[i64],
        found: &[i64],
        purpose: &str,
    ) -> Result<Snapshot> {
        let mut snap = Snapshot {
            database: None,
            profiles: HashMap::new(),
            cases: BTreeMap::new(),
            found: BTreeMap::new(),
            facts: FxHashMap::default(),
            seq: 0,
        };
        let rows = rows_in(&mut *tx, cases, |list| {
            format!("SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({list})")
        })
        .await?;
        for r in rows {
            let (id, sex, days) = case_row(&r)?;
            snap.cases.insert(id, (sex, Vec::new()));
            snap.facts.insert(id, days);
        }
        each_row_in(
            &mut *tx,
            cases,
            |list| {
                format!(
                    "SELECT case_ref, sample_name, relationship, sex FROM case_references WHERE case_ref IN ({list}) ORDER BY id"
                )
            },
            |r| {
                let case: i64 = r.try_get("case_ref")?;
                let rel: String = r.try_get("relationship")?;
                let rel: Relative = rel.parse().map_err(RegistryError::Invalid)?;
                if let Some(c) = snap.cases.get_mut(&case) {
                    c.1.push((
                        r.try_get("sample_name")?,
                        rel,
                        Sex::named(&r.try_get::<String, _>("sex")?),
                    ));
                }
                Ok(())
            },
        )
        .await?;
        let rows = rows_in(&mut *tx, found, |list| {
            format!("SELECT id, sample_name FROM found_children WHERE id IN ({list})")
        })
        .await?;
        for r in rows {
            snap.found
                .insert(r.try_get("id")?, r.try_get("sample_name")?);
        }
        let mut samples: Vec<&String> = snap
            .cases
            .values()
            .flat_map(|(_, refs)| refs.iter().map(|(s, _, _)| s))
            .chain(snap.found.values())
            .collect();
        samples.sort_unstable();
        samples.dedup();
        let mut profiles = HashMap::new();
        each_row_in(
            &mut *tx,
            &samples,
            |list| {
                format!("SELECT sample_name, genotypes FROM profiles WHERE sample_name IN ({list})")
            },
            |r| {
                let sample: String = r.try_get("sample_name")?;
                let p = self.stored_profile(&sample, r.try_get("genotypes")?)?;
                profiles.insert(sample, p);
                Ok(())
            },
        )
        .await?;
        snap.profiles = profiles;
        if !snap.profiles.is_empty() {
            self.audit_bulk_read(
                &mut *tx,
                actor,
                format!("{} profiles decrypted to {purpose}", snap.profiles.len()),
            )
            .await?;
        }
        Ok(snap)
    }

    /// A stored genotype set, decrypted.
    pub(crate) fn stored_profile(&self, sample: &str, blob: Vec<u8>) -> Result<StoredProfile> {
        let text = self
            .open_field("profiles", "genotypes", sample, Some(blob))?
            .unwrap_or_default();
        serde_json::from_str(&text)
            .map_err(|e| RegistryError::Damaged(format!("stored profile {sample} is damaged: {e}")))
    }

    /// The index's models from a stored frequency database: each marker's
    /// table with the alleles `extra` gives for it added at the minimum
    /// frequency (NRC II 5 / 2N, else the table's smallest), and the
    /// settings' mutation model; with the alleles that were added.
    pub(crate) fn models(
        &self,
        markers: &[StoredMarker],
        sample_size: Option<i64>,
        extra: impl Fn(&str) -> Vec<Allele>,
    ) -> Result<(Models, Vec<(String, String)>)> {
        let mut models = Vec::new();
        let mut added = Vec::new();
        for sm in markers.iter().take(search::MAX_MARKERS) {
            let alleles: Vec<Allele> = sm
                .alleles
                .iter()
                .map(|a| {
                    a.parse()
                        .map_err(|e| RegistryError::Damaged(format!("stored allele {a}: {e}")))
                })
                .collect::<Result<_>>()?;
            let table = MarkerFrequencies::new(sm.name.clone(), alleles, sm.frequencies.clone())
                .map_err(|e| {
                    RegistryError::Damaged(format!("stored frequencies of {}: {e}", sm.name))
                })?;
            let minimum = match sample_size {
                Some(n) if n > 0 => 5.0 / (2.0 * n as f64),
                _ => table
                    .frequencies()
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min),
            };
            let (table, new) = table.with_alleles(extra(&sm.name), minimum);
            added.extend(new.into_iter().map(|a| (sm.name.clone(), a.to_string())));
            if table.len() > search::MAX_ALLELES {
                continue;
            }
            models.push(
                MarkerModel::new(table, Some(self.settings.mutation))
                    .map_err(|e| RegistryError::Invalid(e.to_string()))?,
            );
        }
        Ok((Models::new(models)?, added))
    }

    pub(crate) fn build_state(&self, snap: &Snapshot) -> Result<MatchState> {
        let Some((db_id, name, version, sample_size, markers)) = &snap.database else {
            return Ok(MatchState {
                loaded: true,
                seq: snap.seq,
                facts: snap.facts.iter().map(|(&id, &d)| (id, d)).collect(),
                ..MatchState::default()
            });
        };
        // Alleles that typed persons carry but the database lacks: the NRC II
        // minimum 5 / 2N, then the marker is renormalised.
        // Only the profiles of indexed persons count (a case's references,
        // found children): a profile stored before its reference row changes
        // nothing until that row comes, and then its import sees the allele
        // the model lacks and rebuilds (`rematch_in`).
        let attached = snap
            .cases
            .values()
            .flat_map(|(_, refs)| refs.iter().map(|(s, _, _)| s))
            .chain(snap.found.values());
        let mut carried: HashMap<&str, HashSet<Allele>> = HashMap::new();
        for p in attached.filter_map(|s| snap.profiles.get(s)) {
            for (m, a, b) in &p.markers {
                let set = carried.entry(m.as_str()).or_default();
                set.insert(*a);
                set.insert(*b);
            }
        }
        let (models, added) = self.models(markers, *sample_size, |marker| {
            carried
                .get(marker)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default()
        })?;
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
                let profile = p.encode(&index)?;
                index.insert_child(found as u64, profile)?;
            }
        }
        Ok(MatchState {
            index: Some(index),
            database: Some((*db_id, name.clone(), *version)),
            added,
            model_desc: model_description(&self.settings),
            loaded: true,
            seq: snap.seq,
            facts: snap.facts.iter().map(|(&id, &d)| (id, d)).collect(),
        })
    }

    /// Inside a writing transaction (the caller holds the write lock): brings
    /// the index in step with the cases and found children that changed
    /// (their rows read and their profiles decrypted, nothing else). The
    /// index is rebuilt from every row instead when it is not built yet, when
    /// the active frequency database changed, when a changed profile carries
    /// an allele the model lacks (the model then gains it, and every LR
    /// changes), or when `removes` (profiles or cases deleted) and the model
    /// holds alleles added for the profiles that carried them. A deletion
    /// (`removes`) leaves an index not yet built as it is. Every change is
    /// appended to the change sequence for the other processes. Until the
    /// caller marks the returned update committed, after its commit, no
    /// search sees it.
    pub(crate) async fn update_index_in<'a>(
        &'a self,
        tx: &mut AnyConnection,
        actor: &str,
        cases: &[i64],
        found: &[i64],
        removes: bool,
    ) -> Result<(IndexUpdate<'a>, Snapshot)> {
        let mut update = IndexUpdate {
            state: self.state.write().await,
            committed: false,
            same_dna: Vec::new(),
        };
        let active: Option<i64> =
            sqlx::query("SELECT id FROM frequency_dbs WHERE active = 1 ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?;
        record_change(&mut *tx, cases, found, removes).await?;
        let state = &mut *update.state;
        // Found children's rows without a profile (a rescue's list, before
        // the lab's results) change nothing a search can see: a new process
        // neither restores nor builds the index for them.
        let untyped_rows = !state.loaded
            && cases.is_empty()
            && !found.is_empty()
            && rows_in(&mut *tx, found, |list| {
                format!(
                    "SELECT f.id FROM found_children f JOIN profiles p ON p.sample_name = f.sample_name WHERE f.id IN ({list}) LIMIT 1"
                )
            })
            .await?
            .is_empty();
        if !state.loaded && (removes || untyped_rows || (cases.is_empty() && found.is_empty())) {
            // Nothing to search, nothing to forget: the index is built from
            // the database, without what was deleted, when first needed.
            let none = self.changed_rows(&mut *tx, actor, &[], &[], UPDATE).await?;
            return Ok((update, none));
        }
        if state.loaded && state.database.as_ref().map(|d| d.0) == active {
            // What changed since this index was brought in step: other
            // processes' changes, then this one's.
            let since = changes_since(&mut *tx, state.seq).await?;
            // A deletion may take away the only carrier of an allele the
            // model added: then only a rebuild knows.
            let added_may_go = since.removes && !state.added.is_empty();
            if !since.rebuild && !added_may_go {
                let changed = self
                    .changed_rows(&mut *tx, actor, &since.cases, &since.found, UPDATE)
                    .await?;
                if apply_changes(state, &changed, &since.cases, &since.found)? {
                    state.seq = since.last;
                    return Ok((update, changed));
                }
            }
        }
        if !state.loaded {
            // A new process: the index snapshot restored and brought up to
            // date (this change included), or every row read.
            let (loaded, read) = self
                .index_state_now(&mut *tx, actor, "build the search index")
                .await?;
            *state = loaded;
            return Ok((update, read));
        }
        // Another frequency database, a new allele, a change too large to
        // list: every row is read (the snapshot holds the index of the old
        // models) and the snapshot written anew.
        let snap = self
            .snapshot(&mut *tx, actor, "rebuild the search index")
            .await?;
        *state = self.build_state(&snap)?;
        self.write_index_snapshot(&mut *tx, state).await?;
        Ok((update, snap))
    }

    /// After an import, inside the import's own transaction: the index
    /// brought in step ([`Registry::update_index_in`]), the changed cases
    /// and found children searched and their candidates stored. The rows,
    /// their candidates and the audit entries are committed together or not
    /// at all; the caller marks the returned update committed after the
    /// commit.
    pub(crate) async fn rematch_in<'a>(
        &'a self,
        tx: &mut AnyConnection,
        actor: &str,
        cases: &[i64],
        found: &[i64],
    ) -> Result<(usize, IndexUpdate<'a>)> {
        let (update, snap) = self
            .update_index_in(&mut *tx, actor, cases, found, false)
            .await?;
        let state = &*update.state;
        let Some(index) = state.index.as_ref() else {
            return Ok((0, update));
        };
        let Some((db_id, _, _)) = state.database.clone() else {
            return Ok((0, update));
        };
        let same_dna = self
            .flag_same_dna_in(&mut *tx, actor, index, &snap, cases, found)
            .await?;
        // Of each search's first `top_k`, the best is kept whenever the DNA
        // favours relatedness at all (LR >= 1), so a weakly typed family
        // still shows its best candidate; every other candidate needs
        // `min_lr`.
        let keep =
            |rank: usize, hit: &Hit| rank == 0 || hit.log10_lr >= self.settings.min_lr.log10();
        // (found, case, hit, whether a new candidate may be stored).
        let mut results: Vec<(i64, i64, Hit, bool)> = Vec::new();
        let mut searches = Vec::new();
        // Found children whose kept candidates a changed case may change,
        // searched again below: every child whose LR with it reaches 1 (it
        // may now be that child's best case).
        let mut affected: BTreeSet<i64> = BTreeSet::new();
        let every_child = Query {
            top_k: None,
            min_lr: Some(1.0),
        };
        // When every indexed child is among the changed ones (a bulk import,
        // the first profiles of a registry), the children's searches below
        // meet every pair a case's search would: each changed case's best
        // children are then taken from them, and no case scans every child
        // a second time.
        let searched: HashSet<i64> = found
            .iter()
            .copied()
            .filter(|&f| index.child(f as u64).is_some())
            .collect();
        let cases_from_children = searched.len() == index.child_count();
        let changed_cases: HashSet<i64> = cases
            .iter()
            .copied()
            .filter(|&c| index.contains_case(c as u64))
            .collect();
        if !cases_from_children {
            for &c in cases {
                if !index.contains_case(c as u64) {
                    continue;
                }
                let (hits, stats) = index.search_case(c as u64, &every_child)?;
                affected.extend(hits.iter().map(|h| h.id as i64));
                let hits: Vec<Hit> = hits
                    .into_iter()
                    .take(self.settings.top_k)
                    .enumerate()
                    .filter(|(k, h)| keep(*k, h))
                    .map(|(_, h)| h)
                    .collect();
                searches.push(("search.case", "case", c, stats.scanned, hits.len()));
                results.extend(hits.into_iter().map(|h| (h.id as i64, c, h, true)));
            }
        }
        // And every child with a stored candidate of a changed case: its
        // best case may now be another.
        affected.extend(
            stored_pairs(&mut *tx, cases, &[])
                .await?
                .into_iter()
                .map(|(f, _)| f),
        );
        for &f in found {
            affected.remove(&f);
        }
        let children: Vec<(i64, Option<Profile>)> = found
            .iter()
            .map(|&f| Ok((f, child_profile(index, &snap, f)?)))
            .chain(
                affected
                    .iter()
                    .map(|&f| Ok((f, index.child(f as u64).cloned()))),
            )
            .collect::<Result<_>>()?;
        // Cases whose best child a searched child may now be: every case
        // whose LR with it reaches 1, with that child's log10 LR.
        let every_case = Query {
            top_k: None,
            min_lr: Some(1.0),
        };
        let mut rivals: BTreeMap<i64, Vec<(i64, f64)>> = BTreeMap::new();
        for (f, profile) in &children {
            let Some(profile) = profile else {
                continue;
            };
            // Every case's LR alone (the same numbers a search with every
            // marker's LR gives, to the last bit); the markers only for the
            // cases the child keeps.
            let (lrs, stats) = index.search_child_lrs(profile, &every_case)?;
            for &(c, log10) in &lrs {
                rivals.entry(c as i64).or_default().push((*f, log10));
            }
            let hits: Vec<Hit> = lrs
                .iter()
                .take(self.settings.top_k)
                .filter_map(|&(c, _)| index.score(c, profile))
                .enumerate()
                .filter(|(k, h)| keep(*k, h))
                .map(|(_, h)| h)
                .collect();
            searches.push(("search.child", "found_child", *f, stats.scanned, hits.len()));
            results.extend(hits.into_iter().map(|h| (*f, h.id as i64, h, true)));
        }
        if cases_from_children {
            // A changed case's search, from the children's: its children
            // with LR >= 1 ordered as the search orders them (LR, then id),
            // the first `top_k` kept by the same rule, scored in full.
            for &c in cases {
                if !changed_cases.contains(&c) {
                    continue;
                }
                let mut reached: Vec<(i64, f64)> = rivals.get(&c).cloned().unwrap_or_default();
                reached.sort_by(|(fa, a), (fb, b)| b.total_cmp(a).then(fa.cmp(fb)));
                let mut kept = 0;
                for (rank, (f, log10)) in reached.into_iter().take(self.settings.top_k).enumerate()
                {
                    if rank > 0 && log10 < self.settings.min_lr.log10() {
                        continue;
                    }
                    if let Some(hit) = index
                        .child(f as u64)
                        .and_then(|child| index.score(c as u64, child))
                    {
                        results.push((f, c, hit, true));
                        kept += 1;
                    }
                }
                searches.push(("search.case", "case", c, index.child_count(), kept));
            }
        }
        // A case keeps its best child (the first of its own search): among
        // the children it has candidates with and the searched children
        // that reach LR 1 with it, the best by LR, then by id, as the search
        // orders them.
        let mut stored_children: HashMap<i64, Vec<i64>> = HashMap::new();
        for (f, c) in
            stored_pairs(&mut *tx, &rivals.keys().copied().collect::<Vec<_>>(), &[]).await?
        {
            stored_children.entry(c).or_default().push(f);
        }
        for (c, new) in &rivals {
            let stored = stored_children
                .get(c)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let best = stored
                .iter()
                .filter(|f| !new.iter().any(|(n, _)| n == *f))
                .filter_map(|&f| {
                    let child = index.child(f as u64)?;
                    Some((f, index.score(*c as u64, child)?.log10_lr))
                })
                .chain(new.iter().copied())
                .max_by(|(fa, a), (fb, b)| a.total_cmp(b).then(fb.cmp(fa)));
            if let Some((f, log10)) = best
                && new.iter().any(|(n, _)| *n == f)
                && log10 >= 0.0
                && let Some(hit) = index
                    .child(f as u64)
                    .and_then(|child| index.score(*c as u64, child))
            {
                results.push((f, *c, hit, true));
            }
        }
        // The stored candidates of what was searched that the searches no
        // longer keep (a family's new reference lowered their LR, say):
        // scored again, so that no stored LR is one of an earlier state.
        let kept: HashSet<(i64, i64)> = results.iter().map(|(f, c, _, _)| (*f, *c)).collect();
        let searched_cases: Vec<i64> = cases.to_vec();
        let searched_found: Vec<i64> = children.iter().map(|(f, _)| *f).collect();
        // Every stored pair a result can be: each result's case was
        // searched, or its child was.
        let existing = stored_pairs(&mut *tx, &searched_cases, &searched_found).await?;
        for &(f, c) in &existing {
            if kept.contains(&(f, c)) {
                continue;
            }
            let hit = index
                .child(f as u64)
                .and_then(|child| index.score(c as u64, child));
            if let Some(hit) = hit {
                results.push((f, c, hit, false));
            }
        }
        let stored = self
            .store_candidates(
                &mut *tx,
                index,
                db_id,
                &state.added,
                &state.model_desc,
                &results,
                &existing,
            )
            .await?;
        let ids: Vec<String> = searches.iter().map(|s| s.2.to_string()).collect();
        let events: Vec<Event> = searches
            .iter()
            .zip(&ids)
            .map(|((action, target_type, _, scanned, hits), id)| Event {
                actor,
                action,
                target_type,
                target_id: id,
                detail: format!("{scanned} compared, {hits} candidates"),
            })
            .collect();
        append_audits(&mut *tx, self.backend, &events).await?;
        let mut update = update;
        update.same_dna = same_dna;
        Ok((stored, update))
    }
}

impl Registry {
    /// Stores the scored pairs `results` (found, case, hit, whether a new
    /// candidate may be stored): a pair in `existing` has its scores
    /// updated, a new one is inserted (with its case marked
    /// `candidate_found`) when it may be; a pair given twice is stored once.
    /// Returns how many candidates are new.
    #[allow(clippy::too_many_arguments)]
    async fn store_candidates(
        &self,
        tx: &mut AnyConnection,
        index: &Index,
        db_id: i64,
        added: &impl Serialize,
        model: &str,
        results: &[(i64, i64, Hit, bool)],
        existing: &BTreeSet<(i64, i64)>,
    ) -> Result<usize> {
        let names: Vec<String> = index
            .models()
            .markers()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        let added = serde_json::to_string(added).unwrap_or_default();
        let now = crate::audit::now_rfc3339();
        // The first of each pair, new when any of its results may be.
        let mut at: HashMap<(i64, i64), usize> = HashMap::new();
        let mut pairs: Vec<(i64, i64, &Hit, bool)> = Vec::new();
        for (f, c, hit, new) in results {
            match at.get(&(*f, *c)) {
                Some(&i) => pairs[i].3 |= *new,
                None => {
                    at.insert((*f, *c), pairs.len());
                    pairs.push((*f, *c, hit, *new));
                }
            }
        }
        // The eleven values after the pair, in the order both statements
        // bind them.
        let values = |hit: &Hit| {
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
            (
                if lr.is_finite() { lr } else { f64::MAX },
                hit.log10_lr,
                hit.markers_compared() as i64,
                serde_json::to_string(&inconsistent).unwrap_or_default(),
                serde_json::Value::from(per_marker).to_string(),
            )
        };
        let (updates, inserts): (Vec<_>, Vec<_>) = pairs
            .into_iter()
            .partition(|(f, c, _, _)| existing.contains(&(*f, *c)));
        // The same twelve values, in the same order, for the update of a
        // stored pair and the insert of a new one.
        let bind = |q: AnyQuery<'static>,
                    &(found_ref, case_ref, hit, _): &(i64, i64, &Hit, bool)| {
            let v = values(hit);
            q.bind(found_ref)
                .bind(case_ref)
                .bind(v.0)
                .bind(v.1)
                .bind(v.2)
                .bind(v.3)
                .bind(v.4)
                .bind(hit.shape)
                .bind(model.to_string())
                .bind(db_id)
                .bind(added.clone())
                .bind(now.clone())
        };
        for pair in &updates {
            bind(
                sqlx::query(
                    "UPDATE candidates SET lr = $3, log10_lr = $4, markers_compared = $5, inconsistent = $6, per_marker = $7,
                     shape = $8, model = $9, frequency_db = $10, added_alleles = $11, computed_at = $12
                     WHERE found_ref = $1 AND case_ref = $2",
                ),
                pair,
            )
            .execute(&mut *tx)
            .await?;
        }
        let inserts: Vec<_> = inserts.into_iter().filter(|p| p.3).collect();
        insert_rows(
            &mut *tx,
            "INSERT INTO candidates (found_ref, case_ref, lr, log10_lr, markers_compared, inconsistent, per_marker,
             shape, model, frequency_db, added_alleles, computed_at, status) VALUES",
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new')",
            inserts.len(),
            |q, i| bind(q, &inserts[i]),
        )
        .await?;
        // A case with a new candidate is no longer only open.
        let mut found_for: Vec<i64> = updates
            .iter()
            .filter(|p| p.3)
            .chain(&inserts)
            .map(|p| p.1)
            .collect();
        found_for.sort_unstable();
        found_for.dedup();
        execute_in(&mut *tx, &found_for, |list| {
            format!("UPDATE cases SET status = 'candidate_found' WHERE status = 'open' AND id IN ({list})")
        })
        .await?;
        Ok(inserts.len())
    }
}

/// The stored candidates (found, case) of these cases or found children.
async fn stored_pairs(
    conn: &mut AnyConnection,
    cases: &[i64],
    found: &[i64],
) -> Result<BTreeSet<(i64, i64)>> {
    let mut pairs = BTreeSet::new();
    for (column, ids) in [("case_ref", cases), ("found_ref", found)] {
        // Only a column name of the two above and numbered placeholders are
        // formatted in; the ids are bound.
        let rows = rows_in(&mut *conn, ids, |list| {
            format!("SELECT found_ref, case_ref FROM candidates WHERE {column} IN ({list})")
        })
        .await?;
        for r in rows {
            pairs.insert((r.try_get("found_ref")?, r.try_get("case_ref")?));
        }
    }
    Ok(pairs)
}

/// A frequency database as candidates name it: "name vN".
pub(crate) fn database_label(name: &str, version: i64) -> String {
    format!("{name} v{version}")
}

/// The columns of a case that the index and the posterior need.
const CASE_COLUMNS: &str = "id, child_sex, birth_from, birth_to, missing_date, status";

/// A row of [`CASE_COLUMNS`]: id, the missing child's sex, the facts.
fn case_row(r: &sqlx::any::AnyRow) -> Result<(i64, Sex, CaseDays)> {
    let sex: String = r.try_get("child_sex")?;
    let facts = CaseFacts {
        sex: Some(sex.clone()),
        birth_from: r.try_get("birth_from")?,
        birth_to: r.try_get("birth_to")?,
        missing_date: r.try_get("missing_date")?,
        lat: None,
        lon: None,
    };
    let status: String = r.try_get("status")?;
    Ok((
        r.try_get("id")?,
        Sex::named(&sex),
        CaseDays::of(&facts, &status),
    ))
}

/// Encodes a stored profile for the index; `None` when it carries an
/// allele the index's model lacks.
fn encode(index: &Index, p: &StoredProfile) -> Result<Option<Profile>> {
    match index.models().encode_named(p.genotypes()?) {
        Ok((profile, _)) => Ok(Some(profile)),
        Err(search::SearchError::UnknownAllele { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Puts the changed cases and found children (as `changed` holds them now)
/// in place of what the index held for them. False, with the index
/// untouched, when a profile carries an allele the model lacks: the index
/// must then be rebuilt.
pub(crate) fn apply_changes(
    state: &mut MatchState,
    changed: &Snapshot,
    cases: &[i64],
    found: &[i64],
) -> Result<bool> {
    let Some(index) = state.index.as_mut() else {
        update_facts(&mut state.facts, changed, cases);
        return Ok(true);
    };
    let mut new_cases = Vec::with_capacity(cases.len());
    for &c in cases {
        let mut entries = Vec::new();
        let sex = match changed.cases.get(&c) {
            Some((sex, refs)) => {
                for (sample, rel, rsex) in refs {
                    if let Some(p) = changed.profiles.get(sample) {
                        let Some(profile) = encode(index, p)? else {
                            return Ok(false);
                        };
                        entries.push((*rel, *rsex, profile));
                    }
                }
                *sex
            }
            None => Sex::Unknown,
        };
        new_cases.push((c, sex, entries));
    }
    let mut new_found = Vec::with_capacity(found.len());
    for &f in found {
        let profile = match changed.found.get(&f).and_then(|s| changed.profiles.get(s)) {
            Some(p) => match encode(index, p)? {
                Some(profile) => Some(profile),
                None => return Ok(false),
            },
            None => None,
        };
        new_found.push((f, profile));
    }
    for (c, sex, entries) in new_cases {
        index.remove_case(c as u64);
        if !entries.is_empty() {
            index.insert_case(c as u64, sex, &entries)?;
        }
    }
    update_facts(&mut state.facts, changed, cases);
    for (f, profile) in new_found {
        index.remove_child(f as u64);
        if let Some(profile) = profile {
            index.insert_child(f as u64, profile)?;
        }
    }
    Ok(true)
}

/// The facts of the changed cases as `changed` holds them now (a deleted
/// case has none).
fn update_facts(facts: &mut DaysById, changed: &Snapshot, cases: &[i64]) {
    for &c in cases {
        match changed.facts.get(&c) {
            Some(days) => facts.insert(c, *days),
            None => facts.remove(c),
        }
    }
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
            entries.push((*rel, *rsex, p.encode(index)?));
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
