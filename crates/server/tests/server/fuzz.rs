//! Hostile request bodies to every route of the route table that takes one:
//! arbitrary bytes and mutated valid bodies (JSON, CSV and lab files, form
//! posts, multipart uploads; see `formats/tests/fuzz/mutate.rs`), sent as a
//! logged-in account of a role the route allows (bearer token for the API, the
//! session cookie and its CSRF token for pages). Every answer must be below
//! 500; a refusal (4xx) must say why, and leave the database exactly as it was
//! (a failed login adds only its `auth.failed` audit entry, by design); the
//! server must still answer `/livez`, and the audit chain must still verify.
//!
//! `cargo test -p server --test server fuzz -- --nocapture` prints the counts.

#[path = "../../../formats/tests/fuzz/mutate.rs"]
mod mutate;
#[path = "../../../registry/tests/registry/fuzz/snapshot.rs"]
mod snapshot;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use registry::Role;
use serde_json::{Value, json};
use server::routes::{Access, Kind, ROUTES, RouteSpec};
use sqlx::Row;

use crate::common::{PASSWORD, Resp, TestApp, USERS};
use mutate::{apply, garbage, hostile_value, mutated, mutated_json};
use snapshot::{Snapshot, raw_pool, snapshot};

/// Requests per route that takes a body.
pub const REQUESTS_PER_ROUTE: u32 = 40;

/// A logged-in account: its bearer token (also the session cookie) and CSRF token.
#[derive(Clone)]
struct Session {
    user: &'static str,
    token: String,
    csrf: String,
}

/// The hidden CSRF field of a page.
fn csrf_field(html: &str) -> String {
    let key = "name=\"csrf\" value=\"";
    let at = html.find(key).expect("a CSRF field") + key.len();
    html[at..at + 64].to_string()
}

async fn log_in(app: &TestApp, user: &'static str) -> Session {
    let token = app.login(user).await;
    let cookie = format!("reunite_session={token}");
    // Every page's header has the logout form; the lab's dashboard is the import page.
    let page = app
        .request("GET", "/import", &[("cookie", &cookie)], b"")
        .await;
    let page = if page.status == 200 {
        page
    } else {
        app.request("GET", "/", &[("cookie", &cookie)], b"").await
    };
    assert_eq!(page.status, 200, "{}", page.body);
    Session {
        user,
        token,
        csrf: csrf_field(&page.body),
    }
}

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

/// What to send: the body, its content type, and a query string.
#[derive(Clone)]
struct Request {
    body: Vec<u8>,
    content_type: String,
    query: String,
}

/// Shows the body as text (a failing input is read by a person).
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("content_type", &self.content_type)
            .field("query", &self.query)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// The valid files of an import kind.
fn import_seeds(app: &TestApp, kind: &str) -> Vec<String> {
    let s = &app.scenario;
    match kind {
        "cases" => vec![s.cases_csv.clone()],
        "references" => vec![s.references_csv.clone()],
        "found" => vec![s.found_csv.clone()],
        "profiles" => vec![s.profiles_tsv.clone()],
        "frequencies" => {
            let nist = formats::builtin::NIST_FREQUENCIES;
            let header = nist.lines().next().unwrap();
            let rows: Vec<&str> = nist
                .lines()
                .filter(|l| l.starts_with("All,TH01,") || l.starts_with("All,vWA,"))
                .collect();
            vec![
                format!("{header}\n{}\n", rows.join("\n")),
                "TH01\n6\t0.25\n7\t0.25\n9.3\t0.5\n".into(),
            ]
        }
        // The first 12 men of the synthetic Yfiler Plus population.
        "haplotypes" => {
            let pop = include_str!("../../../../data/ystr/synthetic_yfilerplus.csv");
            vec![pop.lines().take(13).collect::<Vec<_>>().join("\n") + "\n"]
        }
        // Another kind (CODIS CMF, PFIF, ...): its examples in data/examples.
        other => {
            let dir = format!("{}/../../data/examples", env!("CARGO_MANIFEST_DIR"));
            let mut seeds: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(other))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect();
            if seeds.is_empty() {
                seeds.push(String::new());
            }
            seeds
        }
    }
}

/// A hostile query string for an import (`?file=&lab=&kit=&name=&population=&activate=`).
fn query() -> BoxedStrategy<String> {
    let key = prop::sample::select(&["file", "lab", "kit", "name", "population", "activate"][..]);
    prop::collection::vec((key, hostile_value()), 0..4)
        .prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", enc(v)))
                .collect::<Vec<_>>()
                .join("&")
        })
        .boxed()
}

