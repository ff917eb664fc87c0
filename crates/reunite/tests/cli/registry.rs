//! The registry commands through the binary: imports, matches, a killed import.

use std::path::Path;

use crate::common::*;

pub(crate) fn write_scenario(dir: &Path, families: usize) -> sim::Scenario {
    let models = formats::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
    let spec = sim::ScenarioSpec {
        families,
        rescued: 30,
        rescued_with_family: 25,
        seed: 11,
        today: (2026, 11, 20),
    };
    let s = sim::scenario(&models, &[], &spec).unwrap();
    std::fs::write(dir.join("freq.csv"), formats::builtin::NIST_FREQUENCIES).unwrap();
    std::fs::write(dir.join("cases.csv"), &s.cases_csv).unwrap();
    std::fs::write(dir.join("references.csv"), &s.references_csv).unwrap();
    std::fs::write(dir.join("found.csv"), &s.found_csv).unwrap();
    std::fs::write(dir.join("profiles.txt"), &s.profiles_tsv).unwrap();
    s
}

pub(crate) fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--data-dir", dir.to_str().unwrap()]);
    reunite(&all)
}

/// The number of stored profiles, read through the registry library.
fn profiles_stored(dir: &Path) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (r, _) = registry::Registry::open(registry::OpenOptions {
            database_url: None,
            key_file: None,
            data_dir: dir.to_path_buf(),
            actor: "test".into(),
            settings: registry::Settings::default(),
        })
        .await
        .unwrap();
        let n = r
            .counts()
            .await
            .unwrap()
            .iter()
            .find(|(k, _)| *k == "profiles")
            .unwrap()
            .1;
        r.close().await;
        n
    })
}

#[test]
fn import_and_match_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = write_scenario(d, 200);
    let data = d.join("data");
    let data = data.as_path();
    for args in [
        vec![
            "import",
            "frequencies",
            "--population",
            "All",
            d.join("freq.csv").to_str().unwrap(),
        ],
        vec!["import", "cases", d.join("cases.csv").to_str().unwrap()],
        vec![
            "import",
            "references",
            d.join("references.csv").to_str().unwrap(),
        ],
        vec!["import", "found", d.join("found.csv").to_str().unwrap()],
        vec![
            "import",
            "profiles",
            d.join("profiles.txt").to_str().unwrap(),
        ],
    ] {
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(data, &refs);
        assert!(o.status.success(), "{refs:?}: {}", stderr(&o));
    }
    let out = run(data, &["matches", "--json"]);
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "found_id",
        "case_id",
        "lr",
        "log10_lr",
        "markers_compared",
        "inconsistent_markers",
        "status",
    ] {
        assert!(list[0].get(key).is_some(), "missing {key}");
    }
    // Best first, and every rescued child with a family has it first.
    let lrs: Vec<f64> = list
        .iter()
        .map(|c| c["log10_lr"].as_f64().unwrap())
        .collect();
    assert!(lrs.windows(2).all(|w| w[0] >= w[1]));
    for t in s.truth.iter().filter(|t| t.case_id.is_some()) {
        let best = list
            .iter()
            .find(|c| c["found_id"] == t.found_id.as_str())
            .unwrap();
        assert_eq!(best["case_id"].as_str(), t.case_id.as_deref(), "{t:?}");
    }
    // The key file was created 0600 and said so.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join("reunite.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let audit = run(data, &["audit", "verify"]);
    assert!(
        audit.status.success() && stdout(&audit).contains("intact"),
        "{}",
        stderr(&audit)
    );
}

/// Whether a line of an import's stderr is the stage to kill at.
type StageLine = fn(&str) -> bool;

