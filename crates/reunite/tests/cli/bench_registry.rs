//! `reunite bench registry` through the binary: every key of its JSON
//! contract, with values that agree with the registry it leaves (read by
//! other commands: `index check`, `matches`) and the lab files it imported.
//! No figure is compared with a time limit.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// The keys other tools read, each a positive number.
const MEASURES: [&str; 13] = [
    "families",
    "reference_profiles",
    "found_children",
    "bulk_import_seconds",
    "bulk_import_peak_rss_bytes",
    "cli_import_one_profile_seconds_p50",
    "api_import_one_profile_seconds_p50",
    "serve_ready_seconds",
    "serve_rss_bytes",
    "candidate_page_seconds_p50",
    "candidate_page_seconds_p99",
    "matches_page_seconds_p50",
    "index_check_seconds",
];

/// Runs the bench on 200 families (and `db`, the database options) keeping
/// the registry in `data`; checks the contract and the counts against the
/// registry and the lab files; returns the JSON object.
fn bench(data: &Path, db: &[String]) -> Value {
    let data_s = data.to_str().unwrap();
    let mut args = vec![
        "bench",
        "registry",
        "--families",
        "200",
        "--samples",
        "2",
        "--pages",
        "6",
        "--data-dir",
        data_s,
        "--json",
    ];
    args.extend(db.iter().map(String::as_str));
    let o = reunite(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("bench registry: {e}: {}", stdout(&o)));
    for key in MEASURES {
        let v = out[key].as_f64();
        assert!(v.is_some_and(|v| v > 0.0), "{key}: {out}");
    }
    assert!(
        out["machine"].as_str().is_some_and(|m| !m.is_empty()),
        "{out}"
    );
    assert!(
        out["candidate_page_seconds_p50"].as_f64() <= out["candidate_page_seconds_p99"].as_f64(),
        "{out}"
    );
    assert_eq!(out["families"], 200, "{out}");
    assert_eq!(out["found_children"], 89, "{out}");
    assert_eq!(out["index_check_agrees"], true, "{out}");

    // The lab files the bulk import read: every reference and every found
    // child of the scenario has a profile.
    let rows = |f: &str| {
        std::fs::read_to_string(data.join("lab-files").join(f))
            .unwrap()
            .lines()
            .count() as u64
            - 1
    };
    assert_eq!(out["reference_profiles"], rows("references.csv"), "{out}");
    assert_eq!(out["found_children"], rows("found.csv"), "{out}");

    // The registry it leaves: every family indexed, the found children of
    // the bulk import and those imported one at a time, and the candidates
    // of the bulk import with those the single imports reported.
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--data-dir", data_s]);
        all.extend(db.iter().map(String::as_str));
        let o = reunite(&all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()
    };
    let n = |k: &str| out[k].as_u64().unwrap_or_else(|| panic!("{k}: {out}"));
    let check = run(&["index", "check", "--json"]);
    let one_by_one = n("found_children_imported_one_by_one");
    assert!(one_by_one >= 4, "{out}");
    assert_eq!(
        check["children_indexed"].as_u64().unwrap(),
        n("found_children") + one_by_one,
        "{check}"
    );
    let probe = u64::from(out.get("second_server_visible_seconds").is_some());
    assert_eq!(
        check["cases_indexed"].as_u64().unwrap(),
        n("families") + probe,
        "{check}"
    );
    let matches = run(&["matches", "--json"]);
    let single = n("cli_import_new_candidates") + n("api_import_new_candidates");
    assert!(single > 0, "{out}");
    let stored = matches.as_array().unwrap().len() as u64;
    if probe == 0 {
        assert_eq!(stored, n("candidates") + single, "{out}");
    } else {
        // The second-server probe imports a child and a family too.
        assert!(stored > n("candidates") + single, "{out}");
    }
    out
}

#[test]
fn bench_registry_reports_every_figure_of_its_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = bench(&dir.path().join("bench"), &[]);
    assert_eq!(out["database"], "sqlite", "{out}");
    // Two servers on one database are measured on PostgreSQL only.
    assert!(out.get("second_server_visible_seconds").is_none(), "{out}");

    // The registry it left measured again (`--existing`): the children that
    // arrive one at a time are new ones, not the last run's again.
    let data = dir.path().join("bench");
    let data_s = data.to_str().unwrap();
    let children = |data: &str| {
        let o = reunite(&["index", "check", "--json", "--data-dir", data]);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()["children_indexed"]
            .as_u64()
            .unwrap()
    };
    let before = children(data_s);
    let o = reunite(&[
        "bench",
        "registry",
        "--existing",
        "--families",
        "200",
        "--no-index-check",
        "--samples",
        "2",
        "--pages",
        "2",
        "--data-dir",
        data_s,
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        again["cli_import_new_candidates"].as_u64().unwrap() > 0,
        "{again}"
    );
    assert_eq!(
        children(data_s),
        before
            + again["found_children_imported_one_by_one"]
                .as_u64()
                .unwrap(),
        "{again}"
    );
}

#[test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432; run with --include-ignored, as .ci/run does"]
fn bench_registry_on_postgres_measures_a_second_server() {
    let databases = PgDatabases::create(1, &[]);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("pg.key");
    registry::crypto::create_key_file(&key).unwrap();
    let db = [
        "--database-url".to_string(),
        databases.url(0),
        "--key-file".to_string(),
        key.to_str().unwrap().to_string(),
    ];
    let out = bench(&dir.path().join("bench"), &db);
    assert_eq!(out["database"], "postgresql", "{out}");
    // Null when the second server did not show the import within the limit.
    let visible = out
        .get("second_server_visible_seconds")
        .unwrap_or_else(|| panic!("no second_server_visible_seconds: {out}"));
    assert!(
        visible.is_null() || visible.as_f64().is_some_and(|s| s > 0.0),
        "{out}"
    );
}
