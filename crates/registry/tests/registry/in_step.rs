//! The search index kept in step with the registry: an import reads and
//! decrypts only the cases and found children it changes, the live index
//! then answers every search as an index rebuilt from the database, and a
//! command that only lists decrypts nothing.

use std::collections::{BTreeSet, HashMap};

use registry::{CandidateFilter, Registry};

use crate::both;
use crate::common::*;

/// The genotype table cut into `parts` files, samples dealt in turn (so a
/// family's references fall into different files).
fn deal(tsv: &str, parts: usize) -> Vec<(BTreeSet<String>, String)> {
    let mut lines = tsv.lines();
    let header = lines.next().unwrap();
    let mut order: Vec<String> = Vec::new();
    let mut rows: HashMap<String, Vec<&str>> = HashMap::new();
    for line in lines {
        let sample = line.split('\t').nth(1).unwrap().to_string();
        if !rows.contains_key(&sample) {
            order.push(sample.clone());
        }
        rows.entry(sample).or_default().push(line);
    }
    (0..parts)
        .map(|k| {
            let samples: BTreeSet<String> = order.iter().skip(k).step_by(parts).cloned().collect();
            let mut text = format!("{header}\n");
            for s in &order {
                if samples.contains(s) {
                    for l in &rows[s] {
                        text.push_str(l);
                        text.push('\n');
                    }
                }
            }
            (samples, text)
        })
        .collect()
}

/// `n profiles decrypted to <why>` or `n profiles decrypted from the index
/// snapshot of change s to <why>`: (n, why), the second as `snapshot: why`.
fn decryption(detail: &str) -> (usize, String) {
    let (n, rest) = detail.split_once(' ').unwrap();
    let rest = rest.strip_prefix("profiles decrypted ").unwrap();
    let why = match rest.strip_prefix("from the index snapshot of change ") {
        Some(s) => format!("snapshot: {}", s.split_once(" to ").unwrap().1),
        None => rest.strip_prefix("to ").unwrap().to_string(),
    };
    (n.parse().unwrap(), why)
}

async fn agrees(r: &Registry) {
    let check = r.check_index("t").await.unwrap();
    assert!(check.live_index_agrees, "{check:?}");
    assert!(check.agrees(), "{check:?}");
    assert!(check.not_stored.is_empty(), "{check:?}");
}

async fn an_import_reads_only_what_it_changes(db: &TestDb) {
    let s = nist_scenario(60, 10, 8, 21);
    let r = &db.registry;
    import_nist(r, "t", false).await;
    r.import_cases("t", "cases.csv", &s.cases_csv)
        .await
        .unwrap();
    r.import_references("t", "references.csv", &s.references_csv)
        .await
        .unwrap();
    r.import_found("t", "found.csv", &s.found_csv)
        .await
        .unwrap();
    // Which samples each case holds, and which samples are found children.
    let mut family: HashMap<String, Vec<String>> = HashMap::new();
    for line in s.references_csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        family
            .entry(f[1].to_string())
            .or_default()
            .push(f[0].to_string());
    }
    let children: BTreeSet<String> = s.truth.iter().map(|t| t.sample_name.clone()).collect();

    let mut stored: BTreeSet<String> = BTreeSet::new();
    for (k, (samples, text)) in deal(&s.profiles_tsv, 5).iter().enumerate() {
        stored.extend(samples.iter().cloned());
        // What an import of these samples changes: the families with one
        // of them, whose every stored profile is read again, and the
        // children among them.
        let mut want: BTreeSet<&String> = samples.intersection(&children).collect();
        for members in family.values() {
            if members.iter().any(|m| samples.contains(m)) {
                want.extend(members.iter().filter(|m| stored.contains(*m)));
            }
        }
        let since = last_seq(r).await;
        r.import_profiles("t", &format!("part{k}.txt"), text, None, None, &|_, _| {})
            .await
            .unwrap();
        let reads = decryptions_since(r, since).await;
        assert_eq!(reads.len(), 1, "one decryption per import: {reads:?}");
        assert_eq!(
            decryption(&reads[0]),
            (want.len(), "update the search index".to_string()),
            "import {k}: {} profiles stored",
            stored.len()
        );
        assert!(want.len() < stored.len() || k == 0);
        agrees(r).await;
    }
    let found = r
        .candidates(&CandidateFilter::default())
        .await
        .unwrap()
        .len();
    assert!(found >= 8, "{found} candidates");

    // A rescued child whose profile carries an allele the frequency table
    // lacks: the model gains it, every LR changes, the index is rebuilt.
    let (_, model_child) = deal(&s.profiles_tsv, 1).remove(0);
    let first = s.truth[0].sample_name.as_str();
    let rows: Vec<String> = model_child
        .lines()
        .filter(|l| l.split('\t').nth(1) == Some(first))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let mut f: Vec<String> = f.iter().map(|x| x.replace(first, "FS-NEW")).collect();
            if f[3] == "D8S1179" {
                f[5] = "31".to_string();
            }
            f.join("\t")
        })
        .collect();
    assert!(
        rows.iter()
            .any(|l| l.contains("D8S1179") && l.contains("\t31\t")),
        "{rows:?}"
    );
    let table = format!(
        "{}\n{}\n",
        s.profiles_tsv.lines().next().unwrap(),
        rows.join("\n")
    );
    r.import_found(
        "t",
        "new.csv",
        &format!("{FOUND_HEADER}FS-NEW,FC-NEW,male,400,700,2025-06-01,Riverton,,,Home A,\n"),
    )
    .await
    .unwrap();
    let since = last_seq(r).await;
    r.import_profiles("t", "new.txt", &table, None, None, &|_, _| {})
        .await
        .unwrap();
    let reads = decryptions_since(r, since).await;
    let whys: Vec<String> = reads.iter().map(|d| decryption(d).1).collect();
    // Newest first: the new profile read; then, for the rebuild, every
    // profile from the rows (the index snapshot holds the index encoded
    // under the old model, of no use to the new one).
    assert_eq!(
        whys,
        ["rebuild the search index", "update the search index"],
        "{reads:?}"
    );
    assert_eq!(decryption(&reads[0]).0, stored.len() + 1);
    agrees(r).await;

    // Opened again, as a new process: listing decrypts nothing; the first
    // search builds the index, which agrees.
    let all = r.candidates(&CandidateFilter::default()).await.unwrap();
    let again = db.reopen().await;
    let since = last_seq(&again).await;
    assert_eq!(
        again.candidates(&CandidateFilter::default()).await.unwrap(),
        all
    );
    assert_eq!(decryptions_since(&again, since).await, Vec::<String>::new());
    agrees(&again).await;
    again.close().await;
}
both!(an_import_reads_only_what_it_changes);

