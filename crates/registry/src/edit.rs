//! Changing one registered case, found child or reference (the web
//! application's edit forms). The new details come as the kind's CSV file
//! of one row and are read by the kind's reader, so an edit passes the same
//! checks as an import and a refusal names the field. In one transaction:
//! the stored row updated (names and places encrypted as at import), its
//! search terms written again, the family's pedigree checked, the index
//! brought in step and what the change touches searched again (the case's
//! family and facts, or the child's facts), and one audit entry naming the
//! fields changed, never their values. A row's key (the case id, the found
//! id, the sample name) and the links a profile or a family hangs on (a
//! found child's sample, a reference's case) cannot change here.

use formats::registry_csv::{CaseRow, Date, FoundRow, ReferenceRow};
use kinship::{Reference, Relative, Sex, case_pedigree};
use sqlx::{AnyConnection, Row};

use crate::import::{date, row_error};
use crate::store::{Event, append_audit, real, rows_in};
use crate::{Registry, RegistryError, Result};

/// What an edit changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditReport {
    /// The CSV columns whose values changed, in the file's order; none when
    /// the form held what was stored (nothing is written then).
    pub changed: Vec<&'static str>,
    /// Candidates the search stored after the change.
    pub new_candidates: usize,
}

/// The one row of an edit's file.
fn one<T>(file: &str, rows: Vec<T>) -> Result<T> {
    let n = rows.len();
    let mut rows = rows.into_iter();
    match (rows.next(), rows.next()) {
        (Some(row), None) => Ok(row),
        _ => Err(RegistryError::Invalid(format!(
            "{file}: an edit changes one row; the file has {n}"
        ))),
    }
}

