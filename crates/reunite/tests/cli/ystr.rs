//! `reunite ystr fit | probability | lr`: the three contracts on the
//! synthetic Yfiler Plus population and what disclapmix computed on it
//! (`data/ystr/`), the lineage LR against its closed form, and bad input.

use serde_json::Value;

use crate::common::*;

fn population() -> String {
    data("ystr/synthetic_yfilerplus.csv")
        .to_str()
        .unwrap()
        .to_string()
}

fn oracle() -> Value {
    let text = std::fs::read_to_string(data("ystr/oracle.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["datasets"]["synthetic_yfilerplus"].clone()
}

fn json_of(args: &[&str]) -> Value {
    let out = reunite(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn loci(o: &Value) -> Vec<String> {
    o["loci"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// A query of the oracle in the text form.
fn query_text(o: &Value, i: usize) -> String {
    loci(o)
        .iter()
        .zip(o["queries"][i]["haplotype"].as_array().unwrap())
        .map(|(l, v)| format!("{l}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn fit_gives_the_oracles_fits() {
    let o = oracle();
    let pop = population();
    let one = json_of(&["ystr", "fit", &pop, "--clusters", "1", "--json"]);
    for key in [
        "clusters",
        "log_likelihood",
        "bic",
        "centres",
        "dispersion",
        "weights",
    ] {
        assert!(one.get(key).is_some(), "{key}");
    }
    assert_eq!(one["clusters"], 1);
    assert_eq!(loci(&one), loci(&o), "loci in the file's column order");
    let closed = &o["k1_closed_form_check"]["closed_form"];
    assert_eq!(one["centres"][0], closed["y"]);
    for (got, want) in one["dispersion"][0]
        .as_array()
        .unwrap()
        .iter()
        .zip(closed["p"].as_array().unwrap())
    {
        assert!(rel_close(
            got.as_f64().unwrap(),
            want.as_f64().unwrap(),
            1e-9
        ));
    }
    assert_eq!(one["weights"], serde_json::json!([1.0]));
    let k1 = &o["fits"][0];
    assert!(rel_close(
        one["log_likelihood"].as_f64().unwrap(),
        k1["logL_marginal"].as_f64().unwrap(),
        1e-9
    ));
    assert!(rel_close(
        one["bic"].as_f64().unwrap(),
        k1["BIC_marginal"].as_f64().unwrap(),
        1e-9
    ));

    let three = json_of(&["ystr", "fit", &pop, "--clusters", "3", "--json"]);
    let k3 = &o["fits"][2];
    assert_eq!(k3["K"], 3);
    assert!(rel_close(
        three["log_likelihood"].as_f64().unwrap(),
        k3["logL_marginal"].as_f64().unwrap(),
        1e-3
    ));
    assert!(rel_close(
        three["bic"].as_f64().unwrap(),
        k3["BIC_marginal"].as_f64().unwrap(),
        1e-3
    ));
    assert_eq!(three["centres"].as_array().unwrap().len(), 3);
    assert_eq!(three["dispersion"][2].as_array().unwrap().len(), 27);
    let w: f64 = three["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_f64().unwrap())
        .sum();
    assert!((w - 1.0).abs() < 1e-12);
}

#[test]
fn fit_chooses_the_number_of_clusters_by_bic() {
    // The first 80 men (the whole file is the crate's test: K = 40 of 45).
    let text = std::fs::read_to_string(data("ystr/synthetic_yfilerplus.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("first80.csv");
    std::fs::write(&path, text.lines().take(81).collect::<Vec<_>>().join("\n")).unwrap();
    let f = json_of(&["ystr", "fit", path.to_str().unwrap(), "--json"]);
    let bics: Vec<f64> = f["bic_by_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_f64().unwrap())
        .collect();
    let best = (0..bics.len())
        .min_by(|a, b| bics[*a].total_cmp(&bics[*b]))
        .unwrap();
    assert_eq!(f["clusters"].as_u64().unwrap() as usize, best + 1);
    assert_eq!(f["bic"].as_f64().unwrap(), bics[best]);
    assert_eq!(
        bics.len(),
        (best + 1 + 5).max(5),
        "tried 5 past the best (and at least 1..5)"
    );
    assert_eq!(f["men"], 80);
    // Plain text says the same in words.
    let out = reunite(&["ystr", "fit", path.to_str().unwrap(), "--clusters", "2"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("2 clusters, as asked"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn probability_by_each_method() {
    let o = oracle();
    let pop = population();
    for i in [0, 3, 12, 15] {
        let q = &o["queries"][i];
        let h = query_text(&o, i);
        let count = json_of(&[
            "ystr",
            "probability",
            &pop,
            "--haplotype",
            &h,
            "--method",
            "count",
            "--json",
        ]);
        assert!(rel_close(
            count["probability"].as_f64().unwrap(),
            q["augmented_count"].as_f64().unwrap(),
            1e-12
        ));
        assert_eq!(count["method"], "count");
        assert!(count["clusters"].is_null());
        assert_eq!(count["seen"], q["count"]);
        let kappa = json_of(&[
            "ystr",
            "probability",
            &pop,
            "--haplotype",
            &h,
            "--method",
            "kappa",
            "--json",
        ]);
        match q["brenner_kappa"].as_f64() {
            Some(want) => {
                assert!(
                    rel_close(kappa["probability"].as_f64().unwrap(), want, 1e-12),
                    "query {i}"
                );
                assert_eq!(kappa["method"], "kappa");
            }
            None => assert_eq!(kappa["method"], "count", "query {i}: seen, so the count"),
        }
    }
    // The mixture with one cluster, against its formula from the oracle's parameters.
    let k1 = &o["fits"][0];
    let y: Vec<i64> = k1["centres_y"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let p: Vec<f64> = k1["dispersion_p"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let i = 15;
    let x: Vec<i64> = o["queries"][i]["haplotype"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let want: f64 = (0..27)
        .map(|l| (1.0 - p[l]) / (1.0 + p[l]) * p[l].powi((x[l] - y[l]).abs() as i32))
        .product();
    let got = json_of(&[
        "ystr",
        "probability",
        &pop,
        "--haplotype",
        &query_text(&o, i),
        "--clusters",
        "1",
        "--json",
    ]);
    assert_eq!(got["method"], "disclap");
    assert_eq!(got["clusters"], 1);
    assert!(
        rel_close(got["probability"].as_f64().unwrap(), want, 1e-9),
        "{got} vs {want}"
    );
    assert_eq!(got["left_out"], serde_json::json!([]));
}

/// The mutation rates of the built-in table.
fn rate(locus: &str) -> f64 {
    let text = std::fs::read_to_string(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../ystr/data/mutation_rates.csv"),
    )
    .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{locus},")))
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn lineage_lr_against_its_closed_form() {
    let child = "DYS19=14,DYS389I=13,DYS385=11-14,DYS570=18,DYS576=17";
    let father = "DYS19=14,DYS389I=13,DYS385=11-14,DYS570=17,DYS576=17";
    let same = 1.0 - rate("DYS19");
    let stay = same
        * (1.0 - rate("DYS389I"))
        * (1.0 - rate("DYS385a"))
        * (1.0 - rate("DYS385b"))
        * (1.0 - rate("DYS576"));
    // One meiosis: DYS570 one step up (μ/2), every other copy stays (1 − μ).
    let want = stay * rate("DYS570") / 2.0;
    let pop = population();
    let r = json_of(&[
        "ystr",
        "lr",
        "--child",
        child,
        "--reference",
        father,
        "--meioses",
        "1",
        "--database",
        &pop,
        "--method",
        "count",
        "--json",
    ]);
    for key in ["lr", "log10_lr", "match_probability", "transmission"] {
        assert!(r.get(key).is_some(), "{key}");
    }
    assert!(
        rel_close(r["transmission"].as_f64().unwrap(), want, 1e-12),
        "{} vs {want}",
        r["transmission"]
    );
    // The child's five loci are seen in no man of the file: 1/501.
    assert!(rel_close(
        r["match_probability"].as_f64().unwrap(),
        1.0 / 501.0,
        1e-12
    ));
    let lr = want * 501.0;
    assert!(rel_close(r["lr"].as_f64().unwrap(), lr, 1e-12));
    assert!((r["log10_lr"].as_f64().unwrap() - lr.log10()).abs() < 1e-12);

    // Two meioses (a brother, a grandfather): d = +1 is μ(1 − μ) there, d = 0 is (1 − μ)² + μ²/2.
    let two = json_of(&[
        "ystr",
        "lr",
        "--child",
        child,
        "--reference",
        father,
        "--meioses",
        "2",
        "--json",
    ]);
    let m = |l: &str| rate(l);
    let stay2 = |mu: f64| (1.0 - mu).powi(2) + mu * mu / 2.0;
    let want2 = stay2(m("DYS19"))
        * stay2(m("DYS389I"))
        * stay2(m("DYS385a"))
        * stay2(m("DYS385b"))
        * stay2(m("DYS576"))
        * m("DYS570")
        * (1.0 - m("DYS570"));
    assert!(rel_close(
        two["transmission"].as_f64().unwrap(),
        want2,
        1e-12
    ));
    assert!(
        two["lr"].is_null() && two["match_probability"].is_null(),
        "no database, no LR"
    );

    // An intermediate allele cannot be in the mixture: DYS458 is left out of
    // the match probability and so of the transmission, and said so.
    let child458 = format!("{child},DYS458=17.2");
    let father458 = format!("{father},DYS458=17.2");
    let r = json_of(&[
        "ystr",
        "lr",
        "--child",
        &child458,
        "--reference",
        &father458,
        "--meioses",
        "1",
        "--database",
        &pop,
        "--clusters",
        "1",
        "--json",
    ]);
    assert!(
        rel_close(r["transmission"].as_f64().unwrap(), want, 1e-12),
        "{r}"
    );
    assert_eq!(r["method"], "disclap");
    assert_eq!(r["clusters"], 1);
    assert_eq!(r["left_out"][0]["locus"], "DYS458");
    assert!(
        r["left_out"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("intermediate")
    );
    assert_eq!(r["loci"].as_array().unwrap().len(), 5);
    let m = r["match_probability"].as_f64().unwrap();
    assert!(rel_close(r["lr"].as_f64().unwrap(), want / m, 1e-12));

    // Rates of one's own: 0.01 at every locus.
    let dir = tempfile::tempdir().unwrap();
    let rates = dir.path().join("rates.csv");
    std::fs::write(
        &rates,
        "locus,rate\nDYS19,0.01\nDYS389I,0.01\nDYS385,0.01\nDYS570,0.01\nDYS576,0.01\n",
    )
    .unwrap();
    let own = json_of(&[
        "ystr",
        "lr",
        "--child",
        child,
        "--reference",
        father,
        "--meioses",
        "1",
        "--rates",
        rates.to_str().unwrap(),
        "--json",
    ]);
    assert!(rel_close(
        own["transmission"].as_f64().unwrap(),
        0.99f64.powi(5) * 0.005,
        1e-12
    ));

    // A volunteer: n unknown, n = 1..20 and the likeliest.
    let v = json_of(&[
        "ystr",
        "lr",
        "--child",
        child,
        "--reference",
        father,
        "--meioses",
        "unknown",
        "--database",
        &pop,
        "--method",
        "count",
        "--json",
    ]);
    let by = v["by_meioses"].as_array().unwrap();
    assert_eq!(by.len(), 20);
    let best = v["likeliest_meioses"].as_u64().unwrap() as usize;
    let t: Vec<f64> = by
        .iter()
        .map(|b| b["transmission"].as_f64().unwrap())
        .collect();
    assert!(t.iter().all(|x| *x <= t[best - 1]));
    assert_eq!(v["transmission"].as_f64().unwrap(), t[best - 1]);
    assert!(rel_close(t[0], want, 1e-12), "n = 1 as above");
    assert!(v["meioses"].is_null());
}

#[test]
fn text_output_in_plain_words() {
    let pop = population();
    let out = reunite(&[
        "ystr",
        "lr",
        "--child",
        "DYS19=14,DYS570=18",
        "--reference",
        "DYS19=14,DYS570=17,DYS448=19",
        "--meioses",
        "1",
        "--database",
        &pop,
        "--method",
        "count",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("1 meiosis between the child and the reference"),
        "{text}"
    );
    assert!(
        text.contains("DYS570 differs: child 18, reference 17"),
        "{text}"
    );
    assert!(
        text.contains("DYS448 left out: not typed in the child"),
        "{text}"
    );
    assert!(text.contains("LR = "), "{text}");
}

#[test]
fn bad_input_is_refused_saying_where_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "DYS19,DYS389I,DYS458\n14,13,17\n15,13,17.2\n").unwrap();
    let b = bad.to_str().unwrap();
    // The fit needs whole numbers: refused at line 3, DYS458.
    let out = reunite(&["ystr", "fit", b, "--json"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{b}:3: field DYS458: 17.2 is an intermediate allele"
        )),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
    // The counts take it.
    let ok = json_of(&[
        "ystr",
        "probability",
        b,
        "--haplotype",
        "DYS19=15,DYS389I=13,DYS458=17.2",
        "--method",
        "count",
        "--json",
    ]);
    assert_eq!(ok["seen"], 1);

    std::fs::write(&bad, "DYS19,DYS389I\n14,13\n15,x\n").unwrap();
    let out = reunite(&[
        "ystr",
        "probability",
        b,
        "--haplotype",
        "DYS19=14",
        "--method",
        "count",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!(
            "{b}:3: field DYS389I: \"x\" is not a repeat number"
        )),
        "{}",
        stderr(&out)
    );

    let out = reunite(&[
        "ystr",
        "lr",
        "--child",
        "DYS19=14,DYS9=3",
        "--reference",
        "DYS19=14",
        "--meioses",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--child: field DYS9: \"DYS9\" is not a Y-STR locus"),
        "{}",
        stderr(&out)
    );

    // A locus without a rate is named.
    let out = reunite(&[
        "ystr",
        "lr",
        "--child",
        "DYS549=12",
        "--reference",
        "DYS549=12",
        "--meioses",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no mutation rate for DYS549"),
        "{}",
        stderr(&out)
    );

    let rates = dir.path().join("rates.csv");
    std::fs::write(&rates, "locus,rate\nDYS19,0.01\nDYS19x,0.2\n").unwrap();
    let out = reunite(&[
        "ystr",
        "lr",
        "--child",
        "DYS19=14",
        "--reference",
        "DYS19=14",
        "--meioses",
        "1",
        "--rates",
        rates.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!("{}:3: field locus:", rates.display())),
        "{}",
        stderr(&out)
    );
}

/// `reunite import haplotypes`: stored and active, the same men again no
/// new version, `--activate` switches, a bad cell refused with its place.
#[test]
fn import_haplotypes_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(population()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let write = |name: &str, rows: &[&str]| {
        let path = d.join(name);
        std::fs::write(&path, rows.join("\n") + "\n").unwrap();
        path.to_str().unwrap().to_string()
    };
    let first = write("yhrd.csv", &lines[..41]);
    let more = write("yhrd2.csv", &lines[..51]);
    let data = d.join("data");
    let run = |args: &[&str]| {
        let mut all = vec!["import", "haplotypes"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
        reunite(&all)
    };
    let o = run(&[&first, "--name", "YHRD"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("40 men in the file, 40 added, 0 already stored"),
        "{out}"
    );
    assert!(
        out.contains("haplotype database YHRD v1 stored (40 men, 25 loci"),
        "{out}"
    );
    assert!(
        out.contains("YHRD v1 is the active haplotype database"),
        "{out}"
    );
    let o = run(&[&first, "--name", "YHRD"]);
    let out = stdout(&o);
    assert!(out.contains("0 added, 40 already stored"), "{out}");
    assert!(out.contains("YHRD v1 already holds these men"), "{out}");
    assert!(!out.contains("active"), "{out}");
    let o = run(&[&more, "--name", "YHRD"]);
    let out = stdout(&o);
    assert!(out.contains("YHRD v2 stored (50 men"), "{out}");
    assert!(!out.contains("active"), "{out}");
    let o = run(&[&more, "--name", "YHRD", "--activate"]);
    let out = stdout(&o);
    assert!(
        out.contains("YHRD v2 is the active haplotype database"),
        "{out}"
    );
    // Line 3, DYS389I: not an allele. Nothing stored.
    let mut bad: Vec<String> = lines[..41].iter().map(|l| l.to_string()).collect();
    bad[2] = bad[2].replacen(",13,", ",1x,", 1);
    let bad_refs: Vec<&str> = bad.iter().map(String::as_str).collect();
    let bad = write("bad.csv", &bad_refs);
    let o = run(&[&bad, "--name", "YHRD"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("bad.csv:3:"), "{err}");
    assert!(err.contains("DYS389I"), "{err}");
}
