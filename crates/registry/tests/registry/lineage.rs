//! Paternal-line leads: a found boy's Y haplotype against the men of each
//! case's paternal line (never a maternal uncle), whichever comes first and
//! from whichever process; the LR by the active haplotype database, checked
//! against the closed form; deleted with the case.

use registry::{Registry, RegistryError};
use ystr::estimate::{Method, estimate};
use ystr::lineage::Rates;
use ystr::population::Population;
use ystr::{Coordinate, Haplotype, Locus};

use crate::both;
use crate::common::*;
use crate::haplotypes::population;
use crate::y_haplotypes::{HEADER, rows};

/// A haplotype as a lab writes it: (marker, alleles).
pub type Calls = Vec<(String, Vec<String>)>;

/// The first man of the synthetic Yfiler Plus population (27 locus
/// copies), with each (locus copy, steps) of `changes` applied, as
/// (marker, alleles) the way a lab's GeneMapper export writes them.
pub fn clan(changes: &[(&str, i32)]) -> Calls {
    let text = population(1);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let man: Vec<i32> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let mut out: Calls = Vec::new();
    for (name, value) in header.iter().zip(man) {
        let step: i32 = changes
            .iter()
            .filter(|(c, _)| c == name)
            .map(|(_, s)| s)
            .sum();
        let allele = (value + step).to_string();
        let marker = name.trim_end_matches(['a', 'b']);
        match out.last_mut() {
            Some((m, alleles)) if m == marker && *name != marker => alleles.push(allele),
            _ => out.push((marker.to_string(), vec![allele])),
        }
    }
    out
}

/// A GeneMapper file of Y loci only.
pub fn y_file(samples: &[(&str, Calls)]) -> String {
    let mut text = HEADER.to_string();
    for (sample, calls) in samples {
        let alleles: Vec<Vec<&str>> = calls
            .iter()
            .map(|(_, a)| a.iter().map(String::as_str).collect())
            .collect();
        let calls: Vec<(&str, &[&str])> = calls
            .iter()
            .zip(&alleles)
            .map(|((m, _), a)| (m.as_str(), a.as_slice()))
            .collect();
        text.push_str(&rows(sample, &calls));
    }
    text
}

pub async fn import_y(r: &Registry, file: &str, text: &str) -> registry::ImportReport {
    r.import_profiles("lab1", file, text, None, None, &|_, _| {})
        .await
        .unwrap()
}

/// P(a net change of d repeats in three meioses) at rate μ, written out:
/// the sequences of steps −1, 0, +1 (probabilities μ/2, 1 − μ, μ/2) that
/// sum to d.
fn three_meioses(mu: f64, d: i32) -> f64 {
    let (s, k) = (mu / 2.0, 1.0 - mu);
    match d.abs() {
        0 => k.powi(3) + 6.0 * s * s * k,
        1 => 3.0 * s * k * k + 3.0 * s.powi(3),
        2 => 3.0 * s * s * k,
        3 => s.powi(3),
        _ => 0.0,
    }
}

/// The LR of a boy against a man 3 meioses up his paternal line, by the
/// closed forms: per locus copy the net change from the man's allele to
/// the boy's; a two-copy locus whose copies differ may also have come the
/// other way round. Over the boy's match probability by the stored mixture.
fn expected_lr(boy: &Haplotype, man: &Haplotype, db: &registry::HaplotypeDb, men: &str) -> f64 {
    let rates = Rates::builtin();
    let mu = |c: &Coordinate| rates.rate(*c).unwrap();
    let mut transmission = 1.0;
    for (locus, call) in boy.calls() {
        let coordinates = locus.coordinates();
        transmission *= match (call, man.get(*locus).unwrap(), coordinates.as_slice()) {
            (ystr::Call::One(c), ystr::Call::One(r), [co]) => {
                three_meioses(mu(co), (c.0 - r.0) / 10)
            }
            (ystr::Call::Two(c1, c2), ystr::Call::Two(r1, r2), [ca, cb]) => {
                let one_way = |x: i32, y: i32| {
                    three_meioses(mu(ca), (x - r1.0) / 10) * three_meioses(mu(cb), (y - r2.0) / 10)
                };
                one_way(c1.0, c2.0) + if c1 != c2 { one_way(c2.0, c1.0) } else { 0.0 }
            }
            other => panic!("{other:?}"),
        };
    }
    let p = Population::parse(men, "yhrd.csv").unwrap();
    let loci: Vec<Locus> = boy.calls().iter().map(|(l, _)| *l).collect();
    let e = estimate(
        &p,
        Some(&db.mixture.mixture()),
        boy,
        Method::Disclap,
        Some(&loci),
    );
    assert_eq!(e.loci.len(), loci.len(), "{:?}", e.left_out);
    transmission / e.probability
}

