//! The exact likelihood of the genotypes of a pedigree at one marker.
//!
//! Every person's two alleles (paternal and maternal) are variables; founders'
//! alleles are drawn from the population, each child's paternal allele from one
//! of its father's two (with probability 1/2 each) through the father's
//! mutation matrix, and likewise for the mother. (Two parents of the same sex,
//! which only [`Pedigree::with_same_sex_parents`] makes, each pass their
//! allele through the matrix of their own sex.) A typed person's alleles are
//! one of the two orders of its genotype. The likelihood sums over every
//! untyped variable by variable elimination, which is exact for any pedigree,
//! with or without loops; its cost grows with the widest set of variables that
//! must be held at once (a few alleles for ordinary families).
//!
//! Untyped persons with no typed descendant sum to one and are left out.
//! Alleles that no typed person carries are merged into one when the mutation
//! model treats them alike (no mutation, `equal`, `proportional`), which is
//! exact and makes most markers small.
//!
//! With θ > 0 the founder alleles of the pedigree are drawn jointly by the
//! Balding–Nichols rule, so they are no longer independent: the alleles of
//! untyped founders are enumerated and each assignment is weighted by the
//! probability of the whole sequence of founder alleles.

use crate::frequency::MarkerFrequencies;
use crate::mutation::{MutationError, MutationMatrix, MutationModel, ParentSex};
use crate::pedigree::{Pedigree, Sex};

/// Largest factor (in entries) the elimination may build.
const MAX_FACTOR: usize = 1 << 26;
/// Largest number of founder-allele assignments enumerated under θ.
const MAX_THETA_ASSIGNMENTS: usize = 4_000_000;

/// Why a likelihood cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LikelihoodError {
    #[error("theta {0} is not in [0, 1)")]
    Theta(f64),
    #[error(
        "the pedigree is too complex for exact computation at this marker ({0}); simplify the pedigree or merge rare alleles"
    )]
    TooComplex(String),
}

/// One marker ready for likelihoods: its frequencies and its mutation matrices.
#[derive(Debug, Clone)]
pub struct MarkerModel {
    freqs: MarkerFrequencies,
    mutation: Option<MutationModel>,
    male: Option<MutationMatrix>,
    female: Option<MutationMatrix>,
}

impl MarkerModel {
    /// Builds the matrices of `mutation` (none: alleles pass unchanged).
    pub fn new(
        freqs: MarkerFrequencies,
        mutation: Option<MutationModel>,
    ) -> Result<MarkerModel, MutationError> {
        let (male, female) = match &mutation {
            None => (None, None),
            Some(model) => {
                let build = |sex| -> Result<Option<MutationMatrix>, MutationError> {
                    let m = model.matrix(sex, freqs.alleles(), freqs.frequencies())?;
                    Ok(if m.is_identity() { None } else { Some(m) })
                };
                (build(ParentSex::Male)?, build(ParentSex::Female)?)
            }
        };
        Ok(MarkerModel {
            freqs,
            mutation,
            male,
            female,
        })
    }

    pub fn name(&self) -> &str {
        self.freqs.name()
    }

    pub fn frequencies(&self) -> &MarkerFrequencies {
        &self.freqs
    }

    pub fn mutation(&self) -> Option<&MutationModel> {
        self.mutation.as_ref()
    }

    /// The matrix for fathers (`Male`) or mothers (`Female`); `None` when
    /// alleles pass unchanged.
    pub fn matrix(&self, sex: ParentSex) -> Option<&MutationMatrix> {
        match sex {
            ParentSex::Male => self.male.as_ref(),
            ParentSex::Female => self.female.as_ref(),
        }
    }

    /// Number of alleles.
    pub fn len(&self) -> usize {
        self.freqs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.freqs.is_empty()
    }

