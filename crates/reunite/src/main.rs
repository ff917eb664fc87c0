//! `reunite`: the one binary. Thin glue over the library crates; errors are
//! typed in the libraries and become `anyhow` messages here.

mod bench;
mod demo;
mod lr;
mod registry_cmd;
mod serve;

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
    /// Simulate a database of families and measure the blind search: speed, size, accuracy.
    Bench(bench::BenchArgs),
    /// Import lab files into the registry: frequencies, cases, references, found children, profiles.
    Import(registry_cmd::ImportArgs),
    /// List the candidates (found child x case), best first.
    Matches(registry_cmd::MatchesArgs),
    /// Write a consistent copy of the registry (SQLite).
    Backup(registry_cmd::BackupArgs),
    /// Manage the encryption key.
    #[command(subcommand)]
    Key(registry_cmd::KeyCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(registry_cmd::AuditCommand),
    /// Apply the retention policy.
    #[command(subcommand)]
    Retention(registry_cmd::RetentionCommand),
    /// Serve the web application and the JSON API.
    Serve(serve::ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(serve::UserCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lr(args) => lr::run(*args),
        Command::Demo(args) => demo::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Import(args) => registry_cmd::import(args),
        Command::Matches(args) => registry_cmd::matches(args),
        Command::Backup(args) => registry_cmd::backup(args),
        Command::Key(cmd) => registry_cmd::key(cmd),
        Command::Audit(cmd) => registry_cmd::audit(cmd),
        Command::Retention(cmd) => registry_cmd::retention(cmd),
        Command::Serve(args) => serve::serve(args),
        Command::User(cmd) => serve::user(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
