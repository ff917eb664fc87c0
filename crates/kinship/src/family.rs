//! Case pedigrees: a missing child and the relatives who gave DNA, placed in a
//! standard family tree.
//!
//! The missing child has the id [`MISSING_CHILD`]. Its parents, grandparents and
//! the other parents of half siblings are added as untyped persons where needed:
//! two full siblings share both parents, a paternal grandfather is the father's
//! father, a maternal aunt is a daughter of the maternal grandparents, a
//! paternal great-uncle a son of the paternal grandfather's parents, a paternal
//! first cousin a child of a brother of the father (untyped, with a wife
//! outside the family), and so on.
//! H1 places the child in the family; H2 is the same family with the child an
//! unrelated founder.

use std::fmt;
use std::str::FromStr;

use crate::pedigree::{Pedigree, PedigreeError, Person, Sex};

/// The id of the missing child in a case pedigree.
pub const MISSING_CHILD: &str = "missing_child";

/// How a reference is related to the missing child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relative {
    Mother,
    Father,
    FullSibling,
    MaternalHalfSibling,
    PaternalHalfSibling,
    MaternalGrandmother,
    MaternalGrandfather,
    PaternalGrandmother,
    PaternalGrandfather,
    MaternalAunt,
    MaternalUncle,
    PaternalAunt,
    PaternalUncle,
    /// A brother of the paternal grandfather (the father's father's brother).
    PaternalGreatUncle,
    /// A child of a brother of the father.
    PaternalFirstCousin,
}

impl Relative {
    /// Every relationship; its position is the relationship's code in the
    /// index snapshot (`search::persist`), so new ones go at the end.
    pub const ALL: [Relative; 15] = [
        Relative::Mother,
        Relative::Father,
        Relative::FullSibling,
        Relative::MaternalHalfSibling,
        Relative::PaternalHalfSibling,
        Relative::MaternalGrandmother,
        Relative::MaternalGrandfather,
        Relative::PaternalGrandmother,
        Relative::PaternalGrandfather,
        Relative::MaternalAunt,
        Relative::MaternalUncle,
        Relative::PaternalAunt,
        Relative::PaternalUncle,
        Relative::PaternalGreatUncle,
        Relative::PaternalFirstCousin,
    ];

    /// The name used in files and the API (`mother`, `paternal_half_sibling`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Relative::Mother => "mother",
            Relative::Father => "father",
            Relative::FullSibling => "full_sibling",
            Relative::MaternalHalfSibling => "maternal_half_sibling",
            Relative::PaternalHalfSibling => "paternal_half_sibling",
            Relative::MaternalGrandmother => "maternal_grandmother",
            Relative::MaternalGrandfather => "maternal_grandfather",
            Relative::PaternalGrandmother => "paternal_grandmother",
            Relative::PaternalGrandfather => "paternal_grandfather",
            Relative::MaternalAunt => "maternal_aunt",
            Relative::MaternalUncle => "maternal_uncle",
            Relative::PaternalAunt => "paternal_aunt",
            Relative::PaternalUncle => "paternal_uncle",
            Relative::PaternalGreatUncle => "paternal_great_uncle",
            Relative::PaternalFirstCousin => "paternal_first_cousin",
        }
    }

    /// The sex the relationship implies, if any.
    pub fn implied_sex(self) -> Option<Sex> {
        use Relative::*;
        match self {
            Mother | MaternalGrandmother | PaternalGrandmother | MaternalAunt | PaternalAunt => {
                Some(Sex::Female)
            }
            Father | MaternalGrandfather | PaternalGrandfather | MaternalUncle | PaternalUncle
            | PaternalGreatUncle => Some(Sex::Male),
            FullSibling | MaternalHalfSibling | PaternalHalfSibling | PaternalFirstCousin => None,
        }
    }

    /// Whether there can be only one reference with this relationship in a case.
    pub fn is_unique(self) -> bool {
        use Relative::*;
        matches!(
            self,
            Mother
                | Father
                | MaternalGrandmother
                | MaternalGrandfather
                | PaternalGrandmother
                | PaternalGrandfather
        )
    }
}

impl fmt::Display for Relative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Relative {
    type Err = String;

