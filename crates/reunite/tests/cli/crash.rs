//! Crash safety: the process is killed (SIGKILL) at seeded random points of
//! a large import (right after a stage it tells on stderr) and at seeded
//! random moments of review decisions; after a restart the registry is
//! exactly as before or as after each operation, never half, the audit chain
//! is intact and the stored candidates equal what an index rebuilt from the
//! database gives (`reunite index check`).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::common::*;

fn write_scenario(dir: &Path, families: usize, rescued: usize, seed: u64) {
    let models = formats::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
    let spec = sim::ScenarioSpec {
        families,
        rescued,
        rescued_with_family: rescued * 5 / 6,
        seed,
        today: (2026, 11, 20),
    };
    let s = sim::scenario(&models, &[], &spec).unwrap();
    std::fs::write(dir.join("freq.csv"), formats::builtin::NIST_FREQUENCIES).unwrap();
    std::fs::write(dir.join("cases.csv"), &s.cases_csv).unwrap();
    std::fs::write(dir.join("references.csv"), &s.references_csv).unwrap();
    std::fs::write(dir.join("found.csv"), &s.found_csv).unwrap();
    std::fs::write(dir.join("profiles.txt"), &s.profiles_tsv).unwrap();
}

fn cli(data: &Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--data-dir", data.to_str().unwrap()]);
    reunite(&all)
}

