//! `reunite index check`: the search index rebuilt from the database,
//! compared with the stored candidates (after a crash, a restore, or to
//! audit the matching).

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::registry_cmd::{DbArgs, cli_actor, open, runtime};

#[derive(Subcommand)]
pub enum IndexCommand {
    /// Rebuild the search index from the database and check every stored candidate against it.
    Check {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(cmd: IndexCommand) -> Result<()> {
    let IndexCommand::Check { json, db } = cmd;
    runtime()?.block_on(async {
        let registry = open(&db).await?;
        let check = registry.check_index(&cli_actor()).await?;
        registry.close().await;
        if json {
            println!("{}", serde_json::to_string_pretty(&check)?);
        } else {
            println!(
                "search index rebuilt from the database: {} cases and {} found children indexed (frequency database {})",
                check.cases_indexed,
                check.children_indexed,
                check.frequency_database.as_deref().unwrap_or("none")
            );
            println!(
                "{} stored candidates: {} reproduced exactly, {} computed under an earlier frequency table, {} no longer scorable, {} differ",
                check.candidates,
                check.reproduced,
                check.earlier_table,
                check.unscorable,
                check.differing.len()
            );
            for d in &check.differing {
                println!(
                    "  differs: {} x {}: stored log10 LR {:.6}, rebuilt {}: {}",
                    d.found_id,
                    d.case_id,
                    d.stored_log10_lr,
                    d.rebuilt_log10_lr
                        .map(|l| format!("{l:.6}"))
                        .unwrap_or_else(|| "none".into()),
                    d.reason
                );
            }
            for d in &check.live_differences {
                println!("  live index: {d}");
            }
            match &check.snapshot {
                None => println!("index snapshot: none (the next process builds the index from the rows and writes one)"),
                Some(s) if s.stale => println!(
                    "index snapshot of change {}: too old to bring up to date (the next process builds the index from the rows and writes it anew)",
                    s.change
                ),
                Some(s) => match &s.unreadable {
                    Some(reason) => println!("index snapshot of change {}: unusable: {reason}", s.change),
                    None if s.agrees => println!(
                        "index snapshot of change {} with the {} cases and found children changed since: answers every search as the rebuilt index",
                        s.change, s.changes_after
                    ),
                    None => {
                        println!("index snapshot of change {}: differs from the rebuilt index", s.change);
                        for d in &s.differences {
                            println!("  index snapshot: {d}");
                        }
                    }
                },
            }
            match &check.lineage_snapshot {
                None => println!("lineage snapshot: none (the next paternal-line search builds the lineage indexes from the rows and writes one)"),
                Some(s) if s.stale => println!(
                    "lineage snapshot of changes {}: too old to bring up to date (the next paternal-line search builds the lineage indexes from the rows and writes it anew)",
                    s.changes
                ),
                Some(s) => match &s.unreadable {
                    Some(reason) => println!("lineage snapshot: unusable: {reason}"),
                    None if s.agrees => println!(
                        "lineage snapshot of changes {} ({} men and boys) with the {} Y haplotypes changed since: holds the same haplotypes as the lineage indexes rebuilt from the database",
                        s.changes, s.men, s.changes_after
                    ),
                    None => {
                        println!("lineage snapshot of changes {}: differs from the lineage indexes rebuilt from the database", s.changes);
                        for d in &s.differences {
                            println!("  lineage snapshot: {d}");
                        }
                    }
                },
            }
            if check.not_stored.is_empty() {
                println!("matching every profile again would keep no pair that is not stored");
            } else {
                println!(
                    "matching every profile again would also keep {} pairs not stored (profiles that arrived over time can leave a weak match of an older search out):",
                    check.not_stored.len()
                );
                for p in check.not_stored.iter().take(20) {
                    println!(
                        "  {} x {}: log10 LR {:.2}",
                        p.found_id, p.case_id, p.log10_lr
                    );
                }
            }
        }
        if !check.agrees() {
            bail!(
                "the stored candidates, the live index, the index snapshot or the lineage snapshot disagree with the indexes rebuilt from the database"
            );
        }
        Ok(())
    })
}
