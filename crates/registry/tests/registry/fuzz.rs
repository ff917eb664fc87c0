//! Hostile import files through the registry, on both databases: arbitrary
//! text and mutations of valid files (`formats/tests/fuzz/mutate.rs`) for
//! every kind of import. An accepted file is fine; a refused one must be
//! refused as a bad file (a located format error or a plain refusal, never a
//! database or internal failure), and must leave the database exactly as it
//! was: every row of every table the same, byte for byte (so the same row
//! counts and the same audit chain head), and the audit chain still verifies.
//!
//! `cargo test -p registry --test registry fuzz -- --nocapture` prints the
//! counts per kind.

#[path = "../../../formats/tests/fuzz/mutate.rs"]
mod mutate;

mod snapshot;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use registry::{Registry, RegistryError};

use crate::both;
use crate::common::*;
use mutate::{Mutation, apply, garbage, hostile_value, mutated};
use proptest::sample::Index;
use snapshot::{raw_pool, snapshot};

/// Import files per kind and per database (six kinds).
pub const IMPORTS_PER_KIND: u32 = 40;

/// Values that pass the file checks but may clash with what is stored: known
/// and unknown identifiers, other valid dates, sexes and relationships. A file
/// changed with them is often refused inside the import's transaction, after
/// some of its rows were written: the case that must roll back whole.
const PLAUSIBLE: &[&str] = &[
    "MC-1",
    "MC-2",
    "MC-3",
    "MC-404",
    "RS-1F",
    "RS-1M",
    "RS-2M",
    "RS-3GF",
    "RS-NEW",
    "FS-1",
    "FS-2",
    "FS-4",
    "FS-NEW",
    "FC-1",
    "FC-2",
    "FC-NEW",
    "male",
    "female",
    "unknown",
    "mother",
    "father",
    "full_sibling",
    "paternal_grandmother",
    "maternal_half_sibling",
    "2024-01-01",
    "2023-05-01",
    "2025-06-02",
    "400",
    "401",
    "10.5",
    "-10.5",
    "Riverton",
    "Other name",
    "",
    "TH01",
    "vWA",
    "D3S1358",
    "7",
    "9.3",
    "15",
    "16",
    "X",
    "Y",
];

/// One or two changes of a valid file with plausible values, lines repeated or swapped.
fn plausible(seeds: Vec<String>, sep: char) -> impl Strategy<Value = String> {
    let change = prop_oneof![
        4 => (any::<Index>(), any::<Index>(), prop::sample::select(PLAUSIBLE))
            .prop_map(|(l, f, v)| Mutation::SetField(l, f, v.to_string())),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ];
    (
        prop::sample::select(seeds),
        prop::collection::vec(change, 1..3),
    )
        .prop_map(move |(s, m)| apply(&s, sep, &m))
}

/// A kind of import with its valid files.
struct Kind {
    name: &'static str,
    seeds: Vec<String>,
    sep: char,
}

