//! The relatives of cases who gave DNA (`sample_name,case_id,relationship,person_name,sex`).

use formats::registry_csv::{Date, ReferenceReader, ReferenceRow};
use kinship::{Reference, Relative, Sex, case_pedigree};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

use super::stream::{HashedFile, text_stream};
use super::{CsvRow, ImportReport, OpenFile, Touched, row_error, rows_by};
use crate::store::{insert_rows, rows_in};
use crate::{ImportKind, Registry, RegistryError, Result};

impl CsvRow for ReferenceRow {
    const KIND: ImportKind = ImportKind::References;

    type Reader<'a, 'f> = ReferenceReader<'a, HashedFile<'f>>;

    fn reader<'a, 'f>(
        file: &'a str,
        input: HashedFile<'f>,
        _today: Date,
    ) -> Result<ReferenceReader<'a, HashedFile<'f>>> {
        Ok(ReferenceReader::new(file, input)?)
    }

    async fn store(
        registry: &Registry,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[ReferenceRow],
        report: &mut ImportReport,
        touched: &mut Touched,
    ) -> Result<()> {
        registry
            .store_references(tx, file, chunk, report, touched)
            .await
    }
}

impl Registry {
    /// Imports references from a text: [`Registry::import_references_from`] over it.
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
    /// stream (`Registry::import_csv`; the first reading keeps the sample
    /// names and each case's unique relationships); the families they change
    /// are searched in the same transaction.
    pub async fn import_references_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        self.import_csv::<ReferenceRow>(actor, file, open).await
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
        touched: &mut Touched,
    ) -> Result<()> {
        let case_ids: Vec<&str> = chunk.iter().map(|r| r.case_id.as_str()).collect();
        let cases = rows_by(&mut *tx, &case_ids, "case_id", |list| {
            format!("SELECT case_id, id, child_sex FROM cases WHERE case_id IN ({list})")
        })
        .await?;
        let samples: Vec<&str> = chunk.iter().map(|r| r.sample_name.as_str()).collect();
        let found = rows_by(&mut *tx, &samples, "sample_name", |list| {
            format!("SELECT sample_name FROM found_children WHERE sample_name IN ({list})")
        })
        .await?;
        let existing = rows_by(&mut *tx, &samples, "sample_name", |list| {
            format!(
                "SELECT sample_name, case_ref, relationship, sex, person_name
                     FROM case_references WHERE sample_name IN ({list})"
            )
        })
        .await?;
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
        let sexed: Vec<(&str, usize, Sex)> = chunk
            .iter()
            .map(|r| (r.sample_name.as_str(), r.line, r.sex))
            .collect();
        super::refuse_taken_samples(&mut *tx, file, &sexed).await?;
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
                    && self.reference_differences(row, r)?.is_empty();
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
            touched.cases.push(case_ref);
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
                    .bind(row.sex.name())
                    .bind(self.seal("case_references", "person_name", sample, row.person_name.as_deref()))
                    .bind(now.clone())
            },
        )
        .await
    }
}
