//! Hostile use (the role guard on every form: `roles.rs`): session fixation, CSRF tokens
//! bound to their session, the login rate limit on the form, upload file
//! names that try to be paths, oversized uploads, and SQL injection in every
//! text a request can carry.

use serde_json::json;

use crate::common::{PASSWORD, Resp, TestApp, USERS};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// Percent-encodes everything but letters and digits.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The hidden CSRF field of a page.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

fn session_cookie(token: &str) -> String {
    format!("reunite_session={token}")
}

/// The CSRF token of a cookie session (every page with a session has the logout form).
async fn csrf_of(app: &TestApp, token: &str) -> String {
    let page = app
        .request("GET", "/alerts", &[("cookie", &session_cookie(token))], b"")
        .await;
    assert_eq!(page.status, 200);
    csrf_field(&page.body)
}

/// Logs in through the form, sending `extra_cookie` too; the response.
async fn form_login(app: &TestApp, user: &str, password: &str, extra_cookie: Option<&str>) -> Resp {
    let page = app.get("/login", None).await;
    let pre = page.cookie("reunite_login_csrf").unwrap();
    let mut cookie = format!("reunite_login_csrf={pre}");
    if let Some(c) = extra_cookie {
        cookie = format!("{c}; {cookie}");
    }
    let body = format!(
        "csrf={}&username={}&password={}",
        csrf_field(&page.body),
        enc(user),
        enc(password)
    );
    app.request(
        "POST",
        "/login",
        &[("cookie", &cookie), FORM],
        body.as_bytes(),
    )
    .await
}

