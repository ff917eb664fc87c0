//! SQL injection attempts in every text a caller can give the registry: free
//! texts are stored verbatim, identifiers are refused with their place, and
//! nothing is ever executed (every table intact afterwards).

use registry::{CandidateFilter, ReviewAction, Role};
use sqlx::Row;

use crate::both;
use crate::common::*;
use crate::erasure::raw_pool;

/// Attempts in the styles that work against string-built SQL.
pub const INJECTIONS: &[&str] = &[
    "'; DROP TABLE cases;--",
    "' OR '1'='1",
    "Robert'); DROP TABLE case_references;--",
    "\"); DELETE FROM profiles; --",
    "1; UPDATE candidates SET status = 'reunited'",
    "' UNION SELECT password_hash FROM users --",
    "x' AND 1=(SELECT COUNT(*) FROM audit_log) --",
    "\\'; DELETE FROM audit_log; --",
    "$1 OR 1=1",
    "%' OR sample_name LIKE '%",
];

/// A CSV field, quoted.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The rows of every table.
async fn table_counts(pool: &sqlx::AnyPool) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in [
        "meta",
        "frequency_dbs",
        "cases",
        "found_children",
        "case_references",
        "profiles",
        "candidates",
        "imports",
        "audit_log",
        "users",
        "sessions",
        "candidate_events",
        "retention",
    ] {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("table {t}: {e}"))
            .try_get(0)
            .unwrap();
        out.push((t, n));
    }
    out
}

