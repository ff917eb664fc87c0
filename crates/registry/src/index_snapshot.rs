//! The index snapshot: the search index itself, kept in the database
//! between processes, so that a new process (a command-line import, a
//! server starting) neither decrypts every profile nor builds the index.
//!
//! Building the index from the rows decrypts every indexed profile (1.7
//! million at a million families) and encodes and inserts each. Instead a
//! process reads one row of `index_snapshots`: the index's state as of
//! entry `seq` of the change sequence (`index_changes`; `search::IndexState`:
//! every case's genotype columns, layout and marker mask, every found
//! child's encoded profile), with what the registry keeps beside it (the
//! facts of every case, the frequency database and the alleles added to
//! it), encrypted with the registry key in parts of 4 MiB
//! (`index_snapshot_parts`), each bound to its entry, its number and the
//! count (`crypto::aad`): SQLite reads a hundred values of 4 MiB several
//! times faster than one of 100 MB, and the parts are opened side by side,
//! each straight into its place (`crypto::decrypt_into`). A snapshot
//! written before parts (one piece in `index_snapshots.content`) is still
//! read, and written anew in parts. It restores the index from it (a copy of the columns,
//! no encoding), then reads and decrypts only the cases and found children
//! changed after `seq` and puts them in place (`matching::apply_changes`).
//! Both reads are audit entries; the snapshot's names how many profiles'
//! genotypes it holds.
//!
//! - It lives in the registry's own database (so it is bound to it, goes
//!   with a backup and serves every server of a PostgreSQL registry).
//! - It is written inside the transaction that read what it holds, so it
//!   commits with it or not at all.
//! - It is not used, and the index is rebuilt from the rows and the
//!   snapshot written anew, when there is none, when it cannot be opened
//!   or read (damaged, another key), when it was made for another frequency
//!   database, other search settings or other models (`Index::restore`
//!   compares the models' fingerprints), when a change after it was too
//!   large to list, or when a change after it needs a rebuild (a profile
//!   with an allele the model lacks); it is written anew when more than
//!   `Settings::snapshot_refresh_after` profiles had to be read from the
//!   rows changed since it.
//! - Every deletion (a case erased, genotypes removed after a reunion) and a
//!   key rotation delete it in their own transaction: no deleted genotype
//!   outlives its row in a snapshot.
//! - `reunite index check` builds an index from it as a new process would
//!   and compares that index with one rebuilt from the rows, by content
//!   (`Index::differences`) and by the answers of every search.

use search::{Index, IndexState, SearchConfig};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::changes::{changes_since, delete_index_snapshots};
use crate::facts::{CaseDays, DaysById, PackedDays};
use crate::matching::{MatchState, apply_changes, model_description};
use crate::stored::Snapshot;
use crate::{Registry, RegistryError, Result};
use crate::{crypto, sealed_parts};

/// The layout of the content; another is read as no snapshot. Layout 1
/// held the profiles themselves, from which each process built its index.
const FORMAT: u32 = 2;

/// The content of a snapshot, before encryption (postcard).
#[derive(Serialize, Deserialize)]
struct Persisted<'a> {
    format: u32,
    seq: i64,
    /// (id, name, version) of the active frequency database.
    database: Option<(i64, String, i64)>,
    /// Alleles added to it at the minimum frequency: (marker, allele).
    added: Vec<(String, String)>,
    /// The mutation model and theta in words (the settings it was made under).
    model: String,
    #[serde(borrow)]
    index: Option<IndexState<'a>>,
    facts: Vec<(i64, PackedDays)>,
}

/// What the snapshot row holds, if there is one.
pub(crate) enum Stored {
    None,
    /// It could not be opened or read: why.
    Unreadable {
        seq: i64,
        reason: String,
    },
    /// Read; true when it was sealed in one piece (as before parts), to be
    /// written anew in parts.
    Read(Box<MatchState>, bool),
    /// Made for another frequency database or other settings, or a change
    /// after it was too large to list or needs a rebuild: it cannot be
    /// brought up to date (not a disagreement; the next process rebuilds).
    Stale {
        seq: i64,
    },
}

/// The snapshot brought up to date.
pub(crate) struct SnapshotNow {
    pub(crate) stored: Stored,
    /// The entry of the change sequence the snapshot held.
    pub(crate) change: i64,
    /// Cases and found children changed after it.
    pub(crate) changes_after: usize,
    /// Profiles read from the rows for them.
    pub(crate) profiles_after: usize,
    /// The rows changed after it, as read.
    pub(crate) changed: Option<Snapshot>,
}

/// The additional data of a snapshot's encryption: its table, column and
/// change-sequence entry.
fn aad(seq: i64) -> Vec<u8> {
    crypto::aad("index_snapshots", "content", &seq.to_string())
}

