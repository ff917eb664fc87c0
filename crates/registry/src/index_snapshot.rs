//! The index snapshot: what the search index is built from, kept in the
//! database between processes, so that a new process (a command-line
//! import, a server starting) does not decrypt every profile.
//!
//! Building the index from the rows decrypts every indexed profile (1.7
//! million at a million families). Instead a process reads one row of
//! `index_snapshots`: each indexed case's references and facts, each found
//! child, and their profiles, as of entry `seq` of the change sequence
//! (`index_changes`), encrypted with the registry key and bound to its
//! table and entry (`crypto::aad`). It then reads and decrypts only the
//! cases and found children changed after `seq`, merges them in, and builds
//! the index. Both reads are audit entries.
//!
//! - It lives in the registry's own database (so it is bound to it, goes
//!   with a backup and serves every server of a PostgreSQL registry).
//! - It is written inside the transaction that read what it holds, so it
//!   commits with it or not at all.
//! - It is rebuilt from the rows, and written anew, when there is none, when
//!   it cannot be opened or read (damaged, another key), when a change after
//!   it was too large to list (`rebuild`), and it is written anew when more
//!   than `Settings::snapshot_refresh_after` profiles had to be read from the
//!   rows changed since it.
//! - Every deletion (a case erased, genotypes removed after a reunion) and a
//!   key rotation delete it in their own transaction: no deleted genotype
//!   outlives its row in a snapshot.
//! - `reunite index check` builds an index from it as a new process would
//!   and compares that index with one rebuilt from the rows.

use std::collections::HashMap;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::crypto;
use crate::facts::{CaseDays, PackedDays};
use crate::matching::{Snapshot, StoredProfile, changes_since, parse_sex};
use crate::{Registry, RegistryError, Result};

/// The layout of the content; another is read as no snapshot.
const FORMAT: u32 = 1;

/// A profile: sample, sex, (marker number, allele, allele).
type PersistedProfile = (
    String,
    Option<String>,
    Vec<(u16, CompactString, CompactString)>,
);
/// A case: row id, child sex, references (sample, relationship, sex).
type PersistedCase = (i64, String, Vec<(String, String, String)>);

/// The content of a snapshot, before encryption (postcard).
#[derive(Serialize, Deserialize)]
struct Persisted {
    format: u32,
    seq: i64,
    /// Marker names, indexed by the profiles.
    markers: Vec<String>,
    /// Every indexed profile.
    profiles: Vec<PersistedProfile>,
    cases: Vec<PersistedCase>,
    /// (found row id, sample).
    found: Vec<(i64, String)>,
    facts: Vec<(i64, PackedDays)>,
}

impl Persisted {
    /// The snapshot's indexed part: profiles attached to no case and no found
    /// child are left out.
    fn of(snap: &Snapshot) -> Persisted {
        let mut markers: Vec<String> = Vec::new();
        let mut marker_ids: HashMap<&str, u16> = HashMap::new();
        let attached = snap
            .cases
            .values()
            .flat_map(|(_, refs)| refs.iter().map(|(s, _, _)| s))
            .chain(snap.found.values());
        let mut profiles = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for sample in attached {
            let Some(p) = snap.profiles.get(sample) else {
                continue;
            };
            if !seen.insert(sample.as_str()) {
                continue;
            }
            let genotypes = p
                .markers
                .iter()
                .map(|(m, a, b)| {
                    let id = *marker_ids.entry(m.as_str()).or_insert_with(|| {
                        markers.push(m.to_string());
                        (markers.len() - 1) as u16
                    });
                    (id, a.clone(), b.clone())
                })
                .collect();
            profiles.push((sample.clone(), p.sex.clone(), genotypes));
        }
        Persisted {
            format: FORMAT,
            seq: snap.seq,
            markers,
            profiles,
            cases: snap
                .cases
                .iter()
                .map(|(&id, (sex, refs))| {
                    let refs = refs
                        .iter()
                        .map(|(s, rel, rsex)| (s.clone(), rel.to_string(), rsex.name().to_string()))
                        .collect();
                    (id, sex.name().to_string(), refs)
                })
                .collect(),
            found: snap.found.iter().map(|(&id, s)| (id, s.clone())).collect(),
            facts: snap.facts.iter().map(|(&id, d)| (id, d.pack())).collect(),
        }
    }

