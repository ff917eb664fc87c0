//! Deleting a case: its references' genotypes are gone from the tables, from
//! the search index and (SQLite) from the database files.

use registry::{CandidateFilter, CaseDeletion, Registry, ReviewAction, Role};
use sqlx::Row;

use crate::both;
use crate::common::*;

/// A second connection to the test database, as someone reading the tables directly.
pub async fn raw_pool(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&if db.is_sqlite() {
        format!("{}?mode=rw", db.url)
    } else {
        db.url.clone()
    })
    .await
    .unwrap()
}

/// The bytes of the SQLite database file and its write-ahead log.
pub fn sqlite_file_bytes(db: &TestDb) -> Vec<u8> {
    let path = db.dir.path().join("registry.db");
    let mut bytes = std::fs::read(&path).unwrap();
    let mut wal = path.into_os_string();
    wal.push("-wal");
    bytes.extend(std::fs::read(&wal).unwrap_or_default());
    bytes
}

/// Whether any aligned 16-byte piece of `blob` is in `haystack` (a
/// ciphertext left even in part).
pub fn any_piece_in(haystack: &[u8], blob: &[u8]) -> bool {
    blob.chunks_exact(16)
        .any(|piece| haystack.windows(16).any(|w| w == piece))
}

/// The encrypted fields of case MC-1, its references and their profiles.
async fn mc1_ciphertexts(pool: &sqlx::AnyPool) -> Vec<Vec<u8>> {
    let mut blobs = Vec::new();
    for r in sqlx::query(
        "SELECT genotypes FROM profiles WHERE sample_name IN ('RS-1F', 'RS-1M')
         UNION ALL SELECT person_name FROM case_references WHERE sample_name IN ('RS-1F', 'RS-1M')
         UNION ALL SELECT child_name FROM cases WHERE case_id = 'MC-1'
         UNION ALL SELECT missing_place FROM cases WHERE case_id = 'MC-1'
         UNION ALL SELECT description FROM cases WHERE case_id = 'MC-1'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        blobs.push(r.try_get::<Vec<u8>, _>(0).unwrap());
    }
    blobs
}

