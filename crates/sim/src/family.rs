//! Simulated missing-child cases: the references a family gives, the whole
//! family tree genotyped, and the true missing child.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, LazyLock, OnceLock};

use kinship::{
    CasePedigree, IndexGenotype, MISSING_CHILD, MarkerModel, Reference, Relative, Sex,
    case_pedigree,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::SimError;
use crate::sampler::{Plan, Pool, Sampler, Tables};

/// Which relatives of the missing child gave DNA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Configuration {
    /// The father and the mother.
    BothParents,
    /// The mother or the father (50/50).
    OneParent,
    /// One parent (50/50) and one to three full siblings of random sex.
    ParentAndSiblings,
    /// The two grandparents of one side (paternal or maternal, 50/50), no parent.
    Grandparents,
}

impl Configuration {
    /// Every configuration, in declaration order.
    pub const ALL: [Configuration; 4] = [
        Configuration::BothParents,
        Configuration::OneParent,
        Configuration::ParentAndSiblings,
        Configuration::Grandparents,
    ];

    /// The name used in reports and on the command line (`both_parents`,
    /// `one_parent`, `parent_and_siblings`, `grandparents`).
    pub fn name(self) -> &'static str {
        match self {
            Configuration::BothParents => "both_parents",
            Configuration::OneParent => "one_parent",
            Configuration::ParentAndSiblings => "parent_and_siblings",
            Configuration::Grandparents => "grandparents",
        }
    }
}

impl fmt::Display for Configuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Configuration {
    type Err = String;

