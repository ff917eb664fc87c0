//! Hostile input for every reader of `formats`: arbitrary text, token soup made
//! of each format's own words, and structure-aware mutations of valid files
//! (see `fuzz/mutate.rs`). Every input must give either the content, checked
//! against the reader's promises, or a [`FormatError`] that names the file, a
//! line within the file or a JSON path, and a non-empty reason. A panic fails
//! the test (proptest catches it and shrinks the input).
//!
//! The counts are constants (what CI runs; `REUNITE_FUZZ_SCALE=N` multiplies
//! them for a longer search); `cargo test -p formats --test fuzz -- --nocapture`
//! prints them per target.

#[path = "fuzz/mutate.rs"]
mod mutate;

use std::cell::Cell;
use std::fmt::Debug;

use formats::FormatError;
use formats::case_file::{CaseOptions, parse_cases};
use formats::frequencies::parse_frequencies;
use formats::genotypes::parse_genotypes;
use formats::markers::{canonical_marker, is_amelogenin, marker_set};
use formats::registry_csv::{self, Date};
use kinship::Allele;
use mutate::{garbage, hostile_value, mutated, mutated_json, token_soup};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

/// Inputs of arbitrary text per target.
pub const ARBITRARY_INPUTS: u32 = 400;
/// Inputs of token soup per target.
pub const SOUP_INPUTS: u32 = 400;
/// Mutations of valid files per target.
pub const MUTATED_INPUTS: u32 = 1500;
/// Inputs of the small parsers (marker names, alleles, dates).
pub const NAME_INPUTS: u32 = 3000;
/// The longest error message accepted (a reader must not echo a whole file).
const MESSAGE_MAX_CHARS: usize = 800;

