//! The search index and the stored candidates checked against an index
//! rebuilt from the database (`reunite index check`).
//!
//! The index lives in memory, built by each process from the index snapshot
//! (`index_snapshot`) and the rows changed since, and kept in step with every
//! import; what persists of it are the candidates and the snapshot. The check
//! rebuilds an index from one consistent read of the database and compares:
//!
//! - the index snapshot restored and brought up to date, as a new process
//!   would, with the rebuilt index (the same comparison as the live
//!   index's); a snapshot that cannot be opened or read is a
//!   disagreement (a new process would rebuild from the rows);
//! - the lineage snapshot restored and brought in step likewise, with the
//!   lineage indexes built from every Y haplotype: the same men by id, each
//!   with the same value at every locus copy, and the same references'
//!   cases and relationships;
//! - the live index of this process with the rebuilt one: the same frequency
//!   database, the same added alleles, the same cases and children held
//!   alike by id (`search::Index::differences`: shape, relationships,
//!   every genotype code, masks; not their places), the same facts, and the
//!   same answer to every search the registry runs (ids and LRs);
//! - every stored candidate with the rebuilt index's exact score of its pair:
//!   the same LR, markers compared and inconsistent markers, unless it was
//!   computed under another frequency table (another database version, or
//!   other alleles added at the minimum frequency), which is reported apart;
//! - the pairs that matching every profile again would keep (each found
//!   child's and each case's search, with the registry's top-k and
//!   thresholds) with the stored candidates: pairs it would keep but that are
//!   not stored are listed. After imports in one order (families before
//!   children, profiles last) this list is empty; profiles arriving over time
//!   can leave a weak best match of an older search out legitimately, so the
//!   list is a report, not a failure.

use std::collections::{HashMap, HashSet};

use search::{Hit, Query};
use serde::Serialize;
use sqlx::Row;

use crate::index_snapshot::Stored as StoredSnapshot;
pub use crate::lineage_state::LineageSnapshotCheck;
use crate::matching::MatchState;
use crate::stored::{Snapshot, child_profile};
use crate::{Registry, Result};

/// Two LRs agree when their log10 differ by at most this much (relative to
/// the larger of 1 and the log10 itself).
pub const LOG10_TOLERANCE: f64 = 1e-9;

/// A pair of a found child and a case.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckedPair {
    pub found_id: String,
    pub case_id: String,
    /// log10 LR by the rebuilt index.
    pub log10_lr: f64,
}

/// A stored candidate the rebuilt index scores otherwise.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CandidateDifference {
    pub found_id: String,
    pub case_id: String,
    pub stored_log10_lr: f64,
    /// `None`: the rebuilt index does not score the pair (too few shared markers, or no profile).
    pub rebuilt_log10_lr: Option<f64>,
    pub reason: String,
}

/// The index snapshot, as [`Registry::check_index`] found it.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SnapshotCheck {
    /// The entry of the change sequence it holds.
    pub change: i64,
    /// Cases and found children changed after it (read from the rows when
    /// it is loaded).
    pub changes_after: usize,
    /// Made for another frequency database or other settings, or a change
    /// after it was too large to list or needs a rebuild (a new allele): the
    /// next process rebuilds the index from the rows and writes it anew (not
    /// a disagreement).
    pub stale: bool,
    /// Why it cannot be opened or read, if so.
    pub unreadable: Option<String>,
    /// Brought up to date, it builds an index that answers every search as
    /// the rebuilt one.
    pub agrees: bool,
    /// How that index differs from the rebuilt one (empty when it agrees).
    pub differences: Vec<String>,
}

