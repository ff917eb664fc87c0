//! Logins, sessions, the rate limit, CSRF and body limits.

use serde_json::json;

use crate::common::{PASSWORD, Resp, TestApp};

/// The hidden CSRF field of a page.
fn csrf_field(html: &str) -> String {
    let at =
        html.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    html[at..at + 64].to_string()
}

/// Logs in through the form; the session cookie value.
async fn form_login(app: &TestApp, user: &str) -> String {
    let page = app.get("/login", None).await;
    let pre = page.cookie("reunite_login_csrf").unwrap();
    let csrf = csrf_field(&page.body);
    let cookie = format!("reunite_login_csrf={pre}");
    let body = format!(
        "csrf={csrf}&username={user}&password={}",
        PASSWORD.replace(' ', "+")
    );
    let r = app
        .request(
            "POST",
            "/login",
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let set = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("reunite_session="))
        .unwrap()
        .to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(
        !set.contains("Secure"),
        "no Secure cookie on plain http by default"
    );
    r.cookie("reunite_session").unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_and_cookie_sessions() {
    let app = TestApp::start().await;
    // Bearer.
    let token = app.login("worker1").await;
    assert_eq!(token.len(), 64);
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["role"], "caseworker");
    assert_eq!(
        app.post_json("/api/v1/logout", Some(&token), &json!({}))
            .await
            .status,
        200
    );
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 401);
    // The stored session is the hash, never the token.
    let audit = app
        .get("/api/v1/audit?limit=1000", Some(&app.login("admin1").await))
        .await;
    assert!(!audit.body.contains(&token));

    // Cookie.
    let session = form_login(&app, "worker1").await;
    let cookie = format!("reunite_session={session}");
    let dash = app.request("GET", "/", &[("cookie", &cookie)], b"").await;
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains("Candidates to review"));
    let csrf = csrf_field(&dash.body);
    let out = app
        .request(
            "POST",
            "/logout",
            &[
                ("cookie", &cookie),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            format!("csrf={csrf}").as_bytes(),
        )
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(
        app.request("GET", "/", &[("cookie", &cookie)], b"")
            .await
            .status,
        401
    );
    app.stop().await;
}

