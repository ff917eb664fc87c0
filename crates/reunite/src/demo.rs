//! `reunite demo`: the main job on a realistic scenario, end to end.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use kinship::MutationModel;
use registry::facts::CategoryThresholds;
use registry::{CandidateFilter, CandidateRow, Category, OpenOptions, Registry, Settings};
use serde_json::json;

#[derive(Args)]
pub struct DemoArgs {
    /// Where to put the database, key, lab files and logs (default: a fresh
    /// directory named reunite-demo-<time> in the current directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Registered families.
    #[arg(long, default_value_t = 2000)]
    families: usize,
    /// Children rescued by the police operation.
    #[arg(long, default_value_t = 89)]
    rescued: usize,
    /// How many of them belong to a registered family.
    #[arg(long, default_value_t = 80)]
    with_family: usize,
    /// Seed of the scenario.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// The language of the scenario's names, places, institutions and
    /// descriptions: en (made-up English names and towns) or zh-CN (Chinese
    /// names, real Chinese places). The same seed gives the same families,
    /// children and figures in both.
    #[arg(long, default_value_t = sim::Locale::En)]
    locale: sim::Locale,
    /// Rescued boys whose family registered only a paternal uncle who gave
    /// a Y sample: found through paternal-line (Y-STR) leads.
    #[arg(long, default_value_t = 5)]
    paternal_lines: usize,
    /// Rescued boys whose family never registered, but two men of whose
    /// father's clan gave Y samples as clan volunteers: found through the
    /// volunteers' leads.
    #[arg(long, default_value_t = 3)]
    clan_boys: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Stop after the summary instead of serving the web application.
    #[arg(long)]
    no_serve: bool,
    /// Where the web application listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Build the registry in this database instead of a SQLite file in the
    /// data directory: postgres://user@host:port/db (or sqlite:///path/file.db);
    /// it must hold no registry yet. Not read from REUNITE_DATABASE_URL, so
    /// that the demo never writes its made-up families into a real registry.
    #[arg(long)]
    database_url: Option<String>,
    /// The encryption key file of that database (needed for PostgreSQL:
    /// `reunite key generate --key-file F`).
    #[arg(long)]
    key_file: Option<PathBuf>,
}

/// The DVI category of a child's best candidate, by the registry's one rule
/// (the facts are not compared here: the scenario's are compatible).
fn category(best: &CandidateRow, others: &[&CandidateRow]) -> Category {
    let best_other = others.iter().map(|c| c.log10_lr).reduce(f64::max);
    Category::of(
        best.log10_lr,
        best_other,
        true,
        &CategoryThresholds::default(),
    )
}

fn default_dir() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    PathBuf::from(format!("reunite-demo-{secs}"))
}

