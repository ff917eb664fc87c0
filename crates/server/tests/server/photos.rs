//! Photos of children through the pages: uploaded by staff on a case's or a
//! found child's page, shown there, served to staff alone, and on a public
//! alert only where the family opted in.

use std::io::Cursor;

use image::ImageFormat;
use registry::photos::PhotoOwner;

use crate::common::{Resp, TestApp};

fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

/// The upload form of `page` sent with a file.
async fn upload(app: &TestApp, cookie: &str, page: &str, name: &str, bytes: &[u8]) -> Resp {
    let html = app.request("GET", page, &[("cookie", cookie)], b"").await;
    assert_eq!(html.status, 200, "{page}");
    let action = format!("{page}/photos");
    assert!(
        html.body.contains(&format!("action=\"{action}\"")),
        "no upload form on {page}"
    );
    let b = "PhotoB0undary";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
        csrf_of(&html.body)
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    app.request(
        "POST",
        &action,
        &[("cookie", cookie), ("content-type", &ct)],
        &body,
    )
    .await
}

/// The ids of the photos a page shows, with their alt text.
fn shown(html: &str, prefix: &str) -> Vec<(String, String)> {
    html.match_indices(&format!("<img src=\"{prefix}"))
        .map(|(at, m)| {
            let rest = &html[at + m.len()..];
            let id = rest[..rest.find('"').unwrap()].to_string();
            let alt_at = rest.find("alt=\"").unwrap() + 5;
            let alt = rest[alt_at..alt_at + rest[alt_at..].find('"').unwrap()].to_string();
            (id, alt)
        })
        .collect()
}

async fn get_as(app: &TestApp, path: &str, user: Option<&str>) -> Resp {
    let mut h = vec![("accept", "text/html".to_string())];
    if let Some(u) = user {
        h.push(("cookie", format!("reunite_session={}", app.login(u).await)));
    }
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.request("GET", path, &h, b"").await
}