fn cli_ok(data: &Path, args: &[&str]) -> String {
    let o = cli(data, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Imports frequencies, cases, references and found children (the profiles come later).
fn import_rows(dir: &Path, data: &Path) {
    let path = |n: &str| dir.join(n).to_str().unwrap().to_string();
    cli_ok(
        data,
        &[
            "import",
            "frequencies",
            "--population",
            "All",
            &path("freq.csv"),
        ],
    );
    cli_ok(data, &["import", "cases", &path("cases.csv")]);
    cli_ok(data, &["import", "references", &path("references.csv")]);
    cli_ok(data, &["import", "found", &path("found.csv")]);
}

/// Copies a registry directory (no process has it open).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn open(rt: &tokio::runtime::Runtime, data: &Path) -> registry::Registry {
    rt.block_on(registry::Registry::open(registry::OpenOptions {
        database_url: None,
        key_file: None,
        data_dir: data.to_path_buf(),
        actor: "crash-test".into(),
        settings: registry::Settings::default(),
    }))
    .unwrap()
    .0
}

/// What an operation may change: the row counts, every candidate (without
/// its computation time), the imports recorded and the searches audited.
#[derive(Debug, PartialEq)]
pub(crate) struct ImportState {
    counts: Vec<(String, i64)>,
    candidates: Vec<Value>,
    audited: BTreeMap<String, usize>,
}

pub(crate) fn import_state(data: &Path) -> ImportState {
    let mut candidates: Vec<Value> =
        serde_json::from_str(&cli_ok(data, &["matches", "--json"])).unwrap();
    for c in &mut candidates {
        c.as_object_mut().unwrap().remove("computed_at");
    }
    let rt = runtime();
    let r = open(&rt, data);
    let (counts, tail) = rt.block_on(async {
        let counts = r.counts().await.unwrap();
        let tail = r.audit_tail(1_000_000).await.unwrap();
        (counts, tail)
    });
    rt.block_on(r.close());
    let mut audited = BTreeMap::new();
    for e in tail {
        // Opening the registry audits its own reading of the profiles: not part of the operation.
        if e.action != "profiles.read" {
            *audited.entry(e.action.clone()).or_default() += 1;
        }
    }
    ImportState {
        counts: counts
            .into_iter()
            .filter(|(k, _)| *k != "audit entries")
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
        candidates,
        audited,
    }
}

pub(crate) fn audit_intact(data: &Path) {
    let out = cli_ok(data, &["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
}

/// `reunite index check --json`: the stored candidates are exactly what the
/// rebuilt index gives.
pub(crate) fn index_matches_database(data: &Path) -> Value {
    let o = cli(data, &["index", "check", "--json"]);
    let check: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("index check: {e}: {}", stderr(&o)));
    assert!(o.status.success(), "index check: {check}");
    assert_eq!(check["live_index_agrees"], true, "{check}");
    assert_eq!(check["differing"], serde_json::json!([]), "{check}");
    assert_eq!(check["not_stored"], serde_json::json!([]), "{check}");
    assert_eq!(check["reproduced"], check["candidates"], "{check}");
    check
}

/// What a killed import had told the user on stderr, every line it wrote
/// before it died (read after the kill to the end of the pipe).
#[derive(Debug)]
pub(crate) struct Told {
    pub lines: Vec<String>,
    /// The import ended by itself before the line to kill at came.
    pub exited_first: bool,
}

impl Told {
    fn has(&self, line: &str) -> bool {
        self.lines.iter().any(|l| l == line)
    }

    /// It had said that every row of the file is written (in its transaction).
    pub fn rows_written(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.ends_with("stored (not yet committed)"))
    }

    /// It had begun to commit.
    pub fn committing(&self) -> bool {
        self.has("committing")
    }

    /// It had committed.
    pub fn committed(&self) -> bool {
        self.has("committed")
    }
}

/// Runs `reunite import ARGS --data-dir DATA`, reads its stages on stderr line
/// by line and SIGKILLs it right after the first line for which `kill_after`
/// (line number from 0, text) holds.
pub(crate) fn import_killed_after(
    data: &Path,
    args: &[&str],
    kill_after: impl Fn(usize, &str) -> bool,
) -> Told {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reunite"))
        .arg("import")
        .args(args)
        .args(["--data-dir", data.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut told = Told {
        lines: Vec::new(),
        exited_first: true,
    };
    for line in lines.by_ref() {
        let line = line.unwrap();
        let kill = kill_after(told.lines.len(), &line);
        told.lines.push(line);
        if kill {
            child.kill().unwrap(); // SIGKILL (the child cannot have been reaped yet)
            told.exited_first = false;
            break;
        }
    }
    // What it wrote between the line and its death.
    for line in lines {
        told.lines.push(line.unwrap());
    }
    child.wait().unwrap();
    told
}

/// Which state a killed import left, checked against what it had told: before
/// it began to commit, exactly the state before; once it said it committed,
/// exactly the state after; in between, one or the other. Never half.
pub(crate) fn outcome(
    told: &Told,
    state: &ImportState,
    before: &ImportState,
    after: &ImportState,
) -> &'static str {
    let which = if state == before {
        "before"
    } else if state == after {
        "after"
    } else {
        panic!(
            "neither the state before nor after the import\n told {:?}\n counts {:?} (before {:?}, after {:?})\n candidates {} (before {}, after {})\n audited {:?} (before {:?}, after {:?})",
            told.lines,
            state.counts,
            before.counts,
            after.counts,
            state.candidates.len(),
            before.candidates.len(),
            after.candidates.len(),
            state.audited,
            before.audited,
            after.audited
        )
    };
    if !told.committing() {
        assert_eq!(
            which, "before",
            "killed before it began to commit, yet the import is there: {:?}",
            told.lines
        );
    }
    if told.committed() {
        assert_eq!(
            which, "after",
            "it said it committed, yet the import is lost: {:?}",
            told.lines
        );
    }
    which
}

/// SIGKILL at seeded random points of a large profile import, each right
/// after one of the lines it tells on stderr (reading, checked, every tenth of
/// the rows stored, all stored, searching, candidates found, committing).
#[test]
fn an_import_killed_at_random_moments_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_scenario(d, 800, 30, 11);
    let base = d.join("base");
    import_rows(d, &base);
    let profiles = d.join("profiles.txt");
    let profiles = profiles.to_str().unwrap();

    // The state before, and after an import nobody interrupts, with the lines it tells.
    let before = import_state(&base);
    assert_eq!(before.candidates.len(), 0);
    let control = d.join("control");
    copy_dir(&base, &control);
    let told = import_killed_after(&control, &["profiles", profiles], |_, _| false);
    assert!(told.exited_first && told.committed(), "{:?}", told.lines);
    let after = import_state(&control);
    assert!(!after.candidates.is_empty());
    assert_ne!(before, after);
    let check = index_matches_database(&control);
    eprintln!(
        "uninterrupted import: {} candidates ({} reproduced by the rebuilt index); it told {:?}",
        after.candidates.len(),
        check["reproduced"],
        told.lines
    );
    let stages = told.lines.len();
    assert!(stages >= 16, "{:?}", told.lines);

    // Kill points: after a line chosen at random (seeded) in each of 8 slices of the lines told.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let slices = 8;
    let mut outcomes = Vec::new();
    for k in 0..slices {
        let lo = stages * k / slices;
        let hi = (stages * (k + 1) / slices).max(lo + 1);
        let at = rng.random_range(lo..hi);
        let run = d.join(format!("run{k}"));
        copy_dir(&base, &run);
        let told = import_killed_after(&run, &["profiles", profiles], |i, _| i == at);
        // Restart: every command below opens the registry afresh.
        let state = import_state(&run);
        let which = outcome(&told, &state, &before, &after);
        audit_intact(&run);
        index_matches_database(&run);
        let line = told.lines.get(at).cloned().unwrap_or_default();
        eprintln!("kill {k} after line {at} ({line:?}): {which}");
        outcomes.push((which, told.rows_written() && !told.committing()));
        std::fs::remove_dir_all(&run).unwrap();
    }
    assert!(
        outcomes.iter().any(|(o, _)| *o == "before"),
        "no kill landed before the commit: {outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|(o, between)| *o == "before" && *between),
        "no kill landed after the rows were written and before the commit: {outcomes:?}"
    );
}

/// A `reunite serve` child on a loopback port chosen by the system.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reunite"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
                data.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server said where it listens")
                .unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.trim().trim_end_matches('/').to_string();
            }
        };
        // Keep draining what the server writes.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server { child, base }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn login(agent: &ureq::Agent, base: &str, user: &str, password: &str) -> String {
    let v: Value = agent
        .post(&format!("{base}/api/v1/login"))
        .header("Content-Type", "application/json")
        .send(serde_json::json!({"username": user, "password": password}).to_string())
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// The steps a candidate takes in this test, with who takes them: the full
/// review to a reunion, or a rejection at a seeded step.
fn plan(rng: &mut ChaCha8Rng) -> Vec<(&'static str, &'static str, &'static str)> {
    let full = [
        ("start_review", "ann", "under_review"),
        ("request_test", "ann", "test_requested"),
        ("confirm", "bob", "confirmed"),
        ("reunite", "bob", "reunited"),
    ];
    match rng.random_range(0..3) {
        0 => {
            let at = rng.random_range(0..4);
            let mut p = full[..at].to_vec();
            p.push(("reject", "bob", "rejected"));
            p
        }
        _ => full.to_vec(),
    }
}

