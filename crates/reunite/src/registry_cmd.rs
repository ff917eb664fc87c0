//! The registry commands: import, matches, backup, key rotate, audit verify.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use registry::{CandidateFilter, ImportStage, OpenOptions, Registry, Settings};

/// Where the registry is.
#[derive(Args, Clone, Debug)]
pub struct DbArgs {
    /// sqlite:///path/to/file.db or postgres://user@host:port/db (default: a SQLite file in the data directory).
    #[arg(long, env = "REUNITE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The encryption key file (default for SQLite: beside the database, created on first use).
    #[arg(long, env = "REUNITE_KEY_FILE", global = true)]
    pub key_file: Option<PathBuf>,
    /// The data directory for the default SQLite registry.
    #[arg(
        long,
        env = "REUNITE_DATA_DIR",
        default_value = "reunite-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Days after a reunion before the references' genotypes are deleted.
    #[arg(
        long,
        env = "REUNITE_RETENTION_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub retention_days: i64,
}

impl DbArgs {
    pub fn options(&self, actor: String) -> OpenOptions {
        OpenOptions {
            database_url: self.database_url.clone(),
            key_file: self.key_file.clone(),
            data_dir: self.data_dir.clone(),
            actor,
            settings: Settings {
                retention_days: self.retention_days,
                ..Settings::default()
            },
        }
    }
}

/// The CLI's actor in the audit log.
pub fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into())
    )
}

/// Opens the registry and says what a first use created.
pub async fn open(db: &DbArgs) -> Result<Registry> {
    let (registry, notes) = Registry::open(db.options(cli_actor())).await?;
    if let Some(key) = notes.created_key {
        eprintln!(
            "note: created a new encryption key at {} (mode 0600). Keep it safe and apart from backups: without it the data cannot be read.",
            key.display()
        );
    }
    Ok(registry)
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `reunite import KIND`: one subcommand per [`registry::ImportKind`], named
/// by its code (a test holds the two lists together), with the options of
/// its kind.
#[derive(Subcommand)]
pub enum ImportCommand {
    /// An allele frequency database (Familias list format or long CSV).
    Frequencies {
        file: PathBuf,
        /// Name of the database (default: the file name).
        #[arg(long)]
        name: Option<String>,
        /// The population to take from a CSV table with several.
        #[arg(long)]
        population: Option<String>,
        /// Make it the active database even if another is active.
        #[arg(long)]
        activate: bool,
    },
    /// A population Y-STR haplotype database: CSV, one row per man, one column per locus (DYS385
    /// as one column `11-14` or two, DYS385a and DYS385b); the discrete Laplace mixture is fitted
    /// once, on import (clusters by BIC).
    Haplotypes {
        file: PathBuf,
        /// Name of the database (default: the file name).
        #[arg(long)]
        name: Option<String>,
        /// Make it the active database even if another is active.
        #[arg(long)]
        activate: bool,
    },
    /// Missing-child cases: case_id,child_name,child_sex,child_birth_date_from,child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description
    Cases { file: PathBuf },
    /// References: sample_name,case_id,relationship,person_name,sex
    References { file: PathBuf },
    /// Found children: sample_name,found_id,sex,age_min_days,age_max_days,found_date,found_place,found_lat,found_lon,institution,description
    Found { file: PathBuf },
    /// Clan volunteers, men who give a Y sample for their paternal lineage:
    /// sample_name,surname,ancestral_place,person_name,consent_date,keep_until,known_cases
    /// (known_cases: the case ids his clan knows of, separated by ';'). Their Y haplotypes come
    /// in a profiles file under the same sample names.
    Volunteers { file: PathBuf },
    /// A CODIS CMF XML file: relatives' specimens (Biological Mother, Father, Sibling, ...) become
    /// references of the case named by CASEID (registered before), Unidentified Person specimens
    /// found children, each with its profile.
    Cmf { file: PathBuf },
    /// Person records of a person-finder site (PFIF 1.4 XML) as missing-child cases, kept
    /// under their record ids (case id PFIF-<hash>); importing again adds nothing.
    Pfif { file: PathBuf },
    /// Lab profiles: a GeneMapper ID-X genotype table export (or long/wide CSV).
    Profiles {
        file: PathBuf,
        #[arg(long)]
        lab: Option<String>,
        #[arg(long)]
        kit: Option<String>,
    },
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    kind: ImportCommand,
    #[command(flatten)]
    db: DbArgs,
}

fn read(file: &PathBuf) -> Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("{}: cannot read", file.display()))
}

