//! Paternal lineages with mutation: Y-STR haplotypes of founders drawn from
//! a population model (a discrete Laplace mixture, as `ystr::disclap` fits
//! one), and of their descendants after n meioses, each locus copy mutating
//! at its own rate per meiosis, one repeat up or down with equal
//! probability. Seeded and reproducible: a clan's draws come from its own
//! generator ([`crate::family_rng`]`(seed, clan)`).
//!
//! A haplotype here is one whole repeat number per locus copy, in the order
//! of the model's coordinates; [`LineageModel::haplotype`] makes it a
//! [`ystr::Haplotype`] (two-copy loci as unordered pairs, smaller first).

use rand::{Rng, RngExt};
use ystr::disclap::Mixture;
use ystr::lineage::Rates;
use ystr::{Allele, Call, Coordinate, Haplotype, Locus};

use crate::SimError;

/// Founders and mutation of a set of Y-STR locus copies.
#[derive(Debug, Clone)]
pub struct LineageModel {
    coordinates: Vec<Coordinate>,
    /// Per coordinate, the mutation rate in units of 2^-32.
    thresholds: Vec<u64>,
    mixture: Mixture,
    /// Cumulative cluster weights.
    cumulative: Vec<f64>,
    /// Each locus once with the positions of its copies.
    loci: Vec<(Locus, Vec<usize>)>,
}

/// The smallest and largest repeat number drawn.
const ALLELES: (i32, i32) = (1, 99);

impl LineageModel {
    /// A model of these locus copies (two-copy loci with both copies):
    /// founders from `mixture` (its centres in the same order), mutation at
    /// the rates of `rates`.
    pub fn new(
        coordinates: &[Coordinate],
        rates: &Rates,
        mixture: Mixture,
    ) -> Result<LineageModel, SimError> {
        let mut thresholds = Vec::with_capacity(coordinates.len());
        for c in coordinates {
            let rate = rates.rate(*c).ok_or_else(|| SimError::NoRate {
                coordinate: c.to_string(),
            })?;
            thresholds.push((rate * 4_294_967_296.0).round() as u64);
        }
        if mixture.centres.iter().any(|c| c.len() != coordinates.len())
            || mixture
                .dispersion
                .iter()
                .any(|d| d.len() != coordinates.len())
            || mixture.weights.is_empty()
        {
            return Err(SimError::MixtureShape {
                expected: coordinates.len(),
            });
        }
        let mut loci: Vec<(Locus, Vec<usize>)> = Vec::new();
        for (i, c) in coordinates.iter().enumerate() {
            match loci.iter_mut().find(|(l, _)| *l == c.locus) {
                Some((_, at)) => at.push(i),
                None => loci.push((c.locus, vec![i])),
            }
        }
        if let Some((l, _)) = loci.iter().find(|(l, at)| at.len() != l.copies() as usize) {
            return Err(SimError::Copies {
                locus: l.to_string(),
            });
        }
        let total: f64 = mixture.weights.iter().sum();
        let cumulative = mixture
            .weights
            .iter()
            .scan(0.0, |s, w| {
                *s += w / total;
                Some(*s)
            })
            .collect();
        Ok(LineageModel {
            coordinates: coordinates.to_vec(),
            thresholds,
            mixture,
            cumulative,
            loci,
        })
    }

    /// The locus copies, in the order of a haplotype's numbers.
    pub fn coordinates(&self) -> &[Coordinate] {
        &self.coordinates
    }

    /// A founder: a cluster by its weight, then at each locus copy the
    /// centre plus a discrete Laplace difference (P(d) ∝ p^|d|: the
    /// difference of two geometric draws), kept within 1 to 99 repeats.
    pub fn founder<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<i32> {
        let u: f64 = rng.random();
        let c = self
            .cumulative
            .iter()
            .position(|&x| u < x)
            .unwrap_or(self.cumulative.len() - 1);
        let geometric = |p: f64, rng: &mut R| -> i32 {
            if p <= 0.0 {
                return 0;
            }
            // 1 − U is in (0, 1]: ln is finite.
            let u: f64 = 1.0 - rng.random::<f64>();
            (u.ln() / p.ln()).floor().min(1000.0) as i32
        };
        self.mixture.centres[c]
            .iter()
            .zip(&self.mixture.dispersion[c])
            .map(|(&y, &p)| {
                let d = geometric(p, rng) - geometric(p, rng);
                (y + d).clamp(ALLELES.0, ALLELES.1)
            })
            .collect()
    }

