//! The paternal-lineage likelihood ratio:
//!
//! LR = P(child's haplotype | reference's haplotype, n meioses)
//!      / P(child's haplotype in the population).
//!
//! At each locus every meiosis mutates with the locus's rate μ, one repeat
//! up or down with probability μ/2 each; the probability of a net change d
//! after n meioses is the n-fold convolution of {−1: μ/2, 0: 1 − μ, +1: μ/2}
//! (exact). Loci multiply. A two-copy locus (DYS385, DYF387S1) is an
//! unordered pair: each copy mutates on its own, and the child's pair may
//! have come from the reference's copies either way round.

use std::collections::HashMap;

use crate::error::LocatedError;
use crate::haplotype::{Call, Haplotype};
use crate::locus::{Coordinate, Copy, Locus};

/// The mutation rate table compiled in: YHRD father–son counts as bundled
/// in the R package malan (see `data/README.md`).
pub const BUILTIN_RATES: &str = include_str!("../data/mutation_rates.csv");

/// Mutation rates per father–son transmission, by locus copy.
#[derive(Debug, Clone)]
pub struct Rates {
    rates: HashMap<Coordinate, f64>,
    /// Where the table came from, for messages.
    pub source: String,
}

impl Rates {
    /// The compiled-in table.
    pub fn builtin() -> Rates {
        Rates::parse(BUILTIN_RATES, "the built-in mutation rates")
            .expect("the built-in table reads")
    }

    /// A CSV with columns `locus` and `rate` (others ignored); a two-copy
    /// locus as `DYS385` (both copies) or `DYS385a`, `DYS385b`.
    pub fn parse(text: &str, file: &str) -> Result<Rates, LocatedError> {
        let err = |line: usize, field: Option<&str>, reason: String| {
            LocatedError::new(file, Some(line), field, reason)
        };
        // Line numbers: LF, CRLF or CR alone end a line.
        let text_lf = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut numbered = text_lf
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((hl, header)) = numbered.next() else {
            return Err(LocatedError::new(file, None, None, "empty: no header"));
        };
        let names: Vec<String> = header
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        let col = |n: &str| names.iter().position(|x| x == n);
        let (Some(li), Some(ri)) = (col("locus"), col("rate")) else {
            return Err(err(
                hl,
                None,
                "the header needs columns locus and rate".into(),
            ));
        };
        let mut rates = HashMap::new();
        for (line, text) in numbered {
            let f: Vec<&str> = text.split(',').map(str::trim).collect();
            if f.len() <= li.max(ri) {
                return Err(err(
                    line,
                    None,
                    format!("{} fields, fewer than the header's", f.len()),
                ));
            }
            let name = f[li];
            let Some((locus, copy)) = Locus::parse(name) else {
                return Err(err(
                    line,
                    Some("locus"),
                    crate::haplotype::unknown_locus(name),
                ));
            };
            let rate: f64 = f[ri]
                .parse()
                .ok()
                .filter(|r: &f64| r.is_finite() && (0.0..=1.0).contains(r))
                .ok_or_else(|| {
                    err(
                        line,
                        Some("rate"),
                        format!("{:?} is not a rate from 0 to 1", f[ri]),
                    )
                })?;
            let coords = match copy {
                None => locus.coordinates(),
                Some(c) => vec![Coordinate {
                    locus,
                    copy: Some(c),
                }],
            };
            for c in coords {
                if rates.insert(c, rate).is_some() {
                    return Err(err(line, Some("locus"), format!("a second rate for {c}")));
                }
            }
        }
        Ok(Rates {
            rates,
            source: file.to_string(),
        })
    }

    /// The rate of a locus copy.
    pub fn rate(&self, c: Coordinate) -> Option<f64> {
        self.rates.get(&c).copied()
    }
}

/// P(net change = d) after `n` meioses at rate `mu`, for d = −n..=n
/// (index d + n), by exact convolution.
pub fn net_change(mu: f64, n: usize) -> Vec<f64> {
    let mut dist = vec![1.0];
    for _ in 0..n {
        let mut next = vec![0.0; dist.len() + 2];
        for (i, p) in dist.iter().enumerate() {
            next[i] += p * mu / 2.0;
            next[i + 1] += p * (1.0 - mu);
            next[i + 2] += p * mu / 2.0;
        }
        dist = next;
    }
    dist
}

/// P(change of `tenths` tenths of a repeat | n meioses, μ): zero unless a
/// whole number of repeats within n.
pub fn step_probability(mu: f64, n: usize, tenths: i32) -> f64 {
    if tenths % 10 != 0 {
        return 0.0;
    }
    let d = (tenths / 10).unsigned_abs() as usize;
    if d > n {
        return 0.0;
    }
    net_change(mu, n)[n + d]
}

