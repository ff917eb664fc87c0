//! The first pass: per case, an upper bound on its LR, from bytes only.
//!
//! At each of the child's markers, each side of the child gets a 3-bit class
//! from the reference alleles in the columns (does the side carry allele `a`,
//! allele `b`, is the parent homozygous, is it untyped). The pair of classes
//! indexes a 64-entry table of quantised upper bounds of the LR at that marker
//! (`bound`), and the sum over markers bounds the log of the LR. A case whose
//! bound stays below the threshold is skipped; the rest get the exact LR.
//!
//! On x86-64 with AVX-512 VBMI, 64 cases are classified at once with byte
//! compares into mask registers and the table is read with one `vpermb`; the
//! portable loop below computes the same sums and is the reference.

use crate::index::Group;
use crate::tables::MISSING;

/// What the kernel knows about one side of the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SideKind {
    /// Nothing: every allele is possible.
    Unknown,
    /// A typed parent: one column slot.
    Parent,
    /// Grandparents through an untyped parent: two column slots (grandfather, grandmother).
    Grandparents,
}

impl SideKind {
    pub fn slots(self) -> usize {
        match self {
            SideKind::Unknown => 0,
            SideKind::Parent => 1,
            SideKind::Grandparents => 2,
        }
    }
}

/// How the first pass classifies one side: how many bits its class takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SideClass {
    /// One class (0 bits).
    Unknown,
    /// A typed parent: carries `a`, carries `b`, homozygous (3 bits).
    Parent,
    /// Grandparents, coarse: some grandparent carries `a`, some carries `b` (3 bits with "untyped").
    Grandparents,
    /// Grandparents, fine: grandfather carries `a`, `b`, grandmother carries `a`, `b` (5 bits).
    GrandparentsFine,
}

impl SideClass {
    pub fn bits(self) -> u32 {
        match self {
            SideClass::Unknown => 0,
            SideClass::Parent | SideClass::Grandparents => 3,
            SideClass::GrandparentsFine => 5,
        }
    }

    pub fn kind(self) -> SideKind {
        match self {
            SideClass::Unknown => SideKind::Unknown,
            SideClass::Parent => SideKind::Parent,
            SideClass::Grandparents | SideClass::GrandparentsFine => SideKind::Grandparents,
        }
    }

    /// The class of an untyped side: a bit pattern no typed side can have.
    /// A typed parent of a heterozygous child cannot carry both `a` and `b`
    /// and be homozygous; for a homozygous child, "carries a" and "carries b"
    /// are the same; coarse grandparents never set the homozygous bit.
    pub fn free(self, homozygous_child: bool) -> u8 {
        match self {
            SideClass::Unknown => 0,
            SideClass::Parent if homozygous_child => HAS_A,
            SideClass::Parent => HAS_A | HAS_B | HOM,
            SideClass::Grandparents => HOM,
            SideClass::GrandparentsFine => 16,
        }
    }
}

/// The kind of a group of cases, which fixes its first pass and its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// Paternal and maternal sides.
    Sided([SideKind; 2]),
    /// A typed parent (0: father, 1: mother) in slot 0, full siblings after it.
    Coupled(usize),
    /// The general path: no first pass.
    General,
}

impl GroupKind {
    /// The side kinds the first pass classifies (the untyped parent of a
    /// coupled case is not classified: any of its rows may be transmitted).
    pub fn checked_sides(self) -> Option<[SideClass; 2]> {
        let class = |k: SideKind, other: SideKind| match k {
            SideKind::Unknown => SideClass::Unknown,
            SideKind::Parent => SideClass::Parent,
            SideKind::Grandparents if other == SideKind::Unknown => SideClass::GrandparentsFine,
            SideKind::Grandparents => SideClass::Grandparents,
        };
        match self {
            GroupKind::Sided([p, m]) => Some([class(p, m), class(m, p)]),
            GroupKind::Coupled(0) => Some([SideClass::Parent, SideClass::Unknown]),
            GroupKind::Coupled(_) => Some([SideClass::Unknown, SideClass::Parent]),
            GroupKind::General => None,
        }
    }
}

/// Class bits of a side at a marker for a child with alleles (a, b).
pub const HAS_A: u8 = 1;
pub const HAS_B: u8 = 2;
/// The typed parent is homozygous.
pub const HOM: u8 = 4;

