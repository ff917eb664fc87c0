//! Error pages keep the person where they were (issue 15, defect 6): inside
//! the layout with the session's header, what happened in English and
//! Chinese, a way back; a refused form comes back with what was entered.
//! Unknown addresses get the 404 page; the JSON API keeps JSON errors.

use crate::common::{PASSWORD, Resp, TestApp};

const HTML: (&str, &str) = ("accept", "text/html,application/xhtml+xml");

fn cookie(token: &str) -> String {
    format!("reunite_session={token}")
}

/// The hidden CSRF field of a page.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

/// An HTML page inside the layout: the header's menu, and the user's name
/// in it when there is a session.
fn assert_in_layout(r: &Resp, user: Option<&str>) {
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "{:?}",
        r.headers
    );
    assert!(r.body.contains("<header>"), "{}", r.body);
    assert!(
        r.body.contains("<a href=\"/alerts\">Alerts</a>"),
        "{}",
        r.body
    );
    match user {
        Some(u) => {
            assert!(r.body.contains(&format!("<span>{u} (")), "{}", r.body);
            assert!(r.body.contains("<a href=\"/\">Dashboard</a>"), "{}", r.body);
        }
        None => assert!(r.body.contains("<a href=\"/login\">Log in</a>")),
    }
}

/// The error page's ways back.
fn back_links(body: &str) -> Vec<String> {
    let Some(at) = body.find("<p class=\"back\">") else {
        return vec![];
    };
    let end = at + body[at..].find("</p>").unwrap();
    body[at..end]
        .split("href=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_addresses_get_the_404_page_and_the_api_keeps_json() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let host = app.addr.to_string();
    let referer = format!("http://{host}/alerts?cursor=x");
    let r = app
        .request(
            "GET",
            "/no/such/page",
            &[HTML, ("cookie", &cookie(&w)), ("referer", &referer)],
            b"",
        )
        .await;
    assert_eq!(r.status, 404);
    assert_in_layout(&r, Some("worker1"));
    assert!(r.body.contains("Page not found"), "{}", r.body);
    assert_eq!(back_links(&r.body), ["/alerts?cursor=x", "/"]);
    // Without a session: the way back is the login page; another site's
    // page is never a way back.
    let r = app
        .request(
            "GET",
            "/no/such/page",
            &[HTML, ("referer", "http://elsewhere.example/x")],
            b"",
        )
        .await;
    assert_eq!(r.status, 404);
    assert_in_layout(&r, None);
    assert_eq!(back_links(&r.body), ["/login"]);
    // The API, even asked for HTML, and clients that do not ask for HTML: JSON.
    for (path, headers) in [
        ("/api/v1/no-such", vec![HTML]),
        ("/api/no-such", vec![]),
        ("/no/such/page", vec![]),
    ] {
        let r = app.request("GET", path, &headers, b"").await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["error"], "not found", "{path}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_pages_stay_in_the_layout_with_the_user() {
    let app = TestApp::start().await;
    // 403: a family may not read the audit log.
    let f = app.login("family1").await;
    let r = app
        .request("GET", "/audit", &[HTML, ("cookie", &cookie(&f))], b"")
        .await;
    assert_eq!(r.status, 403);
    assert_in_layout(&r, Some("family1"));
    assert!(r.body.contains("Not allowed"), "{}", r.body);
    assert_eq!(back_links(&r.body), ["/"]);
    // 404 of a page's own lookup: a case that does not exist.
    let w = app.login("worker1").await;
    let r = app
        .request(
            "GET",
            "/cases/NO-SUCH-CASE",
            &[HTML, ("cookie", &cookie(&w))],
            b"",
        )
        .await;
    assert_eq!(r.status, 404);
    assert_in_layout(&r, Some("worker1"));
    assert!(r.body.contains("Page not found"));
    assert_eq!(back_links(&r.body), ["/"]);
    // 403 of a form without its CSRF token.
    let r = app
        .request(
            "POST",
            "/logout",
            &[
                ("cookie", &cookie(&w)),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            b"csrf=wrong",
        )
        .await;
    assert_eq!(r.status, 403);
    assert_in_layout(&r, Some("worker1"));
    assert!(r.body.contains("reload the page"), "{}", r.body);
    // 401: no session, a link to log in.
    let r = app.request("GET", "/audit", &[HTML], b"").await;
    assert_eq!(r.status, 401);
    assert_in_layout(&r, None);
    assert_eq!(back_links(&r.body), ["/login"]);
    // 413 of a page's form (64 KiB): in the layout, naming the limit.
    let cand = app.first_candidate().await;
    let mut body = format!(
        "csrf={}&reason=",
        csrf_field(
            &app.request("GET", "/alerts", &[("cookie", &cookie(&w))], b"")
                .await
                .body
        )
    )
    .into_bytes();
    body.resize(server::BODY_LIMIT + 10, b'x');
    let r = app
        .request(
            "POST",
            &format!("/candidates/{}/review", cand.id),
            &[
                ("cookie", &cookie(&w)),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            &body,
        )
        .await;
    assert_eq!(r.status, 413);
    assert_in_layout(&r, Some("worker1"));
    assert!(
        r.body.contains(&server::BODY_LIMIT.to_string()),
        "{}",
        r.body
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_review_shows_the_candidate_again_with_the_reason_kept() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let cand = app.first_candidate().await;
    let page = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &cookie(&w))],
            b"",
        )
        .await;
    let csrf = csrf_field(&page.body);
    let form = |action: &str, reason: &str| {
        format!("csrf={csrf}&action={action}&reason={reason}&version=0").into_bytes()
    };
    let post = |body: Vec<u8>| {
        let app = &app;
        let w = w.clone();
        let id = cand.id;
        async move {
            app.request(
                "POST",
                &format!("/candidates/{id}/review"),
                &[
                    ("cookie", &cookie(&w)),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                &body,
            )
            .await
        }
    };
    // 422: an action the registry does not know: the refusal in the layout,
    // the way back to the candidate.
    let candidate = format!("/candidates/{}", cand.id);
    let r = post(form("approve", "")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_in_layout(&r, Some("worker1"));
    assert!(r.body.contains("unknown action"), "{}", r.body);
    assert_eq!(back_links(&r.body), [candidate.as_str(), "/"]);
    // 409: a step the status does not allow (a new candidate cannot be
    // confirmed).
    let r = post(form("confirm", "")).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_in_layout(&r, Some("worker1"));
    assert!(r.body.contains("Not possible now"), "{}", r.body);
    assert_eq!(back_links(&r.body), [candidate.as_str(), "/"]);
    // 409 of a rejection (another worker rejected it meanwhile): the form
    // again with the reason that was typed.
    let w2 = app.login("worker2").await;
    let r = app
        .post_json(
            &format!("{candidate}/review").replace("/candidates", "/api/v1/candidates"),
            Some(&w2),
            &serde_json::json!({"action": "reject", "reason": "first", "version": 0}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The page was of version 0: the candidate page as it is now (rejected,
    // with its reopening form), a sentence saying why, and the reason that
    // was typed in sight; nothing done.
    let r = post(form("reject", "same+mother%2C+other+town")).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_in_layout(&r, Some("worker1"));
    assert!(
        r.body.contains(&format!(
            "<form method=\"post\" action=\"{candidate}/review\">"
        )),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Someone else changed this candidate"),
        "{}",
        r.body
    );
    assert!(r.body.contains("same mother, other town"), "{}", r.body);
    let d = app
        .registry
        .candidate_detail("test", cand.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((d.summary.status.name(), d.history.len()), ("rejected", 1));
    // A refused login keeps the username.
    let login = app.get("/login", None).await;
    let pre = login.cookie("reunite_login_csrf").unwrap();
    let r = app
        .request(
            "POST",
            "/login",
            &[
                ("cookie", &format!("reunite_login_csrf={pre}")),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            format!(
                "csrf={}&username=worker1&password=not+{}",
                csrf_field(&login.body),
                PASSWORD.replace(' ', "+")
            )
            .as_bytes(),
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("value=\"worker1\""), "{}", r.body);
    app.stop().await;
}

fn multipart(boundary: &str, csrf: &str, kind: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_import_shows_the_form_again_with_the_kind_kept() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let page = app
        .request("GET", "/import", &[("cookie", &cookie(&w))], b"")
        .await;
    let csrf = csrf_field(&page.body);
    let b = "XyZbOuNdArY";
    let upload = |kind: &'static str, file: Vec<u8>| {
        let app = &app;
        let w = w.clone();
        let body = multipart(b, &csrf, kind, &file);
        async move {
            app.request(
                "POST",
                "/import",
                &[
                    ("cookie", &cookie(&w)),
                    (
                        "content-type",
                        &format!("multipart/form-data; boundary={b}"),
                    ),
                ],
                &body,
            )
            .await
        }
    };
    let kept = |r: &Resp, kind: &str| {
        assert_in_layout(r, Some("worker1"));
        assert!(r.body.contains("<form method=\"post\" action=\"/import\""));
        assert!(
            r.body
                .contains(&format!("<option value=\"{kind}\" selected>")),
            "{}",
            r.body
        );
        assert!(r.body.contains("choose the file again"), "{}", r.body);
    };
    // 422: a file that is not what the kind needs.
    let r = upload("references", b"not,the,columns\n1,2,3\n".to_vec()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    kept(&r, "references");
    // 422: no file chosen.
    let r = upload("found", vec![]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    kept(&r, "found");
    assert!(r.body.contains("Choose a file"));
    // 413: larger than the import limit, which the page names.
    let r = upload("found", vec![b' '; server::IMPORT_LIMIT + 1024]).await;
    assert_eq!(r.status, 413, "{}", r.body);
    kept(&r, "found");
    assert!(r.body.contains(&server::IMPORT_LIMIT.to_string()));
    app.stop().await;
}

/// Each kind of registry error has its one status, whichever route meets it
/// (issue 14): an unknown candidate 404 (the API and the page, without a
/// lookup of their own before the step), refused input 422 (a rejection
/// without its reason), a step the state does not allow 409, and stored data
/// that cannot be read back 500 with no detail (the stored value never in
/// the answer).
#[tokio::test(flavor = "multi_thread")]
async fn every_registry_error_has_one_status() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let cand = app.first_candidate().await;
    let api = format!("/api/v1/candidates/{}/review", cand.id);
    // 404: no such candidate, by the API and by the page's form.
    let r = app
        .post_json(
            "/api/v1/candidates/999999/review",
            Some(&w),
            &serde_json::json!({"action": "start_review", "version": 0}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(r.json()["error"], "no candidate 999999");
    let page = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &cookie(&w))],
            b"",
        )
        .await;
    let csrf = csrf_field(&page.body);
    let r = app
        .request(
            "POST",
            "/candidates/999999/review",
            &[
                HTML,
                ("cookie", &cookie(&w)),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            format!("csrf={csrf}&action=start_review&reason=&version=0").as_bytes(),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_in_layout(&r, Some("worker1"));
    assert!(r.body.contains("no candidate 999999"), "{}", r.body);
    // 422: a rejection without its reason is refused input, whatever the
    // candidate's state.
    let r = app
        .post_json(
            &api,
            Some(&w),
            &serde_json::json!({"action": "reject", "version": 0}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("reason"));
    // 409: a new candidate cannot be confirmed.
    let r = app
        .post_json(
            &api,
            Some(&w),
            &serde_json::json!({"action": "confirm", "version": 0}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("cannot be moved")
    );
    // 500: a stored status the program does not know (damaged data) is a
    // failure of the registry, not the user's input, and its value is not
    // in the answer.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&format!("{}?mode=rw", app.registry.url()))
        .await
        .unwrap();
    sqlx::query("UPDATE candidates SET status = 'zz-damaged' WHERE id = $1")
        .bind(cand.id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let r = app
        .post_json(
            &api,
            Some(&w),
            &serde_json::json!({"action": "start_review", "version": 0}),
        )
        .await;
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(r.json()["error"], "internal error");
    assert!(!r.body.contains("zz-damaged"), "{}", r.body);
    app.stop().await;
}
