//! `reunite lr`: the LR of a case file, or of a standard relationship.

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use crate::lr_text::{result_fields, table};
use formats::case_file::{CaseOptions, parse_case};
use formats::frequencies::read_frequencies;
use formats::genotypes::parse_genotypes_with_markers;
use kinship::{
    KinshipCase, LrResult, MarkerModel, MutationKind, MutationModel, Relationship, Sex,
    TypedPerson, pair_hypotheses, trio_hypotheses,
};

#[derive(Args)]
pub struct LrArgs {
    /// A kinship case file (JSON; see data/kinship-cases/README.md), or a
    /// Familias project (.fam): the LR of every pedigree against the first
    /// (or --reference).
    #[arg(
        required_unless_present = "relationship",
        conflicts_with = "relationship"
    )]
    pub(crate) case: Option<PathBuf>,

    /// Print exactly {"lr": .., "log10_lr": .., "markers": [{"name": .., "lr": ..}, ..]};
    /// for a .fam project {"reference": .., "pedigrees": [{"name": .., "lr": .., "log10_lr": ..,
    /// "posterior": .., "markers": [..]}, ..]}.
    #[arg(long)]
    pub(crate) json: bool,

    /// Familias project: the pedigree every other is compared with (default: the first).
    #[arg(long, value_name = "PEDIGREE", alias = "against")]
    pub(crate) reference: Option<String>,

    /// Add alleles missing from a frequency table at this frequency, then renormalise (NRC II).
    #[arg(long, value_name = "F")]
    pub(crate) min_frequency: Option<f64>,

    /// Quick mode: the relationship of the two --person (the first is the parent,
    /// grandparent or aunt/uncle where it matters).
    #[arg(long, value_name = "R", requires_all = ["frequencies", "genotypes", "person"])]
    relationship: Option<Relationship>,

    /// Quick mode: frequency table (Familias list format or long CSV).
    #[arg(long, value_name = "FILE")]
    frequencies: Option<PathBuf>,

    /// Quick mode: the population to use from a CSV frequency table with several.
    #[arg(long, value_name = "P")]
    population: Option<String>,

    /// Quick mode: genotype table (GeneMapper export, long CSV or wide CSV).
    #[arg(long, value_name = "FILE")]
    genotypes: Option<PathBuf>,

    /// Quick mode: a sample of the genotype table; give it twice (A, then B).
    #[arg(long, value_name = "SAMPLE")]
    person: Vec<String>,

    /// Quick mode, trio: the known mother of the child. With
    /// `--relationship parent-child`, the first --person is the alleged father
    /// and the second the child.
    #[arg(long, value_name = "SAMPLE")]
    mother: Option<String>,

    /// Quick mode: Balding–Nichols theta.
    #[arg(long, default_value_t = 0.0)]
    theta: f64,

    /// Quick mode: only these markers (comma-separated).
    #[arg(long, value_delimiter = ',')]
    markers: Vec<String>,

    /// Quick mode: mutation model (equal, proportional, stepwise); none by default.
    #[arg(long, value_name = "MODEL")]
    mutation: Option<String>,
    /// Quick mode: father's mutation rate.
    #[arg(long, default_value_t = 0.002)]
    rate_male: f64,
    /// Quick mode: mother's mutation rate.
    #[arg(long, default_value_t = 0.0005)]
    rate_female: f64,
    /// Quick mode: stepwise range.
    #[arg(long, default_value_t = 0.1)]
    range: f64,
    /// Quick mode: stepwise rate of mutations to other microvariant groups.
    #[arg(long, default_value_t = 1e-6)]
    rate2: f64,
}

pub fn run(args: LrArgs) -> Result<()> {
    if let Some(f) = args.min_frequency
        && !(f > 0.0 && f < 1.0)
    {
        bail!("--min-frequency {f} is not in (0, 1)");
    }
    if let Some(path) = &args.case
        && path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("fam"))
    {
        return crate::fam::lr(
            path,
            args.reference.as_deref(),
            args.min_frequency,
            args.json,
        );
    }
    if args.reference.is_some() {
        bail!("--reference names a pedigree of a Familias project (.fam)");
    }
    let (title, case, source) = match &args.case {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            let file = path.display().to_string();
            let c = parse_case(
                &file,
                &text,
                CaseOptions {
                    min_frequency: args.min_frequency,
                },
            )?;
            for (marker, allele) in &c.added_alleles {
                eprintln!(
                    "note: {file}: marker {marker}: allele {allele} added at frequency {}",
                    args.min_frequency.unwrap_or(0.0)
                );
            }
            (c.name.unwrap_or_else(|| file.clone()), c.case, file)
        }
        None => quick_case(&args)?,
    };
    let result = case.evaluate().map_err(|e| anyhow!("{source}: {e}"))?;
    let out = if args.json {
        json(&result)
    } else {
        table(&title, &result, ("H1", "H2"))
    };
    print!("{out}");
    Ok(())
}

