//! Clan volunteers: a man who gives his Y for his lineage, his clan's
//! surname and place sealed, the cases his clan knows of; a found boy of
//! his line is a lead with the LR for each number of meioses (checked
//! against the multinomial closed form), whichever process registers which;
//! deleted when he withdraws his consent or it runs out.

use registry::{Registry, RegistryError, VOLUNTEER_MEIOSES_MAX};
use ystr::estimate::{Method, estimate};
use ystr::lineage::Rates;
use ystr::population::Population;
use ystr::{Coordinate, Haplotype, Locus};

use crate::both;
use crate::common::*;
use crate::haplotypes::population;
use crate::lineage::{Calls, clan, import_y, y_file};

const VOLUNTEERS_HEADER: &str =
    "sample_name,surname,ancestral_place,person_name,consent_date,keep_until,known_cases\n";

/// P(a net change of d repeats in n meioses) at rate μ, by counting: k
/// steps up, j down and the rest none, k − j = d (a multinomial sum, not
/// the convolution the code uses).
fn net_change(mu: f64, n: u32, d: i32) -> f64 {
    let fact = |m: u32| (1..=m).map(f64::from).product::<f64>();
    let (s, stay) = (mu / 2.0, 1.0 - mu);
    let mut p = 0.0;
    for k in 0..=n {
        for j in 0..=(n - k) {
            if k as i32 - j as i32 == d {
                let rest = n - k - j;
                p += fact(n) / (fact(k) * fact(j) * fact(rest))
                    * s.powi((k + j) as i32)
                    * stay.powi(rest as i32);
            }
        }
    }
    p
}

/// The LR of a boy against a man n meioses up his line, by the closed
/// form, over the boy's match probability by the stored mixture. The test
/// haplotypes differ only at single-copy loci, and their two-copy loci
/// (the same on both) are the two orders of the same pair.
fn expected_lr(boy: &Haplotype, man: &Haplotype, n: u32, p: f64) -> f64 {
    let rates = Rates::builtin();
    let mu = |c: &Coordinate| rates.rate(*c).unwrap();
    let mut t = 1.0;
    for (locus, call) in boy.calls() {
        let co = locus.coordinates();
        t *= match (call, man.get(*locus).unwrap(), co.as_slice()) {
            (ystr::Call::One(c), ystr::Call::One(r), [a]) => net_change(mu(a), n, (c.0 - r.0) / 10),
            (ystr::Call::Two(c1, c2), ystr::Call::Two(r1, r2), [a, b]) => {
                let one_way = |x: i32, y: i32| {
                    net_change(mu(a), n, (x - r1.0) / 10) * net_change(mu(b), n, (y - r2.0) / 10)
                };
                one_way(c1.0, c2.0) + if c1 != c2 { one_way(c2.0, c1.0) } else { 0.0 }
            }
            other => panic!("{other:?}"),
        };
    }
    t / p
}

async fn found(r: &Registry, sample: &str, id: &str) {
    r.import_found(
        "test",
        &format!("{id}.csv"),
        &format!("{FOUND_HEADER}{sample},{id},male,300,700,2025-06-01,Riverton,,,Home A,\n"),
    )
    .await
    .unwrap();
}

