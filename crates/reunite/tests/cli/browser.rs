//! The web application in a real headless Chromium: a caseworker imports a
//! lab file, opens the top candidate and requests a confirmatory test; a
//! second caseworker confirms. Screenshots of the candidate page are kept in
//! `target/test-artifacts/`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::webdriver::Browser;

/// The width of a phone's screen in CSS pixels.
const PHONE: u32 = 390;

fn artifacts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts")
}

fn cli(data: &Path, args: &[&str]) {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
    let o = reunite(&all);
    assert!(o.status.success(), "{all:?}: {}", stderr(&o));
}

fn login(b: &Browser, base: &str, user: &str, password: &str) {
    b.goto(&format!("{base}/login"));
    b.type_into("input[name=username]", user);
    b.type_into("input[name=password]", password);
    b.click("form[action='/login'] button[type=submit]");
    let deadline = Instant::now() + Duration::from_secs(10);
    while b.url().ends_with("/login") {
        assert!(
            Instant::now() < deadline,
            "login failed: {}",
            b.text("body")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn review(b: &Browser, action: &str) {
    b.click(&format!(
        "form:has(input[name=action][value={action}]) button[type=submit]"
    ));
}

#[test]
fn caseworkers_review_a_candidate_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    let models = formats::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
    let spec = sim::ScenarioSpec {
        families: 60,
        rescued: 8,
        rescued_with_family: 6,
        seed: 5,
        today: (2026, 11, 20),
    };
    let s = sim::scenario(&models, &[], &spec).unwrap();
    for (name, text) in [
        ("freq.csv", formats::builtin::NIST_FREQUENCIES),
        ("cases.csv", s.cases_csv.as_str()),
        ("references.csv", s.references_csv.as_str()),
        ("found.csv", s.found_csv.as_str()),
        ("profiles.txt", s.profiles_tsv.as_str()),
    ] {
        std::fs::write(d.join(name), text).unwrap();
    }
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    cli(
        &data,
        &[
            "import",
            "frequencies",
            "--population",
            "All",
            &path("freq.csv"),
        ],
    );
    cli(&data, &["import", "cases", &path("cases.csv")]);
    cli(&data, &["import", "references", &path("references.csv")]);
    cli(&data, &["import", "profiles", &path("profiles.txt")]);
    std::fs::write(d.join("pw-ann"), "ann-has-a-long-password\n").unwrap();
    std::fs::write(d.join("pw-bob"), "bob-has-a-long-password\n").unwrap();
    cli(
        &data,
        &[
            "user",
            "add",
            "--username",
            "ann",
            "--role",
            "caseworker",
            "--password-file",
            &path("pw-ann"),
        ],
    );
    cli(
        &data,
        &[
            "user",
            "add",
            "--username",
            "bob",
            "--role",
            "caseworker",
            "--password-file",
            &path("pw-bob"),
        ],
    );

    let server = serve(&data);
    let base = server.base.clone();
    let b = Browser::start();

    // Ann registers the found children (the lab typed them already): matching runs at once.
    login(&b, &base, "ann", "ann-has-a-long-password");
    b.goto(&format!("{base}/import"));
    b.select("select[name=kind]", "found");
    b.type_into("input[type=file][name=file]", &path("found.csv"));
    b.click("form[action='/import'] button[type=submit]");
    b.wait_for_text("added");

    // The top candidate.
    b.goto(&format!("{base}/"));
    b.click("a[href^='/candidates/']");
    let candidate_url = b.url();
    assert!(candidate_url.contains("/candidates/"), "{candidate_url}");
    let page = b.text("body");
    for shown in ["Undisputed", "posterior", "D3S1358"] {
        assert!(
            page.contains(shown),
            "the candidate page shows {shown}: {page}"
        );
    }
    assert!(b.exists("svg"), "drawings on the candidate page");
    b.screenshot(&artifacts().join("candidate-page.png"));
    // On a phone (390 CSS pixels) no page is wider than the screen.
    b.viewport(Some(PHONE));
    for page in [
        candidate_url.clone(),
        format!("{base}/import"),
        format!("{base}/"),
        format!("{base}/search?q=MC&case_status=open"),
        format!("{candidate_url}/report"),
        format!("{base}/register"),
        format!("{base}/leads"),
    ] {
        b.goto(&page);
        let width = b.script("return document.documentElement.scrollWidth");
        assert!(
            width.as_u64().is_some_and(|w| w <= PHONE as u64),
            "{page} is {width} px wide on a {PHONE} px screen"
        );
    }
    b.goto(&candidate_url);
    b.screenshot(&artifacts().join("candidate-page-phone.png"));
    b.viewport(None);
    // Printed, the candidate page is the case: no menu, form or button.
    b.devtools(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"media": "print"}),
    );
    let shown = b.script(
        "return [...document.querySelectorAll('header, form, button, .pager')]\
         .filter(e => e.getClientRects().length > 0).length",
    );
    assert_eq!(shown, 0, "menus, forms or buttons on the printed page");
    assert!(
        b.text("body").contains("D3S1358"),
        "the markers are printed"
    );
    b.devtools(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"media": ""}),
    );
    review(&b, "start_review");
    b.wait_for_text("Status: Under review");
    review(&b, "request_test");
    b.wait_for_text("Status: Test requested");
    b.screenshot(&artifacts().join("candidate-test-requested.png"));
    // Ann requested the test: the page offers her no confirmation, and
    // says who may confirm (the four-eyes rule).
    b.wait_for_text("You requested the confirmatory test, so another case worker confirms it");
    let confirm =
        b.script("return document.querySelectorAll('input[name=action][value=confirm]').length");
    assert_eq!(
        confirm, 0,
        "no confirm button for the one who requested the test"
    );
    b.click("form[action='/logout'] button[type=submit]");

    // Bob confirms.
    login(&b, &base, "bob", "bob-has-a-long-password");
    b.goto(&candidate_url);
    review(&b, "confirm");
    b.wait_for_text("Status: Confirmed");
    b.screenshot(&artifacts().join("candidate-confirmed.png"));
    // The switch in the header: the same page in Chinese, and it stays so
    // (a cookie), at desktop and phone width.
    b.click("a[hreflang='zh-CN']");
    b.wait_for_text("已确认");
    assert_eq!(
        b.script("return document.documentElement.lang").as_str(),
        Some("zh-CN")
    );
    b.goto(&format!("{base}/"));
    b.wait_for_text("待审核的候选匹配");
    b.viewport(Some(PHONE));
    for page in [
        candidate_url.clone(),
        format!("{candidate_url}/report"),
        format!("{base}/search?q=MC"),
        format!("{base}/register"),
        format!("{base}/import"),
        format!("{base}/leads"),
    ] {
        b.goto(&page);
        let width = b.script("return document.documentElement.scrollWidth");
        assert!(
            width.as_u64().is_some_and(|w| w <= PHONE as u64),
            "{page} in Chinese is {width} px wide on a {PHONE} px screen"
        );
    }
    b.goto(&candidate_url);
    b.screenshot(&artifacts().join("candidate-page-phone-zh.png"));
    b.viewport(None);
    drop(b);
    drop(server);
}
