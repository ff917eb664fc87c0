//! Upper bounds on a case's LR from its count of inconsistent markers.
//!
//! At a marker, the LR of a sided case is
//! `f(pi_P, pi_M) = (pi_P(a) pi_M(b) + pi_P(b) pi_M(a)) / (2 p_a p_b)`, bilinear
//! in what the two sides transmit. Each side's `pi` is a mixture of "extreme"
//! rows: a typed parent's genotype mixes the mutation rows of its two alleles,
//! a grandparent side mixes two-step rows and untyped-founder rows, an unknown
//! side is one fixed row. A bilinear function over mixtures is largest at a
//! pair of extreme rows, so `C_m`, the largest `f` over all pairs, bounds the
//! LR at marker `m`, and `D_m`, the largest over the pairs the first pass
//! would call inconsistent, bounds it where the first pass found an
//! inconsistency (an inconsistent side's alleles are all inconsistent one by
//! one). The LR of a coupled case is `f(t_P, tau)`, with `tau` a mixture of the
//! untyped parent's rows, so the same bound holds with the untyped side taken
//! as "any row".
//!
//! Over the child's markers, a case with `k` inconsistent markers has
//! `LR <= prod_m max(C_m, 1) * (product of the k largest D_m / max(C_m, 1))`;
//! markers a case does not share have LR 1 and are covered by the `max(., 1)`.

use crate::scan::{GroupKind, SideKind};
use crate::tables::{MISSING, Models, Tables};

/// Relative slack on the bound, far above floating-point rounding.
const SLACK_LOG10: f64 = 1e-9;

/// The bound of one group kind for one child: `log10_upper[k]` for `k`
/// inconsistent markers.
#[derive(Debug, Clone)]
pub(crate) struct Bounds {
    log10_upper: Vec<f64>,
}

/// An extreme row of a side: its values at `a` and `b`, and the allele that
/// the first pass sees (`None`: the side looks untyped, anything goes).
#[derive(Clone, Copy)]
struct Extreme {
    at_a: f64,
    at_b: f64,
    allele: Option<u8>,
}

fn extremes(t: &Tables, kind: SideKind, s: usize, a: u8, b: u8, any_row: bool) -> Vec<Extreme> {
    let (ai, bi) = (a as usize, b as usize);
    let n = t.n;
    let rows = |mat: &[f64], out: &mut Vec<Extreme>| {
        for x in 0..n {
            out.push(Extreme {
                at_a: mat[x * n + ai],
                at_b: mat[x * n + bi],
                allele: Some(x as u8),
            });
        }
    };
    let mut out = Vec::new();
    match kind {
        SideKind::Unknown if any_row => {
            rows(&t.m[s], &mut out);
            for e in &mut out {
                e.allele = None;
            }
        }
        SideKind::Unknown => out.push(Extreme {
            at_a: t.u[s][ai],
            at_b: t.u[s][bi],
            allele: None,
        }),
        SideKind::Parent => {
            rows(&t.m[s], &mut out);
            out.push(Extreme {
                at_a: t.u[s][ai],
                at_b: t.u[s][bi],
                allele: None,
            });
        }
        SideKind::Grandparents => {
            rows(&t.two[0][s], &mut out);
            rows(&t.two[1][s], &mut out);
            for gs in 0..2 {
                out.push(Extreme {
                    at_a: t.u2[gs][s][ai],
                    at_b: t.u2[gs][s][bi],
                    allele: None,
                });
            }
        }
    }
    out
}

impl Bounds {
    /// The bounds for `kind` and this child; `None` for the general path.
    pub fn new(models: &Models, kind: GroupKind, child: &[[u8; 2]]) -> Option<Bounds> {
        let sides = kind.checked_sides()?;
        // In a coupled case the untyped parent's side is any mixture of its rows.
        let any_row = matches!(kind, GroupKind::Coupled(_));
        let mut log_c = 0.0;
        let mut ratios = Vec::new();
        for (m, &[a, b]) in child.iter().enumerate() {
            if a == MISSING {
                continue;
            }
            let t = &models.tables[m];
            let pat = extremes(t, sides[0], 0, a, b, any_row);
            let mat = extremes(t, sides[1], 1, a, b, any_row);
            let denom = t.p_genotype(a, b);
            let (mut c, mut d) = (0.0f64, 0.0f64);
            for p in &pat {
                for q in &mat {
                    let f = if a == b {
                        p.at_a * q.at_a
                    } else {
                        p.at_a * q.at_b + p.at_b * q.at_a
                    } / denom;
                    c = c.max(f);
                    let has = |e: &Extreme, z: u8| e.allele.is_none_or(|x| x == z);
                    let consistent = (has(p, a) && has(q, b)) || (has(p, b) && has(q, a));
                    if !consistent {
                        d = d.max(f);
                    }
                }
            }
            let c = c.max(1.0);
            log_c += c.log10();
            ratios.push((d / c).log10());
        }
        ratios.sort_by(|x, y| y.total_cmp(x));
        let mut log10_upper = Vec::with_capacity(ratios.len() + 1);
        let mut acc = log_c + SLACK_LOG10 * (1.0 + log_c.abs());
        log10_upper.push(acc);
        for r in ratios {
            acc += r;
            log10_upper.push(acc);
        }
        Some(Bounds { log10_upper })
    }

    /// The log10 of an upper bound on the LR of a case with `k` inconsistent markers.
    #[inline]
    pub fn log10_upper(&self, k: u8) -> f64 {
        let k = usize::from(k).min(self.log10_upper.len() - 1);
        self.log10_upper[k]
    }
}