pub fn run(args: DemoArgs) -> Result<()> {
    let started = Instant::now();
    let dir = args.data_dir.clone().unwrap_or_else(default_dir);
    if args.database_url.is_none() && dir.join("reunite.db").exists() {
        anyhow::bail!(
            "{} already holds a registry; the demo needs a fresh directory",
            dir.display()
        );
    }
    let files = dir.join("lab-files");
    std::fs::create_dir_all(&files)
        .with_context(|| format!("cannot create {}", files.display()))?;

    // The scenario, from the real NIST genotypes as founders.
    let models = formats::builtin::nist_models(Some(MutationModel::DEFAULT_SEARCH));
    let pool = formats::builtin::nist_pool(&models);
    let today = formats::registry_csv::Date::today_utc();
    let spec = sim::ScenarioSpec {
        families: args.families,
        rescued: args.rescued,
        rescued_with_family: args.with_family,
        seed: args.seed,
        today: (today.year(), today.month(), today.day()),
    };
    spec.validate().map_err(anyhow::Error::msg)?;
    let write = |name: &str, text: &str| -> Result<PathBuf> {
        let p = files.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
        Ok(p)
    };
    let freq_file = write("nist-frequencies.csv", formats::builtin::NIST_FREQUENCIES)?;
    // The lab files written as the families are simulated, one at a time:
    // only the truth and the configurations stay in memory.
    let create = |name: &str| -> Result<(PathBuf, std::io::BufWriter<std::fs::File>)> {
        let p = files.join(name);
        let f =
            std::fs::File::create(&p).with_context(|| format!("cannot write {}", p.display()))?;
        Ok((p, std::io::BufWriter::with_capacity(1 << 16, f)))
    };
    let (cases_file, mut cases) = create("cases.csv")?;
    let (refs_file, mut references) = create("references.csv")?;
    let (found_file, mut found) = create("found.csv")?;
    let (profiles_file, mut profiles) = create("profiles-genemapper.txt")?;
    let scenario = sim::write_scenario_in(
        &models,
        &pool,
        &spec,
        args.locale,
        sim::LabFiles {
            cases: &mut cases,
            references: &mut references,
            found: &mut found,
            profiles: &mut profiles,
        },
    )
    .with_context(|| format!("cannot simulate the scenario into {}", files.display()))?;
    for w in [cases, references, found, profiles] {
        w.into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write the lab files in {}", files.display()))?;
    }
    // The truth, kept beside the lab files so that every figure can be checked.
    let truth: Vec<serde_json::Value> = scenario
        .truth
        .iter()
        .map(|t| json!({"found_id": t.found_id, "case_id": t.case_id, "configuration": t.configuration.map(|c| c.name())}))
        .collect();
    write("truth.json", &serde_json::to_string_pretty(&truth)?)?;

    let rt = crate::registry_cmd::runtime()?;
    rt.block_on(async {
        let (registry, _) = Registry::open(OpenOptions {
            database_url: args.database_url.clone(),
            key_file: args.key_file.clone(),
            data_dir: dir.clone(),
            actor: "demo".into(),
            settings: Settings::default(),
        })
        .await?;
        if args.database_url.is_some() {
            let held: i64 = registry.counts().await?.iter().filter(|(t, _)| *t != "audit entries").map(|(_, n)| n).sum();
            if held > 0 {
                let url = registry.url();
                registry.close().await;
                anyhow::bail!("{url} already holds a registry; the demo needs an empty database");
            }
        }
        let read = |p: &PathBuf| {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
        };
        let name = |p: &PathBuf| p.display().to_string();
        registry
            .import_frequencies(
                "demo",
                &name(&freq_file),
                &read(&freq_file)?,
                Some("NIST-1036"),
                Some("All"),
                true,
            )
            .await?;
        // The lab files read as streams, as `reunite import` reads them.
        let stream = crate::registry_cmd::file_stream;
        registry
            .import_cases_from("demo", &name(&cases_file), &stream(&cases_file)?)
            .await?;
        registry
            .import_references_from("demo", &name(&refs_file), &stream(&refs_file)?)
            .await?;
        registry
            .import_found_from("demo", &name(&found_file), &stream(&found_file)?)
            .await?;
        registry
            .import_profiles_from(
                "demo",
                &name(&profiles_file),
                &stream(&profiles_file)?,
                Some("Demo lab"),
                None,
                &|_| {},
            )
            .await?;
        // A few families without a rescued child opted in to public alerts.
        let rescued: std::collections::HashSet<&str> = scenario.truth.iter().filter_map(|t| t.case_id.as_deref()).collect();
        for (case, _) in scenario.configurations.iter().filter(|(c, _)| !rescued.contains(c.as_str())).step_by(97).take(12) {
            registry.set_public_alert("demo", case, true).await?;
        }
        let paternal = crate::demo_paternal::run(
            &registry,
            &files,
            (args.paternal_lines, args.clan_boys),
            (args.seed, args.locale),
            today,
        )
        .await?;
        let candidates = registry.candidates(&CandidateFilter::default()).await?;
        let mut out = measure(&scenario, &candidates);
        out["paternal_lines"] = paternal;
        out["seconds"] = json!(started.elapsed().as_secs_f64());
        out["data_dir"] = json!(dir.display().to_string());
        if args.json {
            println!("{out}");
        } else {
            print_summary(&out);
        }
        if args.no_serve {
            registry.close().await;
            return anyhow::Ok(());
        }
        let family_case = scenario.truth.iter().find_map(|t| t.case_id.clone());
        let accounts = demo_accounts(&registry, family_case.as_deref()).await?;
        eprintln!("\nDemo accounts (for this demo only: never use them for real data; they are printed once):");
        for (user, role, password) in &accounts {
            eprintln!("  {user:<12} {role:<11} password {password}");
        }
        // The server's log (method, route, status, latency; no personal data) goes beside the registry.
        let log = std::fs::File::create(dir.join("reunite.log")).context("cannot create the log file")?;
        let _ = tracing_subscriber::fmt().with_writer(std::sync::Mutex::new(log)).with_ansi(false).with_target(false).try_init();
        let registry = std::sync::Arc::new(registry);
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {} (choose another with --listen)", args.listen))?;
        let state = server::AppState::new(registry.clone(), server::Config { secure_cookies: false, ..Default::default() }).await;
        eprintln!(
            "\nOpen http://{}/ and log in as caseworker1: the dashboard lists the candidates; walk one through the\nreview, then log in as caseworker2 to confirm it. Ctrl-C stops the server.",
            listener.local_addr()?
        );
        server::serve(state, listener, server::shutdown_signal()).await?;
        anyhow::Ok(())
    })
}

