//! The demo's paternal lines: rescued boys whose family registered only a
//! paternal uncle who gave a Y sample, so that no autosomal search can find
//! them. The population Y database of the repository is imported (its
//! discrete Laplace mixture fitted), the uncles' and boys' Y-STR haplotypes
//! are simulated from it (`sim::lineage`: a grandfather drawn from the
//! mixture, his son the uncle one meiosis below, the boy two, each locus
//! copy mutating at its published rate), the four lab files written as a
//! lab would, imported, and the leads the registry made counted against
//! the truth.

use std::path::Path;

use anyhow::{Context, Result};
use registry::Registry;
use serde_json::{Value, json};
use ystr::lineage::Rates;
use ystr::population::Population;

/// The synthetic Yfiler Plus population of the repository (500 men; see
/// `data/ystr/README.md`).
const POPULATION: &str = include_str!("../../../data/ystr/synthetic_yfilerplus.csv");

/// The random stream of the paternal lines, apart from the scenario's.
const STREAM: u64 = 0x5041_5445_524e; // "PATERN"

/// The demo's paternal-line boys: `boys` of them, each with a paternal
/// uncle registered for his case; then the leads the registry made,
/// measured. None: nothing imported (not even the Y population).
pub async fn run(
    registry: &Registry,
    files: &Path,
    boys: usize,
    seed: u64,
    today: formats::registry_csv::Date,
) -> Result<Value> {
    if boys == 0 {
        return Ok(
            json!({"boys": 0, "found_by_lead": 0, "leads": 0, "leads_to_another_family": 0}),
        );
    }
    let write = |name: &str, text: &str| -> Result<String> {
        let p = files.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
        Ok(p.display().to_string())
    };
    let population_file = write("y-population-yfilerplus.csv", POPULATION)?;
    registry
        .import_haplotypes(
            "demo",
            &population_file,
            POPULATION,
            Some("Synthetic-YfilerPlus"),
            true,
        )
        .await?;
    let db = registry
        .active_haplotype_db()
        .await?
        .context("the Y population database was not stored")?;
    let coordinates = Population::parse(POPULATION, &population_file)?.coordinates;
    let model =
        sim::lineage::LineageModel::new(&coordinates, &Rates::builtin(), db.mixture.mixture())?;
    let mut rng = sim::family_rng(seed, STREAM);
    let born = |years: i32| format!("{}-{:02}-01", today.year() - years, today.month());
    let mut cases = String::from(
        "case_id,child_name,child_sex,child_birth_date_from,child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description\n",
    );
    let mut references = String::from("sample_name,case_id,relationship,person_name,sex\n");
    let mut found = String::from(
        "sample_name,found_id,sex,age_min_days,age_max_days,found_date,found_place,found_lat,found_lon,institution,description\n",
    );
    let mut y = String::from(
        "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1\n",
    );
    for k in 1..=boys {
        let grandfather = model.founder(&mut rng);
        let uncle = model.haplotype(&model.descend(&grandfather, 1, &mut rng));
        let boy = model.haplotype(&model.descend(&grandfather, 2, &mut rng));
        cases.push_str(&format!(
            "PL-{k},,male,{},{},{},,,,\n",
            born(4),
            born(3),
            born(2)
        ));
        references.push_str(&format!("PLU-{k},PL-{k},paternal_uncle,,male\n"));
        found.push_str(&format!("PLB-{k},PB-{k},male,1000,1500,{},,,,,\n", born(0)));
        for (sample, h) in [(format!("PLU-{k}"), &uncle), (format!("PLB-{k}"), &boy)] {
            for (locus, call) in h.calls() {
                let alleles: Vec<String> =
                    call.to_string().split('-').map(str::to_string).collect();
                let mut cells = alleles;
                cells.resize(3, String::new());
                y.push_str(&format!(
                    "{sample}.fsa\t{sample}\tYfilerPlus\t{locus}\tB\t{}\t120.5\t1500\n",
                    cells.join("\t")
                ));
            }
        }
    }
    let cases_file = write("paternal-cases.csv", &cases)?;
    let refs_file = write("paternal-references.csv", &references)?;
    let found_file = write("paternal-found.csv", &found)?;
    let y_file = write("paternal-y-genemapper.txt", &y)?;
    registry.import_cases("demo", &cases_file, &cases).await?;
    registry
        .import_references("demo", &refs_file, &references)
        .await?;
    registry.import_found("demo", &found_file, &found).await?;
    registry
        .import_profiles(
            "demo",
            &y_file,
            &y,
            Some("Demo lab"),
            Some("Yfiler Plus"),
            &|_, _| {},
        )
        .await?;
    let leads = registry.lineage_leads("demo").await?;
    let found_by_lead = (1..=boys)
        .filter(|k| {
            let (boy, case) = (format!("PB-{k}"), format!("PL-{k}"));
            // His best lead is his own family's.
            leads
                .iter()
                .find(|l| l.found_id == boy)
                .is_some_and(|l| l.case_id == case)
        })
        .count();
    let wrong = leads
        .iter()
        .filter(|l| l.found_id.strip_prefix("PB-") != l.case_id.strip_prefix("PL-"))
        .count();
    Ok(json!({
        "boys": boys,
        "found_by_lead": found_by_lead,
        "leads": leads.len(),
        "leads_to_another_family": wrong,
        "haplotype_database": format!("{} v{}", db.name, db.version),
    }))
}