    /// `M[from][to]` for a parent of the given sex (the identity without mutation).
    #[inline]
    pub fn transition(&self, sex: ParentSex, from: usize, to: usize) -> f64 {
        match self.matrix(sex) {
            Some(m) => m.get(from, to),
            None => f64::from(u8::from(from == to)),
        }
    }

    fn lumpable(&self) -> bool {
        self.mutation.as_ref().is_none_or(|m| m.is_lumpable())
    }
}

/// A genotype given as indices into the marker's alleles.
pub type IndexGenotype = (usize, usize);

/// The probability of the typed genotypes (`genotypes[i]` for person `i`, `None`
/// when untyped) of `ped` at one marker, with Balding–Nichols `theta`.
pub fn likelihood(
    ped: &Pedigree,
    model: &MarkerModel,
    genotypes: &[Option<IndexGenotype>],
    theta: f64,
) -> Result<f64, LikelihoodError> {
    assert_eq!(genotypes.len(), ped.len(), "one genotype slot per person");
    if !(0.0..1.0).contains(&theta) {
        return Err(LikelihoodError::Theta(theta));
    }
    let n_persons = ped.len();

    // Keep the typed persons and their ancestors; the rest sums to one.
    let mut relevant = vec![false; n_persons];
    let mut stack: Vec<usize> = (0..n_persons).filter(|&i| genotypes[i].is_some()).collect();
    while let Some(i) = stack.pop() {
        if relevant[i] {
            continue;
        }
        relevant[i] = true;
        if let Some((f, m)) = ped.parents(i) {
            stack.push(f);
            stack.push(m);
        }
    }

    let alphabet = Alphabet::new(model, ped, genotypes, &relevant);
    let problem = Problem {
        ped,
        genotypes,
        relevant: &relevant,
        alphabet: &alphabet,
        theta,
    };

    if theta == 0.0 {
        return problem.eliminate(&[]);
    }
    problem.theta_sum()
}

/// The allele alphabet after merging alleles nobody carries (when exact).
struct Alphabet {
    /// Index in the alphabet of each allele of the marker.
    group_of: Vec<usize>,
    freqs: Vec<f64>,
    male: Option<MutationMatrix>,
    female: Option<MutationMatrix>,
}

impl Alphabet {
    fn new(
        model: &MarkerModel,
        ped: &Pedigree,
        genotypes: &[Option<IndexGenotype>],
        relevant: &[bool],
    ) -> Alphabet {
        let n = model.len();
        let full = || Alphabet {
            group_of: (0..n).collect(),
            freqs: model.freqs.frequencies().to_vec(),
            male: model.male.clone(),
            female: model.female.clone(),
        };
        if !model.lumpable() {
            return full();
        }
        let mut observed = vec![false; n];
        for i in 0..ped.len() {
            if let (true, Some((a, b))) = (relevant[i], genotypes[i]) {
                observed[a] = true;
                observed[b] = true;
            }
        }
        let n_observed = observed.iter().filter(|&&o| o).count();
        if n_observed + 1 >= n {
            return full();
        }
        let mut group_of = vec![n_observed; n];
        let mut next = 0;
        for (a, &seen) in observed.iter().enumerate() {
            if seen {
                group_of[a] = next;
                next += 1;
            }
        }
        let groups = n_observed + 1;
        let mut freqs = vec![0.0; groups];
        for (a, &p) in model.freqs.frequencies().iter().enumerate() {
            freqs[group_of[a]] += p;
        }
        Alphabet {
            male: model.male.as_ref().map(|m| m.lumped(&group_of, groups)),
            female: model.female.as_ref().map(|m| m.lumped(&group_of, groups)),
            group_of,
            freqs,
        }
    }

    fn len(&self) -> usize {
        self.freqs.len()
    }

    fn matrix(&self, sex: ParentSex) -> Option<&MutationMatrix> {
        match sex {
            ParentSex::Male => self.male.as_ref(),
            ParentSex::Female => self.female.as_ref(),
        }
    }
}