/// One locus compared.
#[derive(Debug, Clone)]
pub struct LocusComparison {
    pub locus: Locus,
    pub child: Call,
    pub reference: Call,
    /// The mutation rate (both copies share it at a two-copy locus, as the
    /// table gives them; the first copy's is shown).
    pub rate: f64,
    /// P(child's call | reference's call, n meioses) at this locus.
    pub transmission: f64,
}

/// Why a locus is not compared.
pub use crate::estimate::LeftOut;

/// The loci of child and reference that can be compared, and the others
/// with the reason; an error names a compared locus without a rate.
pub fn comparable(
    child: &Haplotype,
    reference: &Haplotype,
    rates: &Rates,
) -> Result<(Vec<Locus>, Vec<LeftOut>), String> {
    let mut used = Vec::new();
    let mut left_out = Vec::new();
    let leave = |l: Locus, reason: String, out: &mut Vec<LeftOut>| {
        out.push(LeftOut {
            locus: l.to_string(),
            reason,
        })
    };
    for (l, c) in child.calls() {
        let Some(r) = reference.get(*l) else {
            leave(*l, "not typed in the reference".into(), &mut left_out);
            continue;
        };
        let flag = |who: &str, call: &Call| {
            if call.is_null() {
                Some(format!("a null allele in the {who}"))
            } else if call.is_duplication() {
                Some(format!("a duplication in the {who} ({call})"))
            } else {
                None
            }
        };
        if let Some(why) = flag("child", c).or_else(|| flag("reference", r)) {
            leave(
                *l,
                format!("{why}: the single-step model does not cover it"),
                &mut left_out,
            );
            continue;
        }
        for co in l.coordinates() {
            if rates.rate(co).is_none() {
                return Err(format!("{}: no mutation rate for {co}", rates.source));
            }
        }
        used.push(*l);
    }
    for (l, _) in reference.calls() {
        if child.get(*l).is_none() {
            leave(*l, "not typed in the child".into(), &mut left_out);
        }
    }
    Ok((used, left_out))
}

/// Narrows the loci a lineage LR compares (`loci`, from [`comparable`]) to
/// those the child's population estimate used, so that numerator and
/// denominator speak of the same loci; each locus dropped goes to
/// `left_out` with the estimate's reason.
pub fn narrow_to_estimate(
    loci: &mut Vec<Locus>,
    left_out: &mut Vec<LeftOut>,
    estimate: &crate::estimate::Estimate,
) {
    for l in loci.iter() {
        if !estimate.loci.contains(l)
            && let Some(why) = estimate.left_out.iter().find(|x| x.locus == l.name())
        {
            left_out.push(why.clone());
        }
    }
    loci.retain(|l| estimate.loci.contains(l));
}

/// P(child's call | reference's call, n meioses) at a locus (single or pair calls).
pub fn locus_transmission(
    locus: Locus,
    child: &Call,
    reference: &Call,
    rates: &Rates,
    n: usize,
) -> f64 {
    let rate = |copy| {
        rates
            .rate(Coordinate { locus, copy })
            .expect("rates checked by comparable()")
    };
    match (child, reference) {
        (Call::One(c), Call::One(r)) => step_probability(rate(None), n, c.0 - r.0),
        (Call::Two(c1, c2), Call::Two(r1, r2)) => {
            let (ma, mb) = (rate(Some(Copy::A)), rate(Some(Copy::B)));
            let straight =
                step_probability(ma, n, c1.0 - r1.0) * step_probability(mb, n, c2.0 - r2.0);
            if c1 == c2 {
                straight
            } else {
                straight
                    + step_probability(ma, n, c2.0 - r1.0) * step_probability(mb, n, c1.0 - r2.0)
            }
        }
        _ => 0.0,
    }
}

/// The transmission over `loci`, per locus and in total.
pub fn transmission(
    child: &Haplotype,
    reference: &Haplotype,
    loci: &[Locus],
    rates: &Rates,
    n: usize,
) -> (f64, Vec<LocusComparison>) {
    let mut total = 1.0;
    let mut per = Vec::new();
    for &l in loci {
        let (c, r) = (child.get(l).unwrap(), reference.get(l).unwrap());
        let t = locus_transmission(l, c, r, rates, n);
        total *= t;
        let rate = rates.rate(l.coordinates()[0]).unwrap();
        per.push(LocusComparison {
            locus: l,
            child: c.clone(),
            reference: r.clone(),
            rate,
            transmission: t,
        });
    }
    (total, per)
}

