//! Pedigrees: persons with a sex and, unless they are founders, a father and a mother.

use std::collections::HashMap;

/// A person's sex. Only a male can be a father and only a female a mother
/// (but see [`Pedigree::with_same_sex_parents`]); `Unknown` is allowed for
/// persons without children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

impl Sex {
    pub fn name(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "unknown",
        }
    }

    /// A sex as people write it in a file: male, female, unknown, M, F, U
    /// (any case), or nothing (unknown). `None` for anything else, for the
    /// reader to refuse with its file, line and field.
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "u" | "unknown" => Some(Sex::Unknown),
            "m" | "male" => Some(Sex::Male),
            "f" | "female" => Some(Sex::Female),
            _ => None,
        }
    }

    /// A sex written by this program ([`Sex::name`], stored), or shown when
    /// anything not read as a sex counts as unknown.
    pub fn named(s: &str) -> Sex {
        Sex::parse(s).unwrap_or(Sex::Unknown)
    }
}

/// One person as written in a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub sex: Sex,
    pub father: Option<String>,
    pub mother: Option<String>,
}

impl Person {
    pub fn founder(id: impl Into<String>, sex: Sex) -> Person {
        Person {
            id: id.into(),
            sex,
            father: None,
            mother: None,
        }
    }

    pub fn child(
        id: impl Into<String>,
        sex: Sex,
        father: impl Into<String>,
        mother: impl Into<String>,
    ) -> Person {
        Person {
            id: id.into(),
            sex,
            father: Some(father.into()),
            mother: Some(mother.into()),
        }
    }
}

/// Why persons do not form a pedigree. `index` is the position of the person in
/// the list it came from (for error messages that point into a file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PedigreeError {
    #[error("the pedigree has no persons")]
    Empty,
    #[error("person {id:?} is listed twice")]
    Duplicate { index: usize, id: String },
    #[error("person {id:?} names {parent:?} as parent, but no person has that id")]
    UnknownParent {
        index: usize,
        id: String,
        parent: String,
    },
    #[error("person {id:?} has father {father:?}, who is {sex}, not male")]
    FatherNotMale {
        index: usize,
        id: String,
        father: String,
        sex: &'static str,
    },
    #[error("person {id:?} has mother {mother:?}, who is {sex}, not female")]
    MotherNotFemale {
        index: usize,
        id: String,
        mother: String,
        sex: &'static str,
    },
    #[error("person {id:?} is their own parent")]
    SelfParent { index: usize, id: String },
    #[error("person {id:?} is their own ancestor (a cycle: {})", cycle.join(" -> "))]
    Cycle {
        index: usize,
        id: String,
        cycle: Vec<String>,
    },
    #[error("person {id:?} has a {given} but no {missing}; give both parents or neither")]
    OneParent {
        index: usize,
        id: String,
        given: &'static str,
        missing: &'static str,
    },
    #[error("person id must not be empty")]
    EmptyId { index: usize },
    #[error("person {id:?} has {parent:?} as both parents")]
    SameParentTwice {
        index: usize,
        id: String,
        parent: String,
    },
}

/// A checked pedigree: ids unique, parents exist with the right sex, no cycles.
///
/// Loops (a person related to another through two lines of descent, as in
/// cousin marriages) are allowed: the likelihood sums over them exactly, at a
/// cost that grows with the size of the loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Pedigree {
    persons: Vec<Person>,
    /// Parent indices (father, mother) per person.
    parents: Vec<Option<(usize, usize)>>,
    index: HashMap<String, usize>,
}

impl Pedigree {
    pub fn new(persons: Vec<Person>) -> Result<Pedigree, PedigreeError> {
        Pedigree::build(persons, false)
    }

    /// As [`Pedigree::new`], but a child's two parents may be of the same
    /// sex (two women, or two men), as Familias allows: the `father` and
    /// `mother` fields then name the first and the second parent. Each
    /// parent passes its allele through the mutation matrix of its own sex
    /// (see [`crate::likelihood`]); which of the two is "first" does not
    /// change the likelihood. Parents of different sexes must still be
    /// father male and mother female, and every parent must have a known sex.
    /// [`Pedigree::same_sex_parents`] lists the children concerned.
    pub fn with_same_sex_parents(persons: Vec<Person>) -> Result<Pedigree, PedigreeError> {
        Pedigree::build(persons, true)
    }

