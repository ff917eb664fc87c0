//! Standard pairwise relationships and the trio, as pedigree hypotheses.
//!
//! Each builder returns (H1, H2): H1 relates the two typed persons as named,
//! H2 makes them unrelated founders. Persons in between are untyped and are
//! summed over. Where a sex in between is not fixed by the relationship, the
//! paternal line is used (a half sibling through the father, a grandparent
//! through the father, an aunt or uncle on the father's side, cousins through
//! their fathers); with sex-specific mutation rates choose a case file instead.

use std::fmt;
use std::str::FromStr;

use crate::pedigree::{Pedigree, PedigreeError, Person, Sex};

/// A relationship between two persons A and B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// A is a parent of B.
    ParentChild,
    FullSibling,
    HalfSibling,
    /// A is a grandparent of B.
    Grandparent,
    /// A is an aunt or uncle of B.
    Avuncular,
    FirstCousin,
    Unrelated,
}

impl Relationship {
    pub const ALL: [Relationship; 7] = [
        Relationship::ParentChild,
        Relationship::FullSibling,
        Relationship::HalfSibling,
        Relationship::Grandparent,
        Relationship::Avuncular,
        Relationship::FirstCousin,
        Relationship::Unrelated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Relationship::ParentChild => "parent-child",
            Relationship::FullSibling => "full-sibling",
            Relationship::HalfSibling => "half-sibling",
            Relationship::Grandparent => "grandparent",
            Relationship::Avuncular => "avuncular",
            Relationship::FirstCousin => "first-cousin",
            Relationship::Unrelated => "unrelated",
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Relationship {
    type Err = String;

    fn from_str(s: &str) -> Result<Relationship, String> {
        Relationship::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Relationship::ALL.iter().map(|r| r.name()).collect();
                format!(
                    "unknown relationship {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A sex for a person who must be a parent: unknown becomes `default`.
fn parent_sex(sex: Sex, default: Sex) -> Sex {
    if sex == Sex::Unknown { default } else { sex }
}

fn spouse(sex: Sex) -> Sex {
    if sex == Sex::Male {
        Sex::Female
    } else {
        Sex::Male
    }
}

/// The two hypotheses for persons `a` and `b` (ids and sexes) related by `rel`.
/// Ids of the untyped persons in between start with `_` and do not clash with
/// `a` and `b`.
pub fn pair_hypotheses(
    rel: Relationship,
    a: (&str, Sex),
    b: (&str, Sex),
) -> Result<(Pedigree, Pedigree), PedigreeError> {
    let (ida, sa) = a;
    let (idb, sb) = b;
    let tmp = |name: &str| format!("_{name}_{ida}_{idb}");
    let h2 = Pedigree::new(vec![Person::founder(ida, sa), Person::founder(idb, sb)])?;
    let child_of = |id: &str, sex: Sex, p: &str, ps: Sex, other: &str| {
        if ps == Sex::Male {
            Person::child(id, sex, p, other)
        } else {
            Person::child(id, sex, other, p)
        }
    };
    let persons = match rel {
        Relationship::Unrelated => return Ok((h2.clone(), h2)),
        Relationship::ParentChild => {
            let sa = parent_sex(sa, Sex::Male);
            let x = tmp("other_parent");
            vec![
                Person::founder(ida, sa),
                Person::founder(&x, spouse(sa)),
                child_of(idb, sb, ida, sa, &x),
            ]
        }
        Relationship::FullSibling => {
            let (f, m) = (tmp("father"), tmp("mother"));
            vec![
                Person::founder(&f, Sex::Male),
                Person::founder(&m, Sex::Female),
                Person::child(ida, sa, &f, &m),
                Person::child(idb, sb, &f, &m),
            ]
        }
        Relationship::HalfSibling => {
            let (f, m1, m2) = (tmp("father"), tmp("mother_a"), tmp("mother_b"));
            vec![
                Person::founder(&f, Sex::Male),
                Person::founder(&m1, Sex::Female),
                Person::founder(&m2, Sex::Female),
                Person::child(ida, sa, &f, &m1),
                Person::child(idb, sb, &f, &m2),
            ]
        }
        Relationship::Grandparent => {
            let sa = parent_sex(sa, Sex::Male);
            let (x, p, y) = (tmp("spouse"), tmp("parent"), tmp("other_parent"));
            vec![
                Person::founder(ida, sa),
                Person::founder(&x, spouse(sa)),
                child_of(&p, Sex::Male, ida, sa, &x),
                Person::founder(&y, Sex::Female),
                Person::child(idb, sb, &p, &y),
            ]
        }
        Relationship::Avuncular => {
            let (gf, gm, p, y) = (
                tmp("grandfather"),
                tmp("grandmother"),
                tmp("parent"),
                tmp("other_parent"),
            );
            vec![
                Person::founder(&gf, Sex::Male),
                Person::founder(&gm, Sex::Female),
                Person::child(ida, sa, &gf, &gm),
                Person::child(&p, Sex::Male, &gf, &gm),
                Person::founder(&y, Sex::Female),
                Person::child(idb, sb, &p, &y),
            ]
        }
        Relationship::FirstCousin => {
            let (gf, gm) = (tmp("grandfather"), tmp("grandmother"));
            let (p1, p2, s1, s2) = (
                tmp("parent_a"),
                tmp("parent_b"),
                tmp("mother_a"),
                tmp("mother_b"),
            );
            vec![
                Person::founder(&gf, Sex::Male),
                Person::founder(&gm, Sex::Female),
                Person::child(&p1, Sex::Male, &gf, &gm),
                Person::child(&p2, Sex::Male, &gf, &gm),
                Person::founder(&s1, Sex::Female),
                Person::founder(&s2, Sex::Female),
                Person::child(ida, sa, &p1, &s1),
                Person::child(idb, sb, &p2, &s2),
            ]
        }
    };
    Ok((Pedigree::new(persons)?, h2))
}

/// The trio: is `alleged` (a man) the father of `child`, whose mother is `mother`?
/// H1: `alleged` and `mother` are the parents of `child`. H2: the child's father
/// is an untyped man unrelated to `alleged`.
pub fn trio_hypotheses(
    child: (&str, Sex),
    mother: &str,
    alleged: &str,
) -> Result<(Pedigree, Pedigree), PedigreeError> {
    let (idc, sc) = child;
    let h1 = Pedigree::new(vec![
        Person::founder(alleged, Sex::Male),
        Person::founder(mother, Sex::Female),
        Person::child(idc, sc, alleged, mother),
    ])?;
    let unknown = format!("_father_{idc}");
    let h2 = Pedigree::new(vec![
        Person::founder(alleged, Sex::Male),
        Person::founder(mother, Sex::Female),
        Person::founder(&unknown, Sex::Male),
        Person::child(idc, sc, &unknown, mother),
    ])?;
    Ok((h1, h2))
}
