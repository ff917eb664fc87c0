//! `reunite lr`: the worked examples through the binary, quick mode, and bad input.

use serde_json::Value;

use crate::common::*;

#[test]
fn worked_examples_through_the_binary() {
    let text = std::fs::read_to_string(data("kinship-cases/cases.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(cases.len(), 32);
    let dir = tempfile::tempdir().unwrap();
    for (i, case) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.json"));
        std::fs::write(&path, case.to_string()).unwrap();
        let out = reunite(&["lr", "--json", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}: {}", case["name"], stderr(&out));
        let got: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let keys: Vec<&str> = got
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["log10_lr", "lr", "markers"]);
        let want = &case["expected"];
        let name = &case["name"];
        assert!(
            rel_close(
                got["lr"].as_f64().unwrap(),
                want["lr"].as_f64().unwrap(),
                1e-9
            ),
            "{name}"
        );
        match want["log10_lr"].as_f64() {
            Some(l) => assert!(
                (got["log10_lr"].as_f64().unwrap() - l).abs() <= 1e-9 * l.abs().max(1.0),
                "{name}"
            ),
            None => assert!(got["log10_lr"].is_null(), "{name}"),
        }
        let (gm, wm) = (
            got["markers"].as_array().unwrap(),
            want["markers"].as_array().unwrap(),
        );
        assert_eq!(gm.len(), wm.len());
        for (g, w) in gm.iter().zip(wm) {
            assert_eq!(g["name"], w["name"], "{name}: markers in file order");
            assert!(
                rel_close(g["lr"].as_f64().unwrap(), w["lr"].as_f64().unwrap(), 1e-9),
                "{name} {}",
                w["name"]
            );
        }
    }
}

#[test]
fn table_output_has_total_and_verbal_scale() {
    let text = std::fs::read_to_string(data("kinship-cases/cases.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.json");
    let v1 = cases
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with("V1"))
        .unwrap();
    std::fs::write(&path, v1.to_string()).unwrap();
    let out = reunite(&["lr", path.to_str().unwrap()]);
    assert!(out.status.success());
    let s = stdout(&out);
    assert!(s.contains("D3S1358"), "{s}");
    assert!(s.contains("total"), "{s}");
    assert!(s.contains("extremely strong support for H1"), "{s}");
}

#[test]
fn quick_mode_pairwise_and_trio() {
    let freqs = data("nist1036/frequencies.csv");
    let genos = data("nist1036/genotypes.csv");
    let (f, g) = (freqs.to_str().unwrap(), genos.to_str().unwrap());
    for rel in [
        "parent-child",
        "full-sibling",
        "half-sibling",
        "grandparent",
        "avuncular",
        "first-cousin",
        "unrelated",
    ] {
        let out = reunite(&[
            "lr",
            "--json",
            "--frequencies",
            f,
            "--population",
            "All",
            "--relationship",
            rel,
            "--genotypes",
            g,
            "--person",
            "GT37019",
            "--person",
            "GT37020",
            "--mutation",
            "stepwise",
        ]);
        assert!(out.status.success(), "{rel}: {}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(v["markers"].as_array().unwrap().len(), 29, "{rel}");
        if rel == "unrelated" {
            assert_eq!(v["lr"].as_f64().unwrap(), 1.0);
        }
    }
    let out = reunite(&[
        "lr",
        "--json",
        "--frequencies",
        f,
        "--population",
        "Cauc",
        "--relationship",
        "parent-child",
        "--genotypes",
        g,
        "--person",
        "GT37019",
        "--person",
        "GT37020",
        "--mother",
        "GT37026",
    ]);
    // Allele 10.3 at FESFPS was never seen among the Caucasian samples.
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("FESFPS: allele 10.3") && stderr(&out).contains("--min-frequency"),
        "{}",
        stderr(&out)
    );
    let out = reunite(&[
        "lr",
        "--json",
        "--frequencies",
        f,
        "--population",
        "Cauc",
        "--relationship",
        "parent-child",
        "--genotypes",
        g,
        "--person",
        "GT37019",
        "--person",
        "GT37020",
        "--mother",
        "GT37026",
        "--min-frequency",
        "0.001",
    ]);
    // The "mother" is a stranger: without mutation, impossible under both hypotheses.
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("impossible under both"),
        "{}",
        stderr(&out)
    );
    let out = reunite(&[
        "lr",
        "--json",
        "--frequencies",
        f,
        "--population",
        "Cauc",
        "--relationship",
        "parent-child",
        "--genotypes",
        g,
        "--person",
        "GT37019",
        "--person",
        "GT37020",
        "--mother",
        "GT37026",
        "--min-frequency",
        "0.001",
        "--mutation",
        "stepwise",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn bad_input_names_the_place_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let case = |body: &str| {
        let p = dir.path().join(format!("c{}.json", body.len()));
        std::fs::write(&p, body).unwrap();
        let out = reunite(&["lr", "--json", p.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(out.stdout.is_empty(), "no partial output");
        (p.display().to_string(), stderr(&out))
    };
    let base = r#"{"markers": [{"name": "L1", "alleles": ["1","2","3","4"], "frequencies": [0.1,0.2,0.3,0.4]}],
        "hypotheses": {"H1": [{"id":"AF","sex":"male"},{"id":"MO","sex":"female"},
                              {"id":"CH","sex":"male","father":"AF","mother":"MO"}],
                       "H2": [{"id":"AF","sex":"male"},{"id":"CH","sex":"male"}]},
        "genotypes": {"AF": {"L1": ["1","1"]}, "CH": {"L1": ["1","2"]}}}"#;
    let (file, e) = case(&base.replace("0.4]", "0.45]"));
    assert!(
        e.contains(&file) && e.contains("$.markers[0].frequencies") && e.contains("sum"),
        "{e}"
    );
    let (_, e) = case(&base.replace(r#"["1","2"]}}"#, r#"["1","9"]}}"#));
    assert!(
        e.contains("$.genotypes.CH.L1") && e.contains("--min-frequency"),
        "{e}"
    );
    let (_, e) = case(&base.replace(r#""mother":"MO"}"#, r#""mother":"NOBODY"}"#));
    assert!(
        e.contains("$.hypotheses.H1[2].mother") && e.contains("NOBODY"),
        "{e}"
    );
    let (_, e) = case(&base.replace(
        r#"[{"id":"AF","sex":"male"},{"id":"MO""#,
        r#"[{"id":"AF","sex":"female"},{"id":"MO""#,
    ));
    assert!(e.contains("father") && e.contains("not male"), "{e}");
    let (_, e) = case(&base.replace(
        r#"{"id":"MO","sex":"female"},"#,
        r#"{"id":"MO","sex":"female","father":"CH","mother":"MO2"},{"id":"MO2","sex":"female"},"#,
    ));
    assert!(e.contains("cycle") || e.contains("ancestor"), "{e}");
    let (_, e) = case(&base.replace(r#""CH": {"L1""#, r#""CH": {"L7""#));
    assert!(
        e.contains("$.genotypes.CH.L7") && e.contains("not in the markers list"),
        "{e}"
    );
    let (_, e) = case(&base.replace(r#""AF": {"L1""#, r#""XY": {"L1""#));
    assert!(
        e.contains("$.genotypes.XY") && e.contains("not in hypothesis"),
        "{e}"
    );
    // Impossible under both hypotheses: H1 = H2 with an exclusion.
    let both = base.replace(r#""H2": [{"id":"AF","sex":"male"},{"id":"CH","sex":"male"}]"#,
        r#""H2": [{"id":"AF","sex":"male"},{"id":"MO","sex":"female"},{"id":"CH","sex":"male","father":"AF","mother":"MO"}]"#)
        .replace(r#""AF": {"L1": ["1","1"]}"#, r#""AF": {"L1": ["3","3"]}"#);
    let (file, e) = case(&both);
    assert!(
        e.contains(&file) && e.contains("marker L1") && e.contains("impossible under both"),
        "{e}"
    );
    // The fix offered: --min-frequency.
    let p = dir.path().join("unseen.json");
    std::fs::write(&p, base.replace(r#"["1","2"]}}"#, r#"["1","9"]}}"#)).unwrap();
    let out = reunite(&[
        "lr",
        "--json",
        "--min-frequency",
        "0.01",
        p.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn quick_mode_marker_missing_from_the_table() {
    let out = reunite(&[
        "lr",
        "--frequencies",
        data("norstr/Norsk.txt").to_str().unwrap(),
        "--relationship",
        "parent-child",
        "--genotypes",
        data("nist1036/genotypes.csv").to_str().unwrap(),
        "--person",
        "GT37019",
        "--person",
        "GT37020",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let e = stderr(&out);
    assert!(
        e.contains("genotypes.csv:2") && e.contains("missing from the frequency table"),
        "{e}"
    );
}
