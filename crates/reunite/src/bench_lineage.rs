//! `reunite bench lineage`: a provincial Y database of simulated paternal
//! lineages (clans of related men and unrelated men, founders from the
//! discrete Laplace mixture of the shipped synthetic Yfiler Plus
//! population, mutation at the built-in per-locus rates) in a
//! `ystr::lineage_index::LineageIndex`, searched with boys whose relative
//! (1 to 6 meioses away) is in it: speed, size and recall.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;
use sim::lineage::{Clan, LineageModel, clan};
use ystr::lineage_index::{LineageIndex, LineageQuery};

/// The synthetic Yfiler Plus population (`data/ystr/`): the founders' mixture is fitted on it.
const POPULATION: &str = include_str!("../../../data/ystr/synthetic_yfilerplus.csv");

#[derive(Args)]
pub struct LineageBenchArgs {
    /// Haplotypes in the index.
    #[arg(long, default_value_t = 1_000_000)]
    haplotypes: usize,
    /// Queries: boys of simulated lineages whose relative, 1 to 6 meioses away (in turn), is in the index.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Seed of the simulation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Clusters of the discrete Laplace mixture fitted to the synthetic population (BIC chooses 40).
    #[arg(long, default_value_t = 40)]
    clusters: usize,
    /// The most differing loci of a hit.
    #[arg(long, default_value_t = 2)]
    max_differences: usize,
    /// The fewest loci compared for a hit.
    #[arg(long, default_value_t = 12)]
    min_compared: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// A clan's boy (his haplotype and meioses from his relative) and its men.
type SimulatedClan = (Option<(ystr::Haplotype, usize)>, Vec<ystr::Haplotype>);

/// Men per clan on average (see [`clan_size`]), to spread the queries' clans.
const MEAN_CLAN: f64 = 0.75 + 0.25 * 16.0;

/// Three clans in four are one unrelated man; the others have 2 to 30 men.
fn clan_size(rng: &mut rand_chacha::ChaCha8Rng) -> usize {
    use rand::RngExt;
    if rng.random_range(0..4) < 3 {
        1
    } else {
        rng.random_range(2..=30)
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// This process's peak resident set (`VmHWM`), on Linux.
fn peak_rss_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

pub fn run(args: LineageBenchArgs) -> Result<()> {
    if args.haplotypes == 0 || args.queries == 0 {
        bail!("--haplotypes and --queries must be positive");
    }
    if let Some(t) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .context("cannot set the thread count")?;
    }
    let threads = rayon::current_num_threads();

    eprintln!(
        "fitting {} clusters to the synthetic Yfiler Plus population",
        args.clusters
    );
    let t = Instant::now();
    let population = ystr::population::Population::parse(POPULATION, "synthetic_yfilerplus.csv")?;
    let fit = ystr::disclap::fit(&population.model_matrix()?, args.clusters)?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let model = LineageModel::new(
        &population.coordinates,
        &ystr::lineage::Rates::builtin(),
        fit.mixture,
    )?;
    let mut loci: Vec<ystr::Locus> = population.coordinates.iter().map(|c| c.locus).collect();
    loci.dedup();
    let mut index = LineageIndex::new(&loci);

    // Clan `i` has a boy when i is a multiple of `stride`, up to the queries asked.
    let stride = ((args.haplotypes as f64 / MEAN_CLAN) / args.queries as f64).max(1.0) as usize;
    let boy_of = |i: usize| {
        (i.is_multiple_of(stride) && i / stride < args.queries).then(|| 1 + (i / stride) % 6)
    };

    let bar = ProgressBar::new(args.haplotypes as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} haplotypes ({elapsed}, eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message("simulating lineages and building the index");
    // Each boy: his haplotype, meioses, his relative's id and his clan's ids.
    let mut boys: Vec<(ystr::Haplotype, usize, u64, std::ops::Range<u64>)> = Vec::new();
    let (mut simulate_seconds, mut build_seconds) = (0.0, 0.0);
    let mut next_clan = 0usize;
    let mut clans = 0usize;
    let mut id = 0u64;
    const BATCH: usize = 20_000;
    while (id as usize) < args.haplotypes {
        let t = Instant::now();
        let batch: Vec<SimulatedClan> = (next_clan..next_clan + BATCH)
            .into_par_iter()
            .map(|i| {
                let mut rng = sim::family_rng(args.seed, i as u64);
                let size = clan_size(&mut rng);
                let Clan { men, boy } = clan(&model, size, boy_of(i), &mut rng);
                (
                    boy.map(|b| (model.haplotype(&b.haplotype), b.meioses)),
                    men.iter().map(|m| model.haplotype(m)).collect(),
                )
            })
            .collect();
        next_clan += BATCH;
        simulate_seconds += t.elapsed().as_secs_f64();
        let t = Instant::now();
        for (boy, men) in batch {
            let start = id;
            let take = men.len().min(args.haplotypes - id as usize);
            for m in &men[..take] {
                index.insert(id, m)?;
                id += 1;
            }
            clans += (take > 0) as usize;
            if let Some((h, meioses)) = boy
                && take > 0
            {
                boys.push((h, meioses, start, start..id));
            }
            if id as usize == args.haplotypes {
                break;
            }
        }
        build_seconds += t.elapsed().as_secs_f64();
        bar.set_position(id);
    }
    bar.finish_and_clear();

    eprintln!("{} queries", boys.len());
    let query = LineageQuery {
        max_differences: args.max_differences,
        min_compared: args.min_compared,
    };
    let mut times = Vec::with_capacity(boys.len());
    let mut hits_per_query = Vec::with_capacity(boys.len());
    let mut outside_clan = 0usize;
    let (mut found, mut clan_found, mut clan_men) = (0usize, 0usize, 0usize);
    let mut by_meioses = [(0usize, 0usize); 7];
    for (h, meioses, relative, clan_ids) in &boys {
        let t = Instant::now();
        let hits = index.search(h, &query)?;
        times.push(t.elapsed().as_secs_f64());
        hits_per_query.push(hits.len() as f64);
        let hit = hits.iter().any(|x| x.id == *relative);
        found += hit as usize;
        by_meioses[*meioses].0 += hit as usize;
        by_meioses[*meioses].1 += 1;
        let in_clan = hits.iter().filter(|x| clan_ids.contains(&x.id)).count();
        clan_found += in_clan;
        clan_men += clan_ids.end as usize - clan_ids.start as usize;
        outside_clan += hits.len() - in_clan;
    }
    times.sort_by(f64::total_cmp);
    hits_per_query.sort_by(f64::total_cmp);
    let n_queries = boys.len().max(1) as f64;
    let median = percentile(&times, 0.5);
    let scan_bytes = index.len() * index.scan_bytes_per_man();
    // Before the bandwidth test's own gigabyte, which is read only for an
    // index of 100,000 haplotypes or more (a small run is a check, not a measure).
    let peak_rss = peak_rss_bytes();
    let (bandwidth, bandwidth_one_thread) = if index.len() >= 100_000 {
        let (all, one) = crate::machine::read_bandwidth();
        (Some(all), Some(one))
    } else {
        (None, None)
    };
    let recall_by_meioses: serde_json::Map<String, serde_json::Value> = (1..=6)
        .map(|n| {
            let (hit, total) = by_meioses[n];
            (
                n.to_string(),
                if total == 0 {
                    serde_json::Value::Null
                } else {
                    json!(hit as f64 / total as f64)
                },
            )
        })
        .collect();
    let out = json!({
        "haplotypes": index.len(),
        "index_bytes": index.index_bytes(),
        "query_seconds_median": median,
        "query_seconds_p99": percentile(&times, 0.99),
        "recall_true_lineage": found as f64 / n_queries,
        "recall_by_meioses": recall_by_meioses,
        "clan_men_returned": clan_found as f64 / clan_men.max(1) as f64,
        "queries": boys.len(),
        "hits_per_query_median": percentile(&hits_per_query, 0.5),
        "hits_per_query_mean": hits_per_query.iter().sum::<f64>() / n_queries,
        "hits_outside_clan_per_query_mean": outside_clan as f64 / n_queries,
        "bytes_per_haplotype": index.index_bytes() as f64 / index.len() as f64,
        "scan_bytes_per_haplotype": index.scan_bytes_per_man(),
        "scan_gb_per_second": scan_bytes as f64 / median / 1e9,
        "memory_read_gb_per_second": bandwidth,
        "memory_read_gb_per_second_one_thread": bandwidth_one_thread,
        "loci": index.scan_bytes_per_man(),
        "max_differences": args.max_differences,
        "min_compared": args.min_compared,
        "clans": clans,
        "clusters": args.clusters,
        "fit_seconds": fit_seconds,
        "simulate_seconds": simulate_seconds,
        "build_seconds": build_seconds,
        "peak_rss_bytes": peak_rss,
        "threads": threads,
        "machine": crate::machine::machine(),
    });
    if args.json {
        println!("{out}");
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}
