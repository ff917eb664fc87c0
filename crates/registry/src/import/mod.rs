//! Imports: frequency databases (`frequencies.rs`), population Y-STR
//! haplotype databases (`haplotypes.rs`), cases (`cases.rs`),
//! references (`references.rs`), found children (`found.rs`), lab profiles
//! (`profiles.rs`), CODIS CMF files (`cmf.rs`) and clan volunteers
//! (`volunteers.rs`). Each file is read and
//! checked whole first, then stored in one transaction, a chunk of rows at a
//! time ([`IMPORT_CHUNK`]), together with the search of what it adds and the
//! candidates found (so a crash leaves neither rows without their candidates
//! nor candidates without their rows): a bad row and nothing of the file is
//! stored. A row already stored with the same content is skipped, so a file
//! imported twice adds nothing the second time; a row whose key is taken by
//! different content is refused with its line. The three registry CSV kinds
//! share one skeleton, [`Registry::import_csv`]; the files are read as
//! streams (`stream.rs`).

mod cases;
pub(crate) mod cmf;
mod found;
mod frequencies;
mod haplotypes;
mod profiles;
mod references;
mod stream;
mod versioned;
mod volunteers;

pub use haplotypes::{HaplotypeDb, StoredMixture};
pub(crate) use profiles::Stored;
pub use stream::{IMPORT_CHUNK, OpenFile};

use formats::registry_csv::Date;
use formats::{FormatError, Location};
use kinship::Sex;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

use crate::store::{Event, append_audit, rows_in};
use crate::{ImportKind, Registry, RegistryError, Result};
use stream::{CHUNK, HashedFile, HashedRows, file_changed, first_reading, hashed, next_chunk};

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub file: String,
    /// Rows (or samples, or markers) in the file.
    pub rows: usize,
    /// Rows stored now.
    pub added: usize,
    /// Rows already stored with the same content.
    pub unchanged: usize,
    /// New candidates found by searching what was added.
    pub new_candidates: usize,
    /// Things the importer should know (never personal data).
    pub notes: Vec<String>,
    /// New paternal-line leads (`lineage.rs`).
    pub new_leads: usize,
    /// Profiles added that have the same DNA as another one (already
    /// registered, or in the same import): also told in `notes`.
    pub same_dna: Vec<crate::SameDnaPair>,
}

impl ImportReport {
    /// The report of an import of `rows` rows of a file, before anything is
    /// stored.
    pub fn new(kind: ImportKind, file: impl Into<String>, rows: usize) -> ImportReport {
        ImportReport {
            kind,
            file: file.into(),
            rows,
            added: 0,
            unchanged: 0,
            new_candidates: 0,
            new_leads: 0,
            notes: Vec::new(),
            same_dna: Vec::new(),
        }
    }

    /// Takes the pairs of profiles with the same DNA an import flagged,
    /// each also as a note in words.
    pub(crate) fn tell_same_dna(&mut self, pairs: &[crate::SameDnaPair]) {
        self.notes
            .extend(pairs.iter().map(crate::SameDnaPair::words));
        self.same_dna.extend(pairs.iter().cloned());
    }
}

/// Where an import of lab files stands, told as it goes so a long import can
/// say where it is. Counts only: never a name, a sample or a genotype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    /// The file was read and checked whole: this many rows (samples, specimens).
    Checked { rows: usize },
    /// Rows written so far in the import's one transaction (not committed).
    Storing { done: usize, total: usize },
    /// Every row of the file is written, not yet committed: this many added.
    Stored { added: usize },
    /// The search of what was added begins (same transaction): these cases and found children.
    Searching { cases: usize, found: usize },
    /// The search is done: this many new candidates written (not committed).
    Searched { new_candidates: usize },
    /// The transaction commits: rows, candidates and audit entries at once.
    Committing,
    /// Committed.
    Committed,
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub(crate) fn date(d: &Option<Date>) -> Option<String> {
    d.as_ref().map(|d| d.to_string())
}