#[tokio::test]
async fn a_caseworker_adds_a_photo_that_staff_alone_see() {
    let app = TestApp::start().await;
    let cookie = format!("reunite_session={}", app.login("worker1").await);
    let case = app.family_case.clone();
    let page = format!("/cases/{case}");
    let before = app.request("GET", &page, &[("cookie", &cookie)], b"").await;
    assert!(before.body.contains("No photo yet."), "{}", before.body);
    let r = upload(
        &app,
        &cookie,
        &page,
        "child.png",
        &picture(1500, 900, ImageFormat::Png),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some(page.as_str()));
    // The case page shows it, with its alt text.
    let after = app.request("GET", &page, &[("cookie", &cookie)], b"").await;
    let photos = shown(&after.body, "/photos/");
    assert_eq!(photos.len(), 1, "{}", after.body);
    let (id, alt) = &photos[0];
    assert_eq!(
        alt,
        &format!("The missing child of case {case}, at the time of loss")
    );
    let path = format!("/photos/{id}");
    for staff in ["worker1", "admin1"] {
        let r = get_as(&app, &path, Some(staff)).await;
        assert_eq!(r.status, 200, "{staff}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("image/jpeg"));
        assert_eq!(r.header("cache-control"), Some("private, no-store"));
        assert!(r.body.contains("JFIF"), "{staff}: not a JPEG");
    }
    // What was stored: a JPEG of 1024 px at most, its reads audited.
    let stored = app.registry.photo("t", id).await.unwrap().unwrap();
    let img = image::load_from_memory_with_format(&stored.jpeg, ImageFormat::Jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (1024, 614));
    let audit = app.registry.audit_tail(20).await.unwrap();
    for staff in ["worker1", "admin1"] {
        assert!(
            audit
                .iter()
                .any(|e| e.action == "photo.read" && e.actor == staff && e.target_id == *id),
            "{audit:?}"
        );
    }
    // The family, the lab and the public do not.
    for (who, status) in [(Some("family1"), 403), (Some("lab1"), 403), (None, 401)] {
        let r = get_as(&app, &path, who).await;
        assert_eq!(r.status, status, "{who:?}");
        assert!(!r.body.contains("JFIF"), "{who:?}");
        assert!(r.body.contains("<html"), "{who:?}: not in the layout");
    }
    // A found child's page takes photos too.
    let found = app.first_candidate().await.found_id;
    let fpage = format!("/found/{found}");
    let r = upload(
        &app,
        &cookie,
        &fpage,
        "now.jpg",
        &picture(90, 120, ImageFormat::Jpeg),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let html = app
        .request("GET", &fpage, &[("cookie", &cookie)], b"")
        .await;
    let photos = shown(&html.body, "/photos/");
    assert_eq!(photos.len(), 1, "{}", html.body);
    assert_eq!(photos[0].1, format!("Found child {found}, now"));
    app.stop().await;
}

#[tokio::test]
async fn the_public_sees_an_alert_photo_only_where_the_family_opted_in() {
    let app = TestApp::start().await;
    let (public, private) = (app.other_case.clone(), app.family_case.clone());
    let png = picture(60, 80, ImageFormat::Png);
    for case in [&public, &private] {
        app.registry
            .add_photo("t", PhotoOwner::Case, case, &png)
            .await
            .unwrap();
    }
    let alerts = get_as(&app, "/alerts", None).await;
    let shown = shown(&alerts.body, "/alerts/");
    assert_eq!(
        shown,
        [(
            format!("{public}/photo"),
            format!("The missing child of case {public}")
        )],
        "{}",
        alerts.body
    );
    let r = get_as(&app, &format!("/alerts/{public}/photo"), None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/jpeg"));
    assert!(r.body.contains("JFIF"));
    let r = get_as(&app, &format!("/alerts/{private}/photo"), None).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains("JFIF"));
    // The family withdraws: the photo is gone from the public at once.
    app.registry
        .set_public_alert("t", &public, false)
        .await
        .unwrap();
    let r = get_as(&app, &format!("/alerts/{public}/photo"), None).await;
    assert_eq!(r.status, 404);
    app.stop().await;
}

#[tokio::test]
async fn a_file_that_is_not_a_photo_is_refused_in_the_layout_with_the_reason() {
    let app = TestApp::start().await;
    let cookie = format!("reunite_session={}", app.login("worker1").await);
    let page = format!("/cases/{}", app.family_case);
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    for (name, bytes, reason) in [
        (
            "photo.jpg",
            &b"not a photo, whatever its name says"[..],
            "the file is not a JPEG or PNG image",
        ),
        ("photo.png", &gif[..], "the photo is a GIF image"),
    ] {
        let r = upload(&app, &cookie, &page, name, bytes).await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        assert!(r.body.contains("<html"), "{name}: not in the layout");
        assert!(r.body.contains("name=\"csrf\""), "{name}: no session menu");
        assert!(
            r.body.contains("The photo was not added:") && r.body.contains(reason),
            "{name}: {}",
            r.body
        );
    }
    assert!(
        app.registry
            .photo_ids(PhotoOwner::Case, &app.family_case)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_photo_is_removed_from_its_page() {
    let app = TestApp::start().await;
    let cookie = format!("reunite_session={}", app.login("worker1").await);
    let found = app.first_candidate().await.found_id;
    let page = format!("/found/{found}");
    for name in ["wrong.png", "right.png"] {
        let r = upload(
            &app,
            &cookie,
            &page,
            name,
            &picture(60, 40, ImageFormat::Png),
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let html = app.request("GET", &page, &[("cookie", &cookie)], b"").await;
    let photos = shown(&html.body, "/photos/");
    assert_eq!(photos.len(), 2, "{}", html.body);
    let (wrong, right) = (&photos[0].0, &photos[1].0);
    let action = format!("/photos/{wrong}/delete");
    assert!(html.body.contains(&format!("action=\"{action}\"")));
    // Without the session's CSRF token, nothing is removed.
    let form = [
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let r = app.request("POST", &action, &form, b"csrf=forged").await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = app
        .request(
            "POST",
            &action,
            &form,
            format!("csrf={}", csrf_of(&html.body)).as_bytes(),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some(page.as_str()));
    let after = app.request("GET", &page, &[("cookie", &cookie)], b"").await;
    let left: Vec<String> = shown(&after.body, "/photos/")
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(left, std::slice::from_ref(right));
    assert_eq!(
        get_as(&app, &format!("/photos/{wrong}"), Some("worker1"))
            .await
            .status,
        404
    );
    let audit = app.registry.audit_tail(5).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "photo.delete"
            && e.actor == "worker1"
            && e.target_id == found
            && e.detail.contains(wrong.as_str())),
        "{audit:?}"
    );
}
