//! Imports of CODIS CMF files (`formats::cmf`): each specimen becomes a
//! reference of a missing-child case or a found child, with its profile, all
//! in one transaction with the matching that follows.
//!
//! - A relative's specimen (`Biological Mother`, `Biological Father`,
//!   `Alleged Mother`, `Alleged Father`, `Biological Sibling`, `Maternal
//!   Relative`, `Paternal Relative`) needs a `CASEID` naming a case already
//!   registered (`reunite import cases`): a CMF file does not carry the missing
//!   child's details. A new reference gets the relationship of its category;
//!   `Maternal Relative` and `Paternal Relative` do not say which relative, so
//!   such a reference must have been registered before with its exact
//!   relationship (`reunite import references`), and the file brings its
//!   profile. A reference registered before must belong to the same case and
//!   have a relationship the category allows.
//! - An unidentified person's specimen becomes a found child whose found id
//!   and sample name are the `SPECIMENID`; its other details (age, date and
//!   place found) are left for the case worker.
//! - The sex comes from Amelogenin; for a new reference without it, from the
//!   relationship. A sex that contradicts the category or what is registered
//!   is refused.
//! - The profile is stored under the `SPECIMENID`, with the header's
//!   `SOURCELAB` as the lab and `KIT` as the kit; its Y loci, if any, as the
//!   sample's Y haplotype (refused on a woman, as a lab file's are; a
//!   specimen of Y loci only adds no autosomal profile), and its boys and
//!   men are searched for paternal-line leads. `SPECIMENCOMMENT` is not
//!   stored (it may hold personal details the registry does not need).
//!
//! A specimen whose category cannot be placed (`Biological Child`, `Spouse`,
//! `Missing Person`, casework categories) refuses the whole file, with the
//! specimen, its line and the reason. A file imported twice adds nothing.

use formats::cmf::{Specimen, SpecimenRole, parse_cmf, specimen_role};
use formats::registry_csv::{FoundRow, ReferenceRow};
use kinship::{Reference, Relative, Sex, case_pedigree};
use sqlx::{AnyConnection, Row};

use crate::import::Stored;
use crate::import::{
    ImportReport, ImportStage, Sample, Touched, row_error, sample_taken, sha256_hex,
};
use crate::{ImportKind, Registry, RegistryError, Result};

/// The names of relationships, for messages.
fn names(relatives: &[Relative]) -> String {
    let names: Vec<&str> = relatives.iter().map(|r| r.name()).collect();
    names.join(", ")
}

/// What one specimen added.
#[derive(Default)]
struct Added {
    references: usize,
    found: usize,
    profiles: usize,
}

impl Registry {
    /// Imports a CODIS CMF file: references and found children with their
    /// profiles (see the module documentation). Nothing of the file is stored
    /// when any specimen is refused.
    pub async fn import_cmf(&self, actor: &str, file: &str, text: &str) -> Result<ImportReport> {
        self.import_cmf_in_stages(actor, file, text, &|_| {}).await
    }

