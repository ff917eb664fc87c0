//! Genotypes: two alleles at one marker, unordered.

use std::fmt;

use crate::allele::Allele;

/// An unordered pair of alleles, stored smaller first.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Genotype {
    a: Allele,
    b: Allele,
}

impl Genotype {
    pub fn new(x: Allele, y: Allele) -> Genotype {
        if x <= y {
            Genotype { a: x, b: y }
        } else {
            Genotype { a: y, b: x }
        }
    }

    /// The smaller allele.
    pub fn first(self) -> Allele {
        self.a
    }

    /// The larger allele.
    pub fn second(self) -> Allele {
        self.b
    }

    pub fn is_homozygous(self) -> bool {
        self.a == self.b
    }

    pub fn contains(self, x: Allele) -> bool {
        self.a == x || self.b == x
    }

    pub fn alleles(self) -> [Allele; 2] {
        [self.a, self.b]
    }
}

impl fmt::Display for Genotype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.a, self.b)
    }
}

impl fmt::Debug for Genotype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Genotype({self})")
    }
}
