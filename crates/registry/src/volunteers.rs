//! Clan volunteers (tables `clan_volunteers`, `volunteer_cases`,
//! `volunteer_leads`, `volunteer_changes`; schema version 15): men who are
//! not a registered family but give a Y sample for their paternal lineage,
//! with the surname and ancestral place of their clan (sealed, as names
//! are), the day of their consent, the day their record is deleted, and
//! the missing-child cases their clan knows of. Imported by
//! `import/volunteers.rs`; their Y haplotypes come in lab files as any
//! sample's (`y_haplotypes`) and are searched against every found boy by
//! `lineage.rs`, which stores a lead with the LR for each number of
//! meioses 1..=20 (how far up his line the boy's father is, nobody knows)
//! and the likeliest.
//!
//! Every write that changes a volunteer or his Y haplotype appends his row
//! id to `volunteer_changes`, which every process's lineage index follows.
//! A volunteer is deleted, with his Y haplotype, his known cases and his
//! leads, when he withdraws his consent ([`Registry::delete_volunteer`])
//! or the day after his `keep_until` day (the retention run).

use sqlx::{AnyConnection, Row};

use std::collections::{BTreeSet, HashMap};

use crate::leads::{LeadKind, LeadStatus, split_loci};
use crate::store::{Event, rows_in};
use crate::{Registry, RegistryError, Result};

/// The last entry of the volunteers' change sequence (0 when there is none).
pub(crate) async fn last_change(conn: &mut AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM volunteer_changes")
            .fetch_one(&mut *conn)
            .await?
            .try_get("last")?,
    )
}

