use super::*;
use crate::case_file::{CaseOptions, parse_cases};

/// A paternity project as Familias 3 saves it: alleged father AF and child CH
/// typed, the mother MO untyped; H1 "AF is the father", H2 "unrelated"; two
/// markers, one without mutation, one extended stepwise; CRLF lines, Windows
/// exponents, the [Advanced] section.
fn paternity() -> String {
    let lines = [
        "\"Output from Familias, version 3.3.1\"",
        "\"DO NOT EDIT!\"",
        "3.3.1",
        "\"\"",
        "3",
        "\"AF\"",
        "#FALSE#",
        "-1",
        "#FALSE#",
        "#TRUE#",
        "2",
        "0",
        "1",
        "0",
        "0",
        "1",
        "1",
        "\"MO\"",
        "#FALSE#",
        "-1",
        "#FALSE#",
        "#FALSE#",
        "0",
        "\"CH\"",
        "#FALSE#",
        "-1",
        "#FALSE#",
        "#TRUE#",
        "2",
        "0",
        "2",
        "0",
        "0",
        "2",
        "1",
        "\"Known relations\"",
        "0",
        "0",
        "0",
        "2",
        "0",
        "\"H1\"",
        "0",
        "0",
        "2",
        "0",
        "2",
        "1",
        "2",
        "1",
        "\"H2\"",
        "0",
        "0",
        "0",
        "#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )",
        "2",
        "#TRUE#",
        "\"test\"",
        "\"L1\"",
        "0",
        "0",
        "0",
        "0",
        "3",
        "0",
        "0",
        "0",
        "0",
        "#FALSE#",
        "0",
        "3\t(DatabaseSize = 1000 , Dropout probability = 0 , Minor allele frequency = 0 )",
        "\"10\"",
        "0.2",
        "\"11\"",
        "0.3",
        "\"12\"",
        "0.5",
        "\"L2\"",
        "0.001",
        "0.002",
        "4",
        "4",
        "3",
        "0.1",
        "0.1",
        "1e-006",
        "1e-006",
        "#FALSE#",
        "0",
        "3\t(DatabaseSize = 500 , Dropout probability = 0 , Minor allele frequency = 0 )",
        "\"14\"",
        "0.25",
        "\"15\"",
        "0.25",
        "\"16\"",
        "0.5",
        "[Advanced]",
        "[[Direct/Identity]]",
        "Dropin= 0",
        "Dropout= 0",
        "Error= 0",
        "[[Other]]",
        "NumberOfDecimals= 10",
        "[[DVI]]",
        "QuickSearch= Enabled",
        "",
    ];
    lines.join("\r\n")
}

fn close(a: f64, b: f64) -> bool {
    ((a - b) / b).abs() < 1e-12
}