    /// Parses a [`Configuration::name`] (case, spaces and dashes ignored).
    fn from_str(s: &str) -> Result<Configuration, String> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Configuration::ALL
            .into_iter()
            .find(|c| c.name() == t)
            .ok_or_else(|| {
                let names: Vec<&str> = Configuration::ALL.iter().map(|c| c.name()).collect();
                format!(
                    "unknown configuration {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A fair coin from one random bit.
#[inline]
fn coin<R: Rng + ?Sized>(rng: &mut R) -> bool {
    rng.next_u32() & 1 == 1
}

// A family's random choices packed in a code: bits 0-1 the configuration,
// bit 2 the father (one parent) or the paternal side (grandparents), bits 3-4
// the number of siblings, bits 5-7 their sexes (1 = male), bit 8 a male child.
const SIDE: u32 = 1 << 2;
const SIBLINGS_SHIFT: u32 = 3;
const SIBLING_SEX_SHIFT: u32 = 5;
const CHILD_MALE: u32 = 1 << 8;
const CODES: usize = 1 << 9;

/// Draws the references' choices of `config` (not the child's sex).
fn draw_code<R: Rng + ?Sized>(config: Configuration, rng: &mut R) -> u32 {
    let mut code = config as u32;
    match config {
        Configuration::BothParents => {}
        Configuration::OneParent | Configuration::Grandparents => {
            code |= u32::from(coin(rng)) * SIDE;
        }
        Configuration::ParentAndSiblings => {
            code |= u32::from(coin(rng)) * SIDE;
            let siblings = 1 + rng.next_u32() % 3;
            code |= siblings << SIBLINGS_SHIFT;
            for k in 0..siblings {
                code |= u32::from(coin(rng)) << (SIBLING_SEX_SHIFT + k);
            }
        }
    }
    code
}

fn reference(id: &str, relative: Relative, sex: Sex) -> Reference {
    Reference {
        id: id.to_string(),
        relative,
        sex,
    }
}

/// The references a code stands for.
fn references_of(code: u32) -> Vec<Reference> {
    let side = code & SIDE != 0;
    let father = || reference("father", Relative::Father, Sex::Male);
    let mother = || reference("mother", Relative::Mother, Sex::Female);
    let parent = || if side { father() } else { mother() };
    match Configuration::ALL[(code & 3) as usize] {
        Configuration::BothParents => vec![father(), mother()],
        Configuration::OneParent => vec![parent()],
        Configuration::ParentAndSiblings => {
            let siblings = (code >> SIBLINGS_SHIFT) & 3;
            let mut refs = vec![parent()];
            for k in 0..siblings {
                let male = code & (1 << (SIBLING_SEX_SHIFT + k)) != 0;
                let sex = if male { Sex::Male } else { Sex::Female };
                refs.push(reference(
                    &format!("sibling{}", k + 1),
                    Relative::FullSibling,
                    sex,
                ));
            }
            refs
        }
        Configuration::Grandparents if side => vec![
            reference(
                "paternal_grandfather",
                Relative::PaternalGrandfather,
                Sex::Male,
            ),
            reference(
                "paternal_grandmother",
                Relative::PaternalGrandmother,
                Sex::Female,
            ),
        ],
        Configuration::Grandparents => vec![
            reference(
                "maternal_grandfather",
                Relative::MaternalGrandfather,
                Sex::Male,
            ),
            reference(
                "maternal_grandmother",
                Relative::MaternalGrandmother,
                Sex::Female,
            ),
        ],
    }
}

/// The references of a random family of configuration `config`, with ids
/// `father`, `mother`, `sibling1`..`sibling3`, `paternal_grandfather`,
/// `paternal_grandmother`, `maternal_grandfather`, `maternal_grandmother`.
///
/// - `BothParents`: the father, then the mother.
/// - `OneParent`: the father or the mother (50/50).
/// - `ParentAndSiblings`: one parent (50/50), then one to three full siblings
///   (uniformly), each male or female (50/50).
/// - `Grandparents`: the grandfather, then the grandmother, of the paternal or
///   the maternal side (50/50).
pub fn references<R: Rng + ?Sized>(config: Configuration, rng: &mut R) -> Vec<Reference> {
    references_of(draw_code(config, rng))
}

/// Everything about a family that its code fixes, built once.
#[derive(Debug, Clone)]
struct Shape {
    child_sex: Sex,
    references: Vec<Reference>,
    pedigree: Arc<CasePedigree>,
    plan: Plan,
    /// Position in `pedigree.h1` of each reference, then of the missing child.
    positions: Vec<usize>,
}

impl Shape {
    fn new(code: u32) -> Shape {
        let child_sex = if code & CHILD_MALE != 0 {
            Sex::Male
        } else {
            Sex::Female
        };
        let references = references_of(code);
        let pedigree = case_pedigree(child_sex, &references)
            .expect("the references of a configuration always make a case pedigree");
        let h1 = &pedigree.h1;
        let positions = references
            .iter()
            .map(|r| r.id.as_str())
            .chain([MISSING_CHILD])
            .map(|id| {
                h1.index_of(id)
                    .expect("every reference and the child are in the pedigree")
            })
            .collect();
        let plan = Plan::new(h1);
        Shape {
            child_sex,
            references,
            pedigree: Arc::new(pedigree),
            plan,
            positions,
        }
    }
}

/// The shape of the families of a code: built on first use, kept for the
/// process and shared between threads (a shape depends on its code alone).
fn shape(code: u32) -> &'static Shape {
    static SHAPES: LazyLock<Box<[OnceLock<Shape>]>> =
        LazyLock::new(|| (0..CODES).map(|_| OnceLock::new()).collect());
    SHAPES[code as usize].get_or_init(|| Shape::new(code))
}

/// One simulated missing-child case with its true answer.
#[derive(Debug, Clone)]
pub struct SimulatedFamily {
    /// The configuration the references were drawn from.
    pub config: Configuration,
    /// The sex of the missing child (male or female, 50/50).
    pub child_sex: Sex,
    /// The relatives who gave DNA.
    pub references: Vec<Reference>,
    /// The case pedigree of the references (`h1` is the tree that was
    /// simulated), shared by every family with the same references and child
    /// sex.
    pub pedigree: Arc<CasePedigree>,
    /// The genotypes of the references, in the order of `references`, one per
    /// marker each.
    pub reference_genotypes: Vec<Vec<IndexGenotype>>,
    /// The genotype of the true missing child, one per marker.
    pub child: Vec<IndexGenotype>,
}

/// Simulates one family of configuration `config`: draws the child's sex and
/// the references (as [`references`]), builds the case pedigree, genotypes
/// every person of its H1 tree (untyped parents and grandparents included) and
/// keeps the references' and the missing child's genotypes.
///
/// Fails only when the sampler's founder pool runs out.
pub fn family<R: Rng + ?Sized>(
    sampler: &mut Sampler<'_>,
    config: Configuration,
    rng: &mut R,
) -> Result<SimulatedFamily, SimError> {
    let (tables, pool, buf) = sampler.parts();
    simulate(tables, pool, buf, config, rng)
}

fn simulate<R: Rng + ?Sized>(
    tables: &Tables,
    pool: &mut Option<Pool<'_>>,
    buf: &mut Vec<IndexGenotype>,
    config: Configuration,
    rng: &mut R,
) -> Result<SimulatedFamily, SimError> {
    let child_male = coin(rng);
    let code = draw_code(config, rng) | if child_male { CHILD_MALE } else { 0 };
    let shape = shape(code);
    tables.simulate(&shape.plan, pool, rng, buf)?;
    let k = tables.len();
    let take = |i: usize| buf[i * k..(i + 1) * k].to_vec();
    let (child, refs) = shape.positions.split_last().expect("the child is last");
    Ok(SimulatedFamily {
        config,
        child_sex: shape.child_sex,
        references: shape.references.clone(),
        pedigree: Arc::clone(&shape.pedigree),
        reference_genotypes: refs.iter().map(|&i| take(i)).collect(),
        child: take(*child),
    })
}

/// The random number generator of family `index` of a run seeded with `seed`:
/// ChaCha8 seeded by `seed_from_u64(seed)`, on stream `index`.
///
/// `families(models, configs, seed)[i]` equals
/// `family(&mut Sampler::new(models), configs[i], &mut family_rng(seed, i as u64))`.
pub fn family_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    rng
}

/// Simulates one family per entry of `configs`, founders from the allele
/// frequencies, in parallel. Family `i` uses its own generator
/// [`family_rng`]`(seed, i)`, so the result depends only on the models, the
/// configurations and the seed, not on the number of threads.
pub fn families(
    models: &[MarkerModel],
    configs: &[Configuration],
    seed: u64,
) -> Vec<SimulatedFamily> {
    let tables = Tables::new(models);
    configs
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |buf, (i, &config)| {
            let mut rng = family_rng(seed, i as u64);
            simulate(&tables, &mut None, buf, config, &mut rng)
                .expect("founders from frequencies never run out")
        })
        .collect()
}

/// A person unrelated to every family: a founder of the sampler (from its pool
/// if it has one, which can run out).
pub fn unrelated<R: Rng + ?Sized>(
    sampler: &mut Sampler<'_>,
    rng: &mut R,
) -> Result<Vec<IndexGenotype>, SimError> {
    sampler.founder(rng)
}
