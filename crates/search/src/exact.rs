//! The exact LR of one case and one child, marker by marker: the fast kernels
//! and the general pedigree path they must agree with.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use kinship::{
    IndexGenotype, MISSING_CHILD, Pedigree, Reference, Relative, Sex, case_pedigree, likelihood,
};

use crate::columns::Columns;
use crate::shape::{Shape, Side};
use crate::tables::{Codebook, ESCAPED, MISSING, Models, Tables, UNTYPED};

/// What cases of one family configuration share: the missing child's sex,
/// the relationship, sex and use of each slot, the kernel's shape. A group
/// keeps each once ([`crate::group::Group::layouts`]); its cases name theirs
/// by number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub child_sex: Sex,
    /// Relationship and sex of the reference in each slot of the group's columns.
    pub relatives: Box<[(Relative, Sex)]>,
    pub shape: Shape,
    /// Per slot: used by the kernel (false: shielded by a typed parent).
    pub used: Box<[bool]>,
    /// Per slot: a real reference (false: a placeholder column, always untyped).
    pub real: Box<[bool]>,
}

/// What the index keeps of a case besides its genotype columns: its id, its
/// layout's number in its group, and what the general and coupled paths
/// compute on first use, boxed. A million cases restored from a snapshot
/// cost one small record each: no allocation, no reference count.
#[derive(Debug)]
pub(crate) struct CaseMeta {
    pub id: u64,
    /// Its [`Layout`] in the group's list.
    pub layout: u32,
    /// Computed on first use (most cases never need it).
    pub cache: OnceLock<Box<CaseCache>>,
    /// Genotypes outside their marker's codebook: (column, alleles).
    pub escaped: Vec<(u32, [u8; 2])>,
}

/// A marker's likelihood not computed yet (a NaN no computation gives; one
/// that did would only be computed again).
const UNSET: u64 = u64::MAX;

/// What the general and coupled paths keep of a case once computed.
#[derive(Debug, Default)]
pub(crate) struct CaseCache {
    /// H1 (the child in the family), with the person of each slot and of the
    /// child; built on first use by the general path.
    pedigree: OnceLock<(Pedigree, Vec<Option<usize>>, usize)>,
    /// Per marker: likelihood of the references alone (general path), with
    /// mutation `[0]` and without `[1]`, as `f64` bits; [`UNSET`] until the
    /// general path needs that marker (a case typed everywhere but at one
    /// marker computes one, not every marker's).
    l0: [OnceLock<Box<[AtomicU64]>>; 2],
    /// Coupled cases: per marker, what the untyped parent transmits given the
    /// typed parent and the siblings (empty where the parent is untyped).
    tau: OnceLock<Vec<Vec<f64>>>,
}

impl CaseMeta {
    /// A case's record, nothing computed yet.
    pub(crate) fn new(id: u64, layout: u32, escaped: Vec<(u32, [u8; 2])>) -> CaseMeta {
        CaseMeta {
            id,
            layout,
            cache: OnceLock::new(),
            escaped,
        }
    }

    fn cache(&self) -> &CaseCache {
        self.cache.get_or_init(Box::default)
    }
}

/// A case in its group: its metadata and where its columns are.
#[derive(Clone, Copy)]
pub(crate) struct CaseView<'a> {
    pub meta: &'a CaseMeta,
    pub layout: &'a Layout,
    pub cols: &'a Columns,
    pub books: &'a [Codebook],
    pub slots: usize,
    pub pos: usize,
}

