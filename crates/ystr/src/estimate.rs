//! A haplotype's match probability in a population, by one of three
//! methods: the discrete Laplace mixture, Brenner's κ (Brenner 2010, FSI
//! Genetics 4:281), or the augmented count (n + 1)/(N + 1).
//!
//! The haplotype is compared at the loci it shares with the population
//! file; every other locus is left out and said so (a locus of the file it
//! lacks is summed out of the mixture and ignored by the counts; a locus the
//! file lacks cannot be used; the mixture cannot take a null, duplicated or
//! intermediate allele).

use std::collections::HashMap;
use std::fmt;

use crate::disclap::Mixture;
use crate::haplotype::{Call, Haplotype};
use crate::locus::Locus;
use crate::population::Population;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The discrete Laplace mixture.
    Disclap,
    /// Brenner's κ, for a haplotype the population lacks.
    Kappa,
    /// (n + 1)/(N + 1).
    Count,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        match text {
            "disclap" => Some(Method::Disclap),
            "kappa" => Some(Method::Kappa),
            "count" => Some(Method::Count),
            _ => None,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Disclap => "disclap",
            Method::Kappa => "kappa",
            Method::Count => "count",
        })
    }
}

/// A locus not used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub locus: String,
    pub reason: String,
}

/// A match probability and how it was reached.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub probability: f64,
    /// The method that gave it (κ only estimates a haplotype the
    /// population lacks: for one it has, the count is given, and said so).
    pub method: Method,
    /// The mixture's number of clusters, for `Disclap`.
    pub clusters: Option<usize>,
    /// The men of the population with this haplotype at the loci used.
    pub seen: usize,
    pub men: usize,
    /// The loci used, in the population file's order.
    pub loci: Vec<Locus>,
    pub left_out: Vec<LeftOut>,
}

/// The population's loci, once each, in column order.
pub fn population_loci(p: &Population) -> Vec<Locus> {
    let mut out: Vec<Locus> = Vec::new();
    for c in &p.coordinates {
        if !out.contains(&c.locus) {
            out.push(c.locus);
        }
    }
    out
}

/// The match probability of `h` in `population` by `method` (`mixture`
/// fitted to the population, needed for `Disclap`), at the loci of `only`
/// when given (the caller says why it leaves the others out).
pub fn estimate(
    population: &Population,
    mixture: Option<&Mixture>,
    h: &Haplotype,
    method: Method,
    only: Option<&[Locus]>,
) -> Estimate {
    let db_loci = population_loci(population);
    let mut loci = Vec::new();
    let mut left_out = Vec::new();
    for &l in &db_loci {
        if only.is_some_and(|o| !o.contains(&l)) {
            continue;
        }
        match h.get(l) {
            None => left_out.push(LeftOut {
                locus: l.to_string(),
                reason: "not typed in the haplotype (summed out)".into(),
            }),
            Some(call) => match (method, call.unmodelled()) {
                (Method::Disclap, Some(why)) => left_out.push(LeftOut {
                    locus: l.to_string(),
                    reason: format!("{call} is {why}: summed out of the mixture"),
                }),
                _ => loci.push(l),
            },
        }
    }
    for (l, _) in h.calls() {
        if !db_loci.contains(l) && only.is_none_or(|o| o.contains(l)) {
            left_out.push(LeftOut {
                locus: l.to_string(),
                reason: "not in the population file".into(),
            });
        }
    }
    let key =
        |g: &Haplotype| -> Vec<Option<Call>> { loci.iter().map(|l| g.get(*l).cloned()).collect() };
    let mine = key(h);
    let mut counts: HashMap<Vec<Option<Call>>, usize> = HashMap::new();
    for m in &population.men {
        *counts.entry(key(&m.haplotype)).or_default() += 1;
    }
    let seen = counts.get(&mine).copied().unwrap_or(0);
    let n = population.men.len();
    let augmented = (seen as f64 + 1.0) / (n as f64 + 1.0);
    let (probability, method, clusters) = match method {
        Method::Count => (augmented, Method::Count, None),
        Method::Kappa if seen > 0 => (augmented, Method::Count, None),
        Method::Kappa => {
            // κ = (s + 1)/(N + 1), s the singletons, the query one more.
            let singletons = counts.values().filter(|c| **c == 1).count();
            let kappa = (singletons as f64 + 1.0) / (n as f64 + 1.0);
            ((1.0 - kappa) / (n as f64 + 1.0), Method::Kappa, None)
        }
        Method::Disclap => {
            let mixture = mixture.expect("a mixture for the disclap method");
            let x: Vec<Option<i32>> = population
                .coordinates
                .iter()
                .map(|c| {
                    if loci.contains(&c.locus) {
                        h.at(*c).and_then(|a| a.whole())
                    } else {
                        None
                    }
                })
                .collect();
            (
                mixture.probability(&x),
                Method::Disclap,
                Some(mixture.clusters()),
            )
        }
    };
    Estimate {
        probability,
        method,
        clusters,
        seen,
        men: n,
        loci,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pop() -> Population {
        Population::parse(
            "DYS19,DYS389I,DYS385\n14,13,11-14\n14,13,11-14\n15,13,11-14\n16,12,12-13\n",
            "p.csv",
        )
        .unwrap()
    }

    #[test]
    fn counts_and_kappa() {
        let p = pop();
        let seen = Haplotype::parse("DYS19=14,DYS389I=13,DYS385=14-11", "q").unwrap();
        let e = estimate(&p, None, &seen, Method::Count, None);
        assert_eq!((e.seen, e.men), (2, 4));
        assert_eq!(e.probability, 3.0 / 5.0);
        // κ for a haplotype the population has: the count, said so.
        let e = estimate(&p, None, &seen, Method::Kappa, None);
        assert_eq!((e.method, e.probability), (Method::Count, 3.0 / 5.0));
        // A new one: two singletons, κ = 3/5, (1 - κ)/5.
        let new = Haplotype::parse("DYS19=17,DYS389I=13,DYS385=11-14", "q").unwrap();
        let e = estimate(&p, None, &new, Method::Kappa, None);
        assert_eq!(e.method, Method::Kappa);
        assert!((e.probability - (1.0 - 3.0 / 5.0) / 5.0).abs() < 1e-15);
    }

    #[test]
    fn loci_left_out_are_said() {
        let p = pop();
        // DYS389I untyped, DYS458 not in the file: counted at DYS19, DYS385.
        let h = Haplotype::parse("DYS19=14,DYS385=11-14,DYS458=17", "q").unwrap();
        let e = estimate(&p, None, &h, Method::Count, None);
        assert_eq!(e.seen, 2);
        let names: Vec<&str> = e.left_out.iter().map(|l| l.locus.as_str()).collect();
        assert_eq!(names, ["DYS389I", "DYS458"]);
        assert_eq!(e.loci.len(), 2);
    }
}
