//! A large value (an index snapshot, a lineage snapshot) sealed in parts of
//! a few MiB, one row each in a parts table (`snapshot_id`, `part`,
//! `content`): databases read many moderate values several times faster
//! than one of hundreds of MB, and the parts are sealed and opened side by
//! side. Each part is bound to its table, the value's name (`at`: the
//! change it holds), its number and the count (`crypto::aad`), so that a
//! part moved to another place, another value or another count is refused.

use rayon::prelude::*;
use sqlx::{AnyConnection, Row};

use crate::Result;
use crate::crypto::{self, Key};
use crate::store::insert_rows;

/// The plaintext is sealed in parts of this many bytes.
pub(crate) const PART_BYTES: usize = 4 << 20;

/// The additional data of part `part` of `parts` of the value `at` in
/// `table`.
fn part_aad(table: &str, at: &str, part: i64, parts: i64) -> Vec<u8> {
    crypto::aad(table, "content", &format!("{at}/{part}/{parts}"))
}

/// `plain` sealed in parts, side by side.
pub(crate) fn seal(key: &Key, table: &str, at: &str, plain: &[u8]) -> Vec<Vec<u8>> {
    let chunks: Vec<&[u8]> = plain.chunks(PART_BYTES).collect();
    let parts = chunks.len() as i64;
    chunks
        .par_iter()
        .enumerate()
        .map(|(k, chunk)| crypto::encrypt(key, &part_aad(table, at, k as i64, parts), chunk))
        .collect()
}

/// Inserts the sealed parts of value `id` into `table` (a constant).
pub(crate) async fn insert(
    tx: &mut AnyConnection,
    table: &'static str,
    id: i64,
    sealed: &[Vec<u8>],
) -> Result<()> {
    insert_rows(
        &mut *tx,
        &format!("INSERT INTO {table} (snapshot_id, part, content) VALUES"),
        "(?, ?, ?)",
        sealed.len(),
        |q, part| q.bind(id).bind(part as i64).bind(&sealed[part][..]),
    )
    .await
}

/// The plaintext of value `id` (named `at`) from its `parts` parts in
/// `table` (a constant), read in one statement and opened side by side,
/// each straight into its place; or why it cannot be.
pub(crate) async fn open(
    tx: &mut AnyConnection,
    key: &Key,
    table: &'static str,
    (id, at, parts): (i64, &str, i64),
) -> Result<std::result::Result<Vec<u8>, String>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT part, content FROM {table} WHERE snapshot_id = $1 ORDER BY part"
    )))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut sealed: Vec<&[u8]> = Vec::with_capacity(rows.len());
    for (k, row) in rows.iter().enumerate() {
        let part: i64 = row.try_get("part")?;
        if part != k as i64 || part >= parts {
            return Ok(Err(format!(
                "it has part {} where part {} of {parts} belongs",
                part + 1,
                k + 1
            )));
        }
        let content: &[u8] = row.try_get("content")?;
        if content.len() < crypto::OVERHEAD {
            return Ok(Err(format!("its part {} of {parts} is truncated", k + 1)));
        }
        sealed.push(content);
    }
    if sealed.len() as i64 != parts {
        return Ok(Err(format!("it has {} of its {parts} parts", sealed.len())));
    }
    // Where each part's plaintext goes.
    let mut plain = vec![0u8; sealed.iter().map(|c| c.len() - crypto::OVERHEAD).sum()];
    let mut places: Vec<&mut [u8]> = Vec::with_capacity(sealed.len());
    let mut rest = &mut plain[..];
    for content in &sealed {
        let (place, after) = rest.split_at_mut(content.len() - crypto::OVERHEAD);
        places.push(place);
        rest = after;
    }
    let opened = places
        .into_par_iter()
        .zip(sealed.par_iter())
        .enumerate()
        .try_for_each(|(k, (place, content))| {
            crypto::decrypt_into(key, &part_aad(table, at, k as i64, parts), content, place)
                .map_err(|e| format!("its part {} of {parts} cannot be decrypted: {e}", k + 1))
        });
    Ok(opened.map(|()| plain))
}