/// What [`Registry::check_index`] found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct IndexCheck {
    /// "name vN" of the active frequency database, if any.
    pub frequency_database: Option<String>,
    pub cases_indexed: usize,
    pub children_indexed: usize,
    /// The live index of this process answers every search as the rebuilt one.
    pub live_index_agrees: bool,
    /// How the live index differs (empty when it agrees).
    pub live_differences: Vec<String>,
    /// The index snapshot; `None` when there is none.
    pub snapshot: Option<SnapshotCheck>,
    /// The lineage snapshot (the paternal-line search's indexes); `None`
    /// when there is none.
    pub lineage_snapshot: Option<LineageSnapshotCheck>,
    /// Stored candidates.
    pub candidates: usize,
    /// Stored candidates the rebuilt index scores the same.
    pub reproduced: usize,
    /// Stored candidates computed under another frequency table (not re-scored).
    pub earlier_table: usize,
    /// Stored candidates whose pair is no longer in the index (a profile
    /// deleted after a reunion, a reference removed).
    pub unscorable: usize,
    /// Stored candidates computed under the current table that the rebuilt
    /// index scores otherwise: the index and the candidates disagree.
    pub differing: Vec<CandidateDifference>,
    /// Pairs that matching every profile again would keep but are not stored.
    pub not_stored: Vec<CheckedPair>,
}

impl IndexCheck {
    /// No disagreement: the live index and the index snapshot answer as the
    /// rebuilt one, the lineage snapshot holds what the rows hold, and every
    /// stored candidate under the current table is reproduced.
    pub fn agrees(&self) -> bool {
        self.live_index_agrees
            && self.differing.is_empty()
            && self
                .snapshot
                .as_ref()
                .is_none_or(|s| s.stale || (s.unreadable.is_none() && s.agrees))
            && self
                .lineage_snapshot
                .as_ref()
                .is_none_or(|s| s.stale || (s.unreadable.is_none() && s.agrees))
    }
}

fn close(a: f64, b: f64) -> bool {
    if a == b {
        return true;
    }
    (a - b).abs() <= LOG10_TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// A stored candidate as the check reads it.
struct Stored {
    found_ref: i64,
    case_ref: i64,
    log10_lr: f64,
    markers_compared: i64,
    inconsistent: Vec<String>,
    frequency_db: i64,
    added: String,
    model: String,
}

/// The hits the registry keeps from one search (see `Registry::rematch_in`).
fn kept(hits: Vec<Hit>, min_lr: f64) -> Vec<Hit> {
    hits.into_iter()
        .enumerate()
        .filter(|(k, h)| *k == 0 || h.log10_lr >= min_lr.log10())
        .map(|(_, h)| h)
        .collect()
}

fn same_hits(a: &[Hit], b: &[Hit]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.id == y.id && close(x.log10_lr, y.log10_lr))
}

