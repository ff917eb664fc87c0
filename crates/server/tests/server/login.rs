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
async fn verifications(app: &TestApp, admin: &str) -> u64 {
    let metrics = app.get("/metrics", Some(admin)).await.body;
    let line = metrics
        .lines()
        .find(|l| l.starts_with("reunite_password_verifications_total "))
        .unwrap_or_else(|| panic!("no verification counter: {metrics}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// The argon2 verifications one login attempt runs, and its answer.
async fn verified_by(app: &TestApp, admin: &str, username: &str, password: &str) -> (u64, Resp) {
    let before = verifications(app, admin).await;
    let r = app
        .post_json(
            "/api/v1/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await;
    (verifications(app, admin).await - before, r)
}

#[tokio::test(flavor = "multi_thread")]
async fn same_answer_for_a_wrong_user_and_a_wrong_password() {
    let app = TestApp::start().await;
    // The metrics are the administrators' (the admin's login is counted
    // before the first reading).
    let admin = app.login("admin1").await;
    // The same work, not just the same answer: exactly one argon2
    // verification each (the unknown user's against a dummy hash), so that
    // the time of the answer does not tell whether the account exists. (The
    // time itself is measured by `cargo bench -p server --bench login`.)
    let (n_user, wrong_user) = verified_by(&app, &admin, "nobody", PASSWORD).await;
    let (n_password, wrong_password) =
        verified_by(&app, &admin, "worker1", "not the password").await;
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
    let metrics = app.get("/metrics", Some(&admin)).await.body;
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
    let (n_long, long) = verified_by(&app, &admin, &"n".repeat(65), PASSWORD).await;
    assert_eq!((long.status, n_long), (401, 1), "{}", long.body);
    let (n_right, right) = verified_by(&app, &admin, "worker1", PASSWORD).await;
    assert_eq!((right.status, n_right), (200, 1), "{}", right.body);
    app.stop().await;
}

/// A JSON login, from behind a proxy when `forwarded_for` is given.
async fn login_from(
    app: &TestApp,
    user: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> Resp {
    let body = json!({"username": user, "password": password}).to_string();
    let mut h = vec![("content-type", "application/json")];
    if let Some(f) = forwarded_for {
        h.push(("x-forwarded-for", f));
    }
    app.request("POST", "/api/v1/login", &h, body.as_bytes())
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_lock_the_account_not_the_office() {
    // Every test comes from 127.0.0.1, as every user does behind a proxy.
    let app = TestApp::start().await;
    for _ in 0..server::auth::MAX_FAILURES {
        let r = login_from(&app, "worker2", "wrong password!", None).await;
        assert_eq!(r.status, 401);
    }
    // The account is locked even with its password, and the answer says
    // until when (one more try 3 minutes after the first failure).
    let r = login_from(&app, "worker2", PASSWORD, None).await;
    assert_eq!(r.status, 429, "{}", r.body);
    let message = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        message.contains("for this account: try again in 3 minutes (at ")
            && message.contains(" UTC)"),
        "{message}"
    );
    // The other accounts at the same address are not.
    let r = login_from(&app, "admin1", PASSWORD, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.stop().await;
}

/// `MAX_ADDRESS_FAILURES` failed logins of different accounts.
async fn fail_from_one_address(app: &TestApp, forwarded_for: impl Fn(usize) -> String) {
    for i in 0..server::auth::MAX_ADDRESS_FAILURES {
        let r = login_from(
            app,
            &format!("nobody{i}"),
            "wrong password!",
            Some(&forwarded_for(i)),
        )
        .await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    // Behind a trusted proxy (the tests' 127.0.0.1), each client is its own
    // address: one office's failures do not lock out another office.
    let app = TestApp::start_with(server::Config {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    })
    .await;
    fail_from_one_address(&app, |_| "198.51.100.7".into()).await;
    let r = login_from(&app, "worker1", PASSWORD, Some("198.51.100.7")).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("from your network address"), "{}", r.body);
    // A client that writes an address of its own left of the proxy's entry
    // is still the address the proxy saw.
    let r = login_from(
        &app,
        "worker1",
        PASSWORD,
        Some("198.51.100.8, 198.51.100.7"),
    )
    .await;
    assert_eq!(r.status, 429, "{}", r.body);
    let r = login_from(&app, "worker1", PASSWORD, Some("198.51.100.8")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let audit = app.registry.audit_tail(5).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "auth.failed" && e.detail == "from 198.51.100.7"),
        "{audit:?}"
    );
    app.stop().await;

    // From a peer that is not a trusted proxy, X-Forwarded-For is the
    // client's own word and ignored: changing it does not escape the limit.
    let app = TestApp::start().await;
    fail_from_one_address(&app, |i| format!("203.0.113.{i}")).await;
    let r = login_from(&app, "worker1", PASSWORD, Some("203.0.113.200")).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("from your network address"), "{}", r.body);
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
    let body = format!("action=start_review&csrf={csrf}&version=0");
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
    assert!(after.body.contains("Under review"), "{}", after.body);
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

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_the_admins_or_on_an_address_of_their_own() {
    let app = TestApp::start().await;
    // On the application's address: no session 401, every role but the
    // administrators 403 (the candidate counts and failed logins are not
    // theirs to read).
    assert_eq!(app.get("/metrics", None).await.status, 401);
    for user in ["worker1", "lab1", "family1"] {
        let token = app.login(user).await;
        assert_eq!(
            app.get("/metrics", Some(&token)).await.status,
            403,
            "{user}"
        );
    }
    let admin = app.get("/metrics", Some(&app.login("admin1").await)).await;
    assert_eq!(admin.status, 200);
    assert!(admin.body.contains("reunite_candidates{status=\"new\"}"));
    // A scraper reads them without an account on the separate address, and
    // nothing else is served there.
    let state = server::AppState::new(app.registry.clone(), server::Config::default()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server::serve_metrics(state, listener, async {
        let _ = stopped.await;
    }));
    let scraped = crate::common::request(addr, "GET", "/metrics", &[], b"").await;
    assert_eq!(scraped.status, 200);
    assert!(scraped.body.contains("reunite_candidates{status=\"new\"}"));
    let other = crate::common::request(addr, "GET", "/api/v1/candidates", &[], b"").await;
    assert_eq!(other.status, 404);
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    app.stop().await;
}