/// Accounts for the demo, with random passwords: an administrator, a lab
/// analyst, two caseworkers (a review needs a second one) and a family.
async fn demo_accounts(
    registry: &Registry,
    family_case: Option<&str>,
) -> Result<Vec<(String, String, String)>> {
    use registry::Role;
    let mut accounts = vec![
        ("admin", Role::Admin, None),
        ("lab", Role::Lab, None),
        ("caseworker1", Role::Caseworker, None),
        ("caseworker2", Role::Caseworker, None),
    ];
    if let Some(case) = family_case {
        accounts.push(("family", Role::Family, Some(case)));
    }
    let mut out = Vec::new();
    for (name, role, case) in accounts {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let p = password.clone();
        let hash = tokio::task::spawn_blocking(move || server::auth::hash_password(&p)).await??;
        registry
            .create_user("demo", name, role, &hash, case)
            .await?;
        out.push((name.to_string(), role.name().to_string(), password));
    }
    Ok(out)
}

/// Every figure measured against the truth the scenario knows.
fn measure(s: &sim::ScenarioTruth, candidates: &[CandidateRow]) -> serde_json::Value {
    let mut by_child: HashMap<&str, Vec<&CandidateRow>> = HashMap::new();
    for c in candidates {
        by_child.entry(c.found_id.as_str()).or_default().push(c);
    }
    for v in by_child.values_mut() {
        v.sort_by(|a, b| b.log10_lr.total_cmp(&a.log10_lr));
    }
    let (mut at_rank_1, mut undisputed, mut probable, mut inconclusive, mut without) =
        (0, 0, 0, 0, 0);
    let mut strangers = 0;
    let mut missed = Vec::new();
    let mut by_config: HashMap<&str, (usize, usize)> = HashMap::new();
    for t in &s.truth {
        let list = by_child
            .get(t.found_id.as_str())
            .cloned()
            .unwrap_or_default();
        match list.first() {
            None => without += 1,
            Some(best) => match category(best, &list[1..]) {
                Category::Undisputed => undisputed += 1,
                Category::Probable => probable += 1,
                Category::Inconclusive | Category::Excluded => inconclusive += 1,
            },
        }
        strangers += list
            .iter()
            .filter(|c| c.lr >= 1e4 && Some(c.case_id.as_str()) != t.case_id.as_deref())
            .count();
        if let (Some(case), Some(config)) = (&t.case_id, t.configuration) {
            let e = by_config.entry(config.name()).or_default();
            e.1 += 1;
            if list.first().is_some_and(|b| &b.case_id == case) {
                at_rank_1 += 1;
                e.0 += 1;
            } else {
                missed.push(t.found_id.clone());
            }
        }
    }
    let with_family = s.truth.iter().filter(|t| t.case_id.is_some()).count();
    json!({
        "families": s.configurations.len(),
        "rescued_children": s.truth.len(),
        "with_registered_family": with_family,
        "found_at_rank_1": at_rank_1,
        "undisputed": undisputed,
        "probable": probable,
        "inconclusive": inconclusive,
        "without_candidate": without,
        "strangers_above_1e4": strangers,
        "found_at_rank_1_by_configuration": by_config.iter().map(|(k, (h, n))| (k.to_string(), json!({"found": h, "of": n}))).collect::<serde_json::Map<_, _>>(),
        "not_found_at_rank_1": missed,
    })
}

fn print_summary(v: &serde_json::Value) {
    println!(
        "Reunite demo: a police operation rescued {} children; {} families had reported a missing child.",
        v["rescued_children"], v["families"]
    );
    println!(
        "  {} of {} rescued children with a registered family found at rank 1",
        v["found_at_rank_1"], v["with_registered_family"]
    );
    println!(
        "  best candidates: {} undisputed, {} probable, {} inconclusive; {} children without a candidate",
        v["undisputed"], v["probable"], v["inconclusive"], v["without_candidate"]
    );
    let strangers = v["strangers_above_1e4"].as_u64().unwrap_or(0);
    println!(
        "  {strangers} {} above LR 10^4",
        if strangers == 1 {
            "stranger"
        } else {
            "strangers"
        }
    );
    if let Some(m) = v["not_found_at_rank_1"]
        .as_array()
        .filter(|m| !m.is_empty())
    {
        let ids: Vec<&str> = m.iter().filter_map(|x| x.as_str()).collect();
        println!("  not at rank 1: {}", ids.join(", "));
    }
    let p = &v["paternal_lines"];
    if p["boys"].as_u64().unwrap_or(0) > 0 {
        println!(
            "  paternal lines: {} of {} boys whose only registered relative is a paternal uncle (Y sample) found through a paternal-line lead; {} leads to another family",
            p["found_by_lead"], p["boys"], p["leads_to_another_family"]
        );
    }
    if p["clan_boys"].as_u64().unwrap_or(0) > 0 {
        println!(
            "  clan volunteers: {} of {} boys whose family never registered found through a volunteer of their father's clan (Y sample); {} leads to another clan",
            p["found_by_volunteer"], p["clan_boys"], p["volunteer_leads_to_another_clan"]
        );
    }
    println!(
        "  {:.1} s; registry and lab files in {}",
        v["seconds"].as_f64().unwrap_or(0.0),
        v["data_dir"].as_str().unwrap_or("")
    );
}