/// Retention deletes a reunited family's profiles: the live index forgets
/// them with the commit, as a rebuilt one would.
async fn retention_leaves_the_index_in_step(db: &TestDb) {
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.retention_days = 0;
    let (r, _) = Registry::open(o).await.unwrap();
    load_small(&r).await;
    let id = small_candidate(&r).await.id;
    reunite(&r, id).await;
    assert_eq!(r.check_index("t").await.unwrap().cases_indexed, 3);
    assert_eq!(r.run_retention("t").await.unwrap().profiles, 2);
    let check = r.check_index("t").await.unwrap();
    assert!(check.live_index_agrees, "{check:?}");
    assert_eq!(check.cases_indexed, 2);
    r.close().await;
}
both!(retention_leaves_the_index_in_step);

/// A bulk import (every found child's profile in the file) takes each
/// changed case's best children from the children's own searches, instead
/// of searching every case again over every child; what it stores must
/// still be what each case's own search keeps. Twins found, and parents who
/// gave their DNA for each of three lost children (three cases, the same
/// genotypes), with two candidates kept per search: the second twin's own
/// search keeps the first two cases only, the third case's search keeps
/// both twins, and the third case's best child is the first twin; so the
/// pair (second twin, third case) comes from the case's search alone.
async fn a_bulk_import_keeps_what_every_case_search_keeps(db: &TestDb) {
    let mut o = options(&db.url, &db.key, db.dir.path());
    o.settings.top_k = 2;
    let (r, _) = Registry::open(o).await.unwrap();
    let people = nist();
    let (father, mother) = (&people[0].1, &people[1].1);
    let twin = child_of(father, mother, 1);
    import_nist(&r, "t", false).await;
    let mut cases = CASES_HEADER.to_string();
    let mut references = REFERENCES_HEADER.to_string();
    let mut samples: Vec<(String, &Person)> = Vec::new();
    for case in ["A", "B", "C"] {
        cases.push_str(&format!(
            "MC-{case},,male,2024-01-01,2024-03-01,2024-06-01,Riverton,,,\n"
        ));
        references.push_str(&format!(
            "R{case}-F,MC-{case},father,,male\nR{case}-M,MC-{case},mother,,female\n"
        ));
        samples.push((format!("R{case}-F"), father));
        samples.push((format!("R{case}-M"), mother));
    }
    samples.push(("FS-1".into(), &twin));
    samples.push(("FS-2".into(), &twin));
    let samples: Vec<(&str, &Person)> = samples.iter().map(|(n, p)| (n.as_str(), *p)).collect();
    r.import_cases("t", "cases.csv", &cases).await.unwrap();
    r.import_references("t", "references.csv", &references)
        .await
        .unwrap();
    r.import_found(
        "t",
        "found.csv",
        &format!(
            "{FOUND_HEADER}FS-1,FC-1,male,400,700,2025-06-01,Riverton,,,Home A,\n\
             FS-2,FC-2,male,400,700,2025-06-01,Riverton,,,Home A,\n"
        ),
    )
    .await
    .unwrap();
    r.import_profiles(
        "t",
        "all.txt",
        &genemapper(&samples),
        None,
        None,
        &|_, _| {},
    )
    .await
    .unwrap();
    let mut pairs: Vec<(String, String)> = r
        .candidate_summaries(None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.found_id, c.case_id))
        .collect();
    pairs.sort();
    let want: Vec<(String, String)> = [
        ("FC-1", "MC-A"),
        ("FC-1", "MC-B"),
        ("FC-1", "MC-C"),
        ("FC-2", "MC-A"),
        ("FC-2", "MC-B"),
        ("FC-2", "MC-C"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    assert_eq!(pairs, want);
    let check = r.check_index("t").await.unwrap();
    assert!(check.not_stored.is_empty(), "{:?}", check.not_stored);
    assert!(check.agrees(), "{check:?}");
    r.close().await;
}
both!(a_bulk_import_keeps_what_every_case_search_keeps);