fn multipart(boundary: &str, csrf: &str, kind: &str, filename: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_set_before_login_is_never_the_session_after_it() {
    let app = TestApp::start().await;
    // An attacker plants a token of their choosing in the victim's browser.
    let planted = "ab".repeat(32);
    let r = form_login(&app, "worker1", PASSWORD, Some(&session_cookie(&planted))).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let issued = r.cookie("reunite_session").unwrap();
    assert_eq!(issued.len(), 64);
    assert_ne!(issued, planted);
    let me = |token: String| {
        let app = &app;
        async move {
            app.request(
                "GET",
                "/api/v1/me",
                &[
                    ("cookie", &session_cookie(&token)),
                    ("authorization", &format!("Bearer {token}")),
                ],
                b"",
            )
            .await
        }
    };
    assert_eq!(
        me(planted.clone()).await.status,
        401,
        "the planted token is no session"
    );
    assert_eq!(me(issued.clone()).await.json()["username"], "worker1");
    // The login form's own token is cleared and is no session either.
    let page = app.get("/login", None).await;
    let login_csrf = page.cookie("reunite_login_csrf").unwrap();
    assert_eq!(me(login_csrf).await.status, 401);
    let cleared = r
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("reunite_login_csrf="))
        .unwrap()
        .to_string();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    // The attacker plants their own valid session: logging in as the victim
    // gives a new one and leaves the attacker's session the attacker's.
    let attacker = app.login("worker2").await;
    let r = form_login(&app, "worker1", PASSWORD, Some(&session_cookie(&attacker))).await;
    assert_eq!(r.status, 303);
    let victim = r.cookie("reunite_session").unwrap();
    assert_ne!(victim, attacker);
    assert_eq!(me(attacker.clone()).await.json()["username"], "worker2");
    assert_eq!(me(victim.clone()).await.json()["username"], "worker1");
    // Every login is a new session with its own CSRF token.
    let again = form_login(&app, "worker1", PASSWORD, None)
        .await
        .cookie("reunite_session")
        .unwrap();
    assert_ne!(again, victim);
    assert_ne!(csrf_of(&app, &again).await, csrf_of(&app, &victim).await);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csrf_token_works_only_with_its_own_session() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    let w1 = app.login("worker1").await;
    let w2 = app.login("worker2").await;
    let (c1, c2) = (csrf_of(&app, &w1).await, csrf_of(&app, &w2).await);
    let form_path = format!("/candidates/{}/review", cand.id);
    let api_path = format!("/api/v1/candidates/{}/review", cand.id);
    // worker2's token with worker1's session: refused, on the form and the API.
    let r = app
        .request(
            "POST",
            &form_path,
            &[("cookie", &session_cookie(&w1)), FORM],
            format!("csrf={c2}&action=start_review").as_bytes(),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = start_review_with(&app, &api_path, &w1, &c2).await;
    assert_eq!(r.status, 403);
    // Logging out needs the token too: without it the session stays.
    let r = app
        .request(
            "POST",
            "/logout",
            &[("cookie", &session_cookie(&w1)), FORM],
            b"",
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.get("/api/v1/me", Some(&w1)).await.status, 200);
    assert_eq!(
        app.registry.candidate_summaries(None, None).await.unwrap()[0].status,
        "new"
    );
    // Its own token: done.
    let r = start_review_with(&app, &api_path, &w1, &c1).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_login_form_is_rate_limited_too() {
    let app = TestApp::start().await;
    for _ in 0..server::auth::MAX_FAILURES {
        let r = form_login(&app, "worker1", "a wrong password", None).await;
        assert_eq!(r.status, 401);
        assert!(r.cookie("reunite_session").is_none());
    }
    let r = form_login(&app, "worker1", PASSWORD, None).await;
    assert_eq!(r.status, 429);
    assert!(r.body.contains("Too many failed logins"), "{}", r.body);
    assert!(r.cookie("reunite_session").is_none());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_file_names_are_labels_never_paths() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let csrf = csrf_of(&app, &w).await;
    let cookie = session_cookie(&w);
    let header = app.scenario.cases_csv.lines().next().unwrap().to_string();
    let unique = format!(
        "reunite-traversal-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let tmp = std::env::temp_dir().join(&unique);
    std::fs::create_dir(&tmp).unwrap();
    let cwd = std::env::current_dir().unwrap();
    let depth = cwd.components().count();
    let up = "../".repeat(depth + 2);
    let names = [
        format!(
            "{up}{}/{unique}-rel.csv",
            tmp.display().to_string().trim_start_matches('/')
        ),
        format!("{}/abs.csv", tmp.display()),
        format!("..\\..\\{unique}-win.csv"),
        format!("{unique}/../../../{unique}-mixed.csv"),
    ];
    for (i, name) in names.iter().enumerate() {
        let file = format!("{header}\nTRAV-{i},,female,2023-01-01,2023-02-01,2024-01-01,,,,\n");
        // The page (multipart file name) and the API (?file=).
        let (status, label) = if i % 2 == 0 {
            let b = "TrAvErSaL";
            let r = app
                .request(
                    "POST",
                    "/import",
                    &[
                        ("cookie", &cookie),
                        (
                            "content-type",
                            &format!("multipart/form-data; boundary={b}"),
                        ),
                    ],
                    &multipart(b, &csrf, "cases", name, file.as_bytes()),
                )
                .await;
            (r.status, r.body)
        } else {
            let r = app
                .post(
                    &format!("/api/v1/import/cases?file={}", enc(name)),
                    Some(&w),
                    "text/csv",
                    file.as_bytes(),
                )
                .await;
            (
                r.status,
                r.json()["file"].as_str().unwrap_or_default().to_string(),
            )
        };
        assert_eq!(status, 200, "{name}: {label}");
        assert!(
            app.registry
                .case_id_ref(&format!("TRAV-{i}"))
                .await
                .unwrap()
                .is_some(),
            "{name}"
        );
    }
    // Nothing was written where those names point.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    for dir in [
        std::env::temp_dir(),
        cwd.clone(),
        cwd.join(".."),
        cwd.join("../.."),
    ] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let n = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                !n.contains(&unique) || dir.join(&n) == tmp,
                "{n} written in {}",
                dir.display()
            );
        }
    }
    std::fs::remove_dir(&tmp).unwrap();
    // The names are kept as labels of the imports (control characters dropped).
    let r = app
        .post(
            &format!(
                "/api/v1/import/cases?file={}",
                enc("a\r\nx-injected: 1\t.csv")
            ),
            Some(&w),
            "text/csv",
            app.scenario.cases_csv.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["file"], "ax-injected: 1.csv");
    assert!(r.header("x-injected").is_none());
    // A NUL anywhere in the address is refused outright.
    let r = app
        .post(
            &format!("/api/v1/import/cases?file={}", enc("a\u{0}.csv")),
            Some(&w),
            "text/csv",
            app.scenario.cases_csv.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_uploads_get_a_413_that_names_the_limit() {
    let app = TestApp::start().await;
    let limit = server::IMPORT_LIMIT;
    assert_eq!(limit, 20 * 1024 * 1024);
    // The limit is in the API document.
    let doc = app.get("/api/openapi.json", None).await.json();
    let described = doc["paths"]["/api/v1/import/cases"]["post"]["responses"]["413"]["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(described.contains(&limit.to_string()), "{described}");
    let w = app.login("worker1").await;
    let cases_before = app.registry.counts().await.unwrap();
    // Exactly the limit: read, and refused for its content.
    let r = app
        .post(
            "/api/v1/import/cases?file=x.csv",
            Some(&w),
            "text/csv",
            &vec![b'x'; limit],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    // One byte more: 413, with the limit in the message.
    let r = app
        .post(
            "/api/v1/import/cases?file=x.csv",
            Some(&w),
            "text/csv",
            &vec![b'x'; limit + 1],
        )
        .await;
    assert_eq!(r.status, 413);
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        msg.contains("too large") && msg.contains(&limit.to_string()),
        "{msg}"
    );
    // The upload page: a file over the limit gets the same answer as a page.
    let csrf = csrf_of(&app, &w).await;
    let b = "BiGb0undary";
    let mut file = app.scenario.cases_csv.clone().into_bytes();
    file.resize(limit + 1024, b' ');
    let r = app
        .request(
            "POST",
            "/import",
            &[
                ("cookie", &session_cookie(&w)),
                (
                    "content-type",
                    &format!("multipart/form-data; boundary={b}"),
                ),
            ],
            &multipart(b, &csrf, "cases", "big.csv", &file),
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains(&limit.to_string()), "{}", r.body);
    // Other bodies: 64 KiB.
    let small = server::BODY_LIMIT;
    let r = app
        .post(
            "/api/v1/login",
            None,
            "application/json",
            &vec![b' '; small + 1],
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains(&small.to_string())
    );
    assert_eq!(app.registry.counts().await.unwrap(), cases_before);
    app.stop().await;
}

/// Attempts in the styles that work against string-built SQL.
const INJECTIONS: &[&str] = &[
    "admin1' --",
    "' OR '1'='1",
    "'; DROP TABLE cases;--",
    "\"); DELETE FROM profiles; --",
    "1; UPDATE candidates SET status = 'reunited'",
    "' UNION SELECT password_hash FROM users --",
];

#[tokio::test(flavor = "multi_thread")]
async fn sql_injection_in_every_field_is_data_never_code() {
    let app = TestApp::start().await;
    let counts = app.registry.counts().await.unwrap();
    let statuses: Vec<String> = app
        .registry
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.status.name().to_string())
        .collect();
    let w = app.login("worker1").await;
    let lab = app.login("lab1").await;
    let admin = app.login("admin1").await;
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for (i, s) in INJECTIONS.iter().enumerate() {
        // Logins (the first two: five failures from one address lock it).
        if i < 2 {
            let r = app
                .post_json(
                    "/api/v1/login",
                    None,
                    &json!({"username": s, "password": s}),
                )
                .await;
            assert_eq!(r.status, 401, "{s}");
            let r = app
                .post_json(
                    "/api/v1/login",
                    None,
                    &json!({"username": "worker2", "password": s}),
                )
                .await;
            assert_eq!(r.status, 401, "{s}");
        }
        // Path parameters and query strings.
        for path in [
            format!("/api/v1/cases/{}", enc(s)),
            format!("/api/v1/found/{}", enc(s)),
            format!("/api/v1/candidates/{}", enc(s)),
            format!("/cases/{}", enc(s)),
            format!("/found/{}", enc(s)),
            format!("/candidates/{}", enc(s)),
        ] {
            let r = app
                .request("GET", &path, &[("cookie", &session_cookie(&w))], b"")
                .await;
            assert_eq!(r.status, 404, "{path}");
        }
        let r = app
            .request(
                "DELETE",
                &format!("/api/v1/cases/{}", enc(s)),
                &[("authorization", &format!("Bearer {admin}"))],
                b"",
            )
            .await;
        assert_eq!(r.status, 404);
        let r = app
            .get(&format!("/api/v1/candidates?status={}", enc(s)), Some(&w))
            .await;
        assert_eq!(r.json(), json!([]));
        let r = app
            .get(&format!("/api/v1/audit?limit={}", enc(s)), Some(&admin))
            .await;
        assert_eq!(r.status, 200);
        // An import with every free text, and the names the query gives.
        let header = app.scenario.cases_csv.lines().next().unwrap();
        let file = format!(
            "{header}\nSQL-{i},{},female,2023-01-01,2023-02-01,2024-01-01,{},,,{}\n",
            q(s),
            q(s),
            q(s)
        );
        let r = app
            .post(
                &format!("/api/v1/import/cases?file={}", enc(s)),
                Some(&w),
                "text/csv",
                file.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["file"], *s);
        let case = app
            .get(&format!("/api/v1/cases/SQL-{i}"), Some(&w))
            .await
            .json();
        for field in ["child_name", "missing_place", "description"] {
            assert_eq!(case[field], *s, "{field}");
        }
        // An identifier: refused with its place.
        let r = app
            .post(
                "/api/v1/import/cases?file=ids.csv",
                Some(&w),
                "text/csv",
                format!("{header}\n{},,female,,,,,,,\n", q(s)).as_bytes(),
            )
            .await;
        assert_eq!(r.status, 422);
        assert!(r.json()["error"].as_str().unwrap().contains("ids.csv:2"));
        let r = app
            .post(
                &format!(
                    "/api/v1/import/frequencies?file={}&name={}&population={}",
                    enc(s),
                    enc(s),
                    enc(s)
                ),
                Some(&lab),
                "text/plain",
                formats::builtin::NIST_FREQUENCIES.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 422, "no such population: {}", r.body);
        let r = app
            .post(
                &format!(
                    "/api/v1/import/profiles?file={}&lab={}&kit={}",
                    enc(s),
                    enc(s),
                    enc(s)
                ),
                Some(&lab),
                "text/plain",
                app.scenario.profiles_tsv.as_bytes(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        // The kind of the upload form.
        let csrf = csrf_of(&app, &w).await;
        let b = "SqLb0undary";
        let r = app
            .request(
                "POST",
                "/import",
                &[
                    ("cookie", &session_cookie(&w)),
                    (
                        "content-type",
                        &format!("multipart/form-data; boundary={b}"),
                    ),
                ],
                &multipart(b, &csrf, s, &s.replace('"', ""), file.as_bytes()),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
    }
    // A review reason, on the API and the form.
    let cands = app.registry.candidate_summaries(None, None).await.unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/candidates/{}/review", cands[0].id),
            Some(&w),
            &json!({"action": "reject", "reason": INJECTIONS[0], "version": 0}),
        )
        .await;
    assert_eq!(r.json()["status"], "rejected");
    let csrf = csrf_of(&app, &w).await;
    let r = app
        .request(
            "POST",
            &format!("/candidates/{}/review", cands[1].id),
            &[("cookie", &session_cookie(&w)), FORM],
            format!(
                "csrf={csrf}&action=reject&reason={}&version=0",
                enc(INJECTIONS[1])
            )
            .as_bytes(),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    for (c, reason) in [(&cands[0], INJECTIONS[0]), (&cands[1], INJECTIONS[1])] {
        let d = app
            .get(&format!("/api/v1/candidates/{}", c.id), Some(&w))
            .await
            .json();
        assert_eq!(d["history"][0]["reason"], reason);
    }

    // Every table is there, with what was added and nothing less; no status
    // changed but the two rejections; the chain holds; accounts still log in.
    let after = app.registry.counts().await.unwrap();
    for ((name, a), (_, b)) in counts.iter().zip(&after) {
        match *name {
            "cases" => assert_eq!(*b, a + INJECTIONS.len() as i64),
            _ => assert!(b >= a, "{name}: {a} -> {b}"),
        }
    }
    let now: Vec<String> = app
        .registry
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.status.name().to_string())
        .collect();
    assert_eq!(now.len(), statuses.len());
    assert_eq!(now.iter().filter(|s| *s == "rejected").count(), 2);
    assert_eq!(
        now.iter().filter(|s| *s == "new").count(),
        statuses.len() - 2
    );
    app.registry.verify_audit().await.unwrap();
    for (u, _) in USERS.iter().filter(|(u, _)| *u != "worker2") {
        app.login(u).await;
    }
    app.stop().await;
}

/// A NUL in an address (an id, an option) is a clear 400, never a database
/// failure (PostgreSQL refuses NUL in text).
#[tokio::test]
async fn a_nul_in_the_address_is_a_clear_400() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    for path in [
        "/api/v1/cases/%00",
        "/api/v1/found/MC%00x",
        "/api/v1/candidates?status=%00",
        "/cases/%00",
    ] {
        let r = app.get(path, Some(&w)).await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(r.body.contains("NUL"), "{path}: {}", r.body);
    }
    app.stop().await;
}

/// Starts a review through the API with a session cookie and a CSRF token.
async fn start_review_with(app: &TestApp, path: &str, session: &str, csrf: &str) -> Resp {
    app.request(
        "POST",
        path,
        &[
            ("cookie", &session_cookie(session)),
            ("content-type", "application/json"),
            ("x-csrf-token", csrf),
        ],
        br#"{"action":"start_review","version":0}"#,
    )
    .await
}