async fn sql_injection_is_stored_verbatim_or_refused(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let pool = raw_pool(db).await;
    let start = table_counts(&pool).await;
    let n = INJECTIONS.len();

    // Free texts of cases, references and found children: stored as given.
    let mut cases = String::from(CASES_HEADER);
    let mut refs = String::from(REFERENCES_HEADER);
    let mut found = String::from(FOUND_HEADER);
    for (i, s) in INJECTIONS.iter().enumerate() {
        cases.push_str(&format!(
            "INJ-{i},{},female,2023-01-01,2023-02-01,2024-01-01,{},,,{}\n",
            q(s),
            q(s),
            q(s)
        ));
        refs.push_str(&format!("INJ-R{i},INJ-{i},mother,{},female\n", q(s)));
        found.push_str(&format!(
            "INJ-S{i},INJ-F{i},male,100,200,2025-01-01,{},,,{},{}\n",
            q(s),
            q(s),
            q(s)
        ));
    }
    let file = INJECTIONS[0];
    r.import_cases("t", file, &cases).await.unwrap();
    r.import_references("t", INJECTIONS[1], &refs)
        .await
        .unwrap();
    r.import_found("t", INJECTIONS[2], &found).await.unwrap();
    for (i, s) in INJECTIONS.iter().enumerate() {
        let c = r
            .case_page("t", &format!("INJ-{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.child_name.as_deref(), Some(*s));
        assert_eq!(c.missing_place.as_deref(), Some(*s));
        assert_eq!(c.description.as_deref(), Some(*s));
        assert_eq!(c.references[0].person_name.as_deref(), Some(*s));
        let f = r
            .found_page("t", &format!("INJ-F{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.found_place.as_deref(), Some(*s));
        assert_eq!(f.institution.as_deref(), Some(*s));
        assert_eq!(f.description.as_deref(), Some(*s));
    }
    // Lab, kit and file names of a profile import, the name and population
    // of a frequency database: plain columns, stored as given.
    let people = nist();
    r.import_profiles(
        "t",
        INJECTIONS[3],
        &genemapper(&[("INJ-R0", &people[40].1)]),
        Some(INJECTIONS[4]),
        Some(INJECTIONS[5]),
        &|_, _| {},
    )
    .await
    .unwrap();
    let stored =
        sqlx::query("SELECT lab, kit, source_file FROM profiles WHERE sample_name = 'INJ-R0'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored.try_get::<String, _>(0).unwrap(), INJECTIONS[4]);
    assert_eq!(stored.try_get::<String, _>(1).unwrap(), INJECTIONS[5]);
    assert_eq!(stored.try_get::<String, _>(2).unwrap(), INJECTIONS[3]);
    let e = r
        .import_frequencies(
            "t",
            INJECTIONS[6],
            formats::builtin::NIST_FREQUENCIES,
            Some(INJECTIONS[7]),
            Some(INJECTIONS[8]),
            false,
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains(INJECTIONS[8]), "no such population: {e}");
    r.import_frequencies(
        "t",
        INJECTIONS[6],
        formats::builtin::NIST_FREQUENCIES,
        Some(INJECTIONS[7]),
        Some("All"),
        false,
    )
    .await
    .unwrap();
    let names: i64 =
        sqlx::query("SELECT COUNT(*) FROM frequency_dbs WHERE name = $1 AND source_file = $2")
            .bind(INJECTIONS[7])
            .bind(INJECTIONS[6])
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
    assert_eq!(names, 1);

    // Identifiers and coded fields: refused, with the file, line and field.
    let refused: Vec<(String, &str, &str)> = INJECTIONS
        .iter()
        .flat_map(|s| {
            [
                (
                    format!("{CASES_HEADER}{},,female,,,,,,,\n", q(s)),
                    "cases",
                    "case_id",
                ),
                (
                    format!("{REFERENCES_HEADER}{},MC-1,mother,,female\n", q(s)),
                    "references",
                    "sample_name",
                ),
                (
                    format!("{REFERENCES_HEADER}X-1,{},mother,,female\n", q(s)),
                    "references",
                    "case_id",
                ),
                (
                    format!("{REFERENCES_HEADER}X-1,MC-1,{},,female\n", q(s)),
                    "references",
                    "relationship",
                ),
                (
                    format!("{FOUND_HEADER}X-2,{},male,,,,,,,,\n", q(s)),
                    "found",
                    "found_id",
                ),
                (
                    format!("{FOUND_HEADER}X-2,X-3,{},,,,,,,,\n", q(s)),
                    "found",
                    "sex",
                ),
            ]
        })
        .collect();
    for (text, kind, field) in &refused {
        let e = match *kind {
            "cases" => r.import_cases("t", "bad.csv", text).await,
            "references" => r.import_references("t", "bad.csv", text).await,
            _ => r.import_found("t", "bad.csv", text).await,
        }
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("bad.csv:2:") && e.contains(field),
            "{kind} {field}: {e}"
        );
    }
    // In a genotype table: the sample name is a label, kept as written; a
    // marker or an allele that is not one is refused.
    let mut person = people[41].1.clone();
    let sample = INJECTIONS[9];
    r.import_profiles(
        "t",
        "p.txt",
        &genemapper(&[(sample, &person)]),
        None,
        None,
        &|_, _| {},
    )
    .await
    .unwrap();
    let kept: i64 = sqlx::query("SELECT COUNT(*) FROM profiles WHERE sample_name = $1")
        .bind(sample)
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(kept, 1);
    person[0].1 = INJECTIONS[1].to_string();
    assert!(
        r.import_profiles(
            "t",
            "p.txt",
            &genemapper(&[("X-9", &person)]),
            None,
            None,
            &|_, _| {}
        )
        .await
        .is_err()
    );

    // Accounts, sessions, lookups, filters and review reasons.
    for s in INJECTIONS {
        assert!(r.create_user("t", s, Role::Admin, "h", None).await.is_err());
        assert!(
            r.create_user("t", "ok-name", Role::Family, "h", Some(s))
                .await
                .is_err()
        );
        assert!(r.user_by_name(s).await.unwrap().is_none());
        assert!(r.session_user(s).await.unwrap().is_none());
        assert!(r.case_page("t", s).await.unwrap().is_none());
        assert!(r.found_page("t", s).await.unwrap().is_none());
        assert!(r.case_id_ref(s).await.unwrap().is_none());
        r.record_failed_login(s, s).await.unwrap();
        let filter = CandidateFilter {
            status: Some(s.to_string()),
            found_id: Some(s.to_string()),
            case_id: Some(s.to_string()),
        };
        assert!(r.candidates(&filter).await.unwrap().is_empty());
        assert!(
            r.candidate_summaries(Some(s), None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(r.set_public_alert("t", s, true).await.is_err());
    }
    let cand = r.candidate_summaries(None, None).await.unwrap().remove(0);
    r.review(
        INJECTIONS[0],
        cand.id,
        ReviewAction::Reject,
        Some(INJECTIONS[5]),
    )
    .await
    .unwrap();
    let detail = r.candidate_detail("t", cand.id).await.unwrap().unwrap();
    assert_eq!(detail.history[0].reason.as_deref(), Some(INJECTIONS[5]));
    assert_eq!(detail.history[0].actor, INJECTIONS[0]);
    let failed = r.audit_tail(200).await.unwrap();
    for s in INJECTIONS {
        assert!(
            failed
                .iter()
                .any(|e| e.action == "auth.failed" && e.target_id == *s)
        );
    }

    // Every table is there, and holds what was added and nothing less.
    let end = table_counts(&pool).await;
    let added = |t: &str| {
        let a = start.iter().find(|(k, _)| *k == t).unwrap().1;
        let b = end.iter().find(|(k, _)| *k == t).unwrap().1;
        b - a
    };
    assert_eq!(added("cases"), n as i64);
    assert_eq!(added("case_references"), n as i64);
    assert_eq!(added("found_children"), n as i64);
    assert_eq!(added("profiles"), 2);
    assert_eq!(added("frequency_dbs"), 1);
    assert_eq!(added("users"), 0);
    assert_eq!(added("candidate_events"), 1);
    for (t, _) in &end {
        assert!(added(t) >= 0, "{t} lost rows");
    }
    let reunited: i64 = sqlx::query("SELECT COUNT(*) FROM candidates WHERE status = 'reunited'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(reunited, 0);
    pool.close().await;
    r.verify_audit().await.unwrap();
}
both!(sql_injection_is_stored_verbatim_or_refused);
