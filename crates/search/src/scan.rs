//! The first pass: per case, an upper bound on its LR, from bytes only.
//!
//! At each of the child's markers, each side of the child gets a class of a
//! few bits from the reference alleles in the columns (does the side carry
//! allele `a`, allele `b`, is the parent homozygous, is it untyped). The pair
//! of classes indexes a 128-entry table of 16-bit upper bounds of the LR at
//! that marker (`bound`), and the saturating sum over markers bounds the log
//! of the LR. For a coupled case the per-case factor of its untyped parent is
//! added (two alleles `K` and the units of `max R` inside and outside `K`).
//!
//! The columns hold one genotype code per person and marker (`Codebook`).
//! A person's class bits are read from a 256-entry map built per query from
//! the codebook (carries `a`, carries `b`, homozygous; an untyped person or
//! a genotype outside the codebook gets the bits of an untyped side), and a
//! side's class is the OR of its persons'. On x86-64 with AVX-512 VBMI, 64
//! cases go at once: `vpermi2b` reads the maps and the tables (low and high
//! bytes); the portable loop computes the same sums and is the reference.

use std::collections::HashMap;
use std::sync::Arc;

use crate::bound::{ClassBounds, TABLE, Table, UNBOUNDED};
use crate::class::{GroupKind, SideClass, SideMaps};
use crate::columns::LANES;
use crate::group::Group;
use crate::tables::{Codebook, MISSING, Models};

/// Column slots of a coupled case's untyped parent, after the references:
/// `K` (a genotype code), then `max R` inside `K` and outside `K` in half
/// units (`bound::factor_byte`).
pub(crate) const UNTYPED_PARENT_SLOTS: usize = 3;

/// What the first pass of one group kind needs for one child.
pub(crate) struct Plan {
    sides: [SideClass; 2],
    first: [usize; 2],
    coupled: bool,
    /// The child's typed markers: (marker, alleles).
    markers: Vec<(usize, [u8; 2])>,
    /// Per typed marker: units by `class_P << bits(M) | class_M`, shared with the cache.
    tables: Vec<Arc<Table>>,
    /// Per side, per typed marker: the maps of its persons (shared by the kinds).
    maps: [Arc<Vec<SideMaps>>; 2],
    /// Per typed marker, for coupled cases: 1 for the codes of a `K` holding `a` or `b`.
    kmaps: Arc<Vec<[u8; 256]>>,
    /// Per typed marker: at most 126 codes, so that the first 128 entries of
    /// a map serve every byte (`UNTYPED` and `ESCAPED` land on 127 and 126,
    /// entries past the codebook, which hold what an untyped person gets).
    small: Vec<bool>,
}

/// The maps of one query, computed once for every kind that uses them.
pub(crate) struct SharedMaps {
    books: Arc<[Codebook]>,
    sides: HashMap<(SideClass, u32), Arc<Vec<SideMaps>>>,
    kmaps: Arc<Vec<[u8; 256]>>,
}

impl SharedMaps {
    pub fn new(models: &Models, kinds: &[GroupKind], child: &[[u8; 2]]) -> SharedMaps {
        let books = &models.books;
        let typed: Vec<(usize, [u8; 2])> = child
            .iter()
            .enumerate()
            .filter(|(_, ab)| ab[0] != MISSING)
            .map(|(m, &ab)| (m, ab))
            .collect();
        let mut wanted: Vec<(SideClass, u32)> = Vec::new();
        for sides in kinds.iter().filter_map(|k| k.checked_sides()) {
            for (side, shift) in [(sides[0], sides[1].bits()), (sides[1], 0)] {
                if side != SideClass::Unknown && !wanted.contains(&(side, shift)) {
                    wanted.push((side, shift));
                }
            }
        }
        let sides = wanted
            .into_iter()
            .map(|(side, shift)| {
                let maps = typed
                    .iter()
                    .map(|&(m, ab)| side.maps(&books[m], ab, shift))
                    .collect();
                ((side, shift), Arc::new(maps))
            })
            .collect();
        let coupled = kinds.iter().any(|k| matches!(k, GroupKind::Coupled(_)));
        let kmaps = if coupled {
            typed
                .iter()
                .map(|&(m, [a, b])| {
                    let mut k = [0u8; 256];
                    for (c, pair) in books[m].pairs.iter().enumerate() {
                        k[c] = u8::from(pair.contains(&a) || pair.contains(&b));
                    }
                    k
                })
                .collect()
        } else {
            Vec::new()
        };
        SharedMaps {
            books: books.clone(),
            sides,
            kmaps: Arc::new(kmaps),
        }
    }

