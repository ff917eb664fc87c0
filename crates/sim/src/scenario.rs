//! A whole missing-children scenario as the lab files a registry imports:
//! registered missing-child cases with their references (relatives who gave
//! DNA), the children rescued in one police operation, and a GeneMapper ID-X
//! genotype table of everybody, with the truth (which rescued child belongs to
//! which family) kept aside.
//!
//! Everything is made up: names, towns (with invented coordinates),
//! institutions and descriptions come from short fixed lists. Nothing is read
//! or written here; the file contents are returned as strings.

use std::fmt::Write as _;

use kinship::{IndexGenotype, MarkerModel, Relative, Sex};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Configuration, Founders, Sampler, SimError, SimulatedFamily, family};

/// What to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioSpec {
    /// Registered missing-child cases, e.g. 2000.
    pub families: usize,
    /// Rescued (found) children, e.g. 89.
    pub rescued: usize,
    /// How many of the rescued children are the missing child of a registered
    /// family (each of a different family), e.g. 80; the others are unrelated
    /// to every family.
    pub rescued_with_family: usize,
    /// The seed of every random choice.
    pub seed: u64,
    /// The date of the police operation (the found date of every rescued
    /// child), year, month, day: the latest date in the files.
    pub today: (i32, u32, u32),
}

impl Default for ScenarioSpec {
    /// 2000 families, 89 rescued children of whom 80 have a registered family,
    /// seed 1, operation on 2026-11-20.
    fn default() -> ScenarioSpec {
        ScenarioSpec {
            families: 2000,
            rescued: 89,
            rescued_with_family: 80,
            seed: 1,
            today: (2026, 11, 20),
        }
    }
}

impl ScenarioSpec {
    /// Checks the spec: `rescued_with_family` at most `rescued` and at most
    /// `families`, `today` a real date in the years 1900 to 9999.
    pub fn validate(&self) -> Result<(), String> {
        if self.rescued_with_family > self.rescued {
            return Err(format!(
                "rescued_with_family ({}) is more than rescued ({})",
                self.rescued_with_family, self.rescued
            ));
        }
        if self.rescued_with_family > self.families {
            return Err(format!(
                "rescued_with_family ({}) is more than families ({})",
                self.rescued_with_family, self.families
            ));
        }
        let (y, m, d) = self.today;
        if !(1900..=9999).contains(&y) || day_number(y, m, d).is_none() {
            return Err(format!("today {y:04}-{m:02}-{d:02} is not a date"));
        }
        Ok(())
    }
}

/// The header of [`Scenario::cases_csv`].
pub const SCENARIO_CASES_HEADER: &str = "case_id,child_name,child_sex,child_birth_date_from,\
child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description";
/// The header of [`Scenario::references_csv`].
pub const SCENARIO_REFERENCES_HEADER: &str = "sample_name,case_id,relationship,person_name,sex";
/// The header of [`Scenario::found_csv`].
pub const SCENARIO_FOUND_HEADER: &str = "sample_name,found_id,sex,age_min_days,age_max_days,\
found_date,found_place,found_lat,found_lon,institution,description";
/// The header of [`Scenario::profiles_tsv`] (tab-separated).
pub const SCENARIO_PROFILES_HEADER: &str = "Sample File\tSample Name\tPanel\tMarker\tDye\t\
Allele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1";

/// A simulated scenario: the four files a registry imports and the truth.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The missing-child cases, one row per family ([`SCENARIO_CASES_HEADER`]).
    pub cases_csv: String,
    /// The references of every case ([`SCENARIO_REFERENCES_HEADER`]).
    pub references_csv: String,
    /// The rescued children ([`SCENARIO_FOUND_HEADER`]).
    pub found_csv: String,
    /// The GeneMapper ID-X genotype table of every reference and every rescued
    /// child ([`SCENARIO_PROFILES_HEADER`]).
    pub profiles_tsv: String,
    /// One entry per rescued child, in the order of `found_csv`.
    pub truth: Vec<FoundTruth>,
    /// The configuration of every case, in the order of `cases_csv`.
    pub configurations: Vec<(String, Configuration)>,
}

/// Who a rescued child really is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundTruth {
    /// The found id, as in `found_csv`.
    pub found_id: String,
    /// The sample name, as in `found_csv` and `profiles_tsv`.
    pub sample_name: String,
    /// The case whose missing child this is, or `None` for a child unrelated
    /// to every registered family.
    pub case_id: Option<String>,
    /// The configuration of that case.
    pub configuration: Option<Configuration>,
}

