//! The report of a candidate for police files and courts.

use serde_json::json;

use crate::common::TestApp;

/// The candidate reviewed by `w1`, who requests the test, and confirmed by `w2`.
async fn confirm(app: &TestApp, id: i64, w1: &str, w2: &str) {
    let path = format!("/api/v1/candidates/{id}");
    for (token, action) in [(w1, "start_review"), (w1, "request_test"), (w2, "confirm")] {
        let version = app.get(&path, Some(token)).await.json()["version"].clone();
        let r = app
            .post_json(
                &format!("{path}/review"),
                Some(token),
                &json!({"action": action, "version": version}),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
}

#[tokio::test]
async fn the_report_says_the_lr_in_words_and_who_confirmed() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    let w1 = app.login("worker1").await;
    let w2 = app.login("worker2").await;
    let report = |token: String, lang: &'static str| {
        let app = &app;
        let path = format!("/candidates/{}/report", cand.id);
        async move {
            let cookie = format!("reunite_session={token}; lang={lang}");
            let r = app.request("GET", &path, &[("cookie", &cookie)], b"").await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        }
    };
    let before = report(w1.clone(), "en").await;
    let before_zh = report(w1.clone(), "zh-CN").await;
    // The hypotheses, the LR in words on the ENFSI scale, the method, the
    // markers; not yet a conclusion. In each language.
    let en = server::words::enfsi(server::Lang::En, cand.lr);
    let zh = server::words::enfsi(server::Lang::ZhCn, cand.lr);
    assert!(before_zh.contains("假设二"), "{before_zh}");
    assert!(before_zh.contains(zh.as_str()), "{zh}: {before_zh}");
    assert!(!before.contains(zh.as_str()), "one language a page");
    for shown in [
        "Hypothesis 1",
        en.as_str(),
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
    confirm(&app, cand.id, &w1, &w2).await;
    let after = report(w2.clone(), "en").await;
    let after_zh = report(w2.clone(), "zh-CN").await;
    assert!(!after.contains("Not confirmed"), "{after}");
    let row = |what: &str, who: &str| format!("<td>{what}</td><td>{who}</td>");
    assert!(after.contains(&row("Confirmed by", "worker2")), "{after}");
    assert!(after.contains(&row("Confirmatory test requested by", "worker1")));
    assert!(after.contains(&row("Review started by", "worker1")));
    assert!(after_zh.contains(&row("确认", "worker2")), "{after_zh}");
    assert!(after_zh.contains(&row("申请确认检测", "worker1")));
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

/// The superscript digits of an LR as the PDF's text gives them (small
/// raised digits are digits).
fn plain_digits(s: &str) -> String {
    s.chars()
        .map(|c| match "⁰¹²³⁴⁵⁶⁷⁸⁹⁻".chars().position(|d| d == c) {
            Some(10) => '-',
            Some(i) => char::from(b'0' + i as u8),
            None => c,
        })
        .collect()
}

#[tokio::test]
async fn the_report_as_a_pdf_says_what_the_page_says_in_its_language() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    let w1 = app.login("worker1").await;
    let w2 = app.login("worker2").await;
    let pdf = |token: String, lang: &'static str| {
        let app = &app;
        let path = format!("/candidates/{}/report.pdf", cand.id);
        async move {
            let cookie = format!("reunite_session={token}; lang={lang}");
            let r = app.request("GET", &path, &[("cookie", &cookie)], b"").await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.header("content-type"), Some("application/pdf"));
            assert_eq!(r.header("cache-control"), Some("private, no-store"));
            assert!(r.bytes.starts_with(b"%PDF-1.7"));
            assert!(r.body.contains(&format!("/Lang ({lang})")));
            server::pdf::text(&r.bytes)
        }
    };
    let en = pdf(w1.clone(), "en").await;
    let zh = pdf(w1.clone(), "zh-CN").await;
    let lr = plain_digits(&server::words::lr(server::Lang::En, cand.lr, cand.log10_lr));
    for shown in [
        "DNA kinship report",
        "Hypothesis 1",
        "Not confirmed.",
        "ENFSI",
        "D3S1358",
        "NIST",
        lr.as_str(),
        cand.found_id.as_str(),
        cand.case_id.as_str(),
        "page 1 of",
    ] {
        assert!(en.contains(shown), "{shown} in the PDF: {en}");
    }
    assert!(
        !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{en}"
    );
    for shown in [
        "DNA亲缘关系鉴定报告",
        "假设二",
        "D3S1358",
        lr.as_str(),
        "第 1 页",
    ] {
        assert!(zh.contains(shown), "{shown} in the Chinese PDF: {zh}");
    }
    assert!(!zh.contains("Hypothesis"), "{zh}");
    // Reviewed and confirmed: the PDF names who did what, and is no longer
    // marked as not confirmed.
    confirm(&app, cand.id, &w1, &w2).await;
    let after = pdf(w2.clone(), "en").await;
    assert!(!after.contains("Not confirmed"), "{after}");
    assert!(after.contains("Confirmed byworker2"), "{after}");
    assert!(after.contains("Review started byworker1"), "{after}");
    // The report page links to it.
    let cookie = format!("reunite_session={w1}");
    let page = app
        .request(
            "GET",
            &format!("/candidates/{}/report", cand.id),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert!(
        page.body
            .contains(&format!("/candidates/{}/report.pdf", cand.id))
    );
    app.stop().await;
}
