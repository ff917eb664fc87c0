//! Familias projects on the command line: `reunite lr PROJECT.fam` and
//! `reunite export fam`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use formats::fam::{FamProject, parse_fam};
use kinship::{LrError, LrResult};

use crate::lr_text::{human_lr, result_fields, table, verbal_named};

/// One pedigree compared with the reference.
enum Outcome {
    Lr(LrResult),
    /// The reference pedigree is impossible at this marker while this one is not.
    Infinite(String),
    Error(String),
}

impl Outcome {
    fn log10(&self) -> Option<f64> {
        match self {
            Outcome::Lr(r) => Some(r.log10_lr),
            Outcome::Infinite(_) => Some(f64::INFINITY),
            Outcome::Error(_) => None,
        }
    }
}

/// `reunite lr PROJECT.fam [--reference P] [--json]`.
pub fn lr(
    path: &Path,
    reference: Option<&str>,
    min_frequency: Option<f64>,
    json: bool,
) -> Result<()> {
    if min_frequency.is_some() {
        bail!(
            "--min-frequency does not apply to a Familias project: its genotypes name alleles of its own database"
        );
    }
    let file = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("{file}: cannot read"))?;
    let project = parse_fam(&file, &bytes)?;
    for warning in project.warnings() {
        eprintln!("warning: {file}: {warning}");
    }
    let reference = match reference {
        None => 0,
        Some(name) => project.pedigree_index(name).ok_or_else(|| {
            anyhow!(
                "{file}: no pedigree called {name:?} (pedigrees: {})",
                names(&project)
            )
        })?,
    };
    print!("{}", report(&file, &project, reference, json));
    Ok(())
}

/// Every pedigree of `project` against the pedigree `reference`, as a table
/// for people or as JSON.
fn report(file: &str, project: &FamProject, reference: usize, json_out: bool) -> String {
    let outcomes: Vec<Outcome> = (0..project.pedigrees.len())
        .map(|i| match project.case(i, reference).evaluate() {
            Ok(r) => Outcome::Lr(r),
            Err(LrError::ImpossibleUnderH2 { marker }) => Outcome::Infinite(marker),
            Err(e) => Outcome::Error(e.to_string()),
        })
        .collect();
    let posterior = posterior(&outcomes);
    if json_out {
        json(project, reference, &outcomes, &posterior)
    } else {
        text(file, project, reference, &outcomes, &posterior)
    }
}

