//! Search: names and places found through their blind indexes, ids and
//! institutions as they are, filters, pages, and the terms kept in step
//! with imports, erasure and key rotation.

use registry::{Registry, SearchQuery, SearchResults};
use sqlx::Row;

use crate::both;
use crate::common::*;

async fn find(r: &Registry, text: &str) -> SearchResults {
    r.search(
        "ann",
        &SearchQuery {
            text: text.into(),
            ..SearchQuery::default()
        },
    )
    .await
    .unwrap()
}

fn case_ids(s: &SearchResults) -> Vec<&str> {
    s.cases.iter().map(|c| c.case_id.as_str()).collect()
}

fn found_ids(s: &SearchResults) -> Vec<&str> {
    s.found.iter().map(|c| c.found_id.as_str()).collect()
}

/// How many term rows the registry holds.
async fn term_rows(db: &TestDb) -> i64 {
    let pool = crate::erasure::raw_pool(db).await;
    let n = sqlx::query("SELECT COUNT(*) AS n FROM search_terms")
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    pool.close().await;
    n
}

async fn names_places_ids_and_institutions_are_found(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    r.import_cases(
        "t",
        "more.csv",
        &format!(
            "{CASES_HEADER}MC-9,王小明,male,2023-01-01,2023-01-01,2024-05-01,广东省 深圳市,,,\n\
             MC-10,José García,female,2023-01-01,2023-01-01,2024-05-02,São Paulo,,,\n"
        ),
    )
    .await
    .unwrap();
    // A child's name, in any case; a reference's name; a place.
    let s = find(r, "SECRETNAME").await;
    assert_eq!(case_ids(&s), ["MC-1"]);
    assert_eq!(s.cases[0].child_name.as_deref(), Some("Amina Secretname"));
    assert_eq!(s.cases[0].missing_place.as_deref(), Some("Riverton"));
    assert!(s.cases[0].matched.contains("name"), "{:?}", s.cases[0]);
    assert!(
        s.candidates.iter().all(|c| c.case_id == "MC-1") && !s.candidates.is_empty(),
        "the candidates of the case found: {:?}",
        s.candidates
    );
    assert_eq!(s.candidate_count, s.candidates.len());
    let s = find(r, "privatename").await;
    assert_eq!(case_ids(&s), ["MC-1"]);
    assert!(s.cases[0].matched.contains("relative"));
    // Every part must match, each in any field.
    assert_eq!(case_ids(&find(r, "joseph amina").await), ["MC-1"]);
    assert!(find(r, "amina halima").await.cases.is_empty());
    // A place finds the cases and the found children there.
    let s = find(r, "lakeside").await;
    assert_eq!(case_ids(&s), ["MC-3"]);
    assert_eq!(found_ids(&s), ["FC-3", "FC-4"]);
    // Chinese: any two characters of a name, a space inside it or not.
    for q in ["小明", "王小明", "王 小明", "深圳"] {
        assert_eq!(case_ids(&find(r, q).await), ["MC-9"], "{q}");
    }
    let s = find(r, "王").await;
    assert!(s.cases.is_empty());
    assert_eq!(s.too_short, ["王"]);
    // Accents and case do not matter.
    assert_eq!(case_ids(&find(r, "jose garcia").await), ["MC-10"]);
    assert_eq!(case_ids(&find(r, "SAO PAULO").await), ["MC-10"]);
    // Ids and institutions, as they are, any part of them.
    assert_eq!(case_ids(&find(r, "mc-1").await), ["MC-1", "MC-10"]);
    assert_eq!(found_ids(&find(r, "fc-2").await), ["FC-2"]);
    assert_eq!(found_ids(&find(r, "home b").await), ["FC-3", "FC-4"]);
    // Wildcards are letters.
    assert!(find(r, "MC_1").await.cases.is_empty());
    assert!(find(r, "%").await.cases.is_empty());
    // A search is audited, without the text asked.
    let tail = r.audit_tail(1).await.unwrap();
    assert_eq!(tail[0].action, "search");
    assert!(!tail[0].detail.contains('%'), "{}", tail[0].detail);
}
both!(names_places_ids_and_institutions_are_found);

