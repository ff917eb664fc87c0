//! `reunite backup`, `reunite restore` and `reunite case delete` through the
//! binary, on SQLite and (with the server's client tools) PostgreSQL.

use std::path::Path;
use std::process::Output;

use crate::common::*;

fn scenario(dir: &Path) {
    let models = formats::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
    let spec = sim::ScenarioSpec {
        families: 30,
        rescued: 6,
        rescued_with_family: 5,
        seed: 3,
        today: (2026, 11, 20),
    };
    let s = sim::scenario(&models, &[], &spec).unwrap();
    for (name, text) in [
        ("freq.csv", formats::builtin::NIST_FREQUENCIES),
        ("cases.csv", s.cases_csv.as_str()),
        ("references.csv", s.references_csv.as_str()),
        ("found.csv", s.found_csv.as_str()),
        ("profiles.txt", s.profiles_tsv.as_str()),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Runs `reunite` with the registry options appended.
fn run(db: &[String], args: &[&str]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(db.iter().map(String::as_str));
    reunite(&all)
}

fn ok(db: &[String], args: &[&str]) -> String {
    let o = run(db, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

fn import_all(d: &Path, db: &[String]) {
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    ok(
        db,
        &[
            "import",
            "frequencies",
            "--population",
            "All",
            &p("freq.csv"),
        ],
    );
    for kind in ["cases", "references", "found"] {
        ok(db, &["import", kind, &p(&format!("{kind}.csv"))]);
    }
    ok(db, &["import", "profiles", &p("profiles.txt")]);
}

/// Deletes a case with candidates; its id.
fn delete_a_case(db: &[String]) -> String {
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&ok(db, &["matches", "--json"])).unwrap();
    let case = list[0]["case_id"].as_str().unwrap().to_string();
    let o = run(db, &["case", "delete", &case]);
    assert!(
        !o.status.success() && stderr(&o).contains("--yes"),
        "asks first"
    );
    let out = ok(db, &["case", "delete", &case, "--yes"]);
    assert!(out.contains(&format!("case {case} deleted")), "{out}");
    assert!(!ok(db, &["matches", "--json"]).contains(&format!("\"{case}\"")));
    case
}

#[test]
fn backup_delete_and_restore_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scenario(d);
    let data = d.join("data");
    let db = vec!["--data-dir".to_string(), data.to_str().unwrap().to_string()];
    import_all(d, &db);
    let before = ok(&db, &["matches", "--json"]);
    let backup = d.join("copy.db");
    ok(&db, &["backup", backup.to_str().unwrap()]);
    let case = delete_a_case(&db);

    // A tampered backup is refused and changes nothing.
    let tampered = d.join("tampered.db");
    std::fs::copy(&backup, &tampered).unwrap();
    edit_audit_entry(&tampered);
    let o = run(&db, &["restore", "--from", tampered.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("audit") && stderr(&o).contains("nothing was restored"),
        "{}",
        stderr(&o)
    );
    assert!(!ok(&db, &["matches", "--json"]).contains(&format!("\"{case}\"")));

    // The good one brings the deleted case back, everything as it was.
    let out = ok(&db, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(
        out.contains("audit log intact") && out.contains(".replaced-"),
        "{out}"
    );
    assert_eq!(ok(&db, &["matches", "--json"]), before);
    assert!(ok(&db, &["audit", "verify"]).contains("intact"));
}

/// Edits an audit entry in a SQLite file, as an intruder with the file
/// would: one letter of an entry's action (its hash no longer matches).
fn edit_audit_entry(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let needle = b"import.frequencies";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("an audit entry in the file");
    bytes[at] = b'I';
    std::fs::write(file, bytes).unwrap();
}

/// PostgreSQL: `reunite backup` runs pg_dump, `reunite restore` pg_restore
/// into a new database; the candidates are the same.
#[test]
#[ignore = "needs PostgreSQL at 127.0.0.1:5432 and its client tools; run with --include-ignored, as .ci/run does"]
fn postgres_backup_and_restore_through_the_binary() {
    let databases = PgDatabases::create(2, &["pg_dump", "pg_restore"]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scenario(d);
    let key = d.join("pg.key");
    let db = |i: usize| {
        vec![
            "--database-url".to_string(),
            databases.url(i),
            "--key-file".to_string(),
            key.to_str().unwrap().to_string(),
        ]
    };
    registry::crypto::create_key_file(&key).unwrap();
    let (a, b) = (db(0), db(1));
    import_all(d, &a);
    let before = ok(&a, &["matches", "--json"]);
    let dump = d.join("registry.dump");
    ok(&a, &["backup", dump.to_str().unwrap()]);
    delete_a_case(&a);
    // Not into a database that holds a registry.
    let o = run(&a, &["restore", "--from", dump.to_str().unwrap()]);
    assert!(
        !o.status.success() && stderr(&o).contains("not empty"),
        "{}",
        stderr(&o)
    );
    let out = ok(&b, &["restore", "--from", dump.to_str().unwrap()]);
    assert!(out.contains("audit log intact"), "{out}");
    assert_eq!(ok(&b, &["matches", "--json"]), before);
    assert!(ok(&b, &["audit", "verify"]).contains("intact"));
}