/// `file` opened anew at every call, for a streaming import, which reads it
/// twice and never whole (it must be readable now).
pub(crate) fn file_stream(
    file: &std::path::Path,
) -> Result<impl Fn() -> std::io::Result<Box<dyn std::io::Read + Send>> + Sync + use<>> {
    std::fs::File::open(file).with_context(|| format!("{}: cannot read", file.display()))?;
    let path = file.to_path_buf();
    Ok(move || -> std::io::Result<Box<dyn std::io::Read + Send>> {
        Ok(Box::new(std::fs::File::open(&path)?))
    })
}

/// Tells the user on stderr where a long import of lab files stands: a bar
/// while rows are stored on a terminal, a line per tenth otherwise, and a line
/// per stage. Counts only: never a name or a genotype.
struct Stages {
    file: String,
    noun: &'static str,
    bar: ProgressBar,
    terminal: bool,
}

impl Stages {
    fn new(file: &str, noun: &'static str) -> Stages {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(&format!("storing {noun} [{{bar:40}}] {{pos}}/{{len}}"))
                .expect("valid template")
                .progress_chars("=> "),
        );
        eprintln!("reading {file}");
        Stages {
            file: file.to_string(),
            noun,
            bar,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn line(&self, text: String) {
        self.bar.suspend(|| eprintln!("{text}"));
    }

    fn tell(&self, stage: ImportStage) {
        let noun = self.noun;
        match stage {
            ImportStage::Checked { rows } => {
                self.line(format!("{}: {rows} {noun} read and checked", self.file))
            }
            ImportStage::Storing { done, total } => {
                if self.terminal {
                    if total >= 200 {
                        self.bar.set_length(total as u64);
                        self.bar.set_position(done as u64);
                    }
                } else if done * 10 / total != (done - 1) * 10 / total {
                    self.line(format!("storing {done} of {total} {noun}"));
                }
            }
            ImportStage::Stored { added } => {
                self.bar.finish_and_clear();
                self.line(format!("{added} {noun} stored (not yet committed)"));
            }
            ImportStage::Searching { cases, found } => self.line(format!(
                "searching what they add: {cases} cases, {found} found children"
            )),
            ImportStage::Searched { new_candidates } => {
                self.line(format!("{new_candidates} new candidates found"))
            }
            ImportStage::Committing => self.line("committing".to_string()),
            ImportStage::Committed => self.line("committed".to_string()),
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

pub fn import(args: ImportArgs) -> Result<()> {
    runtime()?.block_on(async {
        let registry = open(&args.db).await?;
        let actor = cli_actor();
        let report = match &args.kind {
            ImportCommand::Frequencies {
                file,
                name,
                population,
                activate,
            } => {
                let text = read(file)?;
                registry
                    .import_frequencies(
                        &actor,
                        &file.display().to_string(),
                        &text,
                        name.as_deref(),
                        population.as_deref(),
                        *activate,
                    )
                    .await?
            }
            ImportCommand::Haplotypes {
                file,
                name,
                activate,
            } => {
                let text = read(file)?;
                registry
                    .import_haplotypes(
                        &actor,
                        &file.display().to_string(),
                        &text,
                        name.as_deref(),
                        *activate,
                    )
                    .await?
            }
            ImportCommand::Cases { file } => {
                registry
                    .import_cases_from(&actor, &file.display().to_string(), &file_stream(file)?)
                    .await?
            }
            ImportCommand::References { file } => {
                registry
                    .import_references_from(
                        &actor,
                        &file.display().to_string(),
                        &file_stream(file)?,
                    )
                    .await?
            }
            ImportCommand::Found { file } => {
                registry
                    .import_found_from(&actor, &file.display().to_string(), &file_stream(file)?)
                    .await?
            }
            ImportCommand::Volunteers { file } => {
                registry
                    .import_volunteers_from(
                        &actor,
                        &file.display().to_string(),
                        &file_stream(file)?,
                    )
                    .await?
            }
            ImportCommand::Cmf { file } => {
                let stages = Stages::new(
                    &file.display().to_string(),
                    registry::ImportKind::Cmf.counts().1,
                );
                let text = read(file)?;
                let r = registry
                    .import_cmf_in_stages(&actor, &file.display().to_string(), &text, &|s| {
                        stages.tell(s)
                    })
                    .await;
                stages.finish();
                r?
            }
            ImportCommand::Pfif { file } => {
                registry
                    .import_pfif(&actor, &file.display().to_string(), &read(file)?)
                    .await?
            }
            ImportCommand::Profiles { file, lab, kit } => {
                let stages = Stages::new(
                    &file.display().to_string(),
                    registry::ImportKind::Profiles.counts().1,
                );
                let open = file_stream(file)?;
                let r = registry
                    .import_profiles_from(
                        &actor,
                        &file.display().to_string(),
                        &open,
                        lab.as_deref(),
                        kit.as_deref(),
                        &|s| stages.tell(s),
                    )
                    .await;
                stages.finish();
                r?
            }
        };
        println!("{}", crate::summary::summary(&report));
        for n in &report.notes {
            println!("  {n}");
        }
        registry.close().await;
        Ok(())
    })
}

#[derive(Args)]
pub struct MatchesArgs {
    /// Print a JSON array.
    #[arg(long)]
    json: bool,
    /// Only candidates with this review status.
    #[arg(long)]
    status: Option<String>,
    /// Only this found child.
    #[arg(long)]
    found: Option<String>,
    /// Only this case.
    #[arg(long)]
    case: Option<String>,
    /// At most this many rows (1-1000; without it the table shows the first 100 and --json every row).
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=1000))]
    limit: Option<i64>,
    /// Skip this many rows first (0: from the best).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    offset: i64,
    #[command(flatten)]
    db: DbArgs,
}

/// Rows of the table when no --limit is given.
const TABLE_ROWS: i64 = 100;

pub fn matches(args: MatchesArgs) -> Result<()> {
    runtime()?.block_on(async {
        let registry = open(&args.db).await?;
        let filter = CandidateFilter {
            status: args.status.clone(),
            found_id: args.found.clone(),
            case_id: args.case.clone(),
        };
        if args.json && args.limit.is_none() {
            // Every row, as one JSON array, written a page at a time.
            use std::io::Write;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let mut first = true;
            let mut failed: Option<std::io::Error> = None;
            write!(out, "[")?;
            registry
                .each_candidate(&filter, |row| {
                    let text = serde_json::to_string_pretty(&row)
                        .map_err(|e| registry::RegistryError::Invalid(e.to_string()))?;
                    let text = text.replace('\n', "\n  ");
                    let sep = if first { "\n  " } else { ",\n  " };
                    first = false;
                    if let Err(e) = write!(out, "{sep}{text}") {
                        failed.get_or_insert(e);
                    }
                    Ok(())
                })
                .await?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            writeln!(out, "{}]", if first { "" } else { "\n" })?;
            out.flush()?;
            registry.close().await;
            return Ok(());
        }
        let limit = args.limit.unwrap_or(TABLE_ROWS);
        let rows = registry
            .candidate_rows_at(&filter, limit, args.offset)
            .await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
        } else if rows.is_empty() {
            println!("no candidates");
        } else {
            println!(
                "{:<16} {:<16} {:>12} {:>8} {:>9} {:<13} inconsistent",
                "found", "case", "LR", "log10", "markers", "status"
            );
            for r in &rows {
                println!(
                    "{:<16} {:<16} {:>12} {:>8.2} {:>9} {:<13} {}",
                    r.found_id,
                    r.case_id,
                    crate::lr_text::human_lr(r.lr, r.log10_lr),
                    r.log10_lr,
                    r.markers_compared,
                    r.status,
                    r.inconsistent_markers.join(" ")
                );
            }
        }
        if !args.json {
            let total = registry.count_candidates(&filter).await?;
            let (from, to) = (args.offset + 1, args.offset + rows.len() as i64);
            if rows.is_empty() {
                eprintln!("showing none of {total}");
            } else {
                eprintln!("showing {from}–{to} of {total}");
            }
            if to < total {
                eprintln!(
                    "more: --offset {to} (and --limit N, at most 1000) for the next rows, or --json for every row"
                );
            }
        }
        registry.close().await;
        Ok(())
    })
}

