//! The first pass: per case, how many of the child's markers cannot be
//! explained without a mutation. Bytes compared side by side over columns,
//! no floating point; the compiler vectorises the loops, and on x86-64 a copy
//! built for AVX2 (or AVX-512) is chosen at run time.

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
    /// The side kinds the first pass checks (the other parent of a coupled
    /// case is not checked: the siblings only inform it).
    pub fn checked_sides(self) -> Option<[SideKind; 2]> {
        match self {
            GroupKind::Sided(s) => Some(s),
            GroupKind::Coupled(0) => Some([SideKind::Parent, SideKind::Unknown]),
            GroupKind::Coupled(_) => Some([SideKind::Unknown, SideKind::Parent]),
            GroupKind::General => None,
        }
    }
}

/// Fills `out[i] = 1` where the side (its column slots starting at `first`)
/// can give allele `a` without mutation, for cases `start..start + out.len()`.
/// A side with a missing typing can give anything.
#[inline(always)]
fn side_has(
    g: &Group,
    kind: SideKind,
    first: usize,
    m: usize,
    a: u8,
    start: usize,
    out: &mut [u8],
) {
    let n = out.len();
    let col = |slot: usize, k: usize| &g.cols[(m * g.slots + slot) * 2 + k][start..start + n];
    match kind {
        SideKind::Unknown => out.fill(1),
        SideKind::Parent => {
            let (x1, x2) = (col(first, 0), col(first, 1));
            for ((o, &x), &y) in out.iter_mut().zip(x1).zip(x2) {
                *o = u8::from(x == a) | u8::from(y == a) | u8::from(x == MISSING);
            }
        }
        SideKind::Grandparents => {
            let (f1, f2, m1, m2) = (
                col(first, 0),
                col(first, 1),
                col(first + 1, 0),
                col(first + 1, 1),
            );
            for ((((o, &w), &x), &y), &z) in out.iter_mut().zip(f1).zip(f2).zip(m1).zip(m2) {
                *o = u8::from(w == a)
                    | u8::from(x == a)
                    | u8::from(y == a)
                    | u8::from(z == a)
                    | u8::from(w == MISSING)
                    | u8::from(y == MISSING);
            }
        }
    }
}

#[inline(always)]
fn count_body(g: &Group, child: &[[u8; 2]], start: usize, counts: &mut [u8]) {
    let Some(sides) = g.kind.checked_sides() else {
        return;
    };
    let n = counts.len();
    let first = [0, sides[0].slots()];
    let mut buf = vec![0u8; 4 * n];
    let (pa, rest) = buf.split_at_mut(n);
    let (pb, rest) = rest.split_at_mut(n);
    let (ma, mb) = rest.split_at_mut(n);
    for (m, &[a, b]) in child.iter().enumerate() {
        if a == MISSING {
            continue;
        }
        side_has(g, sides[0], first[0], m, a, start, pa);
        side_has(g, sides[1], first[1], m, b, start, mb);
        if a == b {
            for ((c, &x), &y) in counts.iter_mut().zip(pa.iter()).zip(mb.iter()) {
                *c += 1 - (x & y);
            }
        } else {
            side_has(g, sides[0], first[0], m, b, start, pb);
            side_has(g, sides[1], first[1], m, a, start, ma);
            for ((((c, &w), &x), &y), &z) in counts
                .iter_mut()
                .zip(pa.iter())
                .zip(mb.iter())
                .zip(pb.iter())
                .zip(ma.iter())
            {
                *c += 1 - ((w & x) | (y & z));
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx2,bmi2")]
fn count_avx512(g: &Group, child: &[[u8; 2]], start: usize, counts: &mut [u8]) {
    count_body(g, child, start, counts)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
fn count_avx2(g: &Group, child: &[[u8; 2]], start: usize, counts: &mut [u8]) {
    count_body(g, child, start, counts)
}

/// Counts, for the cases `start..start + counts.len()` of group `g`, the
/// child's markers that neither side can explain without a mutation.
pub(crate) fn count_inconsistent(g: &Group, child: &[[u8; 2]], start: usize, counts: &mut [u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the CPU has the features the function is built for.
            return unsafe { count_avx512(g, child, start, counts) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { count_avx2(g, child, start, counts) };
        }
    }
    count_body(g, child, start, counts)
}