async fn filters_and_pages(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let all = |q: SearchQuery| async move { r.search("ann", &q).await.unwrap() };
    let date = |s: &str| Some(s.parse::<jiff::civil::Date>().unwrap());
    // Without text: every row the filters pass, by id.
    let s = all(SearchQuery::default()).await;
    assert_eq!(case_ids(&s), ["MC-1", "MC-2", "MC-3"]);
    assert_eq!(s.found_count, 4);
    // Missing on or after March 2024 (MC-2 went missing in February).
    let s = all(SearchQuery {
        from: date("2024-03-01"),
        ..SearchQuery::default()
    })
    .await;
    assert_eq!(case_ids(&s), ["MC-1", "MC-3"]);
    assert_eq!(s.case_count, 2);
    // The same filters with text.
    let s = all(SearchQuery {
        text: "mc".into(),
        to: date("2024-04-01"),
        ..SearchQuery::default()
    })
    .await;
    assert_eq!(case_ids(&s), ["MC-2", "MC-3"]);
    // A page: one row after the first, of three.
    let s = all(SearchQuery {
        limit: 1,
        offset: 1,
        ..SearchQuery::default()
    })
    .await;
    assert_eq!((case_ids(&s), s.case_count), (vec!["MC-2"], 3));
    assert_eq!((found_ids(&s), s.found_count), (vec!["FC-2"], 4));
    // Status: the cases with a candidate found, none reunited.
    let s = all(SearchQuery {
        case_status: Some("reunited".into()),
        ..SearchQuery::default()
    })
    .await;
    assert_eq!(s.case_count, 0);
    // Candidates of one category, best first, each of that category.
    let every = all(SearchQuery::default()).await;
    assert!(every.candidate_count >= 2);
    assert!(
        every
            .candidates
            .windows(2)
            .all(|w| w[0].log10_lr >= w[1].log10_lr)
    );
    let first = every.candidates[0].category;
    let s = all(SearchQuery {
        category: Some(first),
        ..SearchQuery::default()
    })
    .await;
    assert!(s.candidates.iter().all(|c| c.category == first));
    assert_eq!(
        s.candidate_count,
        every
            .candidates
            .iter()
            .filter(|c| c.category == first)
            .count()
    );
    // Refused: a limit out of range, from after to.
    for q in [
        SearchQuery {
            limit: 0,
            ..SearchQuery::default()
        },
        SearchQuery {
            from: date("2024-05-01"),
            to: date("2024-04-01"),
            ..SearchQuery::default()
        },
    ] {
        assert!(r.search("ann", &q).await.is_err(), "{q:?}");
    }
}
both!(filters_and_pages);

async fn terms_follow_imports_erasure_and_key_rotation(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    // The imports wrote the terms in their transactions: a search builds none.
    let before = last_seq(r).await;
    assert_eq!(case_ids(&find(r, "secretname").await), ["MC-1"]);
    let built = r.audit_tail(100).await.unwrap();
    assert!(
        !built
            .iter()
            .any(|e| e.seq > before && e.action == "search_terms.build"),
        "the import indexed its rows"
    );
    // A reference added to an old case is found at once.
    r.import_references(
        "t",
        "late.csv",
        &format!("{REFERENCES_HEADER}RS-2F,MC-2,father,Kamau Latename,male\n"),
    )
    .await
    .unwrap();
    assert_eq!(case_ids(&find(r, "latename").await), ["MC-2"]);
    // An erased case leaves no term behind.
    let with = term_rows(db).await;
    r.delete_case("admin", "MC-1").await.unwrap();
    assert!(find(r, "secretname").await.cases.is_empty());
    let without = term_rows(db).await;
    // Amina, Secretname, Riverton, Joseph, Privatename, Grace.
    assert_eq!(with - without, 6);
    // A new key: the old terms are gone with the old key, and the first
    // search under the new one indexes everything again (audited).
    let new_key = db.dir.path().join("new.key");
    r.rotate_key("t", &new_key).await.unwrap();
    assert_eq!(term_rows(db).await, 0);
    let mut o = options(&db.url, &new_key, db.dir.path());
    o.actor = "t".into();
    let (again, _) = Registry::open(o).await.unwrap();
    assert_eq!(case_ids(&find(&again, "latename").await), ["MC-2"]);
    assert_eq!(term_rows(db).await, without);
    let tail = again.audit_tail(10).await.unwrap();
    assert!(
        tail.iter().any(|e| e.action == "search_terms.build"),
        "{tail:?}"
    );
    again.close().await;
}
both!(terms_follow_imports_erasure_and_key_rotation);