/// The class of one side of case `pos` at marker `m`.
#[inline(always)]
fn class_of(g: &Group, side: SideClass, first: usize, m: usize, [a, b]: [u8; 2], pos: usize) -> u8 {
    let col = |slot: usize, k: usize| g.cols.get((m * g.slots + slot) * 2 + k, pos);
    match side {
        SideClass::Unknown => 0,
        SideClass::Parent => {
            let (x, y) = (col(first, 0), col(first, 1));
            if x == MISSING {
                return side.free(a == b);
            }
            u8::from(x == a || y == a) | (u8::from(x == b || y == b) << 1) | (u8::from(x == y) << 2)
        }
        SideClass::Grandparents | SideClass::GrandparentsFine => {
            let al = [
                col(first, 0),
                col(first, 1),
                col(first + 1, 0),
                col(first + 1, 1),
            ];
            if al[0] == MISSING || al[2] == MISSING {
                return side.free(a == b);
            }
            let (f, m) = ([al[0], al[1]], [al[2], al[3]]);
            if side == SideClass::GrandparentsFine {
                u8::from(f.contains(&a))
                    | (u8::from(f.contains(&b)) << 1)
                    | (u8::from(m.contains(&a)) << 2)
                    | (u8::from(m.contains(&b)) << 3)
            } else {
                u8::from(al.contains(&a)) | (u8::from(al.contains(&b)) << 1)
            }
        }
    }
}

/// The quantised bound of each of the child's typed markers for one case.
pub(crate) fn case_bounds(
    g: &Group,
    child: &[[u8; 2]],
    tables: &[[u8; 64]],
    pos: usize,
    out: &mut Vec<u8>,
) {
    out.clear();
    let Some(sides) = g.kind.checked_sides() else {
        return;
    };
    let first = [0, sides[0].kind().slots()];
    for (m, &ab) in child.iter().enumerate().filter(|(_, ab)| ab[0] != MISSING) {
        let cp = class_of(g, sides[0], first[0], m, ab, pos);
        let cm = class_of(g, sides[1], first[1], m, ab, pos);
        out.push(tables[out.len()][usize::from(cp << sides[1].bits() | cm)]);
    }
}

