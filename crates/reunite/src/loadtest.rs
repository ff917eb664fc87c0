//! `reunite loadtest`: the web application under concurrent clients, on
//! loopback only. A fresh registry is filled with a simulated scenario, a
//! `reunite serve` child process serves it on 127.0.0.1 (a port the system
//! chooses), and client threads send a fixed number of requests: login,
//! candidate listing, and the candidate page of the JSON API (the found
//! child's profile scored against every case, the posterior). Meanwhile a lab
//! client imports profile files of found children, spread over the run, each
//! import searching the new profiles against every case. Every request must succeed; the figures
//! are requests per second and latency percentiles per operation.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use kinship::MutationModel;
use registry::{OpenOptions, Registry, Role, Settings};
use serde_json::{Value, json};

#[derive(Args)]
pub struct LoadtestArgs {
    /// Concurrent clients sending login, candidate listing and candidate-page requests.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Requests sent by those clients in all (login, listing and candidate page in turn).
    #[arg(long, default_value_t = 600)]
    requests: usize,
    /// Profile files the lab client imports while the others run (each holds some found children).
    #[arg(long, default_value_t = 8)]
    imports: usize,
    /// Registered families of the scenario.
    #[arg(long, default_value_t = 2000)]
    families: usize,
    /// Rescued children of the scenario: half typed before the run, half imported during it.
    #[arg(long, default_value_t = 89)]
    rescued: usize,
    /// Seed of the scenario.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep the registry here (a fresh directory) instead of a temporary one removed afterwards.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// One answered (or failed) request.
struct Sample {
    op: &'static str,
    latency: Duration,
    error: Option<String>,
}

/// The `reunite serve` child; killed when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// This binary as a new process, on the registry its arguments name only
/// (the registry variables of the environment removed).
pub(crate) fn reunite_command() -> Result<Command> {
    let exe = std::env::current_exe().context("cannot find the reunite binary")?;
    let mut c = Command::new(exe);
    for v in [
        "REUNITE_DATABASE_URL",
        "REUNITE_KEY_FILE",
        "REUNITE_DATA_DIR",
    ] {
        c.env_remove(v);
    }
    Ok(c)
}

/// Starts `reunite serve` on 127.0.0.1 (a port the system picks) on the
/// registry that `db_args` name (`--data-dir DIR`, `--database-url URL`,
/// ...), and returns once it says it listens.
pub(crate) fn start_server(db_args: &[OsString]) -> Result<Server> {
    let mut child = reunite_command()?
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(db_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start reunite serve")?;
    let stderr = child.stderr.take().context("no stderr of the server")?;
    let mut lines = BufReader::new(stderr).lines();
    let mut said = Vec::new();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    break rest.trim().trim_end_matches('/').to_string();
                }
                said.push(line);
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "reunite serve stopped before listening: {}",
                    said.join("; ")
                );
            }
        }
    };
    if !base.starts_with("http://127.") {
        bail!("the server listens on {base}, not on loopback");
    }
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Ok(Server { child, base })
}

