//! `reunite`: the one binary. Thin glue over the library crates; errors are
//! typed in the libraries and become `anyhow` messages here.

mod bench;
mod lr;

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
    /// Simulate a database of families and measure the blind search: speed, size, accuracy.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Lr(args) => lr::run(*args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
