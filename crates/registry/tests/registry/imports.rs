//! Imports, matching and bad files, on both databases.

use registry::{CandidateFilter, ImportStage, Registry, RegistryError};
use sqlx::Row;

use crate::both;
use crate::common::*;

async fn snapshot(r: &Registry) -> Vec<(&'static str, i64)> {
    r.counts().await.unwrap()
}

async fn matches_its_family(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let all = r.candidates(&CandidateFilter::default()).await.unwrap();
    let best = |found: &str| {
        all.iter()
            .find(|c| c.found_id == found)
            .map(|c| c.case_id.clone())
    };
    assert_eq!(best("FC-1").as_deref(), Some("MC-1"), "{all:?}");
    assert_eq!(best("FC-2").as_deref(), Some("MC-2"), "{all:?}");
    assert_eq!(best("FC-3").as_deref(), Some("MC-3"), "{all:?}");
    // The stranger reaches no family at LR 10^4.
    assert!(
        all.iter()
            .filter(|c| c.found_id == "FC-4")
            .all(|c| c.lr < 1e4),
        "{all:?}"
    );
    let c1 = all
        .iter()
        .find(|c| c.found_id == "FC-1" && c.case_id == "MC-1")
        .unwrap();
    assert!(c1.log10_lr > 10.0);
    assert_eq!(c1.shape, "both_parents");
    assert_eq!(c1.status, "new");
    assert!(c1.markers_compared >= 20);
    assert_eq!(c1.frequency_database, "NIST v1");
    // The search index reloaded from the database finds the same.
    let again = db.reopen().await;
    let state = again.candidates(&CandidateFilter::default()).await.unwrap();
    assert_eq!(state, all);
    assert_eq!(
        again.verify_audit().await.unwrap() as i64,
        count(&snapshot(&again).await, "audit entries")
    );
    again.close().await;
}
both!(matches_its_family);

/// A file's optional text as stored: an empty field is no value.
fn text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Every imported row, decrypted, equals the row of its file, field by field:
/// cases and found children through their pages, references through their
/// case, and profiles read raw from the database and decrypted with the key.
async fn imported_rows_equal_the_files(db: &TestDb) {
    let r = &db.registry;
    let s = load_small(r).await;
    let rows = |csv: &str| -> Vec<Vec<String>> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let number = |s: &str| (!s.is_empty()).then(|| s.parse::<f64>().unwrap());
    let cases = rows(&s.cases);
    assert_eq!(cases.len(), 3);
    for c in &cases {
        let page = r.case_page("t", &c[0]).await.unwrap().unwrap();
        assert_eq!(page.case_id, c[0]);
        assert_eq!(page.child_name, text(&c[1]), "{}", c[0]);
        assert_eq!(page.facts.sex.as_deref(), Some(c[2].as_str()), "{}", c[0]);
        assert_eq!(page.facts.birth_from, text(&c[3]), "{}", c[0]);
        assert_eq!(page.facts.birth_to, text(&c[4]), "{}", c[0]);
        assert_eq!(page.facts.missing_date, text(&c[5]), "{}", c[0]);
        assert_eq!(page.missing_place, text(&c[6]), "{}", c[0]);
        assert_eq!(page.facts.lat, number(&c[7]), "{}", c[0]);
        assert_eq!(page.facts.lon, number(&c[8]), "{}", c[0]);
        assert_eq!(page.description, text(&c[9]), "{}", c[0]);
        // Its references, in the order of the file.
        let refs: Vec<(String, String, Option<String>, String, bool)> = page
            .references
            .iter()
            .map(|x| {
                (
                    x.sample_name.clone(),
                    x.relationship.clone(),
                    x.person_name.clone(),
                    x.sex.clone(),
                    x.typed,
                )
            })
            .collect();
        let want: Vec<(String, String, Option<String>, String, bool)> = rows(&s.references)
            .into_iter()
            .filter(|x| x[1] == c[0])
            .map(|x| (x[0].clone(), x[2].clone(), text(&x[3]), x[4].clone(), true))
            .collect();
        assert!(!want.is_empty());
        assert_eq!(refs, want, "{}", c[0]);
    }
    let found = rows(&s.found);
    assert_eq!(found.len(), 4);
    for f in &found {
        let page = r.found_page("t", &f[1]).await.unwrap().unwrap();
        assert_eq!(page.sample_name, f[0]);
        assert_eq!(page.found_id, f[1]);
        assert_eq!(page.facts.sex.as_deref(), Some(f[2].as_str()), "{}", f[1]);
        assert_eq!(page.facts.age_min_days, Some(f[3].parse().unwrap()));
        assert_eq!(page.facts.age_max_days, Some(f[4].parse().unwrap()));
        assert_eq!(page.facts.found_date, text(&f[5]), "{}", f[1]);
        assert_eq!(page.found_place, text(&f[6]), "{}", f[1]);
        assert_eq!(page.facts.lat, number(&f[7]), "{}", f[1]);
        assert_eq!(page.facts.lon, number(&f[8]), "{}", f[1]);
        assert_eq!(page.institution, text(&f[9]), "{}", f[1]);
        assert_eq!(page.description, text(&f[10]), "{}", f[1]);
        assert!(page.typed);
    }
    // The genotypes: each stored profile decrypted equals the file's calls
    // (alleles as an unordered pair; AMEL X/Y as the sex).
    let mut want: std::collections::BTreeMap<String, Vec<(String, String, String)>> =
        Default::default();
    for line in s.profiles.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (a, b) = (f[5], if f[6].is_empty() { f[5] } else { f[6] });
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        want.entry(f[1].to_string()).or_default().push((
            f[3].to_string(),
            a.to_string(),
            b.to_string(),
        ));
    }
    let key = registry::crypto::load_key(&db.key).unwrap();
    let pool = crate::erasure::raw_pool(db).await;
    let stored = sqlx::query("SELECT sample_name, genotypes FROM profiles ORDER BY sample_name")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), want.len());
    for row in &stored {
        let sample: String = row.try_get(0).unwrap();
        let blob: Vec<u8> = row.try_get(1).unwrap();
        let aad = registry::crypto::aad("profiles", "genotypes", &sample);
        let clear = registry::crypto::decrypt(&key, &aad, &blob).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&clear).unwrap();
        assert_eq!(v["sex"], "male", "{sample}: AMEL X/Y");
        let mut got: Vec<(String, String, String)> = v["markers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let (a, b) = (m[1].as_str().unwrap(), m[2].as_str().unwrap());
                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                (
                    m[0].as_str().unwrap().to_string(),
                    a.to_string(),
                    b.to_string(),
                )
            })
            .collect();
        got.push(("AMEL".into(), "X".into(), "Y".into()));
        got.sort();
        let mut w = want[&sample].clone();
        w.sort();
        assert_eq!(got, w, "{sample}");
    }
    pool.close().await;
}
both!(imported_rows_equal_the_files);