    /// Back to a snapshot (without the frequency database, read apart).
    fn into_snapshot(self) -> std::result::Result<Snapshot, String> {
        let mut profiles = HashMap::with_capacity(self.profiles.len());
        for (sample, sex, genotypes) in self.profiles {
            let markers = genotypes
                .into_iter()
                .map(|(m, a, b)| {
                    let name = self.markers.get(usize::from(m)).ok_or_else(|| {
                        format!("marker number {m} of {} markers", self.markers.len())
                    })?;
                    Ok((name.as_str().into(), a, b))
                })
                .collect::<std::result::Result<_, String>>()?;
            profiles.insert(sample, StoredProfile { sex, markers });
        }
        let mut cases = std::collections::BTreeMap::new();
        for (id, sex, refs) in self.cases {
            let refs = refs
                .into_iter()
                .map(|(s, rel, rsex)| Ok((s, rel.parse()?, parse_sex(&rsex))))
                .collect::<std::result::Result<_, String>>()?;
            cases.insert(id, (parse_sex(&sex), refs));
        }
        Ok(Snapshot {
            database: None,
            profiles,
            cases,
            found: self.found.into_iter().collect(),
            facts: self
                .facts
                .into_iter()
                .map(|(id, d)| (id, CaseDays::unpack(d)))
                .collect(),
            seq: self.seq,
        })
    }
}

/// What the snapshot row holds, if there is one.
pub(crate) enum Stored {
    None,
    /// It could not be opened or read: why.
    Unreadable {
        seq: i64,
        reason: String,
    },
    Read(Snapshot),
    /// A change after it was too large to list: it cannot be brought up
    /// to date.
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
}

/// The additional data of a snapshot's encryption: its table, column and
/// change-sequence entry.
fn aad(seq: i64) -> Vec<u8> {
    crypto::aad("index_snapshots", "content", &seq.to_string())
}

