//! The drawings of the pages: the family pedigree of a case (with the found
//! child in the missing child's place) and the chart of a child's LRs, drawn
//! by [`crate::svg`]. The persons come from the case's references placed by
//! `kinship::case_pedigree`, the same pedigree the LR is computed on.

use kinship::{MISSING_CHILD, Reference, Relative, Sex, case_pedigree};
use registry::page_data::CaseInfo;

use crate::svg::{PedPerson, PedRole, PedSex, lr_chart_svg, pedigree_svg};

/// The persons of a case's pedigree for the drawing; `found_child` takes the
/// missing child's place. `None` when the references do not make a pedigree.
pub fn case_persons(case: &CaseInfo, found_child: Option<&str>) -> Option<Vec<PedPerson>> {
    let references: Vec<(Reference, bool)> = case
        .references
        .iter()
        .filter_map(|r| {
            let relative: Relative = r.relationship.parse().ok()?;
            Some((
                Reference {
                    id: r.sample_name.clone(),
                    relative,
                    sex: Sex::named(&r.sex),
                },
                r.typed,
            ))
        })
        .collect();
    let refs: Vec<Reference> = references.iter().map(|(r, _)| r.clone()).collect();
    let child_sex = case.facts.sex.as_deref().map_or(Sex::Unknown, Sex::named);
    let pedigree = case_pedigree(child_sex, &refs).ok()?.h1;
    Some(
        pedigree
            .persons()
            .iter()
            .map(|p| {
                let reference = references.iter().find(|(r, _)| r.id == p.id);
                let (label, role) = if p.id == MISSING_CHILD {
                    match found_child {
                        Some(f) => (format!("found child {f}"), PedRole::FoundChild),
                        None => ("missing child".to_string(), PedRole::MissingChild),
                    }
                } else if let Some((r, typed)) = reference {
                    let label = format!("{} ({})", r.relative.name().replace('_', " "), r.id);
                    (
                        label,
                        if *typed {
                            PedRole::Typed
                        } else {
                            PedRole::Untyped
                        },
                    )
                } else {
                    // A relative placed by the pedigree who gave no DNA ("_father", "_mother_of_2").
                    let name = if p.id.starts_with("_mother_of_") || p.id.starts_with("_father_of_")
                    {
                        "other parent".to_string()
                    } else {
                        p.id.trim_start_matches('_').replace('_', " ")
                    };
                    (name, PedRole::Untyped)
                };
                PedPerson {
                    id: p.id.clone(),
                    label,
                    sex: match p.sex {
                        Sex::Male => PedSex::Male,
                        Sex::Female => PedSex::Female,
                        Sex::Unknown => PedSex::Unknown,
                    },
                    father: p.father.clone(),
                    mother: p.mother.clone(),
                    role,
                }
            })
            .collect(),
    )
}

/// The family of a case as an SVG: the missing child's place (or the found
/// child in it), who gave DNA and who did not. Empty when it cannot be drawn.
pub fn case_drawing(case: &CaseInfo, found_child: Option<&str>) -> String {
    match case_persons(case, found_child) {
        Some(persons) => {
            let title = match found_child {
                Some(f) => format!(
                    "Case {}: found child {f} in the child's place",
                    case.case_id
                ),
                None => format!("Case {}: the family", case.case_id),
            };
            pedigree_svg(&persons, &title)
        }
        None => String::new(),
    }
}

/// Where `highlight` (log10 LR) stands among the cases scored for a child
/// (`floored`: only those down to the candidate's floor, see `words::chart_floor`).
pub fn lr_chart(all: &[f64], highlight: f64, found_id: &str, floored: bool) -> String {
    let title = if floored {
        format!("LR of the cases scored in full for found child {found_id}")
    } else {
        format!("LR of every case scored for found child {found_id}")
    };
    lr_chart_svg(all, highlight, &title)
}
