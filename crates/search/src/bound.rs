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
//! The LR of a coupled case is `f(t_P, tau)` with `tau` what the untyped
//! parent transmits given the siblings. With `R(z) = tau(z) / u(z)`, `u` the
//! population's transmission, `f(t_P, tau) <= max(R(a), R(b)) f(t_P, u)`: the
//! one-parent bound times a factor kept per case and marker (`factor_byte`,
//! two alleles `K` where `R` is largest and `max R` inside and outside `K`).
//! A marker that a case does not share has LR 1, which the bound of two
//! untyped sides covers.
//!
//! Bounds are stored as 16-bit units, `ceil(32 (log10 B + 12))`, rounded up,
//! so that a sum over markers bounds the log10 LR from above; sums saturate,
//! and a saturated sum stands for no bound at all. The coupled factor takes
//! 4 of the 12 decades of offset and the one-parent table the other 8.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use crate::class::{GroupKind, HAS_A, HAS_B, HOM, SideClass};
use crate::tables::{MISSING, Models, Tables};

/// Units per decade.
pub(crate) const SCALE: f64 = 32.0;
/// Decades of offset per marker: a marker's units stand for `log10 B + OFFSET`.
pub(crate) const OFFSET: f64 = 12.0;
/// The decades of the offset that the coupled factor takes.
pub(crate) const COUPLED_OFFSET: f64 = 4.0;
/// Entries of a marker's table: classes of up to 7 bits.
pub(crate) const TABLE: usize = 128;
/// A sum of units this large stands for no bound.
pub(crate) const UNBOUNDED: u16 = u16::MAX;

/// `ceil(SCALE (log10 b + offset))`, at least 0; `UNBOUNDED` when it does not fit.
pub(crate) fn units(b: f64, offset: f64) -> u16 {
    if b <= 0.0 {
        return 0;
    }
    let x = (b.log10() + offset) * SCALE + 1e-6;
    if x.is_nan() || x.ceil() >= f64::from(UNBOUNDED) {
        UNBOUNDED
    } else if x <= 0.0 {
        0
    } else {
        x.ceil() as u16
    }
}

/// A coupled case's factor `R` at a marker in one byte, in half units
/// (1/16 decade, rounded up): `ceil(16 (log10 R + COUPLED_OFFSET))`, or
/// `None` past 255.
pub(crate) fn factor_byte(r: f64) -> Option<u8> {
    if r <= 0.0 {
        return Some(0);
    }
    let x = ((r.log10() + COUPLED_OFFSET) * SCALE / 2.0 + 1e-6).ceil();
    if x.is_nan() || x > 255.0 {
        None
    } else {
        Some(x.max(0.0) as u8)
    }
}

/// The largest factor a byte holds: `factor_byte` of any ratio up to it fits.
pub(crate) fn max_factor() -> f64 {
    10f64.powf(255.0 / (SCALE / 2.0) - COUPLED_OFFSET) * (1.0 - 1e-9)
}

/// Whether the per-case factor of a coupled case fits its byte at every
/// marker of `models`: `R(z) = tau(z) / u(z) <= max_y M[y][z] / u(z)`. When
/// it may not (alleles rarer than about 1e-12), coupled cases take the
/// general path.
pub(crate) fn factors_fit(models: &Models) -> bool {
    let top = max_factor();
    models.tables.iter().all(|t| {
        (0..2).all(|s| {
            (0..t.n).all(|z| {
                let most = (0..t.n).map(|y| t.m[s][y * t.n + z]).fold(0.0, f64::max);
                most / t.u[s][z] <= top
            })
        })
    })
}

/// The log10 bound that a sum of units over `markers` markers stands for.
#[inline]
pub(crate) fn log10_of(sum: u32, markers: usize) -> f64 {
    if sum >= u32::from(UNBOUNDED) {
        f64::INFINITY
    } else {
        f64::from(sum) / SCALE - OFFSET * markers as f64 + 1e-9
    }
}

/// The smallest sum of units over `markers` markers whose bound may reach
/// `log10_threshold`: every case with a smaller sum is provably below it.
pub(crate) fn min_units(log10_threshold: f64, markers: usize) -> u32 {
    if log10_threshold == f64::NEG_INFINITY {
        return 0;
    }
    let guess = ((log10_threshold + OFFSET * markers as f64) * SCALE).floor();
    let mut s = guess.clamp(0.0, f64::from(UNBOUNDED)) as u32;
    while s > 0 && log10_of(s - 1, markers) >= log10_threshold {
        s -= 1;
    }
    while s < u32::from(UNBOUNDED) && log10_of(s, markers) < log10_threshold {
        s += 1;
    }
    s
}

