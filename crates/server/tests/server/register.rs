//! Registering one case, one relative and one found child through the forms.

use crate::common::{Resp, TestApp};

fn encode(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn post_form(app: &TestApp, token: &str, fields: &[(&str, &str)]) -> Resp {
    let cookie = format!("reunite_session={token}");
    let page = app
        .request("GET", "/register", &[("cookie", &cookie)], b"")
        .await;
    assert_eq!(page.status, 200);
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &page.body[at..at + 64];
    let body: Vec<String> = std::iter::once(format!("csrf={csrf}"))
        .chain(fields.iter().map(|(k, v)| format!("{k}={}", encode(v))))
        .collect();
    app.request(
        "POST",
        "/register",
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        body.join("&").as_bytes(),
    )
    .await
}

#[tokio::test]
async fn a_case_a_relative_and_a_found_child_registered_one_at_a_time() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let case = [
        ("kind", "cases"),
        ("case_id", "MC-FORM-1"),
        ("child_name", "Lina Formfield, \"Lulu\""),
        ("child_sex", "female"),
        ("child_birth_date_from", "2023-02-01"),
        ("child_birth_date_to", "2023-02-01"),
        ("missing_date", "2024-13-05"),
        ("missing_place", "Harbour Road"),
    ];
    // A date that is not one: refused, naming the field; what was typed
    // is shown again.
    let r = post_form(&app, &w, &case).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("missing_date"), "{}", r.body);
    assert!(r.body.contains("value=\"Harbour Road\""), "{}", r.body);
    assert!(r.body.contains("Not registered"));
    let mut fixed = case;
    fixed[6] = ("missing_date", "2024-12-05");
    let r = post_form(&app, &w, &fixed).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/cases/MC-FORM-1"));
    let api = app.get("/api/v1/cases/MC-FORM-1", Some(&w)).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(
        api.json()["child_name"],
        "Lina Formfield, \"Lulu\"",
        "{}",
        api.body
    );
    // A relative of that case, found by search by the name given.
    let r = post_form(
        &app,
        &w,
        &[
            ("kind", "references"),
            ("sample_name", "RS-FORM-1M"),
            ("case_id", "MC-FORM-1"),
            ("relationship", "mother"),
            ("person_name", "Ada Formfield"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let found = app.get("/api/v1/search?q=ada", Some(&w)).await.json();
    assert_eq!(found["cases"][0]["case_id"], "MC-FORM-1", "{found}");
    // A found child.
    let r = post_form(
        &app,
        &w,
        &[
            ("kind", "found"),
            ("sample_name", "FS-FORM-1"),
            ("found_id", "FC-FORM-1"),
            ("sex", "male"),
            ("age_min_days", "300"),
            ("age_max_days", "500"),
            ("found_date", "2025-01-10"),
            ("institution", "Form House"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/found/FC-FORM-1"));
    assert_eq!(
        app.get("/api/v1/found/FC-FORM-1", Some(&w)).await.status,
        200
    );
    // The same case again with other details is refused, not changed.
    let mut other = fixed;
    other[2] = ("child_name", "Someone Else");
    let r = post_form(&app, &w, &other).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("already registered"), "{}", r.body);
}
