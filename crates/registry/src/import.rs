//! Imports: frequency databases, cases, references, found children and lab
//! profiles. Each file is read and checked whole first, then stored in one
//! transaction, a chunk of rows at a time ([`IMPORT_CHUNK`]), together with the search of what it adds and the candidates
//! found (so a crash leaves neither rows without their candidates nor
//! candidates without their rows): a bad row and nothing of the file is stored. A row already
//! stored with the same content is skipped, so a file imported twice adds
//! nothing the second time; a row whose key is taken by different content is
//! refused with its line.

use formats::registry_csv::{
    CaseReader, CaseRow, Date, FoundReader, FoundRow, ReferenceReader, ReferenceRow,
};
use std::io::{BufReader, Read};

use formats::genotypes::{GenotypeReader, ReadError, Samples};
use formats::{FormatError, Location};
use kinship::{Reference, Relative, Sex, case_pedigree};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

use crate::store::{Event, append_audit, insert_rows, real, rows_in};
use crate::stored::{StoredMarker, StoredProfile};
use crate::{ImportKind, Registry, RegistryError, Result};

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

fn sex_name(s: Sex) -> &'static str {
    s.name()
}

fn date(d: &Option<Date>) -> Option<String> {
    d.as_ref().map(|d| d.to_string())
}

/// Refuses an import option (a lab, a kit, a database name or population)
/// with a control character: a NUL cannot be stored in a PostgreSQL text
/// column, and none belongs in these names. Found by the fuzz tests.
fn option_text(what: &str, value: Option<&str>) -> Result<()> {
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

    /// Imports a frequency database (Familias list format or long CSV). It
    /// becomes the active one when `activate` is set or none is active.
    pub async fn import_frequencies(
        &self,
        actor: &str,
        file: &str,
        text: &str,
        name: Option<&str>,
        population: Option<&str>,
        activate: bool,
    ) -> Result<ImportReport> {
        option_text("name", name)?;
        option_text("population", population)?;
        let db = formats::frequencies::parse_frequencies(file, text, population)?;
        if db.markers().len() > search::MAX_MARKERS {
            return Err(RegistryError::Invalid(format!(
                "{file}: {} markers; the registry uses at most {}",
                db.markers().len(),
                search::MAX_MARKERS
            )));
        }
        let name = name.map(str::to_string).unwrap_or_else(|| {
            let stem = std::path::Path::new(file)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("frequencies");
            match population {
                Some(p) => format!("{stem}-{p}"),
                None => stem.to_string(),
            }
        });
        let content: Vec<StoredMarker> = db
            .markers()
            .iter()
            .map(|m| StoredMarker {
                name: m.name().to_string(),
                alleles: m.alleles().iter().map(|a| a.to_string()).collect(),
                frequencies: m.frequencies().to_vec(),
            })
            .collect();
        let content =
            serde_json::to_string(&content).map_err(|e| RegistryError::Damaged(e.to_string()))?;
        let sha = sha256_hex(&content);
        // The number of people behind a long CSV table, for the NRC II minimum frequency.
        let sample_size =
            formats::frequencies::sample_size(text, population).and_then(|n| i64::try_from(n).ok());
        let mut report = ImportReport::new(ImportKind::Frequencies, file, db.markers().len());
        {
            let _guard = self.write.lock().await;
            let mut tx = self.begin_write().await?;
            let latest = sqlx::query("SELECT id, version, sha256, active FROM frequency_dbs WHERE name = $1 ORDER BY version DESC LIMIT 1")
                .bind(&name)
                .fetch_optional(&mut *tx)
                .await?;
            let any_active: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM frequency_dbs WHERE active = 1")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
            let (id, version) = match &latest {
                Some(r) if r.try_get::<String, _>("sha256")? == sha => {
                    report.unchanged = report.rows;
                    report.notes.push(format!(
                        "frequency database {name} v{} already holds this table",
                        r.try_get::<i64, _>("version")?
                    ));
                    (r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("version")?)
                }
                _ => {
                    let version = latest
                        .as_ref()
                        .map(|r| r.try_get::<i64, _>("version"))
                        .transpose()?
                        .unwrap_or(0)
                        + 1;
                    let id: i64 = sqlx::query(
                        "INSERT INTO frequency_dbs (name, version, population, source_file, sha256, sample_size, content, active, imported_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id",
                    )
                    .bind(&name)
                    .bind(version)
                    .bind(population)
                    .bind(file)
                    .bind(&sha)
                    .bind(sample_size)
                    .bind(&content)
                    .bind(crate::audit::now_rfc3339())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    report.added = report.rows;
                    report.notes.push(format!(
                        "frequency database {name} v{version} stored ({} markers)",
                        report.rows
                    ));
                    (id, version)
                }
            };
            if activate || any_active == 0 {
                sqlx::query("UPDATE frequency_dbs SET active = 0 WHERE active = 1")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE frequency_dbs SET active = 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                report.notes.push(format!(
                    "{name} v{version} is the active frequency database"
                ));
            }
            self.record_import(
                &mut tx,
                actor,
                ImportKind::Frequencies,
                file,
                &sha,
                report.added,
            )
            .await?;
            // A new active database: every pair is scored again, in the same transaction.
            let state = if activate || any_active == 0 {
                let (cases, found) = all_ids(&mut tx).await?;
                let (n, state) = self.rematch_in(&mut tx, actor, &cases, &found).await?;
                report.new_candidates = n;
                report.tell_same_dna(&state.same_dna);
                Some(state)
            } else {
                None
            };
            tx.commit().await?;
            if let Some(state) = state {
                state.committed();
            }
        }
        Ok(report)
    }
}

