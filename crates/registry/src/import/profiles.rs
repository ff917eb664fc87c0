//! Lab profiles: GeneMapper ID-X genotype tables and long or wide CSV, read
//! as a stream twice, stored a chunk of samples at a time, their genotypes
//! sealed; the single specimens of CMF files are stored through
//! [`Registry::store_profile`].

use formats::genotypes::{GenotypeReader, ReadError, Samples};
use kinship::Sex;
use sqlx::{AnyConnection, Row};

use super::stream::{CHUNK, HashedFile, changed, hashed, next_chunk, read_error, text_stream};
use super::{ImportReport, ImportStage, OpenFile, Touched, option_text, row_error, rows_by};
use crate::store::insert_rows;
use crate::stored::StoredProfile;
use crate::{ImportKind, Registry, RegistryError, Result};

impl Registry {
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
        let mut volunteers = Vec::new();
        let mut unlinked = 0;
        {
            let _guard = self.write.lock().await;
            let mut tx = self.begin_write().await?;
            // Second reading: stored as read, a chunk at a time.
            let mut profiles = reader(samples)?;
            let mut k = 0;
            let mut y_added = 0;
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut next = || profiles.next_profile().map_err(|e| changed(file, e));
            while next_chunk(&mut next, &mut chunk, &mut k, total, file)? {
                let samples = self
                    .store_profiles(&mut tx, file, &chunk, lab, kit, &mut report, &mut y_added)
                    .await?;
                let as_ref = rows_by(&mut tx, &samples, "sample_name", |list| {
                    format!("SELECT sample_name, case_ref FROM case_references WHERE sample_name IN ({list})")
                })
                .await?;
                let as_found = rows_by(&mut tx, &samples, "sample_name", |list| {
                    format!(
                        "SELECT sample_name, id FROM found_children WHERE sample_name IN ({list})"
                    )
                })
                .await?;
                let as_volunteer = crate::volunteers::volunteers_of(&mut tx, &samples).await?;
                for sample in samples {
                    match (as_ref.get(sample), as_found.get(sample)) {
                        (Some(r), _) => cases.push(r.try_get::<i64, _>("case_ref")?),
                        (None, Some(f)) => found.push(f.try_get::<i64, _>("id")?),
                        (None, None) => match as_volunteer.get(sample) {
                            Some(&v) => volunteers.push(v),
                            None => unlinked += 1,
                        },
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
            if y_added > 0 {
                report.notes.push(format!("{y_added} Y haplotypes stored"));
            }
            crate::y_haplotypes::audit_stored(self, &mut tx, actor, &sha, y_added).await?;
            let touched = Touched {
                cases,
                found,
                volunteers,
            };
            self.record_search_commit(
                tx,
                actor,
                (ImportKind::Profiles, file, &sha),
                touched,
                &mut report,
                stages,
            )
            .await?;
        }
        if unlinked > 0 {
            report.notes.push(format!(
                "{unlinked} profiles belong to no reference or found child yet; they are matched once those are registered"
            ));
        }
        Ok(report)
    }
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
    /// Returns the samples whose profile or Y haplotype was added. A
    /// profile's Y loci are stored apart, as
    /// the sample's Y haplotype (counted in `y_added`), refused on a sample
    /// registered as female or whose Amelogenin says so; a profile of Y
    /// loci only adds no autosomal profile.
    #[allow(clippy::too_many_arguments)]
    async fn store_profiles<'c>(
        &self,
        tx: &mut AnyConnection,
        file: &str,
        chunk: &'c [formats::genotypes::Profile],
        lab: Option<&str>,
        kit: Option<&str>,
        report: &mut ImportReport,
        y_added: &mut usize,
    ) -> Result<Vec<&'c str>> {
        let mut added = Vec::new();
        let mut y_new = std::collections::HashSet::new();
        for p in chunk {
            if let Some(y) = &p.y {
                let n = self.store_sample_y(tx, (file, "Sample Name"), p, y).await?;
                if n > 0 {
                    added.push(p.sample.as_str());
                    y_new.insert(p.sample.as_str());
                }
                *y_added += n;
            }
        }
        let chunk: Vec<&'c formats::genotypes::Profile> = chunk
            .iter()
            .filter(|p| !(p.markers.is_empty() && p.y.is_some()))
            .collect();
        let samples: Vec<&str> = chunk.iter().map(|p| p.sample.as_str()).collect();
        let existing = rows_by(&mut *tx, &samples, "sample_name", |list| {
            format!("SELECT sample_name, genotypes FROM profiles WHERE sample_name IN ({list})")
        })
        .await?;
        let mut new = Vec::new();
        for p in chunk {
            let stored = stored_profile(p.sex, &p.markers);
            let Some(r) = existing.get(&p.sample) else {
                if !y_new.contains(p.sample.as_str()) {
                    added.push(p.sample.as_str());
                }
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

    /// Stores the Y haplotype of a profile's sample: 1 when added, 0 when
    /// the sample already held it; refused with the profile's line on a
    /// female sample or a sample holding another haplotype (`field` names
    /// the sample's column or element).
    pub(crate) async fn store_sample_y(
        &self,
        tx: &mut AnyConnection,
        (file, field): (&str, &str),
        p: &formats::genotypes::Profile,
        y: &ystr::Haplotype,
    ) -> Result<usize> {
        let registered = crate::y_haplotypes::registered_sex(&mut *tx, &p.sample).await?;
        let female = registered.as_deref() == Some(Sex::Female.name());
        if female || p.sex == Some(Sex::Female) {
            let whose = if female {
                "registered as female"
            } else {
                "female by Amelogenin"
            };
            return Err(row_error(
                file,
                p.line,
                field,
                format!(
                    "sample {} is {whose}: a Y haplotype ({} Y loci) cannot be hers",
                    p.sample,
                    y.calls().len()
                ),
            ));
        }
        match self.store_y_haplotype(&mut *tx, &p.sample, y, file).await? {
            crate::y_haplotypes::YStored::Added => Ok(1),
            crate::y_haplotypes::YStored::Unchanged => Ok(0),
            crate::y_haplotypes::YStored::Different => Err(row_error(
                file,
                p.line,
                field,
                format!(
                    "sample {} already has a different Y haplotype; a re-typing needs its own sample name",
                    p.sample
                ),
            )),
        }
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