async fn importing_twice_adds_nothing(db: &TestDb) {
    let r = &db.registry;
    let s = load_small(r).await;
    let before = snapshot(r).await;
    let rep = r.import_cases("test", "cases.csv", &s.cases).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 3));
    let rep = r
        .import_references("test", "references.csv", &s.references)
        .await
        .unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 5));
    let rep = r.import_found("test", "found.csv", &s.found).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 4));
    let rep = r
        .import_profiles("test", "profiles.txt", &s.profiles, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 9));
    let after = snapshot(r).await;
    // Only the audit log grows (each import is recorded).
    assert_eq!(before[..5], after[..5]);
}
both!(importing_twice_adds_nothing);

/// Each broken file is refused with its place named, and the database is left exactly as it was.
async fn broken_files_change_nothing(db: &TestDb) {
    let r = &db.registry;
    let s = load_small(r).await;
    let before = snapshot(r).await;
    let expect = |res: Result<registry::ImportReport, RegistryError>,
                  file: &str,
                  line: usize,
                  what: &str| {
        let e = res.expect_err("must be refused");
        let text = e.to_string();
        assert!(text.contains(&format!("{file}:{line}")), "{text}");
        assert!(text.contains(what), "{text}");
    };
    // A mixture: three alleles at one marker.
    let mixture = s.profiles.replacen("\t\t120.5", "\t25\t120.5", 1);
    let mixture = format!("{mixture}NEW.fsa\tNEW-1\tPP\tvWA\tB\t14\t15\t\t1\t1\n");
    expect(
        r.import_profiles("t", "mix.txt", &mixture, None, None, &|_, _| {})
            .await,
        "mix.txt",
        2,
        "mixture",
    );
    // An unknown marker.
    let unknown = format!(
        "{}NEW.fsa\tNEW-1\tPP\tD99S999\tB\t14\t15\t\t1\t1\n",
        s.profiles
    );
    let lines = unknown.lines().count();
    expect(
        r.import_profiles("t", "unknown.txt", &unknown, None, None, &|_, _| {})
            .await,
        "unknown.txt",
        lines,
        "D99S999",
    );
    // A bad date.
    let bad_date = format!("{CASES_HEADER}MC-9,,male,2024-02-30,,,,,,\n");
    expect(
        r.import_cases("t", "c.csv", &bad_date).await,
        "c.csv",
        2,
        "2024-02-30",
    );
    // A truncated line.
    let truncated = format!("{FOUND_HEADER}FS-9,FC-9,male,100\n");
    expect(
        r.import_found("t", "f.csv", &truncated).await,
        "f.csv",
        2,
        "age_max_days",
    );
    // A reference to a case that does not exist (after a good row: nothing of the file is kept).
    let orphan =
        format!("{REFERENCES_HEADER}RS-9A,MC-1,full_sibling,,male\nRS-9B,MC-404,mother,,female\n");
    expect(
        r.import_references("t", "r.csv", &orphan).await,
        "r.csv",
        3,
        "MC-404",
    );
    // An off-ladder allele.
    let ol = format!("{}NEW.fsa\tNEW-2\tPP\tTH01\tB\tOL\t7\t\t1\t1\n", s.profiles);
    let lines = ol.lines().count();
    expect(
        r.import_profiles("t", "ol.txt", &ol, None, None, &|_, _| {})
            .await,
        "ol.txt",
        lines,
        "OL",
    );
    assert_eq!(
        before,
        snapshot(r).await,
        "nothing of a refused file is stored, not even an audit entry"
    );
    assert_eq!(
        r.verify_audit().await.unwrap() as i64,
        count(&before, "audit entries")
    );
}
both!(broken_files_change_nothing);

