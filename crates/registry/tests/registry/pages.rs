//! Pages of the growing lists: candidates (best first, ties by row id),
//! cases, found children, public alerts.

use registry::{CandidateFilter, CandidateRow, Registry};
use sqlx::Row;

use crate::both;
use crate::common::*;
use crate::erasure::raw_pool;

/// The small registry and 250 more candidates written straight into the
/// tables: 10 found children, 25 cases, log10 LRs of four values only (ties
/// everywhere, across every page boundary), statuses new and rejected; 12
/// public alerts, some without a missing date.
async fn many(db: &TestDb) -> Registry {
    let r = db.reopen().await;
    load_small(&r).await;
    let pool = raw_pool(db).await;
    let now = "2026-01-01T00:00:00Z";
    let freq: i64 = sqlx::query("SELECT id FROM frequency_dbs ORDER BY id LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let mut found = Vec::new();
    for i in 0..10 {
        let id: i64 = sqlx::query("INSERT INTO found_children (found_id, sample_name, sex, status, created_at) VALUES ($1, $2, 'male', 'unidentified', $3) RETURNING id")
            .bind(format!("FX-{i:02}"))
            .bind(format!("SX-{i:02}"))
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        found.push(id);
    }
    let mut cases = Vec::new();
    for i in 0..25 {
        let date = (i % 3 != 0).then(|| format!("2024-{:02}-01", 1 + i % 12));
        let id: i64 = sqlx::query("INSERT INTO cases (case_id, child_sex, missing_date, status, public_alert, created_at) VALUES ($1, 'male', $2, 'open', $3, $4) RETURNING id")
            .bind(format!("CX-{i:02}"))
            .bind(date)
            .bind(i64::from(i % 2 == 0))
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        cases.push(id);
    }
    for i in 0..250usize {
        let log10 = [5.0, 3.0, 3.0, 2.5][i % 4];
        sqlx::query("INSERT INTO candidates (found_ref, case_ref, lr, log10_lr, markers_compared, inconsistent, per_marker, shape, model, frequency_db, added_alleles, computed_at, status)
                     VALUES ($1, $2, $3, $4, 20, '[]', '[]', 'both_parents', 'test', $5, '[]', $6, $7)")
            .bind(found[i % 10])
            .bind(cases[i / 10])
            .bind(10f64.powf(log10))
            .bind(log10)
            .bind(freq)
            .bind(now)
            .bind(if i % 3 == 0 { "rejected" } else { "new" })
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    pool.close().await;
    r
}

/// The expected list, straight from the tables: (found_id, case_id, log10 LR).
async fn truth(db: &TestDb, filter: &str) -> Vec<(String, String, f64)> {
    let pool = raw_pool(db).await;
    let sql = format!(
        "SELECT f.found_id, c.case_id, k.log10_lr FROM candidates k JOIN found_children f ON f.id = k.found_ref
         JOIN cases c ON c.id = k.case_ref WHERE {filter} ORDER BY k.log10_lr DESC, k.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    pool.close().await;
    rows
}

fn keys(rows: &[CandidateRow]) -> Vec<(String, String, f64)> {
    rows.iter()
        .map(|r| (r.found_id.clone(), r.case_id.clone(), r.log10_lr))
        .collect()
}

/// Every page from the first, following `next`; checks each page's size.
async fn forward(r: &Registry, filter: &CandidateFilter, limit: i64) -> Vec<Vec<CandidateRow>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = r
            .candidate_page(filter, limit, cursor.as_deref())
            .await
            .unwrap();
        assert!(page.items.len() as i64 <= limit);
        assert_eq!(page.previous.is_some(), cursor.is_some());
        let last = page.next.is_none();
        if !last {
            assert_eq!(page.items.len() as i64, limit);
        }
        cursor = page.next.clone();
        pages.push(page.items);
        // A cursor that does not move on must fail here, not loop.
        assert!(pages.len() <= 400, "more pages than rows");
        if last {
            return pages;
        }
    }
}

async fn candidate_pages_concatenate_to_the_ordered_list(db: &TestDb) {
    let r = many(db).await;
    let all = truth(db, "1 = 1").await;
    assert!(all.len() > 250);
    assert_eq!(
        keys(&r.candidates(&CandidateFilter::default()).await.unwrap()),
        all
    );
    for limit in [1, 7, 100, 1000] {
        let pages = forward(&r, &CandidateFilter::default(), limit).await;
        let flat: Vec<CandidateRow> = pages.iter().flatten().cloned().collect();
        assert_eq!(keys(&flat), all, "limit {limit}");
        if limit == 7 {
            // Ties cross page boundaries, and nothing is lost or repeated there.
            let crossing = pages
                .windows(2)
                .filter(|w| w[0].last().unwrap().log10_lr == w[1][0].log10_lr)
                .count();
            assert!(crossing > 10, "{crossing}");
        }
    }
    // Backwards from the last page, by the previous cursors.
    let mut cursor = r
        .candidate_page(&CandidateFilter::default(), 7, None)
        .await
        .unwrap()
        .next;
    let mut last_page = None;
    let mut steps = 0;
    while let Some(c) = cursor {
        let page = r
            .candidate_page(&CandidateFilter::default(), 7, Some(&c))
            .await
            .unwrap();
        cursor = page.next.clone();
        last_page = Some(page);
        steps += 1;
        assert!(steps <= 400, "more pages than rows");
    }
    let last_page = last_page.unwrap();
    let mut back = vec![last_page.items];
    let mut cursor = last_page.previous;
    while let Some(c) = cursor {
        let page = r
            .candidate_page(&CandidateFilter::default(), 7, Some(&c))
            .await
            .unwrap();
        assert!(page.next.is_some());
        cursor = page.previous.clone();
        back.push(page.items);
        assert!(back.len() <= 400, "more pages than rows");
    }
    back.reverse();
    let flat: Vec<CandidateRow> = back.into_iter().flatten().collect();
    assert_eq!(keys(&flat), all);
    // From a position, as `reunite matches --offset` reads.
    let at = r
        .candidate_rows_at(&CandidateFilter::default(), 10, 95)
        .await
        .unwrap();
    assert_eq!(keys(&at), all[95..105]);
    assert!(
        r.candidate_rows_at(&CandidateFilter::default(), 10, all.len() as i64)
            .await
            .unwrap()
            .is_empty()
    );
    r.close().await;
}
both!(candidate_pages_concatenate_to_the_ordered_list);

async fn filters_and_counts(db: &TestDb) {
    let r = many(db).await;
    let filters = [
        (
            CandidateFilter {
                status: Some("new".into()),
                ..Default::default()
            },
            "k.status = 'new'",
        ),
        (
            CandidateFilter {
                found_id: Some("FX-03".into()),
                ..Default::default()
            },
            "f.found_id = 'FX-03'",
        ),
        (
            CandidateFilter {
                case_id: Some("CX-02".into()),
                status: Some("rejected".into()),
                ..Default::default()
            },
            "c.case_id = 'CX-02' AND k.status = 'rejected'",
        ),
        (
            CandidateFilter {
                case_id: Some("no such case".into()),
                ..Default::default()
            },
            "1 = 0",
        ),
    ];
    for (filter, sql) in filters {
        let expected = truth(db, sql).await;
        let flat: Vec<CandidateRow> = forward(&r, &filter, 4)
            .await
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(keys(&flat), expected, "{sql}");
        assert_eq!(
            r.count_candidates(&filter).await.unwrap(),
            expected.len() as i64,
            "{sql}"
        );
        let summaries = r.candidate_summary_page(&filter, 1000, None).await.unwrap();
        assert_eq!(
            summaries
                .items
                .iter()
                .map(|s| (s.found_id.clone(), s.case_id.clone(), s.log10_lr))
                .collect::<Vec<_>>(),
            expected
        );
    }
    let all = truth(db, "1 = 1").await.len() as i64;
    assert_eq!(
        r.count_candidates(&CandidateFilter::default())
            .await
            .unwrap(),
        all
    );
    let by_status = r.candidate_counts_by_status().await.unwrap();
    let new = truth(db, "k.status = 'new'").await.len() as i64;
    assert_eq!(
        by_status,
        vec![("new".to_string(), new), ("rejected".to_string(), 84)]
    );
    assert_eq!(by_status.iter().map(|(_, n)| n).sum::<i64>(), all);
    r.close().await;
}
both!(filters_and_counts);

async fn a_bad_cursor_or_limit_is_refused(db: &TestDb) {
    let r = many(db).await;
    let f = CandidateFilter::default();
    let cases_cursor = r.case_list_page(2, None).await.unwrap().next.unwrap();
    let flipped = {
        let good = r.candidate_page(&f, 2, None).await.unwrap().next.unwrap();
        let mut b = good.into_bytes();
        b[3] = if b[3] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    for bad in [
        "x",
        "not-a-cursor",
        &hex::encode("candidates|>|zz|1"),
        &hex::encode("candidates|>|7ff8000000000000|1"),
        &cases_cursor,
        &flipped,
    ] {
        let e = r.candidate_page(&f, 10, Some(bad)).await.unwrap_err();
        assert!(e.to_string().starts_with("cursor: "), "{bad}: {e}");
    }
    for limit in [0, -1, 1001] {
        let e = r.candidate_page(&f, limit, None).await.unwrap_err();
        assert!(e.to_string().starts_with("limit: "), "{e}");
    }
    let e = r.candidate_rows_at(&f, 10, -5).await.unwrap_err();
    assert!(e.to_string().starts_with("offset: "), "{e}");
    r.close().await;
}
both!(a_bad_cursor_or_limit_is_refused);

async fn cases_found_children_and_alerts_page(db: &TestDb) {
    let r = many(db).await;
    let (cases, found) = r.list_ids().await.unwrap();
    let (n_cases, n_found) = r.count_cases_and_found().await.unwrap();
    assert_eq!((n_cases, n_found), (cases.len() as i64, found.len() as i64));
    for (which, expected) in [("cases", cases), ("found", found)] {
        let mut got = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match which {
                "cases" => r.case_list_page(4, cursor.as_deref()).await.unwrap(),
                _ => r.found_list_page(4, cursor.as_deref()).await.unwrap(),
            };
            got.extend(page.items.into_iter().map(|e| (e.id, e.status)));
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(got, expected, "{which}");
    }
    let pool = raw_pool(db).await;
    let expected: Vec<String> = sqlx::query(
        "SELECT case_id FROM cases WHERE public_alert = 1 AND status IN ('open', 'candidate_found')
         ORDER BY COALESCE(missing_date, '') DESC, id",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    pool.close().await;
    assert_eq!(expected.len(), 13);
    assert_eq!(r.count_public_alerts().await.unwrap(), 13);
    let mut got = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = r.public_alert_page(3, cursor.as_deref()).await.unwrap();
        got.extend(page.items.into_iter().map(|a| a.case_id));
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(got, expected);
    let all: Vec<String> = r
        .public_alerts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.case_id)
        .collect();
    assert_eq!(all, expected);
    r.close().await;
}
both!(cases_found_children_and_alerts_page);

/// A page is a seek in an index, never a sort of every candidate.
async fn a_page_uses_an_index(db: &TestDb) {
    let r = many(db).await;
    let cursor = r
        .candidate_page(&CandidateFilter::default(), 10, None)
        .await
        .unwrap()
        .next;
    for (filter, index) in [
        (CandidateFilter::default(), "candidates_rank"),
        (
            CandidateFilter {
                status: Some("new".into()),
                ..Default::default()
            },
            "candidates_status_rank",
        ),
        (
            CandidateFilter {
                found_id: Some("FX-01".into()),
                ..Default::default()
            },
            "candidates_found_rank",
        ),
        (
            CandidateFilter {
                case_id: Some("CX-01".into()),
                ..Default::default()
            },
            "candidates_case_rank",
        ),
    ] {
        for c in [None, cursor.as_deref()] {
            let plan = r.explain_candidate_page(&filter, 100, c).await.unwrap();
            assert!(plan.contains(index), "{index}: {plan}");
            if db.is_sqlite() {
                assert!(!plan.contains("TEMP B-TREE"), "{plan}");
            } else {
                assert!(!plan.contains("Sort"), "{plan}");
            }
        }
    }
    r.close().await;
}
both!(a_page_uses_an_index);
