//! Familias projects through the binary: `reunite lr PROJECT.fam` and
//! `reunite export fam`.

use crate::common::*;
use crate::registry::{run, write_scenario};

/// The worked example V2 (a trio with a paternal mutation, 22 markers,
/// stepwise model) as a `.fam` project written by Reunite's own writer
/// (`data/examples/trio-with-mutation.fam`, not a file of Familias: that a
/// project of another program is read right is checked below on one written
/// by pedFamilias) gives the LR of the established programs:
/// 3.17319746560111e22 for H1 against H2.
#[test]
fn a_project_reunite_wrote_gives_the_established_lr() {
    let fam = data("examples/trio-with-mutation.fam");
    let o = reunite(&["lr", fam.to_str().unwrap(), "--reference", "H2", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["reference"], "H2");
    let h1 = &v["pedigrees"][0];
    assert_eq!(h1["name"], "H1");
    let lr = h1["lr"].as_f64().unwrap();
    assert!(rel_close(lr, 3.17319746560111e22, 1e-9), "{lr}");
    assert_eq!(h1["markers"].as_array().unwrap().len(), 22);
    assert_eq!(v["pedigrees"][1]["lr"].as_f64(), Some(1.0));

    // Against the first pedigree (the default): the reciprocal, and the table.
    let o = reunite(&["lr", fam.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("H2 against H1"), "{text}");
    assert!(text.contains("3.1732e22"), "{text}");

    // The same case as JSON and as a project agree exactly.
    let json_lr = reunite(&[
        "lr",
        data("examples/trio-with-mutation.json").to_str().unwrap(),
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&json_lr.stdout).unwrap();
    assert!(rel_close(j["lr"].as_f64().unwrap(), lr, 1e-12));

    // An unknown pedigree name is a clear error.
    let o = reunite(&["lr", fam.to_str().unwrap(), "--reference", "H9"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no pedigree called \"H9\""),
        "{}",
        stderr(&o)
    );
}

/// A project written by pedFamilias (R) from NIST data
/// (`data/fam-pedfamilias/`: four pedigrees, 12 markers, female and male
/// mutation models that differ, a paternal and a maternal mutation): every
/// pedigree's LR against H2, per marker and in total, is the one pedprobr
/// computed (`results.csv` there), to 1e-9, over all 12 markers of the file.
#[test]
fn a_project_pedfamilias_wrote_gives_the_lrs_of_pedprobr() {
    let fam = data("fam-pedfamilias/trio-grandfather.fam");
    let text = std::fs::read_to_string(&fam).unwrap();
    let db = text
        .lines()
        .position(|l| l.starts_with("#FALSE# (#Databases"))
        .unwrap();
    let declared: usize = text.lines().nth(db + 1).unwrap().trim().parse().unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("(DatabaseSize ="))
            .count(),
        declared
    );

    // pedprobr's values: pedigree, marker (or "(total)"), likelihood, LR against H2.
    let csv = std::fs::read_to_string(data("fam-pedfamilias/results.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').collect())
        .collect();
    let want = |pedigree: &str, marker: &str| -> f64 {
        let r = rows
            .iter()
            .find(|r| r[0] == pedigree && r[1] == marker)
            .unwrap_or_else(|| panic!("results.csv has no {pedigree} {marker}"));
        r[3].parse().unwrap()
    };
    let mut names: Vec<&str> = Vec::new();
    for r in &rows {
        if !names.contains(&r[0]) {
            names.push(r[0]);
        }
    }

    let o = reunite(&["lr", fam.to_str().unwrap(), "--reference", "H2", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let peds = v["pedigrees"].as_array().unwrap();
    assert_eq!(peds.len(), names.len());
    for (p, name) in peds.iter().zip(&names) {
        assert_eq!(p["name"], *name);
        let markers = p["markers"].as_array().unwrap();
        assert_eq!(markers.len(), declared, "{name}");
        assert_eq!(
            rows.iter()
                .filter(|r| r[0] == *name && r[1] != "(total)")
                .count(),
            declared,
            "{name}"
        );
        for m in markers {
            let marker = m["name"].as_str().unwrap();
            let (got, w) = (m["lr"].as_f64().unwrap(), want(name, marker));
            assert!(rel_close(got, w, 1e-9), "{name} {marker}: {got} vs {w}");
        }
        let (got, w) = (p["lr"].as_f64().unwrap(), want(name, "(total)"));
        assert!(rel_close(got, w, 1e-9), "{name}: {got} vs {w}");
    }
}

/// A candidate exported from the registry as a Familias project and read
/// back gives the LR the registry stored (the search's fast kernels against
/// the general pedigree path, through a file another program can open).
#[test]
fn an_exported_candidate_reads_back_with_the_same_lr() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = write_scenario(d, 60);
    let data_dir = d.join("data");
    for (kind, file) in [
        ("frequencies", "freq.csv"),
        ("cases", "cases.csv"),
        ("references", "references.csv"),
        ("found", "found.csv"),
        ("profiles", "profiles.txt"),
    ] {
        let path = d.join(file);
        let mut args = vec!["import", kind, path.to_str().unwrap()];
        if kind == "frequencies" {
            args.extend(["--population", "All"]);
        }
        let o = run(&data_dir, &args);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
    }
    let out = run(&data_dir, &["matches", "--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!list.is_empty());
    let mut checked = 0;
    for c in list.iter().take(6) {
        let (found, case) = (
            c["found_id"].as_str().unwrap(),
            c["case_id"].as_str().unwrap(),
        );
        let fam = d.join(format!("{found}-{case}.fam"));
        let o = run(
            &data_dir,
            &[
                "export",
                "fam",
                "--found",
                found,
                "--case",
                case,
                "-o",
                fam.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let o = reunite(&["lr", fam.to_str().unwrap(), "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        // Every pedigree against the first (the child in the family): H2 is 1/LR.
        let back = v["pedigrees"][1]["log10_lr"].as_f64().unwrap();
        let stored = c["log10_lr"].as_f64().unwrap();
        assert!(
            (back + stored).abs() <= 1e-9 * stored.abs().max(1.0),
            "{found} x {case}: registry {stored}, project {}",
            -back
        );
        checked += 1;
    }
    assert!(checked > 0);
    // The export was audited.
    let audit = run(&data_dir, &["audit", "verify"]);
    assert!(audit.status.success(), "{}", stderr(&audit));
    let _ = s;
    // An unknown candidate is a clear error.
    let o = run(
        &data_dir,
        &["export", "fam", "--found", "nobody", "--case", "none"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no such candidate"), "{}", stderr(&o));
}

/// A project laid out as Familias writes one, with the Direct/Identity
/// settings Familias puts in every project (non-zero) and a child of two
/// women: `reunite lr` computes it, each mother passing her alleles through
/// the female mutation model, and warns on stderr naming the child and both
/// parents; the LR is the hand formula.
#[test]
fn a_child_of_two_women_is_computed_with_a_warning() {
    let lines = [
        "\"Output from Familias, version 3.3.1\"",
        "\"DO NOT EDIT!\"",
        "3.3.1",
        "\"\"",
        "3",
        // A, female, 10/11; B, female, 12/12; C, male, 10/13.
        "\"A\"",
        "#FALSE#",
        "-1",
        "#FALSE#",
        "#FALSE#",
        "1",
        "0",
        "1",
        "0",
        "\"B\"",
        "#FALSE#",
        "-1",
        "#FALSE#",
        "#FALSE#",
        "1",
        "2",
        "2",
        "0",
        "\"C\"",
        "#FALSE#",
        "-1",
        "#FALSE#",
        "#TRUE#",
        "1",
        "0",
        "3",
        "0",
        "\"Known relations\"",
        "0",
        "0",
        "0",
        "2",
        "0",
        "\"Two mothers\"",
        "0",
        "0",
        "2",
        "0",
        "2",
        "1",
        "2",
        "1",
        "\"Unrelated\"",
        "0",
        "0",
        "0",
        "#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )",
        "1",
        "#TRUE#",
        "\"db\"",
        "\"L1\"",
        "0.005",
        "0.002",
        "0",
        "0",
        "4",
        "0",
        "0",
        "0",
        "0",
        "#FALSE#",
        "0",
        "4\t(DatabaseSize = 1000 , Dropout probability = 0 , Minor allele frequency = 0 )",
        "\"10\"",
        "0.1",
        "\"11\"",
        "0.2",
        "\"12\"",
        "0.3",
        "\"13\"",
        "0.4",
        "[Advanced]",
        "[[Direct/Identity]]",
        "Dropin= 0.01",
        "Dropout= 0.1",
        "Error= 0.001",
        "[[Other]]",
        "NumberOfDecimals= 10",
        "",
    ];
    let dir = tempfile::tempdir().unwrap();
    let fam = dir.path().join("two-mothers.fam");
    std::fs::write(&fam, lines.join("\r\n")).unwrap();
    let o = reunite(&[
        "lr",
        fam.to_str().unwrap(),
        "--reference",
        "Unrelated",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "warning: {}: pedigree \"Two mothers\": \"C\" has two parents of the same sex, \"A\" and \"B\" (both female)",
            fam.display()
        )),
        "{err}"
    );
    assert!(!stdout(&o).contains("warning"));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // C's 13 is a mutation of a mother's allele: equal model over 4 alleles,
    // female rate 0.005 (stay 1 - r, move r/3).
    let r: f64 = 0.005;
    let m = |from: usize, to: usize| if from == to { 1.0 - r } else { r / 3.0 };
    let from_a = |x: usize| 0.5 * (m(0, x) + m(1, x));
    let from_b = |x: usize| m(2, x);
    let want = (from_a(0) * from_b(3) + from_a(3) * from_b(0)) / (2.0 * 0.1 * 0.4);
    let lr = v["pedigrees"][0]["lr"].as_f64().unwrap();
    assert!(rel_close(lr, want, 1e-9), "{lr} {want}");
}