    fn side(&self, side: SideClass, shift: u32) -> Arc<Vec<SideMaps>> {
        self.sides.get(&(side, shift)).cloned().unwrap_or_default()
    }
}

impl Plan {
    /// `None` for the general path (no bound: every case is evaluated).
    pub fn new(
        kind: GroupKind,
        bounds: &ClassBounds,
        child: &[[u8; 2]],
        shared: &SharedMaps,
    ) -> Option<Plan> {
        let sides = kind.checked_sides()?;
        let markers: Vec<(usize, [u8; 2])> = child
            .iter()
            .enumerate()
            .filter(|(_, ab)| ab[0] != MISSING)
            .map(|(m, &ab)| (m, ab))
            .collect();
        debug_assert_eq!(markers.len(), bounds.tables.len());
        let shift = [sides[1].bits(), 0];
        let coupled = matches!(kind, GroupKind::Coupled(_));
        let small = markers
            .iter()
            .map(|&(m, _)| shared.books[m].pairs.len() <= 126)
            .collect();
        Some(Plan {
            sides,
            first: [0, sides[0].kind().slots()],
            coupled,
            small,
            kmaps: shared.kmaps.clone(),
            markers,
            tables: bounds.tables.clone(),
            maps: [
                shared.side(sides[0], shift[0]),
                shared.side(sides[1], shift[1]),
            ],
        })
    }

    /// The class of side `side` of case `pos` at the `t`-th typed marker.
    #[inline]
    fn class(&self, g: &Group, side: usize, t: usize, pos: usize) -> u8 {
        let m = self.markers[t].0;
        let first = self.first[side];
        let person =
            |i: usize| self.maps[side][t][i][usize::from(g.cols.get(m * g.slots + first + i, pos))];
        match self.sides[side] {
            SideClass::Unknown => 0,
            SideClass::Parent => person(0),
            SideClass::Grandparents | SideClass::GrandparentsFine => person(0) | person(1),
        }
    }

    /// The units of the coupled factor of case `pos` at the `t`-th typed marker.
    #[inline]
    fn factor(&self, g: &Group, t: usize, pos: usize) -> u16 {
        let m = self.markers[t].0;
        let u = g.slots - UNTYPED_PARENT_SLOTS;
        let col = |slot: usize| g.cols.get(m * g.slots + slot, pos);
        let slot = if self.kmaps[t][usize::from(col(u))] != 0 {
            u + 1
        } else {
            u + 2
        };
        2 * u16::from(col(slot))
    }

    /// The units of case `pos` at the `t`-th typed marker.
    #[inline]
    fn units(&self, g: &Group, t: usize, pos: usize) -> u16 {
        let c = self.class(g, 0, t, pos) | self.class(g, 1, t, pos);
        let v = self.tables[t].units[usize::from(c)];
        if self.coupled {
            v.saturating_add(self.factor(g, t, pos))
        } else {
            v
        }
    }
}

/// The units of each of the child's typed markers for one case.
pub(crate) fn case_bounds(g: &Group, plan: Option<&Plan>, pos: usize, out: &mut Vec<u16>) {
    out.clear();
    if let Some(plan) = plan {
        out.extend((0..plan.markers.len()).map(|t| plan.units(g, t, pos)));
    }
}

/// The portable first pass: `sums[i]` gets the saturating sum of units of
/// case `start + i` of group `g` (`start` a multiple of 64). Block by block
/// and marker by marker, so that each step reads whole columns of 64 cases;
/// the sum of non-negative units saturates to the same value in any order.
pub(crate) fn bound_sums_portable(g: &Group, plan: &Plan, start: usize, sums: &mut [u16]) {
    debug_assert_eq!(start % LANES, 0);
    sums.fill(0);
    for (b, sums) in sums.chunks_mut(LANES).enumerate() {
        let pos = start + b * LANES;
        for t in 0..plan.markers.len() {
            plan.add_block(g, t, pos, sums);
        }
    }
}

