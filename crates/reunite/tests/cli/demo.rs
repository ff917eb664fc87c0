//! `reunite demo`: every figure of the summary checked against the truth and the registry.

use std::collections::HashMap;

use serde_json::Value;

use crate::common::*;

#[test]
fn demo_figures_agree_with_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let out = reunite(&[
        "demo",
        "--no-serve",
        "--json",
        "--families",
        "400",
        "--rescued",
        "30",
        "--with-family",
        "24",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for key in [
        "families",
        "rescued_children",
        "with_registered_family",
        "found_at_rank_1",
        "undisputed",
        "probable",
        "inconclusive",
        "without_candidate",
        "strangers_above_1e4",
        "seconds",
    ] {
        assert!(summary.get(key).is_some(), "missing {key}");
    }
    assert_eq!(summary["families"], 400);
    assert_eq!(summary["rescued_children"], 30);
    assert_eq!(summary["with_registered_family"], 24);
    // The boys whose family registered only a paternal uncle's Y sample:
    // each found through his own family's lead, no lead to another family.
    let paternal = &summary["paternal_lines"];
    assert_eq!(paternal["boys"], 5, "{paternal}");
    assert_eq!(paternal["found_by_lead"], 5, "{paternal}");
    assert_eq!(paternal["leads_to_another_family"], 0, "{paternal}");
    assert_eq!(paternal["haplotype_database"], "Synthetic-YfilerPlus v1");
    // The boys whose family never registered: each found through a
    // volunteer of his father's clan, no lead to another clan.
    assert_eq!(paternal["clan_boys"], 3, "{paternal}");
    assert_eq!(paternal["found_by_volunteer"], 3, "{paternal}");
    assert_eq!(paternal["volunteer_leads_to_another_clan"], 0, "{paternal}");

    // Recount from the stored candidates and the truth the demo wrote.
    let truth: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(data.join("lab-files/truth.json")).unwrap())
            .unwrap();
    let m = reunite(&["matches", "--json", "--data-dir", data.to_str().unwrap()]);
    assert!(m.status.success(), "{}", stderr(&m));
    let candidates: Vec<Value> = serde_json::from_slice(&m.stdout).unwrap();
    // Pages of the same list: --limit and --offset, and the table's note.
    let dir = ["--data-dir", data.to_str().unwrap()];
    let page = reunite(
        &[
            &["matches", "--json", "--limit", "5", "--offset", "3"][..],
            &dir,
        ]
        .concat(),
    );
    assert!(page.status.success(), "{}", stderr(&page));
    let page: Vec<Value> = serde_json::from_slice(&page.stdout).unwrap();
    assert_eq!(page, candidates[3..8]);
    let table = reunite(&[&["matches"][..], &dir].concat());
    assert!(table.status.success(), "{}", stderr(&table));
    let shown = candidates.len().min(100);
    assert_eq!(
        stdout(&table).lines().count(),
        shown + 1,
        "{}",
        stdout(&table)
    );
    assert!(
        stderr(&table).contains(&format!("showing 1–{shown} of {}", candidates.len())),
        "{}",
        stderr(&table)
    );
    let bad = reunite(&[&["matches", "--limit", "0"][..], &dir].concat());
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--limit"), "{}", stderr(&bad));
    let mut best: HashMap<&str, &Value> = HashMap::new();
    for c in &candidates {
        let f = c["found_id"].as_str().unwrap();
        let better = best
            .get(f)
            .is_none_or(|b| c["log10_lr"].as_f64() > b["log10_lr"].as_f64());
        if better {
            best.insert(f, c);
        }
    }
    let (mut rank1, mut without, mut strangers) = (0, 0, 0);
    // The categories of each child's best candidate, by hand: undisputed at
    // LR >= 10^4 and 10^4 times every other candidate of the child, probable
    // at LR >= 10^3, else inconclusive.
    let (mut undisputed, mut probable, mut inconclusive) = (0, 0, 0);
    for t in &truth {
        let f = t["found_id"].as_str().unwrap();
        if let Some(b) = best.get(f) {
            let l = b["log10_lr"].as_f64().unwrap();
            let margin = candidates
                .iter()
                .filter(|c| c["found_id"] == f && c["case_id"] != b["case_id"])
                .map(|c| l - c["log10_lr"].as_f64().unwrap())
                .fold(f64::INFINITY, f64::min);
            if l >= 4.0 && margin >= 4.0 {
                undisputed += 1;
            } else if l >= 3.0 {
                probable += 1;
            } else {
                inconclusive += 1;
            }
        }
        match best.get(f) {
            None => without += 1,
            Some(b) if !t["case_id"].is_null() && b["case_id"] == t["case_id"] => rank1 += 1,
            Some(_) => {}
        }
        strangers += candidates
            .iter()
            .filter(|c| {
                c["found_id"] == f
                    && c["lr"].as_f64().unwrap() >= 1e4
                    && c["case_id"] != t["case_id"]
            })
            .count();
    }
    assert_eq!(summary["found_at_rank_1"], rank1);
    assert_eq!(summary["without_candidate"], without);
    assert_eq!(summary["strangers_above_1e4"], strangers);
    assert_eq!(summary["undisputed"], undisputed, "{summary}");
    assert_eq!(summary["probable"], probable, "{summary}");
    assert_eq!(summary["inconclusive"], inconclusive, "{summary}");
    assert!(undisputed > 0, "{summary}");
    let categorised = [
        "undisputed",
        "probable",
        "inconclusive",
        "without_candidate",
    ]
    .iter()
    .map(|k| summary[*k].as_u64().unwrap())
    .sum::<u64>();
    assert_eq!(categorised, 30, "every rescued child is counted once");
    // The demo's quality itself: nearly every child with a family is found first, no stranger is strong.
    assert!(rank1 >= 22, "{summary}");
    assert!(strangers <= 1, "{summary}");
    // The demo's registry is a real one: the audit chain holds.
    let a = reunite(&["audit", "verify", "--data-dir", data.to_str().unwrap()]);
    assert!(a.status.success(), "{}", stderr(&a));
}