/// Every case and found child (row ids).
async fn all_ids(conn: &mut AnyConnection) -> Result<(Vec<i64>, Vec<i64>)> {
    let cases = sqlx::query("SELECT id FROM cases")
        .fetch_all(&mut *conn)
        .await?;
    let found = sqlx::query("SELECT id FROM found_children")
        .fetch_all(&mut *conn)
        .await?;
    Ok((
        cases
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?,
        found
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?,
    ))
}

impl Registry {
    /// Imports missing-child cases (`case_id,child_name,child_sex,...`) from
    /// a text: [`Registry::import_cases_from`] over it.
    pub async fn import_cases(&self, actor: &str, file: &str, text: &str) -> Result<ImportReport> {
        self.import_cases_from(actor, file, &text_stream(text))
            .await
    }

    /// Imports missing-child cases from a file opened by `open`, read twice
    /// as a stream, never whole: first every row checked and counted and the
    /// file hashed, keeping only the case ids (to refuse a repeated one); then
    /// read again and stored a chunk at a time in the import's one transaction. A
    /// file that changed between the two readings is refused and nothing is
    /// stored.
    pub async fn import_cases_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        let today = Date::today_utc();
        let reader = || -> Result<CaseReader<'_, HashedFile<'f>>> {
            Ok(CaseReader::new(file, hashed(file, open)?, today)?)
        };
        let (total, sha) = first_reading(reader()?)?;
        let mut report = ImportReport::new(ImportKind::Cases, file, total);
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let mut rows = reader()?;
        let mut k = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        while next_chunk(|| Ok(rows.next_row()?), &mut chunk, &mut k, total, file)? {
            self.store_cases(&mut tx, file, &chunk, &mut report).await?;
        }
        if k != total || rows.finish() != sha {
            return Err(file_changed(file));
        }
        self.record_import(&mut tx, actor, ImportKind::Cases, file, &sha, report.added)
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Stores a chunk of case rows: those already registered with the same
    /// details are counted, one with other details is refused with its
    /// line, the others are inserted. Three statements, whatever the chunk.
    async fn store_cases(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[CaseRow],
        report: &mut ImportReport,
    ) -> Result<()> {
        let ids: Vec<&str> = chunk.iter().map(|r| r.case_id.as_str()).collect();
        let existing = by_key(
            rows_in(&mut *tx, &ids, |list| {
                format!(
                    "SELECT case_id, child_sex, birth_from, birth_to, missing_date, missing_lat, missing_lon,
                     child_name, missing_place, description FROM cases WHERE case_id IN ({list})"
                )
            })
            .await?,
            "case_id",
        )?;
        let mut new: Vec<&CaseRow> = Vec::new();
        for row in chunk {
            let Some(r) = existing.get(&row.case_id) else {
                new.push(row);
                continue;
            };
            let id = &row.case_id;
            let same = r.try_get::<String, _>("child_sex")? == sex_name(row.child_sex)
                && r.try_get::<Option<String>, _>("birth_from")? == date(&row.birth_from)
                && r.try_get::<Option<String>, _>("birth_to")? == date(&row.birth_to)
                && r.try_get::<Option<String>, _>("missing_date")? == date(&row.missing_date)
                && r.try_get::<Option<f64>, _>("missing_lat")? == row.missing_lat
                && r.try_get::<Option<f64>, _>("missing_lon")? == row.missing_lon
                && self.open_column("cases", "child_name", id, r)? == row.child_name
                && self.open_column("cases", "missing_place", id, r)? == row.missing_place
                && self.open_column("cases", "description", id, r)? == row.description;
            if !same {
                return Err(row_error(
                    file,
                    row.line,
                    "case_id",
                    format!(
                        "case {id} is already registered with different details; change it through the case page, not a re-import"
                    ),
                ));
            }
            report.unchanged += 1;
        }
        let now = crate::audit::now_rfc3339();
        insert_rows(
            &mut *tx,
            "INSERT INTO cases (case_id, child_sex, birth_from, birth_to, missing_date, missing_lat, missing_lon,
             child_name, missing_place, description, status, public_alert, created_at) VALUES",
            "(?, ?, ?, ?, ?, CASE WHEN ? THEN ? END, CASE WHEN ? THEN ? END, ?, ?, ?, 'open', 0, ?)",
            new.len(),
            |q, i| {
                let row = new[i];
                let id = &row.case_id;
                q.bind(id.clone())
                    .bind(sex_name(row.child_sex))
                    .bind(date(&row.birth_from))
                    .bind(date(&row.birth_to))
                    .bind(date(&row.missing_date))
                    .bind(row.missing_lat.is_some())
                    .bind(real(row.missing_lat))
                    .bind(row.missing_lon.is_some())
                    .bind(real(row.missing_lon))
                    .bind(self.seal("cases", "child_name", id, row.child_name.as_deref()))
                    .bind(self.seal("cases", "missing_place", id, row.missing_place.as_deref()))
                    .bind(self.seal("cases", "description", id, row.description.as_deref()))
                    .bind(now.clone())
            },
        )
        .await?;
        report.added += new.len();
        Ok(())
    }

    /// Imports references (`sample_name,case_id,relationship,person_name,sex`)
    /// from a text: [`Registry::import_references_from`] over it.
    pub async fn import_references(
        &self,
        actor: &str,
        file: &str,
        text: &str,
    ) -> Result<ImportReport> {
        self.import_references_from(actor, file, &text_stream(text))
            .await
    }

    /// Imports references from a file opened by `open`, read twice as a
    /// stream as [`Registry::import_cases_from`] reads cases (the first
    /// reading keeps the sample names and each case's unique relationships);
    /// the families they change are searched in the same transaction.
    pub async fn import_references_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        let reader = || -> Result<ReferenceReader<'_, HashedFile<'f>>> {
            Ok(ReferenceReader::new(file, hashed(file, open)?)?)
        };
        let (total, sha) = first_reading(reader()?)?;
        let mut report = ImportReport::new(ImportKind::References, file, total);
        let mut touched = Vec::new();
        {
            let _guard = self.write.lock().await;
            let mut tx = self.begin_write().await?;
            let mut rows = reader()?;
            let mut k = 0;
            let mut chunk = Vec::with_capacity(CHUNK);
            while next_chunk(|| Ok(rows.next_row()?), &mut chunk, &mut k, total, file)? {
                self.store_references(&mut tx, file, &chunk, &mut report, &mut touched)
                    .await?;
            }
            if k != total || rows.finish() != sha {
                return Err(file_changed(file));
            }
            self.record_import(
                &mut tx,
                actor,
                ImportKind::References,
                file,
                &sha,
                report.added,
            )
            .await?;
            touched.sort_unstable();
            touched.dedup();
            let (n, state) = self.rematch_in(&mut tx, actor, &touched, &[]).await?;
            report.new_candidates = n;
            report.tell_same_dna(&state.same_dna);
            tx.commit().await?;
            state.committed();
        }
        Ok(report)
    }

    /// Stores a chunk of reference rows as [`Registry::store_cases`] stores
    /// cases: each row's case must be registered, its sample must not be a
    /// found child's, and its family must still make a pedigree with it
    /// (the references stored before it, in the registry or earlier in the
    /// file, included). The cases given references are added to `touched`.
    async fn store_references(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[ReferenceRow],
        report: &mut ImportReport,
        touched: &mut Vec<i64>,
    ) -> Result<()> {
        let case_ids: Vec<&str> = chunk.iter().map(|r| r.case_id.as_str()).collect();
        let cases = by_key(
            rows_in(&mut *tx, &case_ids, |list| {
                format!("SELECT case_id, id, child_sex FROM cases WHERE case_id IN ({list})")
            })
            .await?,
            "case_id",
        )?;
        let samples: Vec<&str> = chunk.iter().map(|r| r.sample_name.as_str()).collect();
        let found = by_key(
            rows_in(&mut *tx, &samples, |list| {
                format!("SELECT sample_name FROM found_children WHERE sample_name IN ({list})")
            })
            .await?,
            "sample_name",
        )?;
        let existing = by_key(
            rows_in(&mut *tx, &samples, |list| {
                format!(
                    "SELECT sample_name, case_ref, relationship, sex, person_name
                     FROM case_references WHERE sample_name IN ({list})"
                )
            })
            .await?,
            "sample_name",
        )?;
        let case_refs: Vec<i64> = cases
            .values()
            .map(|r| r.try_get::<i64, _>("id"))
            .collect::<std::result::Result<_, _>>()?;
        let mut families: HashMap<i64, Vec<Reference>> = HashMap::new();
        for r in rows_in(&mut *tx, &case_refs, |list| {
            format!(
                "SELECT case_ref, sample_name, relationship, sex FROM case_references
                 WHERE case_ref IN ({list}) ORDER BY id"
            )
        })
        .await?
        {
            families
                .entry(r.try_get("case_ref")?)
                .or_default()
                .push(Reference {
                    id: r.try_get("sample_name")?,
                    relative: r
                        .try_get::<String, _>("relationship")?
                        .parse::<Relative>()
                        .map_err(RegistryError::Damaged)?,
                    sex: Sex::named(&r.try_get::<String, _>("sex")?),
                });
        }
        let mut new: Vec<(&ReferenceRow, i64)> = Vec::new();
        for row in chunk {
            let case = cases.get(&row.case_id).ok_or_else(|| {
                row_error(
                    file,
                    row.line,
                    "case_id",
                    format!(
                        "no case {} is registered; import the case first",
                        row.case_id
                    ),
                )
            })?;
            let case_ref: i64 = case.try_get("id")?;
            let child_sex = Sex::named(&case.try_get::<String, _>("child_sex")?);
            if found.contains_key(&row.sample_name) {
                return Err(row_error(
                    file,
                    row.line,
                    "sample_name",
                    format!(
                        "sample {} is already a found child's sample",
                        row.sample_name
                    ),
                ));
            }
            if let Some(r) = existing.get(&row.sample_name) {
                let same = r.try_get::<i64, _>("case_ref")? == case_ref
                    && r.try_get::<String, _>("relationship")? == row.relationship.name()
                    && r.try_get::<String, _>("sex")? == sex_name(row.sex)
                    && self.open_column("case_references", "person_name", &row.sample_name, r)?
                        == row.person_name;
                if !same {
                    return Err(row_error(
                        file,
                        row.line,
                        "sample_name",
                        format!(
                            "sample {} is already registered as a reference with different details",
                            row.sample_name
                        ),
                    ));
                }
                report.unchanged += 1;
                continue;
            }
            // The family must still make a pedigree.
            let refs = families.entry(case_ref).or_default();
            refs.push(Reference {
                id: row.sample_name.clone(),
                relative: row.relationship,
                sex: row.sex,
            });
            if let Err(e) = case_pedigree(child_sex, refs) {
                return Err(row_error(
                    file,
                    row.line,
                    "relationship",
                    format!("case {}: {e}", row.case_id),
                ));
            }
            new.push((row, case_ref));
            touched.push(case_ref);
        }
        self.insert_references(&mut *tx, &new).await?;
        report.added += new.len();
        Ok(())
    }

    /// Inserts references, each with its case's row id.
    pub(crate) async fn insert_references(
        &self,
        conn: &mut AnyConnection,
        rows: &[(&ReferenceRow, i64)],
    ) -> Result<()> {
        let now = crate::audit::now_rfc3339();
        insert_rows(
            conn,
            "INSERT INTO case_references (sample_name, case_ref, relationship, sex, person_name, created_at) VALUES",
            "(?, ?, ?, ?, ?, ?)",
            rows.len(),
            |q, i| {
                let (row, case_ref) = rows[i];
                let sample = &row.sample_name;
                q.bind(sample.clone())
                    .bind(case_ref)
                    .bind(row.relationship.name())
                    .bind(sex_name(row.sex))
                    .bind(self.seal("case_references", "person_name", sample, row.person_name.as_deref()))
                    .bind(now.clone())
            },
        )
        .await
    }

    /// Imports found children (`sample_name,found_id,sex,age_min_days,...`)
    /// from a text: [`Registry::import_found_from`] over it.
    pub async fn import_found(&self, actor: &str, file: &str, text: &str) -> Result<ImportReport> {
        self.import_found_from(actor, file, &text_stream(text))
            .await
    }

    /// Imports found children from a file opened by `open`, read twice as a
    /// stream as [`Registry::import_cases_from`] reads cases (the first
    /// reading keeps the sample names and found ids); the children added are
    /// searched in the same transaction.
    pub async fn import_found_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        let today = Date::today_utc();
        let reader = || -> Result<FoundReader<'_, HashedFile<'f>>> {
            Ok(FoundReader::new(file, hashed(file, open)?, today)?)
        };
        let (total, sha) = first_reading(reader()?)?;
        let mut report = ImportReport::new(ImportKind::Found, file, total);
        let mut touched = Vec::new();
        {
            let _guard = self.write.lock().await;
            let mut tx = self.begin_write().await?;
            let mut rows = reader()?;
            let mut k = 0;
            while let Some(row) = rows.next_row()? {
                k += 1;
                if k > total {
                    return Err(file_changed(file));
                }
                let row = &row;
                if sample_taken(&mut tx, Sample::Reference, &row.sample_name).await? {
                    return Err(row_error(
                        file,
                        row.line,
                        "sample_name",
                        format!("sample {} is already a reference's sample", row.sample_name),
                    ));
                }
                let existing = sqlx::query(
                    "SELECT sample_name, sex, age_min_days, age_max_days, found_date, found_lat, found_lon, institution, found_place, description
                     FROM found_children WHERE found_id = $1",
                )
                .bind(&row.found_id)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(r) = existing {
                    let same = r.try_get::<String, _>("sample_name")? == row.sample_name
                        && r.try_get::<String, _>("sex")? == sex_name(row.sex)
                        && r.try_get::<Option<i64>, _>("age_min_days")?
                            == row.age_min_days.map(i64::from)
                        && r.try_get::<Option<i64>, _>("age_max_days")?
                            == row.age_max_days.map(i64::from)
                        && r.try_get::<Option<String>, _>("found_date")? == date(&row.found_date)
                        && r.try_get::<Option<f64>, _>("found_lat")? == row.found_lat
                        && r.try_get::<Option<f64>, _>("found_lon")? == row.found_lon
                        && r.try_get::<Option<String>, _>("institution")? == row.institution
                        && self.open_column("found_children", "found_place", &row.found_id, &r)?
                            == row.found_place
                        && self.open_column("found_children", "description", &row.found_id, &r)?
                            == row.description;
                    if !same {
                        return Err(row_error(
                            file,
                            row.line,
                            "found_id",
                            format!(
                                "found child {} is already registered with different details",
                                row.found_id
                            ),
                        ));
                    }
                    report.unchanged += 1;
                    continue;
                }
                if sample_taken(&mut tx, Sample::Found, &row.sample_name).await? {
                    return Err(row_error(
                        file,
                        row.line,
                        "sample_name",
                        format!(
                            "sample {} already belongs to another found child",
                            row.sample_name
                        ),
                    ));
                }
                let id = self.insert_found(&mut tx, row).await?;
                report.added += 1;
                touched.push(id);
            }
            if k != total || rows.finish() != sha {
                return Err(file_changed(file));
            }
            self.record_import(&mut tx, actor, ImportKind::Found, file, &sha, report.added)
                .await?;
            let (n, state) = self.rematch_in(&mut tx, actor, &[], &touched).await?;
            report.new_candidates = n;
            report.tell_same_dna(&state.same_dna);
            tx.commit().await?;
            state.committed();
        }
        Ok(report)
    }

    pub(crate) async fn insert_found(
        &self,
        conn: &mut AnyConnection,
        row: &FoundRow,
    ) -> Result<i64> {
        let id = &row.found_id;
        Ok(sqlx::query(
            "INSERT INTO found_children (found_id, sample_name, sex, age_min_days, age_max_days, found_date, found_lat, found_lon,
             institution, found_place, description, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $13 THEN $7 END, CASE WHEN $14 THEN $8 END, $9, $10, $11, 'unidentified', $12)
             RETURNING id",
        )
        .bind(id)
        .bind(&row.sample_name)
        .bind(sex_name(row.sex))
        .bind(row.age_min_days.map(i64::from))
        .bind(row.age_max_days.map(i64::from))
        .bind(date(&row.found_date))
        .bind(real(row.found_lat))
        .bind(real(row.found_lon))
        .bind(&row.institution)
        .bind(self.seal("found_children", "found_place", id, row.found_place.as_deref()))
        .bind(self.seal("found_children", "description", id, row.description.as_deref()))
        .bind(crate::audit::now_rfc3339())
        .bind(row.found_lat.is_some())
        .bind(row.found_lon.is_some())
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?)
    }

    /// Imports lab profiles (a GeneMapper ID-X genotype table, or long/wide CSV).
    /// `progress` is told how many samples are stored so far.
    pub async fn import_profiles(
        &self,
        actor: &str,
        file: &str,
        text: &str,
        lab: Option<&str>,
        kit: Option<&str>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<ImportReport> {
        let stages = |stage: ImportStage| {
            if let ImportStage::Storing { done, total } = stage {
                progress(done, total);
            }
        };
        self.import_profiles_in_stages(actor, file, text, lab, kit, &stages)
            .await
    }

    /// [`Registry::import_profiles`], telling `stages` every [`ImportStage`] it reaches.
    pub async fn import_profiles_in_stages(
        &self,
        actor: &str,
        file: &str,
        text: &str,
        lab: Option<&str>,
        kit: Option<&str>,
        stages: &(dyn Fn(ImportStage) + Sync),
    ) -> Result<ImportReport> {
        self.import_profiles_from(actor, file, &text_stream(text), lab, kit, stages)
            .await
    }

    /// Imports lab profiles from a file opened by `open`, which is read
    /// twice as a stream, never whole: first checked (nothing kept but a
    /// count and a hash per sample name; [`ImportStage::Checked`]), then read
    /// again and stored a chunk of profiles at a time in the import's one transaction,
    /// hashed (SHA-256, recorded with the import) as it is read. Memory is
    /// a chunk of profiles and the search index, whatever the size of the file (a
    /// file whose samples' rows are apart is read keeping every sample, as
    /// before). A file that changed between the two readings is refused and
    /// nothing is stored.
    pub async fn import_profiles_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
        lab: Option<&str>,
        kit: Option<&str>,
        stages: &(dyn Fn(ImportStage) + Sync),
    ) -> Result<ImportReport> {
        option_text("lab", lab)?;
        option_text("kit", kit)?;
        // Markers of the active frequency database are known besides the
        // built-in vocabulary.
        let known = self.active_marker_names().await?;
        let reader = |samples: Samples| -> Result<GenotypeReader<'_, HashedFile<'f>>> {
            GenotypeReader::new(file, hashed(file, open)?, &known, samples)
                .map_err(|e| read_error(file, e))
        };
        // First reading: the whole file checked, nothing kept.
        let mut samples = Samples::Together;
        let total = 'checked: loop {
            let mut r = reader(samples)?;
            let mut n = 0;
            loop {
                match r.next_profile() {
                    Ok(Some(_)) => n += 1,
                    Ok(None) => break 'checked n,
                    Err(ReadError::NotTogether { .. }) if samples == Samples::Together => {
                        samples = Samples::Anywhere;
                        continue 'checked;
                    }
                    Err(e) => return Err(read_error(file, e)),
                }
            }
        };
        stages(ImportStage::Checked { rows: total });
        let mut report = ImportReport::new(ImportKind::Profiles, file, total);
        let mut cases = Vec::new();
        let mut found = Vec::new();
        let mut unlinked = 0;
        {
            let _guard = self.write.lock().await;
            let mut tx = self.begin_write().await?;
            // Second reading: stored as read, a chunk at a time.
            let mut profiles = reader(samples)?;
            let mut k = 0;
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut next = || profiles.next_profile().map_err(|e| changed(file, e));
            while next_chunk(&mut next, &mut chunk, &mut k, total, file)? {
                let added = self
                    .store_profiles(&mut tx, file, &chunk, lab, kit, &mut report)
                    .await?;
                let samples: Vec<&str> = added.iter().map(|p| p.sample.as_str()).collect();
                let as_ref = by_key(
                    rows_in(&mut tx, &samples, |list| {
                        format!("SELECT sample_name, case_ref FROM case_references WHERE sample_name IN ({list})")
                    })
                    .await?,
                    "sample_name",
                )?;
                let as_found = by_key(
                    rows_in(&mut tx, &samples, |list| {
                        format!("SELECT sample_name, id FROM found_children WHERE sample_name IN ({list})")
                    })
                    .await?,
                    "sample_name",
                )?;
                for sample in samples {
                    match (as_ref.get(sample), as_found.get(sample)) {
                        (Some(r), _) => cases.push(r.try_get::<i64, _>("case_ref")?),
                        (None, Some(f)) => found.push(f.try_get::<i64, _>("id")?),
                        (None, None) => unlinked += 1,
                    }
                }
                // Each row of the chunk is written now: told row by row, so
                // that a progress shown every tenth of the rows passes each.
                for done in k + 1 - chunk.len()..=k {
                    stages(ImportStage::Storing { done, total });
                }
            }
            if k != total {
                return Err(changed(file, ReadError::NotTogether { line: 0 }));
            }
            let sha = profiles.into_inner().into_inner().finish();
            stages(ImportStage::Stored {
                added: report.added,
            });
            self.record_import(
                &mut tx,
                actor,
                ImportKind::Profiles,
                file,
                &sha,
                report.added,
            )
            .await?;
            cases.sort_unstable();
            cases.dedup();
            stages(ImportStage::Searching {
                cases: cases.len(),
                found: found.len(),
            });
            let (n, state) = self.rematch_in(&mut tx, actor, &cases, &found).await?;
            report.new_candidates = n;
            report.tell_same_dna(&state.same_dna);
            stages(ImportStage::Searched { new_candidates: n });
            stages(ImportStage::Committing);
            tx.commit().await?;
            state.committed();
            stages(ImportStage::Committed);
        }
        if unlinked > 0 {
            report.notes.push(format!(
                "{unlinked} profiles belong to no reference or found child yet; they are matched once those are registered"
            ));
        }
        Ok(report)
    }
}