impl Registry {
    /// Rebuilds the search index from the database and compares it with the
    /// live index and the stored candidates (see the module's documentation).
    /// The bulk decryption of the profiles is an audit entry.
    pub async fn check_index(&self, actor: &str) -> Result<IndexCheck> {
        // The live index, built now if no one needed it yet.
        drop(self.search_index().await?);
        // One consistent read: the profiles, cases and candidates together.
        let mut tx = self.begin_write().await?;
        let snap = self
            .snapshot(
                &mut tx,
                actor,
                "check the search index against the stored candidates",
            )
            .await?;
        let mut stored = Vec::new();
        for r in sqlx::query(
            "SELECT found_ref, case_ref, log10_lr, markers_compared, inconsistent, frequency_db, added_alleles, model
             FROM candidates ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let inconsistent: String = r.try_get("inconsistent")?;
            stored.push(Stored {
                found_ref: r.try_get("found_ref")?,
                case_ref: r.try_get("case_ref")?,
                log10_lr: r.try_get("log10_lr")?,
                markers_compared: r.try_get("markers_compared")?,
                inconsistent: serde_json::from_str(&inconsistent).unwrap_or_default(),
                frequency_db: r.try_get("frequency_db")?,
                added: r.try_get("added_alleles")?,
                model: r.try_get("model")?,
            });
        }
        // The index snapshot as a new process would read it, in the same
        // read.
        let persisted = self
            .index_snapshot_now(&mut tx, actor, "check the index snapshot")
            .await?;
        // The lineage snapshot likewise, against the lineage indexes built
        // from every Y haplotype.
        let lineage_snapshot = self.check_lineage_snapshot(&mut tx, actor).await?;
        let mut found_names = HashMap::new();
        for r in sqlx::query("SELECT id, found_id FROM found_children")
            .fetch_all(&mut *tx)
            .await?
        {
            found_names.insert(
                r.try_get::<i64, _>("id")?,
                r.try_get::<String, _>("found_id")?,
            );
        }
        let mut case_names = HashMap::new();
        for r in sqlx::query("SELECT id, case_id FROM cases")
            .fetch_all(&mut *tx)
            .await?
        {
            case_names.insert(
                r.try_get::<i64, _>("id")?,
                r.try_get::<String, _>("case_id")?,
            );
        }
        tx.commit().await?;

        let rebuilt = self.build_state(&snap)?;
        let name = |map: &HashMap<i64, String>, id: i64| {
            map.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
        };
        let query = Query {
            top_k: Some(self.settings.top_k),
            min_lr: Some(1.0),
        };
        let mut check = IndexCheck {
            frequency_database: rebuilt.database(),
            candidates: stored.len(),
            lineage_snapshot,
            ..Default::default()
        };
        {
            let live = self.search_index().await?;
            check.live_differences = compare_live(&live, &rebuilt, &snap, &query)?;
        }
        check.live_index_agrees = check.live_differences.is_empty();
        let (snapshot_change, changes_after) = (persisted.change, persisted.changes_after);
        check.snapshot = match persisted.stored {
            StoredSnapshot::None => None,
            StoredSnapshot::Stale { seq } => Some(SnapshotCheck {
                change: seq,
                stale: true,
                ..Default::default()
            }),
            StoredSnapshot::Unreadable { seq, reason } => Some(SnapshotCheck {
                change: seq,
                unreadable: Some(reason),
                ..Default::default()
            }),
            StoredSnapshot::Read(from_snapshot, _) => {
                let differences = compare_live(&from_snapshot, &rebuilt, &snap, &query)?;
                Some(SnapshotCheck {
                    change: snapshot_change,
                    changes_after,
                    stale: false,
                    unreadable: None,
                    agrees: differences.is_empty(),
                    differences,
                })
            }
        };
        let Some(index) = rebuilt.index() else {
            // No active frequency database: nothing can be scored.
            check.unscorable = stored.len();
            return Ok(check);
        };
        check.cases_indexed = index.case_count();
        check.children_indexed = index.child_count();
        let names: Vec<&str> = index.models().markers().iter().map(|m| m.name()).collect();
        let db_id = rebuilt.database.as_ref().map(|d| d.0);
        let added = serde_json::to_string(&rebuilt.added).unwrap_or_default();

        // Every stored candidate against the rebuilt index's exact score.
        let mut profiles = HashMap::new();
        for s in &stored {
            if Some(s.frequency_db) != db_id || s.added != added || s.model != rebuilt.model_desc {
                check.earlier_table += 1;
                continue;
            }
            let profile = match profiles.entry(s.found_ref) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(child_profile(index, &snap, s.found_ref)?)
                }
            };
            let hit = match profile {
                Some(p) if index.contains_case(s.case_ref as u64) => {
                    index.score(s.case_ref as u64, p)
                }
                _ => {
                    check.unscorable += 1;
                    continue;
                }
            };
            let difference = match &hit {
                None => Some("the rebuilt index does not score the pair".to_string()),
                Some(h) if !close(h.log10_lr, s.log10_lr) => Some("the LR differs".to_string()),
                Some(h) if h.markers_compared() as i64 != s.markers_compared => Some(format!(
                    "{} markers compared, {} stored",
                    h.markers_compared(),
                    s.markers_compared
                )),
                Some(h) => {
                    let mut now: Vec<&str> = h.inconsistent.iter().map(|&m| names[m]).collect();
                    let mut then: Vec<&str> = s.inconsistent.iter().map(String::as_str).collect();
                    now.sort_unstable();
                    then.sort_unstable();
                    (now != then).then(|| {
                        format!(
                            "inconsistent markers {} now, {} stored",
                            now.join(" "),
                            then.join(" ")
                        )
                    })
                }
            };
            match difference {
                None => check.reproduced += 1,
                Some(reason) => check.differing.push(CandidateDifference {
                    found_id: name(&found_names, s.found_ref),
                    case_id: name(&case_names, s.case_ref),
                    stored_log10_lr: s.log10_lr,
                    rebuilt_log10_lr: hit.map(|h| h.log10_lr),
                    reason,
                }),
            }
        }

        // The pairs a rematch of every profile would keep.
        let have: HashSet<(i64, i64)> = stored.iter().map(|s| (s.found_ref, s.case_ref)).collect();
        let mut would_keep: Vec<(i64, i64, f64)> = Vec::new();
        for &f in snap.found.keys() {
            if let Some(p) = child_profile(index, &snap, f)? {
                let (hits, _) = index.search_child(&p, &query)?;
                would_keep.extend(
                    kept(hits, self.settings.min_lr)
                        .into_iter()
                        .map(|h| (f, h.id as i64, h.log10_lr)),
                );
            }
        }
        for &c in snap.cases.keys() {
            if index.contains_case(c as u64) {
                let (hits, _) = index.search_case(c as u64, &query)?;
                would_keep.extend(
                    kept(hits, self.settings.min_lr)
                        .into_iter()
                        .map(|h| (h.id as i64, c, h.log10_lr)),
                );
            }
        }
        let mut seen = HashSet::new();
        for (f, c, l) in would_keep {
            if !have.contains(&(f, c)) && seen.insert((f, c)) {
                check.not_stored.push(CheckedPair {
                    found_id: name(&found_names, f),
                    case_id: name(&case_names, c),
                    log10_lr: l,
                });
            }
        }
        check
            .not_stored
            .sort_by(|a, b| b.log10_lr.total_cmp(&a.log10_lr));
        Ok(check)
    }
}

