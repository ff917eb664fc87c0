//! The demo's paternal lines: rescued boys whose family registered only a
//! paternal uncle who gave a Y sample, so that no autosomal search can find
//! them. The population Y database of the repository is imported (its
//! discrete Laplace mixture fitted), the uncles' and boys' Y-STR haplotypes
//! are simulated from it (`sim::lineage`: a grandfather drawn from the
//! mixture, his son the uncle one meiosis below, the boy two, each locus
//! copy mutating at its published rate), the four lab files written as a
//! lab would, imported, and the leads the registry made counted against
//! the truth.
//!
//! Then the clan boys: rescued boys whose family never registered at all,
//! but two men of whose father's clan gave Y samples as clan volunteers
//! (their surname and ancestral village, their consent): one two meioses
//! below the clan's forefather, one three, the boy two (four and five
//! meioses from him). The volunteers' leads are counted against the truth.

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

/// The clans of the demo's volunteers: (surname, ancestral place) in
/// English and in Chinese.
const CLANS: [(&str, &str, &str, &str); 6] = [
    (
        "Li",
        "Lijiazhuang, Shenqiu County, Henan",
        "李",
        "河南省沈丘县李家庄",
    ),
    (
        "Wang",
        "Wangjiacun, Lixin County, Anhui",
        "王",
        "安徽省利辛县王家村",
    ),
    (
        "Zhang",
        "Zhangzhai, Yunxi County, Hubei",
        "张",
        "湖北省郧西县张寨",
    ),
    (
        "Chen",
        "Chenwan, Huidong County, Sichuan",
        "陈",
        "四川省会东县陈湾",
    ),
    (
        "Liu",
        "Liujiagou, Zhen'an County, Shaanxi",
        "刘",
        "陕西省镇安县刘家沟",
    ),
    (
        "Yang",
        "Yangjiaping, Luquan County, Yunnan",
        "杨",
        "云南省禄劝县杨家坪",
    ),
];

/// The demo's paternal-line boys: `boys` of them, each with a paternal
/// uncle registered for his case, and `clan_boys` found through clan
/// volunteers; then the leads the registry made, measured. None of either:
/// nothing imported (not even the Y population).
pub async fn run(
    registry: &Registry,
    files: &Path,
    (boys, clan_boys): (usize, usize),
    (seed, locale): (u64, sim::Locale),
    today: formats::registry_csv::Date,
) -> Result<Value> {
    if boys == 0 && clan_boys == 0 {
        return Ok(json!({
            "boys": 0, "found_by_lead": 0, "leads": 0, "leads_to_another_family": 0,
            "clan_boys": 0, "found_by_volunteer": 0, "volunteer_leads": 0,
            "volunteer_leads_to_another_clan": 0,
        }));
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
    let lab_rows = |y: &mut String, sample: &str, h: &ystr::Haplotype| {
        for (locus, call) in h.calls() {
            let mut cells: Vec<String> = call.to_string().split('-').map(str::to_string).collect();
            cells.resize(3, String::new());
            y.push_str(&format!(
                "{sample}.fsa\t{sample}\tYfilerPlus\t{locus}\tB\t{}\t120.5\t1500\n",
                cells.join("\t")
            ));
        }
    };
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
        lab_rows(&mut y, &format!("PLU-{k}"), &uncle);
        lab_rows(&mut y, &format!("PLB-{k}"), &boy);
    }
    // The clan boys: no family registered; two volunteers of his clan.
    let mut volunteers = String::from(
        "sample_name,surname,ancestral_place,person_name,consent_date,keep_until,known_cases\n",
    );
    let consent = format!("{}-{:02}-01", today.year() - 1, today.month());
    let keep_until = format!("{}-{:02}-01", today.year() + 20, today.month());
    for k in 1..=clan_boys {
        let forefather = model.founder(&mut rng);
        let (en_surname, en_place, zh_surname, zh_place) = CLANS[(k - 1) % CLANS.len()];
        let (surname, place) = match locale {
            sim::Locale::ZhCn => (zh_surname, zh_place),
            _ => (en_surname, en_place),
        };
        for (v, meioses) in [(1, 2), (2, 3)] {
            let man = model.haplotype(&model.descend(&forefather, meioses, &mut rng));
            let sample = format!("CV-{k}-{v}");
            volunteers.push_str(&format!(
                "{sample},{surname},\"{place}\",,{consent},{keep_until},\n"
            ));
            lab_rows(&mut y, &sample, &man);
        }
        let boy = model.haplotype(&model.descend(&forefather, 2, &mut rng));
        found.push_str(&format!("CLB-{k},CB-{k},male,1000,1500,{},,,,,\n", born(0)));
        lab_rows(&mut y, &format!("CLB-{k}"), &boy);
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
    if clan_boys > 0 {
        let volunteers_file = write("clan-volunteers.csv", &volunteers)?;
        registry
            .import_volunteers("demo", &volunteers_file, &volunteers)
            .await?;
    }
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
    let volunteer_leads = registry.volunteer_leads("demo").await?;
    // A clan boy's lead is his own clan's when the volunteer is CV-k-*.
    let own = |l: &registry::VolunteerLead| {
        let clan = l
            .volunteer_sample
            .strip_prefix("CV-")
            .and_then(|s| s.split('-').next());
        l.found_id.strip_prefix("CB-") == clan
    };
    let found_by_volunteer = (1..=clan_boys)
        .filter(|k| {
            let boy = format!("CB-{k}");
            volunteer_leads
                .iter()
                .find(|l| l.found_id == boy)
                .is_some_and(own)
        })
        .count();
    Ok(json!({
        "boys": boys,
        "found_by_lead": found_by_lead,
        "leads": leads.len(),
        "leads_to_another_family": wrong,
        "clan_boys": clan_boys,
        "found_by_volunteer": found_by_volunteer,
        "volunteer_leads": volunteer_leads.len(),
        "volunteer_leads_to_another_clan": volunteer_leads.iter().filter(|l| !own(l)).count(),
        "haplotype_database": format!("{} v{}", db.name, db.version),
    }))
}
