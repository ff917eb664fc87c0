//! Upper bounds on a case's LR at each marker, by the classes of its sides.
//!
//! At a marker, the LR of a sided case is
//! `f(pi_P, pi_M) = (pi_P(a) pi_M(b) + pi_P(b) pi_M(a)) / (2 p_a p_b)` (or
//! `pi_P(a) pi_M(a) / p_a^2` for a homozygous child), bilinear in what the two
//! sides transmit. What a side transmits is a mixture of rows of its mutation
//! matrices: a typed parent `{x, y}` gives `(M[x] + M[y]) / 2`, grandparents
//! mix the rows of two-step matrices, an untyped parent the population row
//! `p M`. The first pass only sees a class per side (does it carry `a`, `b`,
//! is the parent homozygous, is it untyped); for each class we list points
//! whose convex hull holds every mixture of that class, and since a bilinear
//! function over hulls is largest at a pair of points, the largest `f` over
//! pairs of listed points bounds the LR of every case in that pair of classes.
//! The LR of a coupled case is `f(t_P, tau)` with `tau` a mixture of the
//! untyped parent's rows, so its untyped side lists all of them. A marker that
//! a case does not share has LR 1, which the bound of two untyped sides covers.
//!
//! Bounds are stored as bytes, `ceil(10 (log10 B + 12))`, rounded up, so that
//! a sum over markers bounds the log10 LR from above.

use crate::scan::{GroupKind, HAS_A, HAS_B, HOM, SideClass};
use std::collections::HashMap;

use rayon::prelude::*;

use crate::tables::{MISSING, Models, Tables};

/// Quantisation: tenths of a decade, offset by 12 decades.
const SCALE: f64 = 10.0;
const OFFSET: f64 = 12.0;

/// The quantised bounds of one group kind for one child.
#[derive(Debug, Clone)]
pub(crate) struct ClassBounds {
    /// One table per typed marker of the child, indexed by `class_P << 3 | class_M`.
    pub tables: Vec<[u8; 64]>,
    /// False when a bound did not fit the quantisation: then nothing may be skipped.
    pub usable: bool,
}

type Point = (f64, f64);

/// Keeps the points no other point beats in both coordinates (the bound is
/// increasing in both), or only the best first coordinate for a homozygous child.
fn pareto(mut points: Vec<Point>, homozygous: bool) -> Vec<Point> {
    if homozygous {
        let best = points
            .iter()
            .copied()
            .fold(None, |m: Option<Point>, p| match m {
                Some(q) if q.0 >= p.0 => Some(q),
                _ => Some(p),
            });
        return best.into_iter().collect();
    }
    points.sort_by(|p, q| q.0.total_cmp(&p.0).then(q.1.total_cmp(&p.1)));
    let mut out: Vec<Point> = Vec::new();
    for p in points {
        if out.last().is_none_or(|q| p.1 > q.1) {
            out.push(p);
        }
    }
    out
}

/// The Pareto frontier of `{(p + q) / 2}` over two point sets.
fn halfway(ps: &[Point], qs: &[Point], homozygous: bool) -> Vec<Point> {
    let sums = ps
        .iter()
        .flat_map(|p| {
            qs.iter()
                .map(move |q| (0.5 * (p.0 + q.0), 0.5 * (p.1 + q.1)))
        })
        .collect();
    pareto(sums, homozygous)
}

/// For one typed person of rows `r` (the mutation rows of its alleles), the
/// points whose hull holds its transmission given whether it carries `a`
/// and `b` (index `has_a | has_b << 1`), ignoring zygosity.
fn person_classes(
    r: &dyn Fn(usize) -> Point,
    n: usize,
    a: usize,
    b: usize,
    homozygous: bool,
) -> [Vec<Point>; 4] {
    let mid = |p: Point, q: Point| (0.5 * (p.0 + q.0), 0.5 * (p.1 + q.1));
    let (ra, rb) = (r(a), r(b));
    let mut out: [Vec<Point>; 4] = Default::default();
    if homozygous {
        out[3] = (0..n).map(|z| mid(ra, r(z))).collect();
        out[0] = (0..n).filter(|&z| z != a).map(r).collect();
    } else {
        out[1] = (0..n).filter(|&z| z != b).map(|z| mid(ra, r(z))).collect();
        out[2] = (0..n).filter(|&z| z != a).map(|z| mid(rb, r(z))).collect();
        out[3] = vec![mid(ra, rb)];
        out[0] = (0..n).filter(|&z| z != a && z != b).map(r).collect();
    }
    out.map(|points| pareto(points, homozygous))
}

