//! The lineage indexes a process holds (`LineageState`), and their
//! snapshot kept in the registry (tables `lineage_snapshots`,
//! `lineage_snapshot_parts`, schema version 16), so that a new process
//! neither reads nor decrypts a province's Y haplotypes one by one.
//!
//! Building the indexes from the rows reads and opens every Y haplotype:
//! at a million clan volunteers 18 s of a new process, at ten million
//! minutes. Instead a process reads one snapshot: the three indexes as
//! they are held (`ystr::index_state`: the loci, the men's ids, the blocks
//! of bytes, the unusual values), the paternal-line references' cases and
//! relationships, and the entries of the two change sequences it holds
//! (`index_changes` for found children and cases, `volunteer_changes` for
//! clan volunteers), sealed with the registry key in parts of 4 MiB
//! (`sealed_parts`), each bound to those entries, its number and the
//! count. It restores the indexes from it (a copy of the bytes, every byte
//! checked), then reads only the rows changed after it (`lineage.rs`).
//! Reading it is an audit entry naming how many men it held.
//!
//! - It lives in the registry's own database, and is written inside the
//!   transaction that read what it holds, so it commits with it or not at
//!   all.
//! - It is written when a process built the indexes from the rows, and when
//!   a process that restored it read more than
//!   `Settings::snapshot_refresh_after` rows changed since it.
//! - It is not used, and the indexes are built from the rows and it is
//!   written anew, when it cannot be opened or read (damaged, another key,
//!   another layout, loci this version does not know).
//! - Every deletion of a Y haplotype (a volunteer withdrawn or past his
//!   retention, a case erased or past its retention) and a key rotation
//!   delete it in their own transaction: no deleted haplotype outlives its
//!   row in a snapshot.
//! - It holds no sample name: a lead's haplotypes are read by row id.

use std::collections::HashMap;

use kinship::Relative;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use ystr::index_state::LineageIndexState;
use ystr::lineage_index::LineageIndex;

use crate::{Registry, RegistryError, Result, sealed_parts};

/// The layout of the content; another is read as no snapshot.
const FORMAT: u32 = 1;

/// The table of a snapshot's parts.
const PARTS: &str = "lineage_snapshot_parts";

/// The meioses between a reference of this relationship and the missing
/// boy when the reference is on the boy's paternal line (shares his Y):
/// `None` for any other relationship.
pub fn paternal_meioses(r: Relative) -> Option<usize> {
    match r {
        Relative::Father => Some(1),
        Relative::FullSibling | Relative::PaternalHalfSibling | Relative::PaternalGrandfather => {
            Some(2)
        }
        Relative::PaternalUncle => Some(3),
        Relative::PaternalGreatUncle | Relative::PaternalFirstCousin => Some(4),
        _ => None,
    }
}

/// A paternal-line reference in the index: his case and relationship.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefMeta {
    pub(crate) case_ref: i64,
    pub(crate) relationship: Relative,
    /// Meioses between him and the missing boy.
    pub(crate) meioses: usize,
}

/// The three lineage indexes and what they were brought in step with.
#[derive(Debug, Default)]
pub(crate) struct LineageState {
    pub(crate) loaded: bool,
    /// The last entry of the change sequence applied.
    pub(crate) seq: i64,
    /// Found children's Y haplotypes, by found child id.
    pub(crate) boys: Option<LineageIndex>,
    /// Paternal-line references' Y haplotypes, by `case_references` id.
    pub(crate) refs: Option<LineageIndex>,
    pub(crate) ref_meta: HashMap<u64, RefMeta>,
    /// Case id → its references in `refs`.
    pub(crate) case_refs: HashMap<i64, Vec<u64>>,
    /// The last entry of the volunteers' change sequence applied.
    pub(crate) volunteer_seq: i64,
    /// Clan volunteers' Y haplotypes, by `clan_volunteers` id.
    pub(crate) volunteers: Option<LineageIndex>,
}

/// An empty index of every locus known.
pub(crate) fn new_index() -> LineageIndex {
    LineageIndex::new(&ystr::Locus::all().collect::<Vec<_>>())
}