/// A table over a few variables, row-major (the last variable varies fastest).
#[derive(Debug, Clone)]
struct Factor {
    vars: Vec<usize>,
    data: Vec<f64>,
}

/// How a person's two alleles appear among the variables.
#[derive(Debug, Clone)]
enum PersonVars {
    /// One variable whose states are ordered (paternal, maternal) pairs.
    Joint {
        var: usize,
        states: Vec<(usize, usize)>,
    },
    /// Separate paternal and maternal allele variables over the whole alphabet.
    Split { pat: usize, mat: usize },
}

struct Problem<'a> {
    ped: &'a Pedigree,
    genotypes: &'a [Option<IndexGenotype>],
    relevant: &'a [bool],
    alphabet: &'a Alphabet,
    theta: f64,
}

impl Problem<'_> {
    /// Sums over the founder alleles of untyped founders, each assignment
    /// weighted by the Balding–Nichols probability of all founder alleles.
    fn theta_sum(&self) -> Result<f64, LikelihoodError> {
        let n = self.alphabet.len();
        let theta = self.theta;
        let founders: Vec<usize> = (0..self.ped.len())
            .filter(|&i| self.relevant[i] && self.ped.is_founder(i))
            .collect();
        let mut counts = vec![0usize; n];
        let mut drawn = 0usize;
        let draw = |a: usize, counts: &mut Vec<usize>, drawn: &mut usize| -> f64 {
            let p = (counts[a] as f64 * theta + (1.0 - theta) * self.alphabet.freqs[a])
                / (1.0 + (*drawn as f64 - 1.0) * theta);
            counts[a] += 1;
            *drawn += 1;
            p
        };
        let mut base = 1.0;
        let mut open = Vec::new();
        for &f in &founders {
            match self.genotypes[f] {
                Some((a, b)) => {
                    base *= draw(self.alphabet.group_of[a], &mut counts, &mut drawn);
                    base *= draw(self.alphabet.group_of[b], &mut counts, &mut drawn);
                }
                None => open.push(f),
            }
        }
        let slots = open.len() * 2;
        let assignments = (n as f64).powi(slots as i32);
        if assignments > MAX_THETA_ASSIGNMENTS as f64 {
            return Err(LikelihoodError::TooComplex(format!(
                "theta > 0 with {} untyped founders over {n} alleles",
                open.len()
            )));
        }
        // Enumerate the open founder alleles with an odometer.
        let mut values = vec![0usize; slots];
        let mut total = 0.0;
        loop {
            let mut c = counts.clone();
            let mut w = base;
            for (d, &v) in (drawn..).zip(values.iter()) {
                let p = (c[v] as f64 * theta + (1.0 - theta) * self.alphabet.freqs[v])
                    / (1.0 + (d as f64 - 1.0) * theta);
                c[v] += 1;
                w *= p;
            }
            let fixed: Vec<(usize, (usize, usize))> = open
                .iter()
                .enumerate()
                .map(|(k, &f)| (f, (values[2 * k], values[2 * k + 1])))
                .collect();
            let l = self.eliminate(&fixed)?;
            total += w * l;
            let mut k = slots;
            loop {
                if k == 0 {
                    return Ok(total);
                }
                k -= 1;
                values[k] += 1;
                if values[k] < n {
                    break;
                }
                values[k] = 0;
            }
        }
    }

    /// Builds the factors and sums every variable out. `fixed` gives untyped
    /// founders whose ordered alleles are set (θ > 0); with θ > 0 founders carry
    /// no prior factor, the caller weights the founder alleles jointly.
    fn eliminate(&self, fixed: &[(usize, (usize, usize))]) -> Result<f64, LikelihoodError> {
        let n = self.alphabet.len();
        let with_theta = self.theta > 0.0;
        let mut cards: Vec<usize> = Vec::new();
        let mut person: Vec<Option<PersonVars>> = vec![None; self.ped.len()];
        for i in 0..self.ped.len() {
            if !self.relevant[i] {
                continue;
            }
            let states = if let Some((a, b)) = self.genotypes[i] {
                let (a, b) = (self.alphabet.group_of[a], self.alphabet.group_of[b]);
                Some(if a == b {
                    vec![(a, a)]
                } else {
                    vec![(a, b), (b, a)]
                })
            } else {
                fixed.iter().find(|(f, _)| *f == i).map(|&(_, s)| vec![s])
            };
            person[i] = Some(match states {
                Some(states) => {
                    cards.push(states.len());
                    PersonVars::Joint {
                        var: cards.len() - 1,
                        states,
                    }
                }
                None => {
                    cards.push(n);
                    cards.push(n);
                    PersonVars::Split {
                        pat: cards.len() - 2,
                        mat: cards.len() - 1,
                    }
                }
            });
        }

        let mut factors = Vec::new();
        for i in 0..self.ped.len() {
            let Some(pv) = &person[i] else { continue };
            match self.ped.parents(i) {
                None => match pv {
                    PersonVars::Joint { var, states } => {
                        let data = states
                            .iter()
                            .map(|&(a, b)| {
                                if with_theta {
                                    1.0
                                } else {
                                    self.alphabet.freqs[a] * self.alphabet.freqs[b]
                                }
                            })
                            .collect();
                        factors.push(Factor {
                            vars: vec![*var],
                            data,
                        });
                    }
                    PersonVars::Split { pat, mat } => {
                        debug_assert!(!with_theta, "untyped founders are fixed under theta");
                        factors.push(Factor {
                            vars: vec![*pat],
                            data: self.alphabet.freqs.clone(),
                        });
                        factors.push(Factor {
                            vars: vec![*mat],
                            data: self.alphabet.freqs.clone(),
                        });
                    }
                },
                Some((f, m)) => {
                    // Each parent through the matrix of its own sex: the
                    // father's and the mother's, or, for two parents of one
                    // sex (`Pedigree::with_same_sex_parents`), that sex's for both.
                    let sex = |p: usize, slot: ParentSex| match self.ped.sex(p) {
                        Sex::Male => ParentSex::Male,
                        Sex::Female => ParentSex::Female,
                        Sex::Unknown => slot,
                    };
                    for (parent, sex, side) in [
                        (f, sex(f, ParentSex::Male), 0),
                        (m, sex(m, ParentSex::Female), 1),
                    ] {
                        let parent_vars = person[parent]
                            .as_ref()
                            .expect("parents of relevant persons are relevant");
                        factors.push(transmission(
                            parent_vars,
                            pv,
                            side,
                            self.alphabet.matrix(sex),
                            n,
                        ));
                    }
                }
            }
        }
        eliminate_all(factors, &cards)
    }
}