/// The portable first pass: adds to `sums[i]`, for case `start + i` of group
/// `g`, the quantised bounds of the child's typed markers (`tables`, one per
/// typed marker in order, indexed by `class_P << bits(M) | class_M`).
pub(crate) fn bound_sums_portable(
    g: &Group,
    child: &[[u8; 2]],
    tables: &[[u8; 64]],
    start: usize,
    sums: &mut [u16],
) {
    let Some(sides) = g.kind.checked_sides() else {
        return;
    };
    let first = [0, sides[0].kind().slots()];
    let mut t = 0;
    for (m, &ab) in child.iter().enumerate() {
        if ab[0] == MISSING {
            continue;
        }
        let table = &tables[t];
        t += 1;
        for (i, s) in sums.iter_mut().enumerate() {
            let cp = class_of(g, sides[0], first[0], m, ab, start + i);
            let cm = class_of(g, sides[1], first[1], m, ab, start + i);
            *s += u16::from(table[usize::from(cp << sides[1].bits() | cm)]);
        }
    }
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

    const fn class(code: u8) -> SideClass {
        match code {
            PARENT => SideClass::Parent,
            GRANDPARENTS => SideClass::Grandparents,
            GRANDPARENTS_FINE => SideClass::GrandparentsFine,
            _ => SideClass::Unknown,
        }
    }

    /// The class bytes of one side (kind `K`) for the 64 cases at `pos`, times `scale`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn side<const K: u8>(
        g: &Group,
        first: usize,
        m: usize,
        [a, b]: [u8; 2],
        pos: usize,
        scale: u8,
    ) -> __m512i {
        let kind = class(K);
        let load = |slot: usize, k: usize| {
            let col = g.cols.block((m * g.slots + slot) * 2 + k, pos);
            // SAFETY: the slice holds 64 bytes.
            unsafe { _mm512_loadu_si512(col.as_ptr().cast()) }
        };
        let (va, vb, ff) = (
            _mm512_set1_epi8(a as i8),
            _mm512_set1_epi8(b as i8),
            _mm512_set1_epi8(-1),
        );
        let bit = |mask: __mmask64, value: u8| {
            _mm512_maskz_mov_epi8(mask, _mm512_set1_epi8((value * scale) as i8))
        };
        let free = _mm512_set1_epi8((kind.free(a == b) * scale) as i8);
        match K {
            PARENT => {
                let (x, y) = (load(first, 0), load(first, 1));
                let ha = _mm512_cmpeq_epi8_mask(x, va) | _mm512_cmpeq_epi8_mask(y, va);
                let hb = _mm512_cmpeq_epi8_mask(x, vb) | _mm512_cmpeq_epi8_mask(y, vb);
                let hom = _mm512_cmpeq_epi8_mask(x, y);
                let missing = _mm512_cmpeq_epi8_mask(x, ff);
                let class = _mm512_or_si512(
                    _mm512_or_si512(bit(ha, HAS_A), bit(hb, HAS_B)),
                    bit(hom, HOM),
                );
                _mm512_mask_blend_epi8(missing, class, free)
            }
            GRANDPARENTS | GRANDPARENTS_FINE => {
                let (w, x, y, z) = (
                    load(first, 0),
                    load(first, 1),
                    load(first + 1, 0),
                    load(first + 1, 1),
                );
                let father =
                    |v: __m512i| _mm512_cmpeq_epi8_mask(w, v) | _mm512_cmpeq_epi8_mask(x, v);
                let mother =
                    |v: __m512i| _mm512_cmpeq_epi8_mask(y, v) | _mm512_cmpeq_epi8_mask(z, v);
                let missing = _mm512_cmpeq_epi8_mask(w, ff) | _mm512_cmpeq_epi8_mask(y, ff);
                let class = if K == GRANDPARENTS_FINE {
                    _mm512_or_si512(
                        _mm512_or_si512(bit(father(va), 1), bit(father(vb), 2)),
                        _mm512_or_si512(bit(mother(va), 4), bit(mother(vb), 8)),
                    )
                } else {
                    _mm512_or_si512(
                        bit(father(va) | mother(va), HAS_A),
                        bit(father(vb) | mother(vb), HAS_B),
                    )
                };
                _mm512_mask_blend_epi8(missing, class, free)
            }
            _ => free,
        }
    }

    /// The first pass for whole blocks of 64 cases; returns how many cases it did.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    pub(super) fn bound_sums(
        g: &Group,
        child: &[[u8; 2]],
        tables: &[[u8; 64]],
        start: usize,
        sums: &mut [u16],
    ) -> usize {
        let Some(sides) = g.kind.checked_sides() else {
            return sums.len();
        };
        match (code(sides[0]), code(sides[1])) {
            (PARENT, PARENT) => blocks::<PARENT, PARENT>(g, sides, child, tables, start, sums),
            (PARENT, UNKNOWN) => blocks::<PARENT, UNKNOWN>(g, sides, child, tables, start, sums),
            (UNKNOWN, PARENT) => blocks::<UNKNOWN, PARENT>(g, sides, child, tables, start, sums),
            (GRANDPARENTS_FINE, UNKNOWN) => {
                blocks::<GRANDPARENTS_FINE, UNKNOWN>(g, sides, child, tables, start, sums)
            }
            (UNKNOWN, GRANDPARENTS_FINE) => {
                blocks::<UNKNOWN, GRANDPARENTS_FINE>(g, sides, child, tables, start, sums)
            }
            (PARENT, GRANDPARENTS) => {
                blocks::<PARENT, GRANDPARENTS>(g, sides, child, tables, start, sums)
            }
            (GRANDPARENTS, PARENT) => {
                blocks::<GRANDPARENTS, PARENT>(g, sides, child, tables, start, sums)
            }
            (GRANDPARENTS, GRANDPARENTS) => {
                blocks::<GRANDPARENTS, GRANDPARENTS>(g, sides, child, tables, start, sums)
            }
            _ => 0,
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
    fn blocks<const P: u8, const M: u8>(
        g: &Group,
        sides: [SideClass; 2],
        child: &[[u8; 2]],
        tables: &[[u8; 64]],
        start: usize,
        sums: &mut [u16],
    ) -> usize {
        let first = [0, sides[0].kind().slots()];
        let scale = 1u8 << sides[1].bits();
        let blocks = sums.len() / 64;
        for block in 0..blocks {
            let pos = start + block * 64;
            let mut lo = _mm512_setzero_si512();
            let mut hi = _mm512_setzero_si512();
            let mut t = 0;
            for (m, &ab) in child.iter().enumerate() {
                if ab[0] == MISSING {
                    continue;
                }
                let cp = side::<P>(g, first[0], m, ab, pos, scale);
                let cm = side::<M>(g, first[1], m, ab, pos, 1);
                // SAFETY: the table holds 64 bytes.
                let table = unsafe { _mm512_loadu_si512(tables[t].as_ptr().cast()) };
                t += 1;
                let values = _mm512_permutexvar_epi8(_mm512_or_si512(cp, cm), table);
                lo = _mm512_add_epi16(lo, _mm512_cvtepu8_epi16(_mm512_castsi512_si256(values)));
                hi = _mm512_add_epi16(
                    hi,
                    _mm512_cvtepu8_epi16(_mm512_extracti64x4_epi64::<1>(values)),
                );
            }
            let out = &mut sums[block * 64..block * 64 + 64];
            let mut add = [0u16; 64];
            // SAFETY: `add` holds 64 u16 = two 512-bit vectors.
            unsafe {
                _mm512_storeu_si512(add.as_mut_ptr().cast(), lo);
                _mm512_storeu_si512(add.as_mut_ptr().add(32).cast(), hi);
            }
            for (o, v) in out.iter_mut().zip(add) {
                *o += v;
            }
        }
        blocks * 64
    }
}

/// The first pass, on the fastest path this CPU has.
pub(crate) fn bound_sums(
    g: &Group,
    child: &[[u8; 2]],
    tables: &[[u8; 64]],
    start: usize,
    sums: &mut [u16],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512vbmi")
            && std::arch::is_x86_feature_detected!("avx512bw")
        {
            // SAFETY: the CPU has the features the function is built for.
            let done = unsafe { avx512::bound_sums(g, child, tables, start, sums) };
            return bound_sums_portable(g, child, tables, start + done, &mut sums[done..]);
        }
    }
    bound_sums_portable(g, child, tables, start, sums)
}
