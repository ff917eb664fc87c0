//! PFIF 1.4: the export of the open public alerts and the import of person
//! records as cases, on both databases.

use formats::pfif::{self, Person};
use registry::pfif::clone_case_id;
use registry::{Registry, RegistryError};

use crate::both;
use crate::common::*;

/// A second, empty registry on the same kind of database.
async fn fresh(db: &TestDb) -> TestDb {
    if db.is_sqlite() {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await
    }
}

/// Moves the candidate of FC-2 and MC-2 to reunited (which closes MC-2).
async fn reunite_mc2(r: &Registry) {
    let id = r
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .iter()
        .find(|c| c.found_id == "FC-2" && c.case_id == "MC-2")
        .unwrap()
        .id;
    reunite(r, id).await;
}

/// The person fields a copy keeps (all but `entry_date`, which is when the copy was stored).
fn kept(p: &Person) -> Person {
    Person {
        line: 0,
        entry_date: None,
        notes: Vec::new(),
        ..p.clone()
    }
}

async fn exports_open_public_alerts_only(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    r.set_pfif_domain("admin", "registry-a.example.org")
        .await
        .unwrap();
    r.set_public_alert("test", "MC-1", true).await.unwrap();
    r.set_public_alert("test", "MC-2", true).await.unwrap();
    // MC-3 stays off; MC-2 is then reunited (closed), and opted in again.
    reunite_mc2(r).await;
    r.set_public_alert("test", "MC-2", true).await.unwrap();
    let export = r.export_pfif("public").await.unwrap();
    assert_eq!(export.persons, 1);
    assert_eq!(export.domain, "registry-a.example.org");
    let doc = pfif::read("export.xml", &export.xml).unwrap();
    assert_eq!(doc.persons.len(), 1);
    let p = &doc.persons[0];
    assert_eq!(p.person_record_id, "registry-a.example.org/MC-1");
    assert_eq!(p.full_name, "Amina Secretname");
    assert_eq!(p.sex, Some(pfif::PfifSex::Male));
    assert_eq!(p.description.as_deref(), Some("scar on left knee"));
    // Born between 2024-01-01 and 2024-03-01: the year.
    assert_eq!(p.date_of_birth, Some(pfif::ApproxDate::Year(2024)));
    assert!(p.age.is_some());
    let note = &p.notes[0];
    assert_eq!(note.status, Some(pfif::NoteStatus::InformationSought));
    assert!(
        note.text.starts_with("Missing since 2024-06-01."),
        "{}",
        note.text
    );
    let loc = note.last_known_location.as_deref().unwrap();
    let (lat, lon) = loc.split_once(", ").unwrap();
    assert_eq!(lat, "10.5");
    assert!(
        (lon.parse::<f64>().unwrap() - 20.25).abs() <= 0.051,
        "{loc}"
    );
    // Nothing of the closed or opted-out cases, of the references, of DNA, of places' names.
    let xml = &export.xml;
    for absent in [
        "MC-2",
        "MC-3",
        "Baraka",
        "birthmark",
        "Riverton",
        "Joseph",
        "Privatename",
        "Grace",
        "RS-1F",
        "RS-1M",
        "FS-1",
        "FC-1",
        "genotype",
        "allele",
        "D3S1358",
        "vWA",
        "FGA",
        "TH01",
        "AMEL",
    ] {
        assert!(!xml.contains(absent), "{absent} in the export:\n{xml}");
    }
    for (marker, _, _) in &nist()[0].1 {
        assert!(!xml.contains(marker.as_str()), "{marker} in the export");
    }
    // The export is audited.
    let last = &r.audit_tail(1).await.unwrap()[0];
    assert_eq!(
        (
            last.actor.as_str(),
            last.action.as_str(),
            last.detail.as_str()
        ),
        ("public", "pfif.export", "1 person records")
    );
    // A bad domain is refused.
    assert!(matches!(
        r.set_pfif_domain("admin", "Not A Domain").await,
        Err(RegistryError::Invalid(_))
    ));
}
both!(exports_open_public_alerts_only);