/// Stands for the CSRF token of the session in a generated body; replaced when
/// the request is sent (a logout and a new login change the token).
const CSRF: &str = "__CSRF_TOKEN__";

/// Form fields: the CSRF token (usually), the fields the POST pages read with
/// plausible or hostile values, and unknown fields.
fn form() -> BoxedStrategy<Vec<u8>> {
    let field = |name: &'static str, plausible: &'static [&'static str]| {
        prop::option::weighted(
            0.7,
            prop_oneof![
                2 => prop::sample::select(plausible).prop_map(str::to_string),
                1 => hostile_value(),
            ]
            .prop_map(move |v| (name.to_string(), v)),
        )
    };
    (
        prop::option::weighted(0.8, Just(("csrf".to_string(), CSRF.to_string()))),
        field(
            "action",
            &[
                "start_review",
                "request_test",
                "reject",
                "confirm",
                "reunite",
            ],
        ),
        field("reason", &["wrong age", " ", ""]),
        field("username", &["worker1", "nobody", ""]),
        field("password", &[PASSWORD, "wrong", ""]),
        prop::collection::vec((hostile_value(), hostile_value()), 0..3),
        any::<bool>(),
    )
        .prop_map(|(csrf, action, reason, username, password, extra, raw)| {
            [csrf, action, reason, username, password]
                .into_iter()
                .flatten()
                .chain(extra)
                .map(|(k, v)| {
                    // The token is hex: the same encoded or not (and the placeholder must stay whole).
                    if raw || v == CSRF {
                        format!("{k}={v}")
                    } else {
                        format!("{}={}", enc(&k), enc(&v))
                    }
                })
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        })
        .boxed()
}

/// A multipart upload of the import page: the CSRF token (usually), a kind, a
/// file with a name; sometimes broken (text mutations, another boundary).
fn upload(files: Vec<String>) -> BoxedStrategy<Request> {
    const KINDS: &[&str] = &["cases", "references", "found", "profiles", "frequencies"];
    let kind = prop_oneof![
        4 => prop::sample::select(KINDS).prop_map(str::to_string),
        1 => hostile_value(),
    ];
    let file = prop_oneof![
        1 => garbage(),
        3 => mutated(files.clone(), ','),
        1 => prop::sample::select(files),
    ];
    let name = prop_oneof![2 => Just("upload.csv".to_string()), 1 => hostile_value()];
    (
        kind,
        file,
        name,
        prop::bool::weighted(0.8),
        prop::collection::vec(mutate::mutation(), 0..2),
        // Another boundary; only characters a header may carry (a client cannot send others).
        prop_oneof![
            4 => Just("XyZb0undary".to_string()),
            1 => hostile_value().prop_map(|b| b.chars().filter(|c| (' '..='~').contains(c)).collect()),
        ],
    )
        .prop_map(|(kind, file, name, with_csrf, broken, boundary)| {
            let b = "XyZb0undary";
            let mut body = String::new();
            if with_csrf {
                body.push_str(&format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{CSRF}\r\n"
                ));
            }
            body.push_str(&format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
                 --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: text/csv\r\n\r\n{file}\r\n--{b}--\r\n"
            ));
            Request {
                body: apply(&body, ';', &broken).into_bytes(),
                content_type: format!("multipart/form-data; boundary={boundary}"),
                query: String::new(),
            }
        })
        .boxed()
}