impl CaseView<'_> {
    /// The alleles of the reference in `slot` at marker `m`.
    #[inline]
    pub fn code(&self, slot: usize, m: usize) -> [u8; 2] {
        let col = m * self.slots + slot;
        match self.cols.get(col, self.pos) {
            UNTYPED => [MISSING; 2],
            ESCAPED => self
                .meta
                .escaped
                .iter()
                .find(|e| e.0 as usize == col)
                .map_or([MISSING; 2], |e| e.1),
            c => self.books[m].pairs[usize::from(c)],
        }
    }

    #[inline]
    fn typed(&self, slot: usize, m: usize) -> bool {
        self.code(slot, m)[0] != MISSING
    }

    /// Whether marker `m` must use the general path: a parent that shields
    /// other references is untyped here while one of them is typed.
    fn needs_general(&self, m: usize) -> bool {
        match &self.layout.shape {
            Shape::General => true,
            Shape::Coupled { parent, .. } => !self.typed(*parent, m),
            Shape::Sided { sides } => sides.iter().enumerate().any(|(side, s)| match s {
                // An untyped parent is a founder (transmitting p M) only when
                // nobody of its side is in the pedigree; otherwise its alleles
                // come from its untyped parents, and the general path sums them.
                Side::Parent(p) if !self.typed(*p, m) => {
                    self.has_lineage(side)
                        || self
                            .layout
                            .used
                            .iter()
                            .enumerate()
                            .any(|(i, &u)| !u && self.typed(i, m))
                }
                _ => false,
            }),
        }
    }

    /// Whether the case pedigree gives the parent of `side` (0 paternal, 1
    /// maternal) parents of its own: a grandparent, aunt or uncle of that side
    /// is among the references.
    fn has_lineage(&self, side: usize) -> bool {
        use Relative::*;
        self.layout
            .relatives
            .iter()
            .zip(self.layout.real.iter())
            .any(|(&(r, _), &real)| {
                real && match side {
                    0 => matches!(
                        r,
                        PaternalGrandfather
                            | PaternalGrandmother
                            | PaternalAunt
                            | PaternalUncle
                            | PaternalGreatUncle
                            | PaternalFirstCousin
                    ),
                    _ => matches!(
                        r,
                        MaternalGrandfather | MaternalGrandmother | MaternalAunt | MaternalUncle
                    ),
                }
            })
    }

    fn pedigree(&self) -> &(Pedigree, Vec<Option<usize>>, usize) {
        self.meta.cache().pedigree.get_or_init(|| {
            let refs: Vec<Reference> = self
                .layout
                .relatives
                .iter()
                .enumerate()
                .filter(|&(i, _)| self.layout.real[i])
                .map(|(i, &(relative, sex))| Reference {
                    id: format!("r{i}"),
                    relative,
                    sex,
                })
                .collect();
            let ped = case_pedigree(self.layout.child_sex, &refs)
                .expect("checked on insert")
                .h1;
            let persons = (0..self.layout.relatives.len())
                .map(|i| ped.index_of(&format!("r{i}")))
                .collect();
            let child = ped.index_of(MISSING_CHILD).expect("placed");
            (ped, persons, child)
        })
    }

    /// The likelihood of the references alone at marker `m` (computed once
    /// per marker; threads that meet it unset at once compute the same value).
    fn references_likelihood(&self, models: &Models, plain: bool, m: usize) -> f64 {
        let l0 = self.meta.cache().l0[usize::from(plain)]
            .get_or_init(|| (0..models.len()).map(|_| AtomicU64::new(UNSET)).collect());
        let bits = l0[m].load(Ordering::Relaxed);
        if bits != UNSET {
            return f64::from_bits(bits);
        }
        let model = if plain {
            &models.plain()[m]
        } else {
            &models.markers()[m]
        };
        let value =
            likelihood(&self.pedigree().0, model, &self.genotypes(m, None), 0.0).unwrap_or(0.0);
        l0[m].store(value.to_bits(), Ordering::Relaxed);
        value
    }

    /// Genotype slots of H1 at marker `m`, with the child's if given.
    fn genotypes(&self, m: usize, child: Option<[u8; 2]>) -> Vec<Option<IndexGenotype>> {
        let (ped, persons, child_person) = self.pedigree();
        let mut g = vec![None; ped.len()];
        for (slot, person) in persons.iter().enumerate() {
            let Some(person) = *person else { continue };
            let [x, y] = self.code(slot, m);
            if x != MISSING {
                g[person] = Some((x as usize, y as usize));
            }
        }
        if let Some([a, b]) = child {
            g[*child_person] = Some((a as usize, b as usize));
        }
        g
    }
}

/// The general path at one marker: the pedigree likelihood with the child,
/// over that of the references alone and the child's population probability.
pub(crate) fn general_marker_lr(
    models: &Models,
    plain: bool,
    case: CaseView<'_>,
    m: usize,
    child: [u8; 2],
) -> f64 {
    let model = if plain {
        &models.plain()[m]
    } else {
        &models.markers()[m]
    };
    let t = if plain {
        &models.plain_tables[m]
    } else {
        &models.tables[m]
    };
    let l0 = case.references_likelihood(models, plain, m);
    if l0 == 0.0 {
        // The references contradict each other here (possible only without mutation).
        return 0.0;
    }
    let l1 = likelihood(
        &case.pedigree().0,
        model,
        &case.genotypes(m, Some(child)),
        0.0,
    )
    .unwrap_or(0.0);
    l1 / (l0 * t.p_genotype(child[0], child[1]))
}