async fn round_trips_into_a_fresh_registry(db: &TestDb) {
    let a = &db.registry;
    load_small(a).await;
    a.set_pfif_domain("admin", "registry-a.example.org")
        .await
        .unwrap();
    for case in ["MC-1", "MC-2", "MC-3"] {
        a.set_public_alert("test", case, true).await.unwrap();
    }
    let first = a.export_pfif("test").await.unwrap();
    assert_eq!(first.persons, 3);
    let other = fresh(db).await;
    let b = &other.registry;
    b.set_pfif_domain("admin", "registry-b.example.org")
        .await
        .unwrap();
    let before = b.counts().await.unwrap();
    let rep = b.import_pfif("cli:ops", "a.xml", &first.xml).await.unwrap();
    assert_eq!(
        (rep.kind.name(), rep.rows, rep.added, rep.unchanged),
        ("pfif", 3, 3, 0)
    );
    assert_eq!(b.counts().await.unwrap()[0].1, before[0].1 + 3);
    let last = &b.audit_tail(1).await.unwrap()[0];
    assert_eq!(last.action, "import.pfif");
    assert!(!last.detail.contains("Amina"), "{}", last.detail);
    // The case fields.
    let mc1 = clone_case_id("registry-a.example.org/MC-1");
    let case = b.case_page("test", &mc1).await.unwrap().unwrap();
    assert_eq!(case.child_name.as_deref(), Some("Amina Secretname"));
    assert_eq!(case.description.as_deref(), Some("scar on left knee"));
    assert_eq!(case.facts.sex.as_deref(), Some("male"));
    assert_eq!(case.facts.missing_date.as_deref(), Some("2024-06-01"));
    assert_eq!(case.facts.lat, Some(10.5));
    assert!((case.facts.lon.unwrap() - 20.25).abs() <= 0.051);
    assert_eq!(case.facts.birth_from.as_deref(), Some("2024-01-01"));
    assert!(case.facts.birth_to.as_deref().unwrap() >= "2024-03-01");
    assert!(!case.public_alert);
    assert!(case.references.is_empty());
    let mc2 = b
        .case_page("test", &clone_case_id("registry-a.example.org/MC-2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mc2.child_name, None);
    assert_eq!(mc2.facts.birth_from.as_deref(), Some("2023-05-01"));
    assert_eq!(mc2.facts.birth_to.as_deref(), Some("2023-05-01"));
    let mc3 = b
        .case_page("test", &clone_case_id("registry-a.example.org/MC-3"))
        .await
        .unwrap()
        .unwrap();
    // Lakeside has no coordinates: no place is published.
    assert_eq!((mc3.facts.lat, mc3.missing_place.clone()), (None, None));
    // Republished by B, the records keep their ids, sources and person fields.
    for case in [&mc1, &case.case_id, &mc2.case_id, &mc3.case_id] {
        b.set_public_alert("test", case, true).await.unwrap();
    }
    let second = b.export_pfif("test").await.unwrap();
    let (d1, d2) = (
        pfif::read("a.xml", &first.xml).unwrap(),
        pfif::read("b.xml", &second.xml).unwrap(),
    );
    let persons = |d: &pfif::Document| d.persons.iter().map(kept).collect::<Vec<_>>();
    assert_eq!(persons(&d1), persons(&d2));
    for (p1, p2) in d1.persons.iter().zip(&d2.persons) {
        let (n1, n2) = (&p1.notes[0], &p2.notes[0]);
        assert_eq!(n1.last_known_location, n2.last_known_location);
        assert_eq!(
            n1.text.split(" The family").next(),
            n2.text.split(" The family").next()
        );
    }
    // Importing again adds nothing; B's copies come back to A as A's own.
    let cases = b.counts().await.unwrap()[0].1;
    let again = b.import_pfif("cli:ops", "a.xml", &first.xml).await.unwrap();
    assert_eq!((again.added, again.unchanged), (0, 3));
    let again = b
        .import_pfif("cli:ops", "b.xml", &second.xml)
        .await
        .unwrap();
    assert_eq!((again.added, again.unchanged), (0, 3));
    assert_eq!(b.counts().await.unwrap()[0].1, cases);
    let back = a
        .import_pfif("cli:ops", "b.xml", &second.xml)
        .await
        .unwrap();
    assert_eq!((back.added, back.unchanged), (0, 3));
    assert!(
        back.notes
            .iter()
            .any(|n| n.contains("this registry itself")),
        "{:?}",
        back.notes
    );
    assert_eq!(a.counts().await.unwrap()[0].1, 3);
    other.finish().await;
}
both!(round_trips_into_a_fresh_registry);

async fn newer_versions_update_and_broken_files_change_nothing(db: &TestDb) {
    let r = &db.registry;
    let feed = |date: &str, name: &str, extra: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">\n\
             <pfif:person>\n\
             <pfif:person_record_id>finder.example.net/p/17</pfif:person_record_id>\n\
             <pfif:source_date>{date}</pfif:source_date>\n\
             <pfif:full_name>{name}</pfif:full_name>\n\
             <pfif:author_name>Reporter Privatename</pfif:author_name>\n\
             <pfif:author_phone>+1 555 0100</pfif:author_phone>\n\
             <pfif:home_street>Hidden Street</pfif:home_street>\n\
             <pfif:sex>female</pfif:sex>\n\
             <pfif:age>3</pfif:age>\n\
             </pfif:person>\n{extra}</pfif:pfif>\n"
        )
    };
    let v1 = feed("2025-01-01T00:00:00Z", "Zoë &amp; Ana", "");
    let rep = r.import_pfif("t", "v1.xml", &v1).await.unwrap();
    assert_eq!(rep.added, 1);
    let id = clone_case_id("finder.example.net/p/17");
    let case = r.case_page("t", &id).await.unwrap().unwrap();
    assert_eq!(case.child_name.as_deref(), Some("Zoë & Ana"));
    assert_eq!(case.facts.sex.as_deref(), Some("female"));
    // Aged 3 on 2025-01-01.
    assert_eq!(case.facts.birth_from.as_deref(), Some("2021-01-02"));
    assert_eq!(case.facts.birth_to.as_deref(), Some("2022-01-01"));
    // The same version again: nothing; a newer one: the case is updated.
    let rep = r.import_pfif("t", "v1.xml", &v1).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 1));
    let v2 = feed(
        "2025-02-01T00:00:00Z",
        "Zoë Ana",
        "<pfif:note>\n<pfif:note_record_id>finder.example.net/n/1</pfif:note_record_id>\n\
         <pfif:person_record_id>finder.example.net/p/17</pfif:person_record_id>\n\
         <pfif:author_name>Reporter</pfif:author_name>\n\
         <pfif:source_date>2025-02-01T00:00:00Z</pfif:source_date>\n\
         <pfif:status>believed_missing</pfif:status>\n\
         <pfif:last_known_location>near the bus station</pfif:last_known_location>\n\
         <pfif:text>Missing since 2024-12-24.</pfif:text>\n</pfif:note>\n",
    );
    let rep = r.import_pfif("t", "v2.xml", &v2).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 0));
    assert!(
        rep.notes[0].contains("1 records updated"),
        "{:?}",
        rep.notes
    );
    let case = r.case_page("t", &id).await.unwrap().unwrap();
    assert_eq!(case.child_name.as_deref(), Some("Zoë Ana"));
    assert_eq!(case.missing_place.as_deref(), Some("near the bus station"));
    assert_eq!(case.facts.missing_date.as_deref(), Some("2024-12-24"));
    // The case's new place is found by search: its terms were written again.
    let found = r
        .search(
            "t",
            &registry::SearchQuery {
                text: "bus station".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ids: Vec<&str> = found.cases.iter().map(|c| c.case_id.as_str()).collect();
    assert_eq!(ids, [id.as_str()]);
    // The older version is ignored.
    let rep = r.import_pfif("t", "v1.xml", &v1).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 1));
    assert_eq!(
        r.case_page("t", &id)
            .await
            .unwrap()
            .unwrap()
            .child_name
            .as_deref(),
        Some("Zoë Ana")
    );
    // Contacts and addresses are never stored: not in any readable field.
    let page = format!("{:?}", r.case_page("t", &id).await.unwrap().unwrap());
    for absent in ["Privatename", "555", "Hidden Street"] {
        assert!(!page.contains(absent), "{absent}: {page}");
    }

    // Broken files: refused with file, line and field; nothing changes, audit log included.
    let before = r.counts().await.unwrap();
    let expect = |res: Result<registry::ImportReport, RegistryError>, line: usize, what: &str| {
        let e = res.expect_err("must be refused").to_string();
        assert!(e.starts_with(&format!("bad.xml:{line}:")), "{e}");
        assert!(e.contains(what), "{e}");
    };
    // A good new record, then a bad sex: the good one is not kept either.
    let two = feed("2025-03-01T00:00:00Z", "New Child", "")
        .replace("finder.example.net/p/17", "finder.example.net/p/18")
        .replace(
            "</pfif:pfif>",
            "<pfif:person>\n<pfif:person_record_id>finder.example.net/p/19</pfif:person_record_id>\n\
             <pfif:source_date>2025-03-01T00:00:00Z</pfif:source_date>\n\
             <pfif:full_name>X</pfif:full_name>\n<pfif:sex>boy</pfif:sex>\n</pfif:person>\n</pfif:pfif>",
        );
    expect(r.import_pfif("t", "bad.xml", &two).await, 17, "sex");
    // A date of birth the age contradicts.
    let contradiction = feed("2025-03-01T00:00:00Z", "Y", "")
        .replace("finder.example.net/p/17", "finder.example.net/p/20")
        .replace(
            "<pfif:age>3</pfif:age>",
            "<pfif:age>3</pfif:age>\n<pfif:date_of_birth>2024</pfif:date_of_birth>",
        );
    expect(
        r.import_pfif("t", "bad.xml", &contradiction).await,
        3,
        "contradicts",
    );
    // The same source_date with other content.
    let changed = v2.replace("Zoë Ana", "Somebody Else");
    expect(
        r.import_pfif("t", "bad.xml", &changed).await,
        3,
        "same source_date",
    );
    // A record of a registry that has not set its domain.
    let placeholder = v1.replace("finder.example.net/p/17", "reunite.invalid/MC-1");
    expect(
        r.import_pfif("t", "bad.xml", &placeholder).await,
        3,
        "placeholder domain",
    );
    // Not XML, and another PFIF version.
    expect(
        r.import_pfif("t", "bad.xml", "<pfif:pfif").await,
        1,
        "well-formed",
    );
    expect(
        r.import_pfif("t", "bad.xml", &v1.replace("pfif/1.4", "pfif/1.3"))
            .await,
        2,
        "PFIF 1.3",
    );
    assert_eq!(r.counts().await.unwrap(), before);
    assert_eq!(
        r.case_page("t", &id)
            .await
            .unwrap()
            .unwrap()
            .child_name
            .as_deref(),
        Some("Zoë Ana")
    );
    // Erasing an imported case erases its record id too: the record can come again.
    r.delete_case("admin", &id).await.unwrap();
    assert!(r.case_page("t", &id).await.unwrap().is_none());
    let rep = r.import_pfif("t", "v2.xml", &v2).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (1, 0));
}
both!(newer_versions_update_and_broken_files_change_nothing);
