//! `reunite lr`: the worked examples through the binary, quick mode, and bad input.

use std::collections::BTreeMap;

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

/// Allele frequencies of one population of `data/nist1036/frequencies.csv`,
/// read as quick mode reads them: each marker's column of `frequency`
/// rescaled to sum to exactly 1. Alleles are keyed in tenths of a repeat.
fn nist_frequencies(population: &str) -> BTreeMap<String, BTreeMap<i64, f64>> {
    let text = std::fs::read_to_string(data("nist1036/frequencies.csv")).unwrap();
    let mut table: BTreeMap<String, BTreeMap<i64, f64>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == population {
            table
                .entry(marker_key(f[1]))
                .or_default()
                .insert(tenths(f[2]), f[5].parse().unwrap());
        }
    }
    for freqs in table.values_mut() {
        let sum: f64 = freqs.values().sum();
        for p in freqs.values_mut() {
            *p /= sum;
        }
    }
    table
}

/// A marker name as a key: lower case, without spaces (`Penta C` = `PentaC`).
fn marker_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// An allele call in tenths of a repeat (`16.3` -> 163).
fn tenths(call: &str) -> i64 {
    (call.trim().parse::<f64>().unwrap() * 10.0).round() as i64
}

/// The genotypes of samples of `data/nist1036/genotypes.csv` (wide CSV, `M_a1,M_a2`),
/// by marker key, in the file's marker order.
fn nist_genotypes(sample: &str) -> Vec<(String, (i64, i64))> {
    let text = std::fs::read_to_string(data("nist1036/genotypes.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines
        .find(|l| l.split(',').next() == Some(sample))
        .unwrap()
        .split(',')
        .collect();
    (2..header.len())
        .step_by(2)
        .map(|c| {
            let name = header[c].strip_suffix("_a1").unwrap();
            (marker_key(name), (tenths(row[c]), tenths(row[c + 1])))
        })
        .collect()
}

/// The LR of a pair with IBD probabilities (k0, k1, k2) against unrelated, at
/// one marker (no mutation, theta 0): k0 + k1 P(B | one allele IBD with A) / P(B)
/// + k2 P(B | both IBD) / P(B).
fn ibd_lr(k: [f64; 3], a: (i64, i64), b: (i64, i64), p: &BTreeMap<i64, f64>) -> f64 {
    let (a1, a2) = a;
    let (b1, b2) = b;
    let pb = if b1 == b2 {
        p[&b1] * p[&b1]
    } else {
        2.0 * p[&b1] * p[&b2]
    };
    // A passes one of its alleles (1/2 each); B's other allele is drawn from the population.
    let one = |x: i64| {
        if b1 == b2 {
            if x == b1 { p[&b1] } else { 0.0 }
        } else {
            (if x == b1 { p[&b2] } else { 0.0 }) + (if x == b2 { p[&b1] } else { 0.0 })
        }
    };
    let ibd1 = 0.5 * (one(a1) + one(a2));
    let ibd2 = if (a1.min(a2), a1.max(a2)) == (b1.min(b2), b1.max(b2)) {
        1.0
    } else {
        0.0
    };
    k[0] + k[1] * ibd1 / pb + k[2] * ibd2 / pb
}

/// Runs quick mode with `--json` and returns the total LR, log10 LR and the
/// per-marker LRs by marker key, in output order.
fn quick_json(args: &[&str]) -> (f64, Option<f64>, Vec<(String, f64)>) {
    let mut all = vec!["lr", "--json"];
    all.extend_from_slice(args);
    let out = reunite(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let markers = v["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                marker_key(m["name"].as_str().unwrap()),
                m["lr"].as_f64().unwrap(),
            )
        })
        .collect();
    (v["lr"].as_f64().unwrap(), v["log10_lr"].as_f64(), markers)
}

/// Checks a quick-mode result against independently computed per-marker LRs
/// (1e-9 relative, per marker and in total).
fn check_quick(what: &str, got: (f64, Option<f64>, Vec<(String, f64)>), want: &[(String, f64)]) {
    let (lr, log10, markers) = got;
    let names: Vec<&str> = markers.iter().map(|(n, _)| n.as_str()).collect();
    let want_names: Vec<&str> = want.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, want_names, "{what}: the markers, in file order");
    for ((name, g), (_, w)) in markers.iter().zip(want) {
        assert!(
            rel_close(*g, *w, 1e-9),
            "{what} {name}: LR {g}, closed form {w}"
        );
    }
    let total: f64 = want.iter().map(|(_, w)| w).product();
    assert!(
        rel_close(lr, total, 1e-9),
        "{what}: total LR {lr}, closed form {total}"
    );
    if total == 0.0 {
        assert_eq!(log10, None, "{what}: an exclusion has no log10 LR");
    } else {
        let want_log: f64 = want.iter().map(|(_, w)| w.log10()).sum();
        let got_log = log10.expect("a log10 LR");
        assert!(
            (got_log - want_log).abs() <= 1e-9 * want_log.abs().max(1.0),
            "{what}: log10 LR {got_log}, closed form {want_log}"
        );
    }
}