    /// [`Registry::import_cmf`], telling `stages` every [`ImportStage`] it reaches.
    pub async fn import_cmf_in_stages(
        &self,
        actor: &str,
        file: &str,
        text: &str,
        stages: &(dyn Fn(ImportStage) + Sync),
    ) -> Result<ImportReport> {
        let cmf = parse_cmf(file, text)?;
        // Every category is placed before anything is stored.
        let mut plan: Vec<(&Specimen, SpecimenRole)> = Vec::with_capacity(cmf.specimens.len());
        for s in &cmf.specimens {
            let role = specimen_role(&s.category).map_err(|e| {
                row_error(
                    file,
                    s.line,
                    "SPECIMENCATEGORY",
                    format!("specimen {}: {e}", s.id),
                )
            })?;
            if matches!(role, SpecimenRole::Reference { .. }) && s.case_id.is_none() {
                return Err(row_error(
                    file,
                    s.line,
                    "CASEID",
                    format!(
                        "specimen {} ({}): no CASEID; a relative's specimen names the \
                         missing-child case it belongs to",
                        s.id, s.category
                    ),
                ));
            }
            plan.push((s, role));
        }
        stages(ImportStage::Checked { rows: plan.len() });
        let mut report = ImportReport::new(ImportKind::Cmf, file, plan.len());
        let lab = cmf.header.source_lab.as_deref();
        let kit = cmf.header.kit.as_deref();
        let mut added = Added::default();
        let mut cases = Vec::new();
        let mut found = Vec::new();
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let lines: Vec<(&str, usize)> = plan.iter().map(|(s, _)| (s.id.as_str(), s.line)).collect();
        crate::volunteers::refuse_volunteer_samples(&mut tx, &lines, |line, why| {
            row_error(file, line, "SPECIMENID", why)
        })
        .await?;
        let total = plan.len();
        for (k, (s, role)) in plan.iter().enumerate() {
            let before = (added.references, added.found, added.profiles);
            match *role {
                SpecimenRole::Reference { allowed, new } => {
                    let (case_ref, is_new) =
                        self.cmf_reference(&mut tx, file, s, allowed, new).await?;
                    added.references += usize::from(is_new);
                    added.profiles +=
                        usize::from(self.cmf_profile(&mut tx, file, s, lab, kit).await?);
                    if (added.references, added.profiles) != (before.0, before.2) {
                        cases.push(case_ref);
                    }
                }
                SpecimenRole::Found => {
                    let (found_ref, is_new) = self.cmf_found(&mut tx, file, s).await?;
                    added.found += usize::from(is_new);
                    added.profiles +=
                        usize::from(self.cmf_profile(&mut tx, file, s, lab, kit).await?);
                    if (added.found, added.profiles) != (before.1, before.2) {
                        found.push(found_ref);
                    }
                }
            }
            if (added.references, added.found, added.profiles) == before {
                report.unchanged += 1;
            } else {
                report.added += 1;
            }
            stages(ImportStage::Storing { done: k + 1, total });
        }
        report.notes.push(format!(
            "{} references, {} found children and {} profiles added",
            added.references, added.found, added.profiles
        ));
        self.record_search_commit(
            tx,
            actor,
            (ImportKind::Cmf, file, &sha256_hex(text)),
            Touched {
                cases,
                found,
                volunteers: Vec::new(),
            },
            &mut report,
            stages,
        )
        .await?;
        Ok(report)
    }