/// What a side transmits: `pi(z)`. `s` is the sex of the side's parent (0 male, 1 female).
#[inline]
fn side_pi(t: &Tables, case: CaseView<'_>, side: Side, s: usize, m: usize, z: u8) -> f64 {
    let n = t.n;
    let z = z as usize;
    let avg =
        |mat: &[f64], [x, y]: [u8; 2]| 0.5 * (mat[x as usize * n + z] + mat[y as usize * n + z]);
    match side {
        Side::Unknown => t.u[s][z],
        Side::Parent(p) => {
            let c = case.code(p, m);
            if c[0] == MISSING {
                t.u[s][z]
            } else {
                avg(&t.m[s], c)
            }
        }
        Side::Grandparents { gf, gm } => {
            let from = |slot: Option<usize>, gs: usize| match slot.map(|p| case.code(p, m)) {
                Some(c) if c[0] != MISSING => avg(&t.two[gs][s], c),
                _ => t.u2[gs][s][z],
            };
            0.5 * (from(gf, 0) + from(gm, 1))
        }
    }
}

/// The exact LR of `case` at marker `m` for a child with codes `child`.
pub(crate) fn marker_lr(
    models: &Models,
    plain: bool,
    case: CaseView<'_>,
    m: usize,
    child: [u8; 2],
) -> f64 {
    if case.needs_general(m) {
        return general_marker_lr(models, plain, case, m, child);
    }
    let t = if plain {
        &models.plain_tables[m]
    } else {
        &models.tables[m]
    };
    let [a, b] = child;
    match &case.layout.shape {
        Shape::Sided { sides } => {
            let pa = side_pi(t, case, sides[0], 0, m, a);
            let ma = side_pi(t, case, sides[1], 1, m, a);
            if a == b {
                pa * ma / t.p_genotype(a, a)
            } else {
                let pb = side_pi(t, case, sides[0], 0, m, b);
                let mb = side_pi(t, case, sides[1], 1, m, b);
                (pa * mb + pb * ma) / t.p_genotype(a, b)
            }
        }
        Shape::Coupled { side, parent, .. } if !plain => {
            let tau = &prepare(models, case)[m];
            let [x1, x2] = case.code(*parent, m);
            let s = *side;
            let tp = |z: u8| 0.5 * (t.m(s, x1, z) + t.m(s, x2, z));
            let [a, b] = child;
            if a == b {
                tp(a) * tau[a as usize] / t.p_genotype(a, a)
            } else {
                (tp(a) * tau[b as usize] + tp(b) * tau[a as usize]) / t.p_genotype(a, b)
            }
        }
        Shape::Coupled { side, parent, sibs } => coupled(t, case, *side, *parent, sibs, m, child),
        Shape::General => unreachable!("general cases take the general path"),
    }
}

/// `h(y)` for each allele `y`: the probability of a child of the typed parent
/// (genotype `x`, sex `sp`) having genotype `g` when the untyped parent (the
/// other sex) transmits allele `y`, each parent's allele through its mutation
/// matrix. With the untyped parent's genotype `(y1, y2)`,
/// `P(g | x, (y1, y2)) = (h(y1) + h(y2)) / 2`.
fn given_untyped_allele(t: &Tables, sp: usize, x: [u8; 2], g: [u8; 2]) -> Vec<f64> {
    let so = 1 - sp;
    let [x1, x2] = x;
    let [g1, g2] = g;
    let tp = |z: u8| 0.5 * (t.m(sp, x1, z) + t.m(sp, x2, z));
    let (t1, t2) = (tp(g1), tp(g2));
    (0..t.n)
        .map(|y| {
            let y = y as u8;
            if g1 == g2 {
                t1 * t.m(so, y, g1)
            } else {
                t1 * t.m(so, y, g2) + t2 * t.m(so, y, g1)
            }
        })
        .collect()
}

/// Each genotype `(y1, y2)` (ordered) of the untyped parent of a coupled
/// case at marker `m`, with its weight given the typed parent (sex `sp`) and
/// the typed siblings: `w = p(y1) p(y2) prod_s P(g_s | x, (y1, y2))`, the
/// siblings' probabilities from [`given_untyped_allele`]. [`coupled`] sums
/// a child's probability over them, [`untyped_parent_transmits`] the
/// untyped parent's transmitted allele.
fn weigh_untyped_parent(
    t: &Tables,
    case: CaseView<'_>,
    sp: usize,
    parent: usize,
    sibs: &[usize],
    m: usize,
    mut visit: impl FnMut(usize, usize, f64),
) {
    let x = case.code(parent, m);
    let sib_h: Vec<Vec<f64>> = sibs
        .iter()
        .filter(|&&s| case.typed(s, m))
        .map(|&s| given_untyped_allele(t, sp, x, case.code(s, m)))
        .collect();
    for y1 in 0..t.n {
        for y2 in 0..t.n {
            let mut w = t.p[y1] * t.p[y2];
            for hs in &sib_h {
                w *= 0.5 * (hs[y1] + hs[y2]);
            }
            visit(y1, y2, w);
        }
    }
}

