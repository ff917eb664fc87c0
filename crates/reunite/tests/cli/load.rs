//! `reunite loadtest` through the binary: concurrent logins, candidate
//! listings and candidate pages while profile imports run, on loopback; no
//! request may fail, and the registry afterwards holds exactly what the
//! imports reported, with an intact audit chain.

use serde_json::Value;

use crate::common::*;

#[test]
fn the_server_answers_every_request_under_load_while_imports_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("load");
    let data_s = data.to_str().unwrap();
    let o = reunite(&[
        "loadtest",
        "--families",
        "150",
        "--rescued",
        "24",
        "--clients",
        "4",
        "--requests",
        "120",
        "--imports",
        "4",
        "--seed",
        "3",
        "--data-dir",
        data_s,
        "--json",
    ]);
    let out: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("loadtest: {e}: {}", stderr(&o)));
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert_eq!(out["failed"], 0, "{out}");
    // 120 requests of the clients, and the lab client's login and 4 imports.
    assert_eq!(out["requests"], 125, "{out}");
    let ops = &out["operations"];
    for (op, n) in [
        ("login", 41),
        ("candidates", 40),
        ("candidate", 40),
        ("import", 4),
    ] {
        assert_eq!(ops[op]["requests"], n, "{op}: {out}");
        assert_eq!(ops[op]["failed"], 0, "{op}: {out}");
        let (p50, p99) = (
            ops[op]["p50_ms"].as_f64().unwrap(),
            ops[op]["p99_ms"].as_f64().unwrap(),
        );
        assert!(p50 > 0.0 && p50 <= p99, "{op}: {out}");
        eprintln!(
            "{op:<10} {:>4} requests {:>7.1}/s  p50 {:>8.1} ms  p99 {:>8.1} ms",
            ops[op]["requests"],
            ops[op]["requests_per_second"].as_f64().unwrap(),
            p50,
            p99
        );
    }
    assert_eq!(out["imports"]["profiles"], 12, "{out}");

    // The registry holds what the imports reported: every candidate found
    // before the run plus those the imports added, an intact audit chain,
    // and candidates equal to what an index rebuilt from it gives.
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--data-dir", data_s]);
        let o = reunite(&all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
        stdout(&o)
    };
    let list: Vec<Value> = serde_json::from_str(&run(&["matches", "--json"])).unwrap();
    let before = out["candidates_before"].as_u64().unwrap();
    let added = out["imports"]["new_candidates"].as_u64().unwrap();
    assert!(added > 0, "{out}");
    assert_eq!(list.len() as u64, before + added);
    assert!(run(&["audit", "verify"]).contains("intact"));
    let check: Value = serde_json::from_str(&run(&["index", "check", "--json"])).unwrap();
    assert_eq!(check["live_index_agrees"], true, "{check}");
    assert_eq!(check["differing"], serde_json::json!([]), "{check}");
    assert_eq!(check["reproduced"].as_u64().unwrap() as usize, list.len());
}