#[test]
fn reads_a_paternity_project() {
    let p = parse_fam("paternity.fam", paternity().as_bytes()).unwrap();
    assert_eq!(p.version, "3.3.1");
    assert_eq!(p.database_name.as_deref(), Some("test"));
    assert_eq!(p.pedigrees.len(), 2);
    assert_eq!(p.pedigree_index("H2"), Some(1));
    assert_eq!(p.database_sizes, vec![Some(1000), Some(500)]);
    assert_eq!(p.typed.len(), 2);
    assert_eq!(
        p.persons,
        vec![
            ("AF".to_string(), Sex::Male),
            ("MO".to_string(), Sex::Female),
            ("CH".to_string(), Sex::Male)
        ]
    );
    let m = p.markers[1].mutation().unwrap();
    assert_eq!(
        *m,
        MutationModel {
            kind: MutationKind::Stepwise {
                range: 0.1,
                rate2: 1e-6
            },
            rate_male: 0.002,
            rate_female: 0.001,
            female_kind: None,
        }
    );
    assert!(p.markers[0].mutation().is_none());

    let r = p.case(0, 1).evaluate().unwrap();
    // L1: AF 10/11, CH 10/12, no mutation: LR = 1 / (4 p10) = 1.25.
    assert!(close(r.markers[0].lr, 1.25), "{}", r.markers[0].lr);
    // L2: AF 14/15, CH 14/16 (stepwise with mutation): the paternal 14 is
    // passed unchanged or the 15 mutates one step down; the child's 16 can be
    // maternal (p16) or the father's allele mutated to 16 with 14 maternal.
    // Stepwise rows over alleles 14, 15, 16: the other alleles get 0.1^|d|,
    // scaled to the rate (one microvariant group, so rate2 plays no part).
    let step = |rate: f64, from: f64, to: f64| -> f64 {
        let total: f64 = [14.0, 15.0, 16.0]
            .iter()
            .filter(|&&a| a != from)
            .map(|&a: &f64| 0.1f64.powf((a - from).abs()))
            .sum();
        if from == to {
            1.0 - rate
        } else {
            rate * 0.1f64.powf((to - from).abs()) / total
        }
    };
    let freq = [(14.0, 0.25), (15.0, 0.25), (16.0, 0.5)];
    // Paternal allele: AF's 14 or 15 through the male matrix (0.002).
    let paternal = |to: f64| 0.5 * (step(0.002, 14.0, to) + step(0.002, 15.0, to));
    // Maternal allele: the untyped mother's founder allele through the female matrix (0.001).
    let maternal = |to: f64| {
        freq.iter()
            .map(|&(a, p)| p * step(0.001, a, to))
            .sum::<f64>()
    };
    let h1 = paternal(14.0) * maternal(16.0) + paternal(16.0) * maternal(14.0);
    let h2 = 2.0 * 0.25 * 0.5;
    assert!(
        close(r.markers[1].lr, h1 / h2),
        "{} {}",
        r.markers[1].lr,
        h1 / h2
    );

    // Against the first pedigree: H2 / H1.
    let back = p.case(1, 0).evaluate().unwrap();
    assert!((back.log10_lr + r.log10_lr).abs() < 1e-12);
}