/// A process killed during an import leaves the database as it was before
/// that import (or, if the kill came after the commit, as after it): never
/// half. The import is killed right after it tells each stage on stderr: the
/// file checked, the first tenth of the rows stored, all rows stored, the
/// search begun, the candidates found.
#[test]
fn a_killed_import_leaves_nothing_half_written() {
    use crate::crash::{audit_intact, copy_dir, import_killed_after, import_state, outcome};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_scenario(d, 1500);
    let base = d.join("base");
    for args in [
        vec![
            "import",
            "frequencies",
            "--population",
            "All",
            d.join("freq.csv").to_str().unwrap().to_string().leak(),
        ],
        vec![
            "import",
            "cases",
            d.join("cases.csv").to_str().unwrap().to_string().leak(),
        ],
        vec![
            "import",
            "references",
            d.join("references.csv")
                .to_str()
                .unwrap()
                .to_string()
                .leak(),
        ],
        vec![
            "import",
            "found",
            d.join("found.csv").to_str().unwrap().to_string().leak(),
        ],
    ] {
        let o = run(&base, &args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(profiles_stored(&base), 0);
    let total = s_profiles(d);
    let profiles = d.join("profiles.txt");
    let profiles = profiles.to_str().unwrap();
    let before = import_state(&base);
    let control = d.join("control");
    copy_dir(&base, &control);
    let told = import_killed_after(&control, &["profiles", profiles], |_, _| false);
    let after = import_state(&control);
    assert_eq!(profiles_stored(&control), total);
    assert!(told.committed(), "{:?}", told.lines);

    let stages: [(&str, StageLine); 5] = [
        ("read and checked", |l| l.ends_with("read and checked")),
        ("a tenth stored", |l| l.starts_with("storing ")),
        ("all rows stored", |l| {
            l.ends_with("stored (not yet committed)")
        }),
        ("searching", |l| l.starts_with("searching")),
        ("candidates found", |l| l.ends_with("new candidates found")),
    ];
    let mut between = 0;
    for (k, (name, at)) in stages.iter().enumerate() {
        let run_dir = d.join(format!("run{k}"));
        copy_dir(&base, &run_dir);
        let told = import_killed_after(&run_dir, &["profiles", profiles], |_, l| at(l));
        assert!(!told.exited_first, "{name}: never told: {:?}", told.lines);
        let state = import_state(&run_dir);
        let which = outcome(&told, &state, &before, &after);
        let n = profiles_stored(&run_dir);
        assert_eq!(
            n,
            if which == "before" { 0 } else { total },
            "{name}: {n} of {total} profiles stored"
        );
        audit_intact(&run_dir);
        if which == "before" && told.rows_written() && !told.committing() {
            between += 1;
        }
        eprintln!("killed after {name}: {which}");
    }
    assert!(
        between >= 1,
        "no kill landed after the rows were written and before the commit"
    );
}

/// Samples in a written profiles table.
fn s_profiles(dir: &Path) -> i64 {
    let text = std::fs::read_to_string(dir.join("profiles.txt")).unwrap();
    let mut names: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len() as i64
}

/// A CODIS CMF import tells its stages on stderr, in order, with the counts
/// of what it did (the new candidates are those the database then holds),
/// and never a specimen id.
#[test]
fn a_cmf_import_tells_its_stages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    std::fs::write(d.join("freq.csv"), formats::builtin::NIST_FREQUENCIES).unwrap();
    std::fs::write(
        d.join("cases.csv"),
        "case_id,child_name,child_sex,child_birth_date_from,child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description\n\
         MC-2026-014,,male,2023-01-01,2023-06-30,2024-05-01,,,,\n",
    )
    .unwrap();
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    for args in [
        vec![
            "import",
            "frequencies",
            "--population",
            "All",
            &path("freq.csv"),
        ],
        vec!["import", "cases", &path("cases.csv")],
    ] {
        let o = run(&data, &args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let file = data_file("examples/cmf-family.xml");
    let o = run(&data, &["import", "cmf", &file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let candidates: Vec<serde_json::Value> =
        serde_json::from_slice(&run(&data, &["matches", "--json"]).stdout).unwrap();
    assert!(!candidates.is_empty());
    let told: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| !l.starts_with("note: created a new encryption key"))
        .map(str::to_string)
        .collect();
    let mut want = vec![
        format!("reading {file}"),
        format!("{file}: 3 specimens read and checked"),
    ];
    want.extend((1..=3).map(|k| format!("storing {k} of 3 specimens")));
    want.extend([
        "3 specimens stored (not yet committed)".to_string(),
        "searching what they add: 1 cases, 1 found children".to_string(),
        format!("{} new candidates found", candidates.len()),
        "committing".to_string(),
        "committed".to_string(),
    ]);
    assert_eq!(told, want);
    for id in ["RS-014-M", "RS-014-F", "UP-2026-077"] {
        assert!(!stderr(&o).contains(id), "{id} on stderr");
    }
}

fn data_file(name: &str) -> String {
    data(name).to_str().unwrap().to_string()
}