/// Simulates a scenario (see the module documentation).
///
/// - Cases: 40% [`Configuration::BothParents`], 40% `OneParent`, 10%
///   `ParentAndSiblings`, 10% `Grandparents` (shuffled), simulated by
///   [`family`]. Founders are people of `pool` (each used at most once, so no
///   two families are related) while any remain, then drawn from the allele
///   frequencies.
/// - Rescued children: `rescued_with_family` are the true missing children of
///   distinct random cases (with mutation as the models say), the others fresh
///   founders (from the pool while it lasts). Each is 10 days to 4 years old on
///   the operation day; the found file gives an estimated age range that holds
///   the true age.
/// - The case facts agree with the truth: a true child's birth-date range holds
///   its birth date and it went missing between its birth and the operation,
///   within about 300 km of where it was found.
///
/// The result depends only on the models, the pool and the spec.
///
/// # Errors
/// [`SimError::PoolMarkers`] or [`SimError::PoolAllele`] if a pool person does
/// not fit the models.
///
/// # Panics
/// If the spec is invalid (see [`ScenarioSpec::validate`]).
pub fn scenario(
    models: &[MarkerModel],
    pool: &[Vec<Option<IndexGenotype>>],
    spec: &ScenarioSpec,
) -> Result<Scenario, SimError> {
    if let Err(e) = spec.validate() {
        panic!("invalid scenario spec: {e}");
    }
    let (year, month, day) = spec.today;
    let today = day_number(year, month, day).expect("a valid spec's today is a date");
    let mut choices = stream(spec.seed, 0);
    let mut dna = stream(spec.seed, 1);
    let mut facts = stream(spec.seed, 2);
    let mut lab = stream(spec.seed, 3);

    // The families.
    let configs = configuration_mix(spec.families, &mut choices);
    let mut pooled = Some(Sampler::with_founders(models, Founders::Pool(pool))?);
    let mut plain = Sampler::new(models);
    let mut families: Vec<SimulatedFamily> = Vec::with_capacity(spec.families);
    for &config in &configs {
        let simulated = match pooled.as_mut().map(|s| family(s, config, &mut dna)) {
            Some(Ok(f)) => f,
            Some(Err(SimError::PoolExhausted { .. })) | None => {
                // The pool persons drawn for a family that could not be
                // finished are left unused.
                pooled = None;
                family(&mut plain, config, &mut dna)?
            }
            Some(Err(e)) => return Err(e),
        };
        families.push(simulated);
    }

    // The rescued children: which family each belongs to, in found-id order.
    let mut order: Vec<usize> = (0..spec.families).collect();
    for i in 0..spec.rescued_with_family {
        let j = choices.random_range(i..spec.families);
        order.swap(i, j);
    }
    let mut belongs: Vec<Option<usize>> = order[..spec.rescued_with_family]
        .iter()
        .copied()
        .map(Some)
        .chain(std::iter::repeat_n(
            None,
            spec.rescued - spec.rescued_with_family,
        ))
        .collect();
    shuffle(&mut belongs, &mut choices);
    let mut unrelated = Vec::with_capacity(spec.rescued - spec.rescued_with_family);
    for _ in spec.rescued_with_family..spec.rescued {
        unrelated.push(fresh_founder(&mut pooled, &plain, &mut dna)?);
    }

    let case_ids: Vec<String> = (1..=spec.families)
        .map(|i| format!("MC-{year}-{i:05}"))
        .collect();
    let configurations: Vec<(String, Configuration)> = case_ids
        .iter()
        .cloned()
        .zip(configs.iter().copied())
        .collect();

    // Facts of the rescued children, and of the cases of the true ones.
    let mut case_of_found: Vec<Option<TrueFacts>> = vec![None; spec.families];
    let mut found_csv = String::with_capacity(160 * (spec.rescued + 1));
    found_csv.push_str(SCENARIO_FOUND_HEADER);
    found_csv.push('\n');
    let mut truth = Vec::with_capacity(spec.rescued);
    let mut found_samples: Vec<(String, Sex, &[IndexGenotype])> = Vec::with_capacity(spec.rescued);
    let mut unrelated_iter = unrelated.iter();
    for (k, belong) in belongs.iter().enumerate() {
        let found_id = format!("FC-{year}-{:03}", k + 1);
        let sample = format!("FS-{:03}", k + 1);
        let age = facts.random_range(10..=4 * 365 + 1) as i64;
        let birth = today - age;
        let (sex, genotypes, place) = match *belong {
            Some(f) => {
                let fam = &families[f];
                let missing = birth + facts.random_range(0..age);
                let missing_town = facts.random_range(0..TOWNS.len());
                let near: Vec<usize> = (0..TOWNS.len())
                    .filter(|&t| distance_km(TOWNS[t], TOWNS[missing_town]) <= 300.0)
                    .collect();
                let found_town = near[facts.random_range(0..near.len())];
                case_of_found[f] = Some(TrueFacts {
                    birth,
                    missing,
                    town: missing_town,
                });
                (fam.child_sex, fam.child.as_slice(), found_town)
            }
            None => {
                let sex = if facts.random_bool(0.5) {
                    Sex::Male
                } else {
                    Sex::Female
                };
                let g = unrelated_iter
                    .next()
                    .expect("one founder per unrelated child");
                (sex, g.as_slice(), facts.random_range(0..TOWNS.len()))
            }
        };
        let (age_min, age_max) = age_estimate(age, &mut facts);
        let (lat, lon) = jitter(TOWNS[place], &mut facts);
        let institution = INSTITUTIONS[facts.random_range(0..INSTITUTIONS.len())];
        let description = pick(FOUND_DESCRIPTIONS, &mut facts);
        writeln!(
            found_csv,
            "{sample},{found_id},{},{age_min},{age_max},{},{},{lat:.4},{lon:.4},{},{}",
            sex.name(),
            date(today),
            csv(TOWNS[place].0),
            csv(institution),
            csv(description),
        )
        .expect("writing to a String");
        truth.push(FoundTruth {
            found_id,
            sample_name: sample.clone(),
            case_id: belong.map(|f| case_ids[f].clone()),
            configuration: belong.map(|f| configs[f]),
        });
        found_samples.push((sample, sex, genotypes));
    }

    // The cases and their references.
    let mut cases_csv = String::with_capacity(150 * (spec.families + 1));
    cases_csv.push_str(SCENARIO_CASES_HEADER);
    cases_csv.push('\n');
    let mut references_csv = String::with_capacity(70 * (3 * spec.families + 1));
    references_csv.push_str(SCENARIO_REFERENCES_HEADER);
    references_csv.push('\n');
    let mut reference_samples: Vec<(String, Sex, &[IndexGenotype])> =
        Vec::with_capacity(3 * spec.families);
    for (f, fam) in families.iter().enumerate() {
        let case_id = &case_ids[f];
        let known = case_of_found[f].unwrap_or_else(|| {
            let missing = today - facts.random_range(0..=6 * 365 + 1) as i64;
            TrueFacts {
                birth: missing - facts.random_range(0..=4 * 365 + 1) as i64,
                missing,
                town: facts.random_range(0..TOWNS.len()),
            }
        });
        let (from, to) = if facts.random_bool(0.6) {
            (known.birth, known.birth)
        } else {
            (
                known.birth - facts.random_range(0..=60) as i64,
                (known.birth + facts.random_range(0..=60) as i64).min(known.missing),
            )
        };
        let surname = SURNAMES[facts.random_range(0..SURNAMES.len())];
        let maternal = SURNAMES[facts.random_range(0..SURNAMES.len())];
        let child_name = format!("{} {surname}", first_name(fam.child_sex, &mut facts));
        let (lat, lon) = jitter(TOWNS[known.town], &mut facts);
        let description = if facts.random_bool(0.8) {
            pick(CASE_DESCRIPTIONS, &mut facts)
        } else {
            ""
        };
        writeln!(
            cases_csv,
            "{case_id},{},{},{},{},{},{},{lat:.4},{lon:.4},{}",
            csv(&child_name),
            fam.child_sex.name(),
            date(from),
            date(to),
            date(known.missing),
            csv(TOWNS[known.town].0),
            csv(description),
        )
        .expect("writing to a String");
        for (r, g) in fam.references.iter().zip(&fam.reference_genotypes) {
            let sample = format!("RS-{:05}-{}", f + 1, reference_suffix(r.relative, &r.id));
            let family_name = if matches!(
                r.relative,
                Relative::MaternalGrandfather | Relative::MaternalGrandmother
            ) {
                maternal
            } else {
                surname
            };
            let person = format!("{} {family_name}", first_name(r.sex, &mut facts));
            writeln!(
                references_csv,
                "{sample},{case_id},{},{},{}",
                r.relative.name(),
                csv(&person),
                r.sex.name()
            )
            .expect("writing to a String");
            reference_samples.push((sample, r.sex, g.as_slice()));
        }
    }

    let profiles_tsv = profiles(
        models,
        &reference_samples,
        &found_samples,
        spec.today,
        &mut lab,
    );
    Ok(Scenario {
        cases_csv,
        references_csv,
        found_csv,
        profiles_tsv,
        truth,
        configurations,
    })
}

