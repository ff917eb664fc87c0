//! CODIS CMF files through the import API: a lab may import one, a case
//! worker may not, and a broken file is a clear 4xx.

use crate::common::*;

/// The example file's header and its unidentified child only (its relatives
/// belong to a case this test registry does not hold).
pub fn unidentified_child() -> String {
    let text = include_str!("../../../../data/examples/cmf-family.xml");
    let head_end = text.find("  <SPECIMEN CASEID").unwrap();
    let child = text
        .find("  <SPECIMEN>\n    <SPECIMENID>UP-2026-077")
        .unwrap();
    format!("{}{}", &text[..head_end], &text[child..])
}

#[tokio::test]
async fn a_lab_imports_a_cmf_file() {
    let app = TestApp::start().await;
    let lab = app.login("lab1").await;
    let worker = app.login("worker1").await;
    let body = unidentified_child();
    let r = app
        .post(
            "/api/v1/import/cmf?file=batch.xml",
            Some(&worker),
            "application/xml",
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = app
        .post(
            "/api/v1/import/cmf?file=batch.xml",
            Some(&lab),
            "application/xml",
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("UP-2026-077") || r.json()["added"].as_i64() == Some(1),
        "{}",
        r.body
    );
    let r = app.get("/api/v1/found/UP-2026-077", Some(&worker)).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // An off-ladder allele: refused with the file, line and reason; nothing added.
    let bad = body
        .replacen(
            "<ALLELE><ALLELEVALUE>8</ALLELEVALUE></ALLELE>",
            "<ALLELE><ALLELEVALUE>OL</ALLELEVALUE></ALLELE>",
            1,
        )
        .replace("UP-2026-077", "UP-2026-078");
    let r = app
        .post(
            "/api/v1/import/cmf?file=bad.xml",
            Some(&lab),
            "application/xml",
            bad.as_bytes(),
        )
        .await;
    assert_eq!(r.status / 100, 4, "{}", r.body);
    assert!(r.body.contains("bad.xml:"), "{}", r.body);
    let r = app.get("/api/v1/found/UP-2026-078", Some(&worker)).await;
    assert_eq!(r.status, 404, "{}", r.body);
    app.stop().await;
}
