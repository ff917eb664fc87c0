//! `reunite ystr`: Y-STR haplotypes on the paternal line: the discrete
//! Laplace mixture of a population file (`fit`), a haplotype's match
//! probability (`probability`), and the lineage LR of a boy against a man
//! of his presumed paternal line (`lr`). Thin glue over the `ystr` crate.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use ystr::disclap::{self, Fit, Mixture};
use ystr::estimate::{Estimate, LeftOut, Method, estimate};
use ystr::lineage::{self, Rates};
use ystr::population::Population;
use ystr::{Haplotype, Locus};

#[derive(Subcommand)]
pub enum YstrCommand {
    /// Fit the discrete Laplace mixture to a population file (one row per man, one column per
    /// locus), the number of clusters chosen by BIC as disclapmix_adaptive chooses it.
    Fit(FitArgs),
    /// A Y-STR haplotype's match probability in a population file.
    Probability(ProbabilityArgs),
    /// The paternal-lineage LR: P(child | reference, n meioses) / P(child in the population).
    Lr(LrArgs),
}

#[derive(Args)]
pub struct FitArgs {
    /// Population file: CSV, one row per man, one column per locus (DYS385 as one column `11-14`
    /// or two, DYS385a and DYS385b).
    file: PathBuf,
    /// Fit this number of clusters instead of choosing it by BIC.
    #[arg(long, value_name = "K")]
    clusters: Option<usize>,
    /// Print {"clusters", "log_likelihood", "bic", "centres", "dispersion", "weights", "loci",
    /// "men", "converged", "bic_by_clusters"} (loci in the file's column order).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ProbabilityArgs {
    /// Population file (as for `reunite ystr fit`).
    file: PathBuf,
    /// The haplotype: "DYS19=14,DYS389I=12,DYS385=11-14,...".
    #[arg(long, value_name = "HAPLOTYPE")]
    haplotype: String,
    /// disclap (the discrete Laplace mixture), kappa (Brenner's κ, for a haplotype the file
    /// lacks; the count for one it has) or count ((n + 1)/(N + 1)).
    #[arg(long, default_value = "disclap", value_parser = parse_method)]
    method: Method,
    /// disclap: fit this number of clusters instead of choosing it by BIC.
    #[arg(long, value_name = "K")]
    clusters: Option<usize>,
    /// Print {"probability", "method", "clusters", "seen", "men", "loci", "left_out"}.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct LrArgs {
    /// The child's haplotype: "DYS19=14,DYS389I=12,DYS385=11-14,...".
    #[arg(long, value_name = "HAPLOTYPE")]
    child: String,
    /// The haplotype of the man of the paternal line.
    #[arg(long, value_name = "HAPLOTYPE")]
    reference: String,
    /// Meioses between them (father 1, brother or grandfather 2, uncle 3, great-uncle or first
    /// cousin 4), or `unknown` (a clan volunteer): then n = 1..20 and the likeliest.
    #[arg(long, value_name = "N|unknown", value_parser = parse_meioses)]
    meioses: Meioses,
    /// Population file for the child's match probability (without it, the transmission only).
    #[arg(long, value_name = "FILE.csv")]
    database: Option<PathBuf>,
    /// Mutation rates (CSV with columns locus, rate); default: the built-in YHRD table.
    #[arg(long, value_name = "FILE.csv")]
    rates: Option<PathBuf>,
    /// How the match probability is estimated: disclap, kappa or count.
    #[arg(long, default_value = "disclap", value_parser = parse_method)]
    method: Method,
    /// disclap: fit this number of clusters instead of choosing it by BIC.
    #[arg(long, value_name = "K")]
    clusters: Option<usize>,
    /// Print {"lr", "log10_lr", "match_probability", "transmission", "meioses", "method",
    /// "clusters", "loci", "left_out", "by_meioses", "likeliest_meioses"}.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy)]
enum Meioses {
    Known(usize),
    Unknown,
}

/// The largest number of meioses asked for, and the range tried when unknown.
const MAX_MEIOSES: usize = 100;
const UNKNOWN_UP_TO: usize = 20;

fn parse_meioses(s: &str) -> Result<Meioses, String> {
    if s.eq_ignore_ascii_case("unknown") {
        return Ok(Meioses::Unknown);
    }
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_MEIOSES).contains(&n) => Ok(Meioses::Known(n)),
        _ => Err(format!(
            "a number of meioses from 1 to {MAX_MEIOSES}, or unknown"
        )),
    }
}

fn parse_method(s: &str) -> Result<Method, String> {
    Method::parse(s).ok_or_else(|| "disclap, kappa or count".to_string())
}

pub fn run(cmd: YstrCommand) -> Result<()> {
    match cmd {
        YstrCommand::Fit(a) => fit_cmd(a),
        YstrCommand::Probability(a) => probability_cmd(a),
        YstrCommand::Lr(a) => lr_cmd(a),
    }
}