/// Deletes every snapshot (inside a deletion's or a key rotation's
/// transaction).
pub(crate) async fn delete_snapshots(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("DELETE FROM index_snapshots")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Registry {
    /// The snapshot row, decrypted; its decryption is an audit entry naming
    /// how many profiles it held and why it was read.
    pub(crate) async fn read_index_snapshot(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<Stored> {
        let Some(row) =
            sqlx::query("SELECT seq, content FROM index_snapshots ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(Stored::None);
        };
        let seq: i64 = row.try_get("seq")?;
        let blob: Vec<u8> = row.try_get("content")?;
        let plain = match crypto::decrypt(&self.key, &aad(seq), &blob) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Stored::Unreadable {
                    seq,
                    reason: format!("it cannot be decrypted: {e}"),
                });
            }
        };
        drop(blob);
        let persisted: Persisted = match postcard::from_bytes(&plain) {
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
        let snap = match persisted.into_snapshot() {
            Ok(s) => s,
            Err(reason) => {
                return Ok(Stored::Unreadable {
                    seq,
                    reason: format!("its content is damaged: {reason}"),
                });
            }
        };
        self.audit_bulk_read(
            &mut *tx,
            actor,
            format!(
                "{} profiles decrypted from the index snapshot of change {seq} to {purpose}",
                snap.profiles.len()
            ),
        )
        .await?;
        Ok(Stored::Read(snap))
    }

    /// Replaces the snapshot with `snap` (inside the transaction that read
    /// it).
    pub(crate) async fn write_index_snapshot(
        &self,
        tx: &mut AnyConnection,
        snap: &Snapshot,
    ) -> Result<()> {
        let persisted = Persisted::of(snap);
        let plain = postcard::to_stdvec(&persisted).map_err(|e| {
            RegistryError::Invalid(format!("the index snapshot cannot be written: {e}"))
        })?;
        let sealed = crypto::encrypt(&self.key, &aad(snap.seq), &plain);
        drop(plain);
        delete_snapshots(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO index_snapshots (seq, profiles, cases, found, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(snap.seq)
        .bind(persisted.profiles.len() as i64)
        .bind(persisted.cases.len() as i64)
        .bind(persisted.found.len() as i64)
        .bind(sealed)
        .bind(crate::audit::now_rfc3339())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// The snapshot brought up to date (the changes after it read from the
    /// rows and merged in), or why there is none to use.
    pub(crate) async fn index_snapshot_now(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<SnapshotNow> {
        let mut snap = match self.read_index_snapshot(&mut *tx, actor, purpose).await? {
            Stored::Read(snap) => snap,
            other => {
                return Ok(SnapshotNow {
                    stored: other,
                    change: 0,
                    changes_after: 0,
                    profiles_after: 0,
                });
            }
        };
        let change = snap.seq;
        let since = changes_since(&mut *tx, change).await?;
        if since.rebuild {
            return Ok(SnapshotNow {
                stored: Stored::Stale { seq: change },
                change,
                changes_after: 0,
                profiles_after: 0,
            });
        }
        let changed = self
            .changed_rows(&mut *tx, actor, &since.cases, &since.found, purpose)
            .await?;
        let profiles_after = changed.profiles.len();
        merge(&mut snap, changed, &since.cases, &since.found);
        snap.seq = since.last;
        snap.database = self.active_database(&mut *tx).await?;
        Ok(SnapshotNow {
            stored: Stored::Read(snap),
            change,
            changes_after: since.cases.len() + since.found.len(),
            profiles_after,
        })
    }

    /// Everything the index is built from, as of now (inside the caller's
    /// writing transaction): the snapshot brought up to date, or every row
    /// read and decrypted. The snapshot is written anew when it was missing,
    /// unusable, or when more than `Settings::snapshot_refresh_after`
    /// profiles were read from the rows changed since it.
    pub(crate) async fn index_inputs(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        purpose: &str,
    ) -> Result<Snapshot> {
        let now = self.index_snapshot_now(&mut *tx, actor, purpose).await?;
        match now.stored {
            Stored::Read(snap) => {
                if now.profiles_after > self.settings.snapshot_refresh_after {
                    self.write_index_snapshot(&mut *tx, &snap).await?;
                }
                return Ok(snap);
            }
            Stored::Unreadable { seq, reason } => {
                tracing::warn!(
                    "the index snapshot of change {seq} is not used ({reason}); the index is rebuilt from the rows"
                );
            }
            Stored::None | Stored::Stale { .. } => {}
        }
        let snap = self.snapshot(&mut *tx, actor, purpose).await?;
        self.write_index_snapshot(&mut *tx, &snap).await?;
        Ok(snap)
    }
}

/// Puts the changed cases and found children (as `changed` holds them now)
/// in place of what `base` held for them, with their profiles.
fn merge(base: &mut Snapshot, changed: Snapshot, cases: &[i64], found: &[i64]) {
    let mut now: Vec<&String> = Vec::new();
    for &c in cases {
        base.cases.remove(&c);
        base.facts.remove(&c);
        if let Some(entry) = changed.cases.get(&c) {
            now.extend(entry.1.iter().map(|(s, _, _)| s));
            base.cases.insert(c, entry.clone());
        }
        if let Some(days) = changed.facts.get(&c) {
            base.facts.insert(c, *days);
        }
    }
    for &f in found {
        base.found.remove(&f);
        if let Some(sample) = changed.found.get(&f) {
            now.push(sample);
            base.found.insert(f, sample.clone());
        }
    }
    // The profile of every sample a changed row names, as it is now (gone
    // when the row has none); profiles no row names any more are left out
    // when the snapshot is next written.
    for sample in now {
        match changed.profiles.get(sample) {
            Some(p) => base.profiles.insert(sample.clone(), p.clone()),
            None => base.profiles.remove(sample),
        };
    }
}
