//! The index snapshot: a new process decrypts it and the rows changed since
//! it, never every profile; the index it builds answers as one rebuilt from
//! the rows; a deletion or a key rotation removes it; a damaged one is not
//! used, the index check says so, and the next process writes it anew.

use registry::{CandidateFilter, Registry};
use sqlx::Row;

use crate::both;
use crate::common::*;
use crate::erasure::raw_pool;

/// (change, profiles) of every stored snapshot, and its sealed parts.
async fn snapshots(db: &TestDb) -> Vec<(i64, i64, Vec<Vec<u8>>)> {
    let pool = raw_pool(db).await;
    let mut out = Vec::new();
    let rows = sqlx::query("SELECT id, seq, profiles, parts FROM index_snapshots ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    for r in rows {
        let (id, seq, profiles, parts): (i64, i64, i64, i64) =
            (r.get("id"), r.get("seq"), r.get("profiles"), r.get("parts"));
        let sealed: Vec<Vec<u8>> = sqlx::query(
            "SELECT content FROM index_snapshot_parts WHERE snapshot_id = $1 ORDER BY part",
        )
        .bind(id)
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|p| p.get("content"))
        .collect();
        assert_eq!(sealed.len() as i64, parts, "snapshot {id} has every part");
        out.push((seq, profiles, sealed));
    }
    pool.close().await;
    out
}

/// What a bulk decryption read: `snapshot` or `rows`, the count, and why.
fn read(detail: &str) -> (&'static str, usize, String) {
    let (n, rest) = detail.split_once(' ').unwrap();
    let rest = rest.strip_prefix("profiles decrypted ").unwrap();
    let (from, why) = match rest.strip_prefix("from the index snapshot of change ") {
        Some(s) => ("snapshot", s.split_once(" to ").unwrap().1),
        None => ("rows", rest.strip_prefix("to ").unwrap()),
    };
    (from, n.parse().unwrap(), why.to_string())
}

/// The bulk decryptions after audit entry `since`, newest first.
async fn reads_since(r: &Registry, since: i64) -> Vec<(&'static str, usize, String)> {
    let details = decryptions_since(r, since).await;
    details.iter().map(|d| read(d)).collect()
}

async fn a_new_process_reads_the_snapshot_and_what_changed(db: &TestDb) {
    load_small(&db.registry).await;
    // A process that writes the snapshot anew after any change read from
    // the rows: it now holds every indexed profile (5 references, 4
    // children).
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.snapshot_refresh_after = 0;
    let (b, _) = Registry::open(o).await.unwrap();
    b.load_search_index().await.unwrap();
    b.close().await;
    let stored = snapshots(db).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1, 9);
    // Sealed: no sample name, no allele pair in the clear.
    let content = stored[0].2.concat();
    for clear in [&b"RS-1F"[..], b"FS-1", b"D8S1179", b"paternal"] {
        assert!(
            !content.windows(clear.len()).any(|w| w == clear),
            "{} in the snapshot",
            String::from_utf8_lossy(clear)
        );
    }

    // A new process registers a found child, a brother of FC-1, and then
    // his profile. His row alone, without a profile, decrypts nothing: no
    // search can see it. His profile then decrypts the snapshot and the one
    // new profile.
    let c = db.reopen().await;
    let since = last_seq(&c).await;
    c.import_found(
        "t",
        "found.csv",
        &format!("{FOUND_HEADER}FS-5,FC-5,male,400,700,2025-06-01,Riverton,10.6,20.3,Home A,\n"),
    )
    .await
    .unwrap();
    assert_eq!(reads_since(&c, since).await, []);
    let people = nist();
    let brother = child_of(&people[0].1, &people[1].1, 77);
    c.import_profiles(
        "t",
        "fs5.txt",
        &genemapper(&[("FS-5", &brother)]),
        None,
        None,
        &|_, _| {},
    )
    .await
    .unwrap();
    let mut reads = reads_since(&c, since).await;
    reads.reverse();
    assert_eq!(
        reads,
        [
            ("snapshot", 9, "build the search index".to_string()),
            ("rows", 1, "build the search index".to_string()),
        ]
    );
    let found = c
        .candidates(&CandidateFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.found_id == "FC-5")
        .expect("a candidate for FC-5");
    assert_eq!(found.case_id, "MC-1");
    let check = c.check_index("t").await.unwrap();
    assert!(check.agrees(), "{check:?}");
    let s = check.snapshot.as_ref().expect("a snapshot");
    assert_eq!(
        (s.change, s.changes_after, s.agrees, s.stale),
        (stored[0].0, 1, true, false),
        "{s:?}"
    );
    c.close().await;
}
both!(a_new_process_reads_the_snapshot_and_what_changed);

/// A profile deleted with its case is in no snapshot: the deletion removes
/// it, and the next process builds the index from the rows and writes it
/// anew without the case.
async fn a_deletion_removes_the_snapshot(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    r.check_index("t").await.unwrap();
    assert_eq!(snapshots(db).await.len(), 1);
    r.delete_case("t", "MC-2").await.unwrap();
    assert!(snapshots(db).await.is_empty());
    assert!(r.check_index("t").await.unwrap().snapshot.is_none());

    let again = db.reopen().await;
    let since = last_seq(&again).await;
    again.load_search_index().await.unwrap();
    let reads = reads_since(&again, since).await;
    assert_eq!(reads, [("rows", 8, "build the search index".to_string())]);
    let stored = snapshots(db).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1, 8, "RS-2M is gone");
    let check = again.check_index("t").await.unwrap();
    assert!(check.agrees(), "{check:?}");
    assert_eq!(check.cases_indexed, 2);
    again.close().await;

    // A key rotation removes it too (it was sealed with the old key).
    let new_key = db.dir.path().join("rotated.key");
    r.rotate_key("t", &new_key).await.unwrap();
    assert!(snapshots(db).await.is_empty());
}
both!(a_deletion_removes_the_snapshot);

