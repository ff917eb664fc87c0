//! `reunite`: the one binary. Thin glue over the library crates; errors are
//! typed in the libraries and become `anyhow` messages here.

mod bench;
mod bench_lineage;
mod bench_registry;
mod case_cmd;
mod demo;
mod demo_paternal;
mod export;
mod fam;
mod index_cmd;
mod loadtest;
mod lr;
mod lr_text;
mod machine;
mod registry_cmd;
mod restore_cmd;
mod serve;
mod summary;
mod ystr_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reunite finds the families of missing and trafficked children by DNA kinship matching.
#[derive(Parser)]
#[command(name = "reunite", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Likelihood ratio of a kinship case file, or of a standard relationship between two typed persons.
    Lr(Box<lr::LrArgs>),
    /// The main job on a realistic scenario: families, a police operation, matching, a summary.
    Demo(demo::DemoArgs),
    /// Simulate a database of families and measure the blind search: speed, size, accuracy
    /// (`bench registry`: the whole registry, from outside; `bench lineage`: the Y-STR lineage search).
    Bench(bench::BenchArgs),
    /// Load-test the web application on loopback: concurrent logins, listings and candidate pages while imports run.
    Loadtest(loadtest::LoadtestArgs),
    /// Import lab files into the registry: frequencies, cases, references, found children, profiles, PFIF person records.
    Import(registry_cmd::ImportArgs),
    /// Write registry data in the formats of other tools (Familias .fam, PFIF, ...).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// List the candidates (found child x case), best first.
    Matches(registry_cmd::MatchesArgs),
    /// Write a consistent copy of the registry (SQLite; PostgreSQL through pg_dump).
    Backup(registry_cmd::BackupArgs),
    /// Restore a backup, after checking its audit log and key (SQLite: replaces the registry; PostgreSQL: into an empty database).
    Restore(restore_cmd::RestoreArgs),
    /// Manage cases.
    #[command(subcommand)]
    Case(case_cmd::CaseCommand),
    /// Manage clan volunteers (a volunteer who withdrew his consent).
    #[command(subcommand)]
    Volunteer(case_cmd::VolunteerCommand),
    /// Manage the encryption key.
    #[command(subcommand)]
    Key(registry_cmd::KeyCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(registry_cmd::AuditCommand),
    /// Apply the retention policy.
    #[command(subcommand)]
    Retention(registry_cmd::RetentionCommand),
    /// Check the search index against the database.
    #[command(subcommand)]
    Index(index_cmd::IndexCommand),
    /// Serve the web application and the JSON API.
    Serve(serve::ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(serve::UserCommand),
    /// Y-STR haplotypes on the paternal line: population fits, match probabilities, lineage LRs.
    #[command(subcommand)]
    Ystr(ystr_cmd::YstrCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // REUNITE_PORTABLE_KERNEL=1: the search's first pass keeps to its
    // portable loop, to measure here what a CPU without AVX-512 VBMI gets.
    if std::env::var_os("REUNITE_PORTABLE_KERNEL").is_some_and(|v| v == "1") {
        search::set_portable_first_pass(true);
    }
    let result = match cli.command {
        Command::Lr(args) => lr::run(*args),
        Command::Demo(args) => demo::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Loadtest(args) => loadtest::run(args),
        Command::Import(args) => registry_cmd::import(args),
        Command::Export(cmd) => export::export(cmd),
        Command::Matches(args) => registry_cmd::matches(args),
        Command::Backup(args) => registry_cmd::backup(args),
        Command::Restore(args) => restore_cmd::restore(args),
        Command::Case(cmd) => case_cmd::case(cmd),
        Command::Volunteer(cmd) => case_cmd::volunteer(cmd),
        Command::Key(cmd) => registry_cmd::key(cmd),
        Command::Audit(cmd) => registry_cmd::audit(cmd),
        Command::Retention(cmd) => registry_cmd::retention(cmd),
        Command::Index(cmd) => index_cmd::run(cmd),
        Command::Serve(args) => serve::serve(args),
        Command::User(cmd) => serve::user(cmd),
        Command::Ystr(cmd) => ystr_cmd::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
