//! Fresh registries for tests, and small lab files built from real NIST people.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use registry::{OpenOptions, Registry, Settings};
use sqlx::{Connection, Row};

pub struct TestDb {
    pub registry: Registry,
    pub dir: tempfile::TempDir,
    pub url: String,
    pub key: PathBuf,
    pg_name: Option<String>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The PostgreSQL server's maintenance database, where the tests create and
/// drop their own.
pub const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A connection to `PG_ADMIN`, or a panic that says why there is none.
pub async fn pg_admin() -> sqlx::PgConnection {
    match sqlx::PgConnection::connect(PG_ADMIN).await {
        Ok(c) => c,
        Err(e) => panic!(
            "this test needs PostgreSQL at {PG_ADMIN} and cannot reach it ({e}); \
             start it (.ci/run does) or run without --include-ignored"
        ),
    }
}

pub fn options(url: &str, key: &std::path::Path, dir: &std::path::Path) -> OpenOptions {
    OpenOptions {
        database_url: Some(url.to_string()),
        key_file: Some(key.to_path_buf()),
        data_dir: dir.to_path_buf(),
        actor: "test".into(),
        settings: Settings::default(),
    }
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("registry.db").display());
        let key = dir.path().join("registry.key");
        let mut o = options(&url, &key, dir.path());
        o.key_file = None; // created beside the database on first use
        let (registry, notes) = Registry::open(o).await.unwrap();
        assert_eq!(notes.created_key.as_deref(), Some(key.as_path()));
        TestDb {
            registry,
            dir,
            url,
            key,
            pg_name: None,
        }
    }

    /// A fresh PostgreSQL database. Panics when the server cannot be
    /// reached: a test that asked for PostgreSQL never passes without it.
    pub async fn postgres() -> TestDb {
        let mut admin = pg_admin().await;
        let name = format!(
            "reunite_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("pg.key");
        registry::crypto::create_key_file(&key).unwrap();
        let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
        let (registry, _) = Registry::open(options(&url, &key, dir.path()))
            .await
            .unwrap();
        TestDb {
            registry,
            dir,
            url,
            key,
            pg_name: Some(name),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.pg_name.is_none()
    }

    /// Opens the same database again (as a restarted process would).
    pub async fn reopen(&self) -> Registry {
        Registry::open(options(&self.url, &self.key, self.dir.path()))
            .await
            .unwrap()
            .0
    }

    pub async fn finish(self) {
        let TestDb {
            registry,
            pg_name,
            dir,
            ..
        } = self;
        registry.close().await;
        if let Some(name) = pg_name {
            let mut admin = pg_admin().await;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await
            .unwrap();
        }
        drop(dir);
    }
}

/// A person's genotypes: (marker, allele 1, allele 2).
pub type Person = Vec<(String, String, String)>;

/// The real NIST people, by sample name.
pub fn nist() -> Vec<(String, Person)> {
    let table = formats::builtin::nist_genotypes().unwrap();
    table
        .profiles
        .into_iter()
        .map(|p| {
            let g = p
                .markers
                .into_iter()
                .map(|(m, g)| (m, g.first().to_string(), g.second().to_string()))
                .collect();
            (p.sample, g)
        })
        .collect()
}

/// A child of two people: one allele of each at every marker (chosen by `seed`).
pub fn child_of(father: &Person, mother: &Person, seed: u64) -> Person {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut bit = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) & 1 == 1
    };
    father
        .iter()
        .filter_map(|(m, f1, f2)| {
            let (_, m1, m2) = mother.iter().find(|(mm, _, _)| mm == m)?;
            let a = if bit() { f1 } else { f2 };
            let b = if bit() { m1 } else { m2 };
            Some((m.clone(), a.clone(), b.clone()))
        })
        .collect()
}

/// A GeneMapper ID-X genotype table for these samples.
pub fn genemapper(samples: &[(&str, &Person)]) -> String {
    let mut s = String::from(
        "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1\n",
    );
    for (name, person) in samples {
        for (m, a, b) in person.iter() {
            let b = if a == b { "" } else { b.as_str() };
            s.push_str(&format!(
                "{name}.fsa\t{name}\tPP_Fusion\t{m}\tB\t{a}\t{b}\t\t120.5\t1500\n"
            ));
        }
        s.push_str(&format!(
            "{name}.fsa\t{name}\tPP_Fusion\tAMEL\tB\tX\tY\t\t100.1\t2000\n"
        ));
    }
    s
}

pub const CASES_HEADER: &str = "case_id,child_name,child_sex,child_birth_date_from,child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description\n";
pub const REFERENCES_HEADER: &str = "sample_name,case_id,relationship,person_name,sex\n";
pub const FOUND_HEADER: &str = "sample_name,found_id,sex,age_min_days,age_max_days,found_date,found_place,found_lat,found_lon,institution,description\n";

/// A small registry: three families (both parents, mother only, paternal
/// grandparents), three rescued children (the first two belong to families
/// 1 and 2, the third to nobody).
pub struct Small {
    pub cases: String,
    pub references: String,
    pub found: String,
    pub profiles: String,
}