#[derive(Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist).
    file: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

pub fn backup(args: BackupArgs) -> Result<()> {
    runtime()?.block_on(async {
        let registry = open(&args.db).await?;
        match registry.backend() {
            registry::Backend::Sqlite => registry.backup(&cli_actor(), &args.file).await?,
            registry::Backend::Postgres => registry.dump_postgres(&cli_actor(), &args.file).await?,
        }
        println!(
            "backup written to {} (the key file is not in it: keep a copy of the key apart)",
            args.file.display()
        );
        registry.close().await;
        Ok(())
    })
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Create a new key file (mode 0600; never overwrites an existing file), e.g. for a PostgreSQL registry.
    Generate {
        /// Where to write the key.
        #[arg(long, env = "REUNITE_KEY_FILE")]
        key_file: PathBuf,
    },
    /// Re-encrypt every field with a new key; the old key opens nothing afterwards.
    Rotate {
        /// Where to write the new key (default: replace the key file in use).
        #[arg(long)]
        new_key_file: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn key(cmd: KeyCommand) -> Result<()> {
    let (new_key_file, db) = match cmd {
        KeyCommand::Generate { key_file } => {
            registry::crypto::create_key_file(&key_file)?;
            println!(
                "a new key is in {} (readable by its owner only); keep a copy apart from the database backups: without it the data cannot be read",
                key_file.display()
            );
            return Ok(());
        }
        KeyCommand::Rotate { new_key_file, db } => (new_key_file, db),
    };
    runtime()?.block_on(async {
        let registry = open(&db).await?;
        let current = registry.key_path().to_path_buf();
        let target = new_key_file.clone().unwrap_or_else(|| current.with_extension("key.new"));
        if target.exists() {
            bail!("{} exists; remove it or choose another --new-key-file", target.display());
        }
        let fields = registry.rotate_key(&cli_actor(), &target).await?;
        registry.close().await;
        if new_key_file.is_none() {
            std::fs::rename(&target, &current).with_context(|| {
                format!("the data now needs the new key at {}; move it to {}", target.display(), current.display())
            })?;
            println!("{fields} fields re-encrypted; the key file {} holds the new key", current.display());
        } else {
            println!(
                "{fields} fields re-encrypted; the new key is {}; the old key {} opens nothing now and can be destroyed",
                target.display(),
                current.display()
            );
        }
        Ok(())
    })
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the audit log.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn audit(cmd: AuditCommand) -> Result<()> {
    let AuditCommand::Verify { db } = cmd;
    runtime()?.block_on(async {
        let registry = open(&db).await?;
        let n = registry.verify_audit().await?;
        println!("audit log intact: {n} entries, every hash and link checked");
        registry.close().await;
        Ok(())
    })
}

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Delete the references' genotypes of reunited cases whose retention period is over (the server does it hourly).
    Run {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn retention(cmd: RetentionCommand) -> Result<()> {
    let RetentionCommand::Run { db } = cmd;
    runtime()?.block_on(async {
        let registry = open(&db).await?;
        let done = registry.run_retention(&cli_actor()).await?;
        println!(
            "{} reference profiles deleted; {} clan volunteers deleted (their consent ran out)",
            done.profiles, done.volunteers
        );
        registry.close().await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::ImportCommand;
    use clap::Subcommand;

    /// `reunite import` has a subcommand for every kind the registry
    /// imports, named by the kind's code, and no other.
    #[test]
    fn every_import_kind_has_its_subcommand() {
        let cmd = ImportCommand::augment_subcommands(clap::Command::new("import"));
        let mut names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        let mut kinds: Vec<&str> = registry::ImportKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        kinds.sort_unstable();
        assert_eq!(names, kinds);
    }
}