fn names(p: &FamProject) -> String {
    p.pedigrees
        .iter()
        .map(|p| format!("{:?}", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Posterior probabilities of the pedigrees under a flat prior, as Familias
/// reports them; `None` when a pedigree could not be evaluated.
fn posterior(outcomes: &[Outcome]) -> Option<Vec<f64>> {
    let logs: Vec<f64> = outcomes.iter().map(Outcome::log10).collect::<Option<_>>()?;
    let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top == f64::INFINITY {
        let n = logs.iter().filter(|l| l.is_infinite() && **l > 0.0).count() as f64;
        return Some(
            logs.iter()
                .map(|l| if *l == f64::INFINITY { 1.0 / n } else { 0.0 })
                .collect(),
        );
    }
    let weights: Vec<f64> = logs.iter().map(|l| 10f64.powf(l - top)).collect();
    let sum: f64 = weights.iter().sum();
    Some(weights.iter().map(|w| w / sum).collect())
}

fn text(
    file: &str,
    p: &FamProject,
    reference: usize,
    outcomes: &[Outcome],
    posterior: &Option<Vec<f64>>,
) -> String {
    let refname = &p.pedigrees[reference].name;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Familias project {file} (Familias {}): {} persons ({} typed), {} pedigrees, {} markers, database {}, theta {}",
        p.version,
        p.persons.len(),
        p.typed.len(),
        p.pedigrees.len(),
        p.markers.len(),
        p.database_name.as_deref().unwrap_or("unnamed"),
        p.theta
    );
    for (i, o) in outcomes.iter().enumerate() {
        if i == reference {
            continue;
        }
        let name = &p.pedigrees[i].name;
        let title = format!("\n{name} against {refname}");
        match o {
            Outcome::Lr(r) => s.push_str(&table(&title, r, (name, refname))),
            Outcome::Infinite(m) => {
                let _ = writeln!(
                    s,
                    "{title}\ninfinite: {refname} is impossible at marker {m}, {name} is not\nexclusion: the data exclude {refname}",
                );
            }
            Outcome::Error(e) => {
                let _ = writeln!(s, "{title}\ncannot be computed: {e}");
            }
        }
    }
    let width = p
        .pedigrees
        .iter()
        .map(|q| q.name.chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        s,
        "\n{:<width$}  {:>16}  {:>16}  {:>12}",
        "pedigree",
        format!("LR vs {refname}"),
        format!("{refname} vs it"),
        "posterior"
    );
    for (i, o) in outcomes.iter().enumerate() {
        let (fwd, back) = match o {
            Outcome::Lr(r) => (
                human_lr(r.lr(), r.log10_lr),
                if r.is_exclusion() {
                    "infinite".to_string()
                } else {
                    human_lr(10f64.powf(-r.log10_lr), -r.log10_lr)
                },
            ),
            Outcome::Infinite(_) => ("infinite".to_string(), "0 (exclusion)".to_string()),
            Outcome::Error(_) => ("error".to_string(), "error".to_string()),
        };
        let post = posterior
            .as_ref()
            .map(|v| {
                if v[i] == 0.0 || v[i] >= 1e-4 {
                    format!("{:.6}", v[i])
                } else {
                    format!("{:.4e}", v[i])
                }
            })
            .unwrap_or_else(|| "-".to_string());
        let _ = writeln!(
            s,
            "{:<width$}  {fwd:>16}  {back:>16}  {post:>12}",
            p.pedigrees[i].name
        );
    }
    if outcomes.len() == 2
        && let Outcome::Lr(r) = &outcomes[1 - reference]
    {
        let other = &p.pedigrees[1 - reference].name;
        let words = verbal_named(r.log10_lr, other, refname);
        let _ = writeln!(s, "verbal scale ({other} against {refname}): {words}");
    }
    s
}

fn json(
    p: &FamProject,
    reference: usize,
    outcomes: &[Outcome],
    posterior: &Option<Vec<f64>>,
) -> String {
    let peds: Vec<String> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let name = serde_json::Value::from(p.pedigrees[i].name.as_str());
            let post = posterior
                .as_ref()
                .map(|v| serde_json::Value::from(v[i]).to_string())
                .unwrap_or_else(|| "null".to_string());
            match o {
                Outcome::Lr(r) => {
                    let fields = result_fields(r);
                    format!("{{\"name\":{name},\"posterior\":{post},{fields}}}")
                }
                Outcome::Infinite(m) => format!(
                    "{{\"name\":{name},\"lr\":null,\"log10_lr\":null,\"posterior\":{post},\"infinite_at\":{}}}",
                    serde_json::Value::from(m.as_str())
                ),
                Outcome::Error(e) => format!(
                    "{{\"name\":{name},\"lr\":null,\"log10_lr\":null,\"posterior\":null,\"error\":{}}}",
                    serde_json::Value::from(e.as_str())
                ),
            }
        })
        .collect();
    format!(
        "{{\"reference\":{},\"pedigrees\":[{}]}}\n",
        serde_json::Value::from(p.pedigrees[reference].name.as_str()),
        peds.join(",")
    )
}

/// `reunite export fam`: a candidate of the registry, or a case file, as a
/// Familias project.
#[derive(clap::Args)]
pub struct ExportFamArgs {
    /// The candidate to export (its id, as `reunite matches` lists it): the
    /// family's pedigree with the found child as the missing child (H1) or
    /// unrelated (H2), the genotypes of the markers compared, and the models
    /// the search used.
    #[arg(
        long,
        value_name = "ID",
        required_unless_present_any = ["case_file", "found"],
        conflicts_with_all = ["case_file", "found"]
    )]
    candidate: Option<i64>,
    /// The candidate of this found child (with --case).
    #[arg(
        long,
        value_name = "FOUND_ID",
        requires = "case",
        conflicts_with = "case_file"
    )]
    found: Option<String>,
    /// The candidate of this case (with --found).
    #[arg(long, value_name = "CASE_ID", requires = "found")]
    case: Option<String>,
    /// Instead of a candidate: a kinship case file (JSON) to write as a project.
    #[arg(long, value_name = "FILE")]
    case_file: Option<std::path::PathBuf>,
    /// Where to write the project (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    #[command(flatten)]
    db: crate::registry_cmd::DbArgs,
}