fn data(path: &str) -> String {
    let full = format!("{}/../../data/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// What one input gave.
enum Outcome {
    Accepted,
    Refused { whole_file: bool },
}

/// Runs `cases` inputs of `strategy` through `check`, failing on the first
/// broken promise or panic (after shrinking), and prints the counts.
fn fuzz<S: Strategy>(
    target: &str,
    cases: u32,
    strategy: S,
    check: impl Fn(&S::Value) -> Result<Outcome, TestCaseError>,
) where
    S::Value: Debug,
{
    let mut runner = TestRunner::new(Config {
        cases: mutate::scaled(cases),
        failure_persistence: None,
        ..Config::default()
    });
    let (accepted, refused, whole) = (Cell::new(0u32), Cell::new(0u32), Cell::new(0u32));
    let start = std::time::Instant::now();
    let result = runner.run(&strategy, |input| {
        match check(&input)? {
            Outcome::Accepted => accepted.set(accepted.get() + 1),
            Outcome::Refused { whole_file } => {
                refused.set(refused.get() + 1);
                if whole_file {
                    whole.set(whole.get() + 1);
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("fuzz target {target}: {e}");
    }
    eprintln!(
        "fuzz {target}: {} inputs, {} accepted, {} refused ({} about the whole file), {:.1} s",
        accepted.get() + refused.get(),
        accepted.get(),
        refused.get(),
        whole.get(),
        start.elapsed().as_secs_f64()
    );
}

/// The promises of an error: it names the file, a line of the text (or a JSON
/// path, or the file as a whole), and says why, briefly.
fn check_error(file: &str, text: &str, e: &FormatError) -> Result<Outcome, TestCaseError> {
    let shown = e.to_string();
    prop_assert!(
        shown.starts_with(&format!("{file}:")),
        "the error does not start with the file name: {shown}"
    );
    prop_assert!(!e.reason.trim().is_empty(), "empty reason: {shown}");
    prop_assert!(
        shown.chars().count() <= MESSAGE_MAX_CHARS,
        "a message of {} characters: {}...",
        shown.chars().count(),
        shown.chars().take(200).collect::<String>()
    );
    // A lone carriage return ends a line too (XML says so, and the
    // Familias reader reads old Mac files).
    let lines = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .count()
        .max(1);
    if let Some(line) = e.location.line {
        prop_assert!(
            (1..=lines + 1).contains(&line),
            "line {line} of a text of {lines} lines: {shown}"
        );
    }
    if let Some(path) = &e.location.path {
        prop_assert!(path.starts_with('$'), "not a JSON path: {shown}");
    }
    if let Some(field) = &e.location.field {
        prop_assert!(!field.trim().is_empty(), "an empty field name: {shown}");
    }
    Ok(Outcome::Refused {
        whole_file: e.location.line.is_none() && e.location.path.is_none(),
    })
}

// ---------------------------------------------------------------------------
// Kinship case files

fn case_seeds() -> Vec<Value> {
    let all: Vec<Value> = serde_json::from_str(&data("kinship-cases/cases.json")).unwrap();
    let mut seeds: Vec<Value> = all
        .into_iter()
        .filter(|c| c.to_string().len() < 2000)
        .collect();
    for example in [
        "examples/trio-with-mutation.json",
        "examples/aunt-and-grandmother.json",
    ] {
        seeds.push(serde_json::from_str(&data(example)).unwrap());
    }
    // A file of several cases.
    seeds.push(Value::Array(seeds[..3].to_vec()));
    seeds
}

/// Reads a case file; an accepted small case is also evaluated, which must
/// give an LR that is a number, or an error.
fn check_case_file(text: &str, min_frequency: Option<f64>) -> Result<Outcome, TestCaseError> {
    let file = "case.json";
    let cases = match parse_cases(file, text, CaseOptions { min_frequency }) {
        Ok(cases) => cases,
        Err(e) => return check_error(file, text, &e),
    };
    for c in &cases {
        prop_assert!((0.0..1.0).contains(&c.case.theta));
        for m in &c.case.markers {
            let f = m.frequencies().frequencies();
            let sum: f64 = f.iter().sum();
            prop_assert!((sum - 1.0).abs() < 1e-9, "{}: sum {sum}", m.name());
            prop_assert!(f.iter().all(|x| *x > 0.0 && *x <= 1.0));
        }
        let small = c.case.markers.len() <= 4
            && c.case.h1.persons().len() <= 10
            && c.case.h2.persons().len() <= 10;
        if small {
            match c.case.evaluate() {
                Ok(r) => prop_assert!(!r.log10_lr.is_nan(), "an LR that is not a number"),
                Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
            }
        }
    }
    Ok(Outcome::Accepted)
}

#[test]
fn case_files() {
    // `reunite lr` refuses a minimum frequency outside (0, 1) before reading.
    let min_frequency = prop_oneof![
        3 => Just(None),
        1 => Just(Some(0.001)),
        1 => prop_oneof![Just(5e-324), Just(1e-300), Just(0.999_999), 1e-9..1.0f64].prop_map(Some),
    ];
    fuzz(
        "case files, arbitrary text",
        ARBITRARY_INPUTS,
        garbage(),
        |t| check_case_file(t, None),
    );
    const WORDS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        ",",
        "\"name\"",
        "\"markers\"",
        "\"alleles\"",
        "\"frequencies\"",
        "\"mutation\"",
        "\"model\"",
        "\"stepwise\"",
        "\"hypotheses\"",
        "\"H1\"",
        "\"H2\"",
        "\"id\"",
        "\"sex\"",
        "\"father\"",
        "\"mother\"",
        "\"genotypes\"",
        "\"theta\"",
        "\"L1\"",
        "\"AF\"",
        "\"CH\"",
        "\"male\"",
        "\"12\"",
        "0.5",
        "1",
        "null",
        "1e400",
        "-0",
        "\"\\u0000\"",
        "\"\\ud800\"",
    ];
    fuzz(
        "case files, token soup",
        SOUP_INPUTS,
        token_soup(WORDS, &[" ", "\n", ","]),
        |t| check_case_file(t, None),
    );
    fuzz(
        "case files, mutated",
        MUTATED_INPUTS,
        (mutated_json(case_seeds()), min_frequency),
        |(t, min)| check_case_file(t, *min),
    );
}

// ---------------------------------------------------------------------------
// Frequency tables

fn frequency_seeds() -> Vec<String> {
    let list = |path: &str, markers: usize| {
        data(path)
            .split("\n\n")
            .take(markers)
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let nist = data("nist1036/frequencies.csv");
    let mut lines = nist.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines
        .filter(|l| {
            (l.starts_with("All,") || l.starts_with("AfAm,"))
                && ["TH01", "Penta D"]
                    .iter()
                    .any(|m| l.contains(&format!(",{m},")))
        })
        .collect();
    let only_all: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|l| l.starts_with("All,"))
        .collect();
    vec![
        list("norstr/Norsk.txt", 4),
        list("norstr/Europa.txt", 3).replace('\n', "\r\n"),
        format!("{header}\n{}\n", rows.join("\n")),
        format!("{header}\n{}\n", only_all.join("\n")),
        "locus,allele,frequency\nTH01,6,0.25\nTH01,7,0.25\nTH01,9.3,0.5\n".into(),
        "marker\tallele\tfrequency\nvWA\t14\t0.5\nvWA\t15\t0.5\n".into(),
    ]
}

fn check_frequencies(text: &str, population: Option<&str>) -> Result<Outcome, TestCaseError> {
    let file = "freq.txt";
    match parse_frequencies(file, text, population) {
        Ok(db) => {
            prop_assert!(!db.markers().is_empty());
            for m in db.markers() {
                prop_assert!(!m.name().trim().is_empty());
                let f = m.frequencies();
                let sum: f64 = f.iter().sum();
                prop_assert!((sum - 1.0).abs() < 1e-9, "{}: sum {sum}", m.name());
                prop_assert!(f.iter().all(|x| x.is_finite() && *x > 0.0 && *x <= 1.0));
            }
            Ok(Outcome::Accepted)
        }
        Err(e) => check_error(file, text, &e),
    }
}

#[test]
fn frequency_tables() {
    let population = prop_oneof![
        4 => Just(None),
        2 => Just(Some("All".to_string())),
        1 => Just(Some("AfAm".to_string())),
        1 => hostile_value().prop_map(Some),
    ];
    fuzz(
        "frequency tables, arbitrary text",
        ARBITRARY_INPUTS,
        garbage(),
        |t| check_frequencies(t, None),
    );
    const WORDS: &[&str] = &[
        "locus",
        "marker",
        "allele",
        "frequency",
        "population",
        "count",
        "All",
        "AfAm",
        "TH01",
        "vWA",
        "D3S1358",
        "PENTA_D",
        "AMEL",
        "6",
        "9.3",
        "12",
        "0.5",
        "0.25",
        "1",
        "0",
        "OL",
    ];
    fuzz(
        "frequency tables, token soup",
        SOUP_INPUTS,
        (
            token_soup(WORDS, &[",", "\t", " ", "\n", "\r\n", "\""]),
            population.clone(),
        ),
        |(t, p)| check_frequencies(t, p.as_deref()),
    );
    let list_or_csv = frequency_seeds();
    fuzz(
        "frequency tables, mutated Familias lists (tab)",
        MUTATED_INPUTS / 2,
        (
            mutated(list_or_csv[..2].to_vec(), '\t'),
            prop_oneof![6 => Just(None), 1 => population.clone()],
        ),
        |(t, p)| check_frequencies(t, p.as_deref()),
    );
    fuzz(
        "frequency tables, mutated long CSV",
        MUTATED_INPUTS,
        (mutated(list_or_csv[2..].to_vec(), ','), population),
        |(t, p)| check_frequencies(t, p.as_deref()),
    );
}

// ---------------------------------------------------------------------------
// Genotype tables and GeneMapper exports

const GENEMAPPER: &str = "\u{feff}Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tSize 2\tSize 3\tHeight 1\tHeight 2\tHeight 3\t\r\n\
    A01_c.fsa\tChild-7\tGlobalFiler_v2\tD3S1358\tB\t15\t16\t\t120.1\t124.2\t\t1500\t1450\t\t\r\n\
    A01_c.fsa\tChild-7\tGlobalFiler_v2\tvWA\tB\t17\t\t\t170.3\t\t\t2900\t\t\t\r\n\
    A01_c.fsa\tChild-7\tGlobalFiler_v2\tAMEL\tR\tX\tY\t\t98.9\t104.8\t\t2000\t1900\t\t\r\n\
    A02_m.fsa\tMother 7\tGlobalFiler_v2\tD3S1358\tB\t15\t15\t\t120.1\t\t\t3000\t\t\t\r\n\
    A02_m.fsa\tMother 7\tGlobalFiler_v2\tvWA\tB\t\t\t\t\t\t\t\t\t\t\r\n\
    A02_m.fsa\tMother 7\tGlobalFiler_v2\tAMEL\tR\tX\t\t\t98.9\t\t\t4000\t\t\t\r\n\
    A01_c.fsa\tChild-7\tGlobalFiler_v2\tPenta_D\tB\t9.3\t12\t\t150\t160\t\t700\t650\t\t\r\n";

fn genotype_seeds() -> (Vec<String>, Vec<String>) {
    let nist = data("nist1036/genotypes.csv");
    let wide: String = nist.lines().take(4).map(|l| format!("{l}\n")).collect();
    let tabbed = vec![
        GENEMAPPER.to_string(),
        "Sample Name\tMarker\tAllele 1\tAllele 2\nS1\tTH01\t6\t9.3\nS1\tAMEL\tX\tX\n".into(),
    ];
    let commas = vec![
        wide,
        "sample,marker,allele1,allele2,sex,population\ns1,TH01,6,9.3,male,A\ns1,VWA,14,,M,A\n\
         s2,th01,7,7,f,B\ns2,Amelogenin,X,X,,B\n"
            .into(),
        "sample,sex,TH01_a1,TH01_a2,vWA_a1,vWA_a2\nP1,F,6,7,14,15\nP2,,9.3,9.3,,\n".into(),
    ];
    (tabbed, commas)
}

fn check_genotypes(text: &str) -> Result<Outcome, TestCaseError> {
    let file = "genotypes.txt";
    match parse_genotypes(file, text) {
        Ok(table) => {
            prop_assert!(
                !table.profiles.is_empty(),
                "a table without profiles accepted"
            );
            let mut samples = std::collections::HashSet::new();
            for p in &table.profiles {
                prop_assert!(!p.sample.trim().is_empty(), "an empty sample name");
                prop_assert!(!p.sample.chars().any(char::is_control), "{:?}", p.sample);
                prop_assert!(samples.insert(p.sample.clone()), "{} twice", p.sample);
                let lines = formats::split_lines(text).count();
                prop_assert!((1..=lines).contains(&p.line));
                for (m, _) in &p.markers {
                    prop_assert_eq!(canonical_marker(m), Some(m.as_str()));
                    prop_assert!(!is_amelogenin(m), "Amelogenin kept as a marker");
                }
            }
            Ok(Outcome::Accepted)
        }
        Err(e) => check_error(file, text, &e),
    }
}

#[test]
fn genotype_tables() {
    fuzz(
        "genotype tables, arbitrary text",
        ARBITRARY_INPUTS,
        garbage(),
        |t| check_genotypes(t),
    );
    const WORDS: &[&str] = &[
        "Sample Name",
        "sample",
        "Sample File",
        "Marker",
        "locus",
        "Allele 1",
        "Allele 2",
        "allele3",
        "sex",
        "population",
        "TH01_a1",
        "TH01_a2",
        "vWA",
        "TH01",
        "AMEL",
        "X",
        "Y",
        "6",
        "9.3",
        "14",
        "OL",
        "S1",
        "S2",
        "male",
        "F",
    ];
    fuzz(
        "genotype tables, token soup",
        SOUP_INPUTS,
        token_soup(WORDS, &[",", "\t", "\n", "\r\n", " ", "\""]),
        |t| check_genotypes(t),
    );
    let (tabbed, commas) = genotype_seeds();
    fuzz(
        "genotype tables, mutated GeneMapper exports (tab)",
        MUTATED_INPUTS / 2,
        mutated(tabbed, '\t'),
        |t| check_genotypes(t),
    );
    fuzz(
        "genotype tables, mutated long and wide CSV",
        MUTATED_INPUTS,
        mutated(commas, ','),
        |t| check_genotypes(t),
    );
}

// ---------------------------------------------------------------------------
// The registry's CSV files

const TODAY: (i32, u32, u32) = (2026, 11, 20);

const CASES: &str = "case_id,child_name,child_sex,child_birth_date_from,child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description\n\
    MC-1,Amina,male,2024-01-01,2024-03-01,2024-06-01,Riverton,10.5,20.25,scar on left knee\n\
    MC-2,,female,2023-05-01,2023-05-01,2024-02-01,\"Hill, town\",11.0,21.0,\n\
    MC-3,Baraka,M,2023-01-01,2023-12-31,2024-04-01,Lakeside,,,\"a \"\"quoted\"\" mark\"\n";
const REFERENCES: &str = "sample_name,case_id,relationship,person_name,sex\n\
    RS-1F,MC-1,father,Joseph,male\nRS-1M,MC-1,mother,Grace,\n\
    RS-2M,MC-2,mother,Halima,female\nRS-3GF,MC-3,paternal_grandfather,Otieno,M\n\
    RS-3S,MC-3,full_sibling,,F\n";
const FOUND: &str = "sample_name,found_id,sex,age_min_days,age_max_days,found_date,found_place,found_lat,found_lon,institution,description\n\
    FS-1,FC-1,male,400,700,2025-06-01,Riverton,10.6,20.3,Home A,\n\
    FS-2,FC-2,female,500,900,2025-06-01,Hilltown,-11.1,-21.1,Home A,thin\n\
    FS-3,FC-3,,,,,,,,,\n";

/// The promises of accepted rows common to the three files.
fn check_id(id: &str) -> Result<(), TestCaseError> {
    prop_assert!((1..=registry_csv::ID_MAX_CHARS).contains(&id.chars().count()));
    prop_assert!(
        id.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
        "{id:?}"
    );
    Ok(())
}

fn check_text(t: &Option<String>, max: usize) -> Result<(), TestCaseError> {
    if let Some(t) = t {
        prop_assert!(!t.is_empty() && t.chars().count() <= max);
        prop_assert!(!t.chars().any(|c| c.is_control() && c != '\t'), "{t:?}");
    }
    Ok(())
}

fn check_place(lat: Option<f64>, lon: Option<f64>) -> Result<(), TestCaseError> {
    prop_assert_eq!(lat.is_some(), lon.is_some());
    if let (Some(lat), Some(lon)) = (lat, lon) {
        prop_assert!((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon));
    }
    Ok(())
}

fn check_registry_csv(kind: &str, text: &str) -> Result<Outcome, TestCaseError> {
    use registry_csv::{DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS, PLACE_MAX_CHARS};
    let today = Date::new(TODAY.0, TODAY.1, TODAY.2).unwrap();
    let file = format!("{kind}.csv");
    let result = match kind {
        "cases" => registry_csv::parse_cases(&file, text, today).map(|rows| {
            rows.iter().try_for_each(|r| {
                check_id(&r.case_id)?;
                check_text(&r.child_name, NAME_MAX_CHARS)?;
                check_text(&r.missing_place, PLACE_MAX_CHARS)?;
                check_text(&r.description, DESCRIPTION_MAX_CHARS)?;
                check_place(r.missing_lat, r.missing_lon)?;
                for d in [r.birth_from, r.birth_to, r.missing_date]
                    .into_iter()
                    .flatten()
                {
                    prop_assert!(d <= today);
                }
                Ok(())
            })
        }),
        "references" => registry_csv::parse_references(&file, text).map(|rows| {
            rows.iter().try_for_each(|r| {
                check_id(&r.sample_name)?;
                check_id(&r.case_id)?;
                check_text(&r.person_name, NAME_MAX_CHARS)?;
                if let Some(sex) = r.relationship.implied_sex() {
                    prop_assert_eq!(r.sex, sex);
                }
                Ok(())
            })
        }),
        "found" => registry_csv::parse_found(&file, text, today).map(|rows| {
            rows.iter().try_for_each(|r| {
                check_id(&r.sample_name)?;
                check_id(&r.found_id)?;
                check_text(&r.found_place, PLACE_MAX_CHARS)?;
                check_text(&r.institution, PLACE_MAX_CHARS)?;
                check_text(&r.description, DESCRIPTION_MAX_CHARS)?;
                check_place(r.found_lat, r.found_lon)?;
                for age in [r.age_min_days, r.age_max_days].into_iter().flatten() {
                    prop_assert!(age <= registry_csv::AGE_MAX_DAYS);
                }
                if let Some(d) = r.found_date {
                    prop_assert!(d <= today);
                }
                Ok(())
            })
        }),
        _ => unreachable!("a kind of registry file"),
    };
    match result {
        Ok(checked) => checked.map(|()| Outcome::Accepted),
        Err(e) => check_error(&file, text, &e),
    }
}

#[test]
fn registry_csv_files() {
    const WORDS: &[&str] = &[
        "case_id",
        "child_name",
        "child_sex",
        "child_birth_date_from",
        "child_birth_date_to",
        "missing_date",
        "missing_place",
        "missing_lat",
        "missing_lon",
        "description",
        "sample_name",
        "relationship",
        "person_name",
        "sex",
        "found_id",
        "age_min_days",
        "age_max_days",
        "found_date",
        "found_place",
        "found_lat",
        "found_lon",
        "institution",
        "MC-1",
        "RS-1",
        "FC-1",
        "mother",
        "father",
        "maternal_half_sibling",
        "male",
        "F",
        "2024-01-01",
        "10.5",
        "-20",
        "400",
        "Home A",
    ];
    for (kind, seed) in [
        ("cases", CASES),
        ("references", REFERENCES),
        ("found", FOUND),
    ] {
        fuzz(
            &format!("registry {kind} CSV, arbitrary text"),
            ARBITRARY_INPUTS,
            garbage(),
            |t| check_registry_csv(kind, t),
        );
        fuzz(
            &format!("registry {kind} CSV, token soup"),
            SOUP_INPUTS,
            token_soup(WORDS, &[",", "\n", "\r\n", " ", "\"", "\t"]),
            |t| check_registry_csv(kind, t),
        );
        fuzz(
            &format!("registry {kind} CSV, mutated"),
            MUTATED_INPUTS,
            mutated(vec![seed.to_string()], ','),
            |t| check_registry_csv(kind, t),
        );
    }
}

// ---------------------------------------------------------------------------
// Marker names, allele calls, dates

#[test]
fn marker_names_alleles_and_dates() {
    let name = prop_oneof![hostile_value(), garbage(), "[A-Za-z0-9 _.-]{0,12}"];
    fuzz("marker names", NAME_INPUTS, name.clone(), |n| {
        if let Some(c) = canonical_marker(n) {
            prop_assert_eq!(
                canonical_marker(c),
                Some(c),
                "canonical names are fixed points"
            );
            let _ = is_amelogenin(c);
            return Ok(Outcome::Accepted);
        }
        let _ = marker_set(n);
        Ok(Outcome::Refused { whole_file: false })
    });
    fuzz(
        "allele calls",
        NAME_INPUTS,
        name.clone(),
        |s| match s.parse::<Allele>() {
            Ok(a) => {
                prop_assert_eq!(a.to_string().parse::<Allele>().ok(), Some(a));
                Ok(Outcome::Accepted)
            }
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                Ok(Outcome::Refused { whole_file: false })
            }
        },
    );
    let date = prop_oneof![name, "[0-9]{4}-[0-9]{2}-[0-9]{2}", "[0-9-]{10}"];
    fuzz("dates", NAME_INPUTS, date, |s| match s.parse::<Date>() {
        Ok(d) => {
            prop_assert_eq!(&d.to_string(), s);
            prop_assert_eq!(Date::from_unix_days(d.unix_days()), d);
            Ok(Outcome::Accepted)
        }
        Err(e) => {
            prop_assert!(e.to_string().contains("not a valid date"));
            Ok(Outcome::Refused { whole_file: false })
        }
    });
}

// ---------------------------------------------------------------------------
// XML and Familias projects: CODIS CMF, PFIF, `.fam`

/// XML words: element names of both formats, entities, markup. (Mutations of
/// XML files treat `>` as the field separator, so that a field is an
/// element's text plus its closing tag and an insertion adds markup.)
const XML_WORDS: &[&str] = &[
    "<?xml version=\"1.0\"?>",
    "<",
    ">",
    "</",
    "/>",
    "=",
    "\"",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]>",
    "&a;",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&lt;",
    "CODISImportFile",
    "xmlns=\"urn:CODISImportFile-schema\"",
    "SPECIMEN",
    "CASEID=\"MC-1\"",
    "SPECIMENID",
    "SPECIMENCATEGORY",
    "Biological Mother",
    "LOCUS",
    "LOCUSNAME",
    "ALLELE",
    "ALLELEVALUE",
    "D3S1358",
    "AMEL",
    "X",
    "15",
    "pfif:pfif",
    "xmlns:pfif=\"http://zesty.ca/pfif/1.4\"",
    "pfif:person",
    "pfif:person_record_id",
    "example.org/p1",
    "pfif:full_name",
    "pfif:note",
    "pfif:entry_date",
    "2025-01-02T03:04:05Z",
];

const PFIF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">
  <pfif:person>
    <pfif:person_record_id>registry.example.org/MC-1</pfif:person_record_id>
    <pfif:entry_date>2025-01-02T03:04:05Z</pfif:entry_date>
    <pfif:expiry_date>2026-01-02T03:04:05Z</pfif:expiry_date>
    <pfif:author_name>Case worker</pfif:author_name>
    <pfif:author_email>worker@registry.example.org</pfif:author_email>
    <pfif:author_phone>+1 555 0100</pfif:author_phone>
    <pfif:source_name>Reunite</pfif:source_name>
    <pfif:source_date>2025-01-02T03:04:05Z</pfif:source_date>
    <pfif:source_url>https://registry.example.org/cases/MC-1</pfif:source_url>
    <pfif:full_name>Amina &amp; Ñandú</pfif:full_name>
    <pfif:given_name>Amina</pfif:given_name>
    <pfif:family_name>Ñandú</pfif:family_name>
    <pfif:alternate_names>Mina</pfif:alternate_names>
    <pfif:sex>female</pfif:sex>
    <pfif:date_of_birth>2023-02</pfif:date_of_birth>
    <pfif:age>1-2</pfif:age>
    <pfif:description>scar on left knee</pfif:description>
    <pfif:home_street>1 Main St</pfif:home_street>
    <pfif:home_neighborhood>Old Town</pfif:home_neighborhood>
    <pfif:home_city>Springfield</pfif:home_city>
    <pfif:home_state>Lakes</pfif:home_state>
    <pfif:home_postal_code>12345</pfif:home_postal_code>
    <pfif:home_country>US</pfif:home_country>
    <pfif:photo_url>https://registry.example.org/p/1.jpg</pfif:photo_url>
    <pfif:profile_urls>https://example.org/amina</pfif:profile_urls>
    <pfif:note>
      <pfif:note_record_id>registry.example.org/MC-1.note</pfif:note_record_id>
      <pfif:person_record_id>registry.example.org/MC-1</pfif:person_record_id>
      <pfif:entry_date>2025-01-02T03:04:05Z</pfif:entry_date>
      <pfif:author_name>Reunite</pfif:author_name>
      <pfif:source_date>2025-01-02T03:04:05Z</pfif:source_date>
      <pfif:status>information_sought</pfif:status>
      <pfif:text>Missing since 2024-06-01.</pfif:text>
    </pfif:note>
  </pfif:person>
  <pfif:note>
    <pfif:note_record_id>finder.example.org/n2</pfif:note_record_id>
    <pfif:person_record_id>registry.example.org/MC-1</pfif:person_record_id>
    <pfif:linked_person_record_id>finder.example.org/p9</pfif:linked_person_record_id>
    <pfif:entry_date>2025-02-02T03:04:05Z</pfif:entry_date>
    <pfif:author_name>Shelter</pfif:author_name>
    <pfif:author_email>desk@shelter.example.org</pfif:author_email>
    <pfif:author_phone>+44 20 7946 0000</pfif:author_phone>
    <pfif:source_date>2025-02-02T03:04:05Z</pfif:source_date>
    <pfif:author_made_contact>true</pfif:author_made_contact>
    <pfif:status>believed_alive</pfif:status>
    <pfif:email_of_found_person>found@example.org</pfif:email_of_found_person>
    <pfif:phone_of_found_person>+44 20 7946 0001</pfif:phone_of_found_person>
    <pfif:last_known_location>Shelter B</pfif:last_known_location>
    <pfif:text>Seen at the shelter.</pfif:text>
    <pfif:photo_url>https://shelter.example.org/n2.jpg</pfif:photo_url>
  </pfif:note>
</pfif:pfif>
"#;

/// A CMF identifier as the CMF 3.2 schema has it: 1 to `max` characters
/// (24 for SPECIMENID, 32 for CASEID), here trimmed and without control
/// characters.
fn is_cmf_identifier(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.chars().count()) && id.trim() == id && !id.chars().any(char::is_control)
}

/// A CMF file: an accepted one keeps the reader's promises (identifiers,
/// trimmed values, canonical markers once each, no Amelogenin among the
/// markers, each specimen once) and reads back the same from what
/// [`formats::cmf::write_cmf`] writes of it (up to the specimens' lines).
fn check_cmf(file: &str, text: &str) -> Result<Outcome, TestCaseError> {
    use formats::cmf::{CmfFile, parse_cmf, write_cmf};
    let cmf = match parse_cmf(file, text) {
        Ok(cmf) => cmf,
        Err(e) => return check_error(file, text, &e),
    };
    let mut ids = std::collections::HashSet::new();
    for s in &cmf.specimens {
        prop_assert!(ids.insert(&s.id), "specimen {:?} twice", s.id);
        prop_assert!(is_cmf_identifier(&s.id, 24), "specimen id {:?}", s.id);
        if let Some(case) = &s.case_id {
            prop_assert!(is_cmf_identifier(case, 32), "case id {case:?}");
        }
        prop_assert!(!s.category.is_empty() && s.category.trim() == s.category);
        if let Some(comment) = &s.comment {
            prop_assert_eq!(comment.trim(), comment.as_str());
        }
        let mut markers = std::collections::HashSet::new();
        for (marker, _) in &s.markers {
            prop_assert_eq!(canonical_marker(marker), Some(marker.as_str()));
            prop_assert!(!is_amelogenin(marker), "Amelogenin kept as a marker");
            prop_assert!(markers.insert(marker), "{marker} twice in {:?}", s.id);
        }
    }
    let without_lines = |mut c: CmfFile| {
        for s in &mut c.specimens {
            s.line = 0;
        }
        c
    };
    let written = write_cmf(&cmf);
    let back = parse_cmf("written.xml", &written)
        .map_err(|e| TestCaseError::fail(format!("the written file is refused: {e}\n{written}")))?;
    prop_assert_eq!(
        without_lines(back),
        without_lines(cmf),
        "the round trip changed the content"
    );
    Ok(Outcome::Accepted)
}

#[test]
fn cmf_files() {
    use formats::cmf::parse_cmf;
    let seed = data("examples/cmf-family.xml");
    assert!(
        parse_cmf("seed.xml", &seed).is_ok(),
        "the seed is a good file"
    );
    if let Err(e) = check_cmf("seed.xml", &seed) {
        panic!("the seed: {e}");
    }
    let file = "codis.xml";
    fuzz(
        "CODIS CMF, arbitrary text",
        ARBITRARY_INPUTS,
        garbage(),
        |t| check_cmf(file, t),
    );
    fuzz(
        "CODIS CMF, token soup",
        SOUP_INPUTS,
        token_soup(XML_WORDS, &[" ", "\n", "<", ">"]),
        |t| check_cmf(file, t),
    );
    fuzz(
        "CODIS CMF, mutated",
        MUTATED_INPUTS / 2,
        mutated(vec![seed], '>'),
        |t| check_cmf(file, t),
    );
}

/// A PFIF document: an accepted one reads back the same from what
/// [`formats::pfif::write`] writes of it (up to the records' lines), and its
/// record ids are record ids.
fn check_pfif(file: &str, text: &str) -> Result<Outcome, TestCaseError> {
    use formats::pfif::{Document, is_record_id, read, write};
    let doc = match read(file, text) {
        Ok(doc) => doc,
        Err(e) => return check_error(file, text, &e),
    };
    for p in &doc.persons {
        prop_assert!(
            is_record_id(&p.person_record_id),
            "{:?}",
            p.person_record_id
        );
        prop_assert!(!p.full_name.is_empty() && p.full_name.trim() == p.full_name);
    }
    for n in doc.persons.iter().flat_map(|p| &p.notes).chain(&doc.notes) {
        prop_assert!(is_record_id(&n.note_record_id), "{:?}", n.note_record_id);
    }
    let without_lines = |mut d: Document| {
        for p in &mut d.persons {
            p.line = 0;
            for n in &mut p.notes {
                n.line = 0;
            }
        }
        for n in &mut d.notes {
            n.line = 0;
        }
        d
    };
    let written = write(&doc);
    let back = read("written.xml", &written)
        .map_err(|e| TestCaseError::fail(format!("the written file is refused: {e}\n{written}")))?;
    prop_assert_eq!(
        without_lines(back),
        without_lines(doc),
        "the round trip changed the content"
    );
    Ok(Outcome::Accepted)
}

#[test]
fn pfif_files() {
    let seed = formats::pfif::read("seed.xml", PFIF).expect("the seed is a good file");
    assert!(seed.persons[0].home_city.is_some() && seed.notes[0].photo_url.is_some());
    if let Err(e) = check_pfif("seed.xml", PFIF) {
        panic!("the seed: {e}");
    }
    let file = "pfif.xml";
    fuzz("PFIF, arbitrary text", ARBITRARY_INPUTS, garbage(), |t| {
        check_pfif(file, t)
    });
    fuzz(
        "PFIF, token soup",
        SOUP_INPUTS,
        token_soup(XML_WORDS, &[" ", "\n", "<", ">"]),
        |t| check_pfif(file, t),
    );
    fuzz(
        "PFIF, mutated",
        MUTATED_INPUTS,
        mutated(vec![PFIF.to_string()], '>'),
        |t| check_pfif(file, t),
    );
}

/// A pedigree as (person, sex, parents), a person named by its id when it is
/// one of `named` and as an anonymous extra otherwise (the writer renames
/// extras), sorted.
type Shape = Vec<(String, kinship::Sex, Option<(String, String)>)>;

fn shape(ped: &kinship::Pedigree, named: &[(String, kinship::Sex)]) -> Shape {
    let label = |i: usize| {
        let id = as_written(&ped.persons()[i].id);
        if named.iter().any(|(n, _)| as_written(n) == id) {
            id
        } else {
            "(extra)".to_string()
        }
    };
    let mut out: Shape = (0..ped.len())
        .map(|i| {
            (
                label(i),
                ped.sex(i),
                ped.parents(i).map(|(f, m)| (label(f), label(m))),
            )
        })
        .collect();
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out
}

/// A name as [`formats::fam::write_fam`] writes it: Familias quotes have no
/// escape, so a `"` inside a name (which the reader accepts, e.g. from an
/// unquoted line) is written as `'`.
fn as_written(name: &str) -> String {
    name.replace('"', "'")
}

/// A Familias project: an accepted one keeps the reader's promises (one slot
/// per marker for every typed person, who is a named person; alleles of the
/// marker's table; frequencies summing to one) and its first two pedigrees
/// (or its only one, twice), written back by [`formats::fam::write_fam`] and
/// read again, give the same persons, genotypes, markers, frequencies,
/// mutation models, θ, database and pedigrees (names as the writer spells
/// them, see [`as_written`]).
fn check_fam(file: &str, bytes: &[u8]) -> Result<Outcome, TestCaseError> {
    use formats::fam::{FamWriteOptions, parse_fam, write_fam};
    let p = match parse_fam(file, bytes) {
        Ok(p) => p,
        Err(e) => return check_error(file, &String::from_utf8_lossy(bytes), &e),
    };
    let k = p.markers.len();
    prop_assert_eq!(p.database_sizes.len(), k);
    for m in &p.markers {
        let f = m.frequencies().frequencies();
        prop_assert!(
            f.iter().all(|x| x.is_finite() && *x >= 0.0),
            "{}: {f:?}",
            m.name()
        );
        prop_assert!(
            (f.iter().sum::<f64>() - 1.0).abs() < 1e-9,
            "{}: {f:?}",
            m.name()
        );
    }
    for t in &p.typed {
        prop_assert!(
            p.persons.iter().any(|(n, _)| *n == t.id),
            "{:?} typed, not named",
            t.id
        );
        prop_assert_eq!(t.genotypes.len(), k);
        for (g, m) in t.genotypes.iter().zip(&p.markers) {
            if let Some(g) = g {
                for a in g.alleles() {
                    prop_assert!(
                        m.frequencies().index_of(a).is_some(),
                        "{a} not in {}",
                        m.name()
                    );
                }
            }
        }
    }
    if p.pedigrees.is_empty() {
        return Ok(Outcome::Accepted);
    }
    let j = usize::from(p.pedigrees.len() > 1);
    let names = [
        p.pedigrees[0].name.clone(),
        if j == 0 {
            format!("{} again", p.pedigrees[0].name)
        } else {
            p.pedigrees[1].name.clone()
        },
    ];
    let uniform_size = match p.database_sizes.first() {
        Some(&Some(s)) if p.database_sizes.iter().all(|&x| x == Some(s)) => Some(s),
        _ => None,
    };
    let options = FamWriteOptions {
        pedigree_names: names.clone(),
        database_name: p
            .database_name
            .clone()
            .unwrap_or_else(|| "unknown".to_string()),
        database_size: uniform_size.unwrap_or(1000),
    };
    let written = write_fam(&p.case(0, j), &options)
        .map_err(|e| TestCaseError::fail(format!("an accepted project cannot be written: {e}")))?;
    let back = parse_fam("written.fam", written.as_bytes())
        .map_err(|e| TestCaseError::fail(format!("the written file is refused: {e}\n{written}")))?;
    let why = "the round trip changed the project";
    prop_assert_eq!(back.theta, p.theta, "{}", why);
    if let Some(name) = &p.database_name {
        prop_assert_eq!(back.database_name, Some(as_written(name)), "{}", why);
    }
    if let Some(size) = uniform_size {
        prop_assert!(
            back.database_sizes.iter().all(|&x| x == Some(size)),
            "{}",
            why
        );
    }
    prop_assert_eq!(back.markers.len(), k, "{}", why);
    for (a, b) in p.markers.iter().zip(&back.markers) {
        prop_assert_eq!(as_written(a.name()), b.name(), "{}", why);
        prop_assert_eq!(
            a.frequencies().alleles(),
            b.frequencies().alleles(),
            "{}",
            why
        );
        for (x, y) in a
            .frequencies()
            .frequencies()
            .iter()
            .zip(b.frequencies().frequencies())
        {
            prop_assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1e-300),
                "{}: {} {x} -> {y}",
                why,
                a.name()
            );
        }
        prop_assert_eq!(a.mutation(), b.mutation(), "{}: {}", why, a.name());
    }
    for (id, sex) in &p.persons {
        prop_assert!(
            back.persons.contains(&(as_written(id), *sex)),
            "{}: {id:?} {sex:?}",
            why
        );
    }
    let mut typed = p.typed.clone();
    for t in &mut typed {
        t.id = as_written(&t.id);
    }
    let mut typed_back = back.typed.clone();
    typed.sort_by(|a, b| a.id.cmp(&b.id));
    typed_back.sort_by(|a, b| a.id.cmp(&b.id));
    prop_assert_eq!(typed_back, typed, "{}", why);
    prop_assert_eq!(back.pedigrees.len(), 2, "{}", why);
    for (h, i) in [(0, 0), (1, j)] {
        prop_assert_eq!(&back.pedigrees[h].name, &as_written(&names[h]), "{}", why);
        prop_assert_eq!(
            shape(&back.pedigrees[h].pedigree, &p.persons),
            shape(&p.pedigrees[i].pedigree, &p.persons),
            "{}: pedigree {:?}",
            why,
            names[h]
        );
    }
    Ok(Outcome::Accepted)
}

#[test]
fn familias_projects() {
    let seed = data("examples/trio-with-mutation.fam");
    if let Err(e) = check_fam("seed.fam", seed.as_bytes()) {
        panic!("the seed: {e}");
    }
    let file = "project.fam";
    fuzz(
        "Familias projects, arbitrary bytes",
        ARBITRARY_INPUTS,
        prop::collection::vec(any::<u8>(), 0..600),
        |b| check_fam(file, b),
    );
    fuzz(
        "Familias projects, mutated",
        MUTATED_INPUTS,
        mutated(vec![seed], ' '),
        |t| check_fam(file, t.as_bytes()),
    );
}