/// Bodies for one route.
fn requests(app: &TestApp, route: &RouteSpec) -> BoxedStrategy<Request> {
    let media = route.body.unwrap_or("application/octet-stream");
    let plain = move |body: BoxedStrategy<Vec<u8>>, query: BoxedStrategy<String>| {
        (body, query)
            .prop_map(move |(body, query)| Request {
                body,
                content_type: media.to_string(),
                query,
            })
            .boxed()
    };
    let bytes = || garbage().prop_map(String::into_bytes).boxed();
    let none = || Just(String::new()).boxed();
    match media {
        "application/json" => {
            let seeds = if route.path.ends_with("/login") {
                vec![
                    json!({"username": "worker1", "password": PASSWORD}),
                    json!({"username": "nobody", "password": "wrong"}),
                ]
            } else if route.path.ends_with("/review") {
                vec![
                    json!({"action": "start_review", "reason": "checked"}),
                    json!({"action": "reject", "reason": "wrong age"}),
                ]
            } else {
                vec![json!({})]
            };
            let body = prop_oneof![
                1 => bytes(),
                4 => mutated_json(seeds.clone()).prop_map(String::into_bytes),
                1 => prop::sample::select(seeds).prop_map(|v| v.to_string().into_bytes()),
            ]
            .boxed();
            plain(body, none())
        }
        // An import: the file is the body (CSV, a lab's text export, XML).
        _ if route.path.starts_with("/api/v1/import/") => {
            let kind = route.path.rsplit('/').next().unwrap_or_default();
            let sep = match kind {
                "profiles" => '\t',
                "cases" | "references" | "found" | "frequencies" => ',',
                _ => '>',
            };
            let seeds = import_seeds(app, kind);
            let body = prop_oneof![
                1 => bytes(),
                4 => mutated(seeds.clone(), sep).prop_map(String::into_bytes),
                1 => prop::sample::select(seeds).prop_map(String::into_bytes),
            ]
            .boxed();
            plain(body, query())
        }
        "application/x-www-form-urlencoded" => {
            plain(prop_oneof![1 => bytes(), 4 => form()].boxed(), none())
        }
        "multipart/form-data" => {
            let files = ["cases", "references", "found", "profiles", "frequencies"]
                .iter()
                .flat_map(|k| import_seeds(app, k))
                .collect();
            prop_oneof![
                4 => upload(files),
                1 => bytes().prop_map(|body| Request {
                    body,
                    content_type: "multipart/form-data; boundary=XyZb0undary".into(),
                    query: String::new(),
                }),
            ]
            .boxed()
        }
        _ => plain(bytes(), none()),
    }
}