    fn build(persons: Vec<Person>, same_sex: bool) -> Result<Pedigree, PedigreeError> {
        if persons.is_empty() {
            return Err(PedigreeError::Empty);
        }
        let mut index = HashMap::new();
        for (i, p) in persons.iter().enumerate() {
            if p.id.is_empty() {
                return Err(PedigreeError::EmptyId { index: i });
            }
            if index.insert(p.id.clone(), i).is_some() {
                return Err(PedigreeError::Duplicate {
                    index: i,
                    id: p.id.clone(),
                });
            }
        }
        let mut parents = Vec::with_capacity(persons.len());
        for (i, p) in persons.iter().enumerate() {
            let lookup = |parent: &String| {
                if *parent == p.id {
                    return Err(PedigreeError::SelfParent {
                        index: i,
                        id: p.id.clone(),
                    });
                }
                index
                    .get(parent)
                    .copied()
                    .ok_or_else(|| PedigreeError::UnknownParent {
                        index: i,
                        id: p.id.clone(),
                        parent: parent.clone(),
                    })
            };
            let entry = match (&p.father, &p.mother) {
                (None, None) => None,
                (Some(f), Some(m)) => {
                    let (fi, mi) = (lookup(f)?, lookup(m)?);
                    if same_sex && fi == mi {
                        return Err(PedigreeError::SameParentTwice {
                            index: i,
                            id: p.id.clone(),
                            parent: f.clone(),
                        });
                    }
                    let alike = same_sex
                        && persons[fi].sex == persons[mi].sex
                        && persons[fi].sex != Sex::Unknown;
                    if !alike && persons[fi].sex != Sex::Male {
                        return Err(PedigreeError::FatherNotMale {
                            index: i,
                            id: p.id.clone(),
                            father: f.clone(),
                            sex: persons[fi].sex.name(),
                        });
                    }
                    if !alike && persons[mi].sex != Sex::Female {
                        return Err(PedigreeError::MotherNotFemale {
                            index: i,
                            id: p.id.clone(),
                            mother: m.clone(),
                            sex: persons[mi].sex.name(),
                        });
                    }
                    Some((fi, mi))
                }
                (Some(f), None) => {
                    lookup(f)?;
                    return Err(PedigreeError::OneParent {
                        index: i,
                        id: p.id.clone(),
                        given: "father",
                        missing: "mother",
                    });
                }
                (None, Some(m)) => {
                    lookup(m)?;
                    return Err(PedigreeError::OneParent {
                        index: i,
                        id: p.id.clone(),
                        given: "mother",
                        missing: "father",
                    });
                }
            };
            parents.push(entry);
        }
        let ped = Pedigree {
            persons,
            parents,
            index,
        };
        ped.check_cycles()?;
        Ok(ped)
    }