/// The factor P(child's allele on `side` | parent's alleles).
fn transmission(
    parent: &PersonVars,
    child: &PersonVars,
    side: usize,
    matrix: Option<&MutationMatrix>,
    n: usize,
) -> Factor {
    let t = |x: usize, z: usize| match matrix {
        Some(m) => m.get(x, z),
        None => f64::from(u8::from(x == z)),
    };
    let (mut vars, parent_states): (Vec<usize>, Vec<(usize, usize)>) = match parent {
        PersonVars::Joint { var, states } => (vec![*var], states.clone()),
        PersonVars::Split { pat, mat } => (
            vec![*pat, *mat],
            (0..n).flat_map(|x| (0..n).map(move |y| (x, y))).collect(),
        ),
    };
    let child_alleles: Vec<usize> = match child {
        PersonVars::Joint { var, states } => {
            vars.push(*var);
            states
                .iter()
                .map(|&(p, m)| if side == 0 { p } else { m })
                .collect()
        }
        PersonVars::Split { pat, mat } => {
            vars.push(if side == 0 { *pat } else { *mat });
            (0..n).collect()
        }
    };
    let mut data = Vec::with_capacity(parent_states.len() * child_alleles.len());
    for &(x, y) in &parent_states {
        for &z in &child_alleles {
            data.push(0.5 * (t(x, z) + t(y, z)));
        }
    }
    Factor { vars, data }
}

