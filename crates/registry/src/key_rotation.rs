//! Key rotation: every encrypted field sealed again with a new key.

use std::path::Path;

use sqlx::{AssertSqlSafe, Row};

// Table and column names below come from constants of this file, never from input.

use crate::crypto::{self, Key};
use crate::store::{Event, append_audit, set_meta};
use crate::{Registry, Result};

/// (table, natural key column, encrypted columns) of every encrypted field.
const ENCRYPTED: &[(&str, &str, &[&str])] = &[
    (
        "cases",
        "case_id",
        &["child_name", "missing_place", "description", "contact"],
    ),
    (
        "found_children",
        "found_id",
        &["found_place", "description"],
    ),
    ("case_references", "sample_name", &["person_name"]),
    ("profiles", "sample_name", &["genotypes"]),
    ("photos", "photo_id", &["image"]),
    ("y_haplotypes", "sample_name", &["haplotype"]),
    (
        "clan_volunteers",
        "sample_name",
        &["surname", "ancestral_place", "person_name"],
    ),
];

impl Registry {
    /// Re-encrypts every field with a new key, written to `new_key_file`
    /// (created 0600). The old key opens nothing afterwards.
    pub async fn rotate_key(&self, actor: &str, new_key_file: &Path) -> Result<usize> {
        let new_key = Key::generate();
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let mut fields = 0;
        for (table, key_col, columns) in ENCRYPTED {
            for col in *columns {
                let rows = sqlx::query(AssertSqlSafe(format!(
                    "SELECT id, {key_col}, {col} FROM {table} WHERE {col} IS NOT NULL"
                )))
                .fetch_all(&mut *tx)
                .await?;
                for r in rows {
                    let id: i64 = r.try_get("id")?;
                    let natural: String = r.try_get(*key_col)?;
                    let blob: Vec<u8> = r.try_get(*col)?;
                    let aad = crypto::aad(table, col, &natural);
                    let plain = crypto::decrypt(&self.key, &aad, &blob)?;
                    let sealed = crypto::encrypt(&new_key, &aad, &plain);
                    sqlx::query(AssertSqlSafe(format!(
                        "UPDATE {table} SET {col} = $1 WHERE id = $2"
                    )))
                    .bind(sealed)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    fields += 1;
                }
            }
        }
        // The index snapshot is sealed with the old key: it is built anew
        // (with the new key) when next needed.
        crate::changes::delete_snapshots(&mut tx).await?;
        // So are the search terms, which the old key made.
        crate::search_terms::forget_all(&mut tx).await?;
        set_meta(&mut tx, "key_id", &new_key.id()).await?;
        append_audit(
            &mut tx,
            self.backend,
            Event {
                actor,
                action: "key.rotate",
                target_type: "database",
                target_id: "*",
                detail: format!("{fields} fields re-encrypted; new key id {}", new_key.id()),
            },
        )
        .await?;
        // The new key is on disk before the data depends on it.
        crypto::write_key_file(new_key_file, &new_key)?;
        if let Err(e) = tx.commit().await {
            let _ = std::fs::remove_file(new_key_file);
            return Err(e.into());
        }
        Ok(fields)
    }
}
