//! The whole content of a registry database, to show that a refused request
//! changed nothing: every table's rows (read raw, ciphertexts included) and
//! the head of the audit chain. Shared by the fuzz tests of `registry` and
//! `server` (the server's includes this file by path).

#![allow(dead_code)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use sqlx::{Column, Row};

/// Every table as (name, rows, hash of its sorted rows), and the audit head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub tables: Vec<(String, usize, u64)>,
    /// The hash of the newest audit entry.
    pub audit_head: Option<String>,
    /// The sequence number of the newest audit entry.
    pub audit_seq: i64,
}

impl Snapshot {
    /// The tables other than `skip`.
    pub fn without(&self, skip: &str) -> Vec<(String, usize, u64)> {
        self.tables
            .iter()
            .filter(|(name, _, _)| name != skip)
            .cloned()
            .collect()
    }
}

/// A pool of its own on the registry's database (`url` as the registry has it).
pub async fn raw_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("sqlite:") {
        format!("{url}?mode=rw")
    } else {
        url.to_string()
    };
    sqlx::AnyPool::connect(&url).await.unwrap()
}

/// One column of a row as text (any of the types the `Any` driver carries).
fn cell(row: &sqlx::any::AnyRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return format!("{:?}", v.map(f64::to_bits));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
        return format!("{v:?}");
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return format!("{v:?}");
    }
    panic!("column {} of an unknown type", row.columns()[i].name())
}

/// Reads every table of the database.
pub async fn snapshot(pool: &sqlx::AnyPool) -> Snapshot {
    let sqlite = pool.connect_options().database_url.scheme() == "sqlite";
    let list = if sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    } else {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
    };
    let names: Vec<String> = sqlx::query(list)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    assert!(names.iter().any(|n| n == "audit_log"), "{names:?}");
    let mut tables = Vec::new();
    for name in names {
        // Table names come from the catalogue above, never from input.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {name}")))
            .fetch_all(pool)
            .await
            .unwrap();
        let mut texts: Vec<String> = rows
            .iter()
            .map(|row| {
                (0..row.columns().len())
                    .map(|i| cell(row, i))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        texts.sort_unstable();
        let mut h = DefaultHasher::new();
        texts.hash(&mut h);
        tables.push((name, texts.len(), h.finish()));
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(pool)
        .await
        .unwrap();
    Snapshot {
        tables,
        audit_head: head.as_ref().map(|r| r.try_get(1).unwrap()),
        audit_seq: head.map_or(0, |r| r.try_get(0).unwrap()),
    }
}
