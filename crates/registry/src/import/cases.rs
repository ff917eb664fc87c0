//! Missing-child cases (`case_id,child_name,child_sex,...`).

use formats::registry_csv::{CaseReader, CaseRow, Date};
use sqlx::AnyConnection;

use super::stream::{HashedFile, text_stream};
use super::{CsvRow, ImportReport, OpenFile, Touched, date, row_error, rows_by};
use crate::store::{insert_rows, real};
use crate::{ImportKind, Registry, Result};

impl CsvRow for CaseRow {
    const KIND: ImportKind = ImportKind::Cases;

    type Reader<'a, 'f> = CaseReader<'a, HashedFile<'f>>;

    fn reader<'a, 'f>(
        file: &'a str,
        input: HashedFile<'f>,
        today: Date,
    ) -> Result<CaseReader<'a, HashedFile<'f>>> {
        Ok(CaseReader::new(file, input, today)?)
    }

    async fn store(
        registry: &Registry,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[CaseRow],
        report: &mut ImportReport,
        _touched: &mut Touched,
    ) -> Result<()> {
        registry.store_cases(tx, file, chunk, report).await
    }
}

impl Registry {
    /// Imports missing-child cases from a text: [`Registry::import_cases_from`] over it.
    pub async fn import_cases(&self, actor: &str, file: &str, text: &str) -> Result<ImportReport> {
        self.import_cases_from(actor, file, &text_stream(text))
            .await
    }

    /// Imports missing-child cases from a file opened by `open`, read twice
    /// as a stream, never whole (`Registry::import_csv`): the first reading
    /// keeps only the case ids (to refuse a repeated one).
    pub async fn import_cases_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        self.import_csv::<CaseRow>(actor, file, open).await
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
        let existing = rows_by(&mut *tx, &ids, "case_id", |list| {
            format!(
                "SELECT case_id, child_sex, birth_from, birth_to, missing_date, missing_lat, missing_lon,
                 child_name, missing_place, description FROM cases WHERE case_id IN ({list})"
            )
        })
        .await?;
        let mut new: Vec<&CaseRow> = Vec::new();
        for row in chunk {
            let Some(r) = existing.get(&row.case_id) else {
                new.push(row);
                continue;
            };
            let id = &row.case_id;
            if !self.case_differences(row, r)?.is_empty() {
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
                    .bind(row.child_sex.name())
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
}
