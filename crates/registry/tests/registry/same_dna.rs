//! Profiles with the same DNA (every shared marker equal, or all but one)
//! among found children and among references: flagged on import, told in
//! the report, kept for the pages, deleted with the profiles.

use registry::{SameDnaKind, SameDnaPair};

use crate::both;
use crate::common::*;

/// `person` with the genotype at its `k`-th marker replaced by another
/// real person's different genotype there.
fn changed_at(person: &Person, k: usize) -> Person {
    let people = nist();
    let mut p = person.clone();
    let (marker, a, b) = p[k].clone();
    let other = people
        .iter()
        .filter_map(|(_, q)| q.iter().find(|(m, _, _)| *m == marker))
        .find(|(_, x, y)| {
            let mut g1 = [x.clone(), y.clone()];
            let mut g2 = [a.clone(), b.clone()];
            g1.sort();
            g2.sort();
            g1 != g2
        })
        .unwrap()
        .clone();
    p[k] = other;
    p
}

/// (this, other, differing marker) of pairs, by found id or sample.
fn told(pairs: &[SameDnaPair]) -> Vec<(String, String, Option<String>)> {
    let name = |s: &registry::SameDnaSide| s.found_id.clone().unwrap_or(s.sample.clone());
    let mut v: Vec<_> = pairs
        .iter()
        .map(|p| (name(&p.this), name(&p.other), p.differing.clone()))
        .collect();
    v.sort();
    v
}

/// Rows of the `same_dna` table as (sample a, sample b).
async fn rows(db: &TestDb) -> Vec<(String, String)> {
    let pool = crate::erasure::raw_pool(db).await;
    let rows = sqlx::query("SELECT sample_a, sample_b FROM same_dna ORDER BY sample_a, sample_b")
        .fetch_all(&pool)
        .await
        .unwrap();
    use sqlx::Row;
    rows.iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect()
}

async fn found_children_with_the_same_dna_are_flagged(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    // The small registry has no two alike.
    assert_eq!(rows(db).await, vec![]);
    let people = nist();
    let p = |i: usize| &people[i].1;
    let child1 = child_of(p(0), p(1), 1);
    let child2 = child_of(p(2), p(3), 2);
    let d = child1[3].0.clone();
    let found = format!(
        "{FOUND_HEADER}FS-5,FC-5,male,400,700,2025-07-01,Riverton,,,Home C,\n\
         FS-6,FC-6,male,400,700,2025-07-01,Riverton,,,Home C,\n\
         FS-7,FC-7,female,100,300,2025-07-01,Lakeside,,,Home C,\n\
         FS-8,FC-8,female,100,300,2025-07-01,Lakeside,,,Home D,\n\
         FS-9,FC-9,female,500,900,2025-07-01,Hilltown,,,Home D,\n\
         FS-10,FC-10,male,600,1000,2025-07-01,Lakeside,,,Home D,\n"
    );
    r.import_found("t", "found2.csv", &found).await.unwrap();
    let thin: Person = p(900)[..9].to_vec();
    let thin_copy: Person = p(900)[..9].to_vec();
    let profiles = genemapper(&[
        // FC-1 registered again (another sample): every marker equal.
        ("FS-5", &child1),
        // FC-1 again with one marker typed otherwise.
        ("FS-6", &changed_at(&child1, 3)),
        // Twins in the same file.
        ("FS-7", p(800)),
        ("FS-8", p(800)),
        // FC-2 with two markers otherwise: not the same DNA.
        ("FS-9", &changed_at(&changed_at(&child2, 2), 5)),
        // Nine markers only: below the floor, not compared.
        ("FS-10", &thin),
    ]);
    let rep = r
        .import_profiles("t", "profiles2.txt", &profiles, None, None, &|_, _| {})
        .await
        .unwrap();
    let n = child1.len().to_string();
    let got = told(&rep.same_dna);
    assert_eq!(
        got,
        vec![
            ("FC-5".to_string(), "FC-1".to_string(), None),
            ("FC-5".to_string(), "FC-6".to_string(), Some(d.clone())),
            ("FC-6".to_string(), "FC-1".to_string(), Some(d.clone())),
            ("FC-7".to_string(), "FC-8".to_string(), None),
        ],
        "{rep:?}"
    );
    assert!(rep.same_dna.iter().all(|p| p.kind == SameDnaKind::Found));
    assert_eq!(
        rep.same_dna
            .iter()
            .find(|p| p.this.found_id.as_deref() == Some("FC-5"))
            .unwrap()
            .shared
            .to_string(),
        n
    );
    // In words in the report's notes, marker named, no genotype.
    assert!(
        rep.notes.iter().any(|n| n
            .starts_with("found child FC-5 has the same DNA as found child FC-1: all")
            && n.contains("markers equal")),
        "{:?}",
        rep.notes
    );
    assert!(
        rep.notes
            .iter()
            .any(|n| n.contains(&format!("all but one marker ({d}) of"))),
        "{:?}",
        rep.notes
    );
    assert!(
        rep.same_dna
            .iter()
            .any(|p| p.same_import && p.other.found_id.as_deref() == Some("FC-8"))
    );
    // Stored, once per pair; the pages read them from either side.
    assert_eq!(rows(db).await.len(), 4);
    let of1 = told(&r.found_page("t", "FC-1").await.unwrap().unwrap().same_dna);
    assert_eq!(
        of1,
        vec![
            ("FC-1".to_string(), "FC-5".to_string(), None),
            ("FC-1".to_string(), "FC-6".to_string(), Some(d.clone())),
        ]
    );
    assert!(
        r.found_page("t", "FC-9")
            .await
            .unwrap()
            .unwrap()
            .same_dna
            .is_empty()
    );
    assert!(
        r.found_page("t", "FC-10")
            .await
            .unwrap()
            .unwrap()
            .same_dna
            .is_empty()
    );
    // The same file again: nothing new, no sample flagged with itself.
    let again = r
        .import_profiles("t", "profiles2.txt", &profiles, None, None, &|_, _| {})
        .await
        .unwrap();
    assert!(again.same_dna.is_empty(), "{again:?}");
    assert_eq!(rows(db).await.len(), 4);
    // A thin copy of the thin one: both below the floor.
    let found = format!("{FOUND_HEADER}FS-11,FC-11,male,600,1000,2025-07-01,Lakeside,,,Home D,\n");
    r.import_found("t", "found3.csv", &found).await.unwrap();
    let rep = r
        .import_profiles(
            "t",
            "p3.txt",
            &genemapper(&[("FS-11", &thin_copy)]),
            None,
            None,
            &|_, _| {},
        )
        .await
        .unwrap();
    assert!(rep.same_dna.is_empty(), "{rep:?}");
    // An audit entry says how many were flagged, without names.
    let tail = r.audit_tail(200).await.unwrap();
    assert!(tail.iter().any(|e| e.action == "same_dna.flagged"
        && e.detail == "4 pairs of profiles with the same DNA flagged"));
}
both!(found_children_with_the_same_dna_are_flagged);

