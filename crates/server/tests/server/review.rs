//! The review a caseworker can trust (issue 15, defects 1-3): one category
//! everywhere, every decision made on a version (a stale one gets 409 and
//! the candidate as it is now), a rejection reopened with a reason, the
//! four-eyes rule that two alternating case workers can satisfy, only the
//! buttons the user may use, and a family that sees reviewed news only.

use serde_json::{Value, json};

use crate::common::{Resp, TestApp};

fn cookie(token: &str) -> String {
    format!("reunite_session={token}")
}

/// The hidden CSRF field of a page.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

async fn page(app: &TestApp, token: &str, path: &str) -> Resp {
    app.request("GET", path, &[("cookie", &cookie(token))], b"")
        .await
}

async fn detail(app: &TestApp, token: &str, id: i64) -> Value {
    let r = app
        .get(&format!("/api/v1/candidates/{id}"), Some(token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// A review step through the API on the candidate's current version.
async fn step(app: &TestApp, token: &str, id: i64, action: &str, reason: Option<&str>) -> Resp {
    let version = detail(app, token, id).await["version"].as_i64().unwrap();
    app.post_json(
        &format!("/api/v1/candidates/{id}/review"),
        Some(token),
        &json!({"action": action, "reason": reason, "version": version}),
    )
    .await
}

/// A review step through the candidate page's form, with `version`.
async fn form_step(app: &TestApp, token: &str, id: i64, body: &str) -> Resp {
    let p = page(app, token, &format!("/candidates/{id}")).await;
    let csrf = csrf_field(&p.body);
    app.request(
        "POST",
        &format!("/candidates/{id}/review"),
        &[
            ("cookie", &cookie(token)),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        format!("csrf={csrf}&{body}").as_bytes(),
    )
    .await
}

/// The buttons (review actions) a candidate page offers.
fn buttons(html: &str) -> Vec<String> {
    html.split("name=\"action\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

/// A found child registered with the DNA of a rescued child of the scenario
/// (so the same family matches it), but estimated 25 years old: its own
/// page excludes it by age. Returns (its candidate's id, the case).
async fn child_excluded_by_age(app: &TestApp) -> (i64, String) {
    let s = &app.scenario;
    let truth = s
        .truth
        .iter()
        .find(|t| t.case_id.is_some())
        .expect("a rescued child with its family");
    let row = s
        .found_csv
        .lines()
        .find(|l| l.split(',').next() == Some(truth.sample_name.as_str()))
        .unwrap();
    let mut fields: Vec<String> = row.split(',').map(String::from).collect();
    fields[0] = "DUP-1".into();
    fields[1] = "FC-DUP".into();
    fields[3] = "9000".into();
    fields[4] = "9100".into();
    let found = format!(
        "{}\n{}\n",
        sim::scenario::SCENARIO_FOUND_HEADER,
        fields.join(",")
    );
    app.registry
        .import_found("test", "dup.csv", &found)
        .await
        .unwrap();
    let mut profiles = format!("{}\n", sim::scenario::SCENARIO_PROFILES_HEADER);
    for line in s.profiles_tsv.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(1) == Some(&truth.sample_name.as_str()) {
            let mut cols: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
            cols[1] = "DUP-1".into();
            profiles.push_str(&cols.join("\t"));
            profiles.push('\n');
        }
    }
    app.registry
        .import_profiles("test", "dup.txt", &profiles, Some("Lab"), None, &|_, _| {})
        .await
        .unwrap();
    let case = truth.case_id.clone().unwrap();
    let cands = app.registry.candidate_summaries(None, None).await.unwrap();
    let c = cands
        .iter()
        .find(|c| c.found_id == "FC-DUP" && c.case_id == case)
        .expect("the family matches the child's DNA");
    (c.id, case)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_candidate_excluded_by_its_facts_is_excluded_in_every_list() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let (id, case) = child_excluded_by_age(&app).await;
    // Its own page: the age rules it out.
    let d = detail(&app, &w, id).await;
    assert_eq!(d["category"], "excluded", "{d}");
    assert_eq!(d["summary"]["category"], "excluded");
    assert!(d["version"].is_i64());
    let p = page(&app, &w, &format!("/candidates/{id}")).await;
    assert!(p.body.contains("Category: <strong>Excluded"), "{}", p.body);
    // The API list, every item with its category, and its filter.
    for path in [
        "/api/v1/candidates?found=FC-DUP".to_string(),
        format!("/api/v1/candidates?case={case}"),
        "/api/v1/candidates?status=new&limit=1000".to_string(),
        "/api/v1/candidates?category=excluded".to_string(),
    ] {
        let list = app.get(&path, Some(&w)).await.json();
        let items = list.as_array().unwrap();
        assert!(items.iter().all(|i| i["category"].is_string()), "{path}");
        let item = items
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("{path}: {list}"));
        assert_eq!(item["category"], "excluded", "{path}");
    }
    for other in ["undisputed", "probable", "inconclusive"] {
        let list = app
            .get(&format!("/api/v1/candidates?category={other}"), Some(&w))
            .await
            .json();
        let items = list.as_array().unwrap();
        assert!(items.iter().all(|i| i["category"] == other), "{list}");
        assert!(items.iter().all(|i| i["id"] != id), "{other}: {list}");
    }
    assert_eq!(
        app.get("/api/v1/candidates?category=maybe", Some(&w))
            .await
            .status,
        422
    );
    // A category read a page of one at a time gives the same items.
    let all: Vec<Value> = app
        .get("/api/v1/candidates?category=excluded", Some(&w))
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    let mut paged = Vec::new();
    let mut path = "/api/v1/candidates?category=excluded&limit=1".to_string();
    loop {
        let r = app.get(&path, Some(&w)).await;
        paged.extend(r.json().as_array().unwrap().clone());
        match r.header("next-cursor") {
            Some(c) => path = format!("/api/v1/candidates?category=excluded&limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    // The dashboard, the case and the found child's pages.
    for path in [
        "/?status=new".to_string(),
        format!("/cases/{case}"),
        "/found/FC-DUP".to_string(),
    ] {
        let p = page(&app, &w, &path).await;
        assert_eq!(p.status, 200, "{path}");
        let at = p
            .body
            .find(&format!("href=\"/candidates/{id}\""))
            .unwrap_or_else(|| panic!("{path}: {}", p.body));
        let end = at
            + p.body[at..]
                .find("</li>")
                .or(p.body[at..].find("</tr>"))
                .unwrap();
        assert!(
            p.body[at..end].contains("Excluded"),
            "{path}: {}",
            &p.body[at..end]
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_decision_gets_409_with_the_candidate_as_it_is_now() {
    let app = TestApp::start().await;
    let (w1, w2) = (app.login("worker1").await, app.login("worker2").await);
    let id = app.first_candidate().await.id;
    let seen = detail(&app, &w1, id).await["version"].as_i64().unwrap();
    // Meanwhile the other worker starts the review and requests the test.
    assert_eq!(step(&app, &w2, id, "start_review", None).await.status, 200);
    assert_eq!(step(&app, &w2, id, "request_test", None).await.status, 200);
    let path = format!("/api/v1/candidates/{id}/review");
    let r = app
        .post_json(
            &path,
            Some(&w1),
            &json!({"action": "reject", "reason": "old page", "version": seen}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let body = r.json();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("someone else changed")
    );
    assert_eq!(body["candidate"]["summary"]["status"], "test_requested");
    assert_eq!(body["candidate"]["version"], seen + 2);
    assert_eq!(
        detail(&app, &w1, id).await["summary"]["status"],
        "test_requested",
        "nothing done"
    );
    // Without a version: refused, nothing done.
    let r = app
        .post_json(
            &path,
            Some(&w1),
            &json!({"action": "reject", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("version"));
    // The page: its form carried the version it showed; the 409 is the
    // candidate page as it is now, with a sentence saying why.
    let r = form_step(
        &app,
        &w1,
        id,
        &format!("action=reject&reason=old+page&version={seen}"),
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("Someone else changed this candidate"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Status: <strong>Test requested"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("old page"),
        "the reason typed is kept in sight"
    );
    assert!(
        r.body
            .contains(&format!("name=\"version\" value=\"{}\"", seen + 2))
    );
    assert_eq!(
        detail(&app, &w1, id).await["summary"]["status"],
        "test_requested"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejection_can_be_reopened_with_a_reason() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let id = app.first_candidate().await.id;
    assert_eq!(
        step(&app, &w, id, "reject", Some("looked wrong"))
            .await
            .status,
        200
    );
    let p = page(&app, &w, &format!("/candidates/{id}")).await;
    assert_eq!(buttons(&p.body), ["reopen"]);
    assert!(p.body.contains("Reason for reopening"));
    // A reason is needed.
    let r = step(&app, &w, id, "reopen", None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("reason"));
    let r = step(
        &app,
        &w,
        id,
        "reopen",
        Some("the age estimate was corrected"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "under_review");
    let d = detail(&app, &w, id).await;
    assert_eq!(d["summary"]["status"], "under_review");
    let history = d["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["from"], "rejected");
    assert_eq!(history[1]["reason"], "the age estimate was corrected");
    // And it can go on to the end.
    let w2 = app.login("worker2").await;
    for (who, action) in [(&w, "request_test"), (&w2, "confirm"), (&w, "reunite")] {
        assert_eq!(
            step(&app, who, id, action, None).await.status,
            200,
            "{action}"
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_caseworkers_alternating_steps_can_finish() {
    let app = TestApp::start().await;
    let (w1, w2) = (app.login("worker1").await, app.login("worker2").await);
    let id = app.first_candidate().await.id;
    // worker1 starts the review, worker2 requests the test: worker1, who
    // did not request it, confirms; worker2 may not.
    assert_eq!(step(&app, &w1, id, "start_review", None).await.status, 200);
    assert_eq!(step(&app, &w2, id, "request_test", None).await.status, 200);
    let r = step(&app, &w2, id, "confirm", None).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("requested the confirmatory test")
    );
    let r = step(&app, &w1, id, "confirm", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(step(&app, &w2, id, "reunite", None).await.status, 200);
    assert_eq!(detail(&app, &w1, id).await["summary"]["status"], "reunited");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_shows_only_the_buttons_the_user_may_use() {
    let app = TestApp::start().await;
    let (w1, w2) = (app.login("worker1").await, app.login("worker2").await);
    let admin = app.login("admin1").await;
    let id = app.first_candidate().await.id;
    let at = format!("/candidates/{id}");
    let p = page(&app, &w1, &at).await;
    assert_eq!(buttons(&p.body), ["start_review", "reject"]);
    // The rule, said before anyone tries.
    assert!(p.body.contains(
        "Four-eyes rule: the case worker who requests the confirmatory test cannot confirm it"
    ));
    assert!(p.body.contains("Four-eyes rule"));
    assert!(buttons(&page(&app, &admin, &at).await.body).is_empty());
    step(&app, &w1, id, "start_review", None).await;
    assert_eq!(
        buttons(&page(&app, &w1, &at).await.body),
        ["request_test", "reject"]
    );
    step(&app, &w1, id, "request_test", None).await;
    // The one who requested the test sees no confirm button, and why.
    let p = page(&app, &w1, &at).await;
    assert_eq!(buttons(&p.body), ["reject"]);
    assert!(
        p.body
            .contains("You requested the confirmatory test, so another case worker confirms it")
    );
    let p = page(&app, &w2, &at).await;
    assert_eq!(buttons(&p.body), ["confirm", "reject"]);
    assert!(p.body.contains(
        "worker1 requested the confirmatory test; any case worker but worker1 can confirm it"
    ));
    // Every form carries the version the page shows.
    let version = detail(&app, &w2, id).await["version"].as_i64().unwrap();
    assert_eq!(
        p.body
            .matches(&format!("name=\"version\" value=\"{version}\""))
            .count(),
        2
    );
    step(&app, &w2, id, "confirm", None).await;
    step(&app, &w2, id, "reunite", None).await;
    let p = page(&app, &w1, &at).await;
    assert!(buttons(&p.body).is_empty());
    assert!(p.body.contains("No further step."));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_family_sees_reviewed_news_only() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let fam = app.login("family1").await;
    let own = format!("/api/v1/cases/{}", app.family_case);
    let status = || {
        let app = &app;
        let fam = fam.clone();
        let own = own.clone();
        async move {
            let r = app.get(&own, Some(&fam)).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()["status"].as_str().unwrap().to_string()
        }
    };
    // The automatic matching found a candidate; nobody looked at it yet.
    let ids: Vec<i64> = app
        .registry
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.case_id == app.family_case)
        .map(|c| c.id)
        .collect();
    assert!(!ids.is_empty());
    assert_eq!(status().await, "searching");
    let dash = page(&app, &fam, "/").await;
    assert!(
        dash.body
            .contains("Searching: no match has been confirmed yet"),
        "{}",
        dash.body
    );
    assert!(
        !dash.body.contains("A candidate was found"),
        "{}",
        dash.body
    );
    step(&app, &w, ids[0], "start_review", None).await;
    assert_eq!(status().await, "being_checked");
    let dash = page(&app, &fam, "/").await;
    assert!(dash.body.contains("A possible match is being checked"));
    step(&app, &w, ids[0], "request_test", None).await;
    assert_eq!(status().await, "being_checked");
    // Its candidates rejected: back to searching.
    for id in &ids {
        assert_eq!(
            step(&app, &w, *id, "reject", Some("not this family"))
                .await
                .status,
            200
        );
    }
    assert_eq!(status().await, "searching");
    app.stop().await;
}