    /// Registers a relative's specimen as a reference of its case, or checks
    /// the reference registered before. Returns the case's row id and whether
    /// the reference is new.
    async fn cmf_reference(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        s: &Specimen,
        allowed: &[Relative],
        new: Option<Relative>,
    ) -> Result<(i64, bool)> {
        let case_id = s.case_id.as_deref().unwrap_or_default();
        let error = |field: &str, reason: String| {
            row_error(file, s.line, field, format!("specimen {}: {reason}", s.id))
        };
        let case = sqlx::query("SELECT id, child_sex FROM cases WHERE case_id = $1")
            .bind(case_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                error(
                    "CASEID",
                    format!("no case {case_id} is registered; import the case first"),
                )
            })?;
        let case_ref: i64 = case.try_get("id")?;
        let child_sex = Sex::named(&case.try_get::<String, _>("child_sex")?);
        if sample_taken(tx, Sample::Found, &s.id).await? {
            return Err(error(
                "SPECIMENID",
                "the sample is already a found child's".into(),
            ));
        }
        let existing = sqlx::query(
            "SELECT case_ref, relationship, sex FROM case_references WHERE sample_name = $1",
        )
        .bind(&s.id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(r) = existing {
            let relationship: Relative = r
                .try_get::<String, _>("relationship")?
                .parse()
                .map_err(RegistryError::Invalid)?;
            if r.try_get::<i64, _>("case_ref")? != case_ref {
                return Err(error(
                    "CASEID",
                    format!("the sample is already a reference of another case, not of {case_id}"),
                ));
            }
            if !allowed.contains(&relationship) {
                return Err(error(
                    "SPECIMENCATEGORY",
                    format!(
                        "registered as the {relationship} of case {case_id}, which the category \
                         {:?} does not allow (it allows {})",
                        s.category,
                        names(allowed)
                    ),
                ));
            }
            let registered = Sex::named(&r.try_get::<String, _>("sex")?);
            if let Some(sex) = s.sex
                && registered != Sex::Unknown
                && registered != sex
            {
                return Err(error(
                    "SPECIMEN",
                    format!(
                        "Amelogenin says {}, but the reference is registered as {}",
                        sex.name(),
                        registered.name()
                    ),
                ));
            }
            return Ok((case_ref, false));
        }
        let relationship = new.ok_or_else(|| {
            error(
                "SPECIMENCATEGORY",
                format!(
                    "the category {:?} does not say which relative ({}); register the reference \
                     with its exact relationship first (reunite import references), then import \
                     this file",
                    s.category,
                    names(allowed)
                ),
            )
        })?;
        let sex = match (s.sex, relationship.implied_sex()) {
            (Some(given), Some(implied)) if given != implied => {
                return Err(error(
                    "SPECIMEN",
                    format!(
                        "Amelogenin says {}, which contradicts the category {:?} ({relationship}, {})",
                        given.name(),
                        s.category,
                        implied.name()
                    ),
                ));
            }
            (Some(given), _) => given,
            (None, Some(implied)) => implied,
            (None, None) => Sex::Unknown,
        };
        // The family must still make a pedigree.
        let mut references: Vec<Reference> = sqlx::query(
            "SELECT sample_name, relationship, sex FROM case_references WHERE case_ref = $1",
        )
        .bind(case_ref)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| -> Result<Reference> {
            Ok(Reference {
                id: r.try_get("sample_name")?,
                relative: r
                    .try_get::<String, _>("relationship")?
                    .parse::<Relative>()
                    .map_err(RegistryError::Invalid)?,
                sex: Sex::named(&r.try_get::<String, _>("sex")?),
            })
        })
        .collect::<Result<_>>()?;
        references.push(Reference {
            id: s.id.clone(),
            relative: relationship,
            sex,
        });
        if let Err(e) = case_pedigree(child_sex, &references) {
            return Err(error("SPECIMENCATEGORY", format!("case {case_id}: {e}")));
        }
        let row = ReferenceRow {
            line: s.line,
            sample_name: s.id.clone(),
            case_id: case_id.to_string(),
            relationship,
            person_name: None,
            sex,
        };
        if sex == Sex::Female {
            crate::y_haplotypes::refuse_female_with_y(tx, &[(&s.id, s.line)], |_, why| {
                error("SPECIMENCATEGORY", why)
            })
            .await?;
        }
        self.insert_references(tx, &[(&row, case_ref)]).await?;
        Ok((case_ref, true))
    }

    /// Registers an unidentified person's specimen as a found child, or checks
    /// the one registered before. Returns its row id and whether it is new.
    async fn cmf_found(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        s: &Specimen,
    ) -> Result<(i64, bool)> {
        let error = |reason: String| {
            row_error(
                file,
                s.line,
                "SPECIMENID",
                format!("specimen {}: {reason}", s.id),
            )
        };
        if sample_taken(tx, Sample::Reference, &s.id).await? {
            return Err(error("the sample is already a reference's".into()));
        }
        let existing =
            sqlx::query("SELECT id, sample_name, sex FROM found_children WHERE found_id = $1")
                .bind(&s.id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(r) = existing {
            if r.try_get::<String, _>("sample_name")? != s.id {
                return Err(error(format!(
                    "found child {} is already registered with another sample",
                    s.id
                )));
            }
            let registered = Sex::named(&r.try_get::<String, _>("sex")?);
            if let Some(sex) = s.sex
                && registered != Sex::Unknown
                && registered != sex
            {
                return Err(error(format!(
                    "Amelogenin says {}, but the found child is registered as {}",
                    sex.name(),
                    registered.name()
                )));
            }
            return Ok((r.try_get("id")?, false));
        }
        if sample_taken(tx, Sample::Found, &s.id).await? {
            return Err(error(
                "the sample already belongs to another found child".into(),
            ));
        }
        let row = FoundRow {
            line: s.line,
            sample_name: s.id.clone(),
            found_id: s.id.clone(),
            sex: s.sex.unwrap_or(Sex::Unknown),
            age_min_days: None,
            age_max_days: None,
            found_date: None,
            found_place: None,
            found_lat: None,
            found_lon: None,
            institution: None,
            description: None,
        };
        if row.sex == Sex::Female {
            crate::y_haplotypes::refuse_female_with_y(tx, &[(&s.id, s.line)], |_, why| error(why))
                .await?;
        }
        Ok((self.insert_found(tx, &row).await?, true))
    }

    /// Stores a specimen's profile, or checks that the one stored before is
    /// the same. Returns whether it is new.
    async fn cmf_profile(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        s: &Specimen,
        lab: Option<&str>,
        kit: Option<&str>,
    ) -> Result<bool> {
        // Its Y loci, as the sample's Y haplotype (refused on a woman).
        let y_added = match &s.y {
            Some(y) => {
                self.store_sample_y(tx, (file, "SPECIMENID"), &s.profile(), y)
                    .await?
                    > 0
            }
            None => false,
        };
        if s.markers.is_empty() && s.y.is_some() {
            return Ok(y_added);
        }
        match self
            .store_profile(tx, &s.id, s.sex, &s.markers, lab, kit, file)
            .await?
        {
            Stored::Added => Ok(true),
            Stored::Unchanged => Ok(y_added),
            Stored::Different => Err(row_error(
                file,
                s.line,
                "SPECIMENID",
                format!(
                    "specimen {} already has a different profile; a re-typing needs its own \
                     specimen id",
                    s.id
                ),
            )),
        }
    }
}