/// For an unknown number of meioses (a clan volunteer): the transmission
/// for n = 1..=max, and the likeliest n (the smallest of equals).
pub fn by_meioses(
    child: &Haplotype,
    reference: &Haplotype,
    loci: &[Locus],
    rates: &Rates,
    max: usize,
) -> (Vec<f64>, usize) {
    let t: Vec<f64> = (1..=max)
        .map(|n| transmission(child, reference, loci, rates, n).0)
        .collect();
    let mut best = 0;
    for (i, v) in t.iter().enumerate() {
        if *v > t[best] {
            best = i;
        }
    }
    (t, best + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        let mu = 0.0037;
        let one = net_change(mu, 1);
        assert_eq!(one, vec![mu / 2.0, 1.0 - mu, mu / 2.0]);
        let two = net_change(mu, 2);
        let want = [
            mu * mu / 4.0,
            mu * (1.0 - mu),
            (1.0 - mu).powi(2) + mu * mu / 2.0,
        ];
        for (d, w) in want.iter().enumerate() {
            assert!((two[d] - w).abs() < 1e-15 * w, "d = {}", d as i32 - 2);
            assert!((two[4 - d] - w).abs() < 1e-15 * w);
        }
        // Three meioses: d = 0 is no mutation, or one up and one down in
        // some order with the third still; d = 3 all three up.
        let three = net_change(mu, 3);
        let w0 = (1.0 - mu).powi(3) + 6.0 * (mu / 2.0).powi(2) * (1.0 - mu);
        assert!((three[3] - w0).abs() < 1e-15 * w0);
        assert!((three[6] - (mu / 2.0).powi(3)).abs() < 1e-15 * (mu / 2.0).powi(3));
        for n in [1, 4, 20] {
            let s: f64 = net_change(mu, n).iter().sum();
            assert!((s - 1.0).abs() < 1e-14);
        }
        assert_eq!(
            step_probability(mu, 1, 20),
            0.0,
            "two repeats in one meiosis"
        );
        assert_eq!(step_probability(mu, 3, 2), 0.0, "a fraction of a repeat");
        assert_eq!(step_probability(mu, 1, -10), mu / 2.0);
    }

    #[test]
    fn pairs_either_way_round() {
        let rates = Rates::builtin();
        let l = Locus::parse("DYS385").unwrap().0;
        let mu = rates.rate(l.coordinates()[0]).unwrap();
        let call = |a: i32, b: i32| Call::Two(crate::Allele(a * 10), crate::Allele(b * 10));
        // 11-14 to 11-14: both copies stay.
        let t = locus_transmission(l, &call(11, 14), &call(11, 14), &rates, 1);
        assert!((t - (1.0 - mu).powi(2)).abs() < 1e-18);
        // 12-13 from 12-12: one copy stays, the other steps up; either copy.
        let t = locus_transmission(l, &call(12, 13), &call(12, 12), &rates, 1);
        assert!((t - 2.0 * (1.0 - mu) * mu / 2.0).abs() < 1e-18);
        // 12-12 from 11-13: one up and one down, one way only.
        let t = locus_transmission(l, &call(12, 12), &call(11, 13), &rates, 1);
        assert!((t - (mu / 2.0).powi(2)).abs() < 1e-20);
    }

    #[test]
    fn rates_table() {
        let r = Rates::builtin();
        let c = |n: &str| {
            let (locus, copy) = Locus::parse(n).unwrap();
            Coordinate { locus, copy }
        };
        assert_eq!(r.rate(c("DYS19")), Some(0.00223741));
        assert_eq!(r.rate(c("DYS385b")), Some(0.00122273));
        assert_eq!(r.rate(c("DYS549")), None);
        let e = Rates::parse("locus,rate\nDYS19,0.002\nDYS390,2\n", "r.csv").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("rate")));
        let e = Rates::parse("locus,rate\nDYS19,0.002\r\nDYS19,0.003\r\n", "r.csv").unwrap_err();
        assert_eq!(e.line, Some(3));
        let both = Rates::parse("locus,rate\nDYS385,0.001\n", "r.csv").unwrap();
        assert_eq!(both.rate(c("DYS385a")), Some(0.001));
        assert_eq!(both.rate(c("DYS385b")), Some(0.001));
    }

    #[test]
    fn unknown_meioses() {
        let rates = Rates::builtin();
        let child = Haplotype::parse("DYS19=14,DYS570=18,DYS576=17", "c").unwrap();
        let reference = Haplotype::parse("DYS19=14,DYS570=17,DYS576=18", "r").unwrap();
        let (loci, left) = comparable(&child, &reference, &rates).unwrap();
        assert_eq!(loci.len(), 3);
        assert!(left.is_empty());
        let (t, best) = by_meioses(&child, &reference, &loci, &rates, 20);
        assert_eq!(t.len(), 20);
        for (i, v) in t.iter().enumerate() {
            assert!(*v <= t[best - 1], "n = {}", i + 1);
        }
        // Two loci differing by one step: at these rates each more meiosis
        // makes the two steps likelier (about n²μ1μ2/4) up to n ≈ 1/μ.
        assert_eq!(best, 20);
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        // The same haplotype: one meiosis is likeliest.
        let (t, best) = by_meioses(&child, &child, &loci, &rates, 20);
        assert_eq!(best, 1);
        assert!(t.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(t[0], transmission(&child, &child, &loci, &rates, 1).0);
    }
}