async fn a_new_family_finds_a_child_rescued_before(db: &TestDb) {
    let r = &db.registry;
    let s = small();
    import_nist(r, "t", false).await;
    // The child is registered and typed first...
    r.import_found("t", "found.csv", &s.found).await.unwrap();
    r.import_profiles("t", "profiles.txt", &s.profiles, None, None, &|_, _| {})
        .await
        .unwrap();
    assert!(
        r.candidates(&CandidateFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    // ... the family registers years later.
    r.import_cases("t", "cases.csv", &s.cases).await.unwrap();
    let rep = r
        .import_references("t", "references.csv", &s.references)
        .await
        .unwrap();
    assert!(rep.new_candidates >= 3, "{rep:?}");
    let c = r
        .candidates(&CandidateFilter {
            case_id: Some("MC-2".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(c[0].found_id, "FC-2");
}
both!(a_new_family_finds_a_child_rescued_before);

/// A few hundred families from real NIST founders: every rescued child with a
/// registered family has it as its best candidate, and no unrelated child
/// reaches LR 10^4 with a family whose both parents are typed.
async fn scenario_from_real_genotypes(db: &TestDb) {
    let r = &db.registry;
    let s = nist_scenario(300, 40, 32, 7);
    import_nist(r, "t", false).await;
    r.import_cases("t", "cases.csv", &s.cases_csv)
        .await
        .unwrap();
    r.import_references("t", "references.csv", &s.references_csv)
        .await
        .unwrap();
    r.import_found("t", "found.csv", &s.found_csv)
        .await
        .unwrap();
    let rep = r
        .import_profiles("t", "profiles.txt", &s.profiles_tsv, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(rep.added, rep.rows);
    let all = r.candidates(&CandidateFilter::default()).await.unwrap();
    let config: std::collections::HashMap<&str, sim::Configuration> = s
        .configurations
        .iter()
        .map(|(c, k)| (c.as_str(), *k))
        .collect();
    for t in &s.truth {
        let best = all.iter().find(|c| c.found_id == t.found_id);
        match &t.case_id {
            Some(case) => assert_eq!(
                best.map(|b| b.case_id.as_str()),
                Some(case.as_str()),
                "{t:?}"
            ),
            None => {
                for c in all
                    .iter()
                    .filter(|c| c.found_id == t.found_id && c.lr >= 1e4)
                {
                    assert_ne!(
                        config[c.case_id.as_str()],
                        sim::Configuration::BothParents,
                        "{c:?}"
                    );
                }
            }
        }
    }
}
both!(scenario_from_real_genotypes);

/// The review workflow: a second caseworker confirms; reunited sets the statuses.
async fn review_workflow(db: &TestDb) {
    use registry::ReviewAction::*;
    let r = &db.registry;
    load_small(r).await;
    let list = r.candidate_summaries(None, None).await.unwrap();
    let top = list
        .iter()
        .find(|c| c.found_id == "FC-1" && c.case_id == "MC-1")
        .unwrap();
    assert_eq!(top.category, "undisputed");
    let id = top.id;
    let before = r.candidate_detail("ann", id).await.unwrap().unwrap();
    assert!(before.posterior.unwrap() > 0.99, "{:?}", before.posterior);
    // Every candidate's posterior, to 1e-12, against the one computed from the files.
    let today = formats::registry_csv::Date::today_utc();
    let small = small();
    let case_rows = formats::registry_csv::parse_cases("c", &small.cases, today).unwrap();
    let found_rows = formats::registry_csv::parse_found("f", &small.found, today).unwrap();
    let mut cases = std::collections::HashMap::new();
    for c in &case_rows {
        cases.insert(r.case_id_ref(&c.case_id).await.unwrap().unwrap(), c);
    }
    let found = found_rows
        .iter()
        .map(|f| (f.found_id.as_str(), f))
        .collect();
    let pool = crate::erasure::raw_pool(db).await;
    for c in &list {
        crate::posterior::check_posterior(r, &pool, c.id, &cases, &found, &Default::default())
            .await;
    }
    pool.close().await;
    assert!(before.comparison.compatible());
    assert_eq!(before.summary.category, "undisputed");
    assert!(
        r.review("ann", id, Confirm, None).await.is_err(),
        "not yet under review"
    );
    assert_eq!(
        r.review("ann", id, StartReview, None).await.unwrap(),
        "under_review"
    );
    assert_eq!(
        r.review("ann", id, RequestTest, None).await.unwrap(),
        "test_requested"
    );
    let e = r
        .review("ann", id, Confirm, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("second caseworker"), "{e}");
    assert_eq!(
        r.review("bob", id, Confirm, None).await.unwrap(),
        "confirmed"
    );
    assert_eq!(
        r.review("bob", id, Reunite, None).await.unwrap(),
        "reunited"
    );
    let detail = r.candidate_detail("bob", id).await.unwrap().unwrap();
    assert_eq!(detail.case.status, "reunited");
    assert_eq!(detail.found.status, "reunited");
    assert_eq!(detail.history.len(), 4);
    assert!(detail.all_scores.len() >= 3);
    assert!(
        detail
            .markers
            .iter()
            .any(|m| m.child.is_some() && m.references.iter().all(Option::is_some))
    );
    // Rejection needs a reason.
    let other = list.iter().find(|c| c.found_id == "FC-2").unwrap().id;
    assert!(r.review("ann", other, Reject, None).await.is_err());
    assert_eq!(
        r.review("ann", other, Reject, Some("wrong age"))
            .await
            .unwrap(),
        "rejected"
    );
    r.verify_audit().await.unwrap();
}
both!(review_workflow);

/// A genotype file may type any marker of the active frequency database,
/// in any spelling of it, besides the built-in vocabulary (the Norwegian
/// database has markers no kit list names); before that database is
/// imported, the marker is unknown.
async fn markers_of_the_active_database_are_known(db: &TestDb) {
    let r = &db.registry;
    let profiles = "Sample Name\tMarker\tAllele 1\tAllele 2\n\
                    X1\td99s-123\t10\t11\n\
                    X1\tTH01\t6\t7\n";
    let e = r
        .import_profiles("t", "profiles.txt", profiles, None, None, &|_, _| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unknown marker \"d99s-123\""), "{e}");
    r.import_frequencies(
        "t",
        "local.txt",
        "D99S123\n10\t0.5\n11\t0.5\n\nTH01\n6\t0.5\n7\t0.5\n",
        Some("Local"),
        None,
        true,
    )
    .await
    .unwrap();
    let rep = r
        .import_profiles("t", "profiles.txt", profiles, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!((rep.rows, rep.added), (1, 1), "{rep:?}");
}
both!(markers_of_the_active_database_are_known);

/// A lab file is read as a stream twice: checked, then stored a chunk of
/// profiles at a time in one transaction. A refusal that only the second
/// reading meets, at its last profile, after every other profile was
/// written (the stored data refuses it; the file changed between the
/// readings), leaves the registry exactly as it was.
async fn a_refusal_at_the_last_profile_leaves_nothing(db: &TestDb) {
    use std::sync::Mutex;
    let r = &db.registry;
    let s = nist_scenario(30, 5, 4, 77);
    import_nist(r, "t", true).await;
    r.import_cases("t", "cases.csv", &s.cases_csv)
        .await
        .unwrap();
    r.import_references("t", "references.csv", &s.references_csv)
        .await
        .unwrap();
    r.import_found("t", "found.csv", &s.found_csv)
        .await
        .unwrap();
    let header = s.profiles_tsv.lines().next().unwrap();
    r.import_profiles(
        "t",
        "one.txt",
        &format!("{header}\nX.hid\tDUP-1\tP\tTH01\tB\t6\t7\t\t1\t1\n"),
        None,
        None,
        &|_, _| {},
    )
    .await
    .unwrap();
    let before = snapshot(r).await;
    // The scenario's profiles, then profiles of nobody yet up to two whole
    // chunks of the second reading, which are written before the chunk of
    // the refused row is read.
    let scenario = s.references_csv.lines().count() - 1 + 5;
    let samples = 2 * registry::IMPORT_CHUNK;
    let extra: String = (scenario..samples)
        .map(|i| format!("X.hid\tEXTRA-{i}\tP\tTH01\tB\t6\t{}\t\t1\t1\n", 7 + i % 5))
        .collect();

    // On disk, opened twice as the command line opens it; the stored DUP-1
    // has another genotype than the file's last row.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.txt");
    let text = format!(
        "{}{extra}X.hid\tDUP-1\tP\tTH01\tB\t6\t8\t\t1\t1\n",
        s.profiles_tsv
    );
    std::fs::write(&path, &text).unwrap();
    let lines = text.lines().count();
    let opened = Mutex::new(0);
    let open = || -> std::io::Result<Box<dyn std::io::Read + Send>> {
        *opened.lock().unwrap() += 1;
        Ok(Box::new(std::fs::File::open(&path)?))
    };
    let told = Mutex::new(Vec::new());
    let e = r
        .import_profiles_from("t", "profiles.txt", &open, None, None, &|stage| {
            told.lock().unwrap().push(stage)
        })
        .await
        .expect_err("DUP-1 already has another profile");
    assert!(
        e.to_string().contains(&format!("profiles.txt:{lines}")),
        "{e}"
    );
    assert!(e.to_string().contains("DUP-1"), "{e}");
    assert_eq!(*opened.lock().unwrap(), 2, "checked, then stored");
    let told = told.lock().unwrap().clone();
    assert_eq!(told[0], ImportStage::Checked { rows: samples + 1 });
    // Every other profile was written before the refusal.
    assert_eq!(
        told.last(),
        Some(&ImportStage::Storing {
            done: samples,
            total: samples + 1
        })
    );
    assert_eq!(before, snapshot(r).await, "nothing of the file is kept");

    // The file changes between the two readings: a profile more, a bad
    // allele on the last line, or a profile fewer (the last sample's rows
    // gone), the second time.
    let good = format!("{}{extra}", s.profiles_tsv);
    let last = good.lines().last().unwrap().split('\t').nth(1).unwrap();
    let fewer: String = good
        .lines()
        .filter(|l| l.split('\t').nth(1) != Some(last))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(fewer.lines().count() < good.lines().count());
    assert!(!fewer.contains(&format!("\t{last}\t")));
    for second in [
        format!("{good}X.hid\tNEW-1\tP\tTH01\tB\t6\t7\t\t1\t1\n"),
        format!("{good}X.hid\tNEW-1\tP\tTH01\tB\t6\tOL\t\t1\t1\n"),
        fewer,
    ] {
        let n = Mutex::new(0);
        let open = || -> std::io::Result<Box<dyn std::io::Read + Send>> {
            let mut n = n.lock().unwrap();
            *n += 1;
            let text = if *n == 1 {
                good.clone()
            } else {
                second.clone()
            };
            Ok(Box::new(std::io::Cursor::new(text.into_bytes())))
        };
        let told = Mutex::new(Vec::new());
        let e = r
            .import_profiles_from("t", "changing.txt", &open, None, None, &|stage| {
                told.lock().unwrap().push(stage)
            })
            .await
            .expect_err("the file changed");
        assert!(e.to_string().contains("changing.txt"), "{e}");
        assert_eq!(before, snapshot(r).await, "nothing of the file is kept");
        // A reading that finds more profiles than the first counted stops at
        // the first one too many: it never tells more stored than the total.
        let told = told.into_inner().unwrap();
        assert!(
            told.iter()
                .any(|s| matches!(s, ImportStage::Storing { .. })),
            "{told:?}"
        );
        for stage in &told {
            if let ImportStage::Storing { done, total } = stage {
                assert!(done <= total, "{stage:?}");
            }
        }
    }
    assert_eq!(
        r.verify_audit().await.unwrap() as i64,
        count(&before, "audit entries")
    );
}
both!(a_refusal_at_the_last_profile_leaves_nothing);

/// A file opened by a test: `first` at the first opening, `second` at every
/// later one (the file changed between the readings); counts the openings.
struct Changing {
    first: String,
    second: String,
    opened: std::sync::Mutex<usize>,
}

impl Changing {
    fn new(first: &str, second: String) -> Changing {
        Changing {
            first: first.to_string(),
            second,
            opened: std::sync::Mutex::new(0),
        }
    }

    fn open(&self) -> std::io::Result<Box<dyn std::io::Read + Send + '_>> {
        let mut n = self.opened.lock().unwrap();
        *n += 1;
        let text = if *n == 1 { &self.first } else { &self.second };
        Ok(Box::new(text.as_bytes()))
    }
}

/// `text` with line `n` (1-based) removed.
fn without_line(text: &str, n: usize) -> String {
    text.lines()
        .enumerate()
        .filter(|(i, _)| i + 1 != n)
        .map(|(_, l)| format!("{l}\n"))
        .collect()
}

/// Cases, references and found children are read as a stream twice too:
/// checked, then stored row by row in one transaction. A file that changed
/// between the readings (a row more, a row fewer, a value changed with the
/// same number of rows, a bad last row) is refused and leaves the registry
/// exactly as it was; a file on disk imports as its text does, with the
/// same rows, the same report and the file's SHA-256 recorded.
async fn a_csv_file_changed_between_readings_is_refused(db: &TestDb) {
    use sha2::Digest;
    let r = &db.registry;
    let s = nist_scenario(30, 5, 4, 78);
    import_nist(r, "t", true).await;
    // A case already stored, so that the second reading meets it again.
    let one_case = s
        .cases_csv
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect::<String>();
    r.import_cases("t", "one.csv", &one_case).await.unwrap();

    let kinds: [(&str, &str); 3] = [
        ("cases", &s.cases_csv),
        ("references", &s.references_csv),
        ("found", &s.found_csv),
    ];
    for (kind, good) in kinds {
        let before = snapshot(r).await;
        let lines = good.lines().count();
        let last = good.lines().last().unwrap();
        let mut fields: Vec<String> = last.split(',').map(str::to_string).collect();
        // A value changed, the rows as many: a name (cases: the child's;
        // references: the person's), or the found child's description.
        let at = match kind {
            "cases" => 1,
            "references" => 3,
            _ => 10,
        };
        fields[at] = "Changed Name".into();
        let changed_value = format!("{}{}\n", without_line(good, lines), fields.join(","));
        let mut bad = last.split(',').map(str::to_string).collect::<Vec<_>>();
        bad[0] = "bad id!".into();
        let bad_last = format!("{}{}\n", without_line(good, lines), bad.join(","));
        let extra = match kind {
            "cases" => "MC-EXTRA-1,,,,,,,,,\n".to_string(),
            "references" => format!("RS-EXTRA-1,{},full_sibling,,\n", s.configurations[0].0),
            _ => "FS-EXTRA-1,FC-EXTRA-1,,,,,,,,,\n".to_string(),
        };
        let variants = [
            ("a row more", format!("{good}{extra}"), true),
            ("a row fewer", without_line(good, lines), true),
            ("a value changed", changed_value, true),
            ("a bad last row", bad_last, false),
        ];
        for (what, second, told_changed) in variants {
            let file = Changing::new(good, second);
            let open = || file.open();
            let name = format!("{kind}.csv");
            let e = match kind {
                "cases" => r.import_cases_from("t", &name, &open).await,
                "references" => r.import_references_from("t", &name, &open).await,
                _ => r.import_found_from("t", &name, &open).await,
            }
            .expect_err(what);
            let message = e.to_string();
            assert!(message.contains(&name), "{kind}, {what}: {e}");
            if told_changed {
                assert!(
                    message.contains("the file changed while it was imported"),
                    "{kind}, {what}: {e}"
                );
            } else {
                assert!(
                    matches!(e, RegistryError::Format(ref f) if f.location.line == Some(lines)),
                    "{kind}, {what}: {e:?}"
                );
            }
            assert_eq!(*file.opened.lock().unwrap(), 2, "{kind}, {what}");
            assert_eq!(before, snapshot(r).await, "{kind}, {what}: nothing is kept");
        }
        // The file unchanged: imported from disk as a stream, as from its text.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{kind}.csv"));
        std::fs::write(&path, good).unwrap();
        let open = || -> std::io::Result<Box<dyn std::io::Read + Send>> {
            Ok(Box::new(std::fs::File::open(&path)?))
        };
        let name = format!("{kind}.csv");
        let report = match kind {
            "cases" => r.import_cases_from("t", &name, &open).await,
            "references" => r.import_references_from("t", &name, &open).await,
            _ => r.import_found_from("t", &name, &open).await,
        }
        .unwrap();
        assert_eq!(report.rows, lines - 1, "{kind}: {report:?}");
        let stored = if kind == "cases" { 1 } else { 0 };
        assert_eq!(report.unchanged, stored, "{kind}: {report:?}");
        assert_eq!(report.added, lines - 1 - stored, "{kind}: {report:?}");
        let again = match kind {
            "cases" => r.import_cases("t", &name, good).await,
            "references" => r.import_references("t", &name, good).await,
            _ => r.import_found("t", &name, good).await,
        }
        .unwrap();
        assert_eq!((again.rows, again.added), (lines - 1, 0), "{kind}");
        let raw = crate::erasure::raw_pool(db).await;
        let sha: Vec<String> =
            sqlx::query("SELECT sha256 FROM imports WHERE kind = $1 ORDER BY id")
                .bind(kind)
                .fetch_all(&raw)
                .await
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect();
        let want = hex::encode(sha2::Sha256::digest(good.as_bytes()));
        assert_eq!(sha[sha.len() - 2..], [want.clone(), want], "{kind}");
    }
    let found = r.candidates(&CandidateFilter::default()).await.unwrap();
    assert!(found.is_empty(), "no profile imported yet: {found:?}");
    assert_eq!(
        r.verify_audit().await.unwrap() as i64,
        count(&snapshot(r).await, "audit entries")
    );
}
both!(a_csv_file_changed_between_readings_is_refused);

/// A file of more rows than the second reading stores at a time is stored
/// as if row by row: rows already registered are met in any chunk, a row
/// with other details in the last chunk is refused with its line, a family
/// given a relative by an earlier import is checked with it in a later
/// chunk, and a refusal leaves nothing of the file.
async fn a_file_of_several_chunks_is_stored_as_row_by_row(db: &TestDb) {
    let r = &db.registry;
    import_nist(r, "t", true).await;
    let n = 2 * registry::IMPORT_CHUNK + 10;
    let sex = |i: usize| {
        if i.is_multiple_of(2) {
            "male"
        } else {
            "female"
        }
    };
    let row = |i: usize, sex: &str| format!("MC-{i},,{sex},2024-01-01,2024-03-01,2024-06-01,,,,\n");
    let cases: String = (0..n).map(|i| row(i, sex(i))).collect();
    let some: String = (0..n).step_by(97).map(|i| row(i, sex(i))).collect();
    r.import_cases("t", "some.csv", &format!("{CASES_HEADER}{some}"))
        .await
        .unwrap();
    let before_all = snapshot(r).await;
    // The last case registered already, with another sex.
    let last = n - 1;
    let other = format!("{CASES_HEADER}{some}{}", row(last, sex(last + 1)));
    r.import_cases("t", "other.csv", &other).await.unwrap();
    let refused = r
        .import_cases("t", "cases.csv", &format!("{CASES_HEADER}{cases}"))
        .await
        .expect_err("MC-last is registered as the other sex");
    assert!(
        refused
            .to_string()
            .contains(&format!("cases.csv:{}", n + 1)),
        "{refused}"
    );
    assert!(
        refused.to_string().contains(&format!("MC-{last}")),
        "{refused}"
    );
    let with_last = snapshot(r).await;
    assert_eq!(count(&with_last, "cases"), count(&before_all, "cases") + 1);
    // Without that one the file goes in: the cases registered before are
    // met again, in whichever chunk they are.
    let all_but_last: String = (0..last).map(|i| row(i, sex(i))).collect();
    let rep = r
        .import_cases("t", "cases.csv", &format!("{CASES_HEADER}{all_but_last}"))
        .await
        .unwrap();
    let some_rows = some.lines().count();
    assert_eq!(
        (rep.added, rep.unchanged),
        (last - some_rows, some_rows),
        "{rep:?}"
    );
    assert_eq!(count(&snapshot(r).await, "cases"), n as i64);

    // MC-7's mother is registered; a file giving every case a father, and
    // MC-7 a second mother on its last line, is refused there.
    r.import_references(
        "t",
        "mother.csv",
        &format!("{REFERENCES_HEADER}RS-M7,MC-7,mother,,female\n"),
    )
    .await
    .unwrap();
    let before = snapshot(r).await;
    let fathers: String = (0..n)
        .map(|i| format!("RS-{i}F,MC-{i},father,,male\n"))
        .collect();
    let e = r
        .import_references(
            "t",
            "refs.csv",
            &format!("{REFERENCES_HEADER}{fathers}RS-M7B,MC-7,mother,,female\n"),
        )
        .await
        .expect_err("MC-7 has a mother");
    assert!(
        e.to_string().contains(&format!("refs.csv:{}", n + 2)),
        "{e}"
    );
    assert!(e.to_string().contains("RS-M7"), "{e}");
    assert_eq!(before, snapshot(r).await, "nothing of the file is kept");
    let rep = r
        .import_references("t", "refs.csv", &format!("{REFERENCES_HEADER}{fathers}"))
        .await
        .unwrap();
    assert_eq!(rep.added, n);
    assert_eq!(
        count(&snapshot(r).await, "references"),
        count(&before, "references") + n as i64
    );
}
both!(a_file_of_several_chunks_is_stored_as_row_by_row);

/// Found children over several chunks are stored as if row by row: those
/// registered before are met in any chunk, a sample that is a reference's
/// or another found child's and a found id registered with other details
/// are refused with their line in the last chunk, leaving nothing, and the
/// children of the last chunk are searched with the others.
async fn found_children_of_several_chunks(db: &TestDb) {
    let r = &db.registry;
    let s = small();
    import_nist(r, "t", false).await;
    r.import_cases("t", "cases.csv", &s.cases).await.unwrap();
    r.import_references("t", "references.csv", &s.references)
        .await
        .unwrap();
    r.import_profiles("t", "profiles.txt", &s.profiles, None, None, &|_, _| {})
        .await
        .unwrap();
    let n = 2 * registry::IMPORT_CHUNK + 10;
    let row = |i: usize| format!("FS-X{i},FX-{i},male,100,400,2025-06-01,,,,Home C,\n");
    let fillers: String = (0..n).map(row).collect();
    let some: String = (0..n).step_by(97).map(row).collect();
    let old = "FS-OLD,FX-OLD,female,100,400,2025-06-01,,,,,\n";
    r.import_found("t", "some.csv", &format!("{FOUND_HEADER}{some}{old}"))
        .await
        .unwrap();
    let before = snapshot(r).await;
    let small_found = s.found.strip_prefix(FOUND_HEADER).unwrap();
    let line = n + small_found.lines().count() + 2;
    for (last, why) in [
        (
            "RS-1F,FX-NEW,male,100,400,2025-06-01,,,,,\n",
            "already a reference's sample",
        ),
        (
            "FS-OLD,FX-NEW,male,100,400,2025-06-01,,,,,\n",
            "already belongs to another found child",
        ),
        (
            "FS-X-OTHER,FX-OLD,female,100,400,2025-06-01,,,,,\n",
            "already registered with different details",
        ),
    ] {
        let file = format!("{FOUND_HEADER}{fillers}{small_found}{last}");
        let e = r
            .import_found("t", "found.csv", &file)
            .await
            .expect_err(why);
        assert!(e.to_string().contains(&format!("found.csv:{line}")), "{e}");
        assert!(e.to_string().contains(why), "{e}");
        assert_eq!(before, snapshot(r).await, "nothing of the file is kept");
    }
    let rep = r
        .import_found(
            "t",
            "found.csv",
            &format!("{FOUND_HEADER}{fillers}{small_found}"),
        )
        .await
        .unwrap();
    let some_rows = some.lines().count();
    assert_eq!(
        (rep.added, rep.unchanged),
        (n - some_rows + 4, some_rows),
        "{rep:?}"
    );
    assert!(rep.new_candidates >= 2, "{rep:?}");
    let all = r.candidates(&CandidateFilter::default()).await.unwrap();
    for (found, case) in [("FC-1", "MC-1"), ("FC-2", "MC-2"), ("FC-3", "MC-3")] {
        let best = all
            .iter()
            .filter(|c| c.found_id == found)
            .max_by(|a, b| a.log10_lr.total_cmp(&b.log10_lr))
            .unwrap_or_else(|| panic!("{found} was searched: {all:?}"));
        assert_eq!(best.case_id, case, "{all:?}");
    }
}
both!(found_children_of_several_chunks);