    fn check_cycles(&self) -> Result<(), PedigreeError> {
        // 0 = unvisited, 1 = on the stack, 2 = done.
        let n = self.persons.len();
        let mut state = vec![0u8; n];
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, u8)> = vec![(start, 0)];
            state[start] = 1;
            while let Some(&mut (v, ref mut next)) = stack.last_mut() {
                let parent = match (self.parents[v], *next) {
                    (Some((f, _)), 0) => Some(f),
                    (Some((_, m)), 1) => Some(m),
                    _ => None,
                };
                *next += 1;
                match parent {
                    Some(p) if state[p] == 1 => {
                        let pos = stack.iter().position(|&(x, _)| x == p).unwrap_or(0);
                        let mut cycle: Vec<String> = stack[pos..]
                            .iter()
                            .map(|&(x, _)| self.persons[x].id.clone())
                            .collect();
                        cycle.push(self.persons[p].id.clone());
                        return Err(PedigreeError::Cycle {
                            index: p,
                            id: self.persons[p].id.clone(),
                            cycle,
                        });
                    }
                    Some(p) if state[p] == 0 => {
                        state[p] = 1;
                        stack.push((p, 0));
                    }
                    Some(_) => {}
                    None => {
                        state[v] = 2;
                        stack.pop();
                    }
                }
            }
        }
        Ok(())
    }

    pub fn persons(&self) -> &[Person] {
        &self.persons
    }

    pub fn len(&self) -> usize {
        self.persons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// (father, mother) of person `i`, or `None` for a founder.
    pub fn parents(&self, i: usize) -> Option<(usize, usize)> {
        self.parents[i]
    }

    pub fn is_founder(&self, i: usize) -> bool {
        self.parents[i].is_none()
    }

    pub fn sex(&self, i: usize) -> Sex {
        self.persons[i].sex
    }

    /// The children whose two parents have the same sex (only in a pedigree
    /// made by [`Pedigree::with_same_sex_parents`]), in order.
    pub fn same_sex_parents(&self) -> Vec<usize> {
        (0..self.len())
            .filter(|&c| matches!(self.parents[c], Some((f, m)) if self.sex(f) == self.sex(m)))
            .collect()
    }

    /// The children of person `i`.
    pub fn children(&self, i: usize) -> Vec<usize> {
        (0..self.len())
            .filter(|&c| matches!(self.parents[c], Some((f, m)) if f == i || m == i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One reading of a written sex for every file and page: the words and
    /// letters in any case, nothing as unknown, anything else refused; the
    /// stored names read back as themselves.
    #[test]
    fn a_sex_is_read_one_way() {
        for (written, sex) in [
            ("male", Sex::Male),
            ("M", Sex::Male),
            ("Female", Sex::Female),
            ("f", Sex::Female),
            ("U", Sex::Unknown),
            (" unknown ", Sex::Unknown),
            ("", Sex::Unknown),
        ] {
            assert_eq!(Sex::parse(written), Some(sex), "{written:?}");
        }
        for bad in ["x", "mal", "女", "0"] {
            assert_eq!(Sex::parse(bad), None, "{bad:?}");
            assert_eq!(Sex::named(bad), Sex::Unknown, "{bad:?}");
        }
        for sex in [Sex::Male, Sex::Female, Sex::Unknown] {
            assert_eq!(Sex::named(sex.name()), sex);
        }
    }

    #[test]
    fn checks_parents_sex_and_cycles() {
        let ok = Pedigree::new(vec![
            Person::founder("F", Sex::Male),
            Person::founder("M", Sex::Female),
            Person::child("C", Sex::Unknown, "F", "M"),
        ])
        .unwrap();
        assert_eq!(ok.parents(2), Some((0, 1)));
        assert_eq!(ok.children(0), vec![2]);

        let e = Pedigree::new(vec![
            Person::founder("F", Sex::Female),
            Person::founder("M", Sex::Female),
            Person::child("C", Sex::Male, "F", "M"),
        ]);
        assert!(matches!(
            e,
            Err(PedigreeError::FatherNotMale { index: 2, .. })
        ));

        let e = Pedigree::new(vec![Person::child("C", Sex::Male, "X", "M")]);
        assert!(matches!(e, Err(PedigreeError::UnknownParent { .. })));

        let e = Pedigree::new(vec![
            Person::child("A", Sex::Male, "B", "M"),
            Person::child("B", Sex::Male, "A", "M"),
            Person::founder("M", Sex::Female),
        ]);
        assert!(matches!(e, Err(PedigreeError::Cycle { .. })), "{e:?}");
    }

    #[test]
    fn same_sex_parents_only_when_asked() {
        let two_mothers = || {
            vec![
                Person::founder("A", Sex::Female),
                Person::founder("B", Sex::Female),
                Person::child("C", Sex::Male, "A", "B"),
            ]
        };
        assert!(matches!(
            Pedigree::new(two_mothers()),
            Err(PedigreeError::FatherNotMale { index: 2, .. })
        ));
        let p = Pedigree::with_same_sex_parents(two_mothers()).unwrap();
        assert_eq!(p.parents(2), Some((0, 1)));
        assert_eq!(p.same_sex_parents(), vec![2]);

        // Different sexes stay father male, mother female.
        let swapped = Pedigree::with_same_sex_parents(vec![
            Person::founder("M", Sex::Female),
            Person::founder("F", Sex::Male),
            Person::child("C", Sex::Male, "M", "F"),
        ]);
        assert!(matches!(swapped, Err(PedigreeError::FatherNotMale { .. })));
        // A parent of unknown sex, or one person as both parents: refused.
        let unknown = Pedigree::with_same_sex_parents(vec![
            Person::founder("A", Sex::Unknown),
            Person::founder("B", Sex::Unknown),
            Person::child("C", Sex::Male, "A", "B"),
        ]);
        assert!(matches!(unknown, Err(PedigreeError::FatherNotMale { .. })));
        let twice = Pedigree::with_same_sex_parents(vec![
            Person::founder("A", Sex::Female),
            Person::child("C", Sex::Male, "A", "A"),
        ]);
        assert!(matches!(
            twice,
            Err(PedigreeError::SameParentTwice { index: 1, .. })
        ));
        let ordinary = Pedigree::with_same_sex_parents(vec![
            Person::founder("F", Sex::Male),
            Person::founder("M", Sex::Female),
            Person::child("C", Sex::Male, "F", "M"),
        ])
        .unwrap();
        assert!(ordinary.same_sex_parents().is_empty());
    }
}
