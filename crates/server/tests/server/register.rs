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

/// The hidden CSRF field of a page, and the page.
async fn form_page(app: &TestApp, cookie: &str, path: &str) -> (Resp, String) {
    let page = app.request("GET", path, &[("cookie", cookie)], b"").await;
    assert_eq!(page.status, 200, "{path}: {}", page.body);
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = page.body[at..at + 64].to_string();
    (page, csrf)
}

/// A form's fields as the page fills them: `name="X" value="V"` inputs,
/// textareas and selected options.
fn filled(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<input ").skip(1) {
        let attr = |name: &str| {
            let key = format!("{name}=\"");
            part.find(&key).map(|i| {
                let rest = &part[i + key.len()..];
                rest[..rest.find('"').unwrap()].to_string()
            })
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value"))
            && n != "csrf"
            && n != "kind"
        {
            out.push((n, v.replace("&#x27;", "'").replace("&amp;", "&")));
        }
    }
    for part in html.split("<select name=\"").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        let chosen = part[..part.find("</select>").unwrap()]
            .split("<option value=\"")
            .skip(1)
            .find(|o| o.contains("selected"))
            .map(|o| o[..o.find('"').unwrap()].to_string())
            .unwrap_or_default();
        out.push((name.to_string(), chosen));
    }
    for part in html.split("<textarea name=\"").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        let text = &part[part.find('>').unwrap() + 1..part.find("</textarea>").unwrap()];
        out.push((name.to_string(), text.to_string()));
    }
    out
}