/// The table of a snapshot's parts (`sealed_parts`).
const PARTS: &str = "index_snapshot_parts";

impl Registry {
    /// The snapshot row, decrypted and restored as the index state it holds
    /// (as of its change); its decryption is an audit entry naming how many
    /// profiles' genotypes it held and why it was read.
    pub(crate) async fn read_index_snapshot(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<Stored> {
        // The newest row picked by its key alone: an ORDER BY over the
        // content would copy the content into a sorter (SQLite).
        let Some(row) = sqlx::query(
            "SELECT id, seq, parts, content FROM index_snapshots WHERE id = (SELECT id FROM index_snapshots ORDER BY seq DESC LIMIT 1)",
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(Stored::None);
        };
        let id: i64 = row.try_get("id")?;
        let seq: i64 = row.try_get("seq")?;
        let parts: i64 = row.try_get("parts")?;
        let whole: Vec<u8> = row.try_get("content")?;
        drop(row);
        let opened = if parts == 0 {
            // Written before the snapshot was sealed in parts.
            crypto::decrypt(&self.key, &aad(seq), &whole)
                .map_err(|e| format!("it cannot be decrypted: {e}"))
        } else {
            sealed_parts::open(&mut *tx, &self.key, PARTS, (id, &seq.to_string(), parts)).await?
        };
        drop(whole);
        let plain = match opened {
            Ok(p) => p,
            Err(reason) => return Ok(Stored::Unreadable { seq, reason }),
        };
        let plain = &plain[..];
        let persisted: Persisted<'_> = match postcard::from_bytes(plain) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Stored::Unreadable {
                    seq,
                    reason: format!("its content cannot be read: {e}"),
                });
            }
        };
        if persisted.format != FORMAT || persisted.seq != seq {
            return Ok(Stored::Unreadable {
                seq,
                reason: format!(
                    "it has layout {} for change {}, expected layout {FORMAT} for change {seq}",
                    persisted.format, persisted.seq
                ),
            });
        }
        let profiles = persisted
            .index
            .as_ref()
            .map_or(0, IndexState::profile_count);
        self.audit_bulk_read(
            &mut *tx,
            actor,
            format!(
                "{profiles} profiles decrypted from the index snapshot of change {seq} to {purpose}"
            ),
        )
        .await?;
        // Made under other settings or for another frequency database: the
        // index is rebuilt (and the snapshot written anew).
        let database = self.active_database(&mut *tx).await?;
        let active = database
            .as_ref()
            .map(|(id, name, version, _, _)| (*id, name.clone(), *version));
        if persisted.database != active || persisted.model != model_description(&self.settings) {
            return Ok(Stored::Stale { seq });
        }
        // The facts are unpacked while the index is restored (each builds a
        // table of a million entries).
        let unpack_facts = || -> DaysById {
            persisted
                .facts
                .iter()
                .map(|&(id, d)| (id, CaseDays::unpack(d)))
                .collect()
        };
        let (facts, index) = match (persisted.index, database) {
            (None, None) => (unpack_facts(), None),
            (Some(state), Some((_, _, _, sample_size, markers))) => {
                let extra = |marker: &str| {
                    persisted
                        .added
                        .iter()
                        .filter(|(m, _)| m == marker)
                        .filter_map(|(_, a)| a.parse().ok())
                        .collect()
                };
                let (models, added) = self.models(&markers, sample_size, extra)?;
                if added != persisted.added {
                    return Ok(Stored::Unreadable {
                        seq,
                        reason: "its index cannot be restored: its added alleles do not fit the frequency database".to_string(),
                    });
                }
                let (facts, restored) = rayon::join(unpack_facts, || Index::restore(models, state));
                let index = match restored {
                    Ok(index) => index,
                    Err(reason) => {
                        return Ok(Stored::Unreadable {
                            seq,
                            reason: format!("its index cannot be restored: {reason}"),
                        });
                    }
                };
                let config = SearchConfig {
                    min_shared_markers: self.settings.min_shared_markers,
                };
                if index.config() != config {
                    return Ok(Stored::Stale { seq });
                }
                (facts, Some(index))
            }
            _ => {
                return Ok(Stored::Unreadable {
                    seq,
                    reason: "its index does not fit its frequency database".to_string(),
                });
            }
        };
        Ok(Stored::Read(
            Box::new(MatchState {
                index,
                database: active,
                added: persisted.added,
                model_desc: persisted.model,
                loaded: true,
                seq,
                facts,
            }),
            parts == 0,
        ))
    }

    /// Replaces the snapshot with the index state `state` (inside the
    /// transaction that read what it holds).
    pub(crate) async fn write_index_snapshot(
        &self,
        tx: &mut AnyConnection,
        state: &MatchState,
    ) -> Result<()> {
        let persisted = Persisted {
            format: FORMAT,
            seq: state.seq,
            database: state.database.clone(),
            added: state.added.clone(),
            model: state.model_desc.clone(),
            index: state.index.as_ref().map(Index::state),
            facts: state.facts.iter().map(|(id, d)| (id, d.pack())).collect(),
        };
        let plain = postcard::to_stdvec(&persisted).map_err(|e| {
            RegistryError::Damaged(format!("the index snapshot cannot be written: {e}"))
        })?;
        drop(persisted);
        let sealed = sealed_parts::seal(&self.key, PARTS, &state.seq.to_string(), &plain);
        drop(plain);
        delete_index_snapshots(&mut *tx).await?;
        let (profiles, cases, found) = state.index.as_ref().map_or((0, 0, 0), |i| {
            (i.profile_count(), i.case_count(), i.child_count())
        });
        let id: i64 = sqlx::query(
            "INSERT INTO index_snapshots (seq, profiles, cases, found, content, parts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(state.seq)
        .bind(profiles as i64)
        .bind(cases as i64)
        .bind(found as i64)
        .bind(Vec::<u8>::new())
        .bind(sealed.len() as i64)
        .bind(crate::audit::now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        sealed_parts::insert(&mut *tx, PARTS, id, &sealed).await
    }

    /// The index restored from the snapshot and brought up to date (the
    /// changes after it read from the rows and put in place), or why there
    /// is none to use.
    pub(crate) async fn index_snapshot_now(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<SnapshotNow> {
        let (mut state, whole) = match self.read_index_snapshot(&mut *tx, actor, purpose).await? {
            Stored::Read(state, whole) => (*state, whole),
            other => {
                let change = match &other {
                    Stored::None => 0,
                    Stored::Unreadable { seq, .. } | Stored::Stale { seq } => *seq,
                    Stored::Read(..) => unreachable!(),
                };
                return Ok(SnapshotNow {
                    stored: other,
                    change,
                    changes_after: 0,
                    profiles_after: 0,
                    changed: None,
                });
            }
        };
        let change = state.seq;
        let stale = SnapshotNow {
            stored: Stored::Stale { seq: change },
            change,
            changes_after: 0,
            profiles_after: 0,
            changed: None,
        };
        let since = changes_since(&mut *tx, change).await?;
        // A deletion may take away the only carrier of an allele the model
        // added: then only a rebuild knows (deletions remove the snapshot,
        // so this is another process's deletion racing this read).
        if since.rebuild || (since.removes && !state.added.is_empty()) {
            return Ok(stale);
        }
        let changed = self
            .changed_rows(&mut *tx, actor, &since.cases, &since.found, purpose)
            .await?;
        if !apply_changes(&mut state, &changed, &since.cases, &since.found)? {
            // A profile with an allele the model lacks: a rebuild.
            return Ok(stale);
        }
        state.seq = since.last;
        Ok(SnapshotNow {
            stored: Stored::Read(Box::new(state), whole),
            change,
            changes_after: since.cases.len() + since.found.len(),
            profiles_after: changed.profiles.len(),
            changed: Some(changed),
        })
    }

    /// The index state as of now (inside the caller's writing
    /// transaction): the snapshot restored and brought up to date, or built
    /// from every row read and decrypted; with the rows it read (those
    /// changed since the snapshot, or all). The snapshot is written anew
    /// when it was missing or unusable, when it was sealed in one piece (as
    /// before parts), or when more than `Settings::snapshot_refresh_after`
    /// profiles were read from the rows changed since it.
    pub(crate) async fn index_state_now(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<(MatchState, Snapshot)> {
        let now = self.index_snapshot_now(&mut *tx, actor, purpose).await?;
        match now.stored {
            Stored::Read(state, whole) => {
                if now.profiles_after > self.settings.snapshot_refresh_after || whole {
                    self.write_index_snapshot(&mut *tx, &state).await?;
                }
                let changed = now.changed.expect("read with its changes");
                return Ok((*state, changed));
            }
            Stored::Unreadable { seq, reason } => {
                tracing::warn!(
                    "the index snapshot of change {seq} is not used ({reason}); the index is rebuilt from the rows"
                );
            }
            Stored::None | Stored::Stale { .. } => {}
        }
        let snap = self.snapshot(&mut *tx, actor, purpose).await?;
        let state = self.build_state(&snap)?;
        self.write_index_snapshot(&mut *tx, &state).await?;
        Ok((state, snap))
    }
}