async fn references_with_the_same_dna_are_flagged(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let people = nist();
    let p = |i: usize| &people[i].1;
    let cases = format!("{CASES_HEADER}MC-4,,male,2024-01-01,2024-03-01,2024-06-01,Riverton,,,\n");
    r.import_cases("t", "cases2.csv", &cases).await.unwrap();
    // MC-1's mother given again for another lost child, under another
    // sample name; a father with one marker typed otherwise than MC-3's
    // grandfather; an aunt two markers away from MC-2's mother.
    let refs = format!(
        "{REFERENCES_HEADER}RS-4M,MC-4,mother,,female\nRS-4F,MC-4,father,,male\nRS-4A,MC-4,maternal_aunt,,female\n"
    );
    let profiles = genemapper(&[
        ("RS-4M", p(1)),
        ("RS-4F", &changed_at(p(4), 7)),
        ("RS-4A", &changed_at(&changed_at(p(3), 1), 2)),
    ]);
    // Profiles first, then the references: flagged when they are linked.
    let rep = r
        .import_profiles("t", "p4.txt", &profiles, None, None, &|_, _| {})
        .await
        .unwrap();
    assert!(rep.same_dna.is_empty());
    let rep = r
        .import_references("t", "references2.csv", &refs)
        .await
        .unwrap();
    let m7 = p(4)[7].0.clone();
    assert_eq!(
        told(&rep.same_dna),
        vec![
            ("RS-4F".to_string(), "RS-3GF".to_string(), Some(m7.clone())),
            ("RS-4M".to_string(), "RS-1M".to_string(), None),
        ],
        "{rep:?}"
    );
    assert!(
        rep.same_dna
            .iter()
            .all(|p| p.kind == SameDnaKind::Reference)
    );
    assert!(
        rep.notes.iter().any(|n| n.starts_with(
            "reference RS-4M (mother, case MC-4) has the same DNA as reference RS-1M (mother, case MC-1): all"
        )),
        "{:?}",
        rep.notes
    );
    // The same references again: unchanged, nothing new.
    let again = r
        .import_references("t", "references2.csv", &refs)
        .await
        .unwrap();
    assert!(again.same_dna.is_empty(), "{again:?}");
    let of1 = r.case_page("t", "MC-1").await.unwrap().unwrap().same_dna;
    assert_eq!(
        told(&of1),
        vec![("RS-1M".to_string(), "RS-4M".to_string(), None)]
    );
    assert_eq!(of1[0].other.case_id.as_deref(), Some("MC-4"));
    assert_eq!(
        r.case_page("t", "MC-4")
            .await
            .unwrap()
            .unwrap()
            .same_dna
            .len(),
        2
    );
    // Erasing the case deletes its pairs with its profiles.
    r.delete_case("t", "MC-4").await.unwrap();
    assert_eq!(rows(db).await, vec![]);
    assert!(
        r.case_page("t", "MC-1")
            .await
            .unwrap()
            .unwrap()
            .same_dna
            .is_empty()
    );
}
both!(references_with_the_same_dna_are_flagged);
