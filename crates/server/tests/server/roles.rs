//! Who may do what, written by hand from the roles' duties (README, "The web
//! application"), never read from the route table it checks:
//!
//! - admin: everything but the review decision (that is the caseworkers'
//!   four-eyes workflow), and alone the audit, the metrics (candidate counts,
//!   failed logins) and the erasure of a case;
//! - lab: imports profiles, CODIS files and frequency databases; sees no case,
//!   found child or candidate;
//! - caseworker: registers cases and found children, reviews candidates;
//! - family: its own case's status and nothing else (not even its own case
//!   page, which shows the pedigree and references);
//! - the public (no session): the opted-in alerts, login and health.
//!
//! Every route of `server::routes::ROUTES` (API, operations and pages, every
//! method) has at least one row, and every row names a route of that table.

use std::collections::{BTreeSet, HashMap};

use serde_json::json;

use crate::common::{PASSWORD, Resp, TestApp};

/// The accounts of the columns, in order; `None` is no session.
const WHO: [(&str, Option<&str>); 5] = [
    ("public", None),
    ("admin", Some("admin1")),
    ("lab", Some("lab1")),
    ("caseworker", Some("worker1")),
    ("family", Some("family1")),
];

/// What fills a route's parameters, or the kind of an uploaded file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Arg {
    /// No parameter; or `{id}` / `{found_id}` of the family's case's candidate.
    Plain,
    /// `{case_id}` = the family account's own case.
    OwnCase,
    /// `{case_id}` = another case (public alert on, no family account).
    OtherCase,
    /// `{case_id}` = a third case, erased by the admin's call.
    DoomedCase,
    /// The upload form with this kind of file (a file every importer refuses).
    Kind(&'static str),
}
use Arg::*;

const OK: u16 = 200;
/// A form that did its work and redirects.
const SEE: u16 = 303;
/// No session.
const ANON: u16 = 401;
const DENY: u16 = 403;
/// Allowed past the guard, the input refused: a file by its reader, a
/// rejection without a reason by the workflow.
const REFUSED: u16 = 422;
/// Allowed past the guard, nothing there.
const GONE: u16 = 404;

