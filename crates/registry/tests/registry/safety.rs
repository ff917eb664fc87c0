//! Encryption at rest, the audit chain, key rotation and backups.

use registry::{CandidateFilter, Registry};
use sqlx::Row;

use crate::both;
use crate::common::*;

/// Every cell of every table, read raw (ciphertexts as stored), one after
/// the other: what someone with the database but not the key can read.
async fn every_cell(db: &TestDb) -> Vec<u8> {
    let pool = crate::erasure::raw_pool(db).await;
    let list = if db.is_sqlite() {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    } else {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
    };
    let names: Vec<String> = sqlx::query(list)
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    for t in [
        "cases",
        "case_references",
        "found_children",
        "profiles",
        "audit_log",
    ] {
        assert!(names.iter().any(|n| n == t), "{t} in {names:?}");
    }
    let mut out = Vec::new();
    for name in names {
        // Table names come from the catalogue above, never from input.
        for row in sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {name}")))
            .fetch_all(&pool)
            .await
            .unwrap()
        {
            for i in 0..row.columns().len() {
                if let Ok(Some(v)) = row.try_get::<Option<String>, _>(i) {
                    out.extend(v.as_bytes());
                } else if let Ok(Some(v)) = row.try_get::<Option<Vec<u8>>, _>(i) {
                    out.extend(v);
                }
                out.push(b'|');
            }
        }
    }
    pool.close().await;
    out
}

async fn personal_data_is_encrypted_at_rest(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let secrets = [
        "Amina Secretname",
        "Joseph Privatename",
        "scar on left knee",
        "Riverton",
        // The words a search finds them by, as normalised.
        "secretname",
        "privatename",
        "riverton",
    ];
    // A stored profile in clear would read ["D3S1358","15","16"].
    let genotype = "[\"D3S1358\",\"";
    // What every table holds, on either database.
    let cells = every_cell(db).await;
    let text = String::from_utf8_lossy(&cells);
    assert!(
        text.contains("MC-1") && text.contains("RS-1F"),
        "the tables were read"
    );
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} found in a table");
    }
    assert!(!text.contains(genotype), "genotypes in clear in a table");
    if db.is_sqlite() {
        // And the files themselves, free pages and log included.
        r.backup("t", &db.dir.path().join("copy.db")).await.unwrap();
        let mut bytes = std::fs::read(db.dir.path().join("copy.db")).unwrap();
        bytes.extend(std::fs::read(db.dir.path().join("registry.db")).unwrap_or_default());
        let text = String::from_utf8_lossy(&bytes);
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{secret} found in the database file"
            );
        }
        assert!(!text.contains(genotype), "genotypes in clear");
    }
}
both!(personal_data_is_encrypted_at_rest);

async fn tampering_with_the_audit_log_is_detected(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let n = r.verify_audit().await.unwrap();
    assert!(n >= 5);
    // Someone edits an entry directly in the database.
    let pool = sqlx::AnyPool::connect(&if db.is_sqlite() {
        format!("{}?mode=rw", db.url)
    } else {
        db.url.clone()
    })
    .await
    .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let e = r.verify_audit().await.unwrap_err().to_string();
    assert!(e.contains("seq 2"), "{e}");
}
both!(tampering_with_the_audit_log_is_detected);

async fn key_rotation_keeps_data_readable_and_the_old_key_useless(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let before = r.candidates(&CandidateFilter::default()).await.unwrap();
    let new_key = db.dir.path().join("new.key");
    let fields = r.rotate_key("t", &new_key).await.unwrap();
    assert!(fields >= 9 + 5);
    // With the new key everything opens, profiles included (the index is rebuilt from them).
    let mut o = options(&db.url, &new_key, db.dir.path());
    o.actor = "t".into();
    let (again, _) = Registry::open(o).await.unwrap();
    assert_eq!(
        again
            .candidates(&CandidateFilter::default())
            .await
            .unwrap()
            .len(),
        before.len()
    );
    again.close().await;
    // The old key is refused.
    let e = Registry::open(options(&db.url, &db.key, db.dir.path()))
        .await
        .err()
        .expect("old key refused")
        .to_string();
    assert!(e.contains("does not belong to this database"), "{e}");
}
both!(key_rotation_keeps_data_readable_and_the_old_key_useless);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_round_trip() {
    let db = TestDb::sqlite().await;
    load_small(&db.registry).await;
    let copy = db.dir.path().join("backup.db");
    db.registry.backup("t", &copy).await.unwrap();
    assert!(
        db.registry.backup("t", &copy).await.is_err(),
        "never overwrites"
    );
    let url = format!("sqlite://{}", copy.display());
    let (restored, _) = Registry::open(options(&url, &db.key, db.dir.path()))
        .await
        .unwrap();
    let a = db
        .registry
        .candidates(&CandidateFilter::default())
        .await
        .unwrap();
    let b = restored
        .candidates(&CandidateFilter::default())
        .await
        .unwrap();
    assert_eq!(a, b);
    restored.verify_audit().await.unwrap();
    restored.close().await;
    db.finish().await;
}

/// After a reunion and the retention period, the references' genotypes are
/// deleted, and (SQLite, secure_delete) not left in the database file.
async fn retention_deletes_reference_genotypes(db: &TestDb) {
    use registry::ReviewAction::*;
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.retention_days = 0;
    let (r, _) = Registry::open(o).await.unwrap();
    load_small(&r).await;
    let id = small_candidate(&r).await.id;
    r.review("ann", id, StartReview, None).await.unwrap();
    r.review("ann", id, RequestTest, None).await.unwrap();
    r.review("bob", id, Confirm, None).await.unwrap();
    r.review("bob", id, Reunite, None).await.unwrap();
    let before = r
        .counts()
        .await
        .unwrap()
        .iter()
        .find(|(k, _)| *k == "profiles")
        .unwrap()
        .1;
    assert_eq!(
        r.run_retention("t").await.unwrap().profiles,
        2,
        "father and mother of MC-1"
    );
    let after = r
        .counts()
        .await
        .unwrap()
        .iter()
        .find(|(k, _)| *k == "profiles")
        .unwrap()
        .1;
    assert_eq!(after, before - 2);
    r.verify_audit().await.unwrap();
    r.close().await;
}
both!(retention_deletes_reference_genotypes);
