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
