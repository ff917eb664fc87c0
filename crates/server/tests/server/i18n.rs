//! Every page in English and in Simplified Chinese, one language at a time
//! (i18n.rs): chosen by `Accept-Language`, the `lang` cookie and the `?lang=`
//! switch, said in `<html lang>`, with no message missing (`⟦id⟧`), no
//! Chinese on an English page and no sentence of the English catalogue on a
//! Chinese one.

use std::collections::BTreeSet;

use crate::common::{Resp, TestApp};
use server::routes::{Kind, ROUTES};

/// The accounts the pages are walked as; `None` is the public.
const WHO: [Option<&str>; 5] = [
    None,
    Some("admin1"),
    Some("lab1"),
    Some("worker1"),
    Some("family1"),
];

fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// What a reader sees: the text between tags, without the style, the
/// language switch (it names both languages by design) and `<code>`.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for (open, close) in [
        ("<style", "</style>"),
        ("<nav class=\"lang\"", "</nav>"),
        ("<code", "</code>"),
    ] {
        while let Some(i) = s.find(open) {
            let end = s[i..].find(close).map_or(s.len(), |j| i + j + close.len());
            s.replace_range(i..end, " ");
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The English catalogue's sentences without variables, of at least three
/// words: none of them may show on a Chinese page.
fn english_sentences() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("i18n/en");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let Some((id, value)) = line.split_once(" = ") else {
                continue;
            };
            let value = value.trim();
            if id.contains(' ') || value.contains('{') || value.split(' ').count() < 3 {
                continue;
            }
            out.insert(value.to_string());
        }
    }
    assert!(out.len() > 30, "{} sentences", out.len());
    out
}

async fn get(app: &TestApp, path: &str, token: Option<&str>, lang: &[(&str, &str)]) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    h.push(("accept", "text/html"));
    h.extend_from_slice(lang);
    app.request("GET", path, &h, b"").await
}

fn check(path: &str, who: &str, r: &Resp, lang: &str, sentences: &BTreeSet<String>) {
    let what = format!("{path} as {who} in {lang} ({})", r.status);
    let text = if r.header("content-type") == Some("application/pdf") {
        // The report as a PDF: its language in its catalogue, its text as a
        // reader extracts it.
        assert!(r.body.contains(&format!("/Lang ({lang})")), "{what}");
        server::pdf::text(&r.bytes)
    } else {
        assert!(
            r.body.contains(&format!("<html lang=\"{lang}\">")),
            "{what}: {}",
            &r.body[..r.body.len().min(300)]
        );
        visible_text(&r.body)
    };
    assert!(!text.contains('⟦'), "{what}: a message is missing: {text}");
    if lang == "en" {
        assert!(
            !has_han(&text),
            "{what}: Chinese on an English page: {text}"
        );
    } else {
        assert!(has_han(&text), "{what}: no Chinese on a Chinese page");
        for s in sentences {
            assert!(!text.contains(s.as_str()), "{what}: English “{s}”");
        }
    }
}

#[tokio::test]
async fn every_page_for_every_role_in_one_language_with_no_message_missing() {
    let app = TestApp::start().await;
    let c = app.first_candidate().await;
    let sentences = english_sentences();
    let mut tokens = Vec::new();
    for who in WHO {
        tokens.push(match who {
            Some(u) => Some(app.login(u).await),
            None => None,
        });
    }
    let mut pages: Vec<String> = ROUTES
        .iter()
        .filter(|r| r.kind == Kind::Page && r.method == "GET")
        .map(|r| {
            r.path
                .replace("{case_id}", &c.case_id)
                .replace("{found_id}", &c.found_id)
                .replace("{id}", &c.id.to_string())
        })
        .collect();
    // An address nothing serves, and a search that finds something.
    pages.push("/no/such/page".into());
    pages.push(format!("/search?q={}", c.case_id));
    assert!(pages.len() >= 12, "{pages:?}");
    let mut seen_ok = 0;
    for (who, token) in WHO.iter().zip(&tokens) {
        for path in &pages {
            for (header, lang) in [
                ("en-GB,en;q=0.9", "en"),
                ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
            ] {
                let r = get(&app, path, token.as_deref(), &[("accept-language", header)]).await;
                assert!(r.status < 500, "{path} as {who:?}: {}", r.status);
                if (300..400).contains(&r.status) {
                    continue; // a redirect (the lab's dashboard is its import page)
                }
                seen_ok += usize::from(r.status == 200);
                check(path, who.unwrap_or("public"), &r, lang, &sentences);
            }
        }
    }
    // The walk saw the pages themselves, not only refusals.
    assert!(seen_ok > 40, "{seen_ok} pages answered 200");
    app.stop().await;
}

#[tokio::test]
async fn the_switch_sets_a_cookie_that_wins_over_accept_language() {
    let app = TestApp::start().await;
    let zh = [("accept-language", "zh-CN")];
    // No preference: English.
    let r = get(&app, "/alerts", None, &[]).await;
    assert!(r.body.contains("<html lang=\"en\">"));
    assert!(r.body.contains("Missing children"), "{}", r.body);
    // The switch: Chinese, kept in a cookie.
    let r = get(&app, "/alerts?lang=zh-CN", None, &[]).await;
    assert!(r.body.contains("<html lang=\"zh-CN\">"));
    assert!(r.body.contains("失踪儿童"));
    assert_eq!(r.cookie("lang").as_deref(), Some("zh-CN"));
    let r = get(&app, "/login", None, &[("cookie", "lang=zh-CN")]).await;
    assert!(r.body.contains("<html lang=\"zh-CN\">"));
    assert!(r.body.contains("用户名"));
    assert!(
        r.cookie("lang").is_none(),
        "only the switch sets the cookie"
    );
    // The cookie says English; the browser's Chinese gives way.
    let r = get(&app, "/login", None, &[("cookie", "lang=en"), zh[0]]).await;
    assert!(r.body.contains("<html lang=\"en\">"));
    assert!(r.body.contains("Username"));
    // Without a cookie, the browser's language.
    let r = get(&app, "/login", None, &zh).await;
    assert!(r.body.contains("<html lang=\"zh-CN\">"));
    // The page links the other language.
    assert!(r.body.contains("href=\"?lang=en\""), "{}", r.body);
    // The JSON API keeps its codes whatever the language.
    let r = app
        .request(
            "GET",
            "/api/v1/alerts",
            &[("accept-language", "zh-CN")],
            b"",
        )
        .await;
    assert_eq!(r.status, 200);
    app.stop().await;
}