/// A temporary directory that is removed when dropped (unless kept).
pub(crate) struct WorkDir {
    pub(crate) path: PathBuf,
    pub(crate) keep: bool,
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// The directory given (which must not hold a registry; kept afterwards),
/// or a fresh `reunite-<name>-<random>` in the temporary directory (removed
/// afterwards). `name` is the command, words joined by `-`.
pub(crate) fn work_dir(given: Option<PathBuf>, name: &str) -> Result<WorkDir> {
    if let Some(p) = given {
        if p.join("reunite.db").exists() {
            bail!(
                "{} already holds a registry; `reunite {}` needs a fresh directory",
                p.display(),
                name.replace('-', " ")
            );
        }
        std::fs::create_dir_all(&p).with_context(|| format!("cannot create {}", p.display()))?;
        return Ok(WorkDir {
            path: p,
            keep: true,
        });
    }
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    let path = std::env::temp_dir().join(format!("reunite-{name}-{hex}"));
    std::fs::create_dir_all(&path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(WorkDir { path, keep: false })
}

/// The lines of a GeneMapper table whose sample is in `samples`, with the header.
fn table_of(tsv: &str, samples: &HashSet<&str>) -> String {
    let mut lines = tsv.lines();
    let mut out = String::new();
    if let Some(h) = lines.next() {
        out.push_str(h);
        out.push('\n');
    }
    for l in lines {
        if l.split('\t').nth(1).is_some_and(|s| samples.contains(s)) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

pub(crate) fn random_password() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The registry of the run: the scenario's families, references and found
/// children, the references' and half the children's profiles typed; the
/// other children's profiles split into `imports` files. Returns the
/// accounts (caseworker, lab) with their passwords, the files and the
/// candidates stored before the run.
struct Setup {
    caseworker: (String, String),
    lab: (String, String),
    import_files: Vec<(String, String, usize)>,
    candidates: usize,
}

fn setup(args: &LoadtestArgs, dir: &Path) -> Result<Setup> {
    let models = formats::builtin::nist_models(Some(MutationModel::DEFAULT_SEARCH));
    let pool = formats::builtin::nist_pool(&models);
    let today = formats::registry_csv::Date::today_utc();
    let spec = sim::ScenarioSpec {
        families: args.families,
        rescued: args.rescued,
        rescued_with_family: (args.rescued * 9 / 10).min(args.families),
        seed: args.seed,
        today: (today.year(), today.month(), today.day()),
    };
    spec.validate().map_err(anyhow::Error::msg)?;
    let s = sim::scenario(&models, &pool, &spec)?;
    let children: Vec<&str> = s.truth.iter().map(|t| t.sample_name.as_str()).collect();
    let later = children.len() / 2;
    let imports = args.imports.min(later);
    if imports == 0 {
        bail!("--imports needs at least 1 and --rescued at least 2");
    }
    let typed_now: HashSet<&str> = {
        let all: HashSet<&str> = s
            .profiles_tsv
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').nth(1))
            .collect();
        let untyped: HashSet<&str> = children[children.len() - later..].iter().copied().collect();
        all.difference(&untyped).copied().collect()
    };
    let mut import_files = Vec::new();
    for (k, chunk) in children[children.len() - later..]
        .chunks(later.div_ceil(imports))
        .enumerate()
    {
        let set: HashSet<&str> = chunk.iter().copied().collect();
        import_files.push((
            format!("loadtest-{k}.txt"),
            table_of(&s.profiles_tsv, &set),
            chunk.len(),
        ));
    }
    let caseworker = ("load-caseworker".to_string(), random_password()?);
    let lab = ("load-lab".to_string(), random_password()?);
    crate::registry_cmd::runtime()?.block_on(async {
        let (r, _) = Registry::open(OpenOptions {
            database_url: None,
            key_file: None,
            data_dir: dir.to_path_buf(),
            actor: "loadtest".into(),
            settings: Settings::default(),
        })
        .await?;
        let a = "loadtest";
        r.import_frequencies(
            a,
            "nist-frequencies.csv",
            formats::builtin::NIST_FREQUENCIES,
            Some("NIST-1036"),
            Some("All"),
            true,
        )
        .await?;
        r.import_cases(a, "cases.csv", &s.cases_csv).await?;
        r.import_references(a, "references.csv", &s.references_csv)
            .await?;
        r.import_found(a, "found.csv", &s.found_csv).await?;
        r.import_profiles(
            a,
            "profiles.txt",
            &table_of(&s.profiles_tsv, &typed_now),
            Some("Load test lab"),
            None,
            &|_, _| {},
        )
        .await?;
        for ((name, password), role) in [(&caseworker, Role::Caseworker), (&lab, Role::Lab)] {
            let hash = server::auth::hash_password(password)?;
            r.create_user(a, name, role, &hash, None).await?;
        }
        let candidates = r.candidates(&Default::default()).await?.len();
        r.close().await;
        anyhow::Ok(Setup {
            caseworker,
            lab,
            import_files,
            candidates,
        })
    })
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Sends one request and checks its answer: a 2xx status and a JSON body
/// that `check` accepts. Returns the body.
pub(crate) fn request(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
    check: impl Fn(&Value) -> bool,
) -> std::result::Result<Value, String> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let resp = match (method, body) {
        ("GET", _) => {
            let mut r = agent.get(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        (_, b) => {
            let (media, text) = b.unwrap_or(("application/json", "{}".into()));
            let mut r = agent.post(url).header("Content-Type", media);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send(text)
        }
    };
    let mut resp = resp.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| format!("{method} {url}: reading the answer: {e}"))?;
    if !(200..300).contains(&status) {
        return Err(format!(
            "{method} {url}: {status} {}",
            text.chars().take(200).collect::<String>()
        ));
    }
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{method} {url}: the answer is not JSON: {e}"))?;
    if !check(&v) {
        return Err(format!("{method} {url}: unexpected answer"));
    }
    Ok(v)
}

pub(crate) fn login(
    agent: &ureq::Agent,
    base: &str,
    user: &(String, String),
) -> std::result::Result<String, String> {
    request(
        agent,
        "POST",
        &format!("{base}/api/v1/login"),
        None,
        Some((
            "application/json",
            json!({"username": user.0, "password": user.1}).to_string(),
        )),
        |v| v["token"].is_string(),
    )
    .map(|v| v["token"].as_str().unwrap_or_default().to_string())
}

fn record(
    samples: &Mutex<Vec<Sample>>,
    op: &'static str,
    started: Instant,
    r: &std::result::Result<Value, String>,
) {
    let latency = started.elapsed();
    samples.lock().expect("no client panicked").push(Sample {
        op,
        latency,
        error: r.as_ref().err().cloned(),
    });
}

/// Nearest-rank percentile of sorted latencies, in milliseconds.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1].as_secs_f64() * 1e3
}

pub fn run(args: LoadtestArgs) -> Result<()> {
    if args.clients == 0 || args.requests < args.clients {
        bail!("--clients needs at least 1 and --requests at least as many as clients");
    }
    let dir = work_dir(args.data_dir.clone(), "loadtest")?;
    let prepared = Instant::now();
    let setup = setup(&args, &dir.path)?;
    let setup_seconds = prepared.elapsed().as_secs_f64();
    let server = start_server(&["--data-dir".into(), dir.path.clone().into()])?;
    let base = server.base.clone();
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::new(Mutex::new(Vec::new()));
    let new_candidates = Arc::new(AtomicUsize::new(0));
    // Requests the other clients have finished: the lab client sends import
    // k once k / imports of them are done, so the imports run across the
    // whole load rather than at its start.
    let done = AtomicUsize::new(0);
    let files = setup.import_files.len();
    let started = Instant::now();
    let (import_span, client_span) = std::thread::scope(|scope| {
        // The lab client: every import file in turn.
        let import_span = scope.spawn(|| {
            let a = agent();
            let t0 = Instant::now();
            let token = {
                let t = Instant::now();
                let r = login(&a, &base, &setup.lab).map(Value::String);
                record(&samples, "login", t, &r);
                match r {
                    Ok(Value::String(t)) => t,
                    _ => return t0.elapsed(),
                }
            };
            for (k, (name, text, n)) in setup.import_files.iter().enumerate() {
                while done.load(Ordering::Relaxed) < k * args.requests / files {
                    std::thread::sleep(Duration::from_millis(2));
                }
                let t = Instant::now();
                let r = request(
                    &a,
                    "POST",
                    &format!("{base}/api/v1/import/profiles?file={name}&lab=Load%20test%20lab"),
                    Some(&token),
                    Some(("text/plain", text.clone())),
                    |v| v["kind"] == "profiles" && v["added"].as_u64() == Some(*n as u64),
                );
                if let Ok(v) = &r {
                    new_candidates.fetch_add(
                        v["new_candidates"].as_u64().unwrap_or(0) as usize,
                        Ordering::Relaxed,
                    );
                }
                record(&samples, "import", t, &r);
            }
            t0.elapsed()
        });
        // The other clients: login, listing, candidate page, in turn.
        let mut clients = Vec::new();
        for c in 0..args.clients {
            let n = args.requests / args.clients + usize::from(c < args.requests % args.clients);
            let (samples, base, user, done) = (&samples, &base, &setup.caseworker, &done);
            clients.push(scope.spawn(move || {
                let t0 = Instant::now();
                let a = agent();
                let mut token: Option<String> = None;
                let mut ids: Vec<i64> = Vec::new();
                let mut next = c;
                for k in 0..n {
                    let t = Instant::now();
                    match k % 3 {
                        0 => {
                            let r = login(&a, base, user).map(Value::String);
                            record(samples, "login", t, &r);
                            if let Ok(Value::String(t)) = r {
                                token = Some(t);
                            }
                        }
                        1 => {
                            let r = request(
                                &a,
                                "GET",
                                &format!("{base}/api/v1/candidates"),
                                token.as_deref(),
                                None,
                                |v| v.is_array(),
                            );
                            if let Ok(v) = &r {
                                ids = v
                                    .as_array()
                                    .into_iter()
                                    .flatten()
                                    .filter_map(|c| c["id"].as_i64())
                                    .collect();
                            }
                            record(samples, "candidates", t, &r);
                        }
                        _ => {
                            let r = match ids.get(next % ids.len().max(1)) {
                                Some(id) => request(
                                    &a,
                                    "GET",
                                    &format!("{base}/api/v1/candidates/{id}"),
                                    token.as_deref(),
                                    None,
                                    |v| v["summary"]["id"].as_i64() == Some(*id),
                                ),
                                None => Err("no candidate listed to open".to_string()),
                            };
                            next += args.clients;
                            record(samples, "candidate", t, &r);
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                t0.elapsed()
            }));
        }
        let clients_span = clients
            .into_iter()
            .map(|c| c.join().expect("a client ran"))
            .max()
            .unwrap_or_default();
        (
            import_span.join().expect("the lab client ran"),
            clients_span,
        )
    });
    let seconds = started.elapsed().as_secs_f64();
    drop(server);
    let import_seconds = {
        let s = samples.lock().expect("no client panicked");
        s.iter()
            .filter(|x| x.op == "import")
            .map(|x| x.latency.as_secs_f64())
            .sum::<f64>()
    };

    let samples = Arc::try_unwrap(samples)
        .map_err(|_| anyhow::anyhow!("a client is still running"))?
        .into_inner()
        .expect("no client panicked");
    let mut by_op: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for s in &samples {
        by_op.entry(s.op).or_default().push(s);
    }
    let mut ops = serde_json::Map::new();
    let mut errors = Vec::new();
    for (op, list) in &by_op {
        let mut lat: Vec<Duration> = list.iter().map(|s| s.latency).collect();
        lat.sort_unstable();
        let failed = list.iter().filter(|s| s.error.is_some()).count();
        errors.extend(list.iter().filter_map(|s| s.error.clone()).take(5));
        ops.insert(
            op.to_string(),
            json!({
                "requests": list.len(),
                "failed": failed,
                "requests_per_second": list.len() as f64 / seconds,
                "p50_ms": percentile(&lat, 50.0),
                "p99_ms": percentile(&lat, 99.0),
                "max_ms": percentile(&lat, 100.0),
            }),
        );
    }
    let failed = samples.iter().filter(|s| s.error.is_some()).count();
    let out = json!({
        "clients": args.clients,
        "requests": samples.len(),
        "failed": failed,
        "seconds": seconds,
        "requests_per_second": samples.len() as f64 / seconds,
        "clients_seconds": client_span.as_secs_f64(),
        "operations": ops,
        "imports": {
            "files": setup.import_files.len(),
            "profiles": setup.import_files.iter().map(|f| f.2).sum::<usize>(),
            "seconds": import_seconds,
            "span_seconds": import_span.as_secs_f64(),
            "new_candidates": new_candidates.load(Ordering::Relaxed),
        },
        "families": args.families,
        "candidates_before": setup.candidates,
        "setup_seconds": setup_seconds,
        "data_dir": if dir.keep { json!(dir.path.display().to_string()) } else { Value::Null },
        "errors": errors,
    });
    if args.json {
        println!("{out}");
    } else {
        println!(
            "{} requests from {} clients and a lab client in {:.2} s ({:.1} requests/s), {} failed; {} families, {} candidates before",
            samples.len(),
            args.clients,
            seconds,
            samples.len() as f64 / seconds,
            failed,
            args.families,
            setup.candidates
        );
        println!(
            "{:<11} {:>8} {:>7} {:>11} {:>10} {:>10} {:>10}",
            "operation", "requests", "failed", "requests/s", "p50 ms", "p99 ms", "max ms"
        );
        for (op, v) in &ops {
            println!(
                "{:<11} {:>8} {:>7} {:>11.1} {:>10.1} {:>10.1} {:>10.1}",
                op,
                v["requests"].as_u64().unwrap_or(0),
                v["failed"].as_u64().unwrap_or(0),
                v["requests_per_second"].as_f64().unwrap_or(0.0),
                v["p50_ms"].as_f64().unwrap_or(0.0),
                v["p99_ms"].as_f64().unwrap_or(0.0),
                v["max_ms"].as_f64().unwrap_or(0.0)
            );
        }
        println!(
            "imports: {} files, {} found children's profiles searched against every case, {} new candidates; importing took {:.2} s of the clients' {:.2} s",
            out["imports"]["files"],
            out["imports"]["profiles"],
            out["imports"]["new_candidates"],
            import_span.as_secs_f64(),
            client_span.as_secs_f64()
        );
        for e in &errors {
            println!("  failed: {e}");
        }
    }
    if failed > 0 {
        bail!("{failed} requests failed");
    }
    Ok(())
}