    fn from_str(s: &str) -> Result<Relative, String> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Relative::ALL
            .into_iter()
            .find(|r| r.name() == t)
            .ok_or_else(|| {
                let names: Vec<&str> = Relative::ALL.iter().map(|r| r.name()).collect();
                format!(
                    "unknown relationship {s:?}: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A reference of a case: its id in the pedigree, relationship and sex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub id: String,
    pub relative: Relative,
    pub sex: Sex,
}

/// Why references do not make a case pedigree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FamilyError {
    #[error("reference {id:?} is the {relative} but has sex {sex}")]
    Sex {
        id: String,
        relative: Relative,
        sex: &'static str,
    },
    #[error("references {first:?} and {second:?} are both the {relative}")]
    Twice {
        first: String,
        second: String,
        relative: Relative,
    },
    #[error("reference id {0:?} is reserved or used twice")]
    Id(String),
    #[error(transparent)]
    Pedigree(#[from] PedigreeError),
}

/// The two hypotheses of a case, with the references placed.
#[derive(Debug, Clone)]
pub struct CasePedigree {
    /// The child belongs to the family.
    pub h1: Pedigree,
    /// The child is unrelated to the family.
    pub h2: Pedigree,
}

/// Builds the case pedigree of a missing child of sex `child_sex` with these references.
pub fn case_pedigree(
    child_sex: Sex,
    references: &[Reference],
) -> Result<CasePedigree, FamilyError> {
    use Relative::*;
    let mut ids: Vec<&str> = Vec::new();
    for (k, r) in references.iter().enumerate() {
        if let Some(s) = r.relative.implied_sex()
            && r.sex != s
            && r.sex != Sex::Unknown
        {
            return Err(FamilyError::Sex {
                id: r.id.clone(),
                relative: r.relative,
                sex: r.sex.name(),
            });
        }
        if r.relative.is_unique()
            && let Some(first) = references[..k].iter().find(|o| o.relative == r.relative)
        {
            return Err(FamilyError::Twice {
                first: first.id.clone(),
                second: r.id.clone(),
                relative: r.relative,
            });
        }
        if r.id.starts_with('_') || r.id == MISSING_CHILD || ids.contains(&r.id.as_str()) {
            return Err(FamilyError::Id(r.id.clone()));
        }
        ids.push(&r.id);
    }
    let find = |rel: Relative| {
        references
            .iter()
            .find(|r| r.relative == rel)
            .map(|r| r.id.clone())
    };
    let any = |rels: &[Relative]| references.iter().any(|r| rels.contains(&r.relative));
    let sex_of = |r: &Reference| r.relative.implied_sex().unwrap_or(r.sex);

    let father = find(Father).unwrap_or_else(|| "_father".into());
    let mother = find(Mother).unwrap_or_else(|| "_mother".into());
    let paternal = any(&[
        PaternalGrandmother,
        PaternalGrandfather,
        PaternalAunt,
        PaternalUncle,
        PaternalGreatUncle,
        PaternalFirstCousin,
    ]);
    // A great-uncle gives the paternal grandfather parents of his own.
    let great = any(&[PaternalGreatUncle]);
    let maternal = any(&[
        MaternalGrandmother,
        MaternalGrandfather,
        MaternalAunt,
        MaternalUncle,
    ]);

    let mut persons: Vec<Person> = Vec::new();
    let great_gp = (great).then(|| {
        let (ggf, ggm) = (
            "_paternal_great_grandfather".to_string(),
            "_paternal_great_grandmother".to_string(),
        );
        persons.push(Person::founder(&ggf, Sex::Male));
        persons.push(Person::founder(&ggm, Sex::Female));
        (ggf, ggm)
    });
    let lineage = |persons: &mut Vec<Person>, gf: Relative, gm: Relative, tag: &str| {
        let gf_id = find(gf).unwrap_or_else(|| format!("_{tag}_grandfather"));
        let gm_id = find(gm).unwrap_or_else(|| format!("_{tag}_grandmother"));
        match great_gp.as_ref().filter(|_| gf == PaternalGrandfather) {
            Some((ggf, ggm)) => persons.push(Person::child(&gf_id, Sex::Male, ggf, ggm)),
            None => persons.push(Person::founder(&gf_id, Sex::Male)),
        }
        persons.push(Person::founder(&gm_id, Sex::Female));
        (gf_id, gm_id)
    };
    let paternal_gp = paternal.then(|| {
        lineage(
            &mut persons,
            PaternalGrandfather,
            PaternalGrandmother,
            "paternal",
        )
    });
    let maternal_gp = maternal.then(|| {
        lineage(
            &mut persons,
            MaternalGrandfather,
            MaternalGrandmother,
            "maternal",
        )
    });
    let parent = |id: &str, sex: Sex, gp: &Option<(String, String)>| match gp {
        Some((gf, gm)) => Person::child(id, sex, gf, gm),
        None => Person::founder(id, sex),
    };
    persons.push(parent(&father, Sex::Male, &paternal_gp));
    persons.push(parent(&mother, Sex::Female, &maternal_gp));
    for (k, r) in references.iter().enumerate() {
        let sex = sex_of(r);
        match r.relative {
            FullSibling => persons.push(Person::child(&r.id, sex, &father, &mother)),
            PaternalHalfSibling => {
                let other = format!("_mother_of_{k}");
                persons.push(Person::founder(&other, Sex::Female));
                persons.push(Person::child(&r.id, sex, &father, &other));
            }
            MaternalHalfSibling => {
                let other = format!("_father_of_{k}");
                persons.push(Person::founder(&other, Sex::Male));
                persons.push(Person::child(&r.id, sex, &other, &mother));
            }
            PaternalAunt | PaternalUncle => {
                let (gf, gm) = paternal_gp.as_ref().expect("paternal lineage added");
                persons.push(Person::child(&r.id, sex, gf, gm));
            }
            PaternalGreatUncle => {
                let (ggf, ggm) = great_gp.as_ref().expect("great-grandparents added");
                persons.push(Person::child(&r.id, sex, ggf, ggm));
            }
            PaternalFirstCousin => {
                // A son of the paternal grandparents and his wife.
                let (gf, gm) = paternal_gp.as_ref().expect("paternal lineage added");
                let (uncle, wife) = (
                    format!("_paternal_uncle_of_{k}"),
                    format!("_aunt_by_marriage_of_{k}"),
                );
                persons.push(Person::child(&uncle, Sex::Male, gf, gm));
                persons.push(Person::founder(&wife, Sex::Female));
                persons.push(Person::child(&r.id, sex, &uncle, &wife));
            }
            MaternalAunt | MaternalUncle => {
                let (gf, gm) = maternal_gp.as_ref().expect("maternal lineage added");
                persons.push(Person::child(&r.id, sex, gf, gm));
            }
            Mother | Father | MaternalGrandmother | MaternalGrandfather | PaternalGrandmother
            | PaternalGrandfather => {}
        }
    }
    let mut h2_persons = persons.clone();
    persons.push(Person::child(MISSING_CHILD, child_sex, &father, &mother));
    h2_persons.push(Person::founder(MISSING_CHILD, child_sex));
    Ok(CasePedigree {
        h1: Pedigree::new(persons)?,
        h2: Pedigree::new(h2_persons)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, relative: Relative) -> Reference {
        Reference {
            id: id.into(),
            relative,
            sex: relative.implied_sex().unwrap_or(Sex::Female),
        }
    }

    #[test]
    fn places_relatives() {
        let c = case_pedigree(
            Sex::Male,
            &[
                r("gf", Relative::PaternalGrandfather),
                r("s1", Relative::FullSibling),
                r("mo", Relative::Mother),
            ],
        )
        .unwrap();
        let h1 = &c.h1;
        let child = h1.index_of(MISSING_CHILD).unwrap();
        let (f, m) = h1.parents(child).unwrap();
        assert_eq!(h1.persons()[m].id, "mo");
        assert_eq!(
            h1.parents(f).map(|(gf, _)| h1.persons()[gf].id.clone()),
            Some("gf".into())
        );
        assert_eq!(h1.parents(h1.index_of("s1").unwrap()), Some((f, m)));
        assert!(c.h2.is_founder(c.h2.index_of(MISSING_CHILD).unwrap()));
    }

    #[test]
    fn refuses_contradictions() {
        let bad = Reference {
            id: "x".into(),
            relative: Relative::Father,
            sex: Sex::Female,
        };
        assert!(matches!(
            case_pedigree(Sex::Male, &[bad]),
            Err(FamilyError::Sex { .. })
        ));
        let twice = [r("a", Relative::Mother), r("b", Relative::Mother)];
        assert!(matches!(
            case_pedigree(Sex::Male, &twice),
            Err(FamilyError::Twice { .. })
        ));
    }
}
