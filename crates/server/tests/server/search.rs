//! The search, through the API and its page.

use serde_json::Value;

use crate::common::TestApp;

/// The child name and the id of the first case of the scenario.
fn first_case(app: &TestApp) -> (String, String) {
    let line = app.scenario.cases_csv.lines().nth(1).unwrap();
    let row: Vec<&str> = line.split(',').collect();
    (row[0].to_string(), row[1].to_string())
}

fn encode(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn a_case_is_found_by_its_childs_name_in_the_api_and_the_page() {
    let app = TestApp::start().await;
    let worker = app.login("worker1").await;
    let (case_id, name) = first_case(&app);
    let surname = name.split(' ').next_back().unwrap();
    let r = app
        .get(
            &format!("/api/v1/search?q={}", encode(&name)),
            Some(&worker),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(
        cases.iter().any(|c| c["case_id"] == case_id.as_str()
            && c["child_name"] == name.as_str()
            && c["matched"].as_array().unwrap().contains(&"name".into())),
        "{name}: {}",
        r.body
    );
    for key in ["case_count", "found_count", "candidate_count"] {
        assert!(v[key].is_u64(), "{key}: {}", r.body);
    }
    assert!(v["found"].is_array() && v["too_short"].is_array());
    for c in v["candidates"].as_array().unwrap() {
        assert!(c["category"].is_string(), "{c}");
    }
    // The page, by the surname alone: the case is listed with its name.
    let cookie = format!("reunite_session={worker}");
    let page = app
        .request(
            "GET",
            &format!("/search?q={}", encode(surname)),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("/cases/{case_id}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains(&name));
    assert!(page.body.contains("lang=\""));
    // A bad date: the API refuses it, named; the page says so in the page,
    // with what was typed kept.
    let r = app
        .get("/api/v1/search?from=2024-13-01", Some(&worker))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("from"), "{}", r.body);
    let page = app
        .request(
            "GET",
            "/search?q=abc&from=2024-13-01",
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("class=\"error\""), "{}", page.body);
    assert!(page.body.contains("value=\"2024-13-01\"") && page.body.contains("value=\"abc\""));
}
