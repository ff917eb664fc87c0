//! `reunite case delete`: erase a case and everything that belongs to it;
//! `reunite volunteer delete`: a clan volunteer who withdrew his consent.

use anyhow::{Result, bail};
use clap::Subcommand;

use crate::registry_cmd::{DbArgs, cli_actor, open, runtime};

#[derive(Subcommand)]
pub enum CaseCommand {
    /// Erase a case: the case, its references and their genotypes, its
    /// candidates and their review history, its family accounts. The audit
    /// log keeps a record without personal or genetic data.
    Delete {
        case_id: String,
        /// Confirm the erasure (it cannot be undone, except from a backup).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn case(cmd: CaseCommand) -> Result<()> {
    let CaseCommand::Delete { case_id, yes, db } = cmd;
    if !yes {
        bail!(
            "this erases case {case_id} with its references' genotypes and cannot be undone: add --yes to confirm"
        );
    }
    runtime()?.block_on(async {
        let registry = open(&db).await?;
        let done = registry.delete_case(&cli_actor(), &case_id).await;
        registry.close().await;
        let d = done?;
        println!(
            "case {} deleted: {} references, {} profiles, {} candidates ({} review steps), {} family accounts",
            d.case_id, d.references, d.profiles, d.candidates, d.review_events, d.accounts
        );
        if !d.files_cleared {
            eprintln!(
                "note: another process held the database, so the write-ahead log was not truncated yet; it is at the next checkpoint"
            );
        }
        Ok(())
    })
}

/// `reunite volunteer delete`: a clan volunteer who withdrew his consent.
#[derive(Subcommand)]
pub enum VolunteerCommand {
    /// Delete a clan volunteer who withdrew his consent: his record, his Y
    /// haplotype, the cases his clan knows of and his leads. The audit log
    /// keeps the sample name and nothing of him.
    Delete {
        sample_name: String,
        /// Confirm the deletion (it cannot be undone, except from a backup).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn volunteer(cmd: VolunteerCommand) -> Result<()> {
    let VolunteerCommand::Delete {
        sample_name,
        yes,
        db,
    } = cmd;
    if !yes {
        bail!(
            "this deletes clan volunteer {sample_name} with his Y haplotype and leads and cannot be undone: add --yes to confirm"
        );
    }
    runtime()?.block_on(async {
        let registry = open(&db).await?;
        let done = registry.delete_volunteer(&cli_actor(), &sample_name).await;
        registry.close().await;
        done?;
        println!("clan volunteer {sample_name} deleted, with his Y haplotype and leads");
        Ok(())
    })
}