/// Refuses an import option (a lab, a kit, a database name or population)
/// with a control character: a NUL cannot be stored in a PostgreSQL text
/// column, and none belongs in these names. Found by the fuzz tests.
pub(super) fn option_text(what: &str, value: Option<&str>) -> Result<()> {
    if let Some(bad) = value.and_then(|v| v.chars().find(|c| c.is_control())) {
        return Err(RegistryError::Invalid(format!(
            "the {what} has the control character U+{:04X}; not allowed",
            u32::from(bad)
        )));
    }
    Ok(())
}

pub(crate) fn row_error(
    file: &str,
    line: usize,
    field: &str,
    reason: impl Into<String>,
) -> RegistryError {
    RegistryError::Format(FormatError::new(
        file,
        Location::line_field(line, field),
        reason,
    ))
}

impl Registry {
    pub(crate) async fn record_import(
        &self,
        conn: &mut AnyConnection,
        actor: &str,
        kind: ImportKind,
        file: &str,
        sha: &str,
        added: usize,
    ) -> Result<()> {
        // The names and places of the rows this import added are found by
        // search once it commits.
        self.catch_up_terms(&mut *conn).await?;
        sqlx::query("INSERT INTO imports (kind, file_name, sha256, rows_added, actor, imported_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(kind.name())
            .bind(file)
            .bind(sha)
            .bind(added as i64)
            .bind(actor)
            .bind(crate::audit::now_rfc3339())
            .execute(&mut *conn)
            .await?;
        append_audit(
            conn,
            self.backend,
            Event {
                actor,
                action: &format!("import.{kind}"),
                target_type: "file",
                target_id: sha,
                detail: format!("{added} rows added"),
            },
        )
        .await
    }
}

/// Who a sample name may already belong to.
#[derive(Clone, Copy)]
pub(crate) enum Sample {
    Reference,
    Found,
}

/// Whether a reference (or a found child) already has this sample name.
pub(crate) async fn sample_taken(
    conn: &mut AnyConnection,
    who: Sample,
    sample: &str,
) -> Result<bool> {
    let query = match who {
        Sample::Reference => "SELECT id FROM case_references WHERE sample_name = $1",
        Sample::Found => "SELECT id FROM found_children WHERE sample_name = $1",
    };
    Ok(sqlx::query(query)
        .bind(sample)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

/// The rows `sql` selects for an `IN` list of `values` (as [`rows_in`]),
/// by the text of their column `key`.
async fn rows_by<'a, T>(
    conn: &mut AnyConnection,
    values: &'a [T],
    key: &str,
    sql: impl Fn(&str) -> String,
) -> Result<HashMap<String, AnyRow>>
where
    T: sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any> + Sync + 'a,
{
    rows_in(conn, values, sql)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get::<String, _>(key)?, r)))
        .collect()
}

/// Refuses a chunk of a file's rows (sample, line, sex) whose sample a clan
/// volunteer already gave, or that is female while a lab file gave its
/// sample a Y haplotype: the found-children and references imports.
async fn refuse_taken_samples(
    conn: &mut AnyConnection,
    file: &str,
    rows: &[(&str, usize, Sex)],
) -> Result<()> {
    let lines: Vec<(&str, usize)> = rows.iter().map(|&(s, line, _)| (s, line)).collect();
    crate::volunteers::refuse_volunteer_samples(&mut *conn, &lines, |line, why| {
        row_error(file, line, "sample_name", why)
    })
    .await?;
    let female: Vec<(&str, usize)> = rows
        .iter()
        .filter(|r| r.2 == Sex::Female)
        .map(|&(s, line, _)| (s, line))
        .collect();
    crate::y_haplotypes::refuse_female_with_y(conn, &female, |line, why| {
        row_error(file, line, "sex", why)
    })
    .await
}

/// What the rows stored so far changed that the import searches: the cases
/// given references and the found children added (row ids).
#[derive(Default)]
pub(super) struct Touched {
    pub(super) cases: Vec<i64>,
    pub(super) found: Vec<i64>,
    /// Clan volunteers added, or given their Y haplotype.
    pub(super) volunteers: Vec<i64>,
}

