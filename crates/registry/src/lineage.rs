//! Paternal-line leads (table `lineage_leads`, schema version 14): a found
//! boy whose Y haplotype differs at few loci from a man of a missing boy's
//! paternal line (his father, brother, paternal half brother, paternal
//! grandfather, paternal uncle, paternal great-uncle or paternal first
//! cousin). A Y match cannot say which man of the
//! line the boy descends from, so a lead is not an identification: it asks
//! for the family to be contacted and an autosomal test.
//!
//! The search keeps two lineage indexes in memory (`ystr::lineage_index`):
//! the found children's Y haplotypes and the paternal-line references'.
//! They are built when first needed from the sealed `y_haplotypes` rows (a
//! read audited by count) and brought in step, inside each import's
//! transaction, by the change sequence the autosomal index follows: the
//! Y haplotypes of the cases and found children a change names are read
//! again. Each import then searches its own changed boys against every
//! reference and its own changed references against every boy, within
//! `LineageQuery::default()` (two differing locus copies, twelve
//! compared), and stores a lead per new pair with the LR at the
//! relationship's number of meioses: the transmission by exact convolution
//! at the built-in mutation rates over the child's match probability by
//! the active haplotype database's discrete Laplace mixture (none without
//! an active database, and the lead says so). Until the import commits no
//! other search sees its changes; a transaction that does not commit
//! leaves the indexes to be built again.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use kinship::Relative;
use sqlx::{AnyConnection, Row};
use tokio::sync::MutexGuard;
use ystr::Haplotype;
use ystr::estimate::{Method, estimate};
use ystr::lineage::{self, Rates};
use ystr::lineage_index::{LineageIndex, LineageQuery};
use ystr::population::Population;

use crate::changes::{changes_since, last_change};
use crate::leads::split_loci;
pub use crate::leads::{LeadKind, LeadStatus};
pub use crate::lineage_state::paternal_meioses;
use crate::lineage_state::{LineageSnapshotCheck, LineageState, RefMeta, Stored, new_index};
use crate::store::{Event, rows_in};
use crate::{Registry, RegistryError, Result};

/// The built-in mutation rates, read once.
fn rates() -> &'static Rates {
    static RATES: OnceLock<Rates> = OnceLock::new();
    RATES.get_or_init(Rates::builtin)
}

/// The lineage indexes held for a writing transaction: built again when it
/// does not commit.
pub(crate) struct LineageUpdate<'a> {
    state: MutexGuard<'a, LineageState>,
    committed: bool,
}

impl LineageUpdate<'_> {
    /// The transaction committed: its changes stay.
    pub(crate) fn committed(mut self) {
        self.committed = true;
    }
}

impl Drop for LineageUpdate<'_> {
    fn drop(&mut self) {
        if !self.committed {
            *self.state = LineageState::default();
        }
    }
}

/// Whose Y haplotypes a lineage index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Found children (by `found_children` id).
    Boys,
    /// References on a missing boy's paternal line (by `case_references` id).
    References,
    /// Clan volunteers (by `clan_volunteers` id).
    Volunteers,
}

/// A man's or boy's Y haplotype read from its row.
struct YRow {
    id: i64,
    haplotype: Haplotype,
    /// For a reference: its case and relationship.
    reference: Option<(i64, Relative)>,
    who: Who,
}

/// What a search keeps of the changed rows: the boys' haplotypes, to be
/// searched against every man once the indexes are in step; each changed
/// man's pairs with the boys within reach, found as his row is indexed, and
/// his haplotype only when he has one (so that an import of a million
/// volunteers does not hold a million haplotypes).
#[derive(Default)]
struct Fresh {
    boys: HashMap<i64, Haplotype>,
    refs: HashMap<i64, Haplotype>,
    volunteers: HashMap<i64, Haplotype>,
    ref_pairs: HashMap<(i64, i64), (usize, Vec<String>)>,
    volunteer_pairs: HashMap<(i64, i64), (usize, Vec<String>)>,
}

impl Fresh {
    /// A changed man of `kind` searched against the boys as his row is
    /// indexed (every boy's row is put in step before any man's): his
    /// pairs, and his haplotype when he has any.
    fn man(
        &mut self,
        boys: Option<&LineageIndex>,
        kind: LeadKind,
        (id, h): (i64, Haplotype),
    ) -> Result<()> {
        let Some(boys) = boys else {
            return Ok(());
        };
        let hits = boys
            .search(&h, &LineageQuery::default())
            .map_err(search_error)?;
        if hits.is_empty() {
            return Ok(());
        }
        let (pairs, men) = match kind {
            LeadKind::Family => (&mut self.ref_pairs, &mut self.refs),
            LeadKind::Volunteer => (&mut self.volunteer_pairs, &mut self.volunteers),
        };
        for hit in hits {
            pairs.insert((hit.id as i64, id), (hit.compared, hit_names(&hit)));
        }
        men.insert(id, h);
        Ok(())
    }
}

fn search_error(e: ystr::lineage_index::IndexError) -> RegistryError {
    RegistryError::Invalid(format!("{e}"))
}

/// The rows whose haplotypes a search keeps for its own searches.
struct Keep {
    cases: BTreeSet<i64>,
    found: BTreeSet<i64>,
    volunteers: BTreeSet<i64>,
}

/// What a write changed that the lineage search follows: cases (their
/// references), found children and clan volunteers, by row id.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineageChanged<'c> {
    pub(crate) cases: &'c [i64],
    pub(crate) found: &'c [i64],
    pub(crate) volunteers: &'c [i64],
}