/// Every worked example of data/kinship-cases, written as a Familias project
/// and read back, gives the same LR per marker to 1e-12.
#[test]
fn worked_examples_round_trip_through_fam() {
    let text = include_str!("../../../../data/kinship-cases/cases.json");
    let cases = parse_cases("cases.json", text, CaseOptions::default()).unwrap();
    assert_eq!(cases.len(), 32);
    for c in &cases {
        let name = c.name.clone().unwrap();
        let want = c.case.evaluate().unwrap();
        let written = write_fam(&c.case, &FamWriteOptions::default()).unwrap();
        let p = parse_fam("x.fam", written.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(p.pedigrees[0].name, "H1");
        assert_eq!(p.theta, c.case.theta, "{name}");
        let got = p.case(0, 1).evaluate().unwrap();
        assert_eq!(p.markers.len(), c.case.markers.len(), "{name}");
        assert_eq!(got.markers.len(), want.markers.len(), "{name}");
        for (g, w) in got.markers.iter().zip(&want.markers) {
            assert_eq!(g.name, w.name);
            assert!(
                g.lr == w.lr || ((g.lr - w.lr) / w.lr).abs() < 1e-12,
                "{name} {}: {} vs {}",
                w.name,
                g.lr,
                w.lr
            );
        }
        // Written again, the same text.
        let again = write_fam(&p.case(0, 1), &FamWriteOptions::default()).unwrap();
        let p2 = parse_fam("y.fam", again.as_bytes()).unwrap();
        assert_eq!(p2.typed, p.typed, "{name}");
        assert_eq!(p2.markers.len(), p.markers.len(), "{name}");
        for (a, b) in p2.markers.iter().zip(&p.markers) {
            assert_eq!(a.frequencies().alleles(), b.frequencies().alleles());
            for (x, y) in a
                .frequencies()
                .frequencies()
                .iter()
                .zip(b.frequencies().frequencies())
            {
                assert!((x - y).abs() <= 1e-15 * y, "{name}");
            }
            assert_eq!(a.mutation(), b.mutation());
        }
    }
}

#[test]
fn different_models_per_sex_and_latin1_names() {
    let text = paternity().replace("\"CH\"", "\"Jos\u{e9}\"").replace(
        "\"L2\"\r\n0.001\r\n0.002\r\n4\r\n4",
        "\"L2\"\r\n0.001\r\n0.002\r\n1\r\n4",
    );
    let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let p = parse_fam("p.fam", &latin1).unwrap();
    assert_eq!(p.persons[2].0, "Jos\u{e9}");
    let m = p.markers[1].mutation().unwrap();
    assert_eq!(m.female_kind, Some(MutationKind::Proportional));
    assert!(matches!(m.kind, MutationKind::Stepwise { .. }));
    // Written and read back: the same models.
    let w = write_fam(&p.case(0, 1), &FamWriteOptions::default()).unwrap();
    let q = parse_fam("q.fam", w.as_bytes()).unwrap();
    assert_eq!(q.markers[1].mutation(), Some(m));
    assert_eq!(
        q.case(0, 1).evaluate().unwrap().log10_lr,
        p.case(0, 1).evaluate().unwrap().log10_lr
    );
}

#[test]
fn one_parent_gets_an_untyped_partner() {
    // H1 names only the father: the mother is added as an untyped founder.
    let text = paternity().replace(
        "\"H1\"\r\n0\r\n0\r\n2\r\n0\r\n2\r\n1\r\n2",
        "\"H1\"\r\n0\r\n0\r\n1\r\n0\r\n2",
    );
    let p = parse_fam("p.fam", text.as_bytes()).unwrap();
    let h1 = &p.pedigrees[0].pedigree;
    assert_eq!(h1.len(), 4);
    let full = parse_fam("q.fam", paternity().as_bytes()).unwrap();
    assert!(
        (p.case(0, 1).evaluate().unwrap().log10_lr - full.case(0, 1).evaluate().unwrap().log10_lr)
            .abs()
            < 1e-12
    );
}

fn err(text: &str) -> FormatError {
    parse_fam("p.fam", text.as_bytes()).unwrap_err()
}

#[test]
fn what_reunite_does_not_model_is_refused() {
    let base = paternity();
    let silent = base.replacen("#FALSE#\r\n0\r\n3\t", "#TRUE#\r\n0.01\r\n3\t", 1);
    let e = err(&silent);
    assert!(e.reason.contains("silent allele"), "{e}");
    assert_eq!(e.location.line, Some(69));

    let e = err(&base.replacen("Dropout probability = 0", "Dropout probability = 0.05", 1));
    assert!(e.reason.contains("dropout"), "{e}");

    let e = err(&base
        .replace("[[Direct/Identity]]", "[[Other]]")
        .replace("Dropin= 0", "Dropin= 0.01"));
    assert!(e.reason.contains("drop-in"), "{e}");

    let e = err(&base.replace(
        "\"L2\"\r\n0.001\r\n0.002\r\n4\r\n4",
        "\"L2\"\r\n0.001\r\n0.002\r\n3\r\n3",
    ));
    assert!(e.reason.contains("stationary stepwise"), "{e}");

    let e = err(&base.replace("[Advanced]", "[DVI]"));
    assert!(e.reason.contains("DVI"), "{e}");
    assert_eq!(e.location.line, Some(97), "{e}");

    let e = err(&base.replace("#FALSE# (#Databases", "#TRUE# (#Databases"));
    assert!(e.reason.contains("precomputed"), "{e}");

    let e = err(&base.replace(
        "\"H1\"\r\n0\r\n0\r\n2\r\n0\r\n2",
        "\"H1\"\r\n0\r\n0\r\n2\r\n0 Direct\r\n2",
    ));
    assert!(e.reason.contains("twins"), "{e}");
}

#[test]
fn broken_files_name_the_line_and_field() {
    let base = paternity();
    let e = err("{\"name\": 1}");
    assert!(e.reason.contains("not a Familias project"), "{e}");

    // Truncated in the database.
    let cut: String = base.split("\r\n").take(80).collect::<Vec<_>>().join("\r\n");
    let e = err(&cut);
    assert!(e.reason.contains("ends"), "{e}");
    assert_eq!(e.location.line, Some(81));
    // The same cut after its last line end: the file has 80 lines, and
    // what is missing is on line 81, not on an empty line 81 read first.
    let e = err(&format!("{cut}\r\n"));
    assert!(e.reason.contains("ends"), "{e}");
    assert_eq!(e.location.line, Some(81));

    // Allele index beyond the marker's list (AF's first allele at L1).
    let lines: Vec<&str> = base.split("\r\n").collect();
    let mut bad = lines.clone();
    bad[11] = "7";
    let e = err(&bad.join("\r\n"));
    assert_eq!(e.location.line, Some(12));
    assert!(e.reason.contains("allele index 7"), "{e}");

    // A frequency that is not a number.
    let at = lines.iter().position(|l| *l == "0.3").unwrap();
    let mut bad = lines.clone();
    bad[at] = "abc";
    let e = err(&bad.join("\r\n"));
    assert_eq!(e.location.line, Some(at + 1));
    assert_eq!(e.location.field.as_deref(), Some("frequency"));

    // Off-ladder allele names are not alleles.
    let e = err(&base.replace("\"12\"", "\"OL\""));
    assert!(e.reason.contains("OL"), "{e}");

    // Frequencies far from summing to 1.
    let e = err(&base.replace("\"12\"\r\n0.5", "\"12\"\r\n0.9"));
    assert!(e.reason.contains("sum"), "{e}");
}

/// The LRs pedprobr computed for the project pedFamilias wrote
/// (`data/fam-pedfamilias/results.csv`, made by `make.R` there): per pedigree,
/// the markers in file order with their LR against H2, and the total.
struct RResults {
    pedigrees: Vec<RPedigree>,
}

/// A pedigree's name, its (marker, LR) in file order, its total LR.
type RPedigree = (String, Vec<(String, f64)>, f64);

fn r_results(csv: &str) -> RResults {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("pedigree,marker,likelihood,lr_vs_H2"),
        "results.csv header"
    );
    let mut pedigrees: Vec<RPedigree> = Vec::new();
    for l in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 4, "{l}");
        let lr: f64 = f[3].parse().unwrap();
        let i = match pedigrees.iter().position(|p| p.0 == f[0]) {
            Some(i) => i,
            None => {
                pedigrees.push((f[0].to_string(), Vec::new(), f64::NAN));
                pedigrees.len() - 1
            }
        };
        if f[1] == "(total)" {
            pedigrees[i].2 = lr;
        } else {
            pedigrees[i].1.push((f[1].to_string(), lr));
        }
    }
    RResults { pedigrees }
}