/// A row of a registry CSV file, as [`Registry::import_csv`] reads and
/// stores it.
trait CsvRow: Sized {
    const KIND: ImportKind;
    /// The kind's reader over a file hashed as it is read.
    type Reader<'a, 'f>: HashedRows<Row = Self>;
    /// Reads `input` as the kind's file `file`; `today` for the dates that
    /// cannot be in the future.
    fn reader<'a, 'f>(
        file: &'a str,
        input: HashedFile<'f>,
        today: Date,
    ) -> Result<Self::Reader<'a, 'f>>;
    /// Stores a chunk of rows: those already stored with the same content
    /// are counted, one whose key is taken by other content is refused with
    /// its line, the others are inserted and added to the report and, when
    /// searched, to `touched`.
    async fn store(
        registry: &Registry,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[Self],
        report: &mut ImportReport,
        touched: &mut Touched,
    ) -> Result<()>;
}

impl Registry {
    /// The one shape of a registry CSV import (cases, references, found
    /// children), from a file opened by `open`, read twice as a stream,
    /// never whole. The first reading checks every row and hashes the file,
    /// keeping nothing but what the reader keeps to refuse a repeated id.
    /// The second, under the write lock and in one transaction, stores the
    /// rows a chunk at a time ([`IMPORT_CHUNK`] rows) by the kind's
    /// [`CsvRow::store`]. A file that changed between the two readings is
    /// refused; the import is recorded and audited, what changed is searched
    /// (not for cases: a case is searched once it has references) and
    /// everything commits at once.
    async fn import_csv<'f, T: CsvRow>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        let kind = T::KIND;
        let today = Date::today_utc();
        let reader = || T::reader(file, hashed(file, open)?, today);
        let (total, sha) = first_reading(reader()?)?;
        let mut report = ImportReport::new(kind, file, total);
        let mut touched = Touched::default();
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let mut rows = reader()?;
        let mut k = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        while next_chunk(|| Ok(rows.next_row()?), &mut chunk, &mut k, total, file)? {
            T::store(self, &mut tx, file, &chunk, &mut report, &mut touched).await?;
        }
        if k != total || rows.finish() != sha {
            return Err(file_changed(file));
        }
        if kind == ImportKind::Cases {
            self.record_import(&mut tx, actor, kind, file, &sha, report.added)
                .await?;
            tx.commit().await?;
            return Ok(report);
        }
        self.record_search_commit(tx, actor, (kind, file, &sha), touched, &mut report, &|_| {})
            .await?;
        Ok(report)
    }

    /// The end of an import that changes what is searched, in its one
    /// transaction: the import recorded and audited, the cases and found
    /// children it changed searched and their candidates counted in the
    /// report, the commit, the new index state live after it; `stages` is
    /// told each step.
    async fn record_search_commit(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        actor: &str,
        (kind, file, sha): (ImportKind, &str, &str),
        mut touched: Touched,
        report: &mut ImportReport,
        stages: &(dyn Fn(ImportStage) + Sync),
    ) -> Result<()> {
        stages(ImportStage::Stored {
            added: report.added,
        });
        self.record_import(&mut tx, actor, kind, file, sha, report.added)
            .await?;
        touched.cases.sort_unstable();
        touched.cases.dedup();
        stages(ImportStage::Searching {
            cases: touched.cases.len(),
            found: touched.found.len(),
        });
        let (n, state) = self
            .rematch_in(&mut tx, actor, &touched.cases, &touched.found)
            .await?;
        report.new_candidates = n;
        report.tell_same_dna(&state.same_dna);
        let (leads, lineage) = self
            .lineage_search_in(
                &mut tx,
                actor,
                crate::lineage::LineageChanged {
                    cases: &touched.cases,
                    found: &touched.found,
                    volunteers: &touched.volunteers,
                },
            )
            .await?;
        report.new_leads = leads;
        if leads > 0 {
            report
                .notes
                .push(format!("{leads} new paternal-line leads (Y-STR)"));
        }
        stages(ImportStage::Searched { new_candidates: n });
        stages(ImportStage::Committing);
        tx.commit().await?;
        state.committed();
        lineage.committed();
        stages(ImportStage::Committed);
        Ok(())
    }
}