/// `--database-url` builds the registry in the database given, and a second
/// demo into the same database is refused before it imports anything.
#[test]
fn demo_builds_in_the_database_given_and_refuses_one_that_holds_a_registry() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("elsewhere.db").display());
    let demo = |data: &str| {
        let data = dir.path().join(data);
        reunite(&[
            "demo",
            "--no-serve",
            "--json",
            "--families",
            "30",
            "--rescued",
            "4",
            "--with-family",
            "3",
            "--paternal-lines",
            "0",
            "--clan-boys",
            "0",
            "--database-url",
            &url,
            "--data-dir",
            data.to_str().unwrap(),
        ])
    };
    let first = demo("first");
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(!dir.path().join("first/reunite.db").exists());
    let o = reunite(&["matches", "--json", "--database-url", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    let listed: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!listed.is_empty());
    let second = demo("second");
    assert!(!second.status.success());
    assert!(
        stderr(&second).contains("already holds a registry"),
        "{}",
        stderr(&second)
    );
    let o = reunite(&["matches", "--json", "--database-url", &url]);
    let after: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(after, listed, "the refused demo added nothing");
}

/// Every character a Chinese character (CJK Unified Ideographs).
fn han(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// `--locale zh-CN`: the demo's usual summary, the same figures as the
/// English demo (the default) of the same seed (the locale changes only the
/// words), and a
/// registry whose names, places and institutions, read back through the JSON
/// API, are Chinese and found by the search; another locale is refused.
#[test]
fn demo_in_chinese_finds_every_family_and_holds_chinese_names() {
    let dir = tempfile::tempdir().unwrap();
    let demo = |locale: &[&str], data: &str| {
        let data = dir.path().join(data);
        let args = [
            "demo",
            "--no-serve",
            "--families",
            "40",
            "--rescued",
            "6",
            "--with-family",
            "5",
            "--paternal-lines",
            "0",
            "--clan-boys",
            "0",
            "--data-dir",
            data.to_str().unwrap(),
        ];
        let out = reunite(&[&args[..], locale].concat());
        assert!(out.status.success(), "{locale:?}: {}", stderr(&out));
        (data, stdout(&out))
    };
    let (data, zh) = demo(&["--locale", "zh-CN"], "zh");
    assert!(
        zh.contains("  5 of 5 rescued children with a registered family found at rank 1\n"),
        "{zh}"
    );
    let (en_data, en) = demo(&[], "en");
    let en_cases = std::fs::read_to_string(en_data.join("lab-files/cases.csv")).unwrap();
    assert!(en_cases.is_ascii(), "{en_cases}");
    // The summary but its last line (the time and the directory).
    let figures = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines[..lines.len() - 1].join("\n")
    };
    assert_eq!(figures(&zh), figures(&en));

    // The lab files the demo imported, in Chinese.
    let lab = |name: &str| std::fs::read_to_string(data.join("lab-files").join(name)).unwrap();
    let cases = lab("cases.csv");
    let truth: Vec<Value> = serde_json::from_str(&lab("truth.json")).unwrap();
    let t = truth.iter().find(|t| !t["case_id"].is_null()).unwrap();
    let (case_id, found_id) = (
        t["case_id"].as_str().unwrap(),
        t["found_id"].as_str().unwrap(),
    );
    let row: Vec<&str> = cases
        .lines()
        .find(|l| l.starts_with(&format!("{case_id},")))
        .unwrap()
        .split(',')
        .collect();
    let (name, place) = (row[1], row[6]);
    assert!(han(name) && han(place), "{row:?}");

    // Read back through the application: a caseworker and the JSON API.
    let password = dir.path().join("pw");
    std::fs::write(&password, "a-caseworker-long-password\n").unwrap();
    let o = reunite(&[
        "user",
        "add",
        "--username",
        "ann",
        "--role",
        "caseworker",
        "--password-file",
        password.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let server = serve(&data);
    let url = |p: &str| format!("{}{p}", server.base);
    let token: Value = ureq::post(url("/api/v1/login"))
        .send_json(serde_json::json!({"username": "ann", "password": "a-caseworker-long-password"}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let auth = format!("Bearer {}", token["token"].as_str().unwrap());
    let get = |p: &str, query: Option<&str>| -> Value {
        let mut req = ureq::get(url(p)).header("authorization", &auth);
        if let Some(q) = query {
            req = req.query("q", q);
        }
        req.call().unwrap().body_mut().read_json().unwrap()
    };
    let case = get(&format!("/api/v1/cases/{case_id}"), None);
    assert_eq!(case["child_name"], name, "{case}");
    assert_eq!(case["missing_place"], place, "{case}");
    let references = case["references"].as_array().unwrap();
    assert!(!references.is_empty(), "{case}");
    for r in references {
        assert!(han(r["person_name"].as_str().unwrap()), "{case}");
    }
    let found = get(&format!("/api/v1/found/{found_id}"), None);
    let found_place = found["found_place"].as_str().unwrap();
    assert!(han(found_place), "{found}");
    assert!(han(found["institution"].as_str().unwrap()), "{found}");
    // The search finds them by their Chinese words.
    let hits = get("/api/v1/search", Some(name));
    assert!(
        hits["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["case_id"] == case_id),
        "{name}: {hits}"
    );
    let hits = get("/api/v1/search", Some(found_place));
    assert!(
        hits["found"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["found_id"] == found_id),
        "{found_place}: {hits}"
    );
    drop(server);

    let elsewhere = dir.path().join("fr");
    let bad = reunite(&[
        "demo",
        "--no-serve",
        "--families",
        "40",
        "--locale",
        "fr",
        "--data-dir",
        elsewhere.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    let e = stderr(&bad);
    assert!(
        e.contains("fr") && e.contains("--locale") && e.contains("zh-CN"),
        "{e}"
    );
    assert!(!elsewhere.exists(), "nothing made for a refused locale");
}