/// Builds the case of quick mode from a frequency table and a genotype table.
fn quick_case(args: &LrArgs) -> Result<(String, KinshipCase, String)> {
    let rel = args.relationship.expect("clap requires it");
    let freq_path = args.frequencies.as_ref().expect("clap requires it");
    let geno_path = args.genotypes.as_ref().expect("clap requires it");
    if args.person.len() != 2 {
        bail!("give --person twice (A and B), got {}", args.person.len());
    }
    if args.mother.is_some() && rel != Relationship::ParentChild {
        bail!("--mother makes a trio and needs --relationship parent-child");
    }
    let db = read_frequencies(freq_path, args.population.as_deref())?;
    let gfile = geno_path.display().to_string();
    // The markers of the frequency table are known besides the built-in vocabulary.
    let known: Vec<String> = db.markers().iter().map(|m| m.name().to_string()).collect();
    let gtext =
        std::fs::read_to_string(geno_path).with_context(|| format!("{gfile}: cannot read"))?;
    let table = parse_genotypes_with_markers(&gfile, &gtext, &known)?;
    let mut ids: Vec<&str> = args.person.iter().map(String::as_str).collect();
    if let Some(m) = &args.mother {
        ids.push(m);
    }
    let mut profiles = Vec::new();
    for id in &ids {
        let p = table
            .profile(id)
            .ok_or_else(|| anyhow!("{gfile}: no sample {id:?}"))?;
        profiles.push(p);
    }
    if ids[0] == ids[1] {
        bail!("the two --person are the same sample {:?}", ids[0]);
    }

    // The markers: those asked for, or every marker any of the persons carries.
    let wanted: Vec<String> = if args.markers.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for p in &profiles {
            for (m, _) in &p.markers {
                if !names.contains(m) {
                    names.push(m.clone());
                }
            }
        }
        names
    } else {
        args.markers
            .iter()
            .map(|m| {
                formats::markers::canonical_marker(m)
                    .map(str::to_string)
                    .unwrap_or_else(|| m.trim().to_string())
            })
            .collect()
    };
    let mutation = match args.mutation.as_deref() {
        None | Some("none") => None,
        Some(name) => {
            let kind = match name {
                "equal" => MutationKind::Equal,
                "proportional" => MutationKind::Proportional,
                "stepwise" => MutationKind::Stepwise {
                    range: args.range,
                    rate2: args.rate2,
                },
                other => bail!(
                    "unknown mutation model {other:?}: expected none, equal, proportional or stepwise"
                ),
            };
            let m = MutationModel {
                kind,
                rate_male: args.rate_male,
                rate_female: args.rate_female,
                female_kind: None,
            };
            m.validate()?;
            Some(m)
        }
    };
    let mut markers = Vec::new();
    for name in &wanted {
        let Some(freqs) = db.marker(name) else {
            let who = profiles
                .iter()
                .find(|p| p.markers.iter().any(|(m, _)| m == name));
            let place = who
                .map(|p| format!("{gfile}:{}: sample {:?}: ", p.line, p.sample))
                .unwrap_or_default();
            bail!(
                "{place}marker {name} is typed but missing from the frequency table {} (choose markers with --markers)",
                freq_path.display()
            );
        };
        let mut freqs = freqs.clone();
        let carried = profiles
            .iter()
            .filter_map(|p| p.markers.iter().find(|(m, _)| m == name))
            .flat_map(|(_, g)| g.alleles());
        let missing: Vec<_> = carried.filter(|a| freqs.index_of(*a).is_none()).collect();
        if !missing.is_empty() {
            let Some(f) = args.min_frequency else {
                bail!(
                    "marker {name}: allele {} is not in the frequency table {} (use --min-frequency to add unseen alleles)",
                    missing[0],
                    freq_path.display()
                );
            };
            freqs = freqs.with_alleles(missing, f).0;
        }
        markers.push(MarkerModel::new(freqs, mutation)?);
    }
    let sex = |i: usize| profiles[i].sex.unwrap_or(Sex::Unknown);
    let (h1, h2) = match &args.mother {
        Some(mother) => trio_hypotheses((ids[1], sex(1)), mother, ids[0])?,
        None => pair_hypotheses(rel, (ids[0], sex(0)), (ids[1], sex(1)))?,
    };
    let typed = profiles
        .iter()
        .map(|p| TypedPerson {
            id: p.sample.clone(),
            genotypes: wanted
                .iter()
                .map(|m| p.markers.iter().find(|(n, _)| n == m).map(|(_, g)| *g))
                .collect(),
        })
        .collect();
    let title = match &args.mother {
        Some(m) => format!("{} father of {} (mother {m}) vs unrelated", ids[0], ids[1]),
        None => format!("{} and {}: {rel} vs unrelated", ids[0], ids[1]),
    };
    Ok((
        title,
        KinshipCase {
            theta: args.theta,
            markers,
            h1,
            h2,
            typed,
        },
        gfile,
    ))
}

fn json(r: &LrResult) -> String {
    format!("{{{}}}\n", result_fields(r))
}