impl LineageState {
    pub(crate) fn forget_case(&mut self, case: i64) {
        for id in self.case_refs.remove(&case).unwrap_or_default() {
            self.ref_meta.remove(&id);
            if let Some(refs) = self.refs.as_mut() {
                refs.remove(id);
            }
        }
    }

    pub(crate) fn forget_volunteer(&mut self, volunteer: i64) {
        if let Some(v) = self.volunteers.as_mut() {
            v.remove(volunteer as u64);
        }
    }

    pub(crate) fn forget_boy(&mut self, found: i64) {
        if let Some(boys) = self.boys.as_mut() {
            boys.remove(found as u64);
        }
    }

    /// A paternal-line reference put in the index's metadata.
    pub(crate) fn add_ref(&mut self, id: u64, meta: RefMeta) {
        self.case_refs.entry(meta.case_ref).or_default().push(id);
        self.ref_meta.insert(id, meta);
    }

    /// How many men and boys the indexes hold.
    pub(crate) fn men(&self) -> usize {
        [&self.boys, &self.refs, &self.volunteers]
            .iter()
            .map(|i| i.as_ref().map_or(0, LineageIndex::len))
            .sum()
    }
}

/// The content of a snapshot, before encryption (postcard).
#[derive(Serialize, Deserialize)]
struct Persisted<'a> {
    format: u32,
    seq: i64,
    volunteer_seq: i64,
    #[serde(borrow)]
    boys: Option<LineageIndexState<'a>>,
    #[serde(borrow)]
    refs: Option<LineageIndexState<'a>>,
    /// (reference id, case id, relationship name) of every reference in `refs`.
    ref_meta: Vec<(u64, i64, String)>,
    #[serde(borrow)]
    volunteers: Option<LineageIndexState<'a>>,
}

/// The name a snapshot's parts are bound to: the entries of both change
/// sequences it holds.
fn at(seq: i64, volunteer_seq: i64) -> String {
    format!("{seq}.{volunteer_seq}")
}

/// The lineage indexes a snapshot holds, or why they cannot be restored.
fn restore(
    plain: &[u8],
    (seq, volunteer_seq): (i64, i64),
) -> std::result::Result<LineageState, String> {
    let p: Persisted<'_> =
        postcard::from_bytes(plain).map_err(|e| format!("its content cannot be read: {e}"))?;
    if p.format != FORMAT || (p.seq, p.volunteer_seq) != (seq, volunteer_seq) {
        return Err(format!(
            "it has layout {} for changes {}, expected layout {FORMAT} for changes {}",
            p.format,
            at(p.seq, p.volunteer_seq),
            at(seq, volunteer_seq)
        ));
    }
    let index = |s: Option<LineageIndexState<'_>>, what: &str| {
        s.map(LineageIndex::restore)
            .transpose()
            .map_err(|e| format!("its index of {what} cannot be restored: {e}"))
    };
    let mut state = LineageState {
        loaded: true,
        seq,
        volunteer_seq,
        boys: index(p.boys, "found boys")?,
        refs: index(p.refs, "references")?,
        volunteers: index(p.volunteers, "clan volunteers")?,
        ..LineageState::default()
    };
    for (id, case_ref, relationship) in p.ref_meta {
        let relationship: Relative = relationship
            .parse()
            .map_err(|_| format!("reference {id} has the unknown relationship {relationship}"))?;
        let meioses = paternal_meioses(relationship)
            .ok_or_else(|| format!("reference {id} is not on a paternal line"))?;
        state.add_ref(
            id,
            RefMeta {
                case_ref,
                relationship,
                meioses,
            },
        );
    }
    let indexed = state.refs.as_ref().map_or(0, LineageIndex::len);
    if state.ref_meta.len() != indexed
        || state
            .ref_meta
            .keys()
            .any(|id| !state.refs.as_ref().is_some_and(|r| r.contains(*id)))
    {
        return Err(format!(
            "it names {} references for {indexed} in its index",
            state.ref_meta.len()
        ));
    }
    Ok(state)
}

