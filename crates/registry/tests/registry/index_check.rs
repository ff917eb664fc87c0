//! `Registry::check_index`: the live index and the stored candidates against
//! an index rebuilt from the database, on both databases.

use registry::CandidateFilter;

use crate::both;
use crate::common::*;

/// A second connection, as someone altering the tables behind the registry's back.
async fn raw(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&if db.is_sqlite() {
        format!("{}?mode=rw", db.url)
    } else {
        db.url.clone()
    })
    .await
    .unwrap()
}

async fn candidates_agree_with_a_rebuilt_index(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let n = r
        .candidates(&CandidateFilter::default())
        .await
        .unwrap()
        .len();
    assert!(n >= 3);
    let check = r.check_index("test").await.unwrap();
    assert!(check.agrees(), "{check:?}");
    assert!(check.live_index_agrees, "{check:?}");
    assert_eq!((check.candidates, check.reproduced), (n, n), "{check:?}");
    assert_eq!((check.earlier_table, check.unscorable), (0, 0));
    assert!(check.not_stored.is_empty(), "{check:?}");
    assert_eq!((check.cases_indexed, check.children_indexed), (3, 4));
    assert_eq!(check.frequency_database.as_deref(), Some("NIST v1"));
    // The bulk decryptions of the check are in the audit log: the rows for
    // the rebuilt index, then the index snapshot and the rows changed since.
    let tail = r.audit_tail(3).await.unwrap();
    let details: Vec<&str> = tail
        .iter()
        .filter(|e| e.action == "profiles.read")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(details.len(), 3, "{tail:?}");
    assert!(
        details[2].ends_with("to check the search index against the stored candidates"),
        "{details:?}"
    );
    assert!(
        details[1].contains("from the index snapshot of change"),
        "{details:?}"
    );
    assert!(
        details[1].ends_with("to check the index snapshot"),
        "{details:?}"
    );
    assert!(
        details[0].ends_with("to check the index snapshot"),
        "{details:?}"
    );

    // Behind the registry's back: one stored LR altered, one child's candidates deleted.
    let pool = raw(db).await;
    sqlx::query(
        "UPDATE candidates SET log10_lr = log10_lr + 0.5
         WHERE found_ref = (SELECT id FROM found_children WHERE found_id = 'FC-1')
           AND case_ref = (SELECT id FROM cases WHERE case_id = 'MC-1')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "DELETE FROM candidates WHERE found_ref = (SELECT id FROM found_children WHERE found_id = 'FC-2')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let check = r.check_index("test").await.unwrap();
    assert!(!check.agrees());
    assert_eq!(check.differing.len(), 1, "{check:?}");
    let d = &check.differing[0];
    assert_eq!((d.found_id.as_str(), d.case_id.as_str()), ("FC-1", "MC-1"));
    assert_eq!(d.reason, "the LR differs");
    let rebuilt = d.rebuilt_log10_lr.unwrap();
    assert!((d.stored_log10_lr - rebuilt - 0.5).abs() < 1e-9, "{d:?}");
    assert!(
        check
            .not_stored
            .iter()
            .any(|p| p.found_id == "FC-2" && p.case_id == "MC-2"),
        "{check:?}"
    );
}
both!(candidates_agree_with_a_rebuilt_index);

/// A second process's view: its index was built before another process
/// imported. It brings itself in step from the change sequence before its
/// next search, and its check agrees.
async fn a_second_process_catches_up(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let other = db.reopen().await;
    other.load_search_index().await.unwrap();
    let people = nist();
    let found =
        format!("{FOUND_HEADER}FS-5,FC-5,male,400,700,2025-06-01,Riverton,10.6,20.3,Home A,\n");
    r.import_found("test", "found5.csv", &found).await.unwrap();
    r.import_profiles(
        "test",
        "fs5.txt",
        &genemapper(&[("FS-5", &people[801].1)]),
        Some("Lab 1"),
        None,
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(other.catch_up_index().await.unwrap(), "a change to apply");
    assert!(!other.catch_up_index().await.unwrap(), "nothing more");
    let since = other.audit_tail(1).await.unwrap()[0].seq;
    let check = other.check_index("test").await.unwrap();
    assert!(check.live_index_agrees, "{check:?}");
    assert!(check.agrees(), "{check:?}");
    assert_eq!(check.children_indexed, 5);
    // Only the check decrypted everything: catching up read one profile.
    let reads: Vec<String> = other
        .audit_tail(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "profiles.read")
        .map(|e| e.detail)
        .collect();
    assert!(
        reads.contains(&"1 profiles decrypted to update the search index".to_string()),
        "{reads:?} since {since}"
    );
    other.close().await;
}
both!(a_second_process_catches_up);

/// Rows changed behind the registry's back, outside every import: the
/// live index no longer matches the database, and the check says how.
async fn a_stale_live_index_is_reported(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    r.load_search_index().await.unwrap();
    let pool = raw(db).await;
    sqlx::query("DELETE FROM profiles WHERE sample_name = 'FS-4'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let stale = r.check_index("test").await.unwrap();
    assert!(!stale.live_index_agrees, "{stale:?}");
    assert!(!stale.agrees());
    assert!(
        stale
            .live_differences
            .iter()
            .any(|d| d == "4 found children live, 3 rebuilt"),
        "{stale:?}"
    );
}
both!(a_stale_live_index_is_reported);
