//! Profiles with the same DNA: two found children, or two references,
//! whose genotypes are equal at every marker both have typed, or at all
//! but one (`search::SameDna`, at least `search::MIN_SHARED_MARKERS`
//! markers compared). It may be the same child registered twice, a relative
//! given twice, or identical twins: the import is not refused, the pair is
//! flagged for a case worker to check.
//!
//! Every import searches what it added ([`Registry::rematch_in`]) and, in
//! the same transaction, looks up each found child it added or changed
//! among the index's found children, and each reference of a case it
//! changed among the index's references (the index's columns, nothing
//! decrypted; a reference the index points to is confirmed against its
//! stored profile, read and decrypted for the cases pointed to only, an
//! audited read). New pairs are stored in `same_dna` (schema version 8),
//! one row per pair of sample names, and told in the import's report. A
//! sample is never flagged with itself. The rows go with the profiles: a
//! case's erasure and a retention run delete those of its references.
//! No genotype is stored or told: marker names and counts only.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use kinship::Relative;
use search::{Index, MIN_SHARED_MARKERS, Profile, SameDna, compare_same_dna};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::store::rows_in;
use crate::store::{Event, append_audit};
use crate::stored::{Snapshot, StoredProfile, child_profile};
use crate::{Registry, Result};

/// Which side two profiles with the same DNA are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SameDnaKind {
    /// Two found children.
    Found,
    /// Two references (of one case or of two).
    Reference,
}

impl SameDnaKind {
    pub fn code(self) -> &'static str {
        match self {
            SameDnaKind::Found => "found",
            SameDnaKind::Reference => "reference",
        }
    }

    fn parse(s: &str) -> SameDnaKind {
        if s == "found" {
            SameDnaKind::Found
        } else {
            SameDnaKind::Reference
        }
    }
}

/// One side of a pair: a found child, or a reference of a case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SameDnaSide {
    pub sample: String,
    /// A found child's id (`found_id`).
    pub found_id: Option<String>,
    /// A reference's case (`case_id`) and relationship code.
    pub case_id: Option<String>,
    pub relationship: Option<String>,
}

impl SameDnaSide {
    /// The side of `sample` as `sides` found it, or the sample alone.
    fn of(sides: &HashMap<String, SameDnaSide>, sample: &str) -> SameDnaSide {
        sides.get(sample).cloned().unwrap_or_else(|| SameDnaSide {
            sample: sample.to_string(),
            found_id: None,
            case_id: None,
            relationship: None,
        })
    }

    /// "found child F-7", "reference S-3 (mother, case MC-1)".
    pub fn words(&self) -> String {
        match (&self.found_id, &self.case_id) {
            (Some(f), _) => format!("found child {f}"),
            (None, Some(c)) => format!(
                "reference {} ({}, case {c})",
                self.sample,
                self.relationship
                    .as_deref()
                    .unwrap_or("relative")
                    .replace('_', " ")
            ),
            (None, None) => format!("sample {}", self.sample),
        }
    }
}

/// Two profiles with the same DNA, as flagged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SameDnaPair {
    pub kind: SameDnaKind,
    /// The profile this pair is told about (on an import: the one it added).
    pub this: SameDnaSide,
    pub other: SameDnaSide,
    /// Markers compared (typed in both).
    pub shared: u32,
    /// The one marker that differs, by name; `None`: every marker equal.
    pub differing: Option<String>,
    /// The other profile came in the same import.
    pub same_import: bool,
}

impl SameDnaPair {
    /// "all 21 markers equal" or "all but one marker (D8S1179) of 21 equal".
    pub fn markers_words(&self) -> String {
        match &self.differing {
            None => format!("all {} markers equal", self.shared),
            Some(m) => format!("all but one marker ({m}) of {} equal", self.shared),
        }
    }

    /// The pair in one English sentence (for the import report).
    pub fn words(&self) -> String {
        format!(
            "{} has the same DNA as {}{}: {}; it may be the same {} registered twice, or identical twins: check before deciding",
            self.this.words(),
            self.other.words(),
            if self.same_import {
                " (also in this import)"
            } else {
                ""
            },
            self.markers_words(),
            match self.kind {
                SameDnaKind::Found => "child",
                SameDnaKind::Reference => "person",
            }
        )
    }
}