fn kinds(s: &Small) -> Vec<Kind> {
    let cmf = std::fs::read_to_string(format!(
        "{}/../../data/examples/cmf-family.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let nist = formats::builtin::NIST_FREQUENCIES;
    let mut lines = nist.lines();
    let header = lines.next().unwrap();
    let some: Vec<&str> = lines
        .filter(|l| l.starts_with("All,TH01,") || l.starts_with("All,vWA,"))
        .collect();
    vec![
        Kind {
            name: "frequencies",
            seeds: vec![
                format!("{header}\n{}\n", some.join("\n")),
                "TH01\n6\t0.25\n7\t0.25\n9.3\t0.5\n\nvWA\n14\t0.5\n15\t0.5\n".into(),
            ],
            sep: ',',
        },
        Kind {
            name: "cases",
            seeds: vec![s.cases.clone()],
            sep: ',',
        },
        Kind {
            name: "references",
            seeds: vec![
                s.references.clone(),
                format!("{REFERENCES_HEADER}RS-9A,MC-1,full_sibling,Ann,female\n"),
            ],
            sep: ',',
        },
        Kind {
            name: "found",
            seeds: vec![s.found.clone()],
            sep: ',',
        },
        Kind {
            name: "profiles",
            seeds: vec![s.profiles.clone()],
            sep: '\t',
        },
        // CODIS CMF: the example's mother and father specimens given to case
        // MC-2 (which has a mother) or MC-3 (grandparents), and its child.
        Kind {
            name: "cmf",
            seeds: ["MC-2", "MC-3"]
                .iter()
                .map(|case| cmf.replace("MC-2026-014", case))
                .collect(),
            sep: '>',
        },
    ]
}

async fn import(
    r: &Registry,
    kind: &str,
    text: &str,
    option: &Option<String>,
    flag: bool,
) -> Result<registry::ImportReport, RegistryError> {
    let file = format!("fuzz-{kind}.txt");
    match kind {
        "frequencies" => {
            r.import_frequencies("fuzz", &file, text, None, option.as_deref(), flag)
                .await
        }
        "cases" => r.import_cases("fuzz", &file, text).await,
        "references" => r.import_references("fuzz", &file, text).await,
        "found" => r.import_found("fuzz", &file, text).await,
        "profiles" => {
            r.import_profiles("fuzz", &file, text, option.as_deref(), None, &|_, _| {})
                .await
        }
        "cmf" => r.import_cmf("fuzz", &file, text).await,
        _ => unreachable!("a kind of import"),
    }
}

/// Files of a kind that read cleanly alone and that the stored data of
/// `load_small` refuses, each after a row it would add: a case, a found child
/// or a reference re-imported with other details or to a case that does not
/// exist, a sample re-typed differently, a CMF specimen of an unknown case.
/// (Nothing stored refuses a frequency table: it is a new version.)
/// A case id that no file of the run registers: not among [`PLAUSIBLE`], so
/// the random files (which may register `MC-404`) never make it exist before
/// the known refusals that rely on its absence.
const NEVER_REGISTERED: &str = "MC-NEVER-REGISTERED";

fn store_refusals(kind: &str, s: &Small) -> Vec<String> {
    match kind {
        "cases" => vec![format!(
            "{CASES_HEADER}MC-NEW,,male,2024-01-01,2024-01-02,2024-06-01,,,,\n\
             MC-1,Other name,male,2024-01-01,2024-03-01,2024-06-01,Riverton,10.5,20.25,scar on left knee\n"
        )],
        "references" => vec![format!(
            "{REFERENCES_HEADER}RS-9A,MC-1,full_sibling,Ann,female\nRS-9B,{NEVER_REGISTERED},mother,,female\n"
        )],
        "found" => vec![format!(
            "{FOUND_HEADER}FS-NEW,FC-NEW,male,400,700,2025-06-01,,,,,\n\
             FS-1,FC-1,female,400,700,2025-06-01,Riverton,10.6,20.3,Home A,\n"
        )],
        "profiles" => {
            // RS-1M's first call one repeat longer, after everyone before it.
            let mut lines: Vec<String> = s.profiles.lines().map(str::to_string).collect();
            let at = lines
                .iter()
                .position(|l| l.starts_with("RS-1M.fsa"))
                .unwrap();
            let mut f: Vec<String> = lines[at].split('\t').map(str::to_string).collect();
            f[5] = format!("{}", f[5].parse::<f64>().unwrap() + 1.0);
            lines[at] = f.join("\t");
            vec![lines.join("\n") + "\n"]
        }
        "cmf" => std::fs::read_to_string(format!(
            "{}/../../data/examples/cmf-family.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .map(|cmf| vec![cmf.replace("MC-2026-014", NEVER_REGISTERED)])
        .unwrap(),
        _ => Vec::new(),
    }
}

/// Whether the file alone is good (so a refusal came from what is stored).
fn reads_cleanly(kind: &str, text: &str, option: &Option<String>) -> bool {
    use formats::registry_csv::{Date, parse_cases, parse_found, parse_references};
    let today = Date::today_utc();
    match kind {
        "frequencies" => {
            formats::frequencies::parse_frequencies("f", text, option.as_deref()).is_ok()
        }
        "cases" => parse_cases("f", text, today).is_ok(),
        "references" => parse_references("f", text).is_ok(),
        "found" => parse_found("f", text, today).is_ok(),
        "profiles" => formats::genotypes::parse_genotypes("f", text).is_ok(),
        "cmf" => formats::cmf::parse_cmf("f", text).is_ok(),
        _ => unreachable!("a kind of import"),
    }
}

/// Checks a refusal: a bad file, said clearly; nothing stored.
fn check_refusal(kind: &str, e: &RegistryError) -> Result<(), TestCaseError> {
    let shown = e.to_string();
    match e {
        RegistryError::Format(f) => {
            prop_assert_eq!(&f.file, &format!("fuzz-{kind}.txt"));
            prop_assert!(
                f.location.line.is_some() || f.location.path.is_some() || !f.reason.is_empty(),
                "{shown}"
            );
            prop_assert!(!f.reason.trim().is_empty(), "{shown}");
        }
        RegistryError::Invalid(m) => prop_assert!(!m.trim().is_empty()),
        other => prop_assert!(
            false,
            "a hostile file gave a failure, not a refusal: {other}"
        ),
    }
    prop_assert!(
        shown.chars().count() <= 800,
        "a message of {} characters",
        shown.len()
    );
    Ok(())
}

async fn hostile_imports_change_nothing_when_refused(db: &TestDb) {
    let r = &db.registry;
    let s = load_small(r).await;
    let pool = raw_pool(&db.url).await;
    let handle = tokio::runtime::Handle::current();
    let backend = if db.is_sqlite() {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    for kind in kinds(&s) {
        let text = prop_oneof![
            1 => garbage(),
            2 => mutated(kind.seeds.clone(), kind.sep),
            4 => plausible(kind.seeds.clone(), kind.sep),
        ];
        let option = prop_oneof![
            3 => Just(None),
            2 => Just(Some("All".to_string())),
            1 => hostile_value().prop_map(Some),
        ];
        let strategy = (text, option, any::<bool>());
        let mut runner = TestRunner::new(Config {
            cases: mutate::scaled(IMPORTS_PER_KIND),
            failure_persistence: None,
            ..Config::default()
        });
        // First the files of this kind that read cleanly and are refused by
        // what is stored, after some of their rows may have been written.
        let known = store_refusals(kind.name, &s);
        for text in &known {
            assert!(reads_cleanly(kind.name, text, &None), "{text}");
            let before = snapshot(&pool).await;
            let e = import(r, kind.name, text, &None, false)
                .await
                .expect_err("refused by the stored data");
            check_refusal(kind.name, &e).unwrap();
            assert_eq!(
                before,
                snapshot(&pool).await,
                "{backend}: a file refused by the stored data changed the database: {e}"
            );
            r.verify_audit().await.unwrap();
        }
        let known = known.len() as u32;
        // Accepted, refused, refused although the file alone reads cleanly.
        let counts = std::cell::Cell::new((0u32, known, known));
        // The database as the last refusal left it (unchanged since).
        let last = std::cell::RefCell::new(None);
        let result = tokio::task::block_in_place(|| {
            runner.run(&strategy, |(text, option, flag)| {
                handle.block_on(async {
                    let before = match last.take() {
                        Some(s) => s,
                        None => snapshot(&pool).await,
                    };
                    let (accepted, refused, by_store) = counts.get();
                    match import(r, kind.name, &text, &option, flag).await {
                        Ok(_) => counts.set((accepted + 1, refused, by_store)),
                        Err(e) => {
                            check_refusal(kind.name, &e)?;
                            let after = snapshot(&pool).await;
                            prop_assert_eq!(
                                &before,
                                &after,
                                "a refused file changed the database: {}",
                                e
                            );
                            *last.borrow_mut() = Some(after);
                            let clean = reads_cleanly(kind.name, &text, &option);
                            counts.set((accepted, refused + 1, by_store + u32::from(clean)));
                        }
                    }
                    r.verify_audit()
                        .await
                        .map_err(|e| TestCaseError::fail(format!("audit verify: {e}")))?;
                    Ok(())
                })
            })
        });
        if let Err(e) = result {
            panic!("{backend}, {} imports: {e}", kind.name);
        }
        let (accepted, refused, by_store) = counts.get();
        eprintln!(
            "fuzz registry {} imports on {backend}: {} files, {accepted} accepted, {refused} refused \
             ({by_store} of them by the stored data, inside the transaction), the database unchanged by each refusal",
            kind.name,
            accepted + refused
        );
        // Files that read cleanly alone and are refused against what is
        // stored, inside the import's transaction after some rows may have
        // been written: each was checked above to leave every table and the
        // audit as they were. Without them that check would prove little.
        // (A frequency table is stored as a new version: nothing stored refuses one.)
        assert!(
            by_store > 0 || kind.name == "frequencies",
            "{backend}, {} imports: no file was refused by the stored data ({refused} refused)",
            kind.name
        );
    }
    pool.close().await;
}
both!(hostile_imports_change_nothing_when_refused);

/// Found while fuzzing: a NUL in a genotype table's sample name, in an import
/// option, in a login name or in a review reason reached PostgreSQL, which
/// refuses it in text (a database failure, HTTP 500). Now each is a refusal
/// (or, for a login name, no such account), with nothing stored.
async fn nul_and_control_characters_are_refused_not_failures(db: &TestDb) {
    let r = &db.registry;
    let s = load_small(r).await;
    let pool = raw_pool(&db.url).await;
    let before = snapshot(&pool).await;
    for bad in ["NEW\u{0}1", "NEW\u{1b}[31m"] {
        let text = format!(
            "{}{bad}.fsa\t{bad}\tPP\tvWA\tB\t14\t15\t\t1\t1\n",
            s.profiles
        );
        let e = r
            .import_profiles("t", "nul.txt", &text, None, None, &|_, _| {})
            .await
            .unwrap_err();
        let lines = text.lines().count();
        assert!(matches!(e, RegistryError::Format(_)), "{e}");
        assert!(
            e.to_string().starts_with(&format!(
                "nul.txt:{lines}: field \"Sample Name\": control character U+"
            )),
            "{e}"
        );
    }
    let new = format!(
        "{}NEW-1.fsa\tNEW-1\tPP\tvWA\tB\t14\t15\t\t1\t1\n",
        s.profiles
    );
    for (lab, kit) in [(Some("La\u{0}b"), None), (None, Some("k\u{7}"))] {
        let e = r
            .import_profiles("t", "p.txt", &new, lab, kit, &|_, _| {})
            .await
            .unwrap_err();
        assert!(matches!(e, RegistryError::Invalid(_)), "{e}");
    }
    let e = r
        .import_frequencies(
            "t",
            "f.csv",
            formats::builtin::NIST_FREQUENCIES,
            Some("N\u{0}"),
            Some("All"),
            false,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("control character U+0000"), "{e}");
    let id = r.candidate_summaries(None, None).await.unwrap()[0].id;
    let e = r
        .review("ann", id, registry::ReviewAction::Reject, Some("x\u{0}y"))
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::Invalid(_)), "{e}");
    assert!(r.user_by_name("worker\u{0}1").await.unwrap().is_none());
    assert_eq!(before, snapshot(&pool).await, "nothing stored");
    r.verify_audit().await.unwrap();
    pool.close().await;
}
both!(nul_and_control_characters_are_refused_not_failures);