/// Quick mode between two typed persons: every standard relationship against
/// the IBD closed form at the NIST 1036 frequencies (all populations).
#[test]
fn quick_mode_pairwise_equals_the_ibd_closed_form() {
    let freqs = data("nist1036/frequencies.csv");
    let genos = data("nist1036/genotypes.csv");
    let (f, g) = (freqs.to_str().unwrap(), genos.to_str().unwrap());
    let table = nist_frequencies("All");
    let a = nist_genotypes("GT37019");
    let b = nist_genotypes("GT37020");
    assert_eq!(a.len(), 29);
    // (k0, k1, k2): the probabilities that the two share 0, 1 or 2 alleles identical by descent.
    for (rel, k) in [
        ("parent-child", [0.0, 1.0, 0.0]),
        ("full-sibling", [0.25, 0.5, 0.25]),
        ("half-sibling", [0.5, 0.5, 0.0]),
        ("grandparent", [0.5, 0.5, 0.0]),
        ("avuncular", [0.5, 0.5, 0.0]),
        ("first-cousin", [0.75, 0.25, 0.0]),
        ("unrelated", [1.0, 0.0, 0.0]),
    ] {
        let want: Vec<(String, f64)> = a
            .iter()
            .zip(&b)
            .map(|((m, ga), (mb, gb))| {
                assert_eq!(m, mb);
                (m.clone(), ibd_lr(k, *ga, *gb, &table[m]))
            })
            .collect();
        let got = quick_json(&[
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
        ]);
        check_quick(rel, got, &want);
    }
}

/// The stepwise mutation matrix of Familias (extended): from allele `i`, the
/// alleles of its microvariant group get `rate` in proportion to
/// `range^steps`, every allele of another group `rate2 / (their number)`,
/// and `i` keeps the rest.
fn stepwise(alleles: &[i64], rate: f64, range: f64, rate2: f64) -> Vec<Vec<f64>> {
    let n = alleles.len();
    let mut m = vec![vec![0.0; n]; n];
    for i in 0..n {
        let group = |j: usize| alleles[j].rem_euclid(10);
        let same: Vec<usize> = (0..n).filter(|&j| j != i && group(j) == group(i)).collect();
        let other: Vec<usize> = (0..n).filter(|&j| group(j) != group(i)).collect();
        let weight = |j: usize| range.powi(((alleles[j] / 10) - (alleles[i] / 10)).abs() as i32);
        let total: f64 = same.iter().map(|&j| weight(j)).sum();
        let mut stay = 1.0;
        if !same.is_empty() {
            for &j in &same {
                m[i][j] = rate * weight(j) / total;
            }
            stay -= rate;
        }
        if !other.is_empty() {
            for &j in &other {
                m[i][j] = rate2 / other.len() as f64;
            }
            stay -= rate2;
        }
        m[i][i] = stay;
    }
    m
}

/// Quick mode's trio (alleged father, child, known mother) with stepwise
/// mutation, against the paternity index computed here: the child's paternal
/// allele comes through the father's mutation matrix (rate 0.002) from the
/// alleged father, or from a random man of the population; the maternal one
/// through the mother's (rate 0.0005). Unseen alleles are added at
/// --min-frequency and the table renormalised, as quick mode does.
#[test]
fn quick_mode_trio_with_mutation_equals_the_paternity_index() {
    let freqs = data("nist1036/frequencies.csv");
    let genos = data("nist1036/genotypes.csv");
    let (f, g) = (freqs.to_str().unwrap(), genos.to_str().unwrap());
    let (rate_male, rate_female, range, rate2, min_frequency) = (0.002, 0.0005, 0.1, 1e-6, 0.001);
    let table = nist_frequencies("Cauc");
    let father = nist_genotypes("GT37019");
    let child = nist_genotypes("GT37020");
    let mother = nist_genotypes("GT37026");
    let mut want = Vec::new();
    let mut mismatching = Vec::new();
    for ((m, af), ((_, ch), (_, mo))) in father.iter().zip(child.iter().zip(&mother)) {
        // The marker's alleles: the table's, and those it lacks at the minimum frequency, renormalised.
        let mut p = table[m].clone();
        for x in [af.0, af.1, ch.0, ch.1, mo.0, mo.1] {
            p.entry(x).or_insert(min_frequency);
        }
        let sum: f64 = p.values().sum();
        let alleles: Vec<i64> = p.keys().copied().collect();
        let freq: Vec<f64> = p.values().map(|v| v / sum).collect();
        let at = |x: i64| alleles.iter().position(|&a| a == x).unwrap();
        let male = stepwise(&alleles, rate_male, range, rate2);
        let female = stepwise(&alleles, rate_female, range, rate2);
        let from_parent = |mat: &Vec<Vec<f64>>, (g1, g2): (i64, i64), x: i64| {
            0.5 * (mat[at(g1)][at(x)] + mat[at(g2)][at(x)])
        };
        // A random man: any allele of the population, through the father's matrix.
        let from_random_man = |x: i64| {
            (0..alleles.len())
                .map(|i| freq[i] * male[i][at(x)])
                .sum::<f64>()
        };
        let (c1, c2) = *ch;
        // The child's (paternal, maternal) allele orders.
        let orders: Vec<(i64, i64)> = if c1 == c2 {
            vec![(c1, c2)]
        } else {
            vec![(c1, c2), (c2, c1)]
        };
        let h1: f64 = orders
            .iter()
            .map(|&(x, y)| from_parent(&male, *af, x) * from_parent(&female, *mo, y))
            .sum();
        let h2: f64 = orders
            .iter()
            .map(|&(x, y)| from_random_man(x) * from_parent(&female, *mo, y))
            .sum();
        if ![c1, c2].contains(&af.0) && ![c1, c2].contains(&af.1) {
            mismatching.push(m.clone());
        }
        want.push((m.clone(), h1 / h2));
    }
    assert!(
        !mismatching.is_empty(),
        "the alleged father shares no allele with the child somewhere"
    );
    let got = quick_json(&[
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
    check_quick("trio with stepwise mutation", got, &want);
}

/// Quick mode's refusals: an allele the table lacks without --min-frequency,
/// and a trio impossible without mutation.
#[test]
fn quick_mode_trio_refusals() {
    let freqs = data("nist1036/frequencies.csv");
    let genos = data("nist1036/genotypes.csv");
    let (f, g) = (freqs.to_str().unwrap(), genos.to_str().unwrap());
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
