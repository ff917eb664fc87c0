//! `reunite restore`: a backup back into place, checked before it is used.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use registry::Registry;

use crate::registry_cmd::{DbArgs, cli_actor, runtime};

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup: a `reunite backup` file (SQLite) or a `pg_dump --format=custom` file (PostgreSQL).
    #[arg(long)]
    from: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

pub fn restore(args: RestoreArgs) -> Result<()> {
    runtime()?.block_on(async {
        let report = Registry::restore(args.db.options(cli_actor()), &args.from).await?;
        println!(
            "restored {} from {}: audit log intact ({} entries), {} cases, {} references, {} found children, {} profiles decrypted, {} candidates; {} sessions dropped",
            report.database,
            args.from.display(),
            report.audit_entries,
            report.content.rows("cases"),
            report.content.rows("case_references"),
            report.content.rows("found_children"),
            report.content.rows("profiles"),
            report.content.rows("candidates"),
            report.sessions_dropped,
        );
        if let Some(old) = &report.replaced {
            println!(
                "the registry it replaced is at {}: delete it once you are satisfied (it holds personal data)",
                old.display()
            );
        }
        Ok(())
    })
}