/// The facts of a case fixed by the truth (days since 1970-01-01).
#[derive(Debug, Clone, Copy)]
struct TrueFacts {
    birth: i64,
    missing: i64,
    town: usize,
}

/// Generator `index` of a scenario: ChaCha8 seeded by `seed`, on its own
/// stream, so that each part of the scenario draws independently.
fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
}

/// `n` configurations: 40% both parents, 40% one parent, 10% parent and
/// siblings, the rest (10%) grandparents, in random order.
fn configuration_mix<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<Configuration> {
    let both = n * 4 / 10;
    let one = n * 4 / 10;
    let siblings = n / 10;
    let mut configs = Vec::with_capacity(n);
    configs.extend(std::iter::repeat_n(Configuration::BothParents, both));
    configs.extend(std::iter::repeat_n(Configuration::OneParent, one));
    configs.extend(std::iter::repeat_n(
        Configuration::ParentAndSiblings,
        siblings,
    ));
    configs.extend(std::iter::repeat_n(
        Configuration::Grandparents,
        n - both - one - siblings,
    ));
    shuffle(&mut configs, rng);
    configs
}

/// A person unrelated to everybody: from the pool while it lasts, else from
/// the frequencies.
fn fresh_founder<R: Rng + ?Sized>(
    pooled: &mut Option<Sampler<'_>>,
    plain: &Sampler<'_>,
    rng: &mut R,
) -> Result<Vec<IndexGenotype>, SimError> {
    if let Some(sampler) = pooled.as_mut() {
        match sampler.founder(rng) {
            Ok(g) => return Ok(g),
            Err(SimError::PoolExhausted { .. }) => *pooled = None,
            Err(e) => return Err(e),
        }
    }
    Ok(plain.frequency_founder(rng))
}

/// An estimated age range in days holding the true `age`: around an estimate
/// off by up to 10%, widened by 15% of it and at least 30 days, not below 0.
fn age_estimate<R: Rng + ?Sized>(age: i64, rng: &mut R) -> (i64, i64) {
    let estimate = age as f64 * (1.0 + rng.random_range(-0.1..0.1));
    let margin = (0.15 * estimate).max(30.0);
    let min = ((estimate - margin).round() as i64).clamp(0, age);
    let max = ((estimate + margin).round() as i64).max(age);
    (min, max)
}