/// A project written by pedFamilias (the pedsuite's Familias writer, in R),
/// not by Reunite, from NIST public-domain data: 8 persons, four pedigrees
/// (trio, unrelated, paternal and maternal grandfather), 12 markers of 8 to
/// 53 alleles, female and male mutation models that differ in kind and rate,
/// one marker without a model, a paternal and a maternal mutation. Every
/// pedigree's LR against H2, per marker and in total, is the one pedprobr
/// computed for the objects written, to 1e-9; and every marker of the file is
/// read. A misreading Reunite's writer shares with its reader (the female and
/// male columns, the model codes) fails here.
#[test]
fn a_project_written_by_pedfamilias_gives_the_lrs_of_pedprobr() {
    let text = include_str!("../../../../data/fam-pedfamilias/trio-grandfather.fam");
    let want = r_results(include_str!("../../../../data/fam-pedfamilias/results.csv"));
    let p = parse_fam("trio-grandfather.fam", text.as_bytes()).unwrap();

    // The markers the file holds: its declared count (the line after the
    // database header), and its marker records (one info line each).
    let lines: Vec<&str> = text.lines().collect();
    let db = lines
        .iter()
        .position(|l| l.starts_with("#FALSE# (#Databases"))
        .unwrap();
    let declared: usize = lines[db + 1].trim().parse().unwrap();
    let records = lines
        .iter()
        .filter(|l| l.contains("(DatabaseSize ="))
        .count();
    assert_eq!(records, declared);
    assert_eq!(p.markers.len(), declared);
    assert_eq!(p.typed.len(), 3);
    for t in &p.typed {
        assert_eq!(t.genotypes.len(), declared, "{}", t.id);
        assert!(t.genotypes.iter().all(Option::is_some), "{}", t.id);
    }

    let h2 = p.pedigree_index("H2").expect("a pedigree H2");
    assert_eq!(p.pedigrees.len(), want.pedigrees.len());
    for (name, markers, total) in &want.pedigrees {
        let k = p
            .pedigree_index(name)
            .unwrap_or_else(|| panic!("no pedigree {name}"));
        let got = p.case(k, h2).evaluate().unwrap();
        assert_eq!(got.markers.len(), markers.len(), "{name}");
        assert_eq!(got.markers.len(), declared, "{name}");
        for (g, (m, lr)) in got.markers.iter().zip(markers) {
            assert_eq!(&g.name, m, "{name}");
            assert!(
                ((g.lr - lr) / lr).abs() <= 1e-9,
                "{name} {m}: Reunite {} pedprobr {lr}",
                g.lr
            );
        }
        let lr = 10f64.powf(got.log10_lr);
        assert!(
            ((lr - total) / total).abs() <= 1e-9,
            "{name}: Reunite {lr} pedprobr {total}"
        );
    }
}