/// How the live index differs from the rebuilt one.
fn compare_live(
    live: &MatchState,
    rebuilt: &MatchState,
    snap: &Snapshot,
    query: &Query,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if live.database() != rebuilt.database() {
        out.push(format!(
            "frequency database {} live, {} rebuilt",
            live.database().unwrap_or_else(|| "none".into()),
            rebuilt.database().unwrap_or_else(|| "none".into())
        ));
    }
    if live.added_alleles() != rebuilt.added_alleles() {
        out.push("the alleles added at the minimum frequency differ".into());
    }
    let (live_index, index) = match (live.index(), rebuilt.index()) {
        (None, None) => return Ok(out),
        (Some(l), Some(r)) => (l, r),
        (l, _) => {
            out.push(format!(
                "the live index is {}, the rebuilt one is {}",
                if l.is_some() { "built" } else { "empty" },
                if l.is_some() { "empty" } else { "built" }
            ));
            return Ok(out);
        }
    };
    if live_index.case_count() != index.case_count() {
        out.push(format!(
            "{} cases live, {} rebuilt",
            live_index.case_count(),
            index.case_count()
        ));
    }
    if live_index.child_count() != index.child_count() {
        out.push(format!(
            "{} found children live, {} rebuilt",
            live_index.child_count(),
            index.child_count()
        ));
    }
    if !out.is_empty() || live.database() != rebuilt.database() {
        return Ok(out);
    }
    // By content: every case and found child held alike (whatever their
    // places in the groups), then by the answers of every search.
    out.extend(live_index.differences(index));
    let facts_differ = rebuilt
        .facts
        .iter()
        .filter(|&(id, days)| live.facts.get(id) != Some(days))
        .count()
        + live
            .facts
            .iter()
            .filter(|&(id, _)| !rebuilt.facts.contains(id))
            .count();
    if facts_differ > 0 {
        out.push(format!("the facts of {facts_differ} cases differ"));
    }
    let mut searches_differ = 0;
    for &f in snap.found.keys() {
        if let Some(p) = child_profile(index, snap, f)? {
            let (a, _) = live_index.search_child(&p, query)?;
            let (b, _) = index.search_child(&p, query)?;
            if !same_hits(&a, &b) {
                searches_differ += 1;
            }
        }
    }
    for &c in snap.cases.keys() {
        let id = c as u64;
        match (live_index.contains_case(id), index.contains_case(id)) {
            (false, false) => {}
            (true, true) => {
                let (a, _) = live_index.search_case(id, query)?;
                let (b, _) = index.search_case(id, query)?;
                if !same_hits(&a, &b) {
                    searches_differ += 1;
                }
            }
            _ => searches_differ += 1,
        }
    }
    if searches_differ > 0 {
        out.push(format!(
            "{searches_differ} searches answer otherwise live than rebuilt"
        ));
    }
    Ok(out)
}