#[tokio::test]
async fn a_case_is_edited_through_its_form_filled_with_what_is_stored() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let cookie = format!("reunite_session={w}");
    let case = app.family_case.clone();
    let path = format!("/cases/{case}/edit");
    let (page, csrf) = form_page(&app, &cookie, &path).await;
    // The stored details fill the form; the number cannot change.
    let api = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w))
        .await
        .json();
    let name = api["child_name"].as_str().unwrap().to_string();
    assert!(
        page.body.contains(&format!("value=\"{name}\"")),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("value=\"{case}\" required readonly"))
    );
    let mut fields = filled(&page.body);
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "child_sex" && !v.is_empty()),
        "{fields:?}"
    );
    let send = |fields: Vec<(String, String)>| {
        let app = &app;
        let (cookie, path, csrf) = (&cookie, &path, &csrf);
        async move {
            let body: Vec<String> = std::iter::once(format!("csrf={csrf}"))
                .chain(fields.iter().map(|(k, v)| format!("{k}={}", encode(v))))
                .collect();
            app.request(
                "POST",
                path,
                &[
                    ("cookie", cookie),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                body.join("&").as_bytes(),
            )
            .await
        }
    };
    // A date that is not one: not saved, the field named, the typing kept.
    for f in fields.iter_mut() {
        match f.0.as_str() {
            "child_name" => f.1 = "Renamed Childname".into(),
            "missing_date" => f.1 = "2024-02-30".into(),
            _ => {}
        }
    }
    let r = send(fields.clone()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("Not saved") && r.body.contains("missing_date"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"Renamed Childname\""));
    assert_eq!(
        app.get(&format!("/api/v1/cases/{case}"), Some(&w))
            .await
            .json()["child_name"],
        name.as_str(),
        "nothing saved"
    );
    // A number typed over the read-only one is ignored: the address names
    // the case.
    for f in fields.iter_mut() {
        match f.0.as_str() {
            "missing_date" => f.1 = String::new(),
            "case_id" => f.1 = "MC-SOMEONE-ELSE".into(),
            _ => {}
        }
    }
    let r = send(fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/cases/{case}").as_str())
    );
    let now = app
        .get(&format!("/api/v1/cases/{case}"), Some(&w))
        .await
        .json();
    assert_eq!(now["child_name"], "Renamed Childname", "{now}");
    // Found by its new name; the edit audited by its fields, not values.
    let found = app.get("/api/v1/search?q=childname", Some(&w)).await.json();
    assert_eq!(found["cases"][0]["case_id"], case.as_str(), "{found}");
    let admin = app.login("admin1").await;
    let audit = app.get("/api/v1/audit", Some(&admin)).await;
    assert!(audit.body.contains("case.edit"), "{}", audit.body);
    assert!(
        audit.body.contains("changed: child_name, missing_date"),
        "{}",
        audit.body
    );
    assert!(!audit.body.contains("Renamed"));
    // The case page links the form; in Chinese, the form says so.
    let page = app
        .request(
            "GET",
            &format!("/cases/{case}"),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert!(page.body.contains(&format!("href=\"/cases/{case}/edit\"")));
    let zh = app
        .request(
            "GET",
            &path,
            &[("cookie", &format!("{cookie}; lang=zh-CN"))],
            b"",
        )
        .await;
    assert!(zh.body.contains(&format!("修改案件 {case}")), "{}", zh.body);
    app.stop().await;
}

#[tokio::test]
async fn a_found_child_and_a_relative_are_edited_and_their_links_kept() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let cookie = format!("reunite_session={w}");
    let cand = app.first_candidate().await;
    let post = |path: String, csrf: String, fields: Vec<(String, String)>| {
        let app = &app;
        let cookie = &cookie;
        async move {
            let body: Vec<String> = std::iter::once(format!("csrf={csrf}"))
                .chain(fields.iter().map(|(k, v)| format!("{k}={}", encode(v))))
                .collect();
            app.request(
                "POST",
                &path,
                &[
                    ("cookie", cookie),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                body.join("&").as_bytes(),
            )
            .await
        }
    };
    // The found child: another institution, found by search; its sample
    // stays the one its profile is typed under.
    let path = format!("/found/{}/edit", cand.found_id);
    let (page, csrf) = form_page(&app, &cookie, &path).await;
    let mut fields = filled(&page.body);
    let sample = fields
        .iter()
        .find(|f| f.0 == "sample_name")
        .unwrap()
        .1
        .clone();
    for f in fields.iter_mut() {
        match f.0.as_str() {
            "institution" => f.1 = "Harbourview Home".into(),
            "sample_name" => f.1 = "SOMEONE-ELSES".into(),
            _ => {}
        }
    }
    let r = post(path, csrf, fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let api = app
        .get(&format!("/api/v1/found/{}", cand.found_id), Some(&w))
        .await
        .json();
    assert_eq!(api["institution"], "Harbourview Home", "{api}");
    assert_eq!(api["sample_name"], sample.as_str(), "{api}");
    // A relative: a father named anew; a second mother refused by the
    // family's pedigree, with the field.
    let case = app
        .get(&format!("/api/v1/cases/{}", cand.case_id), Some(&w))
        .await
        .json();
    let refs = case["references"].as_array().unwrap();
    let father = refs
        .iter()
        .find(|r| r["relationship"] == "father")
        .expect("a father")["sample_name"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/cases/{}/references/{father}/edit", cand.case_id);
    let (page, csrf) = form_page(&app, &cookie, &path).await;
    let mut fields = filled(&page.body);
    assert!(
        fields.contains(&("relationship".into(), "father".into())),
        "{fields:?}"
    );
    for f in fields.iter_mut() {
        if f.0 == "person_name" {
            f.1 = "Nuevo Nombrepadre".into();
        }
    }
    let r = post(path.clone(), csrf.clone(), fields.clone()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let found = app
        .get("/api/v1/search?q=nombrepadre", Some(&w))
        .await
        .json();
    assert_eq!(
        found["cases"][0]["case_id"],
        cand.case_id.as_str(),
        "{found}"
    );
    for f in fields.iter_mut() {
        match f.0.as_str() {
            "relationship" => f.1 = "mother".into(),
            "sex" => f.1 = "female".into(),
            _ => {}
        }
    }
    let r = post(path, csrf, fields).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("relationship"), "{}", r.body);
    let case = app
        .get(&format!("/api/v1/cases/{}", cand.case_id), Some(&w))
        .await
        .json();
    assert!(
        case["references"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["sample_name"] == father.as_str() && r["relationship"] == "father"),
        "{case}"
    );
    app.stop().await;
}
