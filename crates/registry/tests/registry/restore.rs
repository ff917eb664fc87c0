//! Backups restored on both databases (SQLite: `backup` and `restore`;
//! PostgreSQL: `pg_dump` and `pg_restore`), a tampered backup refused, and
//! key rotation: every field readable with the new key, none with the old.

use std::path::{Path, PathBuf};

use registry::{CandidateFilter, ContentDigest, Registry, ReviewAction, Role, crypto};
use sqlx::Row;

use crate::both;
use crate::common::*;
use crate::erasure::{any_piece_in, raw_pool, sqlite_file_bytes};

/// Panics unless the PostgreSQL client tools are installed: the PostgreSQL
/// variant of a test never passes without them.
fn require_pg_tools() {
    for t in ["pg_dump", "pg_restore"] {
        let found = std::process::Command::new(t)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "this test needs {t} (PostgreSQL client tools) and cannot run it"
        );
    }
}

/// A new, empty PostgreSQL database: its URL and name.
async fn empty_pg_database() -> (String, String) {
    let mut admin = pg_admin().await;
    let name = format!(
        "reunite_restore_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    (format!("postgres://postgres@127.0.0.1:5432/{name}"), name)
}

async fn drop_pg_database(name: &str) {
    let mut admin = pg_admin().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
}

/// Everything but the metadata (which holds the key id).
fn without_meta(d: &ContentDigest) -> Vec<registry::TableDigest> {
    d.tables
        .iter()
        .filter(|t| t.table != "meta")
        .cloned()
        .collect()
}

/// A registry with reviews, a rejection, accounts and a session.
async fn busy_registry(r: &Registry) {
    load_small(r).await;
    let cands = r.candidate_summaries(None, None).await.unwrap();
    let a = cands.iter().find(|c| c.case_id == "MC-1").unwrap().id;
    r.review("ann", a, ReviewAction::StartReview, None)
        .await
        .unwrap();
    r.review("ann", a, ReviewAction::RequestTest, None)
        .await
        .unwrap();
    if let Some(b) = cands.iter().find(|c| c.case_id != "MC-1") {
        r.review("bob", b.id, ReviewAction::Reject, Some("facts exclude"))
            .await
            .unwrap();
    }
    r.set_public_alert("t", "MC-3", true).await.unwrap();
    r.create_user("t", "ann", Role::Caseworker, "$argon2id$h1", None)
        .await
        .unwrap();
    r.create_user("t", "fam", Role::Family, "$argon2id$h2", Some("MC-2"))
        .await
        .unwrap();
    let ann = r.user_by_name("ann").await.unwrap().unwrap();
    r.create_session(&ann, "token-hash-of-ann", "csrf", 3600, "test")
        .await
        .unwrap();
}

async fn backup_and_restore_round_trip(db: &TestDb) {
    if !db.is_sqlite() {
        require_pg_tools();
    }
    let r = &db.registry;
    busy_registry(r).await;
    let content = r.content_digest("t").await.unwrap();
    assert_eq!(content.rows("cases"), 3);
    assert_eq!(content.rows("profiles"), 9);
    assert_eq!(content.rows("candidate_events"), 3);
    let candidates = r.candidates(&CandidateFilter::default()).await.unwrap();
    let case = serde_json::to_value(r.case_page("t", "MC-1").await.unwrap()).unwrap();
    let found = serde_json::to_value(r.found_page("t", "FC-1").await.unwrap()).unwrap();
    let cand = r.candidate_summaries(None, None).await.unwrap()[0].id;
    let detail = serde_json::to_value(r.candidate_detail("t", cand).await.unwrap()).unwrap();
    let backup = db.dir.path().join("registry.backup");
    if db.is_sqlite() {
        r.backup("ops", &backup).await.unwrap();
    } else {
        r.dump_postgres("ops", &backup).await.unwrap();
        assert!(
            r.dump_postgres("ops", &backup).await.is_err(),
            "never overwrites"
        );
    }
    let entries = r.verify_audit().await.unwrap();
    // Changes after the backup, which the restore does not bring back.
    r.delete_case("t", "MC-2").await.unwrap();

    let (url, pg_name) = if db.is_sqlite() {
        let path = db.dir.path().join("restored").join("registry.db");
        (format!("sqlite://{}", path.display()), None)
    } else {
        let (url, name) = empty_pg_database().await;
        (url, Some(name))
    };
    let report = Registry::restore(options(&url, &db.key, db.dir.path()), &backup)
        .await
        .unwrap();
    assert_eq!(report.content, content, "every row, every field decrypted");
    assert_eq!(report.audit_entries, entries);
    assert_eq!(report.sessions_dropped, 1);
    assert_eq!(report.replaced, None);

    let (back, _) = Registry::open(options(&url, &db.key, db.dir.path()))
        .await
        .unwrap();
    assert_eq!(back.content_digest("t").await.unwrap(), content);
    assert_eq!(
        back.candidates(&CandidateFilter::default()).await.unwrap(),
        candidates
    );
    assert_eq!(
        serde_json::to_value(back.case_page("t", "MC-1").await.unwrap()).unwrap(),
        case
    );
    assert_eq!(
        serde_json::to_value(back.found_page("t", "FC-1").await.unwrap()).unwrap(),
        found
    );
    assert_eq!(
        serde_json::to_value(back.candidate_detail("t", cand).await.unwrap()).unwrap(),
        detail
    );
    assert!(back.case_page("t", "MC-2").await.unwrap().is_some());
    assert!(
        back.session_user("token-hash-of-ann")
            .await
            .unwrap()
            .is_none()
    );
    back.verify_audit().await.unwrap();
    let tail = back.audit_tail(10).await.unwrap();
    assert!(tail.iter().any(|e| e.action == "restore"));
    // The restored registry works: a new import is matched.
    let people = nist();
    back.import_found(
        "t",
        "f.csv",
        &format!("{FOUND_HEADER}FS-7,FC-7,male,400,700,2025-06-01,,,,,\n"),
    )
    .await
    .unwrap();
    back.import_profiles(
        "t",
        "p.txt",
        &genemapper(&[("FS-7", &child_of(&people[0].1, &people[1].1, 5))]),
        None,
        None,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(
        back.candidates(&CandidateFilter {
            found_id: Some("FC-7".into()),
            ..Default::default()
        })
        .await
        .unwrap()[0]
            .case_id,
        "MC-1"
    );
    back.close().await;
    if let Some(name) = pg_name {
        drop_pg_database(&name).await;
    }
}
both!(backup_and_restore_round_trip);

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// A backup whose audit log was edited, or opened with another key, is
/// refused and nothing is replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_backup_is_refused() {
    let db = TestDb::sqlite().await;
    load_small(&db.registry).await;
    let backup = db.dir.path().join("b.db");
    db.registry.backup("ops", &backup).await.unwrap();
    let target_dir = db.dir.path().join("live");
    std::fs::create_dir(&target_dir).unwrap();
    let target = target_dir.join("registry.db");
    let url = format!("sqlite://{}", target.display());
    // A live registry to restore over.
    let (live, _) = Registry::open(options(&url, &db.key, db.dir.path()))
        .await
        .unwrap();
    live.close().await;
    let before = std::fs::read(&target).unwrap();
    let files = listing(&target_dir);

    // Another key.
    let other = db.dir.path().join("other.key");
    crypto::create_key_file(&other).unwrap();
    let e = Registry::restore(options(&url, &other, db.dir.path()), &backup)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not belong to this database"), "{e}");
    // An edited audit entry.
    let tampered = db.dir.path().join("t.db");
    std::fs::copy(&backup, &tampered).unwrap();
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=rw", tampered.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let e = Registry::restore(options(&url, &db.key, db.dir.path()), &tampered)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("audit") && e.contains("seq 3") && e.contains("nothing was restored"),
        "{e}"
    );
    // Not a database at all.
    let junk = db.dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(
        Registry::restore(options(&url, &db.key, db.dir.path()), &junk)
            .await
            .unwrap_err()
            .to_string()
            .contains("not a SQLite database")
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        before,
        "the registry is untouched"
    );
    assert_eq!(listing(&target_dir), files, "no file left behind");

    // The good backup replaces it; the old one is kept aside.
    let report = Registry::restore(options(&url, &db.key, db.dir.path()), &backup)
        .await
        .unwrap();
    let old = report.replaced.unwrap();
    assert_eq!(std::fs::read(&old).unwrap(), before);
    assert_eq!(report.content.rows("cases"), 3);
    let (back, _) = Registry::open(options(&url, &db.key, db.dir.path()))
        .await
        .unwrap();
    assert_eq!(
        back.candidates(&CandidateFilter::default()).await.unwrap(),
        db.registry
            .candidates(&CandidateFilter::default())
            .await
            .unwrap()
    );
    back.verify_audit().await.unwrap();
    back.close().await;
    db.finish().await;
}