    /// A descendant `meioses` father–son transmissions down from `from`: in
    /// each, each locus copy mutates with its rate, one repeat up or down
    /// with equal probability (one 64-bit random number per copy and meiosis).
    pub fn descend<R: Rng + ?Sized>(&self, from: &[i32], meioses: usize, rng: &mut R) -> Vec<i32> {
        let mut h = from.to_vec();
        for _ in 0..meioses {
            for (x, &t) in h.iter_mut().zip(&self.thresholds) {
                let r = rng.next_u64();
                if (r >> 32) < t {
                    let step = if r & 1 == 0 { -1 } else { 1 };
                    *x = (*x + step).clamp(ALLELES.0, ALLELES.1);
                }
            }
        }
        h
    }

    /// The haplotype of these numbers: two-copy loci as pairs, smaller first.
    pub fn haplotype(&self, numbers: &[i32]) -> Haplotype {
        let mut h = Haplotype::new();
        let allele = |i: usize| Allele(numbers[i] * 10);
        for (l, at) in &self.loci {
            let call = match at.as_slice() {
                [i] => Call::One(allele(*i)),
                [i, j] => {
                    let (a, b) = (allele(*i), allele(*j));
                    Call::Two(a.min(b), a.max(b))
                }
                _ => unreachable!("checked by new"),
            };
            h.insert(*l, call).expect("each locus once");
        }
        h
    }
}

/// A boy of a simulated clan and the man of the clan his relative.
#[derive(Debug, Clone)]
pub struct Boy {
    /// The boy's haplotype.
    pub haplotype: Vec<i32>,
    /// Meioses between the boy and his relative.
    pub meioses: usize,
    /// The relative's position in [`Clan::men`].
    pub relative: usize,
}

/// Men descending from one founder, and perhaps a boy of the clan.
#[derive(Debug, Clone)]
pub struct Clan {
    /// The men's haplotypes.
    pub men: Vec<Vec<i32>>,
    /// The boy, when one was asked for.
    pub boy: Option<Boy>,
}

/// Most meioses between a clan's founder and its men.
pub const CLAN_DEPTH: usize = 8;