/// Sums all variables out of the product of `factors` (variable elimination,
/// greedily eliminating the variable whose new factor is smallest).
fn eliminate_all(mut factors: Vec<Factor>, cards: &[usize]) -> Result<f64, LikelihoodError> {
    let mut remaining: Vec<bool> = vec![false; cards.len()];
    for f in &factors {
        for &v in &f.vars {
            remaining[v] = true;
        }
    }
    loop {
        // Pick the variable whose elimination builds the smallest factor.
        let mut best: Option<(usize, usize, usize)> = None; // (size, work, var)
        for v in (0..cards.len()).filter(|&v| remaining[v]) {
            let mut union: Vec<usize> = Vec::new();
            for f in factors.iter().filter(|f| f.vars.contains(&v)) {
                for &u in &f.vars {
                    if u != v && !union.contains(&u) {
                        union.push(u);
                    }
                }
            }
            let size = union
                .iter()
                .fold(1usize, |s, &u| s.saturating_mul(cards[u]));
            let work = size.saturating_mul(cards[v]);
            if best.is_none_or(|(s, w, _)| (size, work) < (s, w)) {
                best = Some((size, work, v));
            }
        }
        let Some((size, _, v)) = best else { break };
        if size > MAX_FACTOR {
            return Err(LikelihoodError::TooComplex(format!(
                "a factor of {size} entries would be needed"
            )));
        }
        remaining[v] = false;
        let (with_v, rest): (Vec<Factor>, Vec<Factor>) =
            factors.into_iter().partition(|f| f.vars.contains(&v));
        factors = rest;
        factors.push(sum_out(&with_v, v, cards));
    }
    Ok(factors.iter().map(|f| f.data[0]).product())
}

/// The product of `fs`, with variable `v` summed out.
fn sum_out(fs: &[Factor], v: usize, cards: &[usize]) -> Factor {
    let mut union: Vec<usize> = Vec::new();
    for f in fs {
        for &u in &f.vars {
            if u != v && !union.contains(&u) {
                union.push(u);
            }
        }
    }
    union.sort_unstable();
    let strides = |f: &Factor, var: usize| -> usize {
        let mut s = 1;
        for (k, &u) in f.vars.iter().enumerate().rev() {
            if u == var {
                return s;
            }
            let _ = k;
            s *= cards[u];
        }
        0
    };
    let sv: Vec<usize> = fs.iter().map(|f| strides(f, v)).collect();
    let su: Vec<Vec<usize>> = fs
        .iter()
        .map(|f| union.iter().map(|&u| strides(f, u)).collect())
        .collect();
    let ucards: Vec<usize> = union.iter().map(|&u| cards[u]).collect();
    let out_size: usize = ucards.iter().product();
    let cv = cards[v];
    let mut idx = vec![0usize; fs.len()];
    let mut digit = vec![0usize; union.len()];
    let mut out = vec![0.0; out_size];
    for slot in out.iter_mut() {
        let mut s = 0.0;
        for t in 0..cv {
            let mut prod = 1.0;
            for (k, f) in fs.iter().enumerate() {
                prod *= f.data[idx[k] + t * sv[k]];
            }
            s += prod;
        }
        *slot = s;
        let mut k = union.len();
        while k > 0 {
            k -= 1;
            digit[k] += 1;
            for (fi, strides) in su.iter().enumerate() {
                idx[fi] += strides[k];
            }
            if digit[k] < ucards[k] {
                break;
            }
            for (fi, strides) in su.iter().enumerate() {
                idx[fi] -= strides[k] * ucards[k];
            }
            digit[k] = 0;
        }
    }
    Factor {
        vars: union,
        data: out,
    }
}