/// `body` with the CSRF placeholder replaced by `token`.
fn with_token(body: &[u8], token: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.windows(CSRF.len()).position(|w| w == CSRF.as_bytes()) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(token.as_bytes());
        rest = &rest[at + CSRF.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The account a route is called as: the first of `USERS` with an allowed role.
fn caller(route: &RouteSpec) -> Option<&'static str> {
    match route.access {
        Access::Public => None,
        Access::Roles(roles) => Some(
            USERS
                .iter()
                .find(|(_, role)| roles.contains(role))
                .map(|(name, _)| *name)
                .expect("an account of an allowed role"),
        ),
    }
}

/// The promises of an answer; `true` if it was a refusal.
fn check_answer(route: &RouteSpec, r: &Resp) -> Result<bool, TestCaseError> {
    prop_assert!(
        r.status < 500,
        "{} {}: {} {}",
        route.method,
        route.path,
        r.status,
        r.body.chars().take(300).collect::<String>()
    );
    if r.status < 400 {
        return Ok(false);
    }
    // The HTTP layer refuses a request line or headers too long before any
    // route sees it; its status line is the message.
    if matches!(r.status, 414 | 431) {
        return Ok(true);
    }
    prop_assert!(
        !r.body.trim().is_empty(),
        "a {} without a message",
        r.status
    );
    if route.kind != Kind::Page {
        let v: Value = serde_json::from_str(&r.body)
            .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {}", r.body)))?;
        let message = v["error"].as_str().unwrap_or_default();
        prop_assert!(!message.trim().is_empty(), "no error message: {}", r.body);
        prop_assert!(message.chars().count() <= 1000, "{message}");
    }
    Ok(true)
}

/// New audit entries since `before`: all `auth.failed` (a failed login).
async fn only_failed_logins(
    pool: &sqlx::AnyPool,
    before: &Snapshot,
    after: &Snapshot,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(before.without("audit_log"), after.without("audit_log"));
    let actions: Vec<String> = sqlx::query("SELECT action FROM audit_log WHERE seq > $1")
        .bind(before.audit_seq)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    prop_assert!(actions.iter().all(|a| a == "auth.failed"), "{actions:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_are_refused_clearly_and_change_nothing() {
    let app = TestApp::start().await;
    let pool = raw_pool(&app.registry.url()).await;
    let candidates: Vec<i64> = app
        .registry
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    let mut sessions: Vec<Session> = Vec::new();
    for (user, role) in USERS {
        if *role != Role::Family {
            sessions.push(log_in(&app, user).await);
        }
    }
    sessions.push(log_in(&app, "family1").await);
    // The login form's double-submit token (a cookie and the same value in the form).
    let login_page = app.get("/login", None).await;
    let login_cookie = login_page.cookie("reunite_login_csrf").unwrap();

    // Logins last: their failures trip the rate limit for this address.
    let mut routes: Vec<&RouteSpec> = ROUTES.iter().filter(|r| r.body.is_some()).collect();
    routes.sort_by_key(|r| r.path.ends_with("login"));
    let handle = tokio::runtime::Handle::current();
    let mut total = 0;
    for (k, route) in routes.into_iter().enumerate() {
        // Each route with a candidate gets its own, in the state the scenario left it.
        let candidate = candidates[k % candidates.len()];
        let user = caller(route);
        let session = std::cell::RefCell::new(
            user.map(|u| sessions.iter().find(|s| s.user == u).unwrap().clone()),
        );
        let path = route
            .path
            .replace("{id}", &candidate.to_string())
            .replace("{case_id}", &app.family_case)
            .replace("{found_id}", "unknown");
        let strategy = requests(&app, route);
        let mut runner = TestRunner::new(Config {
            cases: mutate::scaled(REQUESTS_PER_ROUTE),
            failure_persistence: None,
            ..Config::default()
        });
        let counts = std::cell::Cell::new((0u32, 0u32));
        let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
        let result = tokio::task::block_in_place(|| {
            runner.run(&strategy, |req| {
                handle.block_on(async {
                    let before = snapshot(&pool).await;
                    let mut headers: Vec<(String, String)> =
                        vec![("content-type".into(), req.content_type.clone())];
                    if let Some(s) = session.borrow().as_ref() {
                        if route.kind == Kind::Page {
                            headers.push(("cookie".into(), format!("reunite_session={}", s.token)));
                        } else {
                            headers.push(("authorization".into(), format!("Bearer {}", s.token)));
                        }
                    } else if route.path == "/login" {
                        headers.push((
                            "cookie".into(),
                            format!("reunite_login_csrf={login_cookie}"),
                        ));
                    }
                    let h: Vec<(&str, &str)> = headers
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let target = if req.query.is_empty() {
                        path.clone()
                    } else {
                        format!("{path}?{}", req.query)
                    };
                    let token = match session.borrow().as_ref() {
                        Some(s) => s.csrf.clone(),
                        None => login_cookie.clone(),
                    };
                    let body = with_token(&req.body, &token);
                    let r = app.request(route.method, &target, &h, &body).await;
                    *statuses.borrow_mut().entry(r.status).or_default() += 1;
                    let refused = check_answer(route, &r)?;
                    let (accepted, refusals) = counts.get();
                    if refused {
                        let after = snapshot(&pool).await;
                        if route.path.ends_with("login") {
                            only_failed_logins(&pool, &before, &after).await?;
                        } else {
                            prop_assert_eq!(
                                &before,
                                &after,
                                "a refused request changed the database: {} {}",
                                r.status,
                                r.body.chars().take(300).collect::<String>()
                            );
                        }
                        counts.set((accepted, refusals + 1));
                    } else {
                        counts.set((accepted + 1, refusals));
                        // An accepted logout ends the session: log in again.
                        if route.path.ends_with("logout")
                            && let Some(user) = user
                        {
                            *session.borrow_mut() = Some(log_in(&app, user).await);
                        }
                    }
                    Ok(())
                })
            })
        });
        if let Err(e) = result {
            panic!("{} {}: {e}", route.method, route.path);
        }
        let live = app.get("/livez", None).await;
        assert_eq!(
            live.status, 200,
            "/livez after {} {}",
            route.method, route.path
        );
        app.registry.verify_audit().await.unwrap();
        let (accepted, refused) = counts.get();
        total += accepted + refused;
        eprintln!(
            "fuzz server {} {} as {}: {} requests, {accepted} accepted, {refused} refused \
             (statuses {:?}; the database unchanged by each refusal), /livez answers",
            route.method,
            route.path,
            user.unwrap_or("nobody"),
            accepted + refused,
            statuses.borrow()
        );
        // A logout route leaves a new session behind.
        if let Some(s) = session.into_inner() {
            for old in sessions.iter_mut().filter(|o| o.user == s.user) {
                *old = s.clone();
            }
        }
    }
    eprintln!("fuzz server: {total} requests in all");
    pool.close().await;
    app.stop().await;
}