/// A DVI project as Familias writes it: persons (here seven), no pedigree
/// before the database, and the families and unidentified persons in a
/// `[DVI]` section after it. Refused at the `[DVI]` line, naming the
/// section, never as "database-only".
#[test]
fn a_dvi_project_is_refused_at_its_dvi_section() {
    let mut lines: Vec<String> = vec![
        "\"Output from Familias, version 3.3.1\"".into(),
        "\"DO NOT EDIT!\"".into(),
        "3.3.1".into(),
        "\"\"".into(),
        "7".into(),
    ];
    for i in 1..=7 {
        lines.extend(
            [
                &format!("\"P{i}\""),
                "#FALSE#",
                "-1",
                "#FALSE#",
                "#TRUE#",
                "0",
            ]
            .map(String::from),
        );
    }
    lines.extend(["\"Known relations\"", "0", "0", "0", "0"].map(String::from));
    let text = paternity();
    let db = text.find("#FALSE# (#Databases").unwrap();
    let advanced = text.find("[Advanced]").unwrap();
    lines.extend(text[db..advanced].lines().map(String::from));
    let dvi_line = lines.len() + 1;
    lines.extend(
        [
            "[DVI]",
            "[[Unidentified persons]]",
            "\"P1\"",
            "[[Reference Families]]",
            "1",
            "\"F1\"",
        ]
        .map(String::from),
    );
    lines.extend(text[advanced..].lines().map(String::from));
    for end in ["\n", "\r\n"] {
        let e = err(&lines.join(end));
        assert_eq!(e.location.line, Some(dvi_line), "{e}");
        assert_eq!(e.location.field.as_deref(), Some("[DVI]"), "{e}");
        assert!(e.reason.contains("DVI project"), "{e}");
        assert!(!e.reason.contains("database"), "{e}");
    }
    // Without the section, seven persons and no pedigree are not called a
    // database-only file, and a file with no persons is.
    let no_dvi: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("[DVI]"))
        .collect();
    let e = err(&no_dvi.join("\n"));
    assert!(e.reason.contains("7 persons but no pedigrees"), "{e}");
    assert_eq!(e.location.line, Some(5 + 7 * 6 + 5), "{e}");
}