/// A clan of `size` men (at least one), each 1 to [`CLAN_DEPTH`] meioses
/// below the founder. With `boy_meioses = Some(n)` the first man is the
/// relative of a boy n meioses away: they descend from a common ancestor
/// (0 to 3 meioses below the founder), the relative r meioses below him
/// (r from 0, the boy's father or grandfather line, to n − 1) and the boy
/// n − r (the relationship is father or grandfather for r = 0, a brother
/// for r = 1, n = 2, an uncle for r = 1, n = 3, a first cousin for
/// r = 2, n = 4, and so on).
pub fn clan<R: Rng + ?Sized>(
    model: &LineageModel,
    size: usize,
    boy_meioses: Option<usize>,
    rng: &mut R,
) -> Clan {
    let founder = model.founder(rng);
    let mut men = Vec::with_capacity(size.max(1));
    let mut boy = None;
    if let Some(n) = boy_meioses {
        let n = n.max(1);
        let ancestor = model.descend(&founder, rng.random_range(0..=3), rng);
        let r = rng.random_range(0..n);
        men.push(model.descend(&ancestor, r, rng));
        boy = Some(Boy {
            haplotype: model.descend(&ancestor, n - r, rng),
            meioses: n,
            relative: 0,
        });
    }
    while men.len() < size.max(1) {
        let depth = rng.random_range(1..=CLAN_DEPTH);
        men.push(model.descend(&founder, depth, rng));
    }
    Clan { men, boy }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family_rng;

    fn one_locus(rate: f64, centre: i32, p: f64) -> LineageModel {
        let rates = Rates::parse(&format!("locus,rate\nDYS19,{rate}\n"), "r").unwrap();
        let c = Locus::parse("DYS19").unwrap().0.coordinates();
        LineageModel::new(
            &c,
            &rates,
            Mixture {
                centres: vec![vec![centre]],
                dispersion: vec![vec![p]],
                weights: vec![1.0],
            },
        )
        .unwrap()
    }

    /// The net change after n meioses, simulated meiosis by meiosis, has
    /// the distribution the lineage LR convolves exactly.
    #[test]
    fn descent_follows_the_exact_convolution() {
        let mu = 0.2;
        let model = one_locus(mu, 30, 0.1);
        let mut rng = family_rng(3, 0);
        let draws = 200_000;
        for n in [1usize, 3] {
            let mut counts = vec![0usize; 2 * n + 1];
            for _ in 0..draws {
                let d = model.descend(&[30], n, &mut rng)[0] - 30;
                counts[(d + n as i32) as usize] += 1;
            }
            let exact = ystr::lineage::net_change(mu, n);
            for (k, (&c, &p)) in counts.iter().zip(&exact).enumerate() {
                let se = (p * (1.0 - p) / draws as f64).sqrt();
                let f = c as f64 / draws as f64;
                assert!(
                    (f - p).abs() < 5.0 * se + 1e-9,
                    "n = {n}, d = {}: {f} against {p}",
                    k as i32 - n as i32
                );
            }
        }
    }

    /// Founders: P(centre) = (1 − p)/(1 + p), symmetric about the centre.
    #[test]
    fn founders_follow_the_discrete_laplace() {
        let p = 0.4;
        let model = one_locus(0.0, 20, p);
        let mut rng = family_rng(5, 0);
        let draws = 100_000;
        let xs: Vec<i32> = (0..draws).map(|_| model.founder(&mut rng)[0]).collect();
        let at = |v: i32| xs.iter().filter(|&&x| x == v).count() as f64 / draws as f64;
        for d in 0..3 {
            let want = (1.0 - p) / (1.0 + p) * p.powi(d);
            let se = (want * (1.0 - want) / draws as f64).sqrt();
            assert!((at(20 + d) - want).abs() < 5.0 * se, "d = {d}");
            assert!((at(20 - d) - want).abs() < 5.0 * se, "d = -{d}");
        }
        // Rate zero: nothing mutates.
        assert_eq!(model.descend(&[20], 50, &mut rng), vec![20]);
    }

    #[test]
    fn clans_are_reproducible_and_pairs_smaller_first() {
        let rates = Rates::builtin();
        let c: Vec<Coordinate> = ["DYS19", "DYS385"]
            .iter()
            .flat_map(|n| Locus::parse(n).unwrap().0.coordinates())
            .collect();
        let model = LineageModel::new(
            &c,
            &rates,
            Mixture {
                centres: vec![vec![14, 15, 11]],
                dispersion: vec![vec![0.2, 0.2, 0.2]],
                weights: vec![1.0],
            },
        )
        .unwrap();
        let a = clan(&model, 5, Some(3), &mut family_rng(9, 4));
        let b = clan(&model, 5, Some(3), &mut family_rng(9, 4));
        assert_eq!(a.men, b.men);
        assert_eq!(a.men.len(), 5);
        assert_eq!(a.boy.as_ref().unwrap().haplotype, b.boy.unwrap().haplotype);
        let h = model.haplotype(&[14, 15, 11]);
        assert_eq!(h.to_string(), "DYS19=14,DYS385=11-15");
        // A missing rate, or a mixture of other loci, is refused.
        let no = Rates::parse("locus,rate\nDYS19,0.1\n", "r").unwrap();
        assert!(matches!(
            LineageModel::new(&c, &no, model.mixture.clone()),
            Err(SimError::NoRate { .. })
        ));
    }
}