/// A damaged snapshot is reported by the check and not used: the next
/// process builds the index from the rows, with the same answers, and
/// writes the snapshot anew.
async fn a_damaged_snapshot_is_not_used(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let before = r.candidates(&CandidateFilter::default()).await.unwrap();
    r.check_index("t").await.unwrap();
    let (seq, _, mut parts) = snapshots(db).await.remove(0);
    let last = parts.len() - 1;
    let content = &mut parts[last];
    let middle = content.len() / 2;
    content[middle] ^= 1;
    let pool = raw_pool(db).await;
    sqlx::query("UPDATE index_snapshot_parts SET content = $1 WHERE part = $2")
        .bind(content.clone())
        .bind(last as i64)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let check = r.check_index("t").await.unwrap();
    let s = check.snapshot.as_ref().expect("a snapshot");
    assert_eq!(s.change, seq);
    assert!(
        s.unreadable
            .as_deref()
            .is_some_and(|w| w.contains("cannot be decrypted")),
        "{s:?}"
    );
    assert!(check.live_index_agrees);
    assert!(!check.agrees(), "a damaged snapshot is a disagreement");

    let again = db.reopen().await;
    let since = last_seq(&again).await;
    again.load_search_index().await.unwrap();
    let reads = reads_since(&again, since).await;
    assert_eq!(reads, [("rows", 9, "build the search index".to_string())]);
    assert_eq!(
        again.candidates(&CandidateFilter::default()).await.unwrap(),
        before
    );
    let check = again.check_index("t").await.unwrap();
    assert!(check.agrees(), "{check:?}");
    again.close().await;
}
both!(a_damaged_snapshot_is_not_used);

/// A snapshot made under other settings (here fewer shared markers to
/// score a pair) holds an index those settings made: a process with the
/// registry's settings does not use it, rebuilds from the rows and writes it
/// anew, and its index agrees with one rebuilt from the rows.
async fn a_snapshot_of_other_settings_is_not_used(db: &TestDb) {
    load_small(&db.registry).await;
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.min_shared_markers = 8;
    let (b, _) = Registry::open(o).await.unwrap();
    b.check_index("t").await.unwrap();
    b.close().await;
    let made = snapshots(db).await;
    assert_eq!(made.len(), 1);

    let again = db.reopen().await;
    let since = last_seq(&again).await;
    again.load_search_index().await.unwrap();
    let mut reads = reads_since(&again, since).await;
    reads.reverse();
    assert_eq!(
        reads,
        [
            ("snapshot", 9, "build the search index".to_string()),
            ("rows", 9, "build the search index".to_string()),
        ]
    );
    let check = again.check_index("t").await.unwrap();
    assert!(check.agrees(), "{check:?}");
    let s = check.snapshot.as_ref().expect("a snapshot written anew");
    assert!(s.change >= made[0].0 && s.agrees, "{s:?}");
    again.close().await;
}
both!(a_snapshot_of_other_settings_is_not_used);

/// A snapshot sealed in one piece, as written before parts (the row's own
/// `content`), is still read, and then written anew in parts.
async fn a_snapshot_in_one_piece_is_read_and_written_in_parts(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let before = r.candidates(&CandidateFilter::default()).await.unwrap();
    // A snapshot of every indexed profile (5 references, 4 children).
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.snapshot_refresh_after = 0;
    let (b, _) = Registry::open(o).await.unwrap();
    b.load_search_index().await.unwrap();
    b.close().await;
    let (seq, profiles, parts) = snapshots(db).await.remove(0);
    assert_eq!(profiles, 9);
    // Its plaintext, sealed again as one piece.
    let key = registry::crypto::load_key(&db.key).unwrap();
    let plain: Vec<u8> = parts
        .iter()
        .enumerate()
        .flat_map(|(k, p)| {
            let ad = registry::crypto::aad(
                "index_snapshot_parts",
                "content",
                &format!("{seq}/{k}/{}", parts.len()),
            );
            registry::crypto::decrypt(&key, &ad, p).unwrap()
        })
        .collect();
    let whole = registry::crypto::encrypt(
        &key,
        &registry::crypto::aad("index_snapshots", "content", &seq.to_string()),
        &plain,
    );
    let pool = raw_pool(db).await;
    sqlx::query("DELETE FROM index_snapshot_parts")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE index_snapshots SET content = $1, parts = 0")
        .bind(whole)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(snapshots(db).await, [(seq, profiles, vec![])]);

    // Read as it is, then written anew in parts (the next process reads those).
    let again = db.reopen().await;
    let since = last_seq(&again).await;
    again.load_search_index().await.unwrap();
    assert_eq!(
        reads_since(&again, since).await,
        [("snapshot", 9, "build the search index".to_string())]
    );
    assert_eq!(
        again.candidates(&CandidateFilter::default()).await.unwrap(),
        before
    );
    again.close().await;
    let rewritten = snapshots(db).await;
    assert_eq!(rewritten.len(), 1);
    assert!(!rewritten[0].2.is_empty(), "written anew in parts");
    let check = db.reopen().await.check_index("t").await.unwrap();
    assert!(check.agrees(), "{check:?}");
}
both!(a_snapshot_in_one_piece_is_read_and_written_in_parts);
