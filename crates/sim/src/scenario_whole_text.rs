//! The scenario as it was simulated before it was written to files as it
//! goes: every file built whole in memory as a `String`. Kept as the tests'
//! oracle: the files [`crate::scenario::write_scenario`] writes must be
//! these, byte for byte, for any spec.

use std::fmt::Write as _;

use kinship::{IndexGenotype, MarkerModel, Relative, Sex};
use rand::{Rng, RngExt};

use crate::english::*;
use crate::scenario::*;
use crate::{Configuration, Founders, Sampler, SimError, SimulatedFamily, family};

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
pub(crate) fn scenario_whole_text(
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