/// The quantised bounds of one group kind for one child.
#[derive(Debug, Clone)]
pub(crate) struct ClassBounds {
    /// One table per typed marker of the child, indexed by `class_P << bits(M) | class_M`.
    pub tables: Vec<Arc<Table>>,
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

/// For one typed person of rows `r` (the mutation rows of its alleles,
/// `r(x)` = (row x at a, row x at b)), the points whose hull holds its
/// transmission in each class `has_a | has_b << 1 | homozygous << 2`.
fn person_classes(r: &dyn Fn(usize) -> Point, n: usize, a: usize, b: usize) -> [Vec<Point>; 8] {
    let mid = |p: Point, q: Point| (0.5 * (p.0 + q.0), 0.5 * (p.1 + q.1));
    let (ra, rb) = (r(a), r(b));
    let others = |ex: &[usize]| -> Vec<usize> { (0..n).filter(|x| !ex.contains(x)).collect() };
    let (a8, b8, h8) = (HAS_A as usize, HAS_B as usize, HOM as usize);
    let mut out: [Vec<Point>; 8] = Default::default();
    if a != b {
        let z = others(&[a, b]);
        out[a8] = z.iter().map(|&z| mid(ra, r(z))).collect();
        out[a8 | h8] = vec![ra];
        out[b8] = z.iter().map(|&z| mid(rb, r(z))).collect();
        out[b8 | h8] = vec![rb];
        out[a8 | b8] = vec![mid(ra, rb)];
        out[h8] = z.iter().map(|&z| r(z)).collect();
        out[0] = out[h8].clone();
    } else {
        let z = others(&[a]);
        out[a8 | b8] = z.iter().map(|&z| mid(ra, r(z))).collect();
        out[a8 | b8 | h8] = vec![ra];
        out[h8] = z.iter().map(|&z| r(z)).collect();
        out[0] = out[h8].clone();
    }
    out.map(|points| pareto(points, a == b))
}

/// Points whose hull holds every mixture of a side in each of its classes
/// (index: the class; every class that stands for an untyped side gets the
/// points of the untyped side).
fn candidates(t: &Tables, side: SideClass, s: usize, a: u8, b: u8) -> Vec<Vec<Point>> {
    let (ai, bi, n) = (a as usize, b as usize, t.n);
    let hom = a == b;
    let row = |mat: &[f64], x: usize| (mat[x * n + ai], mat[x * n + bi]);
    let mut out: Vec<Vec<Point>> = vec![Vec::new(); 1 << side.bits()];
    let free: Vec<Point> = match side {
        SideClass::Unknown => vec![(t.u[s][ai], t.u[s][bi])],
        SideClass::Parent => {
            let m = &t.m[s];
            let classes = person_classes(&|x| row(m, x), n, ai, bi);
            for (c, points) in classes.into_iter().enumerate() {
                out[c] = points;
            }
            let mut all: Vec<Point> = (0..n).map(|x| row(m, x)).collect();
            all.push((t.u[s][ai], t.u[s][bi]));
            all
        }
        SideClass::Grandparents | SideClass::GrandparentsFine => {
            // pi = (rho_gf + rho_gm) / 2, each rho a mixture of two-step rows.
            let (f, m) = (&t.two[0][s], &t.two[1][s]);
            let rf = |x: usize| row(f, x);
            let rm = |x: usize| row(m, x);
            let pf = person_classes(&rf, n, ai, bi);
            let pm = person_classes(&rm, n, ai, bi);
            for cf in 0..8 {
                for cm in 0..8 {
                    if pf[cf].is_empty() || pm[cm].is_empty() {
                        continue;
                    }
                    let points = halfway(&pf[cf], &pm[cm], hom);
                    if side == SideClass::GrandparentsFine {
                        out[cf | cm << 3] = points;
                    } else {
                        // Coarse: the union of the four alleles carries a / b.
                        out[(cf | cm) & 3].extend(points);
                    }
                }
            }
            let mut all_f: Vec<Point> = (0..n).map(rf).collect();
            all_f.push((t.u2[0][s][ai], t.u2[0][s][bi]));
            let mut all_m: Vec<Point> = (0..n).map(rm).collect();
            all_m.push((t.u2[1][s][ai], t.u2[1][s][bi]));
            halfway(&pareto(all_f, hom), &pareto(all_m, hom), hom)
        }
    };
    let free = pareto(free, hom);
    for (c, points) in out.iter_mut().enumerate() {
        if side.is_free(c as u8, hom) {
            points.clone_from(&free);
        }
    }
    out.into_iter().map(|points| pareto(points, hom)).collect()
}

/// The quantised table of one marker: the largest LR over pairs of points of
/// each pair of classes, in units of `offset` decades.
fn table(
    t: &Tables,
    a: u8,
    b: u8,
    sides: [SideClass; 2],
    pat: &[Vec<Point>],
    mat: &[Vec<Point>],
    offset: f64,
) -> [u16; TABLE] {
    let denom = t.p_genotype(a, b);
    let mut table = [UNBOUNDED; TABLE];
    let shift = sides[1].bits();
    let hom = a == b;
    for (cp, ps) in pat.iter().enumerate() {
        for (cm, qs) in mat.iter().enumerate() {
            if ps.is_empty() || qs.is_empty() {
                continue;
            }
            let mut best = 0.0f64;
            for p in ps {
                for q in qs {
                    let f = if hom {
                        p.0 * q.0
                    } else {
                        p.0 * q.1 + p.1 * q.0
                    };
                    best = best.max(f);
                }
            }
            let mut bound = best / denom;
            // Nobody typed on either side: the case may not share this marker (LR 1).
            if sides[0].is_free(cp as u8, hom) && sides[1].is_free(cm as u8, hom) {
                bound = bound.max(1.0);
            }
            table[(cp << shift) | cm] = units(bound, offset);
        }
    }
    table
}

/// The tables of one marker for a child of genotype `[a, b]`, one per kind
/// (zeros for the general path, which has no bound).
pub(crate) fn marker_tables(
    models: &Models,
    m: usize,
    [a, b]: [u8; 2],
    kinds: &[GroupKind],
) -> Vec<[u16; TABLE]> {
    let t = &models.tables[m];
    let mut cache: HashMap<(SideClass, usize), Vec<Vec<Point>>> = HashMap::new();
    kinds
        .iter()
        .map(|&kind| {
            let Some(sides) = kind.checked_sides() else {
                return [0; TABLE];
            };
            for (s, side) in sides.iter().enumerate() {
                cache
                    .entry((*side, s))
                    .or_insert_with(|| candidates(t, *side, s, a, b));
            }
            let offset = if matches!(kind, GroupKind::Coupled(_)) {
                OFFSET - COUPLED_OFFSET
            } else {
                OFFSET
            };
            table(
                t,
                a,
                b,
                sides,
                &cache[&(sides[0], 0)],
                &cache[&(sides[1], 1)],
                offset,
            )
        })
        .collect()
}

/// A marker's table: units by class pair, and their low and high bytes
/// (what the vectorised first pass reads).
#[derive(Debug)]
pub(crate) struct Table {
    pub units: [u16; TABLE],
    pub lo: [u8; TABLE],
    pub hi: [u8; TABLE],
}

impl Table {
    fn new(units: [u16; TABLE]) -> Arc<Table> {
        Arc::new(Table {
            units,
            lo: units.map(|v| v.to_le_bytes()[0]),
            hi: units.map(|v| v.to_le_bytes()[1]),
        })
    }
}
/// A marker and the child's genotype there: `marker << 16 | a << 8 | b`.
fn table_key(m: usize, [a, b]: [u8; 2]) -> u32 {
    (m as u32) << 16 | u32::from(a) << 8 | u32::from(b)
}

/// A multiplicative hash for the cache's small integer keys.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, x: u32) {
        self.0 = u64::from(x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Per marker and genotype, the table of each kind computed so far.
type Known = HashMap<u32, Vec<(GroupKind, Arc<Table>)>, std::hash::BuildHasherDefault<KeyHasher>>;

/// Tables already computed, by marker, the child's genotype there and the
/// kind: they depend on nothing else, and children share genotypes.
#[derive(Default)]
pub(crate) struct TableCache {
    tables: std::sync::RwLock<Known>,
}

/// Adds the tables of `kinds` for one marker and genotype.
fn remember(known: &mut Known, key: u32, kinds: &[GroupKind], tables: &[Arc<Table>]) {
    let entry = known.entry(key).or_default();
    for (&k, t) in kinds.iter().zip(tables) {
        if !entry.iter().any(|(kind, _)| *kind == k) {
            entry.push((k, t.clone()));
        }
    }
}

impl TableCache {
    /// Tables kept at most (about 40 MB); past that the cache starts over.
    const MAX_ENTRIES: usize = 65_536;

    /// Computes the tables of every kind for the commonest genotypes of each
    /// marker, together `coverage` of the population (at most 256 genotypes
    /// per marker, and no more than half the cache); returns how many.
    pub fn warm_up(&self, models: &Models, kinds: &[GroupKind], coverage: f64) -> usize {
        let budget = Self::MAX_ENTRIES / 2 / kinds.len().max(1) / models.len().max(1);
        let work: Vec<(usize, [u8; 2])> = models
            .tables
            .iter()
            .enumerate()
            .flat_map(|(m, t)| {
                let mut genotypes: Vec<(f64, [u8; 2])> = (0..t.n)
                    .flat_map(|a| (a..t.n).map(move |b| [a as u8, b as u8]))
                    .map(|g| (t.p_genotype(g[0], g[1]), g))
                    .collect();
                genotypes.sort_by(|x, y| y.0.total_cmp(&x.0));
                let mut mass = 0.0;
                genotypes
                    .into_iter()
                    .take_while(move |&(p, _)| {
                        let more = mass < coverage;
                        mass += p;
                        more
                    })
                    .take(budget.min(256))
                    .map(move |(_, g)| (m, g))
            })
            .collect();
        let computed: Vec<(_, Vec<[u16; TABLE]>)> = work
            .par_iter()
            .map(|&(m, g)| ((m, g), marker_tables(models, m, g, kinds)))
            .collect();
        let mut known = self.tables.write().unwrap_or_else(|e| e.into_inner());
        if (known.len() + computed.len()) * kinds.len() > Self::MAX_ENTRIES {
            known.clear();
        }
        for ((m, g), tables) in &computed {
            let tables: Vec<Arc<Table>> = tables.iter().map(|t| Table::new(*t)).collect();
            remember(&mut known, table_key(*m, *g), kinds, &tables);
        }
        computed.len()
    }

    /// The bounds of each kind for this child (`None` for the general path).
    pub fn bounds(
        &self,
        models: &Models,
        kinds: &[GroupKind],
        child: &[[u8; 2]],
    ) -> Vec<Option<ClassBounds>> {
        let typed: Vec<usize> = (0..child.len())
            .filter(|&m| child[m][0] != MISSING)
            .collect();
        let mut per_marker: Vec<Option<Vec<Arc<Table>>>> = {
            let known = self.tables.read().unwrap_or_else(|e| e.into_inner());
            typed
                .iter()
                .map(|&m| {
                    let entry = known.get(&table_key(m, child[m]))?;
                    kinds
                        .iter()
                        .map(|&k| {
                            entry
                                .iter()
                                .find(|(kind, _)| *kind == k)
                                .map(|e| e.1.clone())
                        })
                        .collect()
                })
                .collect()
        };
        let missing: Vec<usize> = (0..typed.len())
            .filter(|&i| per_marker[i].is_none())
            .collect();
        if !missing.is_empty() {
            let computed: Vec<(usize, Vec<[u16; TABLE]>)> = missing
                .par_iter()
                .map(|&i| (i, marker_tables(models, typed[i], child[typed[i]], kinds)))
                .collect();
            let mut known = self.tables.write().unwrap_or_else(|e| e.into_inner());
            if (known.len() + computed.len()) * kinds.len() > Self::MAX_ENTRIES {
                known.clear();
            }
            for (i, tables) in computed {
                let m = typed[i];
                let tables: Vec<Arc<Table>> = tables.into_iter().map(Table::new).collect();
                remember(&mut known, table_key(m, child[m]), kinds, &tables);
                per_marker[i] = Some(tables);
            }
        }
        kinds
            .iter()
            .enumerate()
            .map(|(k, kind)| {
                kind.checked_sides()?;
                Some(ClassBounds {
                    tables: per_marker
                        .iter()
                        .map(|tables| tables.as_ref().expect("computed")[k].clone())
                        .collect(),
                })
            })
            .collect()
    }
}

impl ClassBounds {
    /// The bounds of one group kind for this child; `None` for the general path.
    #[cfg(test)]
    pub fn new(models: &Models, kind: GroupKind, child: &[[u8; 2]]) -> Option<ClassBounds> {
        TableCache::default()
            .bounds(models, &[kind], child)
            .pop()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_round_up_and_saturate() {
        for b in [1e-13, 1e-12, 0.5, 1.0, 3.7, 1e5, 1e19] {
            let u = units(b, OFFSET);
            assert!(log10_of(u32::from(u), 1) >= b.log10(), "{b}");
        }
        assert_eq!(units(0.0, OFFSET), 0);
        assert_eq!(units(f64::INFINITY, OFFSET), UNBOUNDED);
        assert_eq!(units(f64::NAN, OFFSET), UNBOUNDED);
        assert_eq!(log10_of(u32::from(UNBOUNDED), 22), f64::INFINITY);
    }

    #[test]
    fn min_units_is_the_first_sum_not_below() {
        for markers in [1, 13, 22, 40] {
            for t in [-300.0, -5.5, 0.0, 0.03125, 3.0, 4.0, 1e9] {
                let s = min_units(t, markers);
                if s > 0 {
                    assert!(log10_of(s - 1, markers) < t);
                }
                if s < u32::from(UNBOUNDED) {
                    assert!(log10_of(s, markers) >= t);
                }
            }
            assert_eq!(min_units(f64::NEG_INFINITY, markers), 0);
        }
    }
}