async fn count(pool: &sqlx::AnyPool, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn deleting_a_case_erases_its_references_genotypes(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let cands = r.candidate_summaries(None, None).await.unwrap();
    let mc1 = cands
        .iter()
        .find(|c| c.found_id == "FC-1" && c.case_id == "MC-1")
        .unwrap();
    r.review("ann", mc1.id, ReviewAction::StartReview, None)
        .await
        .unwrap();
    let mc1_candidates = cands.iter().filter(|c| c.case_id == "MC-1").count() as u64;
    let others: Vec<_> = cands.iter().filter(|c| c.case_id != "MC-1").collect();
    assert!(!others.is_empty());
    // A family account of the case, logged in.
    let user = r
        .create_user(
            "t",
            "fam1",
            Role::Family,
            "$argon2id$not-a-real-hash",
            Some("MC-1"),
        )
        .await
        .unwrap();
    let record = r.user_by_name("fam1").await.unwrap().unwrap();
    assert_eq!(record.id, user);
    r.create_session(&record, "session-of-fam1", "csrf", 3600, "test")
        .await
        .unwrap();

    let pool = raw_pool(db).await;
    let blobs = mc1_ciphertexts(&pool).await;
    // The live index scores FC-1 against MC-1 before the deletion.
    let mc1_ref = r.case_id_ref("MC-1").await.unwrap().unwrap();
    let fc1_ref: i64 = sqlx::query("SELECT id FROM found_children WHERE found_id = 'FC-1'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let scored = |scores: Vec<(i64, f64)>| scores.iter().any(|(c, _)| *c == mc1_ref);
    assert!(scored(r.child_scores(fc1_ref).await.unwrap()));
    assert_eq!(
        blobs.len(),
        2 + 2 + 3,
        "two profiles, two names, three case texts"
    );
    if db.is_sqlite() {
        // The check below can see them while they are there.
        let bytes = sqlite_file_bytes(db);
        for b in &blobs {
            assert!(any_piece_in(&bytes, b), "a ciphertext not found before");
        }
    }

    let done = r.delete_case("admin1", "MC-1").await.unwrap();
    assert_eq!(
        done,
        CaseDeletion {
            case_id: "MC-1".into(),
            references: 2,
            profiles: 2,
            y_haplotypes: 0,
            candidates: mc1_candidates,
            review_events: 1,
            accounts: 1,
            files_cleared: true,
        }
    );
    if db.is_sqlite() {
        let bytes = sqlite_file_bytes(db);
        for b in &blobs {
            assert!(
                !any_piece_in(&bytes, b),
                "a deleted ciphertext is still in the database file or its log"
            );
        }
    }
    // The rows are gone, and nothing left holds those ciphertexts.
    for (sql, what) in [
        ("SELECT COUNT(*) FROM cases WHERE case_id = 'MC-1'", "case"),
        (
            "SELECT COUNT(*) FROM case_references WHERE sample_name IN ('RS-1F', 'RS-1M')",
            "references",
        ),
        (
            "SELECT COUNT(*) FROM profiles WHERE sample_name IN ('RS-1F', 'RS-1M')",
            "profiles",
        ),
        (
            "SELECT COUNT(*) FROM candidates WHERE case_ref NOT IN (SELECT id FROM cases)",
            "candidates",
        ),
        (
            "SELECT COUNT(*) FROM candidate_events WHERE candidate_ref NOT IN (SELECT id FROM candidates)",
            "review steps",
        ),
        (
            "SELECT COUNT(*) FROM users WHERE username = 'fam1'",
            "account",
        ),
        ("SELECT COUNT(*) FROM sessions", "session"),
    ] {
        assert_eq!(count(&pool, sql).await, 0, "{what} left");
    }
    for row in sqlx::query("SELECT genotypes FROM profiles")
        .fetch_all(&pool)
        .await
        .unwrap()
    {
        let g: Vec<u8> = row.try_get(0).unwrap();
        assert!(!blobs.contains(&g));
    }
    pool.close().await;
    assert!(r.session_user("session-of-fam1").await.unwrap().is_none());
    // The rest is untouched.
    let after = r.candidate_summaries(None, None).await.unwrap();
    assert_eq!(after.len(), others.len());
    assert!(after.iter().all(|c| c.case_id != "MC-1"));
    assert!(r.case_page("t", "MC-2").await.unwrap().is_some());
    assert!(r.found_page("t", "FC-1").await.unwrap().unwrap().typed);
    // The audit keeps the deletion, without names or genotypes.
    let last = r
        .audit_tail(5)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.action == "case.delete")
        .unwrap();
    assert_eq!(
        (last.actor.as_str(), last.target_id.as_str()),
        ("admin1", "MC-1")
    );
    for secret in ["Amina", "Joseph", "Grace", "RS-1F", "D3S1358"] {
        assert!(!last.detail.contains(secret), "{}", last.detail);
    }
    r.verify_audit().await.unwrap();
    assert!(
        r.delete_case("admin1", "MC-1")
            .await
            .unwrap_err()
            .to_string()
            .contains("no case MC-1")
    );

    // The live search index forgot the case at once, and another child of
    // the same parents, imported now, finds no candidate in it.
    assert!(!scored(r.child_scores(fc1_ref).await.unwrap()));
    let people = nist();
    let sibling = child_of(&people[0].1, &people[1].1, 99);
    r.import_found(
        "t",
        "found2.csv",
        &format!("{FOUND_HEADER}FS-9,FC-9,female,300,900,2025-07-01,Riverton,10.6,20.3,Home A,\n"),
    )
    .await
    .unwrap();
    let report = r
        .import_profiles(
            "t",
            "p2.txt",
            &genemapper(&[("FS-9", &sibling)]),
            None,
            None,
            &|_, _| {},
        )
        .await
        .unwrap();
    let fc9 = r
        .candidates(&CandidateFilter {
            found_id: Some("FC-9".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(fc9.iter().all(|c| c.case_id != "MC-1"), "{fc9:?}");
    assert_eq!(report.new_candidates, fc9.len());
    // A registry opened afresh (index rebuilt from the tables) agrees.
    let again: Registry = db.reopen().await;
    assert_eq!(
        again.candidates(&CandidateFilter::default()).await.unwrap(),
        r.candidates(&CandidateFilter::default()).await.unwrap()
    );
    again.close().await;
}
both!(deleting_a_case_erases_its_references_genotypes);

/// Retention (after a reunion) deletes the references' genotypes: on SQLite
/// they are not left in the database file either, once the log is checkpointed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_leaves_no_genotype_in_the_sqlite_file() {
    let db = TestDb::sqlite().await;
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.retention_days = 0;
    let (r, _) = Registry::open(o).await.unwrap();
    load_small(&r).await;
    let id = small_candidate(&r).await.id;
    reunite(&r, id).await;
    let pool = raw_pool(&db).await;
    let blobs: Vec<Vec<u8>> =
        sqlx::query("SELECT genotypes FROM profiles WHERE sample_name IN ('RS-1F', 'RS-1M')")
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get(0).unwrap())
            .collect();
    assert_eq!(blobs.len(), 2);
    assert_eq!(r.run_retention("t").await.unwrap().profiles, 2);
    r.close().await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let bytes = sqlite_file_bytes(&db);
    for b in &blobs {
        assert!(
            !any_piece_in(&bytes, b),
            "a retained genotype is in the file"
        );
    }
    db.finish().await;
}