/// Opens a file to read it once more from its start: a stream of its bytes.
/// A streaming import ([`Registry::import_profiles_from`],
/// [`Registry::import_cases_from`], ...) calls it twice, to check the file
/// and then to store it.
pub type OpenFile<'f> = dyn Fn() -> std::io::Result<Box<dyn Read + Send + 'f>> + Sync + 'f;

/// A text as a file opened again at every call.
fn text_stream<'t>(
    text: &'t str,
) -> impl Fn() -> std::io::Result<Box<dyn Read + Send + 't>> + Sync + 't {
    move || Ok(Box::new(text.as_bytes()))
}

/// A file opened by `open`, hashed as it is read.
type HashedFile<'f> = BufReader<Hashing<'f>>;

fn hashed<'f>(file: &str, open: &OpenFile<'f>) -> Result<HashedFile<'f>> {
    let inner =
        open().map_err(|e| FormatError::whole(file, format!("cannot read the file: {e}")))?;
    Ok(BufReader::with_capacity(1 << 16, Hashing::new(inner)))
}

/// A registry CSV file read row by row through [`Hashing`].
trait HashedRows {
    type Row;
    fn next_row(&mut self) -> std::result::Result<Option<Self::Row>, FormatError>;
    /// The SHA-256 of what was read (the whole file once every row is read).
    fn finish(self) -> String;
}