/// The lineage snapshot, as `reunite index check` found it.
#[derive(Debug, Clone, serde::Serialize, Default, PartialEq)]
pub struct LineageSnapshotCheck {
    /// The entries of the change sequence and of the volunteers' it holds
    /// (`seq.volunteer_seq`).
    pub changes: String,
    /// The men and boys it holds.
    pub men: usize,
    /// Y haplotypes read from the rows changed after it.
    pub changes_after: usize,
    /// A change after it was too large to list: the next process builds
    /// the indexes from the rows and writes it anew (not a disagreement).
    pub stale: bool,
    /// Why it cannot be opened or restored, if so.
    pub unreadable: Option<String>,
    /// Brought in step, its indexes hold the same men with the same
    /// haplotypes as those built from the rows.
    pub agrees: bool,
    /// How they differ (empty when they agree).
    pub differences: Vec<String>,
}

/// What reading the snapshot gave.
pub(crate) enum Stored {
    None,
    /// It could not be opened or read: why.
    Unreadable(String),
    Read(Box<LineageState>),
}

impl Registry {
    /// The snapshot, opened and restored (as of the changes it holds); its
    /// reading is an audit entry naming how many men it held.
    pub(crate) async fn read_lineage_snapshot(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
    ) -> Result<Stored> {
        let Some(row) = sqlx::query(
            "SELECT id, seq, volunteer_seq, parts FROM lineage_snapshots ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(Stored::None);
        };
        let (id, seq, volunteer_seq, parts): (i64, i64, i64, i64) = (
            row.try_get("id")?,
            row.try_get("seq")?,
            row.try_get("volunteer_seq")?,
            row.try_get("parts")?,
        );
        let at = at(seq, volunteer_seq);
        let plain = match sealed_parts::open(&mut *tx, &self.key, PARTS, (id, &at, parts)).await? {
            Ok(p) => p,
            Err(why) => return Ok(Stored::Unreadable(why)),
        };
        let state = match restore(&plain, (seq, volunteer_seq)) {
            Ok(s) => s,
            Err(why) => return Ok(Stored::Unreadable(why)),
        };
        drop(plain);
        let detail = format!(
            "{} Y haplotypes decrypted from the lineage snapshot of changes {at} for the paternal-line search",
            state.men()
        );
        self.audit_count(
            &mut *tx,
            actor,
            ("y_haplotypes.read", "lineage_snapshot", ""),
            detail,
        )
        .await?;
        Ok(Stored::Read(Box::new(state)))
    }

    /// Replaces the snapshot with the indexes of `state` (inside the
    /// transaction that read what it holds).
    pub(crate) async fn write_lineage_snapshot(
        &self,
        tx: &mut AnyConnection,
        state: &LineageState,
    ) -> Result<()> {
        let persisted = Persisted {
            format: FORMAT,
            seq: state.seq,
            volunteer_seq: state.volunteer_seq,
            boys: state.boys.as_ref().map(LineageIndex::state),
            refs: state.refs.as_ref().map(LineageIndex::state),
            ref_meta: state
                .ref_meta
                .iter()
                .map(|(&id, m)| (id, m.case_ref, m.relationship.name().to_string()))
                .collect(),
            volunteers: state.volunteers.as_ref().map(LineageIndex::state),
        };
        let plain = postcard::to_stdvec(&persisted).map_err(|e| {
            RegistryError::Damaged(format!("the lineage snapshot cannot be written: {e}"))
        })?;
        drop(persisted);
        let at = at(state.seq, state.volunteer_seq);
        let sealed = sealed_parts::seal(&self.key, PARTS, &at, &plain);
        drop(plain);
        delete(&mut *tx).await?;
        let id: i64 = sqlx::query(
            "INSERT INTO lineage_snapshots (seq, volunteer_seq, men, parts, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(state.seq)
        .bind(state.volunteer_seq)
        .bind(state.men() as i64)
        .bind(sealed.len() as i64)
        .bind(crate::audit::now_rfc3339())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        sealed_parts::insert(&mut *tx, PARTS, id, &sealed).await
    }
}

/// Deletes the lineage snapshot (inside the transaction that deletes a Y
/// haplotype, or rotates the key, or writes a new one).
pub(crate) async fn delete(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("DELETE FROM lineage_snapshot_parts")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM lineage_snapshots")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
