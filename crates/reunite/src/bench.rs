//! `reunite bench`: simulate a national database of families, search it with
//! true and unrelated children, and report speed, size and accuracy.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kinship::{MarkerModel, MutationModel};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search::{Index, Models, Profile, Query, SearchConfig};
use serde_json::json;

use crate::machine::{machine, read_bandwidth};
use sim::{Configuration, Sampler, families};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    #[command(subcommand)]
    command: Option<BenchCommand>,
    /// Number of simulated cases (families).
    #[arg(long, default_value_t = 100_000)]
    cases: usize,
    /// Number of queries: half true children of a case, half unrelated children.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Print every query's statistics on stderr.
    #[arg(long)]
    verbose: bool,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Build a registry of simulated families through the real import paths, then time from
    /// outside what its users meet: the bulk import, one profile by a new process and through
    /// the API, the server's start, candidate pages, the index check.
    Registry(crate::bench_registry::RegistryBenchArgs),
    /// A provincial Y database of simulated paternal lineages: every haplotype within two
    /// differing loci of a boy's, its speed, size and recall of the boy's true relative.
    Lineage(crate::bench_lineage::LineageBenchArgs),
}

/// The configuration of case `i`: 40% both parents, 40% one parent, 10% a
/// parent and siblings, 10% grandparents.
fn configuration(i: usize) -> Configuration {
    match i % 10 {
        0..=3 => Configuration::BothParents,
        4..=7 => Configuration::OneParent,
        8 => Configuration::ParentAndSiblings,
        _ => Configuration::Grandparents,
    }
}

/// 22 CODIS + Penta markers with NIST (All) frequencies and the registry's
/// default stepwise mutation model.
pub fn bench_models() -> Result<Vec<MarkerModel>> {
    let db = formats::builtin::nist_frequencies("All")?;
    formats::markers::CODIS_PENTA_22
        .iter()
        .map(|name| {
            let f = db
                .marker(name)
                .with_context(|| format!("NIST frequencies lack {name}"))?;
            Ok(MarkerModel::new(
                f.clone(),
                Some(MutationModel::DEFAULT_SEARCH),
            )?)
        })
        .collect()
}