/// (method, route, argument, [public, admin, lab, caseworker, family]).
type Row = (&'static str, &'static str, Arg, [u16; 5]);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // JSON API. Sessions as bearer tokens.
    ("POST", "/api/v1/login", Plain, [OK, OK, OK, OK, OK]),
    ("POST", "/api/v1/logout", Plain, [ANON, OK, OK, OK, OK]),
    ("GET", "/api/v1/me", Plain, [ANON, OK, OK, OK, OK]),
    ("GET", "/api/v1/candidates", Plain, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/api/v1/candidates/{id}", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/candidates/{id}/review", Plain, [ANON, DENY, DENY, OK, DENY]),
    // A lead's step without a status is refused before any lead is looked up.
    ("GET", "/api/v1/lineage-leads", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/lineage-leads/{id}/status", Plain, [ANON, DENY, DENY, REFUSED, DENY]),
    ("GET", "/api/v1/volunteer-leads", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/volunteer-leads/{id}/status", Plain, [ANON, DENY, DENY, REFUSED, DENY]),
    ("GET", "/api/v1/cases/{case_id}", OwnCase, [ANON, OK, DENY, OK, OK]),
    ("GET", "/api/v1/cases/{case_id}", OtherCase, [ANON, OK, DENY, OK, DENY]),
    ("DELETE", "/api/v1/cases/{case_id}", DoomedCase, [ANON, OK, DENY, DENY, DENY]),
    ("GET", "/api/v1/found/{found_id}", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/import/cases", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/import/references", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/import/found", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/import/volunteers", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/api/v1/import/profiles", Plain, [ANON, OK, OK, DENY, DENY]),
    ("POST", "/api/v1/import/cmf", Plain, [ANON, OK, OK, DENY, DENY]),
    ("POST", "/api/v1/import/frequencies", Plain, [ANON, OK, OK, DENY, DENY]),
    ("POST", "/api/v1/import/haplotypes", Plain, [ANON, OK, OK, DENY, DENY]),
    ("GET", "/api/v1/alerts", Plain, [OK, OK, OK, OK, OK]),
    ("GET", "/api/v1/alerts.pfif", Plain, [OK, OK, OK, OK, OK]),
    ("GET", "/api/v1/audit", Plain, [ANON, OK, DENY, DENY, DENY]),
    ("GET", "/api/v1/search", Plain, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/api/openapi.json", Plain, [OK, OK, OK, OK, OK]),
    // Operations.
    ("GET", "/livez", Plain, [OK, OK, OK, OK, OK]),
    ("GET", "/readyz", Plain, [OK, OK, OK, OK, OK]),
    ("GET", "/metrics", Plain, [ANON, OK, DENY, DENY, DENY]),
    // Pages. Sessions as cookies, forms with the session's CSRF token.
    ("GET", "/login", Plain, [OK, OK, OK, OK, OK]),
    ("POST", "/login", Plain, [SEE, SEE, SEE, SEE, SEE]),
    ("POST", "/logout", Plain, [ANON, SEE, SEE, SEE, SEE]),
    // The lab has no dashboard: it is sent to the import page.
    ("GET", "/", Plain, [ANON, OK, SEE, OK, OK]),
    ("GET", "/cases/{case_id}", OwnCase, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/cases/{case_id}", OtherCase, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/found/{found_id}", Plain, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/candidates/{id}", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/candidates/{id}/review", Plain, [ANON, DENY, DENY, REFUSED, DENY]),
    ("GET", "/import", Plain, [ANON, OK, OK, OK, DENY]),
    ("POST", "/import", Kind("cases"), [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("POST", "/import", Kind("references"), [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("POST", "/import", Kind("found"), [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("POST", "/import", Kind("profiles"), [ANON, REFUSED, REFUSED, DENY, DENY]),
    ("POST", "/import", Kind("cmf"), [ANON, REFUSED, REFUSED, DENY, DENY]),
    ("POST", "/import", Kind("frequencies"), [ANON, REFUSED, REFUSED, DENY, DENY]),
    ("POST", "/import", Kind("haplotypes"), [ANON, REFUSED, REFUSED, DENY, DENY]),
    ("GET", "/audit", Plain, [ANON, OK, DENY, DENY, DENY]),
    ("GET", "/candidates/{id}/report", Plain, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/candidates/{id}/report.pdf", Plain, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/search", Plain, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/leads", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/leads/{id}/status", Plain, [ANON, DENY, DENY, REFUSED, DENY]),
    ("POST", "/leads/volunteer/{id}/status", Plain, [ANON, DENY, DENY, REFUSED, DENY]),
    ("GET", "/register", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/register", Plain, [ANON, REFUSED, DENY, REFUSED, DENY]),
    // Edits: the forms filled; sent empty, refused by the kind's reader
    // (a sex is needed), never a row wiped.
    ("GET", "/cases/{case_id}/edit", OwnCase, [ANON, OK, DENY, OK, DENY]),
    ("GET", "/cases/{case_id}/edit", OtherCase, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/cases/{case_id}/edit", OwnCase, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("POST", "/cases/{case_id}/edit", OtherCase, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("GET", "/cases/{case_id}/references/{sample_name}/edit", OwnCase, [ANON, OK, DENY, OK, DENY]),
    // The family's relative is not the other case's.
    ("GET", "/cases/{case_id}/references/{sample_name}/edit", OtherCase, [ANON, GONE, DENY, GONE, DENY]),
    ("POST", "/cases/{case_id}/references/{sample_name}/edit", OwnCase, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("POST", "/cases/{case_id}/references/{sample_name}/edit", OtherCase, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("GET", "/found/{found_id}/edit", Plain, [ANON, OK, DENY, OK, DENY]),
    ("POST", "/found/{found_id}/edit", Plain, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("GET", "/alerts", Plain, [OK, OK, OK, OK, OK]),
    // Photos: staff upload (a form that is not a multipart upload is
    // refused) and see them; the public sees an alert's photo only where
    // the family opted in (these cases have none: 404 to everyone).
    ("POST", "/cases/{case_id}/photos", OwnCase, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("POST", "/cases/{case_id}/photos", OtherCase, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("POST", "/found/{found_id}/photos", Plain, [ANON, REFUSED, DENY, REFUSED, DENY]),
    ("GET", "/photos/{id}", Plain, [ANON, GONE, DENY, GONE, DENY]),
    ("POST", "/photos/{id}/delete", Plain, [ANON, GONE, DENY, GONE, DENY]),
    ("GET", "/alerts/{case_id}/photo", OwnCase, [GONE, GONE, GONE, GONE, GONE]),
    ("GET", "/alerts/{case_id}/photo", OtherCase, [GONE, GONE, GONE, GONE, GONE]),
];

fn allowed(status: u16) -> bool {
    status != ANON && status != DENY
}

#[test]
fn the_table_has_a_row_for_every_route_and_no_other() {
    let routes: BTreeSet<(&str, &str)> = server::routes::ROUTES
        .iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        routes.len(),
        server::routes::ROUTES.len(),
        "a route listed twice"
    );
    let rows: BTreeSet<(&str, &str)> = TABLE.iter().map(|r| (r.0, r.1)).collect();
    let unlisted: Vec<_> = routes.difference(&rows).collect();
    assert!(
        unlisted.is_empty(),
        "routes without a row in the hand table: {unlisted:?}"
    );
    let unknown: Vec<_> = rows.difference(&routes).collect();
    assert!(unknown.is_empty(), "rows naming no route: {unknown:?}");
    let mut seen = BTreeSet::new();
    for (method, path, arg, _) in TABLE {
        assert!(
            seen.insert((method, path, arg)),
            "{method} {path} {arg:?} twice"
        );
        // A case route is tried with the family's own case and another one.
        if path.contains("{case_id}") && *method == "GET" {
            for want in [OwnCase, OtherCase] {
                assert!(
                    TABLE
                        .iter()
                        .any(|r| (r.0, r.1, r.2) == (*method, *path, want)),
                    "{method} {path} without {want:?}"
                );
            }
        }
        assert_eq!(
            path.contains("{case_id}"),
            matches!(arg, OwnCase | OtherCase | DoomedCase),
            "{method} {path} {arg:?}"
        );
    }
}

/// The hidden CSRF field of a page.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

struct Ctx<'a> {
    app: &'a TestApp,
    cand_id: String,
    found_id: String,
    doomed_case: String,
    /// A relative who gave DNA for the family account's case.
    own_sample: String,
    /// A bearer token per account (never ended by these calls).
    tokens: HashMap<&'static str, String>,
}

impl Ctx<'_> {
    fn path(&self, template: &str, arg: Arg) -> String {
        let case = match arg {
            OwnCase => &self.app.family_case,
            OtherCase => &self.app.other_case,
            DoomedCase => &self.doomed_case,
            Plain | Kind(_) => "",
        };
        template
            .replace("{id}", &self.cand_id)
            .replace("{found_id}", &self.found_id)
            .replace("{case_id}", case)
            .replace("{sample_name}", &self.own_sample)
    }

    /// Calls a row's route as an account (`None`: no session).
    async fn call(&self, method: &str, template: &str, arg: Arg, user: Option<&str>) -> Resp {
        let app = self.app;
        let s = &app.scenario;
        let path = self.path(template, arg);
        // Logging out ends the session: a session of its own.
        let token = match user {
            Some(u) if template.ends_with("/logout") => Some(app.login(u).await),
            Some(u) => Some(self.tokens[u].clone()),
            None => None,
        };
        let spec = server::routes::find(method, template).expect("a route of the table");
        if spec.kind != server::routes::Kind::Page {
            let auth = token.as_ref().map(|t| format!("Bearer {t}"));
            let mut h: Vec<(&str, &str)> =
                auth.iter().map(|a| ("authorization", a.as_str())).collect();
            if method != "POST" {
                return app.request(method, &path, &h, b"").await;
            }
            let body: Vec<u8> = match template {
                "/api/v1/login" => {
                    json!({"username": user.unwrap_or("admin1"), "password": PASSWORD})
                        .to_string()
                        .into()
                }
                "/api/v1/candidates/{id}/review" => json!({"action": "start_review", "version": 0})
                    .to_string()
                    .into(),
                "/api/v1/import/cases" => s.cases_csv.clone().into(),
                "/api/v1/import/references" => s.references_csv.clone().into(),
                "/api/v1/import/found" => s.found_csv.clone().into(),
                "/api/v1/import/volunteers" => b"sample_name,surname,ancestral_place,consent_date,keep_until\nRV1,Li,Lijiacun,2025-01-01,2099-01-01\n".to_vec(),
                "/api/v1/import/profiles" => s.profiles_tsv.clone().into(),
                "/api/v1/import/frequencies" => {
                    formats::builtin::NIST_FREQUENCIES.as_bytes().to_vec()
                }
                "/api/v1/import/cmf" => crate::cmf::unidentified_child().into(),
                // The first 20 men of the synthetic Yfiler Plus population.
                "/api/v1/import/haplotypes" => {
                    include_str!("../../../../data/ystr/synthetic_yfilerplus.csv")
                        .lines()
                        .take(21)
                        .collect::<Vec<_>>()
                        .join("\n")
                        .into_bytes()
                }
                _ => b"{}".to_vec(),
            };
            let path = if template.contains("/import/") {
                format!("{path}?file=again.txt&name=NIST&population=All")
            } else {
                path
            };
            h.push(("content-type", "application/json"));
            return app.request("POST", &path, &h, &body).await;
        }
        // A page, with the session cookie.
        let cookie = token
            .as_ref()
            .map(|t| format!("reunite_session={t}"))
            .unwrap_or_default();
        if method == "GET" {
            let h: Vec<(&str, &str)> = token.iter().map(|_| ("cookie", cookie.as_str())).collect();
            return app.request("GET", &path, &h, b"").await;
        }
        if template == "/login" {
            // The login form's own CSRF cookie; the account of the column (or admin1).
            let page = app.get("/login", None).await;
            let pre = page.cookie("reunite_login_csrf").unwrap();
            let body = format!(
                "csrf={}&username={}&password={}",
                csrf_field(&page.body),
                user.unwrap_or("admin1"),
                PASSWORD.replace(' ', "+")
            );
            let cookie = format!("{cookie}; reunite_login_csrf={pre}");
            return app
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
        }
        // The session's CSRF token, from a page it sees (every page has the logout form).
        let csrf = match &token {
            Some(_) => {
                let page = app
                    .request("GET", "/alerts", &[("cookie", &cookie)], b"")
                    .await;
                assert_eq!(page.status, 200);
                csrf_field(&page.body)
            }
            None => String::new(),
        };
        let (ct, body) = match arg {
            Kind(kind) => {
                let b = "B0undary";
                let body = format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                     --{b}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
                     --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.txt\"\r\n\
                     Content-Type: text/plain\r\n\r\nthis is not a lab file\r\n--{b}--\r\n"
                );
                (format!("multipart/form-data; boundary={b}"), body)
            }
            // A rejection without a reason: refused by the workflow, not the guard.
            _ if template == "/candidates/{id}/review" => (
                "application/x-www-form-urlencoded".to_string(),
                format!("csrf={csrf}&action=reject&version=0"),
            ),
            _ => (
                "application/x-www-form-urlencoded".to_string(),
                format!("csrf={csrf}"),
            ),
        };
        app.request(
            "POST",
            &path,
            &[("cookie", &cookie), ("content-type", &ct)],
            body.as_bytes(),
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_every_role_as_the_hand_table_says() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    assert_eq!(
        cand.case_id, app.family_case,
        "the family's case's candidate"
    );
    let doomed_case = app
        .scenario
        .configurations
        .iter()
        .map(|(c, _)| c.clone())
        .find(|c| *c != app.family_case && *c != app.other_case)
        .expect("a third case");
    let mut tokens = HashMap::new();
    for (_, user) in WHO {
        if let Some(u) = user {
            tokens.insert(u, app.login(u).await);
        }
    }
    let ctx = Ctx {
        app: &app,
        cand_id: cand.id.to_string(),
        found_id: cand.found_id.clone(),
        doomed_case: doomed_case.clone(),
        own_sample: app
            .scenario
            .references_csv
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|f| f.get(1) == Some(&app.family_case.as_str()))
            .map(|f| f[0].to_string())
            .expect("a relative of the family's case"),
        tokens,
    };
    let mut wrong = Vec::new();
    // The OpenAPI document's `x-roles` agree with the hand table.
    let doc = app.get("/api/openapi.json", None).await.json();
    for r in server::routes::ROUTES
        .iter()
        .filter(|r| r.kind != server::routes::Kind::Page)
    {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        let mut listed: Vec<&str> = op["x-roles"]
            .as_array()
            .unwrap_or_else(|| panic!("{} {} not in the document", r.method, r.path))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        listed.sort();
        let mut want: Vec<&str> = WHO
            .iter()
            .enumerate()
            .filter(|(k, _)| {
                TABLE
                    .iter()
                    .any(|row| (row.0, row.1) == (r.method, r.path) && allowed(row.3[*k]))
            })
            .map(|(_, (label, _))| *label)
            .collect();
        if want.contains(&"public") {
            want = vec!["public"];
        }
        want.sort();
        if listed != want {
            wrong.push(format!(
                "x-roles of {} {}: {listed:?} instead of {want:?}",
                r.method, r.path
            ));
        }
    }
    for (method, template, arg, expected) in TABLE {
        for ((label, user), want) in WHO.iter().zip(expected) {
            let res = ctx.call(method, template, *arg, *user).await;
            if res.status != *want {
                // The reason of a refusal; never the data of an answer.
                let body: String = if res.status >= 400 {
                    res.body.chars().take(120).collect()
                } else {
                    String::new()
                };
                wrong.push(format!(
                    "{method} {template} ({arg:?}) as {label}: {} instead of {want}: {body}",
                    res.status
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // What the calls did: the caseworker's one review step, the admin's one erasure.
    let after = app
        .registry
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == cand.id)
        .unwrap();
    assert_eq!(after.status, "under_review");
    let audit = app.registry.audit_tail(1000).await.unwrap();
    let reviews: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "candidate.review")
        .collect();
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert_eq!(reviews[0].actor, "worker1");
    // (The admin's later import of the cases registered it again.)
    let erasures: Vec<_> = audit.iter().filter(|e| e.action == "case.delete").collect();
    assert_eq!(erasures.len(), 1, "{erasures:?}");
    assert_eq!(erasures[0].actor, "admin1");
    app.stop().await;
}
