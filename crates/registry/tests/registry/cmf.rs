//! CODIS CMF imports on both databases: a family's references and an
//! unidentified child from one file find each other; categories the registry
//! cannot place and broken files change nothing.

use formats::cmf::{CmfFile, CmfHeader, Specimen, write_cmf};
use kinship::{Genotype, Sex};
use registry::{CandidateFilter, ImportReport, Registry, RegistryError};

use crate::both;
use crate::common::*;

/// The example file shipped in `data/examples`.
fn example() -> String {
    let path = format!(
        "{}/../../data/examples/cmf-family.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn specimen(id: &str, case: Option<&str>, category: &str, person: &Person, sex: Sex) -> Specimen {
    Specimen {
        line: 0,
        id: id.into(),
        case_id: case.map(str::to_string),
        category: category.into(),
        comment: None,
        sex: Some(sex),
        markers: person
            .iter()
            .map(|(m, a, b)| {
                (
                    m.clone(),
                    Genotype::new(a.parse().unwrap(), b.parse().unwrap()),
                )
            })
            .collect(),
        y: None,
    }
}

fn cmf(specimens: Vec<Specimen>) -> String {
    write_cmf(&CmfFile {
        header: CmfHeader {
            header_version: Some("3.2".into()),
            message_type: Some("Import".into()),
            source_lab: Some("LAB042".into()),
            submit_by_user_id: Some("analyst7".into()),
            kit: Some("PowerPlex Fusion".into()),
            ..CmfHeader::default()
        },
        specimens,
    })
}

/// The line (1-based) of the `SPECIMEN` element of a specimen written by `write_cmf`.
fn specimen_line(text: &str, id: &str) -> usize {
    let needle = format!("<SPECIMENID>{id}</SPECIMENID>");
    text.lines().position(|l| l.contains(&needle)).unwrap()
}

async fn frequencies(r: &Registry) {
    import_nist(r, "t", false).await;
}

/// The example file: mother and father of case MC-2026-014 and a rescued
/// child, in one file; the child's best candidate is the family.
async fn a_family_and_a_rescued_child_from_one_file(db: &TestDb) {
    let r = &db.registry;
    frequencies(r).await;
    r.import_cases(
        "t",
        "cases.csv",
        &format!("{CASES_HEADER}MC-2026-014,,male,2023-01-01,2023-06-30,2024-05-01,,,,\n"),
    )
    .await
    .unwrap();
    let before = r.counts().await.unwrap();
    let text = example();
    let rep = r.import_cmf("lab", "cmf-family.xml", &text).await.unwrap();
    assert_eq!((rep.kind.name(), rep.rows), ("cmf", 3));
    assert_eq!((rep.added, rep.unchanged), (3, 0));
    assert!(rep.new_candidates >= 1, "{rep:?}");
    assert_eq!(
        rep.notes,
        ["2 references, 1 found children and 3 profiles added"]
    );
    let after = r.counts().await.unwrap();
    let grew = |k: &str| count(&after, k) - count(&before, k);
    assert_eq!(
        (
            grew("cases"),
            grew("references"),
            grew("found children"),
            grew("profiles")
        ),
        (0, 2, 1, 3)
    );

    let all = r.candidates(&CandidateFilter::default()).await.unwrap();
    let best = all.iter().find(|c| c.found_id == "UP-2026-077").unwrap();
    assert_eq!(best.case_id, "MC-2026-014");
    assert_eq!(best.shape, "both_parents");
    assert!(best.log10_lr > 10.0, "{best:?}");
    assert_eq!(best.markers_compared, 22);
    assert!(best.inconsistent_markers.is_empty());

    // Imported again: nothing new, only the import itself is recorded.
    let rep = r.import_cmf("lab", "cmf-family.xml", &text).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 3));
    let again = r.counts().await.unwrap();
    let audit = |c: &[(&'static str, i64)]| count(c, "audit entries");
    let others = |c: &[(&'static str, i64)]| {
        c.iter()
            .filter(|(n, _)| *n != "audit entries")
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&after), others(&again));
    assert!(audit(&again) > audit(&after));
    assert_eq!(r.verify_audit().await.unwrap() as i64, audit(&again));
}
both!(a_family_and_a_rescued_child_from_one_file);

/// A maternal relative registered beforehand with its exact relationship gets
/// its profile from a CMF file; the family then finds its child.
async fn a_registered_relative_gets_its_profile(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let people = nist();
    let p = |i: usize| &people[i].1;
    // RS-2M (p(3)) is the mother of MC-2; her own mother shares an allele with her at every marker.
    let grandmother = child_of(p(3), p(900), 11);
    r.import_references(
        "t",
        "references.csv",
        &format!("{REFERENCES_HEADER}RS-2GM,MC-2,maternal_grandmother,,female\n"),
    )
    .await
    .unwrap();
    let text = cmf(vec![specimen(
        "RS-2GM",
        Some("MC-2"),
        "Maternal Relative",
        &grandmother,
        Sex::Female,
    )]);
    // A paternal relative she is not.
    let wrong = text.replace("Maternal Relative", "Paternal Relative");
    let e = r.import_cmf("lab", "wrong.xml", &wrong).await.unwrap_err();
    assert!(
        e.to_string().contains(
            "specimen RS-2GM: registered as the maternal_grandmother of case MC-2, which the \
             category \"Paternal Relative\" does not allow"
        ),
        "{e}"
    );
    let before = r.counts().await.unwrap();
    let rep = r.import_cmf("lab", "relative.xml", &text).await.unwrap();
    assert_eq!((rep.added, rep.unchanged), (1, 0));
    assert_eq!(
        rep.notes,
        ["0 references, 0 found children and 1 profiles added"]
    );
    let after = r.counts().await.unwrap();
    assert_eq!(
        (count(&after, "references"), count(&after, "profiles")),
        (count(&before, "references"), count(&before, "profiles") + 1),
        "no new reference, one new profile"
    );
    let c = r
        .candidates(&CandidateFilter {
            case_id: Some("MC-2".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(c[0].found_id, "FC-2");
}
both!(a_registered_relative_gets_its_profile);

/// Each refused file names the file, the line and the reason; the database,
/// audit log included, is left as it was.
async fn refused_cmf_files_change_nothing(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let before = r.counts().await.unwrap();
    let people = nist();
    let p = |i: usize| &people[i].1;
    // A good specimen first: nothing of a refused file is kept.
    let good = specimen(
        "RS-1S",
        Some("MC-1"),
        "Biological Sibling",
        &child_of(p(0), p(1), 5),
        Sex::Male,
    );
    let expect = |res: Result<ImportReport, RegistryError>, place: String, what: &str| {
        let e = res.expect_err("must be refused").to_string();
        assert!(e.contains(&place), "{e} lacks {place}");
        assert!(e.contains(what), "{e} lacks {what}");
    };
    let with = |s: Specimen| cmf(vec![good.clone(), s]);

    // A child of the missing person cannot be placed.
    let text = with(specimen(
        "RS-1C",
        Some("MC-1"),
        "Biological Child",
        p(20),
        Sex::Female,
    ));
    expect(
        r.import_cmf("t", "child.xml", &text).await,
        format!("child.xml:{}", specimen_line(&text, "RS-1C")),
        "specimen RS-1C: category \"Biological Child\" is a child of the missing person",
    );
    // Nor a direct reference sample of the missing person.
    let text = with(specimen(
        "MP-1",
        Some("MC-1"),
        "Missing Person",
        p(21),
        Sex::Male,
    ));
    expect(
        r.import_cmf("t", "direct.xml", &text).await,
        format!("direct.xml:{}", specimen_line(&text, "MP-1")),
        "direct reference sample",
    );
    // A case that is not registered.
    let text = with(specimen(
        "RS-9M",
        Some("MC-404"),
        "Biological Mother",
        p(22),
        Sex::Female,
    ));
    expect(
        r.import_cmf("t", "orphan.xml", &text).await,
        format!("orphan.xml:{}", specimen_line(&text, "RS-9M")),
        "no case MC-404 is registered",
    );
    // A relative without a case.
    let text = with(specimen(
        "RS-9F",
        None,
        "Biological Father",
        p(23),
        Sex::Male,
    ));
    expect(
        r.import_cmf("t", "nocase.xml", &text).await,
        format!("nocase.xml:{}", specimen_line(&text, "RS-9F")),
        "no CASEID",
    );
    // A relative the category does not name, not registered before.
    let text = with(specimen(
        "RS-1X",
        Some("MC-1"),
        "Paternal Relative",
        p(24),
        Sex::Male,
    ));
    expect(
        r.import_cmf("t", "which.xml", &text).await,
        format!("which.xml:{}", specimen_line(&text, "RS-1X")),
        "does not say which relative",
    );
    // A mother whose Amelogenin says male.
    let text = with(specimen(
        "RS-3M",
        Some("MC-3"),
        "Biological Mother",
        p(25),
        Sex::Male,
    ));
    expect(
        r.import_cmf("t", "sex.xml", &text).await,
        format!("sex.xml:{}", specimen_line(&text, "RS-3M")),
        "Amelogenin says male, which contradicts the category",
    );
    // A second mother of MC-1.
    let text = with(specimen(
        "RS-1M2",
        Some("MC-1"),
        "Alleged Mother",
        p(26),
        Sex::Female,
    ));
    expect(
        r.import_cmf("t", "twice.xml", &text).await,
        format!("twice.xml:{}", specimen_line(&text, "RS-1M2")),
        "both the mother",
    );
    // A found child's sample given as a relative's.
    let text = with(specimen(
        "FS-1",
        Some("MC-3"),
        "Biological Sibling",
        p(27),
        Sex::Male,
    ));
    expect(
        r.import_cmf("t", "clash.xml", &text).await,
        format!("clash.xml:{}", specimen_line(&text, "FS-1")),
        "already a found child's",
    );
    // A mixture in the last specimen, after a good one.
    let text = with(specimen(
        "UP-9",
        None,
        "Unidentified Person",
        p(28),
        Sex::Male,
    ));
    let last_allele = text.rfind("</ALLELE>").unwrap() + "</ALLELE>".len();
    let mixed = format!(
        "{}<ALLELE><ALLELEVALUE>98</ALLELEVALUE></ALLELE><ALLELE><ALLELEVALUE>99</ALLELEVALUE></ALLELE>{}",
        &text[..last_allele],
        &text[last_allele..]
    );
    let last_locus = text.rfind("<LOCUS>").unwrap();
    let locus_line = text[..last_locus].matches('\n').count() + 1;
    expect(
        r.import_cmf("t", "mixture.xml", &mixed).await,
        format!("mixture.xml:{locus_line}"),
        "alleles (mixture)",
    );
    // Broken XML.
    let broken = text.replacen("</SPECIMEN>", "</SPECIMENS>", 1);
    let at = broken
        .lines()
        .position(|l| l.contains("</SPECIMENS>"))
        .unwrap()
        + 1;
    expect(
        r.import_cmf("t", "broken.xml", &broken).await,
        format!("broken.xml:{at}"),
        "not well-formed XML",
    );

    assert_eq!(
        before,
        r.counts().await.unwrap(),
        "nothing of a refused file is stored, not even an audit entry"
    );
    assert_eq!(
        r.verify_audit().await.unwrap() as i64,
        count(&before, "audit entries")
    );
    // The good specimen alone is accepted.
    let rep = r
        .import_cmf("t", "good.xml", &cmf(vec![good]))
        .await
        .unwrap();
    assert_eq!((rep.added, rep.unchanged), (1, 0));
}
both!(refused_cmf_files_change_nothing);

/// A haplotype of `crate::lineage::clan` as a `ystr::Haplotype`.
fn clan_y(changes: &[(&str, i32)]) -> ystr::Haplotype {
    let text: Vec<String> = crate::lineage::clan(changes)
        .iter()
        .map(|(m, a)| format!("{m}={}", a.join("-")))
        .collect();
    ystr::Haplotype::parse(&text.join(","), "clan").unwrap()
}

/// A CMF file's Y loci: the father's and a rescued boy's Y haplotypes
/// stored (the father's specimen of Y loci only adds no autosomal
/// profile), the boy a paternal-line lead of the father's case; a mother's
/// specimen with Y loci refused with its line and element.
async fn y_loci_of_a_cmf_file_are_haplotypes_and_leads(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let profiles = count(&r.counts().await.unwrap(), "profiles");
    let mut father = specimen(
        "RS-1F",
        Some("MC-1"),
        "Biological Father",
        &Vec::new(),
        Sex::Male,
    );
    father.y = Some(clan_y(&[]));
    let mut boy = specimen("UP-9", None, "Unidentified Person", &nist()[9].1, Sex::Male);
    boy.y = Some(clan_y(&[("DYS458", 1)]));
    let text = cmf(vec![father, boy]);
    let rep = r.import_cmf("lab", "y.xml", &text).await.unwrap();
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    let stored = r.y_haplotype("t", "RS-1F").await.unwrap().unwrap();
    let mut want: Vec<String> = clan_y(&[])
        .calls()
        .iter()
        .map(|(l, c)| format!("{l}={c}"))
        .collect();
    want.sort();
    let mut got: Vec<&str> = stored.split(',').collect();
    got.sort();
    assert_eq!(got, want);
    assert!(r.y_haplotype("t", "UP-9").await.unwrap().is_some());
    // The boy's autosomal profile, not one for the father's Y loci.
    assert_eq!(count(&r.counts().await.unwrap(), "profiles"), profiles + 1);
    let leads = r.lineage_leads("t").await.unwrap();
    assert_eq!(leads.len(), 1, "{leads:?}");
    assert_eq!(
        (
            leads[0].found_id.as_str(),
            leads[0].case_id.as_str(),
            leads[0].reference_sample.as_str(),
            leads[0].differing.clone()
        ),
        ("UP-9", "MC-1", "RS-1F", vec!["DYS458".to_string()])
    );
    // The same file again adds nothing.
    let rep = r.import_cmf("lab", "y.xml", &text).await.unwrap();
    assert_eq!((rep.added, rep.new_leads), (0, 0), "{rep:?}");
    // A mother's specimen with Y loci: refused, nothing kept.
    let mut mother = specimen(
        "RS-1M",
        Some("MC-1"),
        "Biological Mother",
        &Vec::new(),
        Sex::Female,
    );
    mother.y = Some(clan_y(&[]));
    let mut other = specimen(
        "UP-10",
        None,
        "Unidentified Person",
        &nist()[10].1,
        Sex::Male,
    );
    other.y = Some(clan_y(&[("DYS19", 1)]));
    let text = cmf(vec![other, mother]);
    let before = r.counts().await.unwrap();
    let e = r.import_cmf("lab", "m.xml", &text).await.unwrap_err();
    let RegistryError::Format(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (e.location.line, e.location.field.as_deref()),
        (Some(specimen_line(&text, "RS-1M")), Some("SPECIMENID"))
    );
    assert!(e.reason.contains("registered as female"), "{}", e.reason);
    assert_eq!(r.counts().await.unwrap(), before);
    assert_eq!(r.y_haplotype("t", "UP-10").await.unwrap(), None);
}
both!(y_loci_of_a_cmf_file_are_haplotypes_and_leads);