/// A project reads the same with LF, CRLF (as Familias writes) or CR (old
/// Mac) line ends, and a truncated one is refused at the same line.
#[test]
fn a_project_reads_alike_with_every_line_end() {
    let crlf = paternity();
    let want = parse_fam("p.fam", crlf.as_bytes()).unwrap();
    let lr = want.case(0, 1).evaluate().unwrap().log10_lr;
    for end in ["\n", "\r"] {
        let text = crlf.replace("\r\n", end);
        let p = parse_fam("p.fam", text.as_bytes()).unwrap();
        assert_eq!(p.persons, want.persons, "{end:?}");
        assert_eq!(p.typed, want.typed, "{end:?}");
        assert_eq!(p.pedigrees.len(), 2);
        assert_eq!(p.case(0, 1).evaluate().unwrap().log10_lr, lr, "{end:?}");
        let cut: Vec<&str> = text.split(end).take(80).collect();
        let e = err(&cut.join(end));
        assert_eq!(e.location.line, Some(81), "{end:?}: {e}");
    }
}

/// A person of a project: name, male, "Consider dropouts", genotypes as
/// (allele index, allele index, marker index).
type FamPerson<'a> = (&'a str, bool, bool, &'a [(usize, usize, usize)]);

/// A marker of a project: name, female and male rate, female and male model
/// code, alleles and frequencies, dropout probability.
type FamMarker<'a> = (&'a str, f64, f64, u8, u8, &'a [(&'a str, f64)], f64);