pub fn export(args: ExportFamArgs) -> Result<()> {
    use formats::fam::{FamWriteOptions, write_fam};
    let (case, options, what) = match (&args.candidate, &args.case_file) {
        (None, None) if args.found.is_none() => unreachable!("clap requires one"),
        (_, Some(path)) => {
            let file = path.display().to_string();
            let text =
                std::fs::read_to_string(path).with_context(|| format!("{file}: cannot read"))?;
            let c = formats::case_file::parse_case(&file, &text, Default::default())?;
            (
                c.case,
                FamWriteOptions::default(),
                format!("case file {file}"),
            )
        }
        (id, None) => {
            let rt = crate::registry_cmd::runtime()?;
            let found = rt.block_on(async {
                let registry = crate::registry_cmd::open(&args.db).await?;
                let actor = crate::registry_cmd::cli_actor();
                let id = match (id, &args.found, &args.case) {
                    (Some(id), _, _) => Some(*id),
                    (None, Some(f), Some(c)) => registry.candidate_id(f, c).await?,
                    _ => None,
                };
                let c = match id {
                    Some(id) => registry.candidate_kinship_case(&actor, id).await,
                    None => Ok(None),
                };
                registry.close().await;
                anyhow::Ok(c?.map(|c| (id.unwrap_or_default(), c)))
            })?;
            let Some((id, c)) = found else {
                bail!("no such candidate (see `reunite matches`)");
            };
            let options = FamWriteOptions {
                pedigree_names: [
                    format!("{} is the missing child of case {}", c.found_id, c.case_id),
                    format!("{} is unrelated to case {}", c.found_id, c.case_id),
                ],
                database_name: c.database.clone(),
                ..FamWriteOptions::default()
            };
            let what = format!(
                "candidate {id} ({} x case {}, registry log10 LR {:.4})",
                c.found_id, c.case_id, c.stored_log10_lr
            );
            (c.case, options, what)
        }
    };
    let text = write_fam(&case, &options).map_err(|e| anyhow!("{what}: {e}"))?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            eprintln!("wrote {what} to {} as a Familias project", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project written for these tests in the layout of Familias 3: the
    /// alleged father AF (11/11), the mother MO (10/10) and the child CH
    /// (10/12) at one marker without mutation where allele 10 is rare, and
    /// the pedigrees given as (name, extra females, extra males, relations
    /// as parent and child indices: AF 0, MO 1, CH 2, extras from 3).
    /// A pedigree as the tests give it: name, extra females, extra males,
    /// relations (parent, child).
    type TestPedigree<'a> = (&'a str, usize, usize, &'a [(usize, usize)]);

    fn project(pedigrees: &[TestPedigree]) -> FamProject {
        let mut l: Vec<String> = [
            "\"Output from Familias, version 3.3.1\"",
            "\"DO NOT EDIT!\"",
            "3.3.1",
            "\"\"",
            "3",
            "\"AF\"",
            "#FALSE#",
            "-1",
            "#FALSE#",
            "#TRUE#",
            "1",
            "1",
            "1",
            "0",
            "\"MO\"",
            "#FALSE#",
            "-1",
            "#FALSE#",
            "#FALSE#",
            "1",
            "0",
            "0",
            "0",
            "\"CH\"",
            "#FALSE#",
            "-1",
            "#FALSE#",
            "#TRUE#",
            "1",
            "0",
            "2",
            "0",
            "\"Known relations\"",
            "0",
            "0",
            "0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        l.push(pedigrees.len().to_string());
        for (i, (name, f, m, rels)) in pedigrees.iter().enumerate() {
            l.extend([
                i.to_string(),
                format!("\"{name}\""),
                f.to_string(),
                m.to_string(),
                rels.len().to_string(),
            ]);
            for (p, c) in rels.iter() {
                l.extend([p.to_string(), c.to_string()]);
            }
        }
        l.extend(
            [
                "#FALSE# (#Databases: 1 ;Theta/Kinship/Fst: 0 )",
                "1",
                "#TRUE#",
                "\"test\"",
                "\"L1\"",
                "0",
                "0",
                "0",
                "0",
                "3",
                "0",
                "0",
                "0",
                "0",
                "#FALSE#",
                "0",
                "3\t(DatabaseSize = 1000 , Dropout probability = 0 , Minor allele frequency = 0 )",
                "\"10\"",
                "0.002",
                "\"11\"",
                "0.498",
                "\"12\"",
                "0.5",
            ]
            .map(String::from),
        );
        parse_fam("test.fam", l.join("\n").as_bytes()).unwrap()
    }

    const MOTHER: &[(usize, usize)] = &[(1, 2)];
    const UNRELATED: &[(usize, usize)] = &[];
    const FATHER: &[(usize, usize)] = &[(0, 2)];

    /// The section of the report headed `title`, up to the next blank line.
    fn section<'a>(report: &'a str, title: &str) -> &'a str {
        let start = report
            .find(&format!("\n{title}\n"))
            .unwrap_or_else(|| panic!("no section {title:?} in\n{report}"));
        let rest = &report[start + 1..];
        &rest[..rest.find("\n\n").unwrap_or(rest.len())]
    }

    /// Two pedigrees as pedFamilias's paternity example names them: the
    /// conclusion names the pedigree the data support, in the table and in
    /// the summary line (MO is the mother: LR 250 for H1).
    #[test]
    fn two_pedigrees_name_the_supported_one() {
        let p = project(&[("H1", 0, 0, MOTHER), ("H2", 0, 0, UNRELATED)]);
        let r = report("test.fam", &p, 0, false);
        let s = section(&r, "H2 against H1");
        assert!(s.contains("moderate support for H1"), "{r}");
        assert!(
            r.contains("verbal scale (H2 against H1): moderate support for H1"),
            "{r}"
        );
        assert!(!r.contains("support for H2"), "{r}");
        // Against H2, the other way round.
        let r = report("test.fam", &p, 1, false);
        assert!(
            section(&r, "H1 against H2").contains("moderate support for H1"),
            "{r}"
        );
        assert!(!r.contains("support for H2"), "{r}");
        // Names of the project's own choosing.
        let p = project(&[("unrelated", 0, 0, UNRELATED), ("MO mother", 0, 0, MOTHER)]);
        let r = report("test.fam", &p, 0, false);
        assert!(
            section(&r, "MO mother against unrelated").contains("moderate support for MO mother"),
            "{r}"
        );
    }

    /// Three pedigrees, one excluded: each table names its own pedigrees.
    #[test]
    fn three_pedigrees_with_an_exclusion() {
        let p = project(&[
            ("H1", 0, 0, MOTHER),
            ("H2", 0, 0, UNRELATED),
            ("H3", 0, 0, FATHER),
        ]);
        let r = report("test.fam", &p, 0, false);
        assert!(
            section(&r, "H2 against H1").contains("moderate support for H1"),
            "{r}"
        );
        assert!(
            section(&r, "H3 against H1").contains("exclusion: the data exclude H3"),
            "{r}"
        );
        assert!(!r.contains("exclude H1"), "{r}");
        // With the excluded pedigree as the reference, it is the one excluded.
        let r = report("test.fam", &p, 2, false);
        for other in ["H1", "H2"] {
            assert!(
                section(&r, &format!("{other} against H3")).contains("the data exclude H3"),
                "{r}"
            );
        }
        assert!(
            !r.contains("exclude H1") && !r.contains("exclude H2"),
            "{r}"
        );
    }

    /// Seven pedigrees (as the dvir book's Table 4.4 has), H6 excluded.
    #[test]
    fn seven_pedigrees_with_h6_excluded() {
        let p = project(&[
            ("H1", 0, 0, MOTHER),
            ("H2", 0, 0, UNRELATED),
            ("H3", 0, 0, &[(2, 1)]),
            ("H4", 1, 0, &[(3, 1), (3, 2)]),
            ("H5", 1, 0, &[(1, 3), (3, 2)]),
            ("H6", 0, 0, FATHER),
            ("H7", 1, 1, &[(3, 1), (4, 1), (3, 2), (4, 2)]),
        ]);
        let r = report("test.fam", &p, 0, false);
        assert!(
            section(&r, "H6 against H1").contains("exclusion: the data exclude H6"),
            "{r}"
        );
        assert!(!r.contains("exclude H1"), "{r}");
        assert!(
            section(&r, "H2 against H1").contains("moderate support for H1"),
            "{r}"
        );
        // No line speaks of a pedigree by its role: every "support for" names
        // H1 or the pedigree of its own table.
        for i in 2..=7 {
            let s = section(&r, &format!("H{i} against H1"));
            for line in s.lines().filter(|l| l.contains("support for H")) {
                assert!(
                    line.ends_with("for H1") || line.ends_with(&format!("for H{i}")),
                    "{line}"
                );
            }
        }
        assert!(!r.contains("verbal scale ("), "{r}");
    }
}