/// Per candidate: the steps planned, how many were acknowledged by a 200,
/// and whether a step is in flight (sent, no answer yet).
#[derive(Debug, Clone)]
struct Progress {
    steps: Vec<(&'static str, &'static str, &'static str)>,
    acked: usize,
    in_flight: bool,
}

impl Progress {
    fn status(&self, done: usize) -> &'static str {
        if done == 0 {
            "new"
        } else {
            self.steps[done - 1].2
        }
    }
}

/// SIGKILL of `reunite serve` at seeded random moments while review decisions
/// are in flight from three clients.
#[test]
fn review_decisions_survive_a_killed_server_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_scenario(d, 80, 48, 5);
    let data = d.join("data");
    import_rows(d, &data);
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    cli_ok(&data, &["import", "profiles", &path("profiles.txt")]);
    for (user, pw) in [
        ("ann", "ann-has-a-long-password"),
        ("bob", "bob-has-a-long-password"),
    ] {
        std::fs::write(d.join(user), format!("{pw}\n")).unwrap();
        cli_ok(
            &data,
            &[
                "user",
                "add",
                "--username",
                user,
                "--role",
                "caseworker",
                "--password-file",
                &path(user),
            ],
        );
    }
    let candidates: Vec<i64> = {
        let rt = runtime();
        let r = open(&rt, &data);
        let list = rt
            .block_on(r.candidate_summaries(None, None))
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        rt.block_on(r.close());
        list
    };
    assert!(candidates.len() >= 30, "{} candidates", candidates.len());
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let progress: Arc<Mutex<BTreeMap<i64, Progress>>> = Arc::new(Mutex::new(
        candidates
            .iter()
            .map(|&id| {
                (
                    id,
                    Progress {
                        steps: plan(&mut rng),
                        acked: 0,
                        in_flight: false,
                    },
                )
            })
            .collect(),
    ));
    let total_steps: usize = progress
        .lock()
        .unwrap()
        .values()
        .map(|p| p.steps.len())
        .sum();

    let mut kills = 0;
    let mut kills_in_flight = 0;
    let (mut landed_after, mut landed_before) = (0, 0);
    for round in 0..12 {
        let remaining = progress
            .lock()
            .unwrap()
            .values()
            .filter(|p| p.acked < p.steps.len())
            .count();
        if remaining == 0 {
            break;
        }
        let mut server = Server::start(&data);
        let base = server.base.clone();
        let a = agent();
        let tokens: HashMap<&str, String> = [
            ("ann", login(&a, &base, "ann", "ann-has-a-long-password")),
            ("bob", login(&a, &base, "bob", "bob-has-a-long-password")),
        ]
        .into_iter()
        .collect();
        let tokens = Arc::new(tokens);
        // Three clients, each owning every third candidate, step by step.
        let mut clients = Vec::new();
        for c in 0..3 {
            let mine: Vec<i64> = candidates.iter().copied().skip(c).step_by(3).collect();
            let (progress, tokens, base) = (progress.clone(), tokens.clone(), base.clone());
            clients.push(std::thread::spawn(move || {
                let a = agent();
                'candidates: for id in mine {
                    loop {
                        // A candidate's version is the number of its steps.
                        let (action, user, version) = {
                            let mut all = progress.lock().unwrap();
                            let p = all.get_mut(&id).unwrap();
                            if p.acked == p.steps.len() {
                                continue 'candidates;
                            }
                            p.in_flight = true;
                            (p.steps[p.acked].0, p.steps[p.acked].1, p.acked)
                        };
                        let body = if action == "reject" {
                            serde_json::json!({"action": action, "reason": "another family's sample", "version": version})
                        } else {
                            serde_json::json!({"action": action, "version": version})
                        };
                        let sent = a
                            .post(&format!("{base}/api/v1/candidates/{id}/review"))
                            .header("Authorization", format!("Bearer {}", tokens[user]))
                            .header("Content-Type", "application/json")
                            .send(body.to_string());
                        match sent {
                            Ok(mut resp) => {
                                let v: Value = resp.body_mut().read_json().unwrap();
                                let mut all = progress.lock().unwrap();
                                let p = all.get_mut(&id).unwrap();
                                assert_eq!(v["status"], p.steps[p.acked].2, "candidate {id}");
                                p.acked += 1;
                                p.in_flight = false;
                            }
                            Err(ureq::Error::StatusCode(code)) => {
                                panic!("candidate {id}: {action} answered {code}")
                            }
                            // The server is gone: the outcome of this step is unknown.
                            Err(_) => return,
                        }
                    }
                }
            }));
        }
        // Kill at a seeded moment while the clients post (the last round lets them finish).
        let delay = Duration::from_millis(rng.random_range(2..60));
        let last = round == 11;
        if !last {
            std::thread::sleep(delay);
            let snapshot = progress.lock().unwrap().clone();
            server.kill(); // SIGKILL
            kills += 1;
            if snapshot.values().any(|p| p.in_flight) {
                kills_in_flight += 1;
            }
        }
        for c in clients {
            c.join().expect("a client failed");
        }
        if last {
            server.kill();
        }

        // Restart: every candidate is at the acknowledged step or the one in
        // flight, and its status, history, case and found child agree.
        let rt = runtime();
        let r = open(&rt, &data);
        let mut all = progress.lock().unwrap();
        for (&id, p) in all.iter_mut() {
            let detail = rt
                .block_on(r.candidate_detail("crash-test", id))
                .unwrap()
                .unwrap();
            let status = detail.summary.status.name();
            let done = if status == p.status(p.acked) {
                if p.in_flight {
                    landed_before += 1;
                }
                p.acked
            } else if p.in_flight && p.acked < p.steps.len() && status == p.status(p.acked + 1) {
                landed_after += 1;
                p.acked + 1
            } else {
                panic!(
                    "candidate {id} is {status}: acknowledged {}, in flight {}",
                    p.status(p.acked),
                    p.in_flight
                );
            };
            let history: Vec<(&str, &str)> = detail
                .history
                .iter()
                .map(|e| (e.from.name(), e.to.name()))
                .collect();
            let want: Vec<(&str, &str)> =
                (0..done).map(|k| (p.status(k), p.status(k + 1))).collect();
            assert_eq!(history, want, "candidate {id}: the review history");
            for (k, e) in detail.history.iter().enumerate() {
                assert_eq!(e.actor, p.steps[k].1, "candidate {id}: who took step {k}");
            }
            if status == "reunited" {
                let case = rt.block_on(r.candidate_case(id)).unwrap().unwrap();
                let (_, case_status) = rt.block_on(r.case_status(case)).unwrap().unwrap();
                assert_eq!(case_status, "reunited", "candidate {id}: its case");
            }
            p.acked = done;
            p.in_flight = false;
        }
        // Every review step in the events is in the audit log, and no more.
        let audit = rt.block_on(r.audit_tail(1_000_000)).unwrap();
        let steps_audited = audit
            .iter()
            .filter(|e| e.action == "candidate.review")
            .count();
        let steps_done: usize = all.values().map(|p| p.acked).sum();
        assert_eq!(steps_audited, steps_done, "review steps audited");
        drop(all);
        rt.block_on(r.close());
        audit_intact(&data);
    }
    let all = progress.lock().unwrap();
    let done: usize = all.values().map(|p| p.acked).sum();
    eprintln!(
        "{} candidates, {done} of {total_steps} review steps done; {kills} kills, {kills_in_flight} with a decision in flight: {landed_before} steps lost before the commit, {landed_after} committed without an answer",
        all.len()
    );
    assert_eq!(done, total_steps, "every planned step done in the end");
    assert!(
        kills_in_flight >= 1,
        "no kill landed with a decision in flight"
    );
    let index = index_matches_database(&data);
    assert!(index["candidates"].as_u64().unwrap() as usize >= candidates.len());
}
