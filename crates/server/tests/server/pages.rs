//! What the pages show people who are not geneticists: words in English and
//! Chinese, never the registry's codes (`under_review`, `both_parents`,
//! `maternal_grandfather`), an LR as a number (`3.4 × 10³²`, never
//! `10^32.53`), ages in months and years (never `405-405 days`), times as a
//! date and time with their zone (never `2026-11-20T10:11:12Z`).

use serde_json::json;

use crate::common::TestApp;

/// The text a person sees: no tags, no style sheet (hidden form values and
/// links keep their codes; SVG titles and labels are text and are checked).
fn visible_text(html: &str) -> String {
    let mut html = html.to_string();
    while let Some(start) = html.find("<style>") {
        let end = html[start..]
            .find("</style>")
            .map_or(html.len(), |e| start + e + 8);
        html.replace_range(start..end, " ");
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every raw code or number format a page must not show, with where.
fn raw_codes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '^')) {
        let letters = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase());
        if word.contains('_') && word.split('_').all(letters) {
            found.push(format!("code {word:?}"));
        }
        if word.contains("10^") {
            found.push(format!("power {word:?}"));
        }
        if word == "log10" {
            found.push("log10".into());
        }
    }
    let tokens: Vec<&str> = text.split_whitespace().collect();
    // 2026-11-20T10:11:12Z: the date, "T", the time, "Z".
    for token in &tokens {
        let t = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
        if t.len() >= 16 && t.as_bytes()[10] == b'T' && t.contains(':') && t.ends_with('Z') {
            found.push(format!("timestamp {t:?}"));
        }
    }
    // "405-405 days": a range of days.
    for pair in tokens.windows(2) {
        let range = pair[0]
            .split_once('-')
            .is_some_and(|(a, b)| a.parse::<i64>().is_ok() && b.parse::<i64>().is_ok());
        if range && pair[1].starts_with("days") {
            found.push(format!("days {} {}", pair[0], pair[1]));
        }
    }
    found
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let page = "<p>Status under_review · both_parents · LR 10^32.53 (log10 32.53) · \
        2026-11-20T10:11:12Z · would be 405-405 days old</p><style>a_b{}</style>\
        <input value=\"start_review\">";
    assert_eq!(
        raw_codes(&visible_text(page)),
        [
            "code \"under_review\"",
            "code \"both_parents\"",
            "power \"10^32\"",
            "log10",
            "timestamp \"2026-11-20T10:11:12Z\"",
            "days 405-405 days"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_show_words_not_codes() {
    let app = TestApp::start().await;
    let worker = app.login("worker1").await;
    let admin = app.login("admin1").await;
    // A candidate under review, so that it has a history.
    let cand = app.first_candidate().await;
    let r = app
        .post_json(
            &format!("/api/v1/candidates/{}/review", cand.id),
            Some(&worker),
            &json!({"action": "start_review", "version": 0}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = |t: &str| format!("reunite_session={t}");
    let pages = [
        ("/".to_string(), &worker),
        ("/?status=under_review".to_string(), &worker),
        (format!("/candidates/{}", cand.id), &worker),
        (format!("/cases/{}", cand.case_id), &worker),
        (format!("/found/{}", cand.found_id), &worker),
        ("/alerts".to_string(), &worker),
        ("/audit".to_string(), &admin),
        ("/import".to_string(), &admin),
        (format!("/search?q={}", cand.case_id), &worker),
    ];
    let mut seen = Vec::new();
    for (path, token) in pages {
        let page = app
            .request("GET", &path, &[("cookie", &cookie(token))], b"")
            .await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let text = visible_text(&page.body);
        let mut raw = raw_codes(&text);
        if path == "/import" {
            // The columns a file must have, named as the file names them.
            let columns: Vec<String> = page
                .body
                .split("<code>")
                .skip(1)
                .filter_map(|c| c.split("</code>").next())
                .flat_map(|c| c.split(','))
                .map(|name| format!("code {name:?}"))
                .collect();
            raw.retain(|r| !columns.contains(r));
        }
        if path == "/audit" {
            // The audit log names its actions by code (`candidate.review`);
            // only its times are for people.
            raw.retain(|r| r.starts_with("timestamp"));
        }
        assert!(raw.is_empty(), "{path} shows {raw:?}");
        seen.push((path, text));
    }
    // The words are there instead, in each language.
    let candidate = &seen[2].1;
    for words in ["Under review", "Fits", "Age", "× 10"] {
        assert!(
            candidate.contains(words),
            "the candidate page lacks {words:?}: {candidate}"
        );
    }
    let zh = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &format!("{}; lang=zh-CN", cookie(&worker)))],
            b"",
        )
        .await;
    let zh = visible_text(&zh.body);
    assert!(raw_codes(&zh).is_empty(), "{zh}");
    // Its sentence on the LR ends as Chinese ends a sentence.
    for words in ["审核中", "相符", "年龄", "× 10", "个DNA基因座）。"] {
        assert!(zh.contains(words), "the Chinese page lacks {words:?}: {zh}");
    }
    assert!(seen[6].1.contains(" UTC"), "{}", seen[6].1);
    app.stop().await;
}