/// One typed parent (sex `sp`), full siblings, and the other parent summed over.
fn coupled(
    t: &Tables,
    case: CaseView<'_>,
    sp: usize,
    parent: usize,
    sibs: &[usize],
    m: usize,
    child: [u8; 2],
) -> f64 {
    let x = case.code(parent, m);
    let child_h = given_untyped_allele(t, sp, x, child);
    let (mut num, mut den) = (0.0, 0.0);
    weigh_untyped_parent(t, case, sp, parent, sibs, m, |y1, y2, w| {
        den += w;
        num += w * 0.5 * (child_h[y1] + child_h[y2]);
    });
    if den == 0.0 {
        return 0.0;
    }
    num / (den * t.p_genotype(child[0], child[1]))
}

/// Computes what a case's kernel keeps per case (the untyped parent's
/// transmission of a coupled case), once; an empty list for other shapes.
pub(crate) fn prepare<'a>(models: &Models, case: CaseView<'a>) -> &'a [Vec<f64>] {
    let Shape::Coupled { side, parent, sibs } = &case.layout.shape else {
        return &[];
    };
    case.meta.cache().tau.get_or_init(|| {
        (0..models.len())
            .map(|k| {
                if case.typed(*parent, k) {
                    untyped_parent_transmits(&models.tables[k], case, *side, *parent, sibs, k)
                } else {
                    Vec::new()
                }
            })
            .collect()
    })
}

/// The columns of a coupled case's untyped parent (`scan::UNTYPED_PARENT_SLOTS`)
/// at each marker: the two alleles `K` where `R(z) = tau(z) / u(z)` is
/// largest as a genotype code, then the units of `max R` over `K` and over
/// the other alleles (one byte each, `bound::factor_byte`). A `K` outside
/// the codebook is left out (`UNTYPED`), with `max R` over all alleles on
/// both sides. `bound::factors_fit` guarantees every factor fits its byte. Where the typed parent is untyped the marker
/// takes the general path, where the untyped parent's transmission is some
/// mixture of its mutation rows: `R` is then bounded by the largest ratio of
/// a row to `u`, for every allele.
pub(crate) fn untyped_parent_columns(models: &Models, case: CaseView<'_>) -> Vec<[u8; 3]> {
    let Shape::Coupled { side, .. } = &case.layout.shape else {
        return Vec::new();
    };
    let so = 1 - side;
    let taus = prepare(models, case);
    models
        .tables
        .iter()
        .zip(taus)
        .zip(models.books.iter())
        .map(|((t, tau), book)| {
            let n = t.n;
            let u = &t.u[so];
            let m = &t.m[so];
            let (k, r_in, r_out) = if tau.is_empty() {
                let r = (0..n)
                    .map(|z| (0..n).map(|y| m[y * n + z]).fold(0.0, f64::max) / u[z])
                    .fold(0.0, f64::max);
                (UNTYPED, r, r)
            } else {
                let ratio: Vec<f64> = (0..n).map(|z| tau[z] / u[z]).collect();
                let best = |skip: &[usize]| {
                    (0..n)
                        .filter(|z| !skip.contains(z))
                        .max_by(|&x, &y| ratio[x].total_cmp(&ratio[y]))
                };
                let k1 = best(&[]).expect("a marker has alleles");
                let k2 = best(&[k1]).unwrap_or(k1);
                let r_out = best(&[k1, k2]).map_or(0.0, |z| ratio[z]);
                match book.code([k1 as u8, k2 as u8]) {
                    ESCAPED => (UNTYPED, ratio[k1], ratio[k1]),
                    k => (k, ratio[k1], r_out),
                }
            };
            let byte = |r: f64| crate::bound::factor_byte(r).expect("checked by factors_fit");
            [k, byte(r_in), byte(r_out)]
        })
        .collect()
}

