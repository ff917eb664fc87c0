//! The registry commands through the binary: imports, matches, a killed import.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

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

/// A process killed during an import leaves the database as it was before
/// that import (or, if the kill came after the commit, as after it): never half.
#[test]
fn a_killed_import_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_scenario(d, 1500);
    let data = d.join("data");
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
        let o = run(&data, &args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert_eq!(profiles_stored(&data), 0);
    let total = s_profiles(d);
    let mut seen_before = 0;
    for delay_ms in [30u64, 120, 250, 500, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reunite"))
            .args([
                "import",
                "profiles",
                d.join("profiles.txt").to_str().unwrap(),
                "--data-dir",
                data.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let n = profiles_stored(&data);
        assert!(
            n == 0 || n == total,
            "{n} of {total} profiles stored: an import was half written"
        );
        let audit = run(&data, &["audit", "verify"]);
        assert!(audit.status.success(), "{}", stderr(&audit));
        if n == 0 {
            seen_before += 1;
        } else {
            break;
        }
    }
    assert!(seen_before >= 1, "no kill landed during the import");
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