macro_rules! hashed_rows {
    ($reader:ident, $row:ty) => {
        impl<'f> HashedRows for $reader<'_, HashedFile<'f>> {
            type Row = $row;
            fn next_row(&mut self) -> std::result::Result<Option<$row>, FormatError> {
                $reader::next_row(self)
            }
            fn finish(self) -> String {
                self.into_inner().into_inner().finish()
            }
        }
    };
}
hashed_rows!(CaseReader, CaseRow);
hashed_rows!(ReferenceReader, ReferenceRow);
hashed_rows!(FoundReader, FoundRow);

/// Rows (samples of a genotype table) stored at a time in the second
/// reading: what the registry holds of them is read by one statement per
/// table and the new ones are written by one, so the database is handed a
/// few statements per chunk, not a few per row. A refused row refuses the
/// whole file all the same.
pub const IMPORT_CHUNK: usize = 500;
const CHUNK: usize = IMPORT_CHUNK;

/// The next rows of the second reading, at most [`CHUNK`], into `chunk`;
/// `false` at the end. `k` counts the rows read; more than the first
/// reading's `total` means the file changed.
fn next_chunk<T>(
    mut next: impl FnMut() -> Result<Option<T>>,
    chunk: &mut Vec<T>,
    k: &mut usize,
    total: usize,
    file: &str,
) -> Result<bool> {
    chunk.clear();
    while chunk.len() < CHUNK {
        let Some(row) = next()? else { break };
        *k += 1;
        if *k > total {
            return Err(file_changed(file));
        }
        chunk.push(row);
    }
    Ok(!chunk.is_empty())
}