/// What the untyped parent of a coupled case transmits, given the typed parent
/// and the siblings: `tau(z) = sum_y omega(y) M_o[y][z]`, where `omega` is the
/// posterior of one allele of the untyped parent (its genotypes weighted by
/// the population and the siblings' probabilities). The LR of a child is then
/// `(t_P(a) tau(b) + t_P(b) tau(a)) / P(c)`, the same as summing the untyped
/// parent's genotypes with the child in (see [`coupled`]).
fn untyped_parent_transmits(
    t: &Tables,
    case: CaseView<'_>,
    sp: usize,
    parent: usize,
    sibs: &[usize],
    m: usize,
) -> Vec<f64> {
    let n = t.n;
    let so = 1 - sp;
    let mut omega = vec![0.0; n];
    let mut total = 0.0;
    weigh_untyped_parent(t, case, sp, parent, sibs, m, |y1, y2, w| {
        // Each of the two alleles is the transmitted one with probability 1/2.
        omega[y1] += 0.5 * w;
        omega[y2] += 0.5 * w;
        total += w;
    });
    let mut tau = vec![0.0; n];
    if total > 0.0 {
        for y in 0..n {
            let w = omega[y] / total;
            if w != 0.0 {
                for z in 0..n {
                    tau[z] += w * t.m[so][y * n + z];
                }
            }
        }
    }
    tau
}

/// The LR of a case for a child over their shared markers.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// (marker index, LR) for each compared marker, in marker order.
    pub markers: Vec<(usize, f64)>,
    pub log10_lr: f64,
}

pub(crate) fn evaluate(
    models: &Models,
    case: CaseView<'_>,
    child: &[[u8; 2]],
    shared: u64,
) -> Evaluation {
    let mut markers = Vec::with_capacity(shared.count_ones() as usize);
    let mut sum = Log10Sum::default();
    for m in 0..models.len() {
        if shared & (1 << m) != 0 {
            let lr = marker_lr(models, false, case, m, child[m]);
            sum.add(lr);
            markers.push((m, lr));
        }
    }
    Evaluation {
        markers,
        log10_lr: sum.log10(),
    }
}

/// The log10 of a product of markers' LRs, multiplied in runs and taken to
/// log10 only when the run leaves [1e-200, 1e200]: `evaluate` and
/// `log10_lr_bounded` both sum so, in marker order, and so give the same
/// number to the last bit (a search that reports LRs alone agrees with one
/// that reports every marker).
#[derive(Clone, Copy)]
struct Log10Sum {
    log10: f64,
    product: f64,
}

impl Default for Log10Sum {
    fn default() -> Self {
        Log10Sum {
            log10: 0.0,
            product: 1.0,
        }
    }
}

impl Log10Sum {
    /// Multiplies by `lr`; false once the product is 0 (an exclusion).
    #[inline]
    fn add(&mut self, lr: f64) -> bool {
        self.product *= lr;
        if !(1e-200..=1e200).contains(&self.product) {
            if self.product == 0.0 {
                self.log10 = f64::NEG_INFINITY;
                return false;
            }
            self.log10 += self.product.log10();
            self.product = 1.0;
        }
        true
    }

    #[inline]
    fn log10(&self) -> f64 {
        self.log10 + self.product.log10()
    }
}

/// The log10 LR of a case, or `None` as soon as the markers computed so far
/// and the bounds of the rest (`bounds[k]`: quantised bound of the k-th of the
/// child's typed markers, see `bound`) cannot reach `log10_threshold`.
pub(crate) fn log10_lr_bounded(
    models: &Models,
    case: CaseView<'_>,
    child: &[[u8; 2]],
    shared: u64,
    bounds: &[u16],
    log10_threshold: f64,
) -> Option<f64> {
    let mut remaining: u32 = bounds.iter().map(|&q| u32::from(q)).sum();
    let mut left = bounds.len();
    let mut sum = Log10Sum::default();
    let mut k = 0;
    for m in 0..models.len() {
        if child[m][0] == MISSING {
            continue;
        }
        if !bounds.is_empty() {
            remaining -= u32::from(bounds[k]);
            left -= 1;
        }
        k += 1;
        if shared & (1 << m) != 0 && !sum.add(marker_lr(models, false, case, m, child[m])) {
            return (f64::NEG_INFINITY >= log10_threshold).then_some(f64::NEG_INFINITY);
        }
        if !bounds.is_empty()
            && sum.log10() + crate::bound::log10_of(remaining, left) < log10_threshold
        {
            return None;
        }
    }
    Some(sum.log10())
}

/// The compared markers where the child cannot be placed in the family without a mutation.
pub(crate) fn inconsistent(
    models: &Models,
    case: CaseView<'_>,
    child: &[[u8; 2]],
    shared: u64,
) -> Vec<usize> {
    (0..models.len())
        .filter(|&m| shared & (1 << m) != 0 && marker_lr(models, true, case, m, child[m]) == 0.0)
        .collect()
}