/// `reunite_password_verifications_total` of `/metrics`.
async fn verifications(app: &TestApp) -> u64 {
    let metrics = app.get("/metrics", None).await.body;
    let line = metrics
        .lines()
        .find(|l| l.starts_with("reunite_password_verifications_total "))
        .unwrap_or_else(|| panic!("no verification counter: {metrics}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// The argon2 verifications one login attempt runs, and its answer.
async fn verified_by(app: &TestApp, username: &str, password: &str) -> (u64, Resp) {
    let before = verifications(app).await;
    let r = app
        .post_json(
            "/api/v1/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await;
    (verifications(app).await - before, r)
}

#[tokio::test(flavor = "multi_thread")]
async fn same_answer_for_a_wrong_user_and_a_wrong_password() {
    let app = TestApp::start().await;
    // The same work, not just the same answer: exactly one argon2
    // verification each (the unknown user's against a dummy hash), so that
    // the time of the answer does not tell whether the account exists. (The
    // time itself is measured by `cargo bench -p server --bench login`.)
    let (n_user, wrong_user) = verified_by(&app, "nobody", PASSWORD).await;
    let (n_password, wrong_password) = verified_by(&app, "worker1", "not the password").await;
    assert_eq!(wrong_user.status, 401);
    assert_eq!(wrong_user.status, wrong_password.status);
    assert_eq!(wrong_user.body, wrong_password.body);
    assert_eq!(
        (n_user, n_password),
        (1, 1),
        "argon2 verifications of (an unknown user, a wrong password)"
    );
    // Failures are audited and counted.
    let audit = app.registry.audit_tail(10).await.unwrap();
    assert_eq!(
        audit.iter().filter(|e| e.action == "auth.failed").count(),
        2
    );
    assert!(
        audit
            .iter()
            .all(|e| !e.detail.contains(PASSWORD) && !e.detail.contains("not the password"))
    );
    let metrics = app.get("/metrics", None).await.body;
    assert!(
        metrics.contains("reunite_login_failures_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("reunite_candidates{status=\"new\"}"),
        "{metrics}"
    );
    // A name too long to be looked up is an unknown user too; the right
    // password is one verification as well.
    let (n_long, long) = verified_by(&app, &"n".repeat(65), PASSWORD).await;
    assert_eq!((long.status, n_long), (401, 1), "{}", long.body);
    let (n_right, right) = verified_by(&app, "worker1", PASSWORD).await;
    assert_eq!((right.status, n_right), (200, 1), "{}", right.body);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_rate_limited() {
    let app = TestApp::start().await;
    for _ in 0..5 {
        let r = app
            .post_json(
                "/api/v1/login",
                None,
                &json!({"username": "worker2", "password": "wrong password!"}),
            )
            .await;
        assert_eq!(r.status, 401);
    }
    // The account is locked even with its password.
    let r = app
        .post_json(
            "/api/v1/login",
            None,
            &json!({"username": "worker2", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.body);
    // The address too (all tests come from 127.0.0.1): after 5 failures in all, other accounts wait.
    let r = app
        .post_json(
            "/api/v1/login",
            None,
            &json!({"username": "admin1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 429);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_need_their_csrf_token_and_the_same_site() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    let session = form_login(&app, "worker1").await;
    let cookie = format!("reunite_session={session}");
    let page = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert_eq!(page.status, 200);
    let csrf = csrf_field(&page.body);
    let path = format!("/candidates/{}/review", cand.id);
    let form = ("content-type", "application/x-www-form-urlencoded");
    // Without the token.
    let r = app
        .request(
            "POST",
            &path,
            &[("cookie", &cookie), form],
            b"action=start_review",
        )
        .await;
    assert_eq!(r.status, 403);
    // With a wrong one.
    let r = app
        .request(
            "POST",
            &path,
            &[("cookie", &cookie), form],
            format!("action=start_review&csrf={}", "0".repeat(64)).as_bytes(),
        )
        .await;
    assert_eq!(r.status, 403);
    // From another site, even with the token.
    let body = format!("action=start_review&csrf={csrf}");
    let r = app
        .request(
            "POST",
            &path,
            &[
                ("cookie", &cookie),
                form,
                ("origin", "https://evil.example"),
            ],
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .request(
            "POST",
            &path,
            &[("cookie", &cookie), form, ("sec-fetch-site", "cross-site")],
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.registry.candidate_summaries(None, None).await.unwrap()[0].status,
        "new"
    );
    // The API with a cookie needs the token in a header.
    let api = format!("/api/v1/candidates/{}/review", cand.id);
    let r = app
        .request(
            "POST",
            &api,
            &[("cookie", &cookie), ("content-type", "application/json")],
            br#"{"action":"start_review"}"#,
        )
        .await;
    assert_eq!(r.status, 403);
    // Same origin, with the token: done.
    let origin = format!("http://{}", app.addr);
    let r = app
        .request(
            "POST",
            &path,
            &[
                ("cookie", &cookie),
                form,
                ("origin", &origin),
                ("sec-fetch-site", "same-origin"),
            ],
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert!(after.body.contains("under_review"));
    // The login form needs its own token.
    let r = app
        .request(
            "POST",
            "/login",
            &[form],
            format!("username=worker1&password={}", PASSWORD.replace(' ', "+")).as_bytes(),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.cookie("reunite_session").is_none());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn large_bodies_get_a_clear_413() {
    let app = TestApp::start().await;
    let big = vec![b'x'; 100 * 1024];
    let r = app
        .post("/api/v1/login", None, "application/json", &big)
        .await;
    assert_eq!(r.status, 413);
    assert!(
        r.json()["error"].as_str().unwrap().contains("too large"),
        "{}",
        r.body
    );
    // Imports take up to 20 MB: 100 KB is refused for its content, not its size.
    let token = app.login("worker1").await;
    let r = app
        .post(
            "/api/v1/import/cases?file=x.csv",
            Some(&token),
            "text/csv",
            &big,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .post(
            "/api/v1/import/cases?file=x.csv",
            Some(&token),
            "text/csv",
            &vec![b'x'; 21 * 1024 * 1024],
        )
        .await;
    assert_eq!(r.status, 413);
    app.stop().await;
}
