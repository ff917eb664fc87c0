//! A candidate as a kinship case: the family's pedigree with the found child in
//! the missing child's place (H1) or unrelated (H2), the genotypes and the
//! models the search used — for export to other programs (Familias) so that
//! the LR can be checked independently.

use kinship::{
    Genotype, KinshipCase, MISSING_CHILD, Pedigree, Person, Reference, Sex, TypedPerson,
    case_pedigree,
};
use sqlx::Row;

use crate::stored::StoredProfile;
use crate::{Registry, RegistryError, Result};

/// A candidate's kinship case and what identifies it.
#[derive(Debug, Clone)]
pub struct CandidateCase {
    pub case_id: String,
    pub found_id: String,
    /// "name vN" of the frequency database the models come from.
    pub database: String,
    /// The LR stored with the candidate (log10).
    pub stored_log10_lr: f64,
    /// Persons are named by their sample names; the found child stands in the
    /// missing child's place.
    pub case: KinshipCase,
}

impl Registry {
    /// The id of the candidate pairing found child `found_id` with case `case_id`.
    pub async fn candidate_id(&self, found_id: &str, case_id: &str) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT k.id FROM candidates k JOIN found_children f ON f.id = k.found_ref
             JOIN cases c ON c.id = k.case_ref WHERE f.found_id = $1 AND c.case_id = $2",
        )
        .bind(found_id)
        .bind(case_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("id")?),
            None => None,
        })
    }

    /// The kinship case of candidate `id` over the markers it was compared
    /// on, with the current search models (theta 0). The genotypes are
    /// decrypted: the read is audited.
    pub async fn candidate_kinship_case(
        &self,
        actor: &str,
        id: i64,
    ) -> Result<Option<CandidateCase>> {
        let Some(k) = sqlx::query(
            "SELECT k.per_marker, k.log10_lr, f.found_id, f.sample_name, c.id, c.case_id, c.child_sex
             FROM candidates k JOIN found_children f ON f.id = k.found_ref
             JOIN cases c ON c.id = k.case_ref WHERE k.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let per_marker: Vec<serde_json::Value> =
            serde_json::from_str(&k.try_get::<String, _>("per_marker")?).unwrap_or_default();
        let compared: Vec<String> = per_marker
            .iter()
            .filter_map(|v| v["name"].as_str().map(str::to_string))
            .collect();
        let found_id: String = k.try_get("found_id")?;
        let child_sample: String = k.try_get("sample_name")?;
        let case_ref: i64 = k.try_get("id")?;
        let case_id: String = k.try_get("case_id")?;
        let child_sex = Sex::named(&k.try_get::<String, _>("child_sex")?);

        let refs = sqlx::query(
            "SELECT sample_name, relationship, sex FROM case_references WHERE case_ref = $1 ORDER BY id",
        )
        .bind(case_ref)
        .fetch_all(&self.pool)
        .await?;
        let mut samples = vec![child_sample.clone()];
        let mut references = Vec::new();
        for r in &refs {
            let sample: String = r.try_get("sample_name")?;
            let rel: String = r.try_get("relationship")?;
            references.push(Reference {
                id: sample.clone(),
                relative: rel.parse().map_err(RegistryError::Invalid)?,
                sex: Sex::named(&r.try_get::<String, _>("sex")?),
            });
            samples.push(sample);
        }
        let mut profiles: Vec<Option<StoredProfile>> = Vec::new();
        for s in &samples {
            let row = sqlx::query("SELECT genotypes FROM profiles WHERE sample_name = $1")
                .bind(s)
                .fetch_optional(&self.pool)
                .await?;
            profiles.push(match row {
                None => None,
                Some(r) => {
                    let text = self
                        .open_column("profiles", "genotypes", s, &r)?
                        .unwrap_or_default();
                    Some(serde_json::from_str(&text).map_err(|e| {
                        RegistryError::Damaged(format!("stored profile {s} is damaged: {e}"))
                    })?)
                }
            });
        }
        // As the index does: only typed references are in the pedigree.
        let typed_refs: Vec<Reference> = references
            .into_iter()
            .zip(&profiles[1..])
            .filter(|(_, p)| p.is_some())
            .map(|(r, _)| r)
            .collect();
        let Some(child_profile) = &profiles[0] else {
            return Err(RegistryError::Conflict(format!(
                "found child {found_id} has no profile"
            )));
        };
        let pedigrees = case_pedigree(child_sex, &typed_refs)
            .map_err(|e| RegistryError::Damaged(format!("case {case_id}: {e}")))?;
        let rename = |p: &Pedigree| -> Result<Pedigree> {
            let swap = |id: &str| {
                if id == MISSING_CHILD {
                    child_sample.clone()
                } else {
                    id.to_string()
                }
            };
            Pedigree::new(
                p.persons()
                    .iter()
                    .map(|q| Person {
                        id: swap(&q.id),
                        sex: q.sex,
                        father: q.father.as_deref().map(swap),
                        mother: q.mother.as_deref().map(swap),
                    })
                    .collect(),
            )
            .map_err(|e| RegistryError::Damaged(format!("case {case_id}: {e}")))
        };
        let (h1, h2) = (rename(&pedigrees.h1)?, rename(&pedigrees.h2)?);

        let state = self.search_index().await?;
        let Some(index) = state.index() else {
            return Err(RegistryError::Conflict(
                "no frequency database is loaded".into(),
            ));
        };
        let markers: Vec<_> = index
            .models()
            .markers()
            .iter()
            .filter(|m| compared.iter().any(|c| c == m.name()))
            .cloned()
            .collect();
        let database = state.database().unwrap_or_default();
        drop(state);
        let slots = |p: &StoredProfile| -> Result<Vec<Option<Genotype>>> {
            let g = p.genotypes()?;
            Ok(markers
                .iter()
                .map(|m| g.iter().find(|(n, _)| *n == m.name()).map(|(_, g)| *g))
                .collect())
        };
        let mut typed = vec![TypedPerson {
            id: child_sample.clone(),
            genotypes: slots(child_profile)?,
        }];
        for (s, p) in samples[1..].iter().zip(&profiles[1..]) {
            if let Some(p) = p {
                typed.push(TypedPerson {
                    id: s.clone(),
                    genotypes: slots(p)?,
                });
            }
        }
        self.audit_read(
            actor,
            "profile.export",
            "candidate",
            &id.to_string(),
            format!(
                "{} genotypes exported as a kinship case: {}",
                typed.len(),
                typed
                    .iter()
                    .map(|t| t.id.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        )
        .await?;
        Ok(Some(CandidateCase {
            case_id,
            found_id,
            database,
            stored_log10_lr: k.try_get("log10_lr")?,
            case: KinshipCase {
                theta: 0.0,
                markers,
                h1,
                h2,
                typed,
            },
        }))
    }
}