/// The names of the columns whose (stored, new) values differ.
fn differing(pairs: &[(&'static str, bool)]) -> Vec<&'static str> {
    pairs
        .iter()
        .filter(|(_, same)| !same)
        .map(|(name, _)| *name)
        .collect()
}

/// The references of a case, as the pedigree check reads them.
async fn family(conn: &mut AnyConnection, case_ref: i64) -> Result<Vec<Reference>> {
    rows_in(&mut *conn, &[case_ref], |list| {
        format!(
            "SELECT sample_name, relationship, sex FROM case_references
             WHERE case_ref IN ({list}) ORDER BY id"
        )
    })
    .await?
    .iter()
    .map(|r| {
        Ok(Reference {
            id: r.try_get("sample_name")?,
            relative: r
                .try_get::<String, _>("relationship")?
                .parse::<Relative>()
                .map_err(RegistryError::Damaged)?,
            sex: Sex::named(&r.try_get::<String, _>("sex")?),
        })
    })
    .collect()
}

impl Registry {
    /// Changes a registered case's details to those of the one row of
    /// `text` (a cases file). See the module documentation.
    pub async fn edit_case(&self, actor: &str, file: &str, text: &str) -> Result<EditReport> {
        let row: CaseRow = one(
            file,
            formats::registry_csv::parse_cases(file, text, Date::today_utc())?,
        )?;
        let id = &row.case_id;
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let stored = sqlx::query(
            "SELECT id, child_sex, birth_from, birth_to, missing_date, missing_lat, missing_lon,
             child_name, missing_place, description FROM cases WHERE case_id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            row_error(
                file,
                row.line,
                "case_id",
                format!("no case {id} is registered"),
            )
        })?;
        let case_ref: i64 = stored.try_get("id")?;
        let s = &stored;
        let changed = self.case_differences(&row, s)?;
        if changed.is_empty() {
            return Ok(EditReport::default());
        }
        // The child's sex places it in its family's pedigree.
        if let Err(e) = case_pedigree(row.child_sex, &family(&mut tx, case_ref).await?) {
            return Err(row_error(
                file,
                row.line,
                "child_sex",
                format!("case {id}: {e}"),
            ));
        }
        sqlx::query(
            "UPDATE cases SET child_sex = $1, birth_from = $2, birth_to = $3, missing_date = $4,
             missing_lat = CASE WHEN $5 THEN $6 END, missing_lon = CASE WHEN $7 THEN $8 END,
             child_name = $9, missing_place = $10, description = $11 WHERE id = $12",
        )
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
        .bind(case_ref)
        .execute(&mut *tx)
        .await?;
        self.finish_edit(tx, actor, ("case", id), changed, &[case_ref], &[])
            .await
    }

    /// Changes a registered found child's details to those of the one row
    /// of `text` (a found-children file); its sample stays the one its
    /// profile is typed under.
    pub async fn edit_found(&self, actor: &str, file: &str, text: &str) -> Result<EditReport> {
        let row: FoundRow = one(
            file,
            formats::registry_csv::parse_found(file, text, Date::today_utc())?,
        )?;
        let id = &row.found_id;
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let stored = sqlx::query(
            "SELECT id, sample_name, sex, age_min_days, age_max_days, found_date, found_lat, found_lon,
             institution, found_place, description FROM found_children WHERE found_id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            row_error(
                file,
                row.line,
                "found_id",
                format!("no found child {id} is registered"),
            )
        })?;
        let found_ref: i64 = stored.try_get("id")?;
        let s = &stored;
        let sample: String = s.try_get("sample_name")?;
        if sample != row.sample_name {
            return Err(row_error(
                file,
                row.line,
                "sample_name",
                format!(
                    "found child {id}'s sample is {sample}; a sample cannot change (its profile is typed under it)"
                ),
            ));
        }
        let days = |v: Option<u32>| v.map(i64::from);
        let changed = self.found_differences(&row, s)?;
        if changed.is_empty() {
            return Ok(EditReport::default());
        }
        if row.sex == Sex::Female {
            let female = [(sample.as_str(), row.line)];
            crate::y_haplotypes::refuse_female_with_y(&mut tx, &female, |line, why| {
                row_error(file, line, "sex", why)
            })
            .await?;
        }
        sqlx::query(
            "UPDATE found_children SET sex = $1, age_min_days = $2, age_max_days = $3, found_date = $4,
             found_lat = CASE WHEN $5 THEN $6 END, found_lon = CASE WHEN $7 THEN $8 END,
             institution = $9, found_place = $10, description = $11 WHERE id = $12",
        )
        .bind(row.sex.name())
        .bind(days(row.age_min_days))
        .bind(days(row.age_max_days))
        .bind(date(&row.found_date))
        .bind(row.found_lat.is_some())
        .bind(real(row.found_lat))
        .bind(row.found_lon.is_some())
        .bind(real(row.found_lon))
        .bind(row.institution.clone())
        .bind(self.seal("found_children", "found_place", id, row.found_place.as_deref()))
        .bind(self.seal("found_children", "description", id, row.description.as_deref()))
        .bind(found_ref)
        .execute(&mut *tx)
        .await?;
        self.finish_edit(tx, actor, ("found_child", id), changed, &[], &[found_ref])
            .await
    }

    /// Changes a registered reference's relationship, name or sex to those
    /// of the one row of `text` (a references file); it stays in its case.
    pub async fn edit_reference(&self, actor: &str, file: &str, text: &str) -> Result<EditReport> {
        let row: ReferenceRow = one(file, formats::registry_csv::parse_references(file, text)?)?;
        let sample = &row.sample_name;
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let stored = sqlx::query(
            "SELECT r.case_ref, r.relationship, r.sex, r.person_name, c.case_id, c.child_sex
             FROM case_references r JOIN cases c ON c.id = r.case_ref WHERE r.sample_name = $1",
        )
        .bind(sample)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| {
            row_error(
                file,
                row.line,
                "sample_name",
                format!("no reference {sample} is registered"),
            )
        })?;
        let s = &stored;
        let case_ref: i64 = s.try_get("case_ref")?;
        let case_id: String = s.try_get("case_id")?;
        if case_id != row.case_id {
            return Err(row_error(
                file,
                row.line,
                "case_id",
                format!(
                    "reference {sample} belongs to case {case_id}; a reference cannot move to another case"
                ),
            ));
        }
        let changed = self.reference_differences(&row, s)?;
        if changed.is_empty() {
            return Ok(EditReport::default());
        }
        if row.sex == Sex::Female {
            let female = [(sample.as_str(), row.line)];
            crate::y_haplotypes::refuse_female_with_y(&mut tx, &female, |line, why| {
                row_error(file, line, "sex", why)
            })
            .await?;
        }
        // The family with this reference as it is now must still make a
        // pedigree.
        let mut refs = family(&mut tx, case_ref).await?;
        for r in refs.iter_mut().filter(|r| &r.id == sample) {
            r.relative = row.relationship;
            r.sex = row.sex;
        }
        let child_sex = Sex::named(&s.try_get::<String, _>("child_sex")?);
        if let Err(e) = case_pedigree(child_sex, &refs) {
            return Err(row_error(
                file,
                row.line,
                "relationship",
                format!("case {case_id}: {e}"),
            ));
        }
        sqlx::query(
            "UPDATE case_references SET relationship = $1, sex = $2, person_name = $3 WHERE sample_name = $4",
        )
        .bind(row.relationship.name())
        .bind(row.sex.name())
        .bind(self.seal("case_references", "person_name", sample, row.person_name.as_deref()))
        .bind(sample)
        .execute(&mut *tx)
        .await?;
        self.finish_edit(tx, actor, ("reference", sample), changed, &[case_ref], &[])
            .await
    }

    /// The rest of an edit, in its transaction: the audit entry, the
    /// search terms of what changed, the search again, the commit.
    async fn finish_edit(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Any>,
        actor: &str,
        (target_type, target_id): (&str, &str),
        changed: Vec<&'static str>,
        cases: &[i64],
        found: &[i64],
    ) -> Result<EditReport> {
        append_audit(
            &mut tx,
            self.backend,
            Event {
                actor,
                action: &format!("{target_type}.edit"),
                target_type,
                target_id,
                detail: format!("changed: {}", changed.join(", ")),
            },
        )
        .await?;
        let key = self.search_key();
        self.index_cases(&mut tx, &key, cases).await?;
        self.index_found(&mut tx, &key, found).await?;
        let (new_candidates, index) = self.rematch_in(&mut tx, actor, cases, found).await?;
        // A reference whose relationship changed keeps no lead made for the
        // old one; the search below makes those of the new.
        for &c in cases {
            crate::lineage::forget_changed_relationships(&mut tx, c).await?;
        }
        let searched = crate::lineage::LineageChanged {
            cases,
            found,
            volunteers: &[],
        };
        let (_, lineage) = self.lineage_search_in(&mut tx, actor, searched).await?;
        tx.commit().await?;
        index.committed();
        lineage.committed();
        Ok(EditReport {
            changed,
            new_candidates,
        })
    }
}

