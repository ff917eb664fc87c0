//! `reunite export`: hand the registry's work out in the formats of the field.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};

use crate::registry_cmd::{DbArgs, cli_actor, open, runtime};

#[derive(Subcommand)]
pub enum ExportCommand {
    /// A candidate (or a kinship case file) as a Familias project (.fam) that
    /// Familias, the Familias R package and pedFamilias open, to check the LR
    /// independently.
    Fam(crate::fam::ExportFamArgs),
    /// The open public alerts as PFIF 1.4 XML for person-finder sites: name,
    /// sex, birth, missing date and approximate place, description; never DNA,
    /// references or contacts.
    Pfif(ExportPfifArgs),
}

pub fn export(cmd: ExportCommand) -> Result<()> {
    match cmd {
        ExportCommand::Fam(args) => crate::fam::export(args),
        ExportCommand::Pfif(args) => pfif(args),
    }
}

#[derive(Args)]
pub struct ExportPfifArgs {
    /// Write the document here (default: standard output).
    #[arg(long)]
    output: Option<PathBuf>,
    /// This registry's domain, the first part of its PFIF record ids (such as
    /// the server's name). It is kept: set it once, before publishing.
    #[arg(long)]
    domain: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

fn pfif(args: ExportPfifArgs) -> Result<()> {
    runtime()?.block_on(async {
        let registry = open(&args.db).await?;
        let actor = cli_actor();
        if let Some(domain) = &args.domain
            && *domain != registry.pfif_domain().await?
        {
            registry.set_pfif_domain(&actor, domain).await?;
            eprintln!("note: this registry's PFIF domain is now {domain}");
        }
        let export = registry.export_pfif(&actor).await?;
        registry.close().await;
        match &args.output {
            Some(path) => std::fs::write(path, &export.xml)
                .with_context(|| format!("{}: cannot write", path.display()))?,
            None => print!("{}", export.xml),
        }
        eprintln!(
            "{} person records of open public alerts (PFIF 1.4, domain {})",
            export.persons, export.domain
        );
        if export.domain == registry::pfif::DEFAULT_DOMAIN {
            eprintln!(
                "note: the record ids use the placeholder domain {}; give --domain with this registry's own name once",
                export.domain
            );
        }
        Ok(())
    })
}