async fn a_paternal_uncle_is_a_lead_a_maternal_uncle_is_not(db: &TestDb) {
    let a = &db.registry;
    load_small(a).await;
    a.import_cases(
        "test",
        "c4.csv",
        &format!("{CASES_HEADER}MC-4,Wei,male,2023-01-01,2023-06-01,2024-05-01,Hilltown,,,\n"),
    )
    .await
    .unwrap();
    a.import_references(
        "test",
        "r4.csv",
        &format!(
            "{REFERENCES_HEADER}RS-4PU,MC-4,paternal_uncle,Jun,male\nRS-4MU,MC-4,maternal_uncle,Lei,male\n"
        ),
    )
    .await
    .unwrap();
    a.import_found(
        "test",
        "f5.csv",
        &format!("{FOUND_HEADER}FS-5,FC-5,male,300,700,2025-06-01,Riverton,,,Home A,\n"),
    )
    .await
    .unwrap();
    // Another process, holding the lineage indexes from its own import
    // (a father three loci away from the clan: no lead).
    let b = db.reopen().await;
    let far = clan(&[("DYS19", 1), ("DYS390", -1), ("DYS437", 1)]);
    let rep = import_y(&b, "y1.txt", &y_file(&[("RS-1F", far)])).await;
    assert_eq!(rep.new_leads, 0);
    // The boy, one step away at DYS458, from the first process.
    let boy = clan(&[("DYS458", 1)]);
    let rep = import_y(a, "y2.txt", &y_file(&[("FS-5", boy)])).await;
    assert_eq!(rep.new_leads, 0, "{rep:?}");
    // His paternal and maternal uncles, both of the clan's Y, from the
    // other process: only the paternal uncle shares the boy's line.
    let rep = import_y(
        &b,
        "y3.txt",
        &y_file(&[("RS-4PU", clan(&[])), ("RS-4MU", clan(&[]))]),
    )
    .await;
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    assert!(
        rep.notes
            .iter()
            .any(|n| n == "1 new paternal-line leads (Y-STR)"),
        "{rep:?}"
    );
    let leads = a.lineage_leads("cw1").await.unwrap();
    assert_eq!(leads.len(), 1, "{leads:?}");
    let lead = &leads[0];
    assert_eq!(
        (
            lead.found_id.as_str(),
            lead.case_id.as_str(),
            lead.reference_sample.as_str(),
            lead.relationship.as_str(),
            lead.meioses,
            lead.compared,
        ),
        ("FC-5", "MC-4", "RS-4PU", "paternal_uncle", 3, 27)
    );
    assert_eq!(lead.differing, ["DYS458"]);
    // No haplotype database yet: no LR, and the lead says so.
    assert_eq!((lead.lr, lead.method.as_str()), (None, "none"));
    assert_eq!(
        (lead.database.as_deref(), lead.status.as_str()),
        (None, "new")
    );
    let tail = a.audit_tail(1).await.unwrap();
    assert_eq!(
        (tail[0].action.as_str(), tail[0].actor.as_str()),
        ("lineage_leads.list", "cw1")
    );
    // The same file again: the lead is not made twice.
    let rep = import_y(
        &b,
        "y3.txt",
        &y_file(&[("RS-4PU", clan(&[])), ("RS-4MU", clan(&[]))]),
    )
    .await;
    assert_eq!(rep.new_leads, 0);
    // The case searched again (its mother registered): the lead it has is
    // kept, not made again.
    let rep = a
        .import_references(
            "test",
            "r4m.csv",
            &format!("{REFERENCES_HEADER}RS-4M,MC-4,mother,Mei,female\n"),
        )
        .await
        .unwrap();
    assert_eq!(rep.new_leads, 0, "{rep:?}");
    assert_eq!(a.lineage_leads("cw1").await.unwrap().len(), 1);

    // With a haplotype database, a boy whose Y came before his found-child
    // row: the lead is made when he is registered, with its LR.
    let men = population(200);
    let rep = a
        .import_haplotypes("lab1", "yhrd.csv", &men, Some("YHRD"), true)
        .await
        .unwrap();
    // The lead made without a database has its LR now.
    assert!(
        rep.notes
            .iter()
            .any(|n| n == "1 paternal-line leads' LRs computed again by it"),
        "{rep:?}"
    );
    let stored = a.active_haplotype_db().await.unwrap().unwrap();
    let y = async |sample: &str| {
        Haplotype::parse(&a.y_haplotype("t", sample).await.unwrap().unwrap(), sample).unwrap()
    };
    let uncle = y("RS-4PU").await;
    let lead = &a.lineage_leads("cw1").await.unwrap()[0];
    assert_eq!(
        (lead.method.as_str(), lead.database.as_deref()),
        ("disclap", Some("YHRD v1"))
    );
    let want = expected_lr(&y("FS-5").await, &uncle, &stored, &men);
    let lr = lead.lr.unwrap();
    assert!((lr - want).abs() <= 1e-9 * want, "{lr} against {want}");
    let rep = import_y(a, "y4.txt", &y_file(&[("FS-6", clan(&[]))])).await;
    assert_eq!(rep.new_leads, 0);
    let rep = b
        .import_found(
            "test",
            "f6.csv",
            &format!("{FOUND_HEADER}FS-6,FC-6,male,300,700,2025-07-01,Hilltown,,,Home B,\n"),
        )
        .await
        .unwrap();
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    let leads = a.lineage_leads("cw1").await.unwrap();
    assert_eq!(leads.len(), 2, "{leads:?}");
    // The stronger lead first.
    let lead = &leads[0];
    assert_eq!(
        (lead.found_id.as_str(), lead.reference_sample.as_str()),
        ("FC-6", "RS-4PU")
    );
    assert!(lead.differing.is_empty());
    assert_eq!(
        (lead.method.as_str(), lead.database.as_deref()),
        ("disclap", Some("YHRD v1"))
    );
    let one_step_away = want;
    let want = expected_lr(&y("FS-6").await, &uncle, &stored, &men);
    let lr = lead.lr.unwrap();
    assert!((lr - want).abs() <= 1e-9 * want, "{lr} against {want}");
    assert!((lead.log10_lr.unwrap() - want.log10()).abs() < 1e-9);
    assert!(
        want > one_step_away && one_step_away > 1.0,
        "{want} {one_step_away}"
    );

    // The review of a lead: forward, or ruled out; an outcome only after
    // the autosomal test was asked for; nothing after an outcome.
    use registry::LeadStatus::*;
    let id = lead.id;
    assert_eq!(
        a.set_lead_status("cw1", id, FamilyContacted).await.unwrap(),
        FamilyContacted
    );
    let e = a.set_lead_status("cw1", id, Confirmed).await.unwrap_err();
    assert!(matches!(e, RegistryError::Conflict(_)), "{e}");
    a.set_lead_status("cw1", id, AutosomalRequested)
        .await
        .unwrap();
    a.set_lead_status("cw2", id, Confirmed).await.unwrap();
    let e = a.set_lead_status("cw1", id, RuledOut).await.unwrap_err();
    assert!(matches!(e, RegistryError::Conflict(_)), "{e}");
    let tail = a.audit_tail(1).await.unwrap();
    assert_eq!(
        (
            tail[0].action.as_str(),
            tail[0].actor.as_str(),
            tail[0].detail.as_str()
        ),
        (
            "lineage_lead.status",
            "cw2",
            "autosomal_requested -> confirmed"
        )
    );
    let e = a
        .set_lead_status("cw1", 999_999, RuledOut)
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
    let leads = a.lineage_leads("cw1").await.unwrap();
    assert_eq!(leads[0].status, "confirmed");
    assert_eq!(leads[1].status, "new");

    // Erased with the case, and the lineage snapshot that held its
    // references' haplotypes with it.
    assert_eq!(lineage_snapshots(db).await.len(), 1);
    a.delete_case("admin", "MC-4").await.unwrap();
    assert!(a.lineage_leads("cw1").await.unwrap().is_empty());
    assert_eq!(lineage_snapshots(db).await, Vec::<i64>::new());
    b.close().await;
}
both!(a_paternal_uncle_is_a_lead_a_maternal_uncle_is_not);

