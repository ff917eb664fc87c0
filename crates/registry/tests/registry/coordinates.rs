//! Places with and without coordinates, one after another, as labs send
//! them: every pooled connection meets both, on SQLite and PostgreSQL. (On
//! PostgreSQL a statement first prepared with a NULL coordinate once refused
//! every later coordinate on that connection.)

use crate::both;
use crate::common::{CASES_HEADER, FOUND_HEADER, TestDb};

const FILES: usize = 24;

fn coordinates(i: usize) -> Option<(f64, f64)> {
    // NULL first, then values, alternating; values with many digits and 0.
    match i % 3 {
        0 => None,
        1 => Some((10.123456789012345 + i as f64, -0.1 - i as f64 / 7.0)),
        _ => Some((0.0, 179.999999)),
    }
}

async fn places_with_and_without_coordinates(db: &TestDb) {
    let r = &db.registry;
    for i in 0..FILES {
        let (lat, lon) = coordinates(i).map_or((String::new(), String::new()), |(a, b)| {
            (format!("{a}"), format!("{b}"))
        });
        let cases =
            format!("{CASES_HEADER}MC-C{i},,male,2024-01-01,2024-03-01,2024-06-01,,{lat},{lon},\n");
        r.import_cases("t", "cases.csv", &cases)
            .await
            .unwrap_or_else(|e| panic!("cases file {i}: {e}"));
        let found =
            format!("{FOUND_HEADER}FS-C{i},FC-C{i},female,300,900,2025-07-01,,{lat},{lon},,\n");
        r.import_found("t", "found.csv", &found)
            .await
            .unwrap_or_else(|e| panic!("found file {i}: {e}"));
        // Importing the same file again finds the same row: nothing added.
        let again = r.import_cases("t", "cases.csv", &cases).await.unwrap();
        assert_eq!((again.added, again.unchanged), (0, 1), "cases file {i}");
    }
    for i in 0..FILES {
        let want = coordinates(i);
        let case = r
            .case_page("t", &format!("MC-C{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(case.facts.lat.zip(case.facts.lon), want, "MC-C{i}");
        let found = r
            .found_page("t", &format!("FC-C{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.facts.lat.zip(found.facts.lon), want, "FC-C{i}");
    }
}
both!(places_with_and_without_coordinates);
