//! Every route of the OpenAPI document against every role, as its `x-roles` says.

use registry::Role;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, USERS};

/// (label, account) of each role tried; `None` is no session.
const WHO: &[(&str, Option<&str>)] = &[
    ("none", None),
    ("admin", Some("admin1")),
    ("lab", Some("lab1")),
    ("caseworker", Some("worker1")),
    ("family", Some("family1")),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_api_route_checks_the_role() {
    let app = TestApp::start().await;
    let doc = app.get("/api/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let candidates = app.registry.candidate_summaries(None, None).await.unwrap();
    let cand = &candidates[0];
    let mut tokens = std::collections::HashMap::new();
    for (_, user) in WHO {
        if let Some(u) = user {
            tokens.insert(*u, app.login(u).await);
        }
    }
    let mut checked = 0;
    let paths = doc["paths"].as_object().unwrap();
    // Every API route of the route table is in the document.
    for r in server::routes::ROUTES
        .iter()
        .filter(|r| r.kind != server::routes::Kind::Page)
    {
        assert!(
            paths
                .get(r.path)
                .and_then(|p| p.get(r.method.to_lowercase()))
                .is_some(),
            "{} {} missing",
            r.method,
            r.path
        );
    }
    for (template, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let roles: Vec<&str> = op["x-roles"]
                .as_array()
                .expect("x-roles")
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert!(!roles.is_empty());
            let path = template
                .replace("{id}", &cand.id.to_string())
                .replace("{case_id}", &app.family_case)
                .replace("{found_id}", &cand.found_id);
            for (label, user) in WHO {
                let allowed = roles.contains(&"public") || roles.contains(label);
                let token = match (template.as_str(), user) {
                    // A session of its own, for ending it.
                    ("/api/v1/logout", Some(u)) => Some(app.login(u).await),
                    (_, Some(u)) => Some(tokens[u].clone()),
                    (_, None) => None,
                };
                let res = if method == "get" {
                    app.get(&path, token.as_deref()).await
                } else if method == "delete" {
                    // Deleting a case: not the family's case, which later rows use.
                    let path = template.replace("{case_id}", &app.other_case);
                    let auth = token.as_ref().map(|t| format!("Bearer {t}"));
                    let h: Vec<(&str, &str)> =
                        auth.iter().map(|a| ("authorization", a.as_str())).collect();
                    app.request("DELETE", &path, &h, b"").await
                } else {
                    let s = &app.scenario;
                    let body: Vec<u8> = match template.as_str() {
                        "/api/v1/login" => {
                            json!({"username": user.unwrap_or("admin1"), "password": PASSWORD})
                                .to_string()
                                .into()
                        }
                        "/api/v1/candidates/{id}/review" => {
                            json!({"action": "start_review"}).to_string().into()
                        }
                        "/api/v1/import/cases" => s.cases_csv.clone().into(),
                        "/api/v1/import/references" => s.references_csv.clone().into(),
                        "/api/v1/import/found" => s.found_csv.clone().into(),
                        "/api/v1/import/profiles" => s.profiles_tsv.clone().into(),
                        "/api/v1/import/frequencies" => {
                            formats::builtin::NIST_FREQUENCIES.as_bytes().to_vec()
                        }
                        "/api/v1/import/cmf" => crate::cmf::unidentified_child().into(),
                        _ => b"{}".to_vec(),
                    };
                    let q = if template.contains("/import/") {
                        format!("{path}?file=again.txt&name=NIST&population=All")
                    } else {
                        path.clone()
                    };
                    app.post(&q, token.as_deref(), "application/json", &body)
                        .await
                };
                let expected = if allowed {
                    200
                } else if user.is_none() {
                    401
                } else {
                    403
                };
                assert_eq!(
                    res.status,
                    expected,
                    "{} {path} as {label}: {}",
                    method.to_uppercase(),
                    res.body
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 19 * WHO.len(), "{checked}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_checks_the_role() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    let mut tokens = std::collections::HashMap::new();
    for (_, user) in WHO {
        if let Some(u) = user {
            tokens.insert(*u, app.login(u).await);
        }
    }
    for r in server::routes::ROUTES
        .iter()
        .filter(|r| r.kind == server::routes::Kind::Page && r.method == "GET")
    {
        let path = r
            .path
            .replace("{id}", &cand.id.to_string())
            .replace("{case_id}", &cand.case_id)
            .replace("{found_id}", &cand.found_id);
        for (label, user) in WHO {
            let role = user.map(|u| USERS.iter().find(|(n, _)| *n == u).unwrap().1);
            let expected = r.access.allows(role);
            // Pages are reached with the session cookie.
            let cookie = user.map(|u| format!("reunite_session={}", tokens[u]));
            let h: Vec<(&str, &str)> = cookie.iter().map(|c| ("cookie", c.as_str())).collect();
            let res = app.request("GET", &path, &h, b"").await;
            match expected {
                Ok(()) => {
                    let ok = res.status == 200
                        || (res.status == 303 && role == Some(Role::Lab) && path == "/");
                    assert!(ok, "GET {path} as {label}: {} {}", res.status, res.body);
                    if res.status == 200 {
                        assert!(res.header("content-type").unwrap().starts_with("text/html"));
                        assert!(res.body.contains("name=\"viewport\""));
                    }
                }
                Err(status) => assert_eq!(res.status, status.as_u16(), "GET {path} as {label}"),
            }
        }
    }
    app.stop().await;
}