async fn a_clan_volunteer_leads_to_a_boy_of_his_line(db: &TestDb) {
    let a = &db.registry;
    load_small(a).await;
    let men = population(200);
    a.import_haplotypes("lab1", "yhrd.csv", &men, Some("YHRD"), true)
        .await
        .unwrap();
    // A boy two steps from the clan's haplotype, registered by the first
    // process, which builds its lineage indexes.
    found(a, "FS-7", "FC-7").await;
    let boy = clan(&[("DYS19", -1), ("DYS458", 1)]);
    let rep = import_y(a, "y7.txt", &y_file(&[("FS-7", boy)])).await;
    assert_eq!(rep.new_leads, 0);

    // The volunteer, from another process: his row first, then his Y.
    let b = db.reopen().await;
    let row = "V-1,Li,Lijiazhuang Zhoukou Henan,Li Jianguo,2025-05-01,2045-05-01,MC-1";
    let rep = b
        .import_volunteers("cw1", "clan.csv", &format!("{VOLUNTEERS_HEADER}{row}\n"))
        .await
        .unwrap();
    assert_eq!((rep.added, rep.new_leads), (1, 0), "{rep:?}");
    let rep = import_y(&b, "yv.txt", &y_file(&[("V-1", clan(&[]))])).await;
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    assert!(
        rep.notes
            .iter()
            .any(|n| n == "1 new paternal-line leads (Y-STR)"),
        "{rep:?}"
    );
    // The first process lists it, with the LR for each number of meioses.
    let leads = a.volunteer_leads("cw1").await.unwrap();
    assert_eq!(leads.len(), 1, "{leads:?}");
    let lead = &leads[0];
    assert_eq!(
        (
            lead.found_id.as_str(),
            lead.volunteer_sample.as_str(),
            lead.surname.as_str(),
            lead.ancestral_place.as_str(),
            lead.person_name.as_deref(),
            lead.compared,
        ),
        (
            "FC-7",
            "V-1",
            "Li",
            "Lijiazhuang Zhoukou Henan",
            Some("Li Jianguo"),
            27
        )
    );
    assert_eq!(lead.known_cases, ["MC-1"]);
    let mut differing = lead.differing.clone();
    differing.sort();
    assert_eq!(differing, ["DYS19", "DYS458"]);
    assert_eq!(
        (lead.method.as_str(), lead.database.as_deref()),
        ("disclap", Some("YHRD v1"))
    );
    let y = async |sample: &str| {
        Haplotype::parse(&a.y_haplotype("t", sample).await.unwrap().unwrap(), sample).unwrap()
    };
    let (boy, man) = (y("FS-7").await, y("V-1").await);
    let stored = a.active_haplotype_db().await.unwrap().unwrap();
    let p = {
        let pop = Population::parse(&men, "yhrd.csv").unwrap();
        let loci: Vec<Locus> = boy.calls().iter().map(|(l, _)| *l).collect();
        let e = estimate(
            &pop,
            Some(&stored.mixture.mixture()),
            &boy,
            Method::Disclap,
            Some(&loci),
        );
        assert_eq!(e.loci.len(), loci.len(), "{:?}", e.left_out);
        e.probability
    };
    assert_eq!(lead.match_probability, Some(p));
    assert_eq!(lead.lrs.len(), VOLUNTEER_MEIOSES_MAX);
    for (i, &lr) in lead.lrs.iter().enumerate() {
        let want = expected_lr(&boy, &man, i as u32 + 1, p);
        assert!(
            (lr - want).abs() <= 1e-9 * want,
            "n = {}: {lr} against {want}",
            i + 1
        );
    }
    // Two differing loci are likeliest after a few meioses, not one.
    let best = (1..=VOLUNTEER_MEIOSES_MAX)
        .max_by(|&x, &y| {
            let (fx, fy) = (lead.lrs[x - 1], lead.lrs[y - 1]);
            fx.partial_cmp(&fy).unwrap().then(y.cmp(&x))
        })
        .unwrap();
    assert!(best > 1, "{:?}", lead.lrs);
    assert_eq!(lead.likeliest_meioses, Some(best as i64));
    assert_eq!(lead.lr, Some(lead.lrs[best - 1]));
    assert!((lead.log10_lr.unwrap() - lead.lrs[best - 1].log10()).abs() < 1e-12);

    // His clan's surname and place are sealed at rest.
    let raw = raw_pairs(db, "SELECT sample_name, surname FROM clan_volunteers").await;
    assert_eq!(raw.len(), 1);
    assert!(!String::from_utf8_lossy(&raw[0].1).contains("Li"), "sealed");
    let raw = raw_pairs(
        db,
        "SELECT sample_name, ancestral_place FROM clan_volunteers",
    )
    .await;
    assert!(!String::from_utf8_lossy(&raw[0].1).contains("Zhoukou"));

    // A boy registered later, by the first process, which learns of the
    // volunteer from the change sequence: a lead at once.
    found(a, "FS-8", "FC-8").await;
    let rep = import_y(a, "y8.txt", &y_file(&[("FS-8", clan(&[]))])).await;
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    let leads = a.volunteer_leads("cw1").await.unwrap();
    assert_eq!(leads.len(), 2);
    // The same haplotype: likeliest one meiosis, and first.
    assert_eq!(
        (leads[0].found_id.as_str(), leads[0].likeliest_meioses),
        ("FC-8", Some(1))
    );

    // The same row again adds nothing; other details, an unknown known
    // case and a sample that is someone else's are refused with the line.
    let rep = a
        .import_volunteers("cw1", "clan.csv", &format!("{VOLUNTEERS_HEADER}{row}\n"))
        .await
        .unwrap();
    assert_eq!((rep.added, rep.unchanged), (0, 1));
    for (rows, field, part) in [
        (
            "V-1,Wang,Lijiazhuang Zhoukou Henan,Li Jianguo,2025-05-01,2045-05-01,MC-1",
            "sample_name",
            "different details",
        ),
        (
            "V-1,Li,Lijiazhuang Zhoukou Henan,Li Jianguo,2025-05-01,2045-05-01,",
            "sample_name",
            "different details",
        ),
        (
            "V-2,Li,Lijiazhuang,,2025-05-01,2045-05-01,MC-1;MC-404",
            "known_cases",
            "no case MC-404 is registered",
        ),
        (
            "RS-1F,Li,Lijiazhuang,,2025-05-01,2045-05-01,",
            "sample_name",
            "already a reference's sample",
        ),
        (
            "FS-7,Li,Lijiazhuang,,2025-05-01,2045-05-01,",
            "sample_name",
            "already a found child's sample",
        ),
    ] {
        let e = a
            .import_volunteers("cw1", "bad.csv", &format!("{VOLUNTEERS_HEADER}{rows}\n"))
            .await
            .unwrap_err();
        let RegistryError::Format(f) = &e else {
            panic!("{e}")
        };
        assert_eq!(
            (f.location.line, f.location.field.as_deref()),
            (Some(2), Some(field)),
            "{e}"
        );
        assert!(f.reason.contains(part), "{e}");
    }
    let e = a
        .import_references(
            "cw1",
            "r.csv",
            &format!("{REFERENCES_HEADER}V-1,MC-1,paternal_uncle,,male\n"),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("clan volunteer's sample"), "{e}");
    let e = a
        .import_found(
            "cw1",
            "f.csv",
            &format!("{FOUND_HEADER}V-1,FC-9,male,300,700,2025-06-01,,,,,\n"),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("clan volunteer's sample"), "{e}");

    // The review, audited as a volunteer lead's.
    use registry::LeadStatus::*;
    let id = leads[1].id;
    a.set_volunteer_lead_status("cw1", id, FamilyContacted)
        .await
        .unwrap();
    let e = a
        .set_volunteer_lead_status("cw1", id, Confirmed)
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::Conflict(_)), "{e}");
    let tail = a.audit_tail(1).await.unwrap();
    assert_eq!(
        (tail[0].action.as_str(), tail[0].detail.as_str()),
        ("volunteer_lead.status", "new -> family_contacted")
    );
    // A family lead's id is not a volunteer lead's.
    let e = a
        .set_lead_status("cw1", id, FamilyContacted)
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");

    // The case his clan knew of erased: he stays, without it.
    a.delete_case("admin", "MC-1").await.unwrap();
    assert!(
        a.volunteer_leads("cw1").await.unwrap()[0]
            .known_cases
            .is_empty()
    );

    // He withdraws his consent (from the first process): his record, his Y
    // and his leads go; the other process, whose index held him, finds no
    // lead for a new boy of his line.
    a.delete_volunteer("admin", "V-1").await.unwrap();
    assert!(a.volunteer_leads("cw1").await.unwrap().is_empty());
    assert_eq!(a.y_haplotype("t", "V-1").await.unwrap(), None);
    let tail = a.audit_tail(2).await.unwrap();
    assert!(
        tail.iter()
            .any(|e| e.action == "volunteer.delete" && e.target_id == "V-1"),
        "{tail:?}"
    );
    found(&b, "FS-10", "FC-10").await;
    let rep = import_y(&b, "y10.txt", &y_file(&[("FS-10", clan(&[]))])).await;
    assert_eq!(rep.new_leads, 0, "{rep:?}");
    let e = a.delete_volunteer("admin", "V-1").await.unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");

    // Another volunteer, whose consent runs out: the retention run deletes
    // him, his Y and his lead the day after his last day.
    let rep = a
        .import_volunteers(
            "cw1",
            "clan2.csv",
            &format!("{VOLUNTEERS_HEADER}V-3,Wang,Wangjiacun,,2025-05-01,2045-05-01,\n"),
        )
        .await
        .unwrap();
    assert_eq!(rep.added, 1);
    let rep = import_y(a, "yv3.txt", &y_file(&[("V-3", clan(&[]))])).await;
    assert_eq!(rep.new_leads, 3, "FC-7, FC-8 and FC-10: {rep:?}");
    // Another haplotype database activated: their LRs computed again by it.
    let before = a.volunteer_leads("cw1").await.unwrap();
    let rep = a
        .import_haplotypes("lab1", "yhrd2.csv", &population(300), Some("YHRD"), true)
        .await
        .unwrap();
    assert!(
        rep.notes
            .iter()
            .any(|n| n == "3 paternal-line leads' LRs computed again by it"),
        "{rep:?}"
    );
    let after = a.volunteer_leads("cw1").await.unwrap();
    for (b, l) in before.iter().zip(&after) {
        assert_eq!(
            (b.database.as_deref(), l.database.as_deref()),
            (Some("YHRD v1"), Some("YHRD v2"))
        );
        assert_ne!(b.lrs, l.lrs);
    }
    assert_eq!(a.run_retention("t").await.unwrap().volunteers, 0);
    let pool = crate::erasure::raw_pool(db).await;
    sqlx::query("UPDATE clan_volunteers SET keep_until = '2025-01-01'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(a.run_retention("t").await.unwrap().volunteers, 1);
    assert!(a.volunteer_leads("cw1").await.unwrap().is_empty());
    assert_eq!(a.y_haplotype("t", "V-3").await.unwrap(), None);
    b.close().await;
}
both!(a_clan_volunteer_leads_to_a_boy_of_his_line);

