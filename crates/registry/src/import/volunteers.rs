//! Clan volunteers (`sample_name,surname,ancestral_place,person_name,
//! consent_date,keep_until,known_cases`): men who give a Y sample for
//! their paternal lineage (`crate::volunteers`).

use formats::registry_csv::{Date, VolunteerReader, VolunteerRow};
use sqlx::{AnyConnection, Row};

use super::stream::{HashedFile, text_stream};
use super::{CsvRow, ImportReport, OpenFile, Touched, row_error, rows_by};
use crate::{ImportKind, Registry, Result};

impl CsvRow for VolunteerRow {
    const KIND: ImportKind = ImportKind::Volunteers;

    type Reader<'a, 'f> = VolunteerReader<'a, HashedFile<'f>>;

    fn reader<'a, 'f>(
        file: &'a str,
        input: HashedFile<'f>,
        today: Date,
    ) -> Result<VolunteerReader<'a, HashedFile<'f>>> {
        Ok(VolunteerReader::new(file, input, today)?)
    }

    async fn store(
        registry: &Registry,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[VolunteerRow],
        report: &mut ImportReport,
        touched: &mut Touched,
    ) -> Result<()> {
        registry
            .store_volunteers(tx, file, chunk, report, touched)
            .await
    }
}

impl Registry {
    /// Imports clan volunteers from a text: [`Registry::import_volunteers_from`] over it.
    pub async fn import_volunteers(
        &self,
        actor: &str,
        file: &str,
        text: &str,
    ) -> Result<ImportReport> {
        self.import_volunteers_from(actor, file, &text_stream(text))
            .await
    }

    /// Imports clan volunteers from a file opened by `open`, read twice as
    /// a stream (`Registry::import_csv`); the volunteers whose Y haplotype
    /// is already stored are searched against every found boy in the same
    /// transaction.
    pub async fn import_volunteers_from<'f>(
        &self,
        actor: &str,
        file: &str,
        open: &OpenFile<'f>,
    ) -> Result<ImportReport> {
        self.import_csv::<VolunteerRow>(actor, file, open).await
    }

    /// Stores a chunk of volunteer rows: a volunteer registered with the
    /// same details is counted, one with other details is refused with its
    /// line, and so is a sample that is a reference's or a found child's,
    /// or a known case that is not registered. The volunteers added are
    /// added to `touched`.
    async fn store_volunteers(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &[VolunteerRow],
        report: &mut ImportReport,
        touched: &mut Touched,
    ) -> Result<()> {
        let samples: Vec<&str> = chunk.iter().map(|r| r.sample_name.as_str()).collect();
        let others = rows_by(&mut *tx, &samples, "sample_name", |list| {
            format!(
                "SELECT sample_name, 'a reference' AS whose FROM case_references WHERE sample_name IN ({list}) \
                 UNION ALL SELECT sample_name, 'a found child' AS whose FROM found_children WHERE sample_name IN ({list})"
            )
        })
        .await?;
        let existing = rows_by(&mut *tx, &samples, "sample_name", |list| {
            format!(
                "SELECT id, sample_name, surname, ancestral_place, person_name, consent_date, keep_until \
                 FROM clan_volunteers WHERE sample_name IN ({list})"
            )
        })
        .await?;
        let named: Vec<&str> = chunk
            .iter()
            .flat_map(|r| r.known_cases.iter().map(String::as_str))
            .collect();
        let cases = rows_by(&mut *tx, &named, "case_id", |list| {
            format!("SELECT case_id, id FROM cases WHERE case_id IN ({list})")
        })
        .await?;
        let now = crate::audit::now_rfc3339();
        for row in chunk {
            let sample = &row.sample_name;
            if let Some(r) = others.get(sample) {
                let whose: String = r.try_get("whose")?;
                return Err(row_error(
                    file,
                    row.line,
                    "sample_name",
                    format!("sample {sample} is already {whose}'s sample"),
                ));
            }
            let mut case_refs = Vec::with_capacity(row.known_cases.len());
            for id in &row.known_cases {
                let case = cases.get(id).ok_or_else(|| {
                    row_error(
                        file,
                        row.line,
                        "known_cases",
                        format!("no case {id} is registered; import the case first"),
                    )
                })?;
                case_refs.push(case.try_get::<i64, _>("id")?);
            }
            if let Some(r) = existing.get(sample) {
                if !self.same_volunteer(row, r, &mut *tx).await? {
                    return Err(row_error(
                        file,
                        row.line,
                        "sample_name",
                        format!(
                            "sample {sample} is already registered as a clan volunteer with different details"
                        ),
                    ));
                }
                report.unchanged += 1;
                continue;
            }
            let seal =
                |column: &str, v: Option<&str>| self.seal("clan_volunteers", column, sample, v);
            let id: i64 = sqlx::query(
                "INSERT INTO clan_volunteers (sample_name, surname, ancestral_place, person_name, consent_date, keep_until, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(sample)
            .bind(seal("surname", Some(&row.surname)))
            .bind(seal("ancestral_place", Some(&row.ancestral_place)))
            .bind(seal("person_name", row.person_name.as_deref()))
            .bind(row.consent_date.to_string())
            .bind(row.keep_until.to_string())
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            for case_ref in case_refs {
                sqlx::query(
                    "INSERT INTO volunteer_cases (volunteer_ref, case_ref) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(case_ref)
                .execute(&mut *tx)
                .await?;
            }
            touched.volunteers.push(id);
            report.added += 1;
        }
        Ok(())
    }

    /// Whether a stored volunteer has the row's details (its known cases
    /// included).
    async fn same_volunteer(
        &self,
        row: &VolunteerRow,
        stored: &sqlx::any::AnyRow,
        tx: &mut AnyConnection,
    ) -> Result<bool> {
        let sample = &row.sample_name;
        let open = |column: &str| {
            self.open_field(
                "clan_volunteers",
                column,
                sample,
                stored.try_get(column).ok().flatten(),
            )
        };
        let mut known: Vec<String> = sqlx::query(
            "SELECT c.case_id FROM volunteer_cases v JOIN cases c ON c.id = v.case_ref \
             WHERE v.volunteer_ref = $1",
        )
        .bind(stored.try_get::<i64, _>("id")?)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("case_id"))
        .collect::<std::result::Result<_, _>>()?;
        known.sort();
        let mut given = row.known_cases.clone();
        given.sort();
        Ok(open("surname")?.as_deref() == Some(row.surname.as_str())
            && open("ancestral_place")?.as_deref() == Some(row.ancestral_place.as_str())
            && open("person_name")? == row.person_name
            && stored.try_get::<String, _>("consent_date")? == row.consent_date.to_string()
            && stored.try_get::<String, _>("keep_until")? == row.keep_until.to_string()
            && known == given)
    }
}