/// Points whose hull holds every mixture of a side in each of its classes.
fn candidates(
    t: &Tables,
    side: SideClass,
    s: usize,
    a: u8,
    b: u8,
    any_row: bool,
) -> Vec<Vec<Point>> {
    let (ai, bi, n) = (a as usize, b as usize, t.n);
    let hom = a == b;
    let row = |mat: &[f64], x: usize| (mat[x * n + ai], mat[x * n + bi]);
    let mid = |p: Point, q: Point| (0.5 * (p.0 + q.0), 0.5 * (p.1 + q.1));
    let mut out: Vec<Vec<Point>> = vec![Vec::new(); 1 << side.bits().max(1)];
    let free = side.free(hom) as usize;
    if free >= out.len() {
        out.resize(free + 1, Vec::new());
    }
    match side {
        SideClass::Unknown => {
            out[free] = if any_row {
                (0..n).map(|x| row(&t.m[s], x)).collect()
            } else {
                vec![(t.u[s][ai], t.u[s][bi])]
            };
        }
        SideClass::Parent => {
            let m = &t.m[s];
            let (ra, rb) = (row(m, ai), row(m, bi));
            let others =
                |ex: &[usize]| -> Vec<usize> { (0..n).filter(|x| !ex.contains(x)).collect() };
            if !hom {
                let z = others(&[ai, bi]);
                out[HAS_A as usize] = z.iter().map(|&z| mid(ra, row(m, z))).collect();
                out[(HAS_A | HOM) as usize] = vec![ra];
                out[HAS_B as usize] = z.iter().map(|&z| mid(rb, row(m, z))).collect();
                out[(HAS_B | HOM) as usize] = vec![rb];
                out[(HAS_A | HAS_B) as usize] = vec![mid(ra, rb)];
                out[HOM as usize] = z.iter().map(|&z| row(m, z)).collect();
                out[0] = out[HOM as usize].clone();
            } else {
                let z = others(&[ai]);
                out[(HAS_A | HAS_B) as usize] = z.iter().map(|&z| mid(ra, row(m, z))).collect();
                out[(HAS_A | HAS_B | HOM) as usize] = vec![ra];
                out[HOM as usize] = z.iter().map(|&z| row(m, z)).collect();
                out[0] = out[HOM as usize].clone();
            }
            let mut all: Vec<Point> = (0..n).map(|x| row(m, x)).collect();
            all.push((t.u[s][ai], t.u[s][bi]));
            out[free] = all;
        }
        SideClass::Grandparents | SideClass::GrandparentsFine => {
            // pi = (rho_gf + rho_gm) / 2, each rho a mixture of two-step rows.
            let (f, m) = (&t.two[0][s], &t.two[1][s]);
            let rf = |x: usize| row(f, x);
            let rm = |x: usize| row(m, x);
            let pf = person_classes(&rf, n, ai, bi, hom);
            let pm = person_classes(&rm, n, ai, bi, hom);
            if side == SideClass::GrandparentsFine {
                for cf in 0..4 {
                    for cm in 0..4 {
                        if !pf[cf].is_empty() && !pm[cm].is_empty() {
                            out[cf | cm << 2] = halfway(&pf[cf], &pm[cm], hom);
                        }
                    }
                }
            } else {
                // Coarse: the union of the four alleles carries a / b.
                for c in 0..4usize {
                    let mut points = Vec::new();
                    for cf in 0..4 {
                        for cm in 0..4 {
                            if (cf | cm) == c && !pf[cf].is_empty() && !pm[cm].is_empty() {
                                points.extend(halfway(&pf[cf], &pm[cm], hom));
                            }
                        }
                    }
                    out[c] = pareto(points, hom);
                }
            }
            let mut all_f: Vec<Point> = (0..n).map(rf).collect();
            all_f.push((t.u2[0][s][ai], t.u2[0][s][bi]));
            let mut all_m: Vec<Point> = (0..n).map(rm).collect();
            all_m.push((t.u2[1][s][ai], t.u2[1][s][bi]));
            out[free] = halfway(&pareto(all_f, hom), &pareto(all_m, hom), hom);
        }
    }
    out.into_iter().map(|points| pareto(points, hom)).collect()
}