/// A found child about to be looked up: row id, sample, profile.
type FoundQuery = (i64, String, Profile);
/// A reference about to be looked up: case row id, sample, relationship, profile.
type RefQuery = (i64, String, Relative, Profile);

impl Registry {
    /// Flags the found children and the references of `cases` and `found`
    /// (as `snap` read them, `index` holding them) that have the same DNA
    /// as another profile in the index; stores the new pairs and returns
    /// them. Inside the import's transaction.
    pub(crate) async fn flag_same_dna_in(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        index: &Index,
        snap: &Snapshot,
        cases: &[i64],
        found: &[i64],
    ) -> Result<Vec<SameDnaPair>> {
        let names: Vec<String> = index
            .models()
            .markers()
            .iter()
            .map(|m| m.name().to_string())
            .collect();
        let marker = |same: &SameDna| same.differing.map(|m| names[m].clone());
        // (kind, sample, other sample) -> (comparison).
        let mut pairs: BTreeMap<(SameDnaKind, String, String), SameDna> = BTreeMap::new();
        let mut queried: BTreeSet<String> = BTreeSet::new();

        // Found children.
        let mut fq: Vec<FoundQuery> = Vec::new();
        for &f in found {
            if let (Some(sample), Some(p)) = (snap.found.get(&f), child_profile(index, snap, f)?) {
                fq.push((f, sample.clone(), p));
            }
        }
        let profiles: Vec<&[[u8; 2]]> = fq.iter().map(|q| q.2.as_slice()).collect();
        let hits = index.same_dna_children_many(&profiles, MIN_SHARED_MARKERS);
        let mut other_found: Vec<i64> = Vec::new();
        let mut found_pairs: Vec<(usize, i64, SameDna)> = Vec::new();
        for (q, hits) in hits.into_iter().enumerate() {
            queried.insert(fq[q].1.clone());
            for (id, same) in hits {
                if id as i64 != fq[q].0 {
                    other_found.push(id as i64);
                    found_pairs.push((q, id as i64, same));
                }
            }
        }
        let found_rows = found_rows(&mut *tx, &other_found).await?;
        for (q, other, same) in found_pairs {
            if let Some((_, sample)) = found_rows.get(&other)
                && *sample != fq[q].1
            {
                pairs
                    .entry((SameDnaKind::Found, fq[q].1.clone(), sample.clone()))
                    .or_insert(same);
            }
        }

        // References.
        let mut rq: Vec<RefQuery> = Vec::new();
        for c in cases {
            let Some((_, refs)) = snap.cases.get(c) else {
                continue;
            };
            for (sample, rel, _) in refs {
                if let Some(p) = snap.profiles.get(sample) {
                    rq.push((*c, sample.clone(), *rel, p.encode(index)?));
                }
            }
        }
        let profiles: Vec<&[[u8; 2]]> = rq.iter().map(|q| q.3.as_slice()).collect();
        let hits = index.same_dna_references_many(&profiles, MIN_SHARED_MARKERS);
        let pointed: BTreeSet<i64> = hits
            .iter()
            .flatten()
            .map(|(at, _)| at.case as i64)
            .collect();
        // The references of the cases pointed to, with their profiles: from
        // what the import read, else read and decrypted here.
        let stored = self
            .reference_profiles(&mut *tx, actor, snap, &pointed)
            .await?;
        for (q, hits) in hits.into_iter().enumerate() {
            queried.insert(rq[q].1.clone());
            let cases: BTreeSet<i64> = hits.iter().map(|(at, _)| at.case as i64).collect();
            for case in cases {
                for (sample, p) in stored.get(&case).into_iter().flatten() {
                    if *sample == rq[q].1 {
                        continue;
                    }
                    let Some(p) = encode(index, p)? else { continue };
                    if let Some(same) = compare_same_dna(&rq[q].3, &p, MIN_SHARED_MARKERS) {
                        pairs
                            .entry((SameDnaKind::Reference, rq[q].1.clone(), sample.clone()))
                            .or_insert(same);
                    }
                }
            }
        }

        // Stored once per pair of samples (either way round); the new ones told.
        let mut new = Vec::new();
        // (a, b), a < b, of the pairs already met.
        let mut told: HashSet<(String, String)> = HashSet::new();
        let now = crate::audit::now_rfc3339();
        for ((kind, sample, other), same) in &pairs {
            let (a, b) = if sample < other {
                (sample, other)
            } else {
                (other, sample)
            };
            if !told.insert((a.clone(), b.clone())) {
                continue;
            }
            let exists =
                sqlx::query("SELECT id FROM same_dna WHERE sample_a = $1 AND sample_b = $2")
                    .bind(a.as_str())
                    .bind(b.as_str())
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
            if exists {
                continue;
            }
            sqlx::query(
                "INSERT INTO same_dna (kind, sample_a, sample_b, shared, differing, flagged_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(kind.code())
            .bind(a.as_str())
            .bind(b.as_str())
            .bind(i64::from(same.shared))
            .bind(marker(same).unwrap_or_default())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            new.push((*kind, sample.clone(), other.clone(), *same));
        }
        if new.is_empty() {
            return Ok(Vec::new());
        }
        append_audit(
            &mut *tx,
            self.backend,
            Event {
                actor,
                action: "same_dna.flagged",
                target_type: "profiles",
                target_id: "*",
                detail: format!("{} pairs of profiles with the same DNA flagged", new.len()),
            },
        )
        .await?;
        let samples: Vec<String> = new
            .iter()
            .flat_map(|(_, s, o, _)| [s.clone(), o.clone()])
            .collect();
        let sides = sides(&mut *tx, &samples).await?;
        let side = |s: &String| SameDnaSide::of(&sides, s);
        Ok(new
            .into_iter()
            .map(|(kind, sample, other, same)| SameDnaPair {
                kind,
                this: side(&sample),
                shared: same.shared,
                differing: marker(&same),
                same_import: queried.contains(&other),
                other: side(&other),
            })
            .collect())
    }

    /// Per case of `cases`, its references' samples and stored profiles:
    /// those the import read already (borrowed from `snap`: a bulk import's
    /// every case is pointed to, by its own references at least), the
    /// others read and decrypted now (one audit entry saying how many).
    async fn reference_profiles<'s>(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        snap: &'s Snapshot,
        cases: &BTreeSet<i64>,
    ) -> Result<HashMap<i64, Vec<(String, Cow<'s, StoredProfile>)>>> {
        let mut out: HashMap<i64, Vec<(String, Cow<'s, StoredProfile>)>> = HashMap::new();
        let mut others: Vec<i64> = Vec::new();
        for &case in cases {
            let Some((_, refs)) = snap.cases.get(&case) else {
                others.push(case);
                continue;
            };
            let known = out.entry(case).or_default();
            for (sample, _, _) in refs {
                if let Some(p) = snap.profiles.get(sample) {
                    known.push((sample.clone(), Cow::Borrowed(p)));
                }
            }
        }
        let mut read = 0;
        let rows = rows_in(&mut *tx, &others, |list| {
            format!(
                "SELECT r.case_ref, r.sample_name, p.genotypes FROM case_references r
                 JOIN profiles p ON p.sample_name = r.sample_name
                 WHERE r.case_ref IN ({list}) ORDER BY r.id"
            )
        })
        .await?;
        for r in rows {
            let case: i64 = r.try_get("case_ref")?;
            let sample: String = r.try_get("sample_name")?;
            let profile = match snap.profiles.get(&sample) {
                Some(p) => Cow::Borrowed(p),
                None => {
                    read += 1;
                    Cow::Owned(self.stored_profile(&sample, r.try_get("genotypes")?)?)
                }
            };
            out.entry(case).or_default().push((sample, profile));
        }
        if read > 0 {
            self.audit_bulk_read(
                &mut *tx,
                actor,
                format!("{read} profiles decrypted to confirm profiles with the same DNA"),
            )
            .await?;
        }
        Ok(out)
    }

    /// The pairs these samples are in, each told from the sample's side.
    pub(crate) async fn same_dna_of_samples(
        &self,
        conn: &mut AnyConnection,
        samples: &[String],
    ) -> Result<Vec<SameDnaPair>> {
        let mut rows = Vec::new();
        for sample in samples {
            for r in sqlx::query(
                "SELECT kind, sample_a, sample_b, shared, differing FROM same_dna
                 WHERE sample_a = $1 OR sample_b = $1 ORDER BY id",
            )
            .bind(sample)
            .fetch_all(&mut *conn)
            .await?
            {
                let kind: String = r.try_get("kind")?;
                let a: String = r.try_get("sample_a")?;
                let b: String = r.try_get("sample_b")?;
                let shared: i64 = r.try_get("shared")?;
                let differing: String = r.try_get("differing")?;
                let other = if a == *sample { b } else { a };
                rows.push((kind, sample.clone(), other, shared, differing));
            }
        }
        let all: Vec<String> = rows
            .iter()
            .flat_map(|r| [r.1.clone(), r.2.clone()])
            .collect();
        let sides = sides(&mut *conn, &all).await?;
        let side = |s: &String| SameDnaSide::of(&sides, s);
        Ok(rows
            .into_iter()
            .map(|(kind, sample, other, shared, differing)| SameDnaPair {
                kind: SameDnaKind::parse(&kind),
                this: side(&sample),
                other: side(&other),
                shared: shared as u32,
                differing: (!differing.is_empty()).then_some(differing),
                same_import: false,
            })
            .collect())
    }
}

/// A stored profile encoded for the index (`None`: an allele it lacks).
fn encode(index: &Index, p: &StoredProfile) -> Result<Option<Profile>> {
    match p.encode(index) {
        Ok(p) => Ok(Some(p)),
        Err(crate::RegistryError::Search(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Found children by row id: (found id, sample).
async fn found_rows(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>> {
    let mut out = HashMap::new();
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let rows = rows_in(&mut *conn, &ids, |list| {
        format!("SELECT id, found_id, sample_name FROM found_children WHERE id IN ({list})")
    })
    .await?;
    for r in rows {
        out.insert(
            r.try_get("id")?,
            (r.try_get("found_id")?, r.try_get("sample_name")?),
        );
    }
    Ok(out)
}

/// Who these samples are: a found child, or a reference of a case.
async fn sides(
    conn: &mut AnyConnection,
    samples: &[String],
) -> Result<HashMap<String, SameDnaSide>> {
    let mut samples = samples.to_vec();
    samples.sort_unstable();
    samples.dedup();
    let mut out = HashMap::new();
    let rows = rows_in(&mut *conn, &samples, |list| {
        format!("SELECT sample_name, found_id FROM found_children WHERE sample_name IN ({list})")
    })
    .await?;
    for r in rows {
        let sample: String = r.try_get("sample_name")?;
        out.insert(
            sample.clone(),
            SameDnaSide {
                sample,
                found_id: Some(r.try_get("found_id")?),
                case_id: None,
                relationship: None,
            },
        );
    }
    let rows = rows_in(&mut *conn, &samples, |list| {
        format!(
            "SELECT r.sample_name, c.case_id, r.relationship FROM case_references r
             JOIN cases c ON c.id = r.case_ref WHERE r.sample_name IN ({list})"
        )
    })
    .await?;
    for r in rows {
        let sample: String = r.try_get("sample_name")?;
        out.insert(
            sample.clone(),
            SameDnaSide {
                sample,
                found_id: None,
                case_id: Some(r.try_get("case_id")?),
                relationship: Some(r.try_get("relationship")?),
            },
        );
    }
    Ok(out)
}

/// Deletes the pairs a case's references are in (their profiles are being
/// deleted: the case erased, or its retention due); how many.
pub(crate) async fn forget_case(conn: &mut AnyConnection, case_ref: i64) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM same_dna WHERE sample_a IN (SELECT sample_name FROM case_references WHERE case_ref = $1)
         OR sample_b IN (SELECT sample_name FROM case_references WHERE case_ref = $1)",
    )
    .bind(case_ref)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