impl Plan {
    /// Adds the units of the `t`-th typed marker of the (up to) 64 cases of
    /// the block at `pos` to `sums`: [`Plan::units`] for a whole block.
    fn add_block(&self, g: &Group, t: usize, pos: usize, sums: &mut [u16]) {
        let m = self.markers[t].0;
        let col = |slot: usize| g.cols.block(m * g.slots + slot, pos);
        let mut class = [0u8; LANES];
        for side in 0..2 {
            let persons = match self.sides[side] {
                SideClass::Unknown => 0,
                SideClass::Parent => 1,
                SideClass::Grandparents | SideClass::GrandparentsFine => 2,
            };
            for i in 0..persons {
                let map = &self.maps[side][t][i];
                for (c, &byte) in class.iter_mut().zip(col(self.first[side] + i)) {
                    *c |= map[usize::from(byte)];
                }
            }
        }
        let units = &self.tables[t].units;
        if self.coupled {
            let u = g.slots - UNTYPED_PARENT_SLOTS;
            let (k, inside, outside) = (col(u), col(u + 1), col(u + 2));
            let kmap = &self.kmaps[t];
            for (i, s) in sums.iter_mut().enumerate() {
                let factor = if kmap[usize::from(k[i])] != 0 {
                    inside[i]
                } else {
                    outside[i]
                };
                let v = units[usize::from(class[i])].saturating_add(2 * u16::from(factor));
                *s = s.saturating_add(v);
            }
        } else {
            for (s, &c) in sums.iter_mut().zip(&class) {
                *s = s.saturating_add(units[usize::from(c)]);
            }
        }
    }
}

/// Whether the first pass keeps to the portable loop on every CPU (for
/// measuring what a machine without AVX-512 VBMI gets; off by default).
static PORTABLE_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the first pass takes its AVX-512 VBMI loop: the CPU has it and
/// the portable loop was not asked for.
fn vectorised() -> bool {
    #[cfg(target_arch = "x86_64")]
    if !PORTABLE_ONLY.load(std::sync::atomic::Ordering::Relaxed)
        && std::arch::is_x86_feature_detected!("avx512vbmi")
        && std::arch::is_x86_feature_detected!("avx512bw")
    {
        return true;
    }
    false
}

/// The first pass this process uses: "AVX-512 VBMI" or "portable".
pub fn first_pass_kernel() -> &'static str {
    if vectorised() {
        "AVX-512 VBMI"
    } else {
        "portable"
    }
}