fn quantise(b: f64) -> Option<u8> {
    if b <= 0.0 {
        return Some(0);
    }
    let x = (b.log10() + OFFSET) * SCALE + 1e-6;
    if x <= 0.0 {
        Some(0)
    } else if x.ceil() <= 255.0 {
        Some(x.ceil() as u8)
    } else {
        None
    }
}

/// The quantised table of one marker: the largest LR over pairs of points of
/// each pair of classes; `None` if a bound does not fit the quantisation.
fn table(
    t: &Tables,
    a: u8,
    b: u8,
    sides: [SideClass; 2],
    pat: &[Vec<Point>],
    mat: &[Vec<Point>],
) -> Option<[u8; 64]> {
    let denom = t.p_genotype(a, b);
    let mut table = [u8::MAX; 64];
    let (free_p, free_m) = (
        sides[0].free(a == b) as usize,
        sides[1].free(a == b) as usize,
    );
    let shift = sides[1].bits();
    for (cp, ps) in pat.iter().enumerate() {
        for (cm, qs) in mat.iter().enumerate() {
            if ps.is_empty() || qs.is_empty() {
                continue;
            }
            let mut best = 0.0f64;
            for p in ps {
                for q in qs {
                    let f = if a == b {
                        p.0 * q.0
                    } else {
                        p.0 * q.1 + p.1 * q.0
                    };
                    best = best.max(f);
                }
            }
            let mut bound = best / denom;
            if cp == free_p && cm == free_m {
                bound = bound.max(1.0);
            }
            table[(cp << shift) | cm] = quantise(bound)?;
        }
    }
    Some(table)
}

impl ClassBounds {
    /// The bounds of each group kind for this child (`None` for the general
    /// path); each side's points are computed once and shared by the kinds.
    pub fn for_kinds(
        models: &Models,
        kinds: &[GroupKind],
        child: &[[u8; 2]],
    ) -> Vec<Option<ClassBounds>> {
        let typed: Vec<usize> = (0..child.len())
            .filter(|&m| child[m][0] != MISSING)
            .collect();
        // Per typed marker (in parallel), per kind: the table, or None if it did not fit.
        let per_marker: Vec<Vec<Option<[u8; 64]>>> = typed
            .par_iter()
            .map(|&m| {
                let [a, b] = child[m];
                let t = &models.tables[m];
                let mut cache: HashMap<(SideClass, usize, bool), Vec<Vec<Point>>> = HashMap::new();
                kinds
                    .iter()
                    .map(|&kind| {
                        let Some(sides) = kind.checked_sides() else {
                            return Some([0; 64]);
                        };
                        let any_row = matches!(kind, GroupKind::Coupled(_));
                        for (s, side) in sides.iter().enumerate() {
                            cache
                                .entry((*side, s, any_row))
                                .or_insert_with(|| candidates(t, *side, s, a, b, any_row));
                        }
                        table(
                            t,
                            a,
                            b,
                            sides,
                            &cache[&(sides[0], 0, any_row)],
                            &cache[&(sides[1], 1, any_row)],
                        )
                    })
                    .collect()
            })
            .collect();
        kinds
            .iter()
            .enumerate()
            .map(|(k, kind)| {
                kind.checked_sides()?;
                let tables: Vec<Option<[u8; 64]>> =
                    per_marker.iter().map(|tables| tables[k]).collect();
                let usable = tables.iter().all(Option::is_some);
                Some(ClassBounds {
                    tables: tables
                        .into_iter()
                        .map(|t| t.unwrap_or([u8::MAX; 64]))
                        .collect(),
                    usable,
                })
            })
            .collect()
    }

    /// The bounds of one group kind for this child; `None` for the general path.
    #[cfg(test)]
    pub fn new(models: &Models, kind: GroupKind, child: &[[u8; 2]]) -> Option<ClassBounds> {
        ClassBounds::for_kinds(models, &[kind], child)
            .pop()
            .flatten()
    }

    /// The log10 bound that quantised values `q` stand for, summed.
    #[inline]
    pub fn log10_of(q: u32, markers: usize) -> f64 {
        f64::from(q) / SCALE - OFFSET * markers as f64 + 1e-9
    }

    /// Whether a case whose quantised bounds sum to `sum` is provably below `log10_threshold`.
    #[inline]
    pub fn below(&self, sum: u16, log10_threshold: f64) -> bool {
        self.usable
            && f64::from(sum) / SCALE - OFFSET * self.tables.len() as f64 + 1e-9 < log10_threshold
    }
}
