//! Lists a page at a time: `limit` and `cursor`, the `Next-Cursor` and
//! `Link` headers, and 422 for a bad limit or cursor.

use crate::common::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn candidates_and_alerts_come_a_page_at_a_time() {
    let app = TestApp::start().await;
    let all: Vec<i64> = app
        .registry
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert!(all.len() >= 3, "{all:?}");
    let w1 = app.login("worker1").await;
    // Without limit: the first 100, a bare array, no next page here.
    let r = app.get("/api/v1/candidates", Some(&w1)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, all[..all.len().min(100)]);
    // Two at a time, following the Link header to the end.
    let mut path = "/api/v1/candidates?limit=2".to_string();
    let mut got = Vec::new();
    for _ in 0..=all.len() {
        let r = app.get(&path, Some(&w1)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.json();
        let page = page.as_array().unwrap();
        assert!(page.len() <= 2);
        got.extend(page.iter().map(|c| c["id"].as_i64().unwrap()));
        match r.header("link") {
            Some(link) => {
                let cursor = r.header("next-cursor").unwrap();
                assert!(link.ends_with(">; rel=\"next\""), "{link}");
                let url = link.trim_start_matches('<').split('>').next().unwrap();
                assert!(url.starts_with("/api/v1/candidates?"), "{url}");
                assert!(url.contains(&format!("cursor={cursor}")), "{url}");
                path = url.to_string();
            }
            None => {
                assert!(r.header("next-cursor").is_none());
                break;
            }
        }
    }
    assert_eq!(got, all);
    // The status filter is kept in the next page's link.
    let r = app
        .get("/api/v1/candidates?status=new&limit=1", Some(&w1))
        .await;
    assert!(
        r.header("link").unwrap().contains("status=new"),
        "{:?}",
        r.header("link")
    );
    // Bad limits and cursors: 422 saying which.
    for (query, word) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("cursor=zzz", "cursor"),
        ("limit=5&cursor=00", "cursor"),
    ] {
        let r = app
            .get(&format!("/api/v1/candidates?{query}"), Some(&w1))
            .await;
        assert_eq!(r.status, 422, "{query}: {}", r.body);
        assert!(
            r.json()["error"].as_str().unwrap().starts_with(word),
            "{query}: {}",
            r.body
        );
    }
    // A cursor of the candidates is not one of the alerts.
    let r = app.get("/api/v1/candidates?limit=1", Some(&w1)).await;
    let cursor = r.header("next-cursor").unwrap().to_string();
    let r = app
        .get(&format!("/api/v1/alerts?cursor={cursor}"), None)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.get("/api/v1/alerts?limit=1", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json().as_array().unwrap().len() <= 1);
    // The OpenAPI document says so.
    let doc = app.get("/api/openapi.json", None).await.json();
    let op = &doc["paths"]["/api/v1/candidates"]["get"];
    let names: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["limit", "cursor"]);
    assert!(op["responses"]["200"]["headers"]["Next-Cursor"].is_object());
    assert!(op["responses"]["422"].is_object());
    app.stop().await;
}
