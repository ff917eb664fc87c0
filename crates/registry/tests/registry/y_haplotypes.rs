//! The Y haplotypes of samples: taken out of a lab's genotype file, sealed,
//! read audited, refused on a female sample (all or nothing), erased with
//! the case, sealed again at a key rotation, in the backups' digest.

use registry::{Registry, RegistryError};

use crate::both;
use crate::common::*;

pub const HEADER: &str = "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1\n";

/// GeneMapper rows of one sample: (marker, alleles).
pub fn rows(sample: &str, calls: &[(&str, &[&str])]) -> String {
    calls
        .iter()
        .map(|(m, a)| {
            let mut cells: Vec<&str> = a.to_vec();
            cells.resize(3, "");
            format!(
                "{sample}.fsa\t{sample}\tYfilerPlus\t{m}\tB\t{}\t120.5\t1500\n",
                cells.join("\t")
            )
        })
        .collect()
}

/// A boy's haplotype as a lab writes it: a two-copy locus as one marker
/// with both alleles (in either order), an intermediate allele, a
/// duplication at a single-copy locus.
fn boy() -> Vec<(&'static str, &'static [&'static str])> {
    vec![
        ("DYS19", &["14"]),
        ("DYS385", &["14", "11"]),
        ("DYS389I", &["13"]),
        ("DYS458", &["17.2"]),
        ("DYS448", &["20", "19"]),
    ]
}

/// As stored: the loci in the catalogue's order, whatever the file's.
const BOY_TEXT: &str = "DYS19=14,DYS385=11-14,DYS389I=13,DYS448=19-20,DYS458=17.2";

/// The `y_haplotypes` rows as stored: (sample, sealed haplotype).
async fn raw(db: &TestDb) -> Vec<(String, Vec<u8>)> {
    raw_pairs(
        db,
        "SELECT sample_name, haplotype FROM y_haplotypes ORDER BY sample_name",
    )
    .await
}

async fn stored_sealed_and_read_audited(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let profiles = count(&r.counts().await.unwrap(), "profiles");
    // Y loci only, for a registered man and a found boy: no autosomal profile needed.
    let text = format!(
        "{HEADER}{}{}",
        rows("RS-1F", &boy()),
        rows("FS-1", &[("DYS19", &["15"]), ("DYS385", &["12", "12"])])
    );
    let rep = r
        .import_profiles("lab1", "y.txt", &text, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(rep.added, 0);
    assert!(
        rep.notes.iter().any(|n| n == "2 Y haplotypes stored"),
        "{rep:?}"
    );
    assert_eq!(count(&r.counts().await.unwrap(), "profiles"), profiles);
    assert_eq!(
        r.y_haplotype("bob", "RS-1F").await.unwrap().as_deref(),
        Some(BOY_TEXT)
    );
    let tail = r.audit_tail(1).await.unwrap();
    assert_eq!(
        (
            tail[0].action.as_str(),
            tail[0].actor.as_str(),
            tail[0].target_id.as_str()
        ),
        ("y_haplotype.read", "bob", "RS-1F")
    );
    assert!(!tail[0].detail.contains("DYS"), "{tail:?}");
    assert_eq!(
        r.y_haplotype("bob", "FS-1").await.unwrap().as_deref(),
        Some("DYS19=15,DYS385=12-12")
    );
    assert_eq!(r.y_haplotype("bob", "RS-3GF").await.unwrap(), None);
    // Sealed: no locus name or call in the clear.
    for (sample, blob) in raw(db).await {
        assert!(
            !blob.windows(5).any(|w| w == b"DYS19"),
            "{sample} stored in the clear"
        );
    }
    // The same file again adds nothing; another haplotype for a sample is refused.
    let rep = r
        .import_profiles("lab1", "y.txt", &text, None, None, &|_, _| {})
        .await
        .unwrap();
    assert!(
        rep.notes.iter().all(|n| !n.contains("Y haplotypes")),
        "{rep:?}"
    );
    // The same man from a file that lists his loci in another order, and
    // gives DYS385 as its two copies: the same haplotype.
    let mut reordered = boy();
    reordered.reverse();
    reordered.retain(|(m, _)| *m != "DYS385");
    let mut text2 = format!("{HEADER}{}", rows("RS-1F", &reordered));
    text2.push_str(&rows(
        "RS-1F",
        &[("DYS385b", &["14"]), ("DYS385a", &["11"])],
    ));
    let rep = r
        .import_profiles("lab1", "y2.txt", &text2, None, None, &|_, _| {})
        .await
        .unwrap();
    assert!(
        rep.notes.iter().all(|n| !n.contains("Y haplotypes")),
        "{rep:?}"
    );
    assert_eq!(
        r.y_haplotype("bob", "RS-1F").await.unwrap().as_deref(),
        Some(BOY_TEXT)
    );
    let other = format!("{HEADER}{}", rows("FS-1", &[("DYS19", &["16"])]));
    let e = r
        .import_profiles("lab1", "o.txt", &other, None, None, &|_, _| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("o.txt:2"), "{e}");
    // Autosomal markers and Y loci of one sample: each where it belongs.
    let people = nist();
    let mut mixed = genemapper(&[("Z-1", &people[10].1)]);
    mixed.push_str(&rows("Z-1", &[("DYS 19", &["13"]), ("DYS391", &["10"])]));
    r.import_profiles("lab1", "z.txt", &mixed, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(count(&r.counts().await.unwrap(), "profiles"), profiles + 1);
    assert_eq!(
        r.y_haplotype("bob", "Z-1").await.unwrap().as_deref(),
        Some("DYS19=13,DYS391=10")
    );
    assert!(r.verify_audit().await.unwrap() > 0);
}
both!(stored_sealed_and_read_audited);

async fn a_female_sample_is_refused_and_nothing_stored(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let head = r.audit_tail(1).await.unwrap();
    // RS-3GF (a man) first, then RS-1M, registered female, on line 4.
    let text = format!(
        "{HEADER}{}{}",
        rows("RS-3GF", &[("DYS19", &["14"]), ("DYS389I", &["13"])]),
        rows("RS-1M", &[("DYS19", &["14"])])
    );
    let e = r
        .import_profiles("lab1", "f.txt", &text, None, None, &|_, _| {})
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
        ("f.txt", Some(4), Some("Sample Name"))
    );
    assert!(e.reason.contains("registered as female"), "{}", e.reason);
    // A sample not registered whose Amelogenin says female.
    let text = format!(
        "{HEADER}{}{}",
        rows("U-1", &[("AMEL", &["X"])]),
        rows("U-1", &[("DYS19", &["14"])])
    );
    let e = r
        .import_profiles("lab1", "a.txt", &text, None, None, &|_, _| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("female by Amelogenin"), "{e}");
    assert!(raw(db).await.is_empty());
    assert_eq!(r.audit_tail(1).await.unwrap(), head);
}
both!(a_female_sample_is_refused_and_nothing_stored);

async fn erased_with_the_case_and_sealed_again_at_rotation(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let text = format!(
        "{HEADER}{}{}",
        rows("RS-1F", &boy()),
        rows("FS-1", &[("DYS19", &["15"])])
    );
    r.import_profiles("lab1", "y.txt", &text, None, None, &|_, _| {})
        .await
        .unwrap();
    let sealed = raw(db).await;
    assert_eq!(lineage_snapshots(db).await.len(), 1);
    let new_key = db.dir.path().join("new.key");
    r.rotate_key("admin", &new_key).await.unwrap();
    // The lineage snapshot, sealed with the old key, is deleted with it.
    assert_eq!(lineage_snapshots(db).await, Vec::<i64>::new());
    let resealed = raw(db).await;
    assert_eq!(resealed.len(), 2);
    for (a, b) in sealed.iter().zip(&resealed) {
        assert_eq!(a.0, b.0);
        assert_ne!(a.1, b.1, "{} not sealed again", a.0);
    }
    let mut o = options(&db.url, &new_key, db.dir.path());
    o.actor = "t".into();
    let (again, _) = Registry::open(o).await.unwrap();
    assert_eq!(
        again.y_haplotype("bob", "RS-1F").await.unwrap().as_deref(),
        Some(BOY_TEXT)
    );
    let digest = again.content_digest("admin").await.unwrap();
    assert!(
        digest
            .tables
            .iter()
            .any(|t| t.table == "y_haplotypes" && t.rows == 2),
        "{digest:?}"
    );
    let done = again.delete_case("admin", "MC-1").await.unwrap();
    assert_eq!(done.y_haplotypes, 1);
    assert_eq!(again.y_haplotype("bob", "RS-1F").await.unwrap(), None);
    assert!(again.y_haplotype("bob", "FS-1").await.unwrap().is_some());
    let tail = again.audit_tail(5).await.unwrap();
    assert!(
        tail.iter()
            .any(|e| e.action == "case.delete" && e.detail.contains("1 Y haplotypes deleted")),
        "{tail:?}"
    );
    again.close().await;
}
both!(erased_with_the_case_and_sealed_again_at_rotation);

/// Retention after a reunion deletes the references' Y haplotypes with
/// their profiles; a found child's stays.
async fn retention_deletes_the_references_y_haplotypes(db: &TestDb) {
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.retention_days = 0;
    o.actor = "t".into();
    let (r, _) = Registry::open(o).await.unwrap();
    load_small(&r).await;
    let text = format!(
        "{HEADER}{}{}",
        rows("RS-1F", &boy()),
        rows("FS-1", &[("DYS19", &["15"])])
    );
    r.import_profiles("lab1", "y.txt", &text, None, None, &|_, _| {})
        .await
        .unwrap();
    let id = small_candidate(&r).await.id;
    reunite(&r, id).await;
    r.run_retention("t").await.unwrap();
    assert_eq!(r.y_haplotype("bob", "RS-1F").await.unwrap(), None);
    assert!(r.y_haplotype("bob", "FS-1").await.unwrap().is_some());
    let tail = r.audit_tail(10).await.unwrap();
    assert!(
        tail.iter()
            .any(|e| e.action == "retention.delete" && e.detail.contains("1 Y haplotypes deleted")),
        "{tail:?}"
    );
    r.close().await;
}
both!(retention_deletes_the_references_y_haplotypes);

/// Whichever comes first: a sample given a Y haplotype before it was
/// registered cannot then be registered, or edited, as female (a found
/// child, a reference, a CMF specimen), and nothing of the file is kept.
async fn a_sample_with_a_y_is_not_registered_or_edited_female(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    // Y loci of samples nobody registered yet, and of a found boy.
    let text = format!(
        "{HEADER}{}{}{}",
        rows("U-7", &[("DYS19", &["14"])]),
        rows("U-8", &[("DYS19", &["15"])]),
        rows("FS-1", &[("DYS19", &["16"])])
    );
    r.import_profiles("lab1", "y.txt", &text, None, None, &|_, _| {})
        .await
        .unwrap();
    let head = r.audit_tail(1).await.unwrap();
    let where_ = |e: RegistryError| {
        let RegistryError::Format(e) = e else {
            panic!("{e:?}")
        };
        assert!(
            e.reason
                .contains("is given as female, but a lab file gave it a Y haplotype"),
            "{}",
            e.reason
        );
        (e.file, e.location.line, e.location.field)
    };
    let refused = |file: &str, line: usize, field: &str| {
        (file.to_string(), Some(line), Some(field.to_string()))
    };
    // A found child: the second row of the file.
    let found = format!(
        "{FOUND_HEADER}FS-9,FC-9,female,300,700,2025-06-01,Riverton,,,Home A,\n\
         U-7,FC-7,female,300,700,2025-06-01,Riverton,,,Home A,\n"
    );
    let e = r.import_found("t", "f.csv", &found).await.unwrap_err();
    assert_eq!(where_(e), refused("f.csv", 3, "sex"));
    // A reference of a case.
    let refs = format!("{REFERENCES_HEADER}U-8,MC-1,paternal_aunt,Mei,female\n");
    let e = r.import_references("t", "r.csv", &refs).await.unwrap_err();
    assert_eq!(where_(e), refused("r.csv", 2, "sex"));
    // A registered boy edited into a girl.
    let edit =
        format!("{FOUND_HEADER}FS-1,FC-1,female,400,700,2025-06-01,Riverton,10.6,20.3,Home A,\n");
    let e = r.edit_found("t", "e.csv", &edit).await.unwrap_err();
    assert_eq!(where_(e), refused("e.csv", 2, "sex"));
    // Nothing was written.
    assert_eq!(r.audit_tail(1).await.unwrap(), head);
    // As a man or of unknown sex, they are registered.
    let refs = format!("{REFERENCES_HEADER}U-8,MC-1,paternal_uncle,Ming,male\n");
    r.import_references("t", "r2.csv", &refs).await.unwrap();
    // And the registered man is not edited into a woman.
    let edit = format!("{REFERENCES_HEADER}U-8,MC-1,paternal_aunt,Ming,female\n");
    let e = r.edit_reference("t", "e2.csv", &edit).await.unwrap_err();
    assert_eq!(where_(e), refused("e2.csv", 2, "sex"));
}
both!(a_sample_with_a_y_is_not_registered_or_edited_female);