/// The audit details of the Y haplotype reads of `target` after entry
/// `from`, oldest first.
async fn y_reads_of(r: &Registry, from: i64, target: &str) -> Vec<String> {
    let mut reads: Vec<String> = r
        .audit_tail(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.seq > from && e.action == "y_haplotypes.read" && e.target_type == target)
        .map(|e| e.detail)
        .collect();
    reads.reverse();
    reads
}

/// What each paternal-line search read from the rows since audit entry
/// `from`, oldest first, as the audit log says it.
async fn y_reads_since(r: &Registry, from: i64) -> Vec<String> {
    y_reads_of(r, from, "lineage_index").await
}

/// Volunteer `i`'s haplotype of five: only the fifth is of `clan(&[])`,
/// the others three loci or more away from it.
fn volunteer_y(i: i32) -> Calls {
    let steps = i + 1;
    let far = [("DYS19", steps), ("DYS390", -steps), ("DYS437", steps)];
    if i == 5 { clan(&[]) } else { clan(&far) }
}

/// Five volunteers V-1 to V-5 with their Y ([`volunteer_y`]).
async fn five_volunteers(a: &Registry) {
    let mut rows = VOLUNTEERS_HEADER.to_string();
    let mut ys = Vec::new();
    for i in 1..=5 {
        rows.push_str(&format!("V-{i},Li,Lijiazhuang,,2025-05-01,2045-05-01,\n"));
        ys.push((format!("V-{i}"), volunteer_y(i)));
    }
    a.import_volunteers("cw1", "clan.csv", &rows).await.unwrap();
    let ys: Vec<(&str, Calls)> = ys.iter().map(|(s, c)| (s.as_str(), c.clone())).collect();
    import_y(a, "yv.txt", &y_file(&ys)).await;
}