/// A lead as stored and shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineageLead {
    pub id: i64,
    pub found_id: String,
    pub case_id: String,
    /// The reference's sample name.
    pub reference_sample: String,
    /// `kinship::Relative::name`: `paternal_uncle`, ...
    pub relationship: String,
    /// Meioses between the reference and the missing boy.
    pub meioses: i64,
    /// Locus copies typed on both.
    pub compared: i64,
    /// The locus copies that differ (`DYS19`, `DYS385b`, ...): names only.
    pub differing: Vec<String>,
    /// The LR at `meioses`; `None` without an active haplotype database.
    pub lr: Option<f64>,
    pub log10_lr: Option<f64>,
    /// The boy's haplotype's match probability in the database.
    pub match_probability: Option<f64>,
    /// `disclap`, `kappa`, `count`, or `none` (no active database).
    pub method: String,
    /// The database's name and version (`yfiler-plus v2`).
    pub database: Option<String>,
    pub status: String,
    pub computed_at: String,
    /// The autosomal candidate of the same boy and case, when the family's
    /// autosomal profiles made one: its id and log10 LR.
    pub candidate_id: Option<i64>,
    pub autosomal_log10_lr: Option<f64>,
    /// The two together: the autosomal LR of the case's pedigree times the
    /// Y LR of this man (inherited independently, they multiply), as log10.
    pub combined_log10_lr: Option<f64>,
}

/// The active haplotype database, read when a lead needs its LR.
struct Database {
    id: i64,
    population: Population,
    mixture: ystr::disclap::Mixture,
}

impl Registry {
    /// The `y_haplotypes` rows joined to their found children, references
    /// or clan volunteers, with `filter` (a `WHERE` clause and what
    /// follows it, on `f.id` or `r.id` and `r.case_ref`).
    fn y_sql(who: Who, filter: &str) -> String {
        match who {
            Who::Boys => format!(
                "SELECT f.id AS id, f.sample_name AS sample_name, y.haplotype AS haplotype \
                 FROM found_children f JOIN y_haplotypes y ON y.sample_name = f.sample_name{filter}"
            ),
            Who::Volunteers => format!(
                "SELECT f.id AS id, f.sample_name AS sample_name, y.haplotype AS haplotype \
                 FROM clan_volunteers f JOIN y_haplotypes y ON y.sample_name = f.sample_name{filter}"
            ),
            Who::References => format!(
                "SELECT r.id AS id, r.sample_name AS sample_name, y.haplotype AS haplotype, \
                 r.case_ref AS case_ref, r.relationship AS relationship \
                 FROM case_references r JOIN y_haplotypes y ON y.sample_name = r.sample_name{filter}"
            ),
        }
    }

    /// Puts the Y haplotypes of the found children or clan volunteers
    /// `ids`, or of the references of the cases `ids`, in the state's
    /// indexes, read a page of rows at a time, keeping the haplotypes of
    /// what `keep` names. Returns how many were read.
    async fn index_changed_y(
        &self,
        tx: &mut AnyConnection,
        state: &mut LineageState,
        (who, ids): (Who, &[i64]),
        (fresh, keep): (&mut Fresh, &Keep),
    ) -> Result<usize> {
        let column = if who == Who::References {
            "r.case_ref"
        } else {
            "f.id"
        };
        let mut read = 0;
        for ids in ids.chunks(self.settings.y_rows_per_read.max(1)) {
            let rows = rows_in(&mut *tx, ids, |list| {
                Self::y_sql(who, &format!(" WHERE {column} IN ({list})"))
            })
            .await?;
            let rows = self.open_y_rows(who, rows)?;
            read += rows.len();
            Self::index_rows(state, rows, fresh, keep)?;
        }
        Ok(read)
    }