fn read_population(path: &Path) -> Result<Population> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Population::parse(&text, &path.display().to_string())?)
}

/// The fit of a population: `clusters` of them, or the BIC's choice (and
/// every K's BIC).
fn fit_population(p: &Population, clusters: Option<usize>) -> Result<(Fit, Option<Vec<f64>>)> {
    let x = p.model_matrix()?;
    let noisy = std::io::stderr().is_terminal();
    match clusters {
        Some(k) => Ok((disclap::fit(&x, k)?, None)),
        None => {
            let a = disclap::fit_adaptive(&x, 5, |f| {
                if noisy {
                    eprintln!("fitted {} clusters: BIC {:.2}", f.mixture.clusters(), f.bic);
                }
            })?;
            let bics = a.fits.iter().map(|f| f.bic).collect();
            Ok((a.best().clone(), Some(bics)))
        }
    }
}

fn fit_cmd(a: FitArgs) -> Result<()> {
    let p = read_population(&a.file)?;
    let (f, bics) = fit_population(&p, a.clusters)?;
    let m = &f.mixture;
    let loci = p.coordinate_names();
    if a.json {
        let out = json!({
            "clusters": m.clusters(),
            "log_likelihood": f.log_likelihood,
            "bic": f.bic,
            "centres": m.centres,
            "dispersion": m.dispersion,
            "weights": m.weights,
            "loci": loci,
            "men": p.men.len(),
            "converged": f.converged,
            "bic_by_clusters": bics,
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "The discrete Laplace mixture of {} men at {} loci ({}):",
        p.men.len(),
        loci.len(),
        a.file.display()
    );
    match &bics {
        Some(b) => println!(
            "  {} clusters, chosen by BIC among 1 to {} (the fewest with the lowest BIC, 5 more tried past it)",
            m.clusters(),
            b.len()
        ),
        None => println!("  {} clusters, as asked", m.clusters()),
    }
    println!(
        "  log-likelihood {:.4}, BIC {:.4}{}",
        f.log_likelihood,
        f.bic,
        if f.converged {
            ""
        } else {
            " (EM did not reach its criterion)"
        }
    );
    println!(
        "  cluster  weight  centre haplotype (loci: {})",
        loci.join(" ")
    );
    for c in 0..m.clusters() {
        let centre: Vec<String> = m.centres[c].iter().map(|v| v.to_string()).collect();
        println!("  {:>7}  {:.4}  {}", c + 1, m.weights[c], centre.join(" "));
    }
    Ok(())
}

fn left_out_json(l: &[LeftOut]) -> Value {
    Value::Array(
        l.iter()
            .map(|l| json!({"locus": l.locus, "reason": l.reason}))
            .collect(),
    )
}

fn print_left_out(l: &[LeftOut]) {
    for l in l {
        println!("  {} left out: {}", l.locus, l.reason);
    }
}

/// The match probability of `h`, fitting the population when the method needs it.
fn match_probability(
    p: &Population,
    h: &Haplotype,
    method: Method,
    clusters: Option<usize>,
    only: Option<&[Locus]>,
) -> Result<Estimate> {
    let mixture: Option<Mixture> = match method {
        Method::Disclap => Some(fit_population(p, clusters)?.0.mixture),
        _ => None,
    };
    let e = estimate(p, mixture.as_ref(), h, method, only);
    if e.loci.is_empty() {
        bail!("the haplotype shares no usable locus with {}", p.file);
    }
    Ok(e)
}

fn method_words(e: &Estimate) -> String {
    match e.method {
        Method::Disclap => match e.clusters.unwrap_or(0) {
            1 => "the discrete Laplace mixture (one cluster)".into(),
            k => format!("the discrete Laplace mixture ({k} clusters)"),
        },
        Method::Kappa => "Brenner's κ (the haplotype is not in the file)".into(),
        Method::Count => "the count (n + 1)/(N + 1)".into(),
    }
}

fn probability_cmd(a: ProbabilityArgs) -> Result<()> {
    let p = read_population(&a.file)?;
    let h = Haplotype::parse(&a.haplotype, "--haplotype")?;
    let e = match_probability(&p, &h, a.method, a.clusters, None)?;
    if a.json {
        let out = json!({
            "probability": e.probability,
            "method": e.method.to_string(),
            "clusters": e.clusters,
            "seen": e.seen,
            "men": e.men,
            "loci": e.loci.iter().map(|l| l.to_string()).collect::<Vec<_>>(),
            "left_out": left_out_json(&e.left_out),
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "Match probability {:.4e} by {}, at {} loci; the haplotype is seen {} times among the {} men of {}.",
        e.probability,
        method_words(&e),
        e.loci.len(),
        e.seen,
        e.men,
        a.file.display()
    );
    if a.method == Method::Kappa && e.method == Method::Count {
        println!(
            "  (Brenner's κ is for a haplotype the database lacks; this one it has, so the count is given.)"
        );
    }
    print_left_out(&e.left_out);
    Ok(())
}

fn log10(x: f64) -> Option<f64> {
    (x > 0.0).then(|| x.log10())
}

fn lr_cmd(a: LrArgs) -> Result<()> {
    let child = Haplotype::parse(&a.child, "--child")?;
    let reference = Haplotype::parse(&a.reference, "--reference")?;
    let rates = match &a.rates {
        None => Rates::builtin(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Rates::parse(&text, &path.display().to_string())?
        }
    };
    let (mut loci, mut left_out) =
        lineage::comparable(&child, &reference, &rates).map_err(anyhow::Error::msg)?;
    let mut estimate = None;
    if let Some(path) = &a.database {
        let p = read_population(path)?;
        let e = match_probability(&p, &child, a.method, a.clusters, Some(&loci))?;
        // The transmission over the loci the population probability used.
        lineage::narrow_to_estimate(&mut loci, &mut left_out, &e);
        estimate = Some(e);
    }
    if loci.is_empty() {
        bail!("the child and the reference share no locus that can be compared");
    }
    let match_probability = estimate.as_ref().map(|e| e.probability);
    let (n, by) = match a.meioses {
        Meioses::Known(n) => (n, None),
        Meioses::Unknown => {
            let (t, best) = lineage::by_meioses(&child, &reference, &loci, &rates, UNKNOWN_UP_TO);
            (best, Some(t))
        }
    };
    let (transmission, per) = lineage::transmission(&child, &reference, &loci, &rates, n);
    let lr = match_probability.map(|m| transmission / m);
    let differing: Vec<&lineage::LocusComparison> =
        per.iter().filter(|c| c.child != c.reference).collect();
    if a.json {
        let loci_json: Vec<Value> = per
            .iter()
            .map(|c| {
                json!({
                    "locus": c.locus.to_string(),
                    "child": c.child.to_string(),
                    "reference": c.reference.to_string(),
                    "differs": c.child != c.reference,
                    "rate": c.rate,
                    "transmission": c.transmission,
                })
            })
            .collect();
        let by_json = by.as_ref().map(|t| {
            t.iter()
                .enumerate()
                .map(|(i, t)| json!({"meioses": i + 1, "transmission": t, "lr": match_probability.map(|m| t / m)}))
                .collect::<Vec<_>>()
        });
        let out = json!({
            "lr": lr,
            "log10_lr": lr.and_then(log10),
            "match_probability": match_probability,
            "transmission": transmission,
            "meioses": match a.meioses { Meioses::Known(n) => Some(n), Meioses::Unknown => None },
            "method": estimate.as_ref().map(|e| e.method.to_string()),
            "clusters": estimate.as_ref().and_then(|e| e.clusters),
            "loci": loci_json,
            "left_out": left_out_json(&left_out),
            "by_meioses": by_json,
            "likeliest_meioses": by.as_ref().map(|_| n),
        });
        println!("{out}");
        return Ok(());
    }
    match a.meioses {
        Meioses::Known(n) => println!(
            "Paternal line, {n} {} between the child and the reference, at {} loci ({} differing):",
            if n == 1 { "meiosis" } else { "meioses" },
            per.len(),
            differing.len()
        ),
        Meioses::Unknown => println!(
            "Paternal line, number of meioses unknown (a clan volunteer), at {} loci ({} differing): \
             the likeliest is {n} of 1 to {UNKNOWN_UP_TO}.",
            per.len(),
            differing.len()
        ),
    }
    println!("  P(child's haplotype | reference's, {n} meioses) = {transmission:.4e}");
    match (&estimate, lr) {
        (Some(e), Some(lr)) => {
            println!(
                "  P(child's haplotype in the population) = {:.4e} by {}",
                e.probability,
                method_words(e)
            );
            match log10(lr) {
                Some(l) => println!("  LR = {lr:.4e} (log10 {l:.2})"),
                None => println!(
                    "  LR = 0: the differences cannot arise by single-step mutations in {n} meioses"
                ),
            }
        }
        _ => println!("  No population file (--database): no match probability, so no LR."),
    }
    for c in &differing {
        println!(
            "  {} differs: child {}, reference {} (rate {}, P = {:.3e})",
            c.locus, c.child, c.reference, c.rate, c.transmission
        );
    }
    if let Some(t) = &by {
        println!(
            "  meioses  transmission{}",
            if match_probability.is_some() {
                "  LR"
            } else {
                ""
            }
        );
        for (i, t) in t.iter().enumerate() {
            match match_probability {
                Some(m) => println!("  {:>7}  {t:.4e}    {:.4e}", i + 1, t / m),
                None => println!("  {:>7}  {t:.4e}", i + 1),
            }
        }
    }
    print_left_out(&left_out);
    println!("  A Y-STR match cannot tell which man of the paternal line the child descends from.");
    Ok(())
}
