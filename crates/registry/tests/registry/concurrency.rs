//! Two registries on one SQLite file write at once, as two processes do (a
//! server and a command-line import): each has its own connections and its
//! own in-process write lock, so only SQLite orders them. Every write must go
//! through (never "database is locked") and the audit chain must stay whole.

use std::sync::Arc;

use crate::common::{CASES_HEADER, TestDb};

const ROUNDS: usize = 60;

async fn writer(r: Arc<registry::Registry>, who: &'static str) {
    for i in 0..ROUNDS {
        // An audit append reads the chain's head and then writes after it.
        r.record_failed_login(&format!("{who}-{i}"), "127.0.0.1")
            .await
            .unwrap_or_else(|e| panic!("{who}: failed login {i}: {e}"));
        // An import reads what is stored and then writes the new rows.
        let cases =
            format!("{CASES_HEADER}MC-{who}-{i},,male,2024-01-01,2024-03-01,2024-06-01,,,,\n");
        let rep = r
            .import_cases("test", "cases.csv", &cases)
            .await
            .unwrap_or_else(|e| panic!("{who}: import {i}: {e}"));
        assert_eq!(rep.added, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_registries_on_one_sqlite_file_write_at_once() {
    let db = TestDb::sqlite().await;
    let a = Arc::new(db.reopen().await);
    let b = Arc::new(db.reopen().await);
    let before = db.registry.verify_audit().await.unwrap();
    let (ra, rb) = tokio::join!(
        tokio::spawn(writer(a.clone(), "a")),
        tokio::spawn(writer(b.clone(), "b"))
    );
    ra.unwrap();
    rb.unwrap();
    // Every write is in the one chain, in some order, and the chain is whole.
    let after = db.registry.verify_audit().await.unwrap();
    assert_eq!(after - before, 2 * 2 * ROUNDS);
    let tail = db.registry.audit_tail((4 * ROUNDS) as i64).await.unwrap();
    for who in ["a", "b"] {
        let failed = tail
            .iter()
            .filter(|e| e.action == "auth.failed" && e.target_id.starts_with(&format!("{who}-")))
            .count();
        assert_eq!(failed, ROUNDS, "{who}");
    }
    Arc::try_unwrap(a).ok().unwrap().close().await;
    Arc::try_unwrap(b).ok().unwrap().close().await;
    db.finish().await;
}