/// A project laid out as Familias 3.3.1 writes one (CRLF lines), with the
/// given lines after the database (its `[Advanced]` section, or none).
fn project_text(
    persons: &[FamPerson],
    pedigrees: &[(&str, &[(usize, usize)])],
    markers: &[FamMarker],
    advanced: &[&str],
) -> String {
    let mut l: Vec<String> = [
        "\"Output from Familias, version 3.3.1\"",
        "\"DO NOT EDIT!\"",
        "3.3.1",
        "\"\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let flag = |b: bool| if b { "#TRUE#" } else { "#FALSE#" }.to_string();
    l.push(persons.len().to_string());
    for (name, male, dropout, gs) in persons {
        l.push(format!("\"{name}\""));
        l.push(flag(false));
        l.push(
            if *dropout {
                "-1 (Consider dropouts)"
            } else {
                "-1"
            }
            .to_string(),
        );
        l.push(flag(false));
        l.push(flag(*male));
        l.push(gs.len().to_string());
        for (a, b, m) in *gs {
            l.extend([a.to_string(), b.to_string(), m.to_string()]);
        }
    }
    l.extend(["\"Known relations\"", "0", "0", "0"].map(String::from));
    l.push(pedigrees.len().to_string());
    for (i, (name, rels)) in pedigrees.iter().enumerate() {
        l.extend([i.to_string(), format!("\"{name}\""), "0".into(), "0".into()]);
        l.push(rels.len().to_string());
        for (p, c) in *rels {
            l.extend([p.to_string(), c.to_string()]);
        }
    }
    l.push("#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )".into());
    l.push(markers.len().to_string());
    l.extend(["#TRUE#", "\"db\""].map(String::from));
    for (name, rf, rm, cf, cm, alleles, dropout) in markers {
        l.push(format!("\"{name}\""));
        l.extend([
            rf.to_string(),
            rm.to_string(),
            cf.to_string(),
            cm.to_string(),
        ]);
        l.push(alleles.len().to_string());
        l.extend(["0.1", "0.1", "1e-006", "1e-006", "#FALSE#", "0"].map(String::from));
        l.push(format!(
            "{}\t(DatabaseSize = 1000 , Dropout probability = {dropout} , Minor allele frequency = 0 )",
            alleles.len()
        ));
        for (a, f) in *alleles {
            l.extend([format!("\"{a}\""), f.to_string()]);
        }
    }
    l.extend(advanced.iter().map(|s| s.to_string()));
    l.push(String::new());
    l.join("\r\n")
}

/// The `[Advanced]` section as Familias writes it into every project, with
/// its Direct/Identity defaults (drop-in 0.01, dropout 0.1, error 0.001).
const ADVANCED: [&str; 13] = [
    "[Advanced]",
    "[[Direct/Identity]]",
    "Dropin= 0.01",
    "Dropout= 0.1",
    "Error= 0.001",
    "[[Other]]",
    "NumberOfDecimals= 10",
    "[[DVI]]",
    "QuickSearch= Enabled",
    "AllowedMismatches= 5",
    "[[Simulation]]",
    "SaveGenotypes= Enabled",
    "SaveComplete= Disabled",
];

const L1: [(&str, f64); 4] = [("10", 0.1), ("11", 0.2), ("12", 0.3), ("13", 0.4)];
const L2: [(&str, f64); 3] = [("14", 0.25), ("15", 0.25), ("16", 0.5)];

/// Seven hypotheses about two women V1 and V2, a man R and a woman EF (as in
/// the dvir book's Table 4.4, whose Familias project carries the
/// Direct/Identity settings): the project with Familias's `[Advanced]`
/// section, non-zero Direct/Identity values and persons marked "Consider
/// dropouts" (all markers at dropout 0) gives every LR of the project
/// without them, and the hand-computed ones.
#[test]
fn direct_identity_settings_and_zero_dropout_change_no_lr() {
    let persons = |consider: bool| -> Vec<FamPerson<'static>> {
        vec![
            ("V1", false, consider, &[(0, 2, 0), (0, 2, 1)]),
            ("V2", false, consider, &[(2, 3, 0), (2, 2, 1)]),
            ("R", true, false, &[(0, 1, 0), (0, 1, 1)]),
            ("EF", false, false, &[]),
        ]
    };
    let pedigrees: [(&str, &[(usize, usize)]); 7] = [
        ("H1", &[(2, 0), (0, 1)]),
        ("H2", &[(2, 0)]),
        ("H3", &[(2, 3), (3, 0)]),
        ("H4", &[(2, 3), (3, 1)]),
        ("H5", &[]),
        ("H6", &[(2, 1)]),
        ("H7", &[(2, 1), (1, 0)]),
    ];
    let markers: [FamMarker; 2] = [
        ("L1", 0.0, 0.0, 0, 0, &L1, 0.0),
        ("L2", 0.001, 0.002, 4, 4, &L2, 0.0),
    ];
    let plain = parse_fam(
        "plain.fam",
        project_text(&persons(false), &pedigrees, &markers, &[]).as_bytes(),
    )
    .unwrap();
    let familias = parse_fam(
        "familias.fam",
        project_text(&persons(true), &pedigrees, &markers, &ADVANCED).as_bytes(),
    )
    .unwrap();
    assert_eq!(familias.pedigrees.len(), 7);
    assert!(familias.warnings().is_empty());
    for h in 0..7 {
        let a = plain.case(h, 4).evaluate().unwrap();
        let b = familias.case(h, 4).evaluate().unwrap();
        assert_eq!(a.log10_lr, b.log10_lr, "H{}", h + 1);
        for (x, y) in a.markers.iter().zip(&b.markers) {
            assert_eq!(x.lr, y.lr, "H{} {}", h + 1, x.name);
        }
    }
    // L1 without mutation, against H5 (all unrelated): R 10/11, V1 10/12,
    // V2 12/13. H2: R fathers V1's 10, LR 1/(4 p10) = 2.5. H1: and V1's 12
    // goes to V2, 1/(4 p12) more. H6: R and V2 share nothing: 0.
    let l1 = |h: usize| familias.case(h, 4).evaluate().unwrap().markers[0].lr;
    assert!(close(l1(1), 2.5), "{}", l1(1));
    assert!(close(l1(0), 2.5 / 1.2), "{}", l1(0));
    assert_eq!(l1(5), 0.0);
}