fn encode(g: &[(usize, usize)]) -> Profile {
    g.iter().map(|&(a, b)| [a as u8, b as u8]).collect()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

pub fn run(mut args: BenchArgs) -> Result<()> {
    match args.command.take() {
        Some(BenchCommand::Registry(a)) => return crate::bench_registry::run(a),
        Some(BenchCommand::Lineage(a)) => return crate::bench_lineage::run(a),
        None => {}
    }
    if args.cases == 0 || args.queries == 0 {
        bail!("--cases and --queries must be positive");
    }
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .context("cannot set the thread count")?;
    }
    let threads = rayon::current_num_threads();
    let models = bench_models()?;
    let index_models = Models::new(models.clone())?;
    let mut index = Index::new(index_models, SearchConfig::default());

    // Which cases are asked about: their true children are kept aside.
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ 0x5EED);
    let n_true = args.queries.div_ceil(2);
    let mut asked: Vec<usize> = (0..n_true)
        .map(|_| rng.random_range(0..args.cases))
        .collect();
    asked.sort_unstable();
    asked.dedup();

    // Simulate and build in batches, with a progress bar on stderr.
    let bar = ProgressBar::new(args.cases as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} cases ({elapsed}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message("building index");
    let mut build_seconds = 0.0;
    let mut reference_profiles = 0usize;
    let mut simulate_seconds = 0.0;
    let mut true_children: Vec<(usize, Profile)> = Vec::new();
    const BATCH: usize = 50_000;
    for start in (0..args.cases).step_by(BATCH) {
        let end = (start + BATCH).min(args.cases);
        let t = Instant::now();
        let configs: Vec<Configuration> = (start..end).map(configuration).collect();
        let batch = families(
            &models,
            &configs,
            args.seed
                .wrapping_mul(0x9E37_79B9)
                .wrapping_add(start as u64),
        );
        simulate_seconds += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for (k, f) in batch.into_iter().enumerate() {
            let i = start + k;
            let refs: Vec<_> = f
                .references
                .iter()
                .zip(&f.reference_genotypes)
                .map(|(r, g)| (r.relative, r.sex, encode(g)))
                .collect();
            reference_profiles += refs.len();
            index.insert_case(i as u64, f.child_sex, &refs)?;
            if asked.binary_search(&i).is_ok() {
                true_children.push((i, encode(&f.child)));
            }
        }
        build_seconds += t.elapsed().as_secs_f64();
        bar.set_position(end as u64);
    }
    bar.finish_and_clear();
    // The bound tables of the commonest genotypes, as a server does once at start.
    let t = Instant::now();
    let warmed = index.warm_up();
    let warm_up_seconds = t.elapsed().as_secs_f64();
    build_seconds += warm_up_seconds;

    // Unrelated children.
    let sampler = Sampler::new(&models);
    let unrelated: Vec<Profile> = (0..args.queries - true_children.len().min(args.queries))
        .map(|_| encode(&sampler.frequency_founder(&mut rng)))
        .collect();

    // Queries: the best 10 for each child; then every case with LR >= 10^4.
    let mut times = Vec::new();
    let mut exact = Vec::new();
    let mut found = std::collections::BTreeMap::<&'static str, (usize, usize)>::new();
    let top = Query {
        top_k: Some(10),
        min_lr: None,
    };
    for (case, child) in &true_children {
        let t = Instant::now();
        let (hits, stats) = index.search_child(child, &top)?;
        times.push(t.elapsed().as_secs_f64());
        if args.verbose {
            eprintln!(
                "true child of {} ({}): {:?} {:.4}s best {:?} own {:?}",
                case,
                configuration(*case).name(),
                stats,
                t.elapsed().as_secs_f64(),
                hits.first().map(|h| (h.id, h.log10_lr)),
                index.score(*case as u64, child).map(|h| h.log10_lr)
            );
        }
        exact.push(stats.exact as f64);
        let e = found.entry(configuration(*case).name()).or_default();
        e.1 += 1;
        if hits.first().is_some_and(|h| h.id == *case as u64) {
            e.0 += 1;
        }
    }
    let mut false_hits = 0usize;
    let strong = Query {
        top_k: None,
        min_lr: Some(1e4),
    };
    for child in &unrelated {
        let t = Instant::now();
        let _ = index.search_child(child, &top)?;
        times.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let (hits, stats) = index.search_child(child, &strong)?;
        if args.verbose {
            eprintln!(
                "unrelated >= 1e4: {:?} {:.4}s",
                stats,
                t.elapsed().as_secs_f64()
            );
        }
        exact.push(stats.exact as f64);
        false_hits += hits.len();
    }
    for (case, child) in &true_children {
        let (hits, _) = index.search_child(child, &strong)?;
        false_hits += hits.iter().filter(|h| h.id != *case as u64).count();
    }
    let n_queries = true_children.len() + unrelated.len();
    // The first pass alone: a threshold no case reaches.
    let mut scan_times = Vec::new();
    let nothing = Query {
        top_k: None,
        min_lr: Some(1e300),
    };
    for child in unrelated.iter().take(20) {
        let t = Instant::now();
        let _ = index.search_child(child, &nothing)?;
        scan_times.push(t.elapsed().as_secs_f64());
    }

    // Fast kernels against the general path on a sample of pairs.
    let mut max_rel = 0.0f64;
    let mut pairs = 0usize;
    for (k, (case, child)) in true_children.iter().enumerate().take(50) {
        let others = [*case as u64, rng.random_range(0..args.cases) as u64];
        for (c, ch) in others
            .iter()
            .flat_map(|&c| [(c, child), (c, &unrelated[k % unrelated.len().max(1)])])
        {
            if let (Some(fast), Some(general)) = (index.score(c, ch), index.score_general(c, ch)) {
                for ((_, f), (_, g)) in fast.markers.iter().zip(&general) {
                    if f != g {
                        max_rel = max_rel.max((f - g).abs() / f.abs().max(g.abs()));
                    }
                }
                pairs += 1;
            }
        }
    }

    let query_median = median(&mut times);
    let query_p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    let index_bytes = index.index_bytes();
    let evals_per_second = args.cases as f64 / query_median;
    let (bandwidth, bandwidth_one_thread) = read_bandwidth();
    let recall: serde_json::Map<String, serde_json::Value> = Configuration::ALL
        .iter()
        .map(|c| {
            let (hit, total) = found.get(c.name()).copied().unwrap_or((0, 0));
            (
                c.name().to_string(),
                if total == 0 {
                    serde_json::Value::Null
                } else {
                    json!(hit as f64 / total as f64)
                },
            )
        })
        .collect();
    let recall_counts: serde_json::Map<String, serde_json::Value> = Configuration::ALL
        .iter()
        .map(|c| {
            let (hit, total) = found.get(c.name()).copied().unwrap_or((0, 0));
            (
                c.name().to_string(),
                json!({"found_first": hit, "queries": total}),
            )
        })
        .collect();
    let out = json!({
        "cases": args.cases,
        "queries": n_queries,
        "threads": threads,
        "index_bytes": index_bytes,
        "bytes_per_case": index_bytes as f64 / args.cases as f64,
        "reference_profiles": reference_profiles,
        "bytes_per_reference_profile": index_bytes as f64 / reference_profiles.max(1) as f64,
        "build_seconds": build_seconds,
        "warm_up_seconds": warm_up_seconds,
        "warm_up_genotypes": warmed,
        "simulate_seconds": simulate_seconds,
        "query_seconds_median": query_median,
        "query_seconds_p99": query_p99,
        "first_pass_seconds_median": median(&mut scan_times),
        "case_evaluations_per_second": evals_per_second,
        "exact_evaluations_per_query_median": median(&mut exact),
        "recall_at_1": recall,
        "recall_counts": recall_counts,
        "false_hits_per_query_lr_1e4": false_hits as f64 / n_queries as f64,
        "max_rel_diff_fast_vs_general": max_rel,
        "pairs_compared_fast_vs_general": pairs,
        "memory_read_gb_per_second": bandwidth,
        "memory_read_gb_per_second_one_thread": bandwidth_one_thread,
        "scan_gb_per_second_at_44_bytes_per_case": evals_per_second * 44.0 / 1e9,
        "machine": machine(),
    });
    if args.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}