impl Registry {
    /// The columns of a cases file whose values in `row` differ from the
    /// stored case `s` (its natural key `row.case_id`): an edit's changes,
    /// and an import's test of "already registered with the same details".
    pub(crate) fn case_differences(
        &self,
        row: &CaseRow,
        s: &sqlx::any::AnyRow,
    ) -> Result<Vec<&'static str>> {
        let id = &row.case_id;
        Ok(differing(&[
            (
                "child_name",
                self.open_column("cases", "child_name", id, s)? == row.child_name,
            ),
            (
                "child_sex",
                s.try_get::<String, _>("child_sex")? == row.child_sex.name(),
            ),
            (
                "child_birth_date_from",
                s.try_get::<Option<String>, _>("birth_from")? == date(&row.birth_from),
            ),
            (
                "child_birth_date_to",
                s.try_get::<Option<String>, _>("birth_to")? == date(&row.birth_to),
            ),
            (
                "missing_date",
                s.try_get::<Option<String>, _>("missing_date")? == date(&row.missing_date),
            ),
            (
                "missing_place",
                self.open_column("cases", "missing_place", id, s)? == row.missing_place,
            ),
            (
                "missing_lat",
                s.try_get::<Option<f64>, _>("missing_lat")? == row.missing_lat,
            ),
            (
                "missing_lon",
                s.try_get::<Option<f64>, _>("missing_lon")? == row.missing_lon,
            ),
            (
                "description",
                self.open_column("cases", "description", id, s)? == row.description,
            ),
        ]))
    }

    /// The columns of a found-children file whose values in `row` differ
    /// from the stored found child `s` (its sample included).
    pub(crate) fn found_differences(
        &self,
        row: &FoundRow,
        s: &sqlx::any::AnyRow,
    ) -> Result<Vec<&'static str>> {
        let id = &row.found_id;
        let days = |v: Option<u32>| v.map(i64::from);
        Ok(differing(&[
            (
                "sample_name",
                s.try_get::<String, _>("sample_name")? == row.sample_name,
            ),
            ("sex", s.try_get::<String, _>("sex")? == row.sex.name()),
            (
                "age_min_days",
                s.try_get::<Option<i64>, _>("age_min_days")? == days(row.age_min_days),
            ),
            (
                "age_max_days",
                s.try_get::<Option<i64>, _>("age_max_days")? == days(row.age_max_days),
            ),
            (
                "found_date",
                s.try_get::<Option<String>, _>("found_date")? == date(&row.found_date),
            ),
            (
                "found_place",
                self.open_column("found_children", "found_place", id, s)? == row.found_place,
            ),
            (
                "found_lat",
                s.try_get::<Option<f64>, _>("found_lat")? == row.found_lat,
            ),
            (
                "found_lon",
                s.try_get::<Option<f64>, _>("found_lon")? == row.found_lon,
            ),
            (
                "institution",
                s.try_get::<Option<String>, _>("institution")? == row.institution,
            ),
            (
                "description",
                self.open_column("found_children", "description", id, s)? == row.description,
            ),
        ]))
    }

    /// The columns of a references file whose values in `row` differ from
    /// the stored reference `s` (its case compared by the caller).
    pub(crate) fn reference_differences(
        &self,
        row: &ReferenceRow,
        s: &sqlx::any::AnyRow,
    ) -> Result<Vec<&'static str>> {
        let sample = &row.sample_name;
        Ok(differing(&[
            (
                "relationship",
                s.try_get::<String, _>("relationship")? == row.relationship.name(),
            ),
            (
                "person_name",
                self.open_column("case_references", "person_name", sample, s)? == row.person_name,
            ),
            ("sex", s.try_get::<String, _>("sex")? == row.sex.name()),
        ]))
    }
}