/// Rows by the text of their column `key`.
fn by_key(rows: Vec<AnyRow>, key: &str) -> Result<HashMap<String, AnyRow>> {
    rows.into_iter()
        .map(|r| Ok((r.try_get::<String, _>(key)?, r)))
        .collect()
}

/// The first reading of a CSV file: every row checked, nothing kept but the
/// count and the file's SHA-256.
fn first_reading<R: HashedRows>(mut rows: R) -> Result<(usize, String)> {
    let mut n = 0;
    while rows.next_row()?.is_some() {
        n += 1;
    }
    Ok((n, rows.finish()))
}

/// The second reading of a file did not give what the first checked.
fn file_changed(file: &str) -> RegistryError {
    changed(file, ReadError::NotTogether { line: 0 })
}

/// A reading error of a genotype file as the registry's.
fn read_error(file: &str, e: ReadError) -> RegistryError {
    match e {
        ReadError::Format(e) => RegistryError::Format(e),
        ReadError::NotTogether { line } => RegistryError::Format(FormatError::new(
            file,
            Location::line(line),
            "a sample's rows are apart; the file must be read keeping every sample",
        )),
    }
}

/// The second reading of a file did not give what the first checked.
fn changed(file: &str, e: ReadError) -> RegistryError {
    match e {
        ReadError::Format(e) => RegistryError::Format(e),
        ReadError::NotTogether { .. } => RegistryError::Invalid(format!(
            "{file}: the file changed while it was imported; nothing was stored"
        )),
    }
}

