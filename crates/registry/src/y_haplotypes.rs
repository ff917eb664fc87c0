//! The Y-STR haplotypes of samples (table `y_haplotypes`, schema version
//! 13): the Y loci a lab's genotype file carries for a sample, taken out of
//! its autosomal profile and kept apart, keyed by sample name, in the
//! `ystr` text form (`DYS19=14,DYS385=11-14,...`: two-copy loci unordered,
//! smaller first; intermediate, null and duplicated alleles kept as read),
//! sealed bound to (`y_haplotypes`, `haplotype`, the sample name) as
//! profiles are. Never in a log or an audit detail; every read audited.
//! Refused on a sample whose registered sex (or whose own Amelogenin) is
//! female, and a sample holding one is not registered or edited as female. Erased with its case (`delete.rs`), sealed again at a key
//! rotation, in the backups' content digest.

use sqlx::{AnyConnection, Row};

use crate::store::{Event, append_audit};
use crate::{Registry, RegistryError, Result};

/// What storing a sample's Y haplotype did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YStored {
    Added,
    /// The sample already held this very haplotype.
    Unchanged,
    /// The sample already holds another haplotype: nothing was written.
    Different,
}

/// A sample's registered sex: `female`, `male` or `unknown`, from its
/// reference or found-child row (a clan volunteer is a man); `None` for a sample not registered yet.
pub(crate) async fn registered_sex(
    conn: &mut AnyConnection,
    sample: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT sex FROM case_references WHERE sample_name = $1 \
         UNION ALL SELECT sex FROM found_children WHERE sample_name = $1 \
         UNION ALL SELECT 'male' AS sex FROM clan_volunteers WHERE sample_name = $1",
    )
    .bind(sample)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.try_get::<String, _>("sex")).transpose()?)
}

/// Refuses a sample registered (or edited) as female that already holds a
/// Y haplotype, whichever came first: `rows` are the female samples with
/// the line each is on; the first holding one is refused by `refusal`.
pub(crate) async fn refuse_female_with_y(
    conn: &mut AnyConnection,
    rows: &[(&str, usize)],
    refusal: impl Fn(usize, String) -> RegistryError,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let samples: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let with_y: std::collections::HashSet<String> = crate::store::rows_in(conn, &samples, |list| {
        format!("SELECT sample_name FROM y_haplotypes WHERE sample_name IN ({list})")
    })
    .await?
    .iter()
    .map(|r| r.try_get("sample_name"))
    .collect::<std::result::Result<_, _>>()?;
    match rows.iter().find(|r| with_y.contains(r.0)) {
        Some(&(sample, line)) => Err(refusal(
            line,
            format!(
                "sample {sample} is given as female, but a lab file gave it a Y haplotype, \
                 which only a man or boy has: one of the two is wrong"
            ),
        )),
        None => Ok(()),
    }
}

impl Registry {
    /// Stores a sample's Y haplotype (its canonical text form, sealed), unless the
    /// sample has one: then says whether it is the same.
    pub(crate) async fn store_y_haplotype(
        &self,
        conn: &mut AnyConnection,
        sample: &str,
        haplotype: &ystr::Haplotype,
        file: &str,
    ) -> Result<YStored> {
        let text = haplotype.canonical().to_string();
        let existing = sqlx::query("SELECT haplotype FROM y_haplotypes WHERE sample_name = $1")
            .bind(sample)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = existing {
            let old = self.open_field("y_haplotypes", "haplotype", sample, r.try_get(0)?)?;
            // Stored before in the order its file gave (as earlier versions did).
            let old = old
                .map(|t| ystr::Haplotype::parse(&t, sample))
                .transpose()
                .map_err(|e| RegistryError::Damaged(format!("the Y haplotype of {sample}: {e}")))?
                .map(|h| h.canonical().to_string());
            return Ok(if old.as_deref() == Some(text.as_str()) {
                YStored::Unchanged
            } else {
                YStored::Different
            });
        }
        sqlx::query(
            "INSERT INTO y_haplotypes (sample_name, haplotype, loci, source_file, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(sample)
        .bind(self.seal("y_haplotypes", "haplotype", sample, Some(&text)))
        .bind(haplotype.calls().len() as i64)
        .bind(file)
        .bind(crate::audit::now_rfc3339())
        .execute(&mut *conn)
        .await?;
        Ok(YStored::Added)
    }

    /// A sample's Y haplotype in the `ystr` text form, if it has one. An
    /// audited read (the entry names the sample, never the haplotype).
    pub async fn y_haplotype(&self, actor: &str, sample: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT haplotype FROM y_haplotypes WHERE sample_name = $1")
            .bind(sample)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let text = self
            .open_field("y_haplotypes", "haplotype", sample, row.try_get(0)?)?
            .ok_or_else(|| RegistryError::Damaged(format!("the Y haplotype of {sample}")))?;
        let event = Event {
            actor,
            action: "y_haplotype.read",
            target_type: "sample",
            target_id: sample,
            detail: "Y haplotype read".into(),
        };
        self.audited(async |_| Ok(((), event))).await?;
        Ok(Some(text))
    }
}

/// Deletes the Y haplotypes of a case's references, the case's
/// paternal-line leads and the lineage snapshot, in the caller's
/// transaction (an erasure, a retention). Returns how many haplotypes.
pub(crate) async fn forget_case(conn: &mut AnyConnection, case_ref: i64) -> Result<u64> {
    crate::lineage::forget_case(&mut *conn, case_ref).await?;
    let deleted = sqlx::query(
        "DELETE FROM y_haplotypes WHERE sample_name IN \
         (SELECT sample_name FROM case_references WHERE case_ref = $1)",
    )
    .bind(case_ref)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if deleted > 0 {
        // No deleted haplotype outlives its row in the lineage snapshot.
        crate::lineage_state::delete(&mut *conn).await?;
    }
    Ok(deleted)
}

/// Appends the audit entry of an import's Y haplotypes (a count, no sample).
pub(crate) async fn audit_stored(
    registry: &Registry,
    conn: &mut AnyConnection,
    actor: &str,
    file_sha: &str,
    added: usize,
) -> Result<()> {
    if added == 0 {
        return Ok(());
    }
    append_audit(
        conn,
        registry.backend,
        Event {
            actor,
            action: "y_haplotypes.store",
            target_type: "file",
            target_id: file_sha,
            detail: format!("{added} Y haplotypes stored"),
        },
    )
    .await
}