/// Every encrypted field with its table, column and natural key.
async fn ciphertexts(pool: &sqlx::AnyPool) -> Vec<(String, String, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (table, key, cols) in [
        (
            "cases",
            "case_id",
            &["child_name", "missing_place", "description", "contact"][..],
        ),
        (
            "found_children",
            "found_id",
            &["found_place", "description"][..],
        ),
        ("case_references", "sample_name", &["person_name"][..]),
        ("profiles", "sample_name", &["genotypes"][..]),
    ] {
        for col in cols {
            for r in sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {key}, {col} FROM {table} WHERE {col} IS NOT NULL"
            )))
            .fetch_all(pool)
            .await
            .unwrap()
            {
                out.push((
                    table.to_string(),
                    col.to_string(),
                    r.try_get(0).unwrap(),
                    r.try_get(1).unwrap(),
                ));
            }
        }
    }
    out
}

async fn key_rotation_leaves_every_profile_readable_and_the_old_key_useless(db: &TestDb) {
    let r = &db.registry;
    busy_registry(r).await;
    let before = r.content_digest("t").await.unwrap();
    let pool = raw_pool(db).await;
    let old_blobs = ciphertexts(&pool).await;
    assert_eq!(
        old_blobs.iter().filter(|b| b.0 == "profiles").count(),
        9,
        "every profile"
    );
    let old_key = crypto::load_key(&db.key).unwrap();
    for (t, c, k, blob) in &old_blobs {
        crypto::decrypt(&old_key, &crypto::aad(t, c, k), blob).unwrap();
    }
    let new_key_file = db.dir.path().join("rotated.key");
    r.rotate_key("t", &new_key_file).await.unwrap();

    // The new key opens every field, profiles included, with the same content.
    let mut o = options(&db.url, &new_key_file, db.dir.path());
    o.actor = "t".into();
    let (again, _) = Registry::open(o).await.unwrap();
    assert_eq!(
        without_meta(&again.content_digest("t").await.unwrap()),
        without_meta(&before)
    );
    again.close().await;
    // The old key decrypts nothing that is stored now, and the old
    // ciphertexts are gone.
    let new_blobs = ciphertexts(&pool).await;
    assert_eq!(new_blobs.len(), old_blobs.len());
    let new_key = crypto::load_key(&new_key_file).unwrap();
    for (t, c, k, blob) in &new_blobs {
        let aad = crypto::aad(t, c, k);
        assert!(
            crypto::decrypt(&old_key, &aad, blob).is_err(),
            "{t}.{c} of {k}"
        );
        crypto::decrypt(&new_key, &aad, blob).unwrap();
        assert!(old_blobs.iter().all(|o| &o.3 != blob));
    }
    if db.is_sqlite() {
        // Nor are they in the database file once the log is checkpointed.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .unwrap();
        let bytes = sqlite_file_bytes(db);
        for (t, c, k, blob) in &old_blobs {
            assert!(
                !any_piece_in(&bytes, blob),
                "old {t}.{c} of {k} in the file"
            );
        }
    }
    pool.close().await;
    let e = Registry::open(options(&db.url, &db.key, db.dir.path()))
        .await
        .err()
        .expect("the old key is refused")
        .to_string();
    assert!(e.contains("does not belong to this database"), "{e}");
}
both!(key_rotation_leaves_every_profile_readable_and_the_old_key_useless);