/// A stream that hashes (SHA-256) what is read through it.
pub(crate) struct Hashing<'a> {
    inner: Box<dyn Read + Send + 'a>,
    hasher: Sha256,
}

impl<'a> Hashing<'a> {
    pub(crate) fn new(inner: Box<dyn Read + Send + 'a>) -> Hashing<'a> {
        Hashing {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// The hash of what was read, in hex.
    pub(crate) fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
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

impl Registry {
    /// The marker names of the active frequency database (none without one).
    async fn active_marker_names(&self) -> Result<Vec<String>> {
        let row = sqlx::query(
            "SELECT content FROM frequency_dbs WHERE active = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Vec::new());
        };
        let content: String = row.try_get("content")?;
        let markers: Vec<crate::stored::StoredMarker> =
            serde_json::from_str(&content).map_err(|e| {
                RegistryError::Damaged(format!("stored frequency database is damaged: {e}"))
            })?;
        Ok(markers.into_iter().map(|m| m.name).collect())
    }
}

/// What [`Registry::store_profile`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    Added,
    /// The sample already held this very profile.
    Unchanged,
    /// The sample already holds another profile: nothing was written.
    Different,
}

/// A profile as stored: its sex and its genotypes' allele names.
fn stored_profile(sex: Option<Sex>, markers: &[(String, kinship::Genotype)]) -> StoredProfile {
    StoredProfile {
        sex: sex.map(|s| s.name().to_string()),
        markers: markers
            .iter()
            .map(|(m, g)| (m.as_str().into(), g.first(), g.second()))
            .collect(),
    }
}

impl Registry {
    /// Stores a sample's profile (genotypes sealed), unless the sample has
    /// one already: then says whether it is the same. The importers of single
    /// specimens (CMF) go through here, the genotype tables through
    /// [`Registry::store_profiles`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_profile(
        &self,
        tx: &mut AnyConnection,
        sample: &str,
        sex: Option<kinship::Sex>,
        markers: &[(String, kinship::Genotype)],
        lab: Option<&str>,
        kit: Option<&str>,
        file: &str,
    ) -> Result<Stored> {
        let stored = stored_profile(sex, markers);
        let existing = sqlx::query("SELECT genotypes FROM profiles WHERE sample_name = $1")
            .bind(sample)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(r) = existing {
            return self.compare_stored(sample, r.try_get("genotypes")?, &stored);
        }
        self.insert_profiles(&mut *tx, &[(sample, stored)], lab, kit, file)
            .await?;
        Ok(Stored::Added)
    }

    /// Whether the sealed profile a sample holds is `stored`.
    fn compare_stored(
        &self,
        sample: &str,
        sealed: Option<Vec<u8>>,
        stored: &StoredProfile,
    ) -> Result<Stored> {
        let old = self
            .open_field("profiles", "genotypes", sample, sealed)?
            .unwrap_or_default();
        let old: Option<StoredProfile> = serde_json::from_str(&old).ok();
        Ok(if old.as_ref() == Some(stored) {
            Stored::Unchanged
        } else {
            Stored::Different
        })
    }

    /// Stores a chunk of a genotype table's profiles as
    /// [`Registry::store_profile`] stores one: a sample holding the same
    /// profile is counted, one holding another is refused with its line.
    /// Returns the profiles added.
    async fn store_profiles<'c>(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &'c [formats::genotypes::Profile],
        lab: Option<&str>,
        kit: Option<&str>,
        report: &mut ImportReport,
    ) -> Result<Vec<&'c formats::genotypes::Profile>> {
        let samples: Vec<&str> = chunk.iter().map(|p| p.sample.as_str()).collect();
        let existing = by_key(
            rows_in(&mut *tx, &samples, |list| {
                format!("SELECT sample_name, genotypes FROM profiles WHERE sample_name IN ({list})")
            })
            .await?,
            "sample_name",
        )?;
        let mut added = Vec::new();
        let mut new = Vec::new();
        for p in chunk {
            let stored = stored_profile(p.sex, &p.markers);
            let Some(r) = existing.get(&p.sample) else {
                added.push(p);
                new.push((p.sample.as_str(), stored));
                continue;
            };
            match self.compare_stored(&p.sample, r.try_get("genotypes")?, &stored)? {
                Stored::Unchanged | Stored::Added => report.unchanged += 1,
                Stored::Different => {
                    return Err(row_error(
                        file,
                        p.line,
                        "Sample Name",
                        format!(
                            "sample {} already has a different profile; a re-typing needs its own sample name",
                            p.sample
                        ),
                    ));
                }
            }
        }
        self.insert_profiles(&mut *tx, &new, lab, kit, file).await?;
        report.added += new.len();
        Ok(added)
    }

    /// Inserts profiles, their genotypes sealed.
    async fn insert_profiles(
        &self,
        conn: &mut AnyConnection,
        profiles: &[(&str, StoredProfile)],
        lab: Option<&str>,
        kit: Option<&str>,
        file: &str,
    ) -> Result<()> {
        let sealed = profiles
            .iter()
            .map(|(sample, stored)| {
                let json = serde_json::to_string(stored)
                    .map_err(|e| RegistryError::Damaged(e.to_string()))?;
                Ok(self.seal("profiles", "genotypes", sample, Some(&json)))
            })
            .collect::<Result<Vec<_>>>()?;
        let now = crate::audit::now_rfc3339();
        insert_rows(
            conn,
            "INSERT INTO profiles (sample_name, lab, kit, typed_at, source_file, genotypes, created_at) VALUES",
            "(?, ?, ?, ?, ?, ?, ?)",
            profiles.len(),
            |q, i| {
                q.bind(profiles[i].0.to_string())
                    .bind(lab.map(str::to_string))
                    .bind(kit.map(str::to_string))
                    .bind(None::<String>)
                    .bind(file.to_string())
                    .bind(sealed[i].clone())
                    .bind(now.clone())
            },
        )
        .await
    }
}
