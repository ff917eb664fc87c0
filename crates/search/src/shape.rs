//! Which kernel scores a case: the shape of its family.
//!
//! - `Sided`: the child's paternal and maternal sides are independent given the
//!   references, and each side is unknown, a typed parent, or grandparents
//!   through an untyped parent. Covers one parent, both parents, and
//!   grandparents. The LR at a marker is
//!   `(pi_P(a) pi_M(b) + pi_P(b) pi_M(a)) / (2 p_a p_b)` (or
//!   `pi_P(a) pi_M(a) / p_a^2` for a homozygous child), where `pi_S(z)` is the
//!   probability that side `S` transmits `z`.
//! - `Coupled`: one typed parent and full siblings, the other parent untyped;
//!   the siblings tell about the untyped parent, so that parent's genotypes
//!   are summed over.
//! - `General`: everything else, by the pedigree likelihood of `kinship`.
//!
//! References that a typed parent shields from the child (the parent's own
//! parents, siblings and other children) do not change the LR where that parent
//! is typed; where the parent is untyped at a marker, that marker falls back to
//! the general path.

use kinship::Relative;

/// Where a reference of a case sits for its kernel: a slot of the case's group.
pub type Slot = usize;

/// One side of a sided case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Side {
    /// No typed relative on this side.
    Unknown,
    /// The parent of this side is typed.
    Parent(Slot),
    /// The parent is untyped; one or both of its parents are typed.
    Grandparents { gf: Option<Slot>, gm: Option<Slot> },
}

/// The kernel of a case and where its references go.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Shape {
    /// `sides[0]` paternal, `sides[1]` maternal.
    Sided {
        sides: [Side; 2],
    },
    /// `side` 0: the father is typed; 1: the mother.
    Coupled {
        side: usize,
        parent: Slot,
        sibs: Vec<Slot>,
    },
    General,
}

impl Shape {
    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Shape::Sided {
                sides: [Side::Parent(_), Side::Parent(_)],
            } => "both_parents",
            Shape::Sided {
                sides: [Side::Parent(_), Side::Unknown] | [Side::Unknown, Side::Parent(_)],
            } => "one_parent",
            Shape::Sided { .. } => "grandparents",
            Shape::Coupled { .. } => "parent_and_siblings",
            Shape::General => "general",
        }
    }
}

/// A shape for the references (in their order) and, per reference, whether
/// it is used by the kernel (true) or shielded by a typed parent (false).
pub fn classify(relatives: &[Relative]) -> (Shape, Vec<bool>) {
    use Relative::*;
    let find = |r: Relative| relatives.iter().position(|&x| x == r);
    let father = find(Father);
    let mother = find(Mother);
    let paternal_side = |r: Relative| {
        matches!(
            r,
            PaternalGrandfather
                | PaternalGrandmother
                | PaternalAunt
                | PaternalUncle
                | PaternalHalfSibling
                | PaternalGreatUncle
                | PaternalFirstCousin
        )
    };
    let maternal_side = |r: Relative| {
        matches!(
            r,
            MaternalGrandfather
                | MaternalGrandmother
                | MaternalAunt
                | MaternalUncle
                | MaternalHalfSibling
        )
    };
    let all_used = vec![true; relatives.len()];
    let shielded_by = |side: usize| -> Vec<bool> {
        relatives
            .iter()
            .map(|&r| {
                let behind = if side == 0 {
                    paternal_side(r)
                } else {
                    maternal_side(r)
                };
                !behind
            })
            .collect()
    };
    match (father, mother) {
        (Some(f), Some(m)) => {
            let used = relatives
                .iter()
                .enumerate()
                .map(|(i, _)| i == f || i == m)
                .collect();
            (
                Shape::Sided {
                    sides: [Side::Parent(f), Side::Parent(m)],
                },
                used,
            )
        }
        (Some(_), None) | (None, Some(_)) => {
            let (side, parent) = match (father, mother) {
                (Some(f), None) => (0, f),
                (None, Some(m)) => (1, m),
                _ => unreachable!(),
            };
            let used = shielded_by(side);
            let relevant: Vec<usize> = (0..relatives.len())
                .filter(|&i| used[i] && i != parent)
                .collect();
            let other_gp = |r: Relative| {
                if side == 0 {
                    matches!(r, MaternalGrandfather | MaternalGrandmother)
                } else {
                    matches!(r, PaternalGrandfather | PaternalGrandmother)
                }
            };
            let mut sides = [Side::Unknown, Side::Unknown];
            sides[side] = Side::Parent(parent);
            if relevant.is_empty() {
                return (Shape::Sided { sides }, used);
            }
            if relevant.iter().all(|&i| relatives[i] == FullSibling) {
                return (
                    Shape::Coupled {
                        side,
                        parent,
                        sibs: relevant,
                    },
                    used,
                );
            }
            if relevant.iter().all(|&i| other_gp(relatives[i])) {
                let gf = relevant
                    .iter()
                    .copied()
                    .find(|&i| matches!(relatives[i], PaternalGrandfather | MaternalGrandfather));
                let gm = relevant
                    .iter()
                    .copied()
                    .find(|&i| matches!(relatives[i], PaternalGrandmother | MaternalGrandmother));
                sides[1 - side] = Side::Grandparents { gf, gm };
                return (Shape::Sided { sides }, used);
            }
            (Shape::General, all_used)
        }
        (None, None) => {
            let gp = |gf: Relative, gm: Relative| {
                let (gf, gm) = (find(gf), find(gm));
                if gf.is_none() && gm.is_none() {
                    Side::Unknown
                } else {
                    Side::Grandparents { gf, gm }
                }
            };
            let only_gps = !relatives.is_empty()
                && relatives.iter().all(|r| {
                    matches!(
                        r,
                        PaternalGrandfather
                            | PaternalGrandmother
                            | MaternalGrandfather
                            | MaternalGrandmother
                    )
                });
            if only_gps {
                let sides = [
                    gp(PaternalGrandfather, PaternalGrandmother),
                    gp(MaternalGrandfather, MaternalGrandmother),
                ];
                return (Shape::Sided { sides }, all_used);
            }
            (Shape::General, all_used)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Relative::*;

    #[test]
    fn shapes() {
        assert_eq!(
            classify(&[Father, Mother, FullSibling]).0.name(),
            "both_parents"
        );
        assert_eq!(classify(&[Mother]).0.name(), "one_parent");
        assert_eq!(
            classify(&[Mother, MaternalGrandmother]).0.name(),
            "one_parent"
        );
        assert_eq!(
            classify(&[Mother, MaternalGrandmother]).1,
            vec![true, false]
        );
        assert_eq!(
            classify(&[Father, FullSibling, FullSibling]).0.name(),
            "parent_and_siblings"
        );
        assert_eq!(
            classify(&[PaternalGrandfather, PaternalGrandmother])
                .0
                .name(),
            "grandparents"
        );
        assert_eq!(
            classify(&[Mother, PaternalGrandmother]).0.name(),
            "grandparents"
        );
        assert_eq!(classify(&[FullSibling]).0, Shape::General);
        assert_eq!(
            classify(&[Mother, FullSibling, PaternalAunt]).0,
            Shape::General
        );
        assert_eq!(classify(&[MaternalAunt]).0, Shape::General);
    }
}