/// A father who gave both autosomal and Y profiles: the lead of his Y
/// stands beside the autosomal candidate of the same boy and case, and the
/// two LRs multiply.
async fn a_family_lead_beside_its_candidate(db: &TestDb) {
    let a = &db.registry;
    load_small(a).await;
    let candidate = small_candidate(a).await;
    a.import_haplotypes("lab1", "yhrd.csv", &population(200), Some("YHRD"), true)
        .await
        .unwrap();
    let rep = import_y(
        a,
        "y.txt",
        &y_file(&[("RS-1F", clan(&[])), ("FS-1", clan(&[]))]),
    )
    .await;
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    let lead = a.lineage_leads("cw1").await.unwrap().remove(0);
    assert_eq!(
        (
            lead.found_id.as_str(),
            lead.case_id.as_str(),
            lead.relationship.as_str(),
            lead.meioses
        ),
        ("FC-1", "MC-1", "father", 1)
    );
    assert_eq!(lead.candidate_id, Some(candidate.id));
    assert_eq!(lead.autosomal_log10_lr, Some(candidate.log10_lr));
    let y = lead.log10_lr.unwrap();
    assert!(y > 0.0 && candidate.log10_lr > 0.0);
    let both = lead.combined_log10_lr.unwrap();
    assert!(
        (both - (candidate.log10_lr + y)).abs() <= 1e-12 * both,
        "{both}"
    );
    // A lead of a boy the family's autosomal DNA did not make a candidate
    // has no autosomal LR to multiply.
    a.import_found(
        "test",
        "f9.csv",
        &format!("{FOUND_HEADER}FS-9,FC-9,male,300,700,2025-06-01,Riverton,,,Home A,\n"),
    )
    .await
    .unwrap();
    let rep = import_y(a, "y2.txt", &y_file(&[("FS-9", clan(&[("DYS19", 1)]))])).await;
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    let other = a
        .lineage_leads("cw1")
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.found_id != "FC-1")
        .unwrap();
    assert_eq!(
        (other.candidate_id, other.combined_log10_lr),
        (None, None),
        "{other:?}"
    );
}
both!(a_family_lead_beside_its_candidate);