/// A boy's Y imported in a new process (options `o`): the new leads, the
/// lineage rows read and the snapshot reads it audited.
async fn boy_in_new_process(
    db: &TestDb,
    o: registry::OpenOptions,
    (sample, id): (&str, &str),
    y: Calls,
) -> (usize, Vec<String>, Vec<String>) {
    let b = Registry::open(o).await.unwrap().0;
    let from = b.audit_tail(1).await.unwrap()[0].seq;
    found(&b, sample, id).await;
    let rep = import_y(&b, &format!("{id}.txt"), &y_file(&[(sample, y)])).await;
    let out = (
        rep.new_leads,
        y_reads_since(&b, from).await,
        y_reads_of(&b, from, "lineage_snapshot").await,
    );
    b.close().await;
    let _ = db;
    out
}

async fn volunteers_are_read_a_few_at_a_time_and_only_when_needed(db: &TestDb) {
    let a = &db.registry;
    load_small(a).await;
    five_volunteers(a).await;
    // As a registry without a lineage snapshot (from before it, or after a
    // deletion): the indexes are built from the rows.
    let pool = crate::erasure::raw_pool(db).await;
    for sql in [
        "DELETE FROM lineage_snapshot_parts",
        "DELETE FROM lineage_snapshots",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;

    // A new process that reads two rows at a time.
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.y_rows_per_read = 2;
    let b = Registry::open(o).await.unwrap().0;
    let from = b.audit_tail(1).await.unwrap()[0].seq;
    // A boy registered without his Y: nothing to search for, none read.
    found(&b, "FS-9", "FC-9").await;
    assert_eq!(y_reads_since(&b, from).await, Vec::<String>::new());
    // His Y: the boy and every volunteer read, two rows at a time, and
    // the lead to the last volunteer found.
    let boy = clan(&[("DYS458", 1)]);
    let rep = import_y(&b, "y9.txt", &y_file(&[("FS-9", boy)])).await;
    assert_eq!(rep.new_leads, 1, "{rep:?}");
    assert_eq!(
        y_reads_since(&b, from).await,
        ["6 Y haplotypes read for the paternal-line search"]
    );
    let leads = b.volunteer_leads("cw1").await.unwrap();
    assert_eq!(
        (leads.len(), leads[0].volunteer_sample.as_str()),
        (1, "V-5")
    );
    b.close().await;
}

both!(volunteers_are_read_a_few_at_a_time_and_only_when_needed);

/// A new process restores the lineage indexes from their snapshot and reads
/// only the rows changed since; one that read more than the refresh
/// threshold writes it anew; a volunteer's withdrawal deletes it (he is in
/// no index built after); a damaged one is not used, the indexes are built
/// from the rows, and it is written anew.
async fn the_lineage_indexes_come_back_from_their_snapshot(db: &TestDb) {
    let a = &db.registry;
    load_small(a).await;
    five_volunteers(a).await;
    assert_eq!(lineage_snapshots(db).await, [5]);
    let o = || options(&db.url, &db.key, db.dir.path());

    // Restored: only the boy is read, and his lead found.
    let boy = ("FS-9", "FC-9");
    let (leads, rows, snapshot) = boy_in_new_process(db, o(), boy, clan(&[("DYS458", 1)])).await;
    assert_eq!(leads, 1);
    assert_eq!(rows, ["1 Y haplotypes read for the paternal-line search"]);
    assert_eq!(snapshot.len(), 1, "{snapshot:?}");
    assert!(
        snapshot[0].starts_with("5 Y haplotypes decrypted from the lineage snapshot of changes "),
        "{snapshot:?}"
    );
    assert_eq!(
        lineage_snapshots(db).await,
        [5],
        "one row read: not written anew"
    );
    // The index check restores it as a new process would: the same men
    // with the same haplotypes as the indexes built from the rows.
    let check = a.check_index("t").await.unwrap();
    let l = check.lineage_snapshot.clone().expect("a lineage snapshot");
    assert!(l.agrees && check.agrees(), "{l:?}");
    assert_eq!((l.men, l.changes_after, l.stale), (5, 1, false));

    // More rows changed since it than the threshold: written anew.
    let mut fresh = o();
    fresh.settings.snapshot_refresh_after = 1;
    let far = clan(&[("DYS19", 9), ("DYS390", 9), ("DYS437", 9)]);
    let (leads, rows, _) = boy_in_new_process(db, fresh, ("FS-8", "FC-8"), far).await;
    assert_eq!(leads, 0);
    assert_eq!(rows, ["2 Y haplotypes read for the paternal-line search"]);
    assert_eq!(lineage_snapshots(db).await, [7]);

    // V-5 withdraws: the snapshot goes with his haplotype, and the indexes
    // built next (from every row) do not hold him.
    let c = db.reopen().await;
    c.delete_volunteer("cw1", "V-5").await.unwrap();
    c.close().await;
    assert_eq!(lineage_snapshots(db).await, Vec::<i64>::new());
    let (leads, rows, snapshot) =
        boy_in_new_process(db, o(), ("FS-7", "FC-7"), clan(&[("DYS458", -1)])).await;
    assert_eq!((leads, snapshot.len()), (0, 0));
    assert_eq!(rows, ["7 Y haplotypes read for the paternal-line search"]);
    assert_eq!(lineage_snapshots(db).await, [7]);

    // A damaged part: not used, the indexes built from the rows (V-4's
    // lead found), and the snapshot written anew, readable.
    let pool = crate::erasure::raw_pool(db).await;
    let mut part: Vec<u8> =
        sqlx::query("SELECT content FROM lineage_snapshot_parts WHERE part = 0")
            .fetch_one(&pool)
            .await
            .map(|r| sqlx::Row::get(&r, "content"))
            .unwrap();
    let middle = part.len() / 2;
    part[middle] ^= 1;
    sqlx::query("UPDATE lineage_snapshot_parts SET content = $1 WHERE part = 0")
        .bind(part)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let check = a.check_index("t").await.unwrap();
    let l = check.lineage_snapshot.clone().expect("a lineage snapshot");
    assert!(!check.agrees(), "{l:?}");
    assert!(
        l.unreadable
            .as_deref()
            .is_some_and(|u| u.contains("cannot be decrypted")),
        "{l:?}"
    );
    let (leads, rows, snapshot) =
        boy_in_new_process(db, o(), ("FS-6", "FC-6"), volunteer_y(4)).await;
    assert_eq!((leads, snapshot.len()), (1, 0));
    assert_eq!(rows, ["8 Y haplotypes read for the paternal-line search"]);
    assert_eq!(lineage_snapshots(db).await, [8]);
    let (_, rows, snapshot) =
        boy_in_new_process(db, o(), ("FS-5", "FC-5"), clan(&[("DYS19", 12)])).await;
    assert_eq!(
        (rows.len(), snapshot.len()),
        (1, 1),
        "{rows:?} {snapshot:?}"
    );
    let e = db.reopen().await;
    let to_v4: Vec<String> = e
        .volunteer_leads("cw1")
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.found_id == "FC-6")
        .map(|l| l.volunteer_sample)
        .collect();
    assert_eq!(to_v4, ["V-4"]);
    e.close().await;

    // A haplotype deleted behind the change sequence's back: the check
    // names the man the snapshot holds and the rows do not.
    let pool = crate::erasure::raw_pool(db).await;
    sqlx::query("DELETE FROM y_haplotypes WHERE sample_name = 'V-4'")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let check = a.check_index("t").await.unwrap();
    let l = check.lineage_snapshot.clone().expect("a lineage snapshot");
    assert!(!check.agrees() && !l.agrees, "{l:?}");
    assert_eq!(l.differences.len(), 1, "{l:?}");
    assert!(
        l.differences[0].starts_with("clan volunteers: man ")
            && l.differences[0].ends_with(" is only in the first"),
        "{l:?}"
    );
}

both!(the_lineage_indexes_come_back_from_their_snapshot);
