//! The vocabulary of the first pass: what the kernel knows of each side of
//! the child (`SideKind`), how it classifies a side at a marker
//! (`SideClass`, with its class bits and the maps that read them from the
//! genotype codes) and the kinds of groups of cases (`GroupKind`). The
//! bounds (`bound.rs`) and the scan (`scan.rs`) are written in these terms.

use crate::tables::Codebook;

/// What the kernel knows about one side of the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    /// Grandparents, fine: per grandparent, carries `a`, carries `b`, is
    /// homozygous (3 bits each, the grandmother's shifted by 3; 7 bits with "untyped").
    GrandparentsFine,
}

impl SideClass {
    pub fn bits(self) -> u32 {
        match self {
            SideClass::Unknown => 0,
            SideClass::Parent | SideClass::Grandparents => 3,
            SideClass::GrandparentsFine => 7,
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
            SideClass::Parent if homozygous_child => HAS_A | HOM,
            SideClass::Parent => HAS_A | HAS_B | HOM,
            SideClass::Grandparents => HOM,
            SideClass::GrandparentsFine => 64,
        }
    }

    /// Whether `class` stands for an untyped side. Grandparents are untyped
    /// when either of them is (their maps set the free bit for a missing allele).
    pub fn is_free(self, class: u8, homozygous_child: bool) -> bool {
        match self {
            SideClass::Unknown => true,
            SideClass::Parent => class == self.free(homozygous_child),
            SideClass::Grandparents => class & HOM != 0,
            SideClass::GrandparentsFine => class & 64 != 0,
        }
    }

    /// The class bits of each genotype code for this side's persons (parent;
    /// grandfather, grandmother), already shifted into place.
    pub(crate) fn maps(self, book: &Codebook, [a, b]: [u8; 2], shift: u32) -> SideMaps {
        let hom = a == b;
        let bits = |z: u8| u8::from(z == a) | (u8::from(z == b) << 1);
        let (free, with_hom, person_shift) = match self {
            SideClass::Unknown => (0, false, [0, 0]),
            SideClass::Parent => (self.free(hom) << shift, true, [shift, shift]),
            SideClass::Grandparents => (HOM << shift, false, [shift, shift]),
            SideClass::GrandparentsFine => (64, true, [0, 3]),
        };
        let mut maps = [[free; 256]; 2];
        for (i, map) in maps.iter_mut().enumerate() {
            for (c, &[x, y]) in book.pairs.iter().enumerate() {
                let zygosity = if with_hom && x == y { HOM } else { 0 };
                map[c] = (bits(x) | bits(y) | zygosity) << person_shift[i];
            }
        }
        maps
    }
}

/// The kind of a group of cases, which fixes its first pass and its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    /// coupled case is not classified: its per-case factor bounds it).
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

/// A side's maps at one marker: class bits by genotype code, one per person of the side.
pub(crate) type SideMaps = [[u8; 256]; 2];
