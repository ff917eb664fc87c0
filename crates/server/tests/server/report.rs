//! The report of a candidate for police files and courts.

use serde_json::json;

use crate::common::TestApp;

#[tokio::test]
async fn the_report_says_the_lr_in_words_and_who_confirmed() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    let w1 = app.login("worker1").await;
    let w2 = app.login("worker2").await;
    let report = |token: String| {
        let app = &app;
        let path = format!("/candidates/{}/report", cand.id);
        async move {
            let cookie = format!("reunite_session={token}");
            let r = app.request("GET", &path, &[("cookie", &cookie)], b"").await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        }
    };
    let step = |token: String, action: &'static str| {
        let app = &app;
        let path = format!("/api/v1/candidates/{}", cand.id);
        async move {
            let version = app.get(&path, Some(&token)).await.json()["version"].clone();
            let r = app
                .post_json(
                    &format!("{path}/review"),
                    Some(&token),
                    &json!({"action": action, "version": version}),
                )
                .await;
            assert_eq!(r.status, 200, "{action}: {}", r.body);
        }
    };
    let before = report(w1.clone()).await;
    // The hypotheses, the LR in words on the ENFSI scale, the method, the
    // markers; not yet a conclusion.
    let (en, zh) = server::words::enfsi(cand.lr);
    for shown in [
        "Hypothesis 1",
        "假设二",
        en.as_str(),
        zh.as_str(),
        "ENFSI",
        "D3S1358",
        "NIST",
        "Not confirmed",
        cand.found_id.as_str(),
        cand.case_id.as_str(),
    ] {
        assert!(before.contains(shown), "{shown} in the report: {before}");
    }
    assert!(
        en.contains("support for the first hypothesis"),
        "the best candidate supports its family: {en}"
    );
    step(w1.clone(), "start_review").await;
    step(w1.clone(), "request_test").await;
    step(w2.clone(), "confirm").await;
    let after = report(w2.clone()).await;
    assert!(!after.contains("Not confirmed"), "{after}");
    let row = |what: &str, who: &str| format!("<td>{what}</td><td>{who}</td>");
    assert!(
        after.contains(&row("Confirmed by · 确认", "worker2")),
        "{after}"
    );
    assert!(after.contains(&row(
        "Confirmatory test requested by · 申请确认检测",
        "worker1"
    )));
    assert!(after.contains(&row("Review started by · 开始审核", "worker1")));
    // The candidate page links to it.
    let cookie = format!("reunite_session={w1}");
    let page = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert!(
        page.body
            .contains(&format!("/candidates/{}/report", cand.id))
    );
}
