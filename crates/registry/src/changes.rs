//! The change sequence (table `index_changes`): after each write that
//! changes what the index holds, the cases and found children it changed,
//! whether it removed any, or "rebuild" when there were too many to name.
//! Every process holding an index (a server, a command) brings it in step
//! by applying the changes after the last one it saw; the index snapshot
//! records the change it covers. A change that removes rows deletes the
//! snapshots, so that nothing deleted outlives its rows in one.

use sqlx::{AnyConnection, Row};

use crate::{RegistryError, Result};

/// Beyond this many ids, a change is recorded as "rebuild" rather than by id.
const CHANGE_IDS_MAX: usize = 20_000;

/// The last entry of the change sequence (0 when there is none).
pub(crate) async fn last_change(conn: &mut AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM index_changes")
            .fetch_one(&mut *conn)
            .await?
            .try_get("last")?,
    )
}

/// Appends a change to the sequence (nothing when nothing changed).
pub(crate) async fn record_change(
    conn: &mut AnyConnection,
    cases: &[i64],
    found: &[i64],
    removes: bool,
) -> Result<()> {
    if cases.is_empty() && found.is_empty() {
        return Ok(());
    }
    if removes {
        // Nothing deleted outlives its rows in the index snapshot.
        delete_index_snapshots(&mut *conn).await?;
    }
    let rebuild = cases.len() + found.len() > CHANGE_IDS_MAX;
    let ids = |v: &[i64]| match rebuild {
        true => "[]".to_string(),
        false => serde_json::to_string(v).unwrap_or_default(),
    };
    sqlx::query(
        "INSERT INTO index_changes (cases, found, removes, rebuild, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ids(cases))
    .bind(ids(found))
    .bind(i64::from(removes))
    .bind(i64::from(rebuild))
    .bind(crate::audit::now_rfc3339())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The changes after entry `seq`, together.
pub(crate) struct Changes {
    pub(crate) cases: Vec<i64>,
    pub(crate) found: Vec<i64>,
    pub(crate) removes: bool,
    pub(crate) rebuild: bool,
    pub(crate) last: i64,
}

pub(crate) async fn changes_since(conn: &mut AnyConnection, seq: i64) -> Result<Changes> {
    let mut changes = Changes {
        cases: Vec::new(),
        found: Vec::new(),
        removes: false,
        rebuild: false,
        last: seq,
    };
    for r in sqlx::query(
        "SELECT seq, cases, found, removes, rebuild FROM index_changes WHERE seq > $1 ORDER BY seq",
    )
    .bind(seq)
    .fetch_all(&mut *conn)
    .await?
    {
        let ids = |column: &str| -> Result<Vec<i64>> {
            let text: String = r.try_get(column)?;
            serde_json::from_str(&text).map_err(|e| {
                RegistryError::Damaged(format!("the index change sequence is damaged: {e}"))
            })
        };
        changes.cases.extend(ids("cases")?);
        changes.found.extend(ids("found")?);
        changes.removes |= r.try_get::<i64, _>("removes")? != 0;
        changes.rebuild |= r.try_get::<i64, _>("rebuild")? != 0;
        changes.last = changes.last.max(r.try_get("seq")?);
    }
    changes.cases.sort_unstable();
    changes.cases.dedup();
    changes.found.sort_unstable();
    changes.found.dedup();
    Ok(changes)
}

/// Deletes every snapshot, the index's and the lineage indexes' (inside a
/// key rotation's transaction).
pub(crate) async fn delete_snapshots(conn: &mut AnyConnection) -> Result<()> {
    delete_index_snapshots(&mut *conn).await?;
    crate::lineage_state::delete(&mut *conn).await
}

/// Deletes the index snapshots (inside a deletion's transaction, or before
/// one is written).
pub(crate) async fn delete_index_snapshots(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("DELETE FROM index_snapshot_parts")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM index_snapshots")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