/// The suffix of a reference's sample name: `F`, `M`, `S1`.., `PGF`, ...
fn reference_suffix(relative: Relative, id: &str) -> String {
    match relative {
        Relative::Father => "F".into(),
        Relative::Mother => "M".into(),
        Relative::FullSibling => format!("S{}", id.trim_start_matches("sibling")),
        Relative::PaternalGrandfather => "PGF".into(),
        Relative::PaternalGrandmother => "PGM".into(),
        Relative::MaternalGrandfather => "MGF".into(),
        Relative::MaternalGrandmother => "MGM".into(),
        other => other.name().replace('_', "-"),
    }
}

// ---------------------------------------------------------------------------
// The genotype table

/// Dyes of a five-dye kit, marker after marker.
const DYES: [&str; 5] = ["6-FAM", "VIC", "NED", "TAZ", "SID"];
/// The usual kit, and the smaller one some references were typed with.
const PANEL: &str = "Kit24_Panels_v1X";
const SMALL_PANEL: &str = "Kit16_Panels_v1X";

/// Another spelling of a marker that some labs write.
fn alias(name: &str) -> Option<&'static str> {
    Some(match name {
        "vWA" => "VWA",
        "Penta D" => "PENTA_D",
        "Penta E" => "PENTA_E",
        "CSF1PO" => "CSF1P0",
        "TH01" => "THO1",
        _ => return None,
    })
}

