//! Population Y-STR haplotype databases: versioned by name, one active,
//! the same men again no new version, the mixture fitted once and stored,
//! a bad file refused with its place and nothing stored.

use registry::{ImportKind, RegistryError};
use sqlx::Row;

use crate::both;
use crate::common::*;

/// The synthetic Yfiler Plus population of the repository.
pub fn synthetic() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/ystr/synthetic_yfilerplus.csv");
    std::fs::read_to_string(path).unwrap()
}

/// The header and the first `men` men of the synthetic population.
pub fn population(men: usize) -> String {
    let text = synthetic();
    let mut out: Vec<&str> = text.lines().take(men + 1).collect();
    out.push("");
    out.join("\n")
}

/// (name, version, active) of every stored haplotype database, by id.
async fn stored(db: &TestDb) -> Vec<(String, i64, i64)> {
    let pool = crate::erasure::raw_pool(db).await;
    let rows = sqlx::query("SELECT name, version, active FROM haplotype_dbs ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get(0).unwrap(),
                r.try_get(1).unwrap(),
                r.try_get(2).unwrap(),
            )
        })
        .collect();
    pool.close().await;
    rows
}

async fn versioned_activated_and_fitted_once(db: &TestDb) {
    let r = &db.registry;
    assert_eq!(r.active_haplotype_db().await.unwrap(), None);
    let text = population(60);
    let rep = r
        .import_haplotypes("lab1", "yhrd.csv", &text, Some("YHRD"), false)
        .await
        .unwrap();
    assert_eq!(rep.kind, ImportKind::Haplotypes);
    assert_eq!((rep.rows, rep.added, rep.unchanged), (60, 60, 0));
    assert_eq!(stored(db).await, [("YHRD".into(), 1, 1)]);
    let audit = r.audit_tail(1).await.unwrap();
    assert_eq!(
        (audit[0].action.as_str(), audit[0].actor.as_str()),
        ("import.haplotypes", "lab1")
    );

    // The stored mixture is the fit disclapmix_adaptive chooses on these men.
    let active = r.active_haplotype_db().await.unwrap().unwrap();
    assert_eq!(
        (active.name.as_str(), active.version, active.men),
        ("YHRD", 1, 60)
    );
    assert_eq!(active.loci.len(), 25);
    assert_eq!(active.loci[0], "DYS576");
    let p = ystr::population::Population::parse(&text, "yhrd.csv").unwrap();
    let x = p.model_matrix().unwrap();
    let fit = ystr::disclap::fit_adaptive(&x, 5, |_| {}).unwrap();
    let best = fit.best();
    let m = &active.mixture;
    assert_eq!(m.coordinates, p.coordinate_names());
    assert_eq!(m.clusters, best.mixture.clusters());
    // JSON keeps every float to its last bit or the one beside it.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 * b.abs();
    assert_eq!(m.centres, best.mixture.centres);
    for (got, want) in [
        (m.weights.clone(), best.mixture.weights.clone()),
        (m.dispersion.concat(), best.mixture.dispersion.concat()),
        (
            vec![m.log_likelihood, m.bic],
            vec![best.log_likelihood, best.bic],
        ),
    ] {
        assert_eq!(got.len(), want.len());
        assert!(
            got.iter().zip(&want).all(|(a, b)| close(*a, *b)),
            "{got:?} {want:?}"
        );
    }
    // It predicts as the fit does: each man of the file.
    for row in &x {
        let h: Vec<Option<i32>> = row.iter().map(|v| Some(*v)).collect();
        let (got, want) = (m.mixture().probability(&h), best.mixture.probability(&h));
        assert!((got - want).abs() <= 1e-13 * want, "{got} {want}");
    }

    // The same men, spelled otherwise (semicolons, CRLF, an id column): no new version.
    let respelled: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let id = if i == 0 {
                "id".to_string()
            } else {
                format!("m{i}")
            };
            format!("{id};{}\r\n", l.replace(',', ";"))
        })
        .collect();
    let rep = r
        .import_haplotypes("lab1", "again.csv", &respelled, Some("YHRD"), false)
        .await
        .unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 60));
    assert_eq!(stored(db).await, [("YHRD".into(), 1, 1)]);

    // Other men under the same name: version 2, not active until asked.
    let more = population(70);
    let rep = r
        .import_haplotypes("lab1", "yhrd2.csv", &more, Some("YHRD"), false)
        .await
        .unwrap();
    assert_eq!((rep.rows, rep.added), (70, 70));
    assert_eq!(
        stored(db).await,
        [("YHRD".into(), 1, 1), ("YHRD".into(), 2, 0)]
    );
    // Another database, named by its file: stored, not active.
    r.import_haplotypes("lab1", "dir/east.csv", &population(40), None, false)
        .await
        .unwrap();
    assert_eq!(stored(db).await[2], ("east".into(), 1, 0));
    assert_eq!(r.active_haplotype_db().await.unwrap().unwrap().version, 1);
    // --activate switches: one active database.
    r.import_haplotypes("lab1", "yhrd2.csv", &more, Some("YHRD"), true)
        .await
        .unwrap();
    assert_eq!(
        stored(db).await,
        [
            ("YHRD".into(), 1, 0),
            ("YHRD".into(), 2, 1),
            ("east".into(), 1, 0)
        ]
    );
    let active = r.active_haplotype_db().await.unwrap().unwrap();
    assert_eq!((active.version, active.men), (2, 70));
    assert!(r.verify_audit().await.unwrap() > 0);
}
both!(versioned_activated_and_fitted_once);