    /// The Y haplotype of found child, reference or clan volunteer `id`
    /// (inside a transaction, not audited: the caller audits the search it
    /// serves).
    async fn y_of(&self, tx: &mut AnyConnection, who: Who, id: i64) -> Result<Haplotype> {
        let column = if who == Who::References {
            "r.id"
        } else {
            "f.id"
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(Self::y_sql(
            who,
            &format!(" WHERE {column} = $1"),
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let sample: String = row.try_get("sample_name")?;
        self.open_y(&sample, row.try_get("haplotype")?)
    }

    /// Puts every Y haplotype of `who` in the state's indexes, read a page
    /// of rows at a time by row id (so that what is held at once is the
    /// index and one page, not every row), keeping the haplotypes of what
    /// `keep` names. Returns how many were read.
    async fn index_every_y(
        &self,
        tx: &mut AnyConnection,
        state: &mut LineageState,
        who: Who,
        (fresh, keep): (&mut Fresh, &Keep),
    ) -> Result<usize> {
        let page = self.settings.y_rows_per_read.max(1);
        let column = if who == Who::References {
            "r.id"
        } else {
            "f.id"
        };
        let sql = Self::y_sql(
            who,
            &format!(" WHERE {column} > $1 ORDER BY {column} LIMIT {page}"),
        );
        let (mut after, mut read) = (i64::MIN, 0);
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(after)
                .fetch_all(&mut *tx)
                .await?;
            let Some(last) = rows.last() else {
                return Ok(read);
            };
            after = last.try_get("id")?;
            let full = rows.len() == page;
            let rows = self.open_y_rows(who, rows)?;
            read += rows.len();
            Self::index_rows(state, rows, fresh, keep)?;
            if !full {
                return Ok(read);
            }
        }
    }

    /// Rows of [`Self::y_sql`] opened and parsed; a reference not on a
    /// missing boy's paternal line is left out.
    fn open_y_rows(&self, who: Who, rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<YRow>> {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let sample: String = r.try_get("sample_name")?;
            let reference = if who != Who::References {
                None
            } else {
                let relationship: String = r.try_get("relationship")?;
                let Ok(rel) = relationship.parse::<Relative>() else {
                    return Err(RegistryError::Damaged(format!(
                        "reference {sample} has an unknown relationship"
                    )));
                };
                Some((r.try_get::<i64, _>("case_ref")?, rel))
            };
            if reference.is_some_and(|(_, rel)| paternal_meioses(rel).is_none()) {
                continue;
            }
            let haplotype = self.open_y(&sample, r.try_get("haplotype")?)?;
            out.push(YRow {
                id: r.try_get("id")?,
                haplotype,
                reference,
                who,
            });
        }
        Ok(out)
    }

    /// Whether any of the rows `keep` names has a Y haplotype (nothing
    /// opened): when none has, the search has nothing to look for.
    async fn any_y(&self, tx: &mut AnyConnection, keep: &Keep) -> Result<bool> {
        for (who, ids) in [
            (Who::Boys, &keep.found),
            (Who::References, &keep.cases),
            (Who::Volunteers, &keep.volunteers),
        ] {
            let ids: Vec<i64> = ids.iter().copied().collect();
            let (table, column) = match who {
                Who::Boys => ("found_children f", "f.id"),
                Who::Volunteers => ("clan_volunteers f", "f.id"),
                Who::References => ("case_references f", "f.case_ref"),
            };
            // A few ids at a time, stopping at the first that has one.
            for ids in ids.chunks(1_000) {
                let found = rows_in(&mut *tx, ids, |list| {
                    format!(
                        "SELECT f.id FROM {table} JOIN y_haplotypes y ON y.sample_name = f.sample_name \
                         WHERE {column} IN ({list}) LIMIT 1"
                    )
                })
                .await?;
                if !found.is_empty() {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Puts rows in the state's indexes (replacing what they held of the
    /// same ids), keeping the haplotypes of what `keep` names.
    fn index_rows(
        state: &mut LineageState,
        rows: Vec<YRow>,
        fresh: &mut Fresh,
        keep: &Keep,
    ) -> Result<()> {
        let index_error = |e: ystr::lineage_index::IndexError| {
            RegistryError::Invalid(format!("a Y haplotype cannot be indexed: {e}"))
        };
        for row in rows {
            match (row.who, row.reference) {
                (Who::Volunteers, _) => {
                    state
                        .volunteers
                        .get_or_insert_with(new_index)
                        .insert(row.id as u64, &row.haplotype)
                        .map_err(index_error)?;
                    if keep.volunteers.contains(&row.id) {
                        let boys = state.boys.as_ref();
                        fresh.man(boys, LeadKind::Volunteer, (row.id, row.haplotype))?;
                    }
                }
                (_, None) => {
                    state
                        .boys
                        .get_or_insert_with(new_index)
                        .insert(row.id as u64, &row.haplotype)
                        .map_err(index_error)?;
                    if keep.found.contains(&row.id) {
                        fresh.boys.insert(row.id, row.haplotype);
                    }
                }
                (_, Some((case_ref, relationship))) => {
                    let meta = RefMeta {
                        case_ref,
                        relationship,
                        meioses: paternal_meioses(relationship).unwrap_or(0),
                    };
                    state
                        .refs
                        .get_or_insert_with(new_index)
                        .insert(row.id as u64, &row.haplotype)
                        .map_err(index_error)?;
                    state.add_ref(row.id as u64, meta);
                    if keep.cases.contains(&case_ref) {
                        let boys = state.boys.as_ref();
                        fresh.man(boys, LeadKind::Family, (row.id, row.haplotype))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Brings loaded indexes in step with the changes after them: the rows
    /// of the cases, found children and volunteers changed read again, a
    /// page at a time. Returns how many were read, or `None` when a change
    /// after them was too large to list (they are built from the rows).
    async fn lineage_changes_in(
        &self,
        tx: &mut AnyConnection,
        state: &mut LineageState,
        (fresh, keep): (&mut Fresh, &Keep),
    ) -> Result<Option<usize>> {
        let since = changes_since(&mut *tx, state.seq).await?;
        if since.rebuild {
            return Ok(None);
        }
        for &c in &since.cases {
            state.forget_case(c);
        }
        for &f in &since.found {
            state.forget_boy(f);
        }
        let (changed, last) =
            crate::volunteers::changes_since(&mut *tx, state.volunteer_seq).await?;
        for &v in &changed {
            state.forget_volunteer(v);
        }
        let mut read = 0;
        for who in [
            (Who::Boys, &since.found[..]),
            (Who::References, &since.cases[..]),
            (Who::Volunteers, &changed[..]),
        ] {
            read += self
                .index_changed_y(&mut *tx, state, who, (&mut *fresh, keep))
                .await?;
        }
        state.seq = since.last;
        state.volunteer_seq = last;
        Ok(Some(read))
    }

    /// The indexes built from every Y haplotype (the boys' first, so that a
    /// changed man is searched against every boy as his row is indexed),
    /// as of the last entries of both change sequences. Returns them and
    /// how many rows were read.
    async fn lineage_from_rows(
        &self,
        tx: &mut AnyConnection,
        (fresh, keep): (&mut Fresh, &Keep),
    ) -> Result<(LineageState, usize)> {
        let mut state = LineageState::default();
        let mut read = 0;
        for who in [Who::Boys, Who::References, Who::Volunteers] {
            read += self
                .index_every_y(&mut *tx, &mut state, who, (&mut *fresh, keep))
                .await?;
        }
        state.seq = last_change(&mut *tx).await?;
        state.volunteer_seq = crate::volunteers::last_change(&mut *tx).await?;
        state.loaded = true;
        Ok((state, read))
    }

    /// The lineage snapshot restored and brought in step as a new process
    /// would, compared with the indexes built from every row (inside the
    /// index check's transaction); `None` when there is none. Both reads are
    /// audit entries.
    pub(crate) async fn check_lineage_snapshot(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
    ) -> Result<Option<LineageSnapshotCheck>> {
        let mut restored = match self.read_lineage_snapshot(&mut *tx, actor).await? {
            Stored::None => return Ok(None),
            Stored::Unreadable(why) => {
                return Ok(Some(LineageSnapshotCheck {
                    unreadable: Some(why),
                    ..Default::default()
                }));
            }
            Stored::Read(state) => *state,
        };
        let mut check = LineageSnapshotCheck {
            changes: format!("{}.{}", restored.seq, restored.volunteer_seq),
            men: restored.men(),
            ..Default::default()
        };
        let keep = Keep {
            cases: BTreeSet::new(),
            found: BTreeSet::new(),
            volunteers: BTreeSet::new(),
        };
        let mut fresh = Fresh::default();
        let Some(after) = self
            .lineage_changes_in(&mut *tx, &mut restored, (&mut fresh, &keep))
            .await?
        else {
            check.stale = true;
            return Ok(Some(check));
        };
        check.changes_after = after;
        let (rebuilt, read) = self
            .lineage_from_rows(&mut *tx, (&mut fresh, &keep))
            .await?;
        let detail = format!(
            "{} Y haplotypes read to check the lineage snapshot",
            read + after
        );
        self.audit_y_rows(&mut *tx, actor, detail).await?;
        check.differences = lineage_differences(&restored, &rebuilt);
        check.agrees = check.differences.is_empty();
        Ok(Some(check))
    }

    /// Inside a writing transaction, after the change sequence holds this
    /// transaction's change: the lineage indexes brought in step, and the
    /// Y haplotypes of the changed cases' paternal-line references and of
    /// the changed found children.
    async fn lineage_in_step<'a>(
        &'a self,
        tx: &mut AnyConnection,
        actor: &str,
        keep: &Keep,
    ) -> Result<(LineageUpdate<'a>, Fresh)> {
        let mut update = LineageUpdate {
            state: self.lineage.lock().await,
            committed: false,
        };
        let mut fresh = Fresh::default();
        let state = &mut *update.state;
        let mut read = 0;
        // Not built yet, and nothing changed here has a Y haplotype: there
        // is nothing to search for, and the indexes are built when first
        // needed (an import of found children or of cases in a new process
        // does not read a province's Y haplotypes).
        if !state.loaded && !self.any_y(&mut *tx, keep).await? {
            return Ok((update, fresh));
        }
        // A new process: the indexes restored from the snapshot, then
        // brought in step with what changed after it (this write included).
        let mut restored = false;
        if !state.loaded {
            match self.read_lineage_snapshot(&mut *tx, actor).await? {
                Stored::Read(snapshot) => {
                    *state = *snapshot;
                    restored = true;
                }
                Stored::Unreadable(why) => tracing::warn!(
                    "the lineage snapshot is not used ({why}); the lineage indexes are built from the rows"
                ),
                Stored::None => {}
            }
        }
        let applied = match state.loaded {
            true => {
                self.lineage_changes_in(&mut *tx, state, (&mut fresh, keep))
                    .await?
            }
            false => None,
        };
        let write_snapshot = match applied {
            Some(n) => {
                read += n;
                restored && n > self.settings.snapshot_refresh_after
            }
            None => {
                let (built, n) = self.lineage_from_rows(&mut *tx, (&mut fresh, keep)).await?;
                *state = built;
                read += n;
                true
            }
        };
        if write_snapshot {
            self.write_lineage_snapshot(&mut *tx, state).await?;
        }
        if read > 0 {
            let detail = format!("{read} Y haplotypes read for the paternal-line search");
            self.audit_y_rows(&mut *tx, actor, detail).await?;
        }
        Ok((update, fresh))
    }

    /// The audit entry of Y haplotypes read from their rows into lineage
    /// indexes (a count, no sample).
    async fn audit_y_rows(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        detail: String,
    ) -> Result<()> {
        self.audit_count(
            &mut *tx,
            actor,
            ("y_haplotypes.read", "lineage_index", ""),
            detail,
        )
        .await
    }

    /// The active haplotype database's men and mixture, if there is one.
    async fn lineage_database(&self, tx: &mut AnyConnection) -> Result<Option<Database>> {
        let row = sqlx::query(
            "SELECT id, name, version, content, mixture FROM haplotype_dbs WHERE active = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let name: String = row.try_get("name")?;
        let damaged = |e: String| RegistryError::Damaged(format!("haplotype database {name}: {e}"));
        let content: String = row.try_get("content")?;
        let population = Population::parse(&content, &name).map_err(|e| damaged(e.to_string()))?;
        let mixture: crate::StoredMixture =
            serde_json::from_str(&row.try_get::<String, _>("mixture")?)
                .map_err(|e| damaged(e.to_string()))?;
        Ok(Some(Database {
            id: row.try_get("id")?,
            population,
            mixture: mixture.mixture(),
        }))
    }

    /// Inside an import's transaction, after its search: the changed boys
    /// searched against every paternal-line reference and the changed
    /// references against every boy; a lead stored for each new pair.
    /// Returns the leads stored and the indexes' update, to be marked
    /// committed after the commit.
    pub(crate) async fn lineage_search_in<'a>(
        &'a self,
        tx: &mut AnyConnection,
        actor: &str,
        changed: LineageChanged<'_>,
    ) -> Result<(usize, LineageUpdate<'a>)> {
        // Every other process's index follows the volunteers changed here.
        crate::volunteers::record_change(&mut *tx, changed.volunteers).await?;
        let keep = Keep {
            cases: changed.cases.iter().copied().collect(),
            found: changed.found.iter().copied().collect(),
            volunteers: changed.volunteers.iter().copied().collect(),
        };
        let (update, fresh) = self.lineage_in_step(&mut *tx, actor, &keep).await?;
        let volunteer_leads = self
            .volunteer_search_in(&mut *tx, &update.state, &fresh)
            .await?;
        let state = &*update.state;
        let pairs = new_pairs(&mut *tx, state, LeadKind::Family, &fresh).await?;
        if pairs.is_empty() {
            self.audit_leads(&mut *tx, actor, 0, volunteer_leads)
                .await?;
            return Ok((volunteer_leads, update));
        }
        let database = self.lineage_database(&mut *tx).await?;
        let now = crate::audit::now_rfc3339();
        let mut stored = 0;
        for ((boy, man), (compared, differing)) in pairs {
            let boy_h = self.boy_y(&mut *tx, &fresh, boy).await?;
            let meta = state.ref_meta[&(man as u64)];
            let man_h = match fresh.refs.get(&man) {
                Some(h) => h.clone(),
                None => self.y_of(&mut *tx, Who::References, man).await?,
            };
            let lr = LeadLr::new(&boy_h, &man_h, meta.meioses, database.as_ref());
            let q = sqlx::query(
                "INSERT INTO lineage_leads (found_ref, case_ref, reference_ref, relationship, meioses, compared, differing, \
                 lr, log10_lr, match_probability, method, haplotype_db, status, computed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8 THEN $9 END, CASE WHEN $10 THEN $11 END, \
                 CASE WHEN $12 THEN $13 END, $14, $15, 'new', $16)",
            )
            .bind(boy)
            .bind(meta.case_ref)
            .bind(man)
            .bind(meta.relationship.name())
            .bind(meta.meioses as i64)
            .bind(compared as i64)
            .bind(differing.join(","));
            lr.bind(q).bind(&now).execute(&mut *tx).await?;
            stored += 1;
        }
        self.audit_leads(&mut *tx, actor, stored, volunteer_leads)
            .await?;
        Ok((stored + volunteer_leads, update))
    }

    /// The audit entry of the leads a search stored (none when none).
    async fn audit_leads(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        family: usize,
        volunteers: usize,
    ) -> Result<()> {
        if family > 0 {
            let detail = format!("{family} paternal-line leads stored");
            self.audit_count(
                &mut *tx,
                actor,
                ("lineage_leads.store", "lineage_leads", ""),
                detail,
            )
            .await?;
        }
        if volunteers > 0 {
            let detail = format!("{volunteers} clan volunteer leads stored");
            self.audit_count(
                &mut *tx,
                actor,
                ("volunteer_leads.store", "volunteer_leads", ""),
                detail,
            )
            .await?;
        }
        Ok(())
    }

    /// The clan volunteer half of a search: the changed boys against every
    /// volunteer, the changed volunteers against every boy; a lead stored
    /// for each new pair with the LR for each number of meioses. Returns
    /// how many.
    async fn volunteer_search_in(
        &self,
        tx: &mut AnyConnection,
        state: &LineageState,
        fresh: &Fresh,
    ) -> Result<usize> {
        let pairs = new_pairs(&mut *tx, state, LeadKind::Volunteer, fresh).await?;
        if pairs.is_empty() {
            return Ok(0);
        }
        let database = self.lineage_database(&mut *tx).await?;
        let now = crate::audit::now_rfc3339();
        for &((boy, man), (compared, ref differing)) in &pairs {
            let boy_h = self.boy_y(&mut *tx, fresh, boy).await?;
            let man_h = match fresh.volunteers.get(&man) {
                Some(h) => h.clone(),
                None => self.y_of(&mut *tx, Who::Volunteers, man).await?,
            };
            let lr = VolunteerLr::new(&boy_h, &man_h, database.as_ref());
            let q = sqlx::query(
                "INSERT INTO volunteer_leads (found_ref, volunteer_ref, compared, differing, \
                 lrs, likeliest_meioses, lr, log10_lr, match_probability, method, haplotype_db, status, computed_at) \
                 VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN $7 END, CASE WHEN $8 THEN $9 END, \
                 CASE WHEN $10 THEN $11 END, CASE WHEN $12 THEN $13 END, $14, $15, 'new', $16)",
            )
            .bind(boy)
            .bind(man)
            .bind(compared as i64)
            .bind(differing.join(","));
            lr.bind(q).bind(&now).execute(&mut *tx).await?;
        }
        Ok(pairs.len())
    }

    /// Inside the transaction that activated another haplotype database:
    /// every lead's LR computed again by it. Returns how many leads.
    pub(crate) async fn lineage_lrs_again(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
    ) -> Result<usize> {
        let leads = sqlx::query(
            "SELECT l.id, l.meioses, f.sample_name AS boy, r.sample_name AS man \
             FROM lineage_leads l JOIN found_children f ON f.id = l.found_ref \
             JOIN case_references r ON r.id = l.reference_ref ORDER BY l.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let volunteer_leads = sqlx::query(
            "SELECT l.id, f.sample_name AS boy, v.sample_name AS man \
             FROM volunteer_leads l JOIN found_children f ON f.id = l.found_ref \
             JOIN clan_volunteers v ON v.id = l.volunteer_ref ORDER BY l.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        if leads.is_empty() && volunteer_leads.is_empty() {
            return Ok(0);
        }
        let database = self.lineage_database(&mut *tx).await?;
        let now = crate::audit::now_rfc3339();
        for r in &volunteer_leads {
            let boy = self
                .sample_y(&mut *tx, &r.try_get::<String, _>("boy")?)
                .await?;
            let man = self
                .sample_y(&mut *tx, &r.try_get::<String, _>("man")?)
                .await?;
            let lr = VolunteerLr::new(&boy, &man, database.as_ref());
            let q = sqlx::query(
                "UPDATE volunteer_leads SET lrs = $1, likeliest_meioses = CASE WHEN $2 THEN $3 END, \
                 lr = CASE WHEN $4 THEN $5 END, log10_lr = CASE WHEN $6 THEN $7 END, \
                 match_probability = CASE WHEN $8 THEN $9 END, method = $10, haplotype_db = $11, computed_at = $12 \
                 WHERE id = $13",
            );
            lr.bind(q)
                .bind(&now)
                .bind(r.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
        }
        for r in &leads {
            let boy = self
                .sample_y(&mut *tx, &r.try_get::<String, _>("boy")?)
                .await?;
            let man = self
                .sample_y(&mut *tx, &r.try_get::<String, _>("man")?)
                .await?;
            let meioses = r.try_get::<i64, _>("meioses")? as usize;
            let lr = LeadLr::new(&boy, &man, meioses, database.as_ref());
            let q = sqlx::query(
                "UPDATE lineage_leads SET lr = CASE WHEN $1 THEN $2 END, log10_lr = CASE WHEN $3 THEN $4 END, \
                 match_probability = CASE WHEN $5 THEN $6 END, method = $7, haplotype_db = $8, computed_at = $9 \
                 WHERE id = $10",
            );
            lr.bind(q)
                .bind(&now)
                .bind(r.try_get::<i64, _>("id")?)
                .execute(&mut *tx)
                .await?;
        }
        let all = leads.len() + volunteer_leads.len();
        let detail = format!(
            "{} Y haplotypes read to compute {all} paternal-line leads' LRs again",
            2 * all,
        );
        self.audit_count(
            &mut *tx,
            actor,
            ("y_haplotypes.read", "lineage_leads", ""),
            detail,
        )
        .await?;
        Ok(all)
    }

    /// Moves a family's paternal-line lead's review to `to`
    /// ([`Registry::set_status_of`]).
    pub async fn set_lead_status(
        &self,
        actor: &str,
        lead: i64,
        to: LeadStatus,
    ) -> Result<LeadStatus> {
        self.set_status_of(actor, LeadKind::Family, lead, to).await
    }

    /// Moves a clan volunteer lead's review to `to`
    /// ([`Registry::set_status_of`]).
    pub async fn set_volunteer_lead_status(
        &self,
        actor: &str,
        lead: i64,
        to: LeadStatus,
    ) -> Result<LeadStatus> {
        self.set_status_of(actor, LeadKind::Volunteer, lead, to)
            .await
    }

    /// Moves a lead's review to `to`, when its status now allows it
    /// ([`LeadStatus::next`]); otherwise a conflict naming both. Audited.
    async fn set_status_of(
        &self,
        actor: &str,
        kind: LeadKind,
        lead: i64,
        to: LeadStatus,
    ) -> Result<LeadStatus> {
        let id = lead.to_string();
        let (table, action) = match kind {
            LeadKind::Family => ("lineage_leads", "lineage_lead.status"),
            LeadKind::Volunteer => ("volunteer_leads", "volunteer_lead.status"),
        };
        self.audited(async |tx| {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT status FROM {table} WHERE id = $1"
            )))
            .bind(lead)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| RegistryError::not_found("lead", lead))?;
            let from: String = row.try_get("status")?;
            let from = LeadStatus::parse(&from)
                .ok_or_else(|| RegistryError::Damaged(format!("lead {lead} has status {from}")))?;
            if !from.next().contains(&to) {
                return Err(RegistryError::Conflict(format!(
                    "lead {lead} is {}: it cannot become {}",
                    from.name(),
                    to.name()
                )));
            }
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET status = $1 WHERE id = $2"
            )))
            .bind(to.name())
            .bind(lead)
            .execute(&mut *tx)
            .await?;
            let detail = format!("{} -> {}", from.name(), to.name());
            Ok((
                to,
                Event {
                    actor,
                    action,
                    target_type: table.trim_end_matches('s'),
                    target_id: &id,
                    detail,
                },
            ))
        })
        .await
    }

    /// A found boy's Y haplotype: the one this search read, or from the
    /// registry.
    async fn boy_y(&self, tx: &mut AnyConnection, fresh: &Fresh, boy: i64) -> Result<Haplotype> {
        match fresh.boys.get(&boy) {
            Some(h) => Ok(h.clone()),
            None => self.y_of(&mut *tx, Who::Boys, boy).await,
        }
    }

    /// A sample's Y haplotype, opened (inside a transaction, not audited:
    /// the caller audits the search it serves).
    async fn sample_y(&self, tx: &mut AnyConnection, sample: &str) -> Result<Haplotype> {
        let row = sqlx::query("SELECT haplotype FROM y_haplotypes WHERE sample_name = $1")
            .bind(sample)
            .fetch_one(&mut *tx)
            .await?;
        self.open_y(sample, row.try_get("haplotype")?)
    }

    /// A sample's sealed Y haplotype, opened and parsed.
    fn open_y(&self, sample: &str, sealed: Option<Vec<u8>>) -> Result<Haplotype> {
        let text = self
            .open_field("y_haplotypes", "haplotype", sample, sealed)?
            .ok_or_else(|| RegistryError::Damaged(format!("the Y haplotype of {sample}")))?;
        Haplotype::parse(&text, sample)
            .map_err(|e| RegistryError::Damaged(format!("the Y haplotype of {sample}: {e}")))
    }

    /// One page of paternal-line leads (of one review status, when given),
    /// strongest first, after the row `cursor` names; an audited read.
    pub async fn lineage_lead_page(
        &self,
        actor: &str,
        status: Option<LeadStatus>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<crate::Page<LineageLead>> {
        let read = async |conn: &mut AnyConnection, ids: &[i64]| {
            rows_in(conn, ids, |list| {
                format!(
                    "SELECT l.id, f.found_id, c.case_id, r.sample_name, l.relationship, l.meioses, l.compared, \
                     l.differing, l.lr, l.log10_lr, l.match_probability, l.method, l.status, l.computed_at, \
                     h.name AS db_name, h.version AS db_version, k.id AS candidate_id, k.log10_lr AS autosomal_log10_lr \
                     FROM lineage_leads l JOIN found_children f ON f.id = l.found_ref \
                     JOIN cases c ON c.id = l.case_ref JOIN case_references r ON r.id = l.reference_ref \
                     LEFT JOIN haplotype_dbs h ON h.id = l.haplotype_db \
                     LEFT JOIN candidates k ON k.found_ref = l.found_ref AND k.case_ref = l.case_ref \
                     WHERE l.id IN ({list})"
                )
            })
            .await?
            .iter()
            .map(lineage_lead)
            .collect()
        };
        let at = (limit, cursor);
        self.lead_page(actor, LeadKind::Family, status, at, read, |l| l.id)
            .await
    }
}

/// A lead from the columns [`Registry::lineage_lead_page`] reads.
fn lineage_lead(r: &sqlx::any::AnyRow) -> Result<LineageLead> {
    let differing: String = r.try_get("differing")?;
    let db_name: Option<String> = r.try_get("db_name")?;
    let db_version: Option<i64> = r.try_get("db_version")?;
    let log10_lr: Option<f64> = r.try_get("log10_lr")?;
    let autosomal: Option<f64> = r.try_get("autosomal_log10_lr")?;
    let combined = log10_lr
        .zip(autosomal)
        .map(|(y, a)| y + a)
        .filter(|c| c.is_finite());
    Ok(LineageLead {
        id: r.try_get("id")?,
        found_id: r.try_get("found_id")?,
        case_id: r.try_get("case_id")?,
        reference_sample: r.try_get("sample_name")?,
        relationship: r.try_get("relationship")?,
        meioses: r.try_get("meioses")?,
        compared: r.try_get("compared")?,
        differing: split_loci(&differing),
        lr: r.try_get("lr")?,
        log10_lr,
        match_probability: r.try_get("match_probability")?,
        method: r.try_get("method")?,
        database: db_name.zip(db_version).map(|(n, v)| format!("{n} v{v}")),
        status: r.try_get("status")?,
        computed_at: r.try_get("computed_at")?,
        candidate_id: r.try_get("candidate_id")?,
        autosomal_log10_lr: autosomal,
        combined_log10_lr: combined,
    })
}

/// How lineage indexes restored from a snapshot differ from those built
/// from the rows: by index, man by man (at most 20 lines each), and the
/// references' cases and relationships.
fn lineage_differences(restored: &LineageState, rebuilt: &LineageState) -> Vec<String> {
    let mut out = Vec::new();
    let empty = new_index();
    for (what, a, b) in [
        ("found boys", &restored.boys, &rebuilt.boys),
        ("references", &restored.refs, &rebuilt.refs),
        ("clan volunteers", &restored.volunteers, &rebuilt.volunteers),
    ] {
        let (a, b) = (a.as_ref().unwrap_or(&empty), b.as_ref().unwrap_or(&empty));
        out.extend(
            a.differences(b, 20)
                .into_iter()
                .map(|d| format!("{what}: {d}")),
        );
    }
    let mut refs: Vec<(&u64, &RefMeta)> = restored.ref_meta.iter().collect();
    refs.sort_by_key(|(id, _)| **id);
    for (id, m) in refs {
        let same = rebuilt
            .ref_meta
            .get(id)
            .is_some_and(|r| (r.case_ref, r.relationship) == (m.case_ref, m.relationship));
        if !same {
            out.push(format!(
                "references: reference {id} has another case or relationship"
            ));
        }
    }
    out
}

/// A found boy and a man the lineage index found within reach of his
/// haplotype: (found child, man) → (loci compared, differing locus copies).
type Pair = ((i64, i64), (usize, Vec<String>));

/// The pairs a search found that are not leads yet, in (boy, man) order:
/// the changed boys against every man of `kind` (references or clan
/// volunteers), and the changed men's pairs with every boy (found as they
/// were indexed). Pairs already leads keep their row (and their review).
async fn new_pairs(
    tx: &mut AnyConnection,
    state: &LineageState,
    kind: LeadKind,
    fresh: &Fresh,
) -> Result<Vec<Pair>> {
    let query = LineageQuery::default();
    let (men, table, man_column, men_pairs) = match kind {
        LeadKind::Family => (
            &state.refs,
            "lineage_leads",
            "reference_ref",
            &fresh.ref_pairs,
        ),
        LeadKind::Volunteer => (
            &state.volunteers,
            "volunteer_leads",
            "volunteer_ref",
            &fresh.volunteer_pairs,
        ),
    };
    let mut pairs = men_pairs.clone();
    if let Some(men) = men {
        for (&boy, h) in &fresh.boys {
            for hit in men.search(h, &query).map_err(search_error)? {
                pairs.insert((boy, hit.id as i64), (hit.compared, hit_names(&hit)));
            }
        }
    }
    let boys: Vec<i64> = pairs
        .keys()
        .map(|p| p.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for r in rows_in(&mut *tx, &boys, |list| {
        format!("SELECT found_ref, {man_column} AS man FROM {table} WHERE found_ref IN ({list})")
    })
    .await?
    {
        pairs.remove(&(r.try_get("found_ref")?, r.try_get("man")?));
    }
    let mut pairs: Vec<Pair> = pairs.into_iter().collect();
    pairs.sort_by_key(|(p, _)| *p);
    Ok(pairs)
}

/// A lead's LR as stored: all `None`, and method `none`, without an
/// active haplotype database or a locus to compare.
struct LeadLr {
    lr: Option<f64>,
    log10_lr: Option<f64>,
    match_probability: Option<f64>,
    method: String,
    database: Option<i64>,
}

impl LeadLr {
    /// Binds the LR's values in the order the statements name them: LR
    /// (flag, value), log10 LR (flag, value), match probability (flag,
    /// value), method, database.
    fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        q.bind(self.lr.is_some())
            .bind(crate::store::real(self.lr))
            .bind(self.log10_lr.is_some())
            .bind(crate::store::real(self.log10_lr))
            .bind(self.match_probability.is_some())
            .bind(crate::store::real(self.match_probability))
            .bind(self.method)
            .bind(self.database)
    }

    fn new(boy: &Haplotype, man: &Haplotype, meioses: usize, db: Option<&Database>) -> LeadLr {
        match db.and_then(|db| Some((db.id, lineage_lr(boy, man, meioses, db)?))) {
            Some((id, (lr, mp, method))) => LeadLr {
                lr: Some(lr),
                log10_lr: (lr > 0.0).then(|| lr.log10()),
                match_probability: Some(mp),
                method: method.to_string(),
                database: Some(id),
            },
            None => LeadLr {
                lr: None,
                log10_lr: None,
                match_probability: None,
                method: "none".into(),
                database: None,
            },
        }
    }
}

/// The names of the locus copies a hit differs at (`DYS19`, `DYS385b`).
fn hit_names(h: &ystr::lineage_index::LineageHit) -> Vec<String> {
    h.differences
        .iter()
        .map(|d| d.coordinate.to_string())
        .collect()
}

/// The most meioses a volunteer lead's LR is given for.
pub const VOLUNTEER_MEIOSES_MAX: usize = 20;

/// A volunteer lead's LRs as stored: one for each number of meioses
/// 1..=[`VOLUNTEER_MEIOSES_MAX`], the likeliest number and the LR there;
/// none, and method `none`, without an active haplotype database or a
/// locus to compare.
struct VolunteerLr {
    lrs: Vec<f64>,
    likeliest: Option<i64>,
    at_likeliest: LeadLr,
}

impl VolunteerLr {
    fn new(boy: &Haplotype, man: &Haplotype, db: Option<&Database>) -> VolunteerLr {
        let found = db.and_then(|db| {
            let (loci, p, method) = lineage_loci(boy, man, db)?;
            let (t, best) = lineage::by_meioses(boy, man, &loci, rates(), VOLUNTEER_MEIOSES_MAX);
            Some((
                db.id,
                t.iter().map(|t| t / p).collect::<Vec<f64>>(),
                best,
                p,
                method,
            ))
        });
        match found {
            Some((id, lrs, best, p, method)) => {
                let lr = lrs[best - 1];
                VolunteerLr {
                    at_likeliest: LeadLr {
                        lr: Some(lr),
                        log10_lr: (lr > 0.0).then(|| lr.log10()),
                        match_probability: Some(p),
                        method: method.to_string(),
                        database: Some(id),
                    },
                    lrs,
                    likeliest: Some(best as i64),
                }
            }
            None => VolunteerLr {
                lrs: Vec::new(),
                likeliest: None,
                at_likeliest: LeadLr::new(boy, man, 1, None),
            },
        }
    }

    /// Binds the LRs (a JSON array), the likeliest meioses (flag, value),
    /// then [`LeadLr::bind`]'s values.
    fn bind<'q>(
        self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        let lrs = serde_json::to_string(&self.lrs).unwrap_or_else(|_| "[]".into());
        let q = q
            .bind(lrs)
            .bind(self.likeliest.is_some())
            .bind(self.likeliest.unwrap_or(0));
        self.at_likeliest.bind(q)
    }
}

/// The loci a boy and a man both typed that the single-step model and the
/// database's estimate cover, with the boy's match probability there and
/// its method; `None` when no locus is left.
fn lineage_loci(
    boy: &Haplotype,
    man: &Haplotype,
    db: &Database,
) -> Option<(Vec<ystr::Locus>, f64, Method)> {
    let (mut loci, mut left_out) = lineage::comparable(boy, man, rates()).ok()?;
    let e = estimate(
        &db.population,
        Some(&db.mixture),
        boy,
        Method::Disclap,
        Some(&loci),
    );
    lineage::narrow_to_estimate(&mut loci, &mut left_out, &e);
    if loci.is_empty() || e.probability <= 0.0 {
        return None;
    }
    Some((loci, e.probability, e.method))
}

/// The lineage LR of a boy against a man `meioses` from him: the
/// transmission over the loci both typed that the single-step model and the
/// database's estimate cover, over the boy's match probability there.
/// `None` when no locus is left. Returns (LR, match probability, method).
fn lineage_lr(
    boy: &Haplotype,
    man: &Haplotype,
    meioses: usize,
    db: &Database,
) -> Option<(f64, f64, Method)> {
    let (loci, p, method) = lineage_loci(boy, man, db)?;
    let (t, _) = lineage::transmission(boy, man, &loci, rates(), meioses);
    Some((t / p, p, method))
}

/// Deletes the leads of a case's references whose relationship is no longer
/// the one the lead was made for (an edit), in the caller's transaction.
pub(crate) async fn forget_changed_relationships(
    conn: &mut AnyConnection,
    case_ref: i64,
) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM lineage_leads WHERE case_ref = $1 AND relationship <> \
         (SELECT r.relationship FROM case_references r WHERE r.id = lineage_leads.reference_ref)",
    )
    .bind(case_ref)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Deletes the leads of a case (an erasure, a retention), in the caller's
/// transaction. Returns how many.
pub(crate) async fn forget_case(conn: &mut AnyConnection, case_ref: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM lineage_leads WHERE case_ref = $1")
        .bind(case_ref)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every relationship on the missing boy's paternal line has its
    /// meioses; no one else shares his Y.
    #[test]
    fn the_paternal_line_and_its_meioses() {
        use Relative::*;
        let on_the_line: Vec<(Relative, usize)> = Relative::ALL
            .into_iter()
            .filter_map(|r| Some((r, paternal_meioses(r)?)))
            .collect();
        assert_eq!(
            on_the_line,
            [
                (Father, 1),
                (FullSibling, 2),
                (PaternalHalfSibling, 2),
                (PaternalGrandfather, 2),
                (PaternalUncle, 3),
                (PaternalGreatUncle, 4),
                (PaternalFirstCousin, 4),
            ]
        );
    }
}