/// The GeneMapper ID-X table of the references, then the rescued children.
/// About 3% of the references were typed with a smaller kit (4 to 6 markers
/// fewer, when there are at least 10); every fifth sample writes markers with
/// common aliases; half of the homozygotes repeat allele 1, half leave allele 2
/// empty.
fn profiles<R: Rng + ?Sized>(
    models: &[MarkerModel],
    references: &[(String, Sex, &[IndexGenotype])],
    found: &[(String, Sex, &[IndexGenotype])],
    today: (i32, u32, u32),
    rng: &mut R,
) -> String {
    let k = models.len();
    let samples = references.len() + found.len();
    let mut out = String::with_capacity(samples * (k + 1) * 80 + 100);
    out.push_str(SCENARIO_PROFILES_HEADER);
    out.push('\n');
    let dye = |j: usize| DYES[(j * DYES.len() / k.max(1)).min(DYES.len() - 1)];
    let run = format!("{:04}{:02}{:02}", today.0, today.1, today.2);
    let mut homozygotes = 0usize;
    let mut dropped = vec![false; k];
    let is_reference = (0..references.len()).map(|_| true);
    let is_found = (0..found.len()).map(|_| false);
    for (n, ((sample, sex, genotypes), reference)) in references
        .iter()
        .chain(found)
        .zip(is_reference.chain(is_found))
        .enumerate()
    {
        dropped.fill(false);
        let small = reference && k >= 10 && rng.random_bool(0.03);
        if small {
            let drop = rng.random_range(4..=6);
            let mut at: Vec<usize> = (0..k).collect();
            for i in 0..drop {
                let j = rng.random_range(i..k);
                at.swap(i, j);
                dropped[at[i]] = true;
            }
        }
        let panel = if small { SMALL_PANEL } else { PANEL };
        let aliases = n % 5 == 4;
        let well = format!("{}{:02}", char::from(b'A' + (n % 8) as u8), n / 8 % 12 + 1);
        let file = format!("{sample}_{well}_{run}.hid");
        let amelogenin = if *sex == Sex::Male { "Y" } else { "X" };
        let amel_name = if aliases { "AMEL" } else { "Amelogenin" };
        let height: u32 = rng.random_range(800..6000);
        writeln!(
            out,
            "{file}\t{sample}\t{panel}\t{amel_name}\t{}\tX\t{amelogenin}\t\t{:.2}\t{height}",
            DYES[0],
            rng.random_range(98.0..100.0)
        )
        .expect("writing to a String");
        for (j, (model, &(a, b))) in models.iter().zip(genotypes.iter()).enumerate() {
            if dropped[j] {
                continue;
            }
            let name = model.name();
            let name = if aliases {
                alias(name).unwrap_or(name)
            } else {
                name
            };
            let alleles = model.frequencies().alleles();
            let first = alleles[a];
            let second = if a != b {
                alleles[b].to_string()
            } else {
                homozygotes += 1;
                if homozygotes.is_multiple_of(2) {
                    first.to_string()
                } else {
                    String::new()
                }
            };
            let size =
                100.0 + 45.0 * (j % 6) as f64 + 4.0 * first.value() + rng.random_range(-0.4..0.4);
            let height: u32 = rng.random_range(600..8000);
            writeln!(
                out,
                "{file}\t{sample}\t{panel}\t{name}\t{}\t{first}\t{second}\t\t{size:.2}\t{height}",
                dye(j)
            )
            .expect("writing to a String");
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Dates: days since 1970-01-01 in the proleptic Gregorian calendar

/// 1970-01-01, the day the scenario's day numbers count from.
const UNIX_EPOCH_DAY: jiff::civil::Date = jiff::civil::Date::constant(1970, 1, 1);

/// The days from 1970-01-01 to a date, if it is one (of the years -9999 to 9999).
fn day_number(year: i32, month: u32, day: u32) -> Option<i64> {
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    Some(i64::from(date.since(UNIX_EPOCH_DAY).ok()?.get_days()))
}

/// `YYYY-MM-DD` of the day `days` days after 1970-01-01.
fn date(days: i64) -> String {
    UNIX_EPOCH_DAY
        .checked_add(jiff::Span::new().days(days))
        .expect("a day of the years the scenario's dates are in")
        .to_string()
}

// ---------------------------------------------------------------------------
// Made-up facts

/// A CSV field, quoted if it holds a comma or a quote.
fn csv(text: &str) -> String {
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn pick<R: Rng + ?Sized>(list: &[&'static str], rng: &mut R) -> &'static str {
    list[rng.random_range(0..list.len())]
}

fn first_name<R: Rng + ?Sized>(sex: Sex, rng: &mut R) -> &'static str {
    match sex {
        Sex::Male => pick(MALE_NAMES, rng),
        _ => pick(FEMALE_NAMES, rng),
    }
}

/// A point a few kilometres from a town.
fn jitter<R: Rng + ?Sized>(town: Town, rng: &mut R) -> (f64, f64) {
    (
        town.1 + rng.random_range(-0.03..0.03),
        town.2 + rng.random_range(-0.03..0.03),
    )
}

/// Great-circle distance between two towns.
fn distance_km(a: Town, b: Town) -> f64 {
    let (la, lb) = (a.1.to_radians(), b.1.to_radians());
    let dlat = lb - la;
    let dlon = (b.2 - a.2).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// A made-up town: name, latitude, longitude.
type Town = (&'static str, f64, f64);

const TOWNS: &[Town] = &[
    ("Aldermere", 14.20, 38.10),
    ("Brackenford", 14.85, 38.95),
    ("Cindervale", 13.40, 37.20),
    ("Dunmarrow", 15.60, 39.80),
    ("Elderbrook", 12.70, 39.40),
    ("Fennick Cross", 16.30, 37.60),
    ("Gallowmere", 13.10, 40.60),
    ("Hollinsby", 17.05, 39.10),
    ("Istowel Vale", 11.90, 37.90),
    ("Juniper Flats", 15.10, 41.30),
    ("Kestrelwick", 17.80, 40.70),
    ("Larkhollow", 12.30, 41.80),
    ("Marrowby", 16.70, 42.20),
    ("Netherglen", 18.40, 38.20),
    ("Orrindale", 11.20, 40.20),
    ("Pellmoor", 14.60, 42.90),
    ("Quillstone", 19.10, 41.00),
    ("Rookhallow", 10.60, 38.60),
    ("Sablecombe", 13.80, 43.60),
    ("Tamberlow", 17.50, 43.40),
];

const INSTITUTIONS: &[&str] = &[
    "Lantern House Children's Home",
    "Bright Harbour Orphanage",
    "Willowgate Child Welfare Centre",
    "Sunrise Foster Shelter",
    "Greenacre Infant Home",
    "Safe Haven Children's Village",
];

const FEMALE_NAMES: &[&str] = &[
    "Amara", "Lina", "Sofia", "Maya", "Nadia", "Elena", "Yara", "Ines", "Leila", "Mira", "Talia",
    "Zara", "Noor", "Hana", "Clara", "Rosa",
];

const MALE_NAMES: &[&str] = &[
    "Omar", "Leo", "Ravi", "Tomas", "Daniel", "Kian", "Mateo", "Samir", "Elias", "Jonah", "Arlo",
    "Nico", "Idris", "Felix", "Yusuf", "Marco",
];

const SURNAMES: &[&str] = &[
    "Ashvale",
    "Brennock",
    "Caldrow",
    "Denholt",
    "Everleigh",
    "Farrowby",
    "Grennan",
    "Halvorsk",
    "Ilvane",
    "Jessamy",
    "Korrin",
    "Lothwell",
    "Mereday",
    "Norwick",
    "Ostrell",
    "Pellingham",
    "Quarrie",
    "Rundell",
    "Sallowmere",
    "Tiberlane",
    "Umbridge-Fane",
    "Vantrell",
    "Wexcombe",
    "Yarrowby",
];

const CASE_DESCRIPTIONS: &[&str] = &[
    "small scar on left hand",
    "birthmark on right shoulder",
    "pierced ears",
    "curly dark hair",
    "mole above left eyebrow",
    "last seen in a blue pushchair",
    "last seen wearing a red jacket",
    "taken from a market stall",
    "missing from home at night",
    "has a small burn mark on the left forearm",
    "speaks a few words; calls the mother Mama",
    "born with a tooth; gap between front teeth",
];

const FOUND_DESCRIPTIONS: &[&str] = &[
    "rescued in a police operation; in good health",
    "slightly underweight; otherwise healthy",
    "small scar on chin",
    "found with a yellow blanket",
    "responds to a nickname",
    "birthmark on lower back",
    "shy; speaks a few words",
    "pierced ears",
];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use kinship::MutationModel;

    use super::*;
    use crate::synthetic_models;

    fn spec(families: usize, rescued: usize, with_family: usize, seed: u64) -> ScenarioSpec {
        ScenarioSpec {
            families,
            rescued,
            rescued_with_family: with_family,
            seed,
            today: (2026, 11, 20),
        }
    }

    /// The records after the header of a CSV text (`sep` a comma) or a
    /// GeneMapper table (a tab), read with the `csv` crate: a quoted field
    /// may hold the separator.
    fn records(text: &str, sep: u8) -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new()
            .delimiter(sep)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .collect::<Result<_, _>>()
            .expect("a well-formed table")
    }

    /// The fields of each record.
    fn rows(records: &[csv::StringRecord]) -> Vec<Vec<&str>> {
        records.iter().map(|r| r.iter().collect()).collect()
    }

    fn is_amel(marker: &str) -> bool {
        marker == "Amelogenin" || marker == "AMEL"
    }

    fn valid_id(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    }

    /// Genotypes by sample and marker from the table, as allele texts.
    fn genotype_table(tsv: &str) -> HashMap<String, HashMap<String, (String, String)>> {
        let mut out: HashMap<String, HashMap<String, (String, String)>> = HashMap::new();
        let records = records(tsv, b'\t');
        for r in rows(&records) {
            assert_eq!(r.len(), 10, "{r:?}");
            let a1 = r[5].to_string();
            let a2 = if r[6].is_empty() {
                a1.clone()
            } else {
                r[6].to_string()
            };
            let previous = out
                .entry(r[1].to_string())
                .or_default()
                .insert(r[3].to_string(), (a1, a2));
            assert!(previous.is_none(), "a sample and marker twice: {r:?}");
        }
        out
    }

    /// A pool of `n` people; with `gaps` > 0 some slots are untyped.
    fn pool(
        models: &[MarkerModel],
        n: usize,
        gaps: usize,
        seed: u64,
    ) -> Vec<Vec<Option<IndexGenotype>>> {
        let sampler = Sampler::new(models);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                sampler
                    .frequency_founder(&mut rng)
                    .into_iter()
                    .enumerate()
                    .map(|(j, g)| (gaps == 0 || (i + j) % gaps != 0).then_some(g))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn files_have_the_headers_rows_and_ids() {
        let models = synthetic_models(16, Some(MutationModel::DEFAULT_SEARCH), 3);
        let people = pool(&models, 60, 7, 4);
        let s = scenario(&models, &people, &spec(200, 30, 25, 7)).unwrap();
        assert_eq!(s.cases_csv.lines().next(), Some(SCENARIO_CASES_HEADER));
        assert_eq!(
            s.references_csv.lines().next(),
            Some(SCENARIO_REFERENCES_HEADER)
        );
        assert_eq!(s.found_csv.lines().next(), Some(SCENARIO_FOUND_HEADER));
        assert_eq!(
            s.profiles_tsv.lines().next(),
            Some(SCENARIO_PROFILES_HEADER)
        );
        assert_eq!(
            SCENARIO_CASES_HEADER,
            "case_id,child_name,child_sex,child_birth_date_from,child_birth_date_to,\
             missing_date,missing_place,missing_lat,missing_lon,description"
        );
        assert_eq!(
            SCENARIO_FOUND_HEADER,
            "sample_name,found_id,sex,age_min_days,age_max_days,found_date,found_place,\
             found_lat,found_lon,institution,description"
        );

        let (cases, references, found) = (
            records(&s.cases_csv, b','),
            records(&s.references_csv, b','),
            records(&s.found_csv, b','),
        );
        let (cases, references, found) = (rows(&cases), rows(&references), rows(&found));
        assert_eq!(cases.len(), 200);
        assert_eq!(found.len(), 30);
        assert!(cases.iter().all(|r| r.len() == 10));
        assert!(references.iter().all(|r| r.len() == 5));
        assert!(found.iter().all(|r| r.len() == 11));
        assert_eq!(cases[0][0], "MC-2026-00001");
        assert_eq!(found[0][1], "FC-2026-001");
        assert_eq!(found[0][0], "FS-001");

        // Ids are valid and unique; references belong to listed cases.
        let case_ids: HashSet<&str> = cases.iter().map(|r| r[0]).collect();
        assert_eq!(case_ids.len(), 200);
        let samples: HashSet<&str> = references.iter().chain(&found).map(|r| r[0]).collect();
        assert_eq!(samples.len(), references.len() + found.len());
        for id in case_ids
            .iter()
            .chain(&samples)
            .chain(found.iter().map(|r| &r[1]))
        {
            assert!(valid_id(id), "{id}");
        }
        assert!(references.iter().all(|r| case_ids.contains(r[1])));
        for r in &references {
            assert!(r[2].parse::<Relative>().is_ok(), "{r:?}");
            assert!(r[0].starts_with("RS-"), "{r:?}");
        }

        // The configurations and the references agree.
        assert_eq!(s.configurations.len(), 200);
        let counts = |c: Configuration| s.configurations.iter().filter(|x| x.1 == c).count();
        assert_eq!(counts(Configuration::BothParents), 80);
        assert_eq!(counts(Configuration::OneParent), 80);
        assert_eq!(counts(Configuration::ParentAndSiblings), 20);
        assert_eq!(counts(Configuration::Grandparents), 20);
        for (case_id, config) in &s.configurations {
            let n = references.iter().filter(|r| r[1] == case_id).count();
            match config {
                Configuration::BothParents | Configuration::Grandparents => assert_eq!(n, 2),
                Configuration::OneParent => assert_eq!(n, 1),
                Configuration::ParentAndSiblings => assert!((2..=4).contains(&n)),
            }
        }

        // Every reference and found child has a full profile, or one typed
        // with a smaller kit, and an Amelogenin row.
        let table = genotype_table(&s.profiles_tsv);
        assert_eq!(table.len(), references.len() + found.len());
        for sample in &samples {
            let p = &table[*sample];
            assert!(p.keys().filter(|m| is_amel(m)).count() == 1, "{sample}");
            assert!(
                (16 - 6..=16).contains(&(p.len() - 1)),
                "{sample}: {}",
                p.len()
            );
        }
        for r in &found {
            assert_eq!(table[r[0]].len(), 17, "found children use the full kit");
        }
    }

    #[test]
    fn facts_agree_with_the_truth() {
        let models = synthetic_models(12, None, 5);
        let s = scenario(&models, &[], &spec(300, 40, 33, 11)).unwrap();
        assert_eq!(s.truth.len(), 40);
        assert_eq!(s.truth.iter().filter(|t| t.case_id.is_some()).count(), 33);
        let families: HashSet<&String> =
            s.truth.iter().filter_map(|t| t.case_id.as_ref()).collect();
        assert_eq!(families.len(), 33, "distinct families");

        let today = day_number(2026, 11, 20).unwrap();
        let parse = |d: &str| {
            let p: Vec<u32> = d.split('-').map(|x| x.parse().unwrap()).collect();
            let days = day_number(p[0] as i32, p[1], p[2]).unwrap();
            assert_eq!(date(days), d);
            days
        };
        let case_records = records(&s.cases_csv, b',');
        let cases: HashMap<&str, Vec<&str>> =
            rows(&case_records).into_iter().map(|r| (r[0], r)).collect();
        for c in cases.values() {
            let (from, to, missing) = (parse(c[3]), parse(c[4]), parse(c[5]));
            assert!(from <= to && to <= missing && missing <= today, "{c:?}");
            assert!(
                today - missing <= 6 * 365 + 2 && missing - from <= 4 * 365 + 62,
                "{c:?}"
            );
            assert!(TOWNS.iter().any(|t| t.0 == c[6]));
        }
        let found = records(&s.found_csv, b',');
        let found = rows(&found);
        for (t, f) in s.truth.iter().zip(&found) {
            assert_eq!((f[0], f[1]), (t.sample_name.as_str(), t.found_id.as_str()));
            assert_eq!(parse(f[5]), today);
            let (min, max): (i64, i64) = (f[3].parse().unwrap(), f[4].parse().unwrap());
            assert!(0 <= min && min < max && max <= 5 * 365, "{f:?}");
            let Some(case_id) = &t.case_id else { continue };
            let c = &cases[case_id.as_str()];
            assert_eq!(c[2], f[2], "the sexes match");
            // Some age in the estimated range makes a birth date in the
            // case's range, before the child went missing.
            let (from, to, missing) = (parse(c[3]), parse(c[4]), parse(c[5]));
            assert!(today - max <= to && today - min >= from, "{c:?} {f:?}");
            assert!(today - max <= missing);
            let town = |name: &str| *TOWNS.iter().find(|t| t.0 == name).unwrap();
            assert!(distance_km(town(c[6]), town(f[6])) <= 300.0);
            let config = s.configurations.iter().find(|x| &x.0 == case_id).unwrap().1;
            assert_eq!(t.configuration, Some(config));
        }
    }

    #[test]
    fn true_children_share_an_allele_with_their_parent() {
        let models = synthetic_models(20, None, 8);
        let people = pool(&models, 100, 7, 9);
        let s = scenario(&models, &people, &spec(150, 50, 45, 3)).unwrap();
        let table = genotype_table(&s.profiles_tsv);
        let references = records(&s.references_csv, b',');
        let references = rows(&references);
        let mut checked = 0;
        for t in &s.truth {
            let Some(case_id) = &t.case_id else { continue };
            let child = &table[&t.sample_name];
            for r in references
                .iter()
                .filter(|r| r[1] == case_id && matches!(r[2], "father" | "mother"))
            {
                let parent = &table[r[0]];
                for (marker, (a, b)) in parent {
                    if is_amel(marker) {
                        continue;
                    }
                    let (c, d) = &child[marker];
                    assert!(
                        c == a || c == b || d == a || d == b,
                        "{} and {}: {marker}",
                        t.sample_name,
                        r[0]
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 40, "{checked}");
    }

    /// Same spec, same files; another seed, other profiles; the default spec
    /// at full size gives what it promises. (Its speed is measured by
    /// `cargo bench -p sim --bench scenario`, not here.)
    #[test]
    fn deterministic_and_full_size() {
        let models = synthetic_models(22, Some(MutationModel::DEFAULT_SEARCH), 1);
        let people = pool(&models, 300, 7, 2);
        let small = spec(100, 20, 15, 5);
        let a = scenario(&models, &people, &small).unwrap();
        let b = scenario(&models, &people, &small).unwrap();
        assert_eq!(a.cases_csv, b.cases_csv);
        assert_eq!(a.references_csv, b.references_csv);
        assert_eq!(a.found_csv, b.found_csv);
        assert_eq!(a.profiles_tsv, b.profiles_tsv);
        assert_eq!(a.truth, b.truth);
        let c = scenario(&models, &people, &ScenarioSpec { seed: 6, ..small }).unwrap();
        assert_ne!(a.profiles_tsv, c.profiles_tsv);

        let default = ScenarioSpec::default();
        let full = scenario(&models, &people, &default).unwrap();
        assert_eq!(full.truth.len(), default.rescued);
        assert_eq!(full.cases_csv.lines().count(), default.families + 1);
        assert_eq!(full.configurations.len(), default.families);
        assert_eq!(full.found_csv.lines().count(), default.rescued + 1);
        // The truth follows the found file row by row, and the children with
        // a family are the missing children of distinct registered cases.
        let cases = records(&full.cases_csv, b',');
        let case_ids: HashSet<&str> = cases.iter().map(|r| &r[0]).collect();
        assert_eq!(case_ids.len(), default.families);
        let found = records(&full.found_csv, b',');
        assert_eq!(found.len(), full.truth.len());
        for (t, row) in full.truth.iter().zip(&found) {
            assert_eq!(&row[0], t.sample_name.as_str());
            assert_eq!(&row[1], t.found_id.as_str());
        }
        let true_cases: Vec<&str> = full
            .truth
            .iter()
            .filter_map(|t| t.case_id.as_deref())
            .collect();
        assert_eq!(true_cases.len(), default.rescued_with_family);
        assert_eq!(
            true_cases.iter().collect::<HashSet<_>>().len(),
            default.rescued_with_family
        );
        assert!(true_cases.iter().all(|c| case_ids.contains(c)));
        // Every reference and every rescued child has a profile.
        let table = genotype_table(&full.profiles_tsv);
        assert_eq!(
            table.len(),
            full.references_csv.lines().count() - 1 + default.rescued
        );
    }

    #[test]
    fn pool_people_are_used_once_then_frequencies() {
        let models = synthetic_models(10, None, 2);
        // Distinct genotype patterns: every pool person is recognisable.
        let people = pool(&models, 40, 0, 3);
        let s = scenario(&models, &[], &spec(0, 3, 0, 1)).unwrap();
        assert_eq!(s.cases_csv.lines().count(), 1);
        assert_eq!(s.truth.len(), 3);
        // A pool that does not fit the models is an error.
        let bad = vec![vec![Some((0, 0))]];
        assert!(matches!(
            scenario(&models, &bad, &spec(5, 0, 0, 1)),
            Err(SimError::PoolMarkers { .. })
        ));
        // Founders in both parents families: each pool person at most once.
        let s = scenario(&models, &people, &spec(60, 0, 0, 2)).unwrap();
        let table = genotype_table(&s.profiles_tsv);
        let typed: Vec<String> = people
            .iter()
            .filter(|p| p.iter().all(Option::is_some))
            .map(|p| {
                p.iter()
                    .zip(&models)
                    .map(|(g, m)| {
                        let (a, b) = g.unwrap();
                        let al = m.frequencies().alleles();
                        format!("{}/{}", al[a], al[b])
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let mut seen: HashMap<&String, usize> = HashMap::new();
        for (sample, p) in &table {
            if !sample.ends_with("-F") && !sample.ends_with("-M") || p.len() != 11 {
                continue;
            }
            let text = models
                .iter()
                .map(|m| {
                    let (a, b) = &p[m.name()];
                    format!("{a}/{b}")
                })
                .collect::<Vec<_>>()
                .join(" ");
            if let Some(person) = typed.iter().find(|t| **t == text) {
                *seen.entry(person).or_default() += 1;
            }
        }
        assert!(!seen.is_empty(), "parents come from the pool");
        assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    }

    #[test]
    fn aliases_homozygotes_and_small_kits() {
        let mut models = synthetic_models(15, None, 4);
        // Rename some markers to real loci that have aliases.
        let real = ["vWA", "Penta D", "CSF1PO", "TH01", "D3S1358"];
        for (m, name) in models.iter_mut().zip(real) {
            let f = m.frequencies();
            *m = MarkerModel::new(
                kinship::MarkerFrequencies::new(
                    name,
                    f.alleles().to_vec(),
                    f.frequencies().to_vec(),
                )
                .unwrap(),
                None,
            )
            .unwrap();
        }
        let s = scenario(&models, &[], &spec(400, 10, 5, 9)).unwrap();
        let lines = records(&s.profiles_tsv, b'\t');
        let lines = rows(&lines);
        let markers: HashSet<&str> = lines.iter().map(|r| r[3]).collect();
        for name in [
            "vWA", "VWA", "Penta D", "PENTA_D", "CSF1PO", "CSF1P0", "TH01", "THO1",
        ] {
            assert!(markers.contains(name), "{name}");
        }
        let homozygous: Vec<&Vec<&str>> = lines
            .iter()
            .filter(|r| !is_amel(r[3]) && (r[6].is_empty() || r[5] == r[6]))
            .collect();
        let empty = homozygous.iter().filter(|r| r[6].is_empty()).count();
        assert!(empty.abs_diff(homozygous.len() - empty) <= 1);
        let small: HashSet<&str> = lines
            .iter()
            .filter(|r| r[2] == SMALL_PANEL)
            .map(|r| r[1])
            .collect();
        assert!(!small.is_empty());
        assert!(small.iter().all(|s| s.starts_with("RS-")));
        let amel: Vec<&Vec<&str>> = lines.iter().filter(|r| is_amel(r[3])).collect();
        assert!(
            amel.iter()
                .all(|r| r[5] == "X" && matches!(r[6], "X" | "Y"))
        );
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(day_number(1970, 1, 1), Some(0));
        assert_eq!(day_number(1969, 12, 31), Some(-1));
        assert_eq!(day_number(2026, 11, 20), Some(20_777));
        assert_eq!(date(20_777), "2026-11-20");
        assert_eq!(date(day_number(2024, 2, 29).unwrap() + 1), "2024-03-01");
        assert_eq!(date(day_number(1900, 1, 1).unwrap() - 1), "1899-12-31");
        assert_eq!(day_number(2026, 2, 29), None);
        assert_eq!(day_number(2026, 13, 1), None);
        assert!(spec(1, 0, 0, 0).validate().is_ok());
        assert!(
            ScenarioSpec {
                today: (2026, 2, 30),
                ..spec(1, 0, 0, 0)
            }
            .validate()
            .is_err()
        );
        assert!(spec(1, 2, 2, 0).validate().is_err());
        assert!(spec(3, 1, 2, 0).validate().is_err());
    }
}