pub fn small() -> Small {
    let people = nist();
    let p = |i: usize| &people[i].1;
    let child1 = child_of(p(0), p(1), 1);
    let child2 = child_of(p(2), p(3), 2);
    let gp_father = child_of(p(4), p(5), 3);
    let child3 = child_of(&gp_father, p(6), 4);
    let cases = format!(
        "{CASES_HEADER}MC-1,Amina Secretname,male,2024-01-01,2024-03-01,2024-06-01,Riverton,10.5,20.25,scar on left knee\n\
         MC-2,,female,2023-05-01,2023-05-01,2024-02-01,Hilltown,11.0,21.0,\n\
         MC-3,Baraka,male,2023-01-01,2023-12-31,2024-04-01,Lakeside,,,birthmark\n"
    );
    let references = format!(
        "{REFERENCES_HEADER}RS-1F,MC-1,father,Joseph Privatename,male\nRS-1M,MC-1,mother,Grace,female\n\
         RS-2M,MC-2,mother,Halima,female\nRS-3GF,MC-3,paternal_grandfather,Otieno,male\nRS-3GM,MC-3,paternal_grandmother,Akinyi,female\n"
    );
    let found = format!(
        "{FOUND_HEADER}FS-1,FC-1,male,400,700,2025-06-01,Riverton,10.6,20.3,Home A,\n\
         FS-2,FC-2,female,500,900,2025-06-01,Hilltown,11.1,21.1,Home A,\n\
         FS-3,FC-3,male,600,1000,2025-06-01,Lakeside,12.0,22.0,Home B,\n\
         FS-4,FC-4,female,100,300,2025-06-01,Lakeside,12.0,22.0,Home B,\n"
    );
    let profiles = genemapper(&[
        ("RS-1F", p(0)),
        ("RS-1M", p(1)),
        ("RS-2M", p(3)),
        ("RS-3GF", p(4)),
        ("RS-3GM", p(5)),
        ("FS-1", &child1),
        ("FS-2", &child2),
        ("FS-3", &child3),
        ("FS-4", p(700)),
    ]);
    Small {
        cases,
        references,
        found,
        profiles,
    }
}

/// Imports the built-in NIST frequencies (population All) as database
/// "NIST" from file "nist.csv", by `actor`; `activate` makes them the active
/// database when another one is.
pub async fn import_nist(r: &Registry, actor: &str, activate: bool) -> registry::ImportReport {
    r.import_frequencies(
        actor,
        "nist.csv",
        formats::builtin::NIST_FREQUENCIES,
        Some("NIST"),
        Some("All"),
        activate,
    )
    .await
    .unwrap()
}

/// Imports the NIST frequencies and the small registry.
pub async fn load_small(r: &Registry) -> Small {
    let s = small();
    import_nist(r, "test", false).await;
    r.import_cases("test", "cases.csv", &s.cases).await.unwrap();
    r.import_references("test", "references.csv", &s.references)
        .await
        .unwrap();
    r.import_found("test", "found.csv", &s.found).await.unwrap();
    r.import_profiles(
        "test",
        "profiles.txt",
        &s.profiles,
        Some("Lab 1"),
        None,
        &|_, _| {},
    )
    .await
    .unwrap();
    s
}

/// A scenario from real NIST founders: the four lab files and the truth.
pub fn nist_scenario(
    families: usize,
    rescued: usize,
    with_family: usize,
    seed: u64,
) -> sim::Scenario {
    let models = formats::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
    let pool = formats::builtin::nist_pool(&models);
    let spec = sim::ScenarioSpec {
        families,
        rescued,
        rescued_with_family: with_family,
        seed,
        today: (2026, 11, 20),
    };
    sim::scenario(&models, &pool, &spec).unwrap()
}

/// One count of `Registry::counts` by its name, so a new count in the list
/// moves no test.
pub fn count(counts: &[(&'static str, i64)], name: &str) -> i64 {
    counts
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no count named {name:?} in {counts:?}"))
        .1
}

/// The details of the bulk decryptions logged after audit entry `since`,
/// newest first.
pub async fn decryptions_since(r: &Registry, since: i64) -> Vec<String> {
    let mut tail = r.audit_tail(1000).await.unwrap();
    tail.retain(|e| e.seq > since && e.action == "profiles.read");
    tail.into_iter().map(|e| e.detail).collect()
}

/// The last entry of the audit log.
pub async fn last_seq(r: &Registry) -> i64 {
    r.audit_tail(1).await.unwrap()[0].seq
}

/// Walks a candidate through the review to a reunion: ann starts it and
/// requests the test, bob confirms and reunites.
pub async fn reunite(r: &Registry, candidate: i64) {
    for (who, step) in [
        ("ann", registry::ReviewAction::StartReview),
        ("ann", registry::ReviewAction::RequestTest),
        ("bob", registry::ReviewAction::Confirm),
        ("bob", registry::ReviewAction::Reunite),
    ] {
        r.review(who, candidate, step, None).await.unwrap();
    }
}

/// The small registry's candidate of found child FC-1 for case MC-1 (his
/// parents).
pub async fn small_candidate(r: &Registry) -> registry::CandidateSummary {
    r.candidate_summaries(None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.found_id == "FC-1" && c.case_id == "MC-1")
        .unwrap()
}

/// Rows of (text, bytes) as the database holds them, sealed fields
/// unopened: `sql` selects the two columns.
pub async fn raw_pairs(db: &TestDb, sql: &'static str) -> Vec<(String, Vec<u8>)> {
    let pool = crate::erasure::raw_pool(db).await;
    let rows = sqlx::query(sql)
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    pool.close().await;
    rows
}

/// The men each stored lineage snapshot holds.
pub async fn lineage_snapshots(db: &TestDb) -> Vec<i64> {
    let pool = crate::erasure::raw_pool(db).await;
    let men = sqlx::query("SELECT men FROM lineage_snapshots ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::get::<i64, _>(r, "men"))
        .collect();
    pool.close().await;
    men
}