/// A marker's dropout probability above 0 is real dropout: refused at the
/// marker's line, with the persons marked "Consider dropouts"; so are
/// drop-in, dropout and error outside the Direct/Identity section.
#[test]
fn real_dropout_is_refused_at_its_line() {
    let persons: [FamPerson; 2] = [
        ("A", true, true, &[(0, 1, 0)]),
        ("B", false, false, &[(0, 0, 0)]),
    ];
    let peds: [(&str, &[(usize, usize)]); 2] = [("H1", &[(0, 1)]), ("H2", &[])];
    let text = project_text(
        &persons,
        &peds,
        &[("L1", 0.0, 0.0, 0, 0, &L1, 0.05)],
        &ADVANCED,
    );
    let e = err(&text);
    let line = text
        .split("\r\n")
        .position(|l| l.contains("DatabaseSize"))
        .unwrap()
        + 1;
    assert_eq!(e.location.line, Some(line), "{e}");
    assert_eq!(e.location.field.as_deref(), Some("Dropout probability"));
    assert!(
        e.reason.contains("marker L1 has dropout probability 0.05")
            && e.reason.contains("\"Consider dropouts\": \"A\""),
        "{e}"
    );

    let elsewhere = project_text(
        &persons,
        &peds,
        &[("L1", 0.0, 0.0, 0, 0, &L1, 0.0)],
        &ADVANCED,
    )
    .replace("[[Direct/Identity]]", "[[Kinship]]");
    let e = err(&elsewhere);
    assert_eq!(e.location.field.as_deref(), Some("Dropin"), "{e}");
    assert!(e.reason.contains("Dropin = 0.01"), "{e}");
}

/// Two women (or two men) as the parents of a child, as Familias allows:
/// computed with each parent's own mutation rate, with a warning naming the
/// child and both parents; the LR against "unrelated" is the hand formula.
#[test]
fn a_child_of_two_parents_of_one_sex() {
    // A 10/11 and B 12/12 parents of C 10/13: C's 13 must be a mutation.
    // Equal model over 4 alleles: stay 1 - r, move r/3; female rate 0.005,
    // male 0.002.
    for (male, rate) in [(false, 0.005), (true, 0.002)] {
        let gs: [&[(usize, usize, usize)]; 3] = [&[(0, 1, 0)], &[(2, 2, 0)], &[(0, 3, 0)]];
        let persons: [FamPerson; 3] = [
            ("A", male, false, gs[0]),
            ("B", male, false, gs[1]),
            ("C", false, false, gs[2]),
        ];
        let peds: [(&str, &[(usize, usize)]); 2] = [("H1", &[(0, 2), (1, 2)]), ("H2", &[])];
        let text = project_text(
            &persons,
            &peds,
            &[("L1", 0.005, 0.002, 0, 0, &L1, 0.0)],
            &ADVANCED,
        );
        let p = parse_fam("p.fam", text.as_bytes()).unwrap();
        let sex = if male { "male" } else { "female" };
        assert_eq!(
            p.warnings(),
            vec![format!(
                "pedigree \"H1\": \"C\" has two parents of the same sex, \"A\" and \"B\" (both {sex}); computed as Familias does, each parent passing its alleles through the mutation model of its own sex"
            )]
        );
        let m = |from: usize, to: usize| if from == to { 1.0 - rate } else { rate / 3.0 };
        let from_a = |x: usize| 0.5 * (m(0, x) + m(1, x));
        let from_b = |x: usize| m(2, x);
        let h1 = from_a(0) * from_b(3) + from_a(3) * from_b(0);
        let h2 = 2.0 * 0.1 * 0.4;
        let lr = p.case(0, 1).evaluate().unwrap().lr();
        assert!(
            ((lr - h1 / h2) / (h1 / h2)).abs() < 1e-9,
            "{lr} {}",
            h1 / h2
        );
    }

    // A third parent is an error at its relation's line.
    let persons: [FamPerson; 4] = [
        ("A", false, false, &[]),
        ("B", false, false, &[]),
        ("D", true, false, &[]),
        ("C", false, false, &[(0, 0, 0)]),
    ];
    let peds: [(&str, &[(usize, usize)]); 2] = [("H1", &[(0, 3), (1, 3), (2, 3)]), ("H2", &[])];
    let text = project_text(&persons, &peds, &[("L1", 0.0, 0.0, 0, 0, &L1, 0.0)], &[]);
    let e = err(&text);
    assert!(
        e.reason
            .contains("\"C\" is given a third parent, \"D\", besides \"A\" and \"B\""),
        "{e}"
    );
    let line = text.split("\r\n").position(|l| l == "\"H1\"").unwrap() + 1 + 8;
    assert_eq!(e.location.line, Some(line), "{e}");
}