/// Makes the first pass keep to the portable loop (`true`) or use the
/// vectorised one where the CPU has it (`false`, the default). Both give
/// the same sums; only the speed differs.
pub fn set_portable_first_pass(on: bool) {
    PORTABLE_ONLY.store(on, std::sync::atomic::Ordering::Relaxed);
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::*;

    const UNKNOWN: u8 = 0;
    const PARENT: u8 = 1;
    const GRANDPARENTS: u8 = 2;
    const GRANDPARENTS_FINE: u8 = 3;

    const fn code(kind: SideClass) -> u8 {
        match kind {
            SideClass::Unknown => UNKNOWN,
            SideClass::Parent => PARENT,
            SideClass::Grandparents => GRANDPARENTS,
            SideClass::GrandparentsFine => GRANDPARENTS_FINE,
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn load(bytes: &[u8]) -> __m512i {
        assert!(bytes.len() >= 64);
        // SAFETY: the slice holds at least 64 bytes.
        unsafe { _mm512_loadu_si512(bytes.as_ptr().cast()) }
    }

    /// `map[c]` for each of the 64 bytes `c`; with `small`, from the map's
    /// first 128 entries alone (`c & 127`).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn lookup(map: &[u8; 256], c: __m512i, small: bool) -> __m512i {
        let low = _mm512_permutex2var_epi8(load(&map[..64]), c, load(&map[64..128]));
        if small {
            return low;
        }
        let high = _mm512_permutex2var_epi8(load(&map[128..192]), c, load(&map[192..]));
        _mm512_mask_blend_epi8(_mm512_movepi8_mask(c), low, high)
    }

    /// The class bytes of one side (kind `K`) of the 64 cases at `pos`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn side<const K: u8>(g: &Group, plan: &Plan, side: usize, t: usize, pos: usize) -> __m512i {
        let m = plan.markers[t].0;
        let first = plan.first[side];
        let person = |i: usize| {
            lookup(
                &plan.maps[side][t][i],
                load(g.cols.block(m * g.slots + first + i, pos)),
                plan.small[t],
            )
        };
        match K {
            PARENT => person(0),
            GRANDPARENTS | GRANDPARENTS_FINE => _mm512_or_si512(person(0), person(1)),
            _ => _mm512_setzero_si512(),
        }
    }

    /// The sums of the 64 cases at `pos` (a multiple of 64) into `out`, and their maximum
    /// over the first `valid` of them.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn block<const P: u8, const M: u8, const C: bool>(
        g: &Group,
        plan: &Plan,
        pos: usize,
        valid: usize,
        out: &mut [u16; 64],
    ) -> u16 {
        let mut acc0 = _mm512_setzero_si512();
        let mut acc1 = _mm512_setzero_si512();
        for t in 0..plan.markers.len() {
            let idx = _mm512_or_si512(side::<P>(g, plan, 0, t, pos), side::<M>(g, plan, 1, t, pos));
            // Only the fine grandparents' classes need more than 6 bits.
            let table = |bytes: &[u8; TABLE]| {
                if P == GRANDPARENTS_FINE || M == GRANDPARENTS_FINE {
                    _mm512_permutex2var_epi8(load(&bytes[..64]), idx, load(&bytes[64..]))
                } else {
                    _mm512_permutexvar_epi8(idx, load(&bytes[..64]))
                }
            };
            let (lo, hi) = (table(&plan.tables[t].lo), table(&plan.tables[t].hi));
            let mut w0 = _mm512_unpacklo_epi8(lo, hi);
            let mut w1 = _mm512_unpackhi_epi8(lo, hi);
            if C {
                let m = plan.markers[t].0;
                let u = g.slots - UNTYPED_PARENT_SLOTS;
                let col = |slot: usize| load(g.cols.block(m * g.slots + slot, pos));
                let k = lookup(&plan.kmaps[t], col(u), plan.small[t]);
                let inside = _mm512_test_epi8_mask(k, k);
                let r = _mm512_mask_blend_epi8(inside, col(u + 2), col(u + 1));
                let zero = _mm512_setzero_si512();
                // Half units to units: widen in the order of w0 and w1, then double.
                let r0 = _mm512_slli_epi16::<1>(_mm512_unpacklo_epi8(r, zero));
                let r1 = _mm512_slli_epi16::<1>(_mm512_unpackhi_epi8(r, zero));
                w0 = _mm512_adds_epu16(w0, r0);
                w1 = _mm512_adds_epu16(w1, r1);
            }
            acc0 = _mm512_adds_epu16(acc0, w0);
            acc1 = _mm512_adds_epu16(acc1, w1);
        }
        // Lane j of 128-bit lane L: acc0 holds case 16 L + j, acc1 case 16 L + 8 + j.
        let order = |half: usize| {
            let mut idx = [0u16; 32];
            for (i, x) in idx.iter_mut().enumerate() {
                let c = half * 32 + i;
                let (l, j) = (c / 16, c % 16);
                *x = if j < 8 { 8 * l + j } else { 32 + 8 * l + j - 8 } as u16;
            }
            // SAFETY: 32 u16 = 64 bytes.
            unsafe { _mm512_loadu_si512(idx.as_ptr().cast()) }
        };
        let first = _mm512_permutex2var_epi16(acc0, order(0), acc1);
        let second = _mm512_permutex2var_epi16(acc0, order(1), acc1);
        // SAFETY: `out` holds 64 u16 = two 512-bit vectors.
        unsafe {
            _mm512_storeu_si512(out.as_mut_ptr().cast(), first);
            _mm512_storeu_si512(out.as_mut_ptr().add(32).cast(), second);
        }
        if valid < 64 {
            return out[..valid].iter().copied().max().unwrap_or(0);
        }
        let m = _mm512_max_epu16(first, second);
        let m = _mm256_max_epu16(_mm512_castsi512_si256(m), _mm512_extracti64x4_epi64::<1>(m));
        let m = _mm_max_epu16(_mm256_castsi256_si128(m), _mm256_extracti128_si256::<1>(m));
        // The smallest of the complements is the complement of the largest.
        let inv = _mm_xor_si128(m, _mm_set1_epi16(-1));
        !(_mm_cvtsi128_si32(_mm_minpos_epu16(inv)) as u16)
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn blocks<const P: u8, const M: u8, const C: bool>(
        g: &Group,
        plan: &Plan,
        start: usize,
        sums: &mut [u16],
        maxima: &mut [u16],
    ) {
        let mut out = [0u16; 64];
        for (k, chunk) in sums.chunks_mut(64).enumerate() {
            // Two blocks ahead, into the cache while this one is computed.
            for line in g.cols.whole_block(start + (k + 4) * 64).chunks(64) {
                // SAFETY: prefetching is only a hint; the address is inside the slice.
                _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast());
            }
            let valid = chunk.len();
            maxima[k] = block::<P, M, C>(g, plan, start + k * 64, valid, &mut out);
            chunk.copy_from_slice(&out[..valid]);
        }
    }

    /// The first pass over whole blocks; false if this kind has no vectorised loop.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(super) fn bound_sums(
        g: &Group,
        plan: &Plan,
        start: usize,
        sums: &mut [u16],
        maxima: &mut [u16],
    ) -> bool {
        let kinds = (code(plan.sides[0]), code(plan.sides[1]), plan.coupled);
        match kinds {
            (PARENT, PARENT, false) => {
                blocks::<PARENT, PARENT, false>(g, plan, start, sums, maxima)
            }
            (PARENT, UNKNOWN, false) => {
                blocks::<PARENT, UNKNOWN, false>(g, plan, start, sums, maxima)
            }
            (UNKNOWN, PARENT, false) => {
                blocks::<UNKNOWN, PARENT, false>(g, plan, start, sums, maxima)
            }
            (PARENT, UNKNOWN, true) => {
                blocks::<PARENT, UNKNOWN, true>(g, plan, start, sums, maxima)
            }
            (UNKNOWN, PARENT, true) => {
                blocks::<UNKNOWN, PARENT, true>(g, plan, start, sums, maxima)
            }
            (GRANDPARENTS_FINE, UNKNOWN, false) => {
                blocks::<GRANDPARENTS_FINE, UNKNOWN, false>(g, plan, start, sums, maxima)
            }
            (UNKNOWN, GRANDPARENTS_FINE, false) => {
                blocks::<UNKNOWN, GRANDPARENTS_FINE, false>(g, plan, start, sums, maxima)
            }
            (PARENT, GRANDPARENTS, false) => {
                blocks::<PARENT, GRANDPARENTS, false>(g, plan, start, sums, maxima)
            }
            (GRANDPARENTS, PARENT, false) => {
                blocks::<GRANDPARENTS, PARENT, false>(g, plan, start, sums, maxima)
            }
            (GRANDPARENTS, GRANDPARENTS, false) => {
                blocks::<GRANDPARENTS, GRANDPARENTS, false>(g, plan, start, sums, maxima)
            }
            _ => return false,
        }
        true
    }
}

/// The first pass for the cases of group `g` from `start` (a multiple of
/// 64): `sums[i]` gets the bound units of case `start + i`, `maxima[k]` the
/// largest sum of block `k`. Without a plan (the general path) every sum is
/// `UNBOUNDED`.
pub(crate) fn bound_sums(
    g: &Group,
    plan: Option<&Plan>,
    start: usize,
    sums: &mut [u16],
    maxima: &mut [u16],
) {
    debug_assert_eq!(start % 64, 0);
    debug_assert_eq!(maxima.len(), sums.len().div_ceil(64));
    let Some(plan) = plan else {
        sums.fill(UNBOUNDED);
        maxima.fill(UNBOUNDED);
        return;
    };
    #[cfg(target_arch = "x86_64")]
    if vectorised() {
        // SAFETY: the CPU has the features the function is built for.
        if unsafe { avx512::bound_sums(g, plan, start, sums, maxima) } {
            return;
        }
    }
    bound_sums_portable(g, plan, start, sums);
    for (m, chunk) in maxima.iter_mut().zip(sums.chunks(64)) {
        *m = chunk.iter().copied().max().unwrap_or(0);
    }
}