/// Appends the volunteers a write changed (nothing when none).
pub(crate) async fn record_change(conn: &mut AnyConnection, volunteers: &[i64]) -> Result<()> {
    if volunteers.is_empty() {
        return Ok(());
    }
    sqlx::query("INSERT INTO volunteer_changes (volunteers, at) VALUES ($1, $2)")
        .bind(serde_json::to_string(volunteers).unwrap_or_default())
        .bind(crate::audit::now_rfc3339())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The volunteers changed after entry `seq` (sorted, once each) and the
/// last entry.
pub(crate) async fn changes_since(conn: &mut AnyConnection, seq: i64) -> Result<(Vec<i64>, i64)> {
    let mut ids = Vec::new();
    let mut last = seq;
    for r in
        sqlx::query("SELECT seq, volunteers FROM volunteer_changes WHERE seq > $1 ORDER BY seq")
            .bind(seq)
            .fetch_all(&mut *conn)
            .await?
    {
        let text: String = r.try_get("volunteers")?;
        let some: Vec<i64> = serde_json::from_str(&text).map_err(|e| {
            RegistryError::Damaged(format!("the volunteers' change sequence is damaged: {e}"))
        })?;
        ids.extend(some);
        last = last.max(r.try_get("seq")?);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok((ids, last))
}

/// The volunteer ids of these sample names (those that are volunteers').
pub(crate) async fn volunteers_of(
    conn: &mut AnyConnection,
    samples: &[&str],
) -> Result<std::collections::HashMap<String, i64>> {
    crate::store::rows_in(conn, samples, |list| {
        format!("SELECT sample_name, id FROM clan_volunteers WHERE sample_name IN ({list})")
    })
    .await?
    .into_iter()
    .map(|r| Ok((r.try_get("sample_name")?, r.try_get("id")?)))
    .collect()
}

/// The first of these samples (each with its line) that is a clan
/// volunteer's, as the refusal of the import that names it: a sample is a
/// volunteer's, a reference's or a found child's, never two.
pub(crate) async fn refuse_volunteer_samples(
    conn: &mut AnyConnection,
    rows: &[(&str, usize)],
    refusal: impl Fn(usize, String) -> RegistryError,
) -> Result<()> {
    let samples: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let volunteers = volunteers_of(conn, &samples).await?;
    match rows.iter().find(|r| volunteers.contains_key(r.0)) {
        Some(&(sample, line)) => Err(refusal(
            line,
            format!("sample {sample} is a clan volunteer's sample"),
        )),
        None => Ok(()),
    }
}

/// Deletes a volunteer with his Y haplotype, known cases and leads, in the
/// caller's transaction, and records the change. Returns his sample name.
async fn forget(conn: &mut AnyConnection, id: i64) -> Result<String> {
    let sample: String = sqlx::query("SELECT sample_name FROM clan_volunteers WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("sample_name")?;
    for sql in [
        "DELETE FROM volunteer_leads WHERE volunteer_ref = $1",
        "DELETE FROM volunteer_cases WHERE volunteer_ref = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    for sql in [
        "DELETE FROM y_haplotypes WHERE sample_name = $1",
        "DELETE FROM profiles WHERE sample_name = $1",
        "DELETE FROM clan_volunteers WHERE sample_name = $1",
    ] {
        sqlx::query(sql).bind(&sample).execute(&mut *conn).await?;
    }
    record_change(&mut *conn, &[id]).await?;
    // No deleted haplotype outlives its row in the lineage snapshot.
    crate::lineage_state::delete(&mut *conn).await?;
    Ok(sample)
}

/// Forgets a case's place in the volunteers' known cases (its erasure),
/// in the caller's transaction.
pub(crate) async fn forget_case(conn: &mut AnyConnection, case_ref: i64) -> Result<()> {
    sqlx::query("DELETE FROM volunteer_cases WHERE case_ref = $1")
        .bind(case_ref)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A clan volunteer lead as stored and shown: a found boy whose Y
/// haplotype differs at few loci from a volunteer's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VolunteerLead {
    pub id: i64,
    pub found_id: String,
    pub volunteer_sample: String,
    pub surname: String,
    pub ancestral_place: String,
    pub person_name: Option<String>,
    /// The missing-child cases his clan knows of (case ids).
    pub known_cases: Vec<String>,
    /// Locus copies typed on both.
    pub compared: i64,
    /// The locus copies that differ: names only.
    pub differing: Vec<String>,
    /// The LR for 1, 2, ... [`crate::VOLUNTEER_MEIOSES_MAX`] meioses
    /// between the volunteer and the boy; empty without an active
    /// haplotype database.
    pub lrs: Vec<f64>,
    /// The number of meioses whose LR is highest.
    pub likeliest_meioses: Option<i64>,
    /// The LR at the likeliest number of meioses.
    pub lr: Option<f64>,
    pub log10_lr: Option<f64>,
    pub match_probability: Option<f64>,
    pub method: String,
    pub database: Option<String>,
    pub status: String,
    pub computed_at: String,
}

impl Registry {
    /// One page of clan volunteer leads (of one review status, when
    /// given), strongest first, after the row `cursor` names, with each
    /// volunteer's clan opened; an audited read.
    pub async fn volunteer_lead_page(
        &self,
        actor: &str,
        status: Option<LeadStatus>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<crate::Page<VolunteerLead>> {
        let read = async |conn: &mut AnyConnection, ids: &[i64]| {
            let rows = rows_in(&mut *conn, ids, |list| {
                format!(
                    "SELECT l.id, l.volunteer_ref, f.found_id, v.sample_name, v.surname, v.ancestral_place, v.person_name, \
                     l.compared, l.differing, l.lrs, l.likeliest_meioses, l.lr, l.log10_lr, l.match_probability, \
                     l.method, l.status, l.computed_at, h.name AS db_name, h.version AS db_version \
                     FROM volunteer_leads l JOIN found_children f ON f.id = l.found_ref \
                     JOIN clan_volunteers v ON v.id = l.volunteer_ref \
                     LEFT JOIN haplotype_dbs h ON h.id = l.haplotype_db \
                     WHERE l.id IN ({list})"
                )
            })
            .await?;
            // The cases each listed volunteer's clan knows of, in one read.
            let volunteers: Vec<i64> = rows
                .iter()
                .map(|r| r.try_get("volunteer_ref"))
                .collect::<std::result::Result<BTreeSet<_>, _>>()?
                .into_iter()
                .collect();
            let mut known: HashMap<i64, Vec<String>> = HashMap::new();
            for k in rows_in(conn, &volunteers, |list| {
            format!(
                "SELECT k.volunteer_ref, c.case_id FROM volunteer_cases k JOIN cases c ON c.id = k.case_ref \
                 WHERE k.volunteer_ref IN ({list}) ORDER BY c.case_id"
            )
        })
        .await?
        {
            known
                .entry(k.try_get("volunteer_ref")?)
                .or_default()
                .push(k.try_get("case_id")?);
        }
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let sample: String = r.try_get("sample_name")?;
                let open = |column: &str| -> Result<Option<String>> {
                    self.open_field("clan_volunteers", column, &sample, r.try_get(column)?)
                };
                let lrs: String = r.try_get("lrs")?;
                let db_name: Option<String> = r.try_get("db_name")?;
                let db_version: Option<i64> = r.try_get("db_version")?;
                out.push(VolunteerLead {
                    id: r.try_get("id")?,
                    found_id: r.try_get("found_id")?,
                    surname: open("surname")?.unwrap_or_default(),
                    ancestral_place: open("ancestral_place")?.unwrap_or_default(),
                    person_name: open("person_name")?,
                    known_cases: known
                        .remove(&r.try_get::<i64, _>("volunteer_ref")?)
                        .unwrap_or_default(),
                    volunteer_sample: sample,
                    compared: r.try_get("compared")?,
                    differing: split_loci(&r.try_get::<String, _>("differing")?),
                    lrs: serde_json::from_str(&lrs).map_err(|e| {
                        RegistryError::Damaged(format!("the LRs of volunteer lead: {e}"))
                    })?,
                    likeliest_meioses: r.try_get("likeliest_meioses")?,
                    lr: r.try_get("lr")?,
                    log10_lr: r.try_get("log10_lr")?,
                    match_probability: r.try_get("match_probability")?,
                    method: r.try_get("method")?,
                    database: db_name.zip(db_version).map(|(n, v)| format!("{n} v{v}")),
                    status: r.try_get("status")?,
                    computed_at: r.try_get("computed_at")?,
                });
            }
            Ok(out)
        };
        let at = (limit, cursor);
        self.lead_page(actor, LeadKind::Volunteer, status, at, read, |l| l.id)
            .await
    }

    /// Deletes a clan volunteer who withdrew his consent: his record, his
    /// Y haplotype (and any profile of his sample), his known cases and
    /// his leads, at once. Audited (the sample name, nothing of him).
    pub async fn delete_volunteer(&self, actor: &str, sample: &str) -> Result<()> {
        self.audited(async |tx| {
            let id: i64 = sqlx::query("SELECT id FROM clan_volunteers WHERE sample_name = $1")
                .bind(sample)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| RegistryError::not_found("clan volunteer", sample))?
                .try_get("id")?;
            forget(&mut *tx, id).await?;
            Ok((
                (),
                Event {
                    actor,
                    action: "volunteer.delete",
                    target_type: "sample",
                    target_id: sample,
                    detail: "clan volunteer deleted: consent withdrawn".into(),
                },
            ))
        })
        .await
    }

    /// Inside the retention run's transaction: the volunteers whose
    /// `keep_until` day has passed (before `today`, `YYYY-MM-DD`) deleted. Returns
    /// how many.
    pub(crate) async fn retire_volunteers(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        today: &str,
    ) -> Result<usize> {
        let due: Vec<i64> =
            sqlx::query("SELECT id FROM clan_volunteers WHERE keep_until < $1 ORDER BY id")
                .bind(today)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get("id"))
                .collect::<std::result::Result<_, _>>()?;
        for &id in &due {
            let sample = forget(&mut *tx, id).await?;
            crate::store::append_audit(
                &mut *tx,
                self.backend,
                Event {
                    actor,
                    action: "retention.volunteer",
                    target_type: "sample",
                    target_id: &sample,
                    detail: "clan volunteer deleted: the day his consent ran to".into(),
                },
            )
            .await?;
        }
        Ok(due.len())
    }
}
