//! Found children (`sample_name,found_id,sex,age_min_days,...`).

use formats::registry_csv::{Date, FoundReader, FoundRow};
use kinship::Sex;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

use super::stream::{HashedFile, text_stream};
use super::{CsvRow, ImportReport, OpenFile, Touched, date, row_error, rows_by};
use crate::store::{insert_rows, real, rows_in};
use crate::{ImportKind, Registry, RegistryError, Result};

impl CsvRow for FoundRow {
    const KIND: ImportKind = ImportKind::Found;

    type Reader<'a, 'f> = FoundReader<'a, HashedFile<'f>>;

    fn reader<'a, 'f>(
        file: &'a str,
        input: HashedFile<'f>,
        today: Date,
    ) -> Result<FoundReader<'a, HashedFile<'f>>> {
        Ok(FoundReader::new(file, input, today)?)
    }

    async fn store(
        registry: &Registry,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[FoundRow],
        report: &mut ImportReport,
        touched: &mut Touched,
    ) -> Result<()> {
        registry.store_found(tx, file, chunk, report, touched).await
    }
}

impl Registry {
    /// Imports found children from a text: [`Registry::import_found_from`] over it.
    pub async fn import_found(&self, actor: &str, file: &str, text: &str) -> Result<ImportReport> {
        self.import_found_from(actor, file, &text_stream(text))
            .await
    }

    /// Imports found children from a file opened by `open`, read twice as a
    /// stream (`Registry::import_csv`; the first reading keeps the sample
    /// names and found ids); the children added are searched in the same
    /// transaction.
    pub async fn import_found_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        self.import_csv::<FoundRow>(actor, file, open).await
    }

    /// Stores a chunk of found-child rows as [`Registry::store_cases`]
    /// stores cases: a found id registered with the same details is
    /// counted, one with other details is refused with its line, and so is
    /// a sample that is a reference's or another found child's. Four
    /// statements, whatever the chunk (the file itself has each found id and
    /// each sample once). The children added are added to `touched`.
    async fn store_found(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[FoundRow],
        report: &mut ImportReport,
        touched: &mut Touched,
    ) -> Result<()> {
        let samples: Vec<&str> = chunk.iter().map(|r| r.sample_name.as_str()).collect();
        let found_ids: Vec<&str> = chunk.iter().map(|r| r.found_id.as_str()).collect();
        let references = rows_by(&mut *tx, &samples, "sample_name", |list| {
            format!("SELECT sample_name FROM case_references WHERE sample_name IN ({list})")
        })
        .await?;
        let existing = rows_by(&mut *tx, &found_ids, "found_id", |list| {
            format!(
                "SELECT found_id, sample_name, sex, age_min_days, age_max_days, found_date, found_lat, found_lon,
                 institution, found_place, description FROM found_children WHERE found_id IN ({list})"
            )
        })
        .await?;
        let taken = rows_by(&mut *tx, &samples, "sample_name", |list| {
            format!("SELECT sample_name FROM found_children WHERE sample_name IN ({list})")
        })
        .await?;
        let sexed: Vec<(&str, usize, Sex)> = chunk
            .iter()
            .map(|r| (r.sample_name.as_str(), r.line, r.sex))
            .collect();
        super::refuse_taken_samples(&mut *tx, file, &sexed).await?;
        let mut new: Vec<&FoundRow> = Vec::new();
        for row in chunk {
            if references.contains_key(&row.sample_name) {
                return Err(row_error(
                    file,
                    row.line,
                    "sample_name",
                    format!("sample {} is already a reference's sample", row.sample_name),
                ));
            }
            if let Some(r) = existing.get(&row.found_id) {
                if !self.found_differences(row, r)?.is_empty() {
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
            if taken.contains_key(&row.sample_name) {
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
            new.push(row);
        }
        touched
            .found
            .extend(self.insert_found_rows(&mut *tx, &new).await?);
        report.added += new.len();
        Ok(())
    }

    /// Inserts a found child (a CMF file's unidentified child): its row id.
    pub(crate) async fn insert_found(
        &self,
        conn: &mut AnyConnection,
        row: &FoundRow,
    ) -> Result<i64> {
        Ok(self.insert_found_rows(conn, &[row]).await?[0])
    }

    /// Inserts found children: their row ids, in the order of `rows`.
    async fn insert_found_rows(
        &self,
        conn: &mut AnyConnection,
        rows: &[&FoundRow],
    ) -> Result<Vec<i64>> {
        let now = crate::audit::now_rfc3339();
        insert_rows(
            &mut *conn,
            "INSERT INTO found_children (found_id, sample_name, sex, age_min_days, age_max_days, found_date, found_lat, found_lon,
             institution, found_place, description, status, created_at) VALUES",
            "(?, ?, ?, ?, ?, ?, CASE WHEN ? THEN ? END, CASE WHEN ? THEN ? END, ?, ?, ?, 'unidentified', ?)",
            rows.len(),
            |q, i| {
                let row = rows[i];
                let id = &row.found_id;
                q.bind(id.clone())
                    .bind(row.sample_name.clone())
                    .bind(row.sex.name())
                    .bind(row.age_min_days.map(i64::from))
                    .bind(row.age_max_days.map(i64::from))
                    .bind(date(&row.found_date))
                    .bind(row.found_lat.is_some())
                    .bind(real(row.found_lat))
                    .bind(row.found_lon.is_some())
                    .bind(real(row.found_lon))
                    .bind(row.institution.clone())
                    .bind(self.seal("found_children", "found_place", id, row.found_place.as_deref()))
                    .bind(self.seal("found_children", "description", id, row.description.as_deref()))
                    .bind(now.clone())
            },
        )
        .await?;
        let found_ids: Vec<&str> = rows.iter().map(|r| r.found_id.as_str()).collect();
        let ids: HashMap<String, i64> = rows_in(&mut *conn, &found_ids, |list| {
            format!("SELECT found_id, id FROM found_children WHERE found_id IN ({list})")
        })
        .await?
        .iter()
        .map(|r| Ok((r.try_get("found_id")?, r.try_get("id")?)))
        .collect::<Result<_>>()?;
        found_ids
            .iter()
            .map(|f| {
                ids.get(*f).copied().ok_or_else(|| {
                    RegistryError::Damaged(format!("found child {f} was not stored"))
                })
            })
            .collect()
    }
}
