//! `reunite bench registry`: a registry of N simulated families built through
//! the real import paths and timed from outside, as its users meet it.
//!
//! The bulk import is `reunite demo --no-serve` run as a child process of
//! this binary; its peak RSS is the kernel's account of that child
//! (`wait4`). Then found children of the same scenario arrive one at a time:
//! true missing children of registered families that had no rescued child
//! (the scenario simulated again with more rescued children, under new ids),
//! each imported by new `reunite import found` and `reunite import profiles`
//! processes, then through the API of a `reunite serve` child. Candidate
//! pages and the candidate list are fetched over HTTP on loopback, and
//! `reunite index check` runs as a new process. On PostgreSQL a second
//! server on the same database tells how long an import through the first
//! takes to reach its pages. Child processes are killed on every way out.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kinship::MutationModel;
use registry::{OpenOptions, Registry, Role, Settings};
use serde_json::{Value, json};

use crate::loadtest::{self, Server};

/// How long the second server is given to show an import through the first.
const VISIBLE_LIMIT: Duration = Duration::from_secs(30);

#[derive(Args)]
pub struct RegistryBenchArgs {
    /// Registered families of the simulated registry.
    #[arg(long, default_value_t = 2000)]
    families: usize,
    /// Children rescued by the police operation, imported with the families (nine in ten belong
    /// to a registered family).
    #[arg(long, default_value_t = 89)]
    rescued: usize,
    /// Found children imported one at a time, by new processes and again through the API (the
    /// median is reported).
    #[arg(long, default_value_t = 7)]
    samples: usize,
    /// Candidate pages opened through the API.
    #[arg(long, default_value_t = 100)]
    pages: usize,
    /// Seed of the scenario.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Build the registry in this empty database (postgres://user@host:port/db) instead of a
    /// SQLite file in the work directory. Not read from REUNITE_DATABASE_URL: the bench writes
    /// made-up families.
    #[arg(long)]
    database_url: Option<String>,
    /// The key file for --database-url (default: a new one in the work directory).
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Keep the registry, lab files and key here (a fresh directory) instead of a temporary
    /// directory removed afterwards.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Time the single operations on the registry that `reunite demo --no-serve --data-dir DIR`
    /// (with the same --families, --rescued and --seed) left in --data-dir, instead of building
    /// one: a million-family registry is built once and measured apart. The bulk import's figures
    /// are then null. It may be run again on the same registry: the found children that arrive
    /// get new names each run (`BENCH-<run>-...`).
    #[arg(long, requires = "data_dir")]
    existing: bool,
    /// Leave out `reunite index check` (its figures null): at a million families it reads and
    /// decrypts the whole registry, which takes longer than the rest.
    #[arg(long)]
    no_index_check: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// A child process of this binary, killed and reaped if still running when
/// dropped.
struct Running(Option<Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A finished child process.
struct Finished {
    seconds: f64,
    /// Its peak resident set, from the kernel (`ru_maxrss`).
    peak_rss_bytes: u64,
    success: bool,
    stdout: String,
    stderr: String,
}

/// Waits for the child `pid` and returns its wait status and resource usage.
fn wait_with_usage(pid: u32) -> std::io::Result<(libc::c_int, libc::rusage)> {
    let pid = pid as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain integers and timevals, for which all zeroes
    // is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals of the right types; wait4
        // writes only through them.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Runs this binary with `args` as a new process and times it, from the
/// spawn to its exit.
fn run_child(args: &[OsString]) -> Result<Finished> {
    let mut command = loadtest::reunite_command()?;
    let started = Instant::now();
    let child = command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start reunite {}", shown(args)))?;
    let mut running = Running(Some(child));
    let c = running.0.as_mut().expect("just started");
    let mut out = c.stdout.take().context("no stdout of the child")?;
    let mut err = c.stderr.take().context("no stderr of the child")?;
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut stdout = String::new();
    let _ = out.read_to_string(&mut stdout);
    let (status, usage) = wait_with_usage(c.id())
        .with_context(|| format!("cannot wait for reunite {}", shown(args)))?;
    let seconds = started.elapsed().as_secs_f64();
    // Reaped: nothing left to kill.
    running.0 = None;
    let maxrss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    Ok(Finished {
        seconds,
        // Linux counts it in KiB.
        peak_rss_bytes: if cfg!(target_os = "linux") {
            maxrss * 1024
        } else {
            maxrss
        },
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        stdout,
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// The child's run, or an error with the end of what it said.
fn succeeded(f: Finished, args: &[OsString]) -> Result<Finished> {
    if f.success {
        return Ok(f);
    }
    let said: Vec<&str> = f.stderr.lines().rev().take(8).collect();
    let said: Vec<&str> = said.into_iter().rev().collect();
    bail!("reunite {} failed: {}", shown(args), said.join("\n"))
}

fn shown(args: &[OsString]) -> String {
    args.iter()
        .take(3)
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// A found child of the scenario who was not rescued in the bulk import: the
/// true missing child of a registered family, under new ids.
struct Arrival {
    found_id: String,
    /// The found-children file of this child alone, with its header.
    found_csv: String,
    /// Its GeneMapper genotype table, with the header.
    profile_tsv: String,
    /// Its family registered a second time (as a second office might),
    /// under this case id, with its references and their profiles under new
    /// sample names: what the second-server probe imports.
    case_id: String,
    cases_csv: String,
    references_csv: String,
    references_tsv: String,
}

/// `n` arrivals: the scenario of the bulk import simulated again with more
/// children rescued, of whom those whose family had no child rescued in the
/// bulk import (`registered`: the cases of its truth).
fn arrivals(
    args: &RegistryBenchArgs,
    with_family: usize,
    registered: &HashSet<String>,
    n: usize,
    work: &std::path::Path,
    run: &str,
) -> Result<Vec<Arrival>> {
    // Named afresh each run (`BENCH-<run>-...`), so that a registry can be
    // measured again (`--existing`).
    let tag = format!("BENCH-{}", run.to_uppercase());
    let models = formats::builtin::nist_models(Some(MutationModel::DEFAULT_SEARCH));
    let pool = formats::builtin::nist_pool(&models);
    let today = formats::registry_csv::Date::today_utc();
    let spec = sim::ScenarioSpec {
        families: args.families,
        rescued: args.rescued + 2 * n,
        rescued_with_family: (with_family + 2 * n).min(args.families),
        seed: args.seed,
        today: (today.year(), today.month(), today.day()),
    };
    spec.validate().map_err(anyhow::Error::msg)?;
    // The scenario's files written to `work` as simulated, then read a line
    // at a time keeping the picked children's rows (never a whole file in
    // memory), then removed.
    std::fs::create_dir_all(work).with_context(|| format!("cannot create {}", work.display()))?;
    let path = |name: &str| work.join(name);
    let create = |name: &str| -> Result<std::io::BufWriter<std::fs::File>> {
        let f = std::fs::File::create(path(name))
            .with_context(|| format!("cannot write {}", path(name).display()))?;
        Ok(std::io::BufWriter::with_capacity(1 << 16, f))
    };
    let (mut cases, mut references, mut found, mut profiles) = (
        create("cases.csv")?,
        create("references.csv")?,
        create("found.csv")?,
        create("profiles.txt")?,
    );
    let s = sim::write_scenario(
        &models,
        &pool,
        &spec,
        sim::LabFiles {
            cases: &mut cases,
            references: &mut references,
            found: &mut found,
            profiles: &mut profiles,
        },
    )?;
    for w in [cases, references, found, profiles] {
        w.into_inner()
            .map_err(|e| e.into_error())
            .context("cannot write the simulated files")?;
    }
    let lines = |name: &str| -> Result<std::io::Lines<std::io::BufReader<std::fs::File>>> {
        use std::io::BufRead;
        let f = std::fs::File::open(path(name))
            .with_context(|| format!("cannot read {}", path(name).display()))?;
        Ok(std::io::BufReader::new(f).lines())
    };
    let picked: Vec<&sim::FoundTruth> = s
        .truth
        .iter()
        .filter(|t| t.case_id.as_ref().is_some_and(|c| !registered.contains(c)))
        .take(n)
        .collect();
    if picked.len() < n {
        bail!(
            "the scenario has only {} children of families without a rescued child, {n} are needed: give more --families",
            picked.len()
        );
    }
    let header = |text: &str| format!("{text}\n");
    let mut out: Vec<Arrival> = (1..=n)
        .map(|k| Arrival {
            found_id: format!("{tag}-FC-{k:03}"),
            found_csv: header(sim::scenario::SCENARIO_FOUND_HEADER),
            profile_tsv: header(sim::scenario::SCENARIO_PROFILES_HEADER),
            case_id: format!("{tag}-MC-{k:03}"),
            cases_csv: header(sim::scenario::SCENARIO_CASES_HEADER),
            references_csv: header(sim::scenario::SCENARIO_REFERENCES_HEADER),
            references_tsv: header(sim::scenario::SCENARIO_PROFILES_HEADER),
        })
        .collect();
    let child: HashMap<&str, usize> = picked
        .iter()
        .enumerate()
        .map(|(k, t)| (t.sample_name.as_str(), k))
        .collect();
    let family: HashMap<&str, usize> = picked
        .iter()
        .enumerate()
        .filter_map(|(k, t)| Some((t.case_id.as_deref()?, k)))
        .collect();
    for line in lines("found.csv")?.skip(1) {
        let line = line?;
        let mut f = line.splitn(3, ',');
        if let (Some(sample), Some(_), Some(rest)) = (f.next(), f.next(), f.next())
            && let Some(&k) = child.get(sample)
        {
            let a = &mut out[k];
            writeln!(a.found_csv, "{tag}-FS-{:03},{},{rest}", k + 1, a.found_id)?;
        }
    }
    for line in lines("cases.csv")?.skip(1) {
        let line = line?;
        if let Some((case, rest)) = line.split_once(',')
            && let Some(&k) = family.get(case)
        {
            let a = &mut out[k];
            writeln!(a.cases_csv, "{},{rest}", a.case_id)?;
        }
    }
    let mut reference: HashMap<String, usize> = HashMap::new();
    for line in lines("references.csv")?.skip(1) {
        let line = line?;
        let mut f = line.splitn(3, ',');
        if let (Some(sample), Some(case), Some(rest)) = (f.next(), f.next(), f.next())
            && let Some(&k) = family.get(case)
        {
            let a = &mut out[k];
            writeln!(a.references_csv, "{tag}-{sample},{},{rest}", a.case_id)?;
            reference.insert(sample.to_string(), k);
        }
    }
    for line in lines("profiles.txt")?.skip(1) {
        let line = line?;
        let mut f = line.splitn(3, '\t');
        let (Some(file), Some(sample), Some(rest)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Some(&k) = child.get(sample) {
            let new = format!("{tag}-FS-{:03}", k + 1);
            let file = file.replacen(sample, &new, 1);
            writeln!(out[k].profile_tsv, "{file}\t{new}\t{rest}")?;
        } else if let Some(&k) = reference.get(sample) {
            let file = file.replacen(sample, &format!("{tag}-{sample}"), 1);
            writeln!(out[k].references_tsv, "{file}\t{tag}-{sample}\t{rest}")?;
        }
    }
    std::fs::remove_dir_all(work).with_context(|| format!("cannot remove {}", work.display()))?;
    for a in &out {
        let rows = |t: &str| t.lines().count() - 1;
        if rows(&a.found_csv) != 1
            || rows(&a.profile_tsv) == 0
            || rows(&a.cases_csv) != 1
            || rows(&a.references_csv) == 0
            || rows(&a.references_tsv) == 0
        {
            bail!(
                "the simulated files lack a row of {} or of its family (the scenario's file layout changed?)",
                a.found_id
            );
        }
    }
    Ok(out)
}

fn spinner(message: String) -> ProgressBar {
    let b = ProgressBar::new_spinner();
    b.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"));
    b.set_message(message);
    b.enable_steady_tick(Duration::from_millis(200));
    b
}

fn bar(len: usize, message: &str) -> ProgressBar {
    let b = ProgressBar::new(len as u64);
    b.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    b.set_message(message.to_string());
    b
}

/// Nearest-rank percentile of latencies, in seconds.
fn seconds_at(latencies: &[Duration], p: f64) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    loadtest::percentile(&sorted, p) / 1e3
}

/// A field of `/proc/PID/status` in bytes (`VmRSS`, `VmHWM`), on Linux.
fn proc_bytes(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The items of a candidate list: the answer itself when it is an array, or
/// the first array field of an object (a page of a paginated list).
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o
            .values()
            .find_map(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The number before " new candidates" in what `reunite import` prints.
fn new_candidates(stdout: &str) -> Option<u64> {
    let before = stdout.split(" new candidates").next()?;
    before.rsplit([' ', ';']).next()?.parse().ok()
}

/// Waits until the server's `/readyz` answers 200.
fn wait_ready(agent: &ureq::Agent, base: &str) -> Result<()> {
    let started = Instant::now();
    loop {
        if let Ok(r) = agent.get(format!("{base}/readyz")).call()
            && r.status() == 200
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("{base}/readyz did not answer 200 within 10 minutes");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Calls `seen` until it says yes or `limit` has passed since `since`;
/// returns the seconds since `since` when it said yes.
fn poll_until(
    since: Instant,
    limit: Duration,
    mut seen: impl FnMut() -> Result<bool>,
) -> Result<Option<f64>> {
    loop {
        if seen()? {
            return Ok(Some(since.elapsed().as_secs_f64()));
        }
        if since.elapsed() >= limit {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Logged-in API clients of one server.
struct Api<'a> {
    agent: &'a ureq::Agent,
    base: String,
    lab: String,
    caseworker: String,
}

impl Api<'_> {
    fn get(&self, path: &str, check: impl Fn(&Value) -> bool) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        loadtest::request(self.agent, "GET", &url, Some(&self.caseworker), None, check)
            .map_err(anyhow::Error::msg)
    }

    /// Imports a file through the API: found children, cases and references
    /// as the caseworker, profiles as the lab. Returns the import's report.
    fn import(&self, kind: &str, file: &str, text: &str, rows: usize) -> Result<Value> {
        let (token, media, extra) = match kind {
            "profiles" => (&self.lab, "text/plain", "&lab=Bench%20lab"),
            _ => (&self.caseworker, "text/csv", ""),
        };
        let url = format!("{}/api/v1/import/{kind}?file={file}{extra}", self.base);
        loadtest::request(
            self.agent,
            "POST",
            &url,
            Some(token),
            Some((media, text.to_string())),
            |v| v["added"].as_u64() == Some(rows as u64),
        )
        .map_err(anyhow::Error::msg)
    }

    fn candidates(&self) -> Result<Vec<Value>> {
        let v = self.get("/api/v1/candidates", |v| v.is_array() || v.is_object())?;
        Ok(items(&v).into_iter().cloned().collect())
    }
}

fn login(agent: &ureq::Agent, base: &str, user: &(String, String)) -> Result<String> {
    loadtest::login(agent, base, user).map_err(anyhow::Error::msg)
}

/// What the second server showed.
struct SecondServer {
    /// The candidate of a found child imported through the first server,
    /// listed by the second.
    listed_seconds: Option<f64>,
    /// A family imported through the first server, in the second's
    /// candidate page (its posterior the same as the first's).
    visible_seconds: Option<f64>,
    note: Option<String>,
}

/// Two servers on one database: one found child's profile imported through
/// the first, then its family registered again through the first; the
/// second is polled until it lists the child's candidate, and until its
/// candidate page of the new family's candidate gives the posterior the
/// first gives (which needs the new family in the second server's search
/// index), each within [`VISIBLE_LIMIT`].
fn second_server(
    first: &Api,
    db: &[OsString],
    users: &((String, String), (String, String)),
    a: &Arrival,
) -> Result<SecondServer> {
    let server = loadtest::start_server(db)?;
    wait_ready(first.agent, &server.base)?;
    let second = Api {
        agent: first.agent,
        base: server.base.clone(),
        lab: login(first.agent, &server.base, &users.0)?,
        caseworker: login(first.agent, &server.base, &users.1)?,
    };
    first.import("found", "probe-found.csv", &a.found_csv, 1)?;
    first.import("profiles", "probe-profile.txt", &a.profile_tsv, 1)?;
    let since = Instant::now();
    let listed_seconds = poll_until(since, VISIBLE_LIMIT, || {
        Ok(second
            .candidates()?
            .iter()
            .any(|c| c["found_id"] == a.found_id.as_str()))
    })?;
    first.import("cases", "probe-case.csv", &a.cases_csv, 1)?;
    let refs = a.references_csv.lines().count() - 1;
    first.import(
        "references",
        "probe-references.csv",
        &a.references_csv,
        refs,
    )?;
    first.import("profiles", "probe-references.txt", &a.references_tsv, refs)?;
    let since = Instant::now();
    let Some(id) = first.candidates()?.iter().find_map(|c| {
        (c["found_id"] == a.found_id.as_str() && c["case_id"] == a.case_id.as_str())
            .then(|| c["id"].as_i64())
            .flatten()
    }) else {
        return Ok(SecondServer {
            listed_seconds,
            visible_seconds: None,
            note: Some(format!(
                "the family registered again found no candidate of {} on the first server",
                a.found_id
            )),
        });
    };
    let page = format!("/api/v1/candidates/{id}");
    let is_page = |v: &Value| v["summary"]["id"].as_i64() == Some(id);
    let Some(want) = first.get(&page, is_page)?["posterior"].as_f64() else {
        return Ok(SecondServer {
            listed_seconds,
            visible_seconds: None,
            note: Some(
                "the first server's page of the probe's candidate has no posterior to compare"
                    .into(),
            ),
        });
    };
    let visible_seconds = poll_until(since, VISIBLE_LIMIT, || {
        let got = second.get(&page, is_page)?["posterior"].as_f64();
        Ok(got.is_some_and(|p| (p - want).abs() <= 1e-6 * want.abs()))
    })?;
    drop(server);
    let note = visible_seconds.is_none().then(|| {
        format!(
            "a family imported through the first server was not in the second server's candidate page within {} s (its posterior there: not the first server's)",
            VISIBLE_LIMIT.as_secs()
        )
    });
    Ok(SecondServer {
        listed_seconds,
        visible_seconds,
        note,
    })
}

pub fn run(args: RegistryBenchArgs) -> Result<()> {
    let started = Instant::now();
    if args.families == 0 || args.rescued == 0 || args.samples == 0 || args.pages == 0 {
        bail!("--families, --rescued, --samples and --pages must be positive");
    }
    let postgres = args
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
    let with_family = args.rescued * 9 / 10;
    let needed = 2 * args.samples + usize::from(postgres);
    if args.families < with_family + needed {
        bail!(
            "--families {} is too few: the {with_family} rescued children with a family and the {needed} found children imported one at a time each need a family of their own (at least {})",
            args.families,
            with_family + needed
        );
    }
    let dir = match (&args.data_dir, args.existing) {
        (Some(d), true) => loadtest::WorkDir {
            path: d.clone(),
            keep: true,
        },
        _ => loadtest::work_dir(args.data_dir.clone(), "bench-registry")?,
    };
    let key_file = match (&args.key_file, &args.database_url) {
        (Some(k), _) => Some(k.clone()),
        (None, Some(_)) => {
            let k = dir.path.join("bench.key");
            registry::crypto::create_key_file(&k)?;
            Some(k)
        }
        (None, None) => None,
    };
    let mut db: Vec<OsString> = vec!["--data-dir".into(), dir.path.clone().into()];
    if let Some(u) = &args.database_url {
        db.extend(["--database-url".into(), u.into()]);
    }
    if let Some(k) = &key_file {
        db.extend(["--key-file".into(), k.clone().into()]);
    }
    let with_db = |args: &[&str]| {
        let mut v = os(args);
        v.extend(db.iter().cloned());
        v
    };

    // The bulk import: the demo's lab files through the registry's imports.
    let demo_args = with_db(&[
        "demo",
        "--no-serve",
        "--json",
        "--families",
        &args.families.to_string(),
        "--rescued",
        &args.rescued.to_string(),
        "--with-family",
        &with_family.to_string(),
        "--seed",
        &args.seed.to_string(),
        // The autosomal registry alone: no Y population to fit.
        "--paternal-lines",
        "0",
        "--clan-boys",
        "0",
    ]);
    let bulk = if args.existing {
        None
    } else {
        let sp = spinner(format!(
            "bulk import: reunite demo --families {} --no-serve",
            args.families
        ));
        let bulk = succeeded(run_child(&demo_args)?, &demo_args);
        sp.finish_and_clear();
        let bulk = bulk?;
        eprintln!(
            "bulk import (reunite demo, {} families): {:.2} s, peak RSS {:.0} MB",
            args.families,
            bulk.seconds,
            bulk.peak_rss_bytes as f64 / 1e6
        );
        Some(bulk)
    };

    // What the registry holds, and the accounts of the API clients.
    let sp = spinner("counting the registry".into());
    // Named afresh each run, so that a registry can be measured again.
    let run = &loadtest::random_password()?[..6];
    let lab = (format!("bench-lab-{run}"), loadtest::random_password()?);
    let caseworker = (
        format!("bench-caseworker-{run}"),
        loadtest::random_password()?,
    );
    let counts = crate::registry_cmd::runtime()?.block_on(async {
        let (r, _) = Registry::open(OpenOptions {
            database_url: args.database_url.clone(),
            key_file: key_file.clone(),
            data_dir: dir.path.clone(),
            actor: "bench".into(),
            settings: Settings::default(),
        })
        .await?;
        let counts: HashMap<&str, i64> = r.counts().await?.into_iter().collect();
        for ((name, password), role) in [(&lab, Role::Lab), (&caseworker, Role::Caseworker)] {
            let hash = server::auth::hash_password(password)?;
            r.create_user("bench", name, role, &hash, None).await?;
        }
        r.close().await;
        anyhow::Ok(counts)
    });
    sp.finish_and_clear();
    let counts = counts?;
    let count = |k: &str| counts.get(k).copied().unwrap_or(0);

    // Found children of the same scenario, to arrive one at a time.
    let sp = spinner("simulating the found children that arrive one at a time".into());
    let truth = dir.path.join("lab-files").join("truth.json");
    let registered: HashSet<String> = serde_json::from_str::<Vec<Value>>(
        &std::fs::read_to_string(&truth)
            .with_context(|| format!("cannot read {}", truth.display()))?,
    )
    .with_context(|| format!("{}: not the demo's truth", truth.display()))?
    .iter()
    .filter_map(|t| t["case_id"].as_str().map(String::from))
    .collect();
    let arrivals = arrivals(
        &args,
        with_family,
        &registered,
        needed,
        &dir.path.join("arrivals"),
        run,
    );
    sp.finish_and_clear();
    let arrivals = arrivals?;
    let (by_cli, rest) = arrivals.split_at(args.samples);
    let (by_api, probe) = rest.split_at(args.samples);
    let one = dir.path.join("one-by-one");
    std::fs::create_dir_all(&one).with_context(|| format!("cannot create {}", one.display()))?;

    // One found child by new processes: its row, then its profile (searched,
    // candidates stored).
    let pb = bar(args.samples, "one found child by new processes");
    let (mut cli_rows, mut cli_profiles) = (Vec::new(), Vec::new());
    let (mut cli_peak, mut cli_new) = (0u64, 0u64);
    for (k, a) in by_cli.iter().enumerate() {
        let found = one.join(format!("found-{k}.csv"));
        let profile = one.join(format!("profile-{k}.txt"));
        std::fs::write(&found, &a.found_csv)
            .with_context(|| format!("cannot write {}", found.display()))?;
        std::fs::write(&profile, &a.profile_tsv)
            .with_context(|| format!("cannot write {}", profile.display()))?;
        let mut row_args = os(&["import", "found"]);
        row_args.push(found.into());
        row_args.extend(db.iter().cloned());
        let row = succeeded(run_child(&row_args)?, &row_args)?;
        let mut profile_args = os(&["import", "profiles"]);
        profile_args.push(profile.into());
        profile_args.extend(os(&["--lab", "Bench lab"]));
        profile_args.extend(db.iter().cloned());
        let p = succeeded(run_child(&profile_args)?, &profile_args)?;
        cli_new += new_candidates(&p.stdout).with_context(|| {
            format!(
                "reunite import profiles printed no count of new candidates: {}",
                p.stdout
            )
        })?;
        cli_peak = cli_peak.max(p.peak_rss_bytes);
        cli_rows.push(Duration::from_secs_f64(row.seconds));
        cli_profiles.push(Duration::from_secs_f64(p.seconds));
        pb.inc(1);
    }
    pb.finish_and_clear();
    eprintln!(
        "one profile by a new process: p50 {:.3} s ({} found children, {cli_new} new candidates)",
        seconds_at(&cli_profiles, 50.0),
        args.samples
    );

    // The server.
    let agent = loadtest::agent();
    let sp = spinner("reunite serve: starting".into());
    let t = Instant::now();
    let server: Result<Server> = loadtest::start_server(&db).and_then(|s| {
        wait_ready(&agent, &s.base)?;
        Ok(s)
    });
    let ready = t.elapsed().as_secs_f64();
    sp.finish_and_clear();
    let server = server?;
    let pid = server.child.id();
    let rss_at_ready = proc_bytes(pid, "VmRSS:");
    eprintln!("reunite serve ready in {ready:.2} s");
    let api = Api {
        agent: &agent,
        base: server.base.clone(),
        lab: login(&agent, &server.base, &lab)?,
        caseworker: login(&agent, &server.base, &caseworker)?,
    };

    // One found child through the API: its row as the caseworker, then its
    // profile as the lab (timed).
    let pb = bar(args.samples, "one found child through the API");
    let (mut api_profiles, mut api_new) = (Vec::new(), 0u64);
    for (k, a) in by_api.iter().enumerate() {
        api.import("found", &format!("api-found-{k}.csv"), &a.found_csv, 1)?;
        let t = Instant::now();
        let v = api.import(
            "profiles",
            &format!("api-profile-{k}.txt"),
            &a.profile_tsv,
            1,
        )?;
        api_profiles.push(t.elapsed());
        api_new += v["new_candidates"].as_u64().unwrap_or(0);
        pb.inc(1);
    }
    pb.finish_and_clear();

    // Candidate pages, spread over the list.
    let ids: Vec<i64> = api
        .candidates()?
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    if ids.is_empty() {
        bail!("the server lists no candidate to open");
    }
    let pb = bar(args.pages, "candidate pages through the API");
    let mut pages = Vec::with_capacity(args.pages);
    for k in 0..args.pages {
        let id = ids[k * ids.len() / args.pages];
        let t = Instant::now();
        api.get(&format!("/api/v1/candidates/{id}"), |v| {
            v["summary"]["id"].as_i64() == Some(id)
        })?;
        pages.push(t.elapsed());
        pb.inc(1);
    }
    pb.finish_and_clear();
    let mut lists = Vec::new();
    for _ in 0..args.samples {
        let t = Instant::now();
        api.get("/api/v1/candidates?limit=50", |v| {
            v.is_array() || v.is_object()
        })?;
        lists.push(t.elapsed());
    }
    let rss = proc_bytes(pid, "VmRSS:");
    let peak = proc_bytes(pid, "VmHWM:");
    eprintln!(
        "candidate page through the API: p50 {:.3} s, p99 {:.3} s",
        seconds_at(&pages, 50.0),
        seconds_at(&pages, 99.0)
    );

    let second = if postgres {
        let sp = spinner("a second server on the same database".into());
        let s = second_server(&api, &db, &(lab.clone(), caseworker.clone()), &probe[0]);
        sp.finish_and_clear();
        let s = s?;
        if let Some(n) = &s.note {
            eprintln!("second server: {n}");
        }
        Some(s)
    } else {
        None
    };
    drop(server);

    // The index check, as a new process.
    let check = if args.no_index_check {
        None
    } else {
        let sp = spinner("reunite index check".into());
        let check_args = with_db(&["index", "check", "--json"]);
        let check = run_child(&check_args);
        sp.finish_and_clear();
        let check = check?;
        let report: Value = serde_json::from_str(&check.stdout).map_err(|_| {
            anyhow::anyhow!(
                "reunite index check printed no JSON report: {}",
                check.stderr.trim()
            )
        })?;
        if !check.success {
            eprintln!(
                "warning: reunite index check found disagreements (index_check_agrees: false)"
            );
        }
        let agrees = check.success && report["differing"].as_array().is_some_and(Vec::is_empty);
        Some((check, agrees))
    };

    let mut out = json!({
        "machine": machine(),
        "database": if postgres { "postgresql" } else { "sqlite" },
        "families": count("cases"),
        "reference_profiles": count("reference profiles"),
        "found_children": count("found children"),
        "candidates": count("candidates"),
        "bulk_import_seconds": bulk.as_ref().map(|b| b.seconds),
        "bulk_import_peak_rss_bytes": bulk.as_ref().map(|b| b.peak_rss_bytes),
        "cli_import_one_profile_seconds_p50": seconds_at(&cli_profiles, 50.0),
        "cli_import_one_profile_peak_rss_bytes": cli_peak,
        "cli_import_one_found_row_seconds_p50": seconds_at(&cli_rows, 50.0),
        "cli_import_new_candidates": cli_new,
        "api_import_one_profile_seconds_p50": seconds_at(&api_profiles, 50.0),
        "api_import_new_candidates": api_new,
        "serve_ready_seconds": ready,
        "serve_rss_bytes": rss,
        "serve_rss_bytes_at_ready": rss_at_ready,
        "serve_peak_rss_bytes": peak,
        "candidate_page_seconds_p50": seconds_at(&pages, 50.0),
        "candidate_page_seconds_p99": seconds_at(&pages, 99.0),
        "candidate_pages": args.pages,
        "matches_page_seconds_p50": seconds_at(&lists, 50.0),
        "index_check_seconds": check.as_ref().map(|(c, _)| c.seconds),
        "index_check_peak_rss_bytes": check.as_ref().map(|(c, _)| c.peak_rss_bytes),
        "index_check_agrees": check.as_ref().map(|(_, agrees)| *agrees),
        "samples": args.samples,
        "found_children_imported_one_by_one": 2 * args.samples + usize::from(postgres),
        "seconds": started.elapsed().as_secs_f64(),
        "data_dir": if dir.keep { json!(dir.path.display().to_string()) } else { Value::Null },
    });
    if let Some(s) = &second {
        out["second_server_visible_seconds"] = json!(s.visible_seconds);
        out["second_server_listed_seconds"] = json!(s.listed_seconds);
        out["second_server_limit_seconds"] = json!(VISIBLE_LIMIT.as_secs());
    }
    if args.json {
        println!("{out}");
    } else {
        print_table(&out);
    }
    Ok(())
}

/// The machine: CPU, cores and memory.
fn machine() -> String {
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map(|kib| format!(", {:.0} GiB", kib / (1024.0 * 1024.0)))
        .unwrap_or_default();
    format!("{}{memory}", crate::machine::machine())
}

fn print_table(v: &Value) {
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let mb = |k: &str| match v[k].as_f64() {
        Some(b) => format!("{:.0} MB", b / 1e6),
        None => "unknown".into(),
    };
    println!(
        "Registry of {} families ({} reference profiles), {} found children, {} candidates, on {} ({})",
        v["families"],
        v["reference_profiles"],
        v["found_children"],
        v["candidates"],
        v["database"].as_str().unwrap_or(""),
        v["machine"].as_str().unwrap_or("")
    );
    let n = v["samples"].as_u64().unwrap_or(0);
    let rows = [
        (
            "bulk import (reunite demo --no-serve)".to_string(),
            format!("{:.2} s", f("bulk_import_seconds")),
            format!("peak RSS {}", mb("bulk_import_peak_rss_bytes")),
        ),
        (
            format!("one found-child row, new process (p50 of {n})"),
            format!("{:.3} s", f("cli_import_one_found_row_seconds_p50")),
            String::new(),
        ),
        (
            format!("one profile, new process (p50 of {n})"),
            format!("{:.3} s", f("cli_import_one_profile_seconds_p50")),
            format!(
                "peak RSS {}, {} new candidates",
                mb("cli_import_one_profile_peak_rss_bytes"),
                v["cli_import_new_candidates"]
            ),
        ),
        (
            format!("one profile through the API (p50 of {n})"),
            format!("{:.3} s", f("api_import_one_profile_seconds_p50")),
            format!("{} new candidates", v["api_import_new_candidates"]),
        ),
        (
            "reunite serve ready".to_string(),
            format!("{:.2} s", f("serve_ready_seconds")),
            format!(
                "RSS {} at ready, {} after the pages",
                mb("serve_rss_bytes_at_ready"),
                mb("serve_rss_bytes")
            ),
        ),
        (
            format!(
                "candidate page, API (p50 / p99 of {})",
                v["candidate_pages"]
            ),
            format!(
                "{:.3} / {:.3} s",
                f("candidate_page_seconds_p50"),
                f("candidate_page_seconds_p99")
            ),
            String::new(),
        ),
        (
            format!("page of candidates, API (p50 of {n})"),
            format!("{:.3} s", f("matches_page_seconds_p50")),
            String::new(),
        ),
        (
            "reunite index check".to_string(),
            format!("{:.2} s", f("index_check_seconds")),
            format!(
                "peak RSS {}, {}",
                mb("index_check_peak_rss_bytes"),
                if v["index_check_agrees"] == true {
                    "agrees"
                } else {
                    "DISAGREES"
                }
            ),
        ),
    ];
    for (what, value, more) in rows {
        println!("  {what:<46} {value:>16}   {more}");
    }
    if v.get("second_server_visible_seconds").is_some() {
        let shown = |k: &str| match v[k].as_f64() {
            Some(s) => format!("{s:.3} s"),
            None => format!("not within {} s", v["second_server_limit_seconds"]),
        };
        println!(
            "  {:<46} {:>16}",
            "a second server shows a family imported",
            shown("second_server_visible_seconds")
        );
        println!(
            "  {:<46} {:>16}",
            "a second server lists a child's candidate",
            shown("second_server_listed_seconds")
        );
    }
    if let Some(d) = v["data_dir"].as_str() {
        println!("  registry and lab files kept in {d}");
    }
}
