//! `reunite bench lineage`: the contract's JSON keys at a small size, and
//! figures that say the index found what the simulation put in it.

use serde_json::Value;

use crate::common::*;

#[test]
fn bench_lineage_prints_the_contract_keys() {
    let out = reunite(&[
        "bench",
        "lineage",
        "--haplotypes",
        "3000",
        "--queries",
        "60",
        "--clusters",
        "5",
        "--seed",
        "7",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for key in [
        "haplotypes",
        "index_bytes",
        "query_seconds_median",
        "query_seconds_p99",
        "recall_true_lineage",
    ] {
        assert!(v.get(key).is_some_and(|x| !x.is_null()), "{key}: {v}");
    }
    assert_eq!(v["haplotypes"], 3000);
    assert_eq!(
        v["scan_bytes_per_haplotype"], 27,
        "Yfiler Plus: 27 locus copies"
    );
    // At least a byte per locus copy and haplotype.
    assert!(v["index_bytes"].as_u64().unwrap() >= 27 * 3000, "{v}");
    // Up to the queries asked: the boys' clans are spread by the expected clan size.
    let queries = v["queries"].as_u64().unwrap();
    assert!((40..=60).contains(&queries), "{v}");
    let median = v["query_seconds_median"].as_f64().unwrap();
    assert!(median > 0.0 && median <= v["query_seconds_p99"].as_f64().unwrap());
    // Relatives 1 to 6 meioses away at Yfiler Plus rates are nearly always
    // within two differing loci; the boy's clan is mostly found too.
    let recall = v["recall_true_lineage"].as_f64().unwrap();
    assert!((0.85..=1.0).contains(&recall), "{v}");
    assert_eq!(v["recall_by_meioses"]["1"], 1.0, "fathers and sons: {v}");
    assert!(v["hits_per_query_median"].as_f64().unwrap() >= 1.0);
    // Reproducible with the seed.
    let again = reunite(&[
        "bench",
        "lineage",
        "--haplotypes",
        "3000",
        "--queries",
        "60",
        "--clusters",
        "5",
        "--seed",
        "7",
        "--json",
    ]);
    let w: Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(v["recall_true_lineage"], w["recall_true_lineage"]);
    assert_eq!(v["hits_per_query_mean"], w["hits_per_query_mean"]);
}