async fn a_bad_file_is_refused_with_its_place_and_nothing_stored(db: &TestDb) {
    let r = &db.registry;
    r.import_haplotypes("lab1", "good.csv", &population(30), None, false)
        .await
        .unwrap();
    let head = r.audit_tail(1).await.unwrap();
    let mut lines: Vec<String> = population(30).lines().map(str::to_string).collect();
    // Line 5 (the fourth man): DYS635 is not an allele.
    let mut cells: Vec<&str> = lines[4].split(',').collect();
    cells[2] = "x";
    lines[4] = cells.join(",");
    let bad = lines.join("\n");
    let e = r
        .import_haplotypes("lab1", "bad.csv", &bad, Some("good"), true)
        .await
        .unwrap_err();
    let RegistryError::Format(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!(e.file, "bad.csv");
    assert_eq!(e.location.line, Some(5));
    assert_eq!(e.location.field.as_deref(), Some("DYS635"));
    assert!(!e.reason.is_empty());
    // An intermediate allele reads, but the mixture cannot take it: refused at its place.
    let mut lines: Vec<String> = population(30).lines().map(str::to_string).collect();
    let mut cells: Vec<&str> = lines[7].split(',').collect();
    cells[7] = "14.2";
    lines[7] = cells.join(",");
    let e = r
        .import_haplotypes("lab1", "inter.csv", &lines.join("\n"), Some("good"), true)
        .await
        .unwrap_err();
    let RegistryError::Format(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (
            e.file.as_str(),
            e.location.line,
            e.location.field.as_deref()
        ),
        ("inter.csv", Some(8), Some("DYS19"))
    );
    assert!(e.reason.contains("intermediate"), "{}", e.reason);
    // A control character in the name.
    assert!(matches!(
        r.import_haplotypes("lab1", "n.csv", &population(30), Some("a\0b"), false)
            .await,
        Err(RegistryError::Invalid(_))
    ));
    // Nothing stored, nothing audited.
    assert_eq!(stored(db).await, [("good".into(), 1, 1)]);
    assert_eq!(r.audit_tail(1).await.unwrap(), head);
}
both!(a_bad_file_is_refused_with_its_place_and_nothing_stored);
