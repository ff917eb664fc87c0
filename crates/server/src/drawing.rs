//! The drawings of the pages: the family pedigree of a case (with the found
//! child in the missing child's place) and the chart of a child's LRs, drawn
//! by [`crate::svg`]. The persons come from the case's references placed by
//! `kinship::case_pedigree`, the same pedigree the LR is computed on.

use kinship::{MISSING_CHILD, Reference, Relative, Sex, case_pedigree};
use registry::page_data::CaseInfo;

use crate::Lang;
use crate::svg::{PedPerson, PedRole, PedSex, lr_chart_svg, pedigree_svg};

/// A relative, as the drawing labels it ("maternal grandfather", "外祖父").
fn relative_words(lang: Lang, relative: Relative) -> String {
    match relative {
        Relative::Mother => lang.t("words-drawing-relative-mother"),
        Relative::Father => lang.t("words-drawing-relative-father"),
        Relative::FullSibling => lang.t("words-drawing-relative-full-sibling"),
        Relative::MaternalHalfSibling => lang.t("words-drawing-relative-maternal-half-sibling"),
        Relative::PaternalHalfSibling => lang.t("words-drawing-relative-paternal-half-sibling"),
        Relative::MaternalGrandmother => lang.t("words-drawing-relative-maternal-grandmother"),
        Relative::MaternalGrandfather => lang.t("words-drawing-relative-maternal-grandfather"),
        Relative::PaternalGrandmother => lang.t("words-drawing-relative-paternal-grandmother"),
        Relative::PaternalGrandfather => lang.t("words-drawing-relative-paternal-grandfather"),
        Relative::MaternalAunt => lang.t("words-drawing-relative-maternal-aunt"),
        Relative::MaternalUncle => lang.t("words-drawing-relative-maternal-uncle"),
        Relative::PaternalAunt => lang.t("words-drawing-relative-paternal-aunt"),
        Relative::PaternalUncle => lang.t("words-drawing-relative-paternal-uncle"),
        Relative::PaternalGreatUncle => lang.t("words-drawing-relative-paternal-great-uncle"),
        Relative::PaternalFirstCousin => lang.t("words-drawing-relative-paternal-first-cousin"),
    }
}

/// A relative the pedigree places who gave no DNA ("_father",
/// "_maternal_grandmother", "_mother_of_2": a half-sibling's other parent).
fn placed_words(lang: Lang, id: &str) -> String {
    if id.starts_with("_mother_of_") {
        return lang.t("words-drawing-other-mother");
    }
    if id.starts_with("_father_of_") {
        return lang.t("words-drawing-other-father");
    }
    if id.starts_with("_paternal_uncle_of_") {
        return lang.t("words-drawing-relative-paternal-uncle");
    }
    if id.starts_with("_aunt_by_marriage_of_") {
        return lang.t("words-drawing-aunt-by-marriage");
    }
    match id {
        "_paternal_great_grandfather" => return lang.t("words-drawing-paternal-great-grandfather"),
        "_paternal_great_grandmother" => return lang.t("words-drawing-paternal-great-grandmother"),
        _ => {}
    }
    let code = id.trim_start_matches('_');
    match code.parse::<Relative>() {
        Ok(relative) => relative_words(lang, relative),
        Err(_) => code.replace('_', " "),
    }
}

/// The persons of a case's pedigree for the drawing; `found_child` takes the
/// missing child's place. `None` when the references do not make a pedigree.
pub fn case_persons(
    lang: Lang,
    case: &CaseInfo,
    found_child: Option<&str>,
) -> Option<Vec<PedPerson>> {
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
                        Some(f) => (
                            lang.t1("words-drawing-found-child-label", "found", f),
                            PedRole::FoundChild,
                        ),
                        None => (lang.t("words-drawing-missing-child"), PedRole::MissingChild),
                    }
                } else if let Some((r, typed)) = reference {
                    let label = lang.t2(
                        "words-drawing-reference",
                        "relative",
                        relative_words(lang, r.relative),
                        "sample",
                        &r.id,
                    );
                    (
                        label,
                        if *typed {
                            PedRole::Typed
                        } else {
                            PedRole::Untyped
                        },
                    )
                } else {
                    // A relative placed by the pedigree who gave no DNA.
                    (placed_words(lang, &p.id), PedRole::Untyped)
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
pub fn case_drawing(lang: Lang, case: &CaseInfo, found_child: Option<&str>) -> String {
    match case_persons(lang, case, found_child) {
        Some(persons) => {
            let title = match found_child {
                Some(f) => lang.t2(
                    "words-drawing-title-found",
                    "case",
                    &case.case_id,
                    "found",
                    f,
                ),
                None => lang.t1("words-drawing-title-family", "case", &case.case_id),
            };
            pedigree_svg(lang, &persons, &title)
        }
        None => String::new(),
    }
}

/// Where `highlight` (log10 LR) stands among the cases scored for a child
/// (`floored`: only those down to the candidate's floor, see `words::chart_floor`).
pub fn lr_chart(lang: Lang, all: &[f64], highlight: f64, found_id: &str, floored: bool) -> String {
    let title = if floored {
        lang.t1("words-chart-title-floored", "found", found_id)
    } else {
        lang.t1("words-chart-title-all", "found", found_id)
    };
    lr_chart_svg(lang, all, highlight, &title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_relative_and_placed_person_has_its_words_in_both_languages() {
        for lang in Lang::ALL {
            let mut said: Vec<String> = Relative::ALL
                .iter()
                .map(|r| relative_words(lang, *r))
                .collect();
            for id in [
                "_father",
                "_mother",
                "_paternal_grandfather",
                "_paternal_grandmother",
                "_maternal_grandfather",
                "_maternal_grandmother",
                "_mother_of_2",
                "_father_of_0",
                "_paternal_uncle_of_1",
                "_aunt_by_marriage_of_1",
                "_paternal_great_grandfather",
                "_paternal_great_grandmother",
            ] {
                said.push(placed_words(lang, id));
            }
            for text in &said {
                assert!(
                    !text.contains('⟦') && !text.is_empty(),
                    "{}: {text}",
                    lang.tag()
                );
            }
        }
        assert_eq!(
            placed_words(Lang::En, "_maternal_grandfather"),
            "maternal grandfather"
        );
        assert_eq!(placed_words(Lang::ZhCn, "_maternal_grandfather"), "外祖父");
        assert_eq!(placed_words(Lang::En, "_mother_of_3"), "other parent");
        assert_eq!(
            Lang::En.t2(
                "words-drawing-reference",
                "relative",
                relative_words(Lang::En, Relative::PaternalHalfSibling),
                "sample",
                "RS-1"
            ),
            "paternal half sibling (RS-1)"
        );
    }

    #[test]
    fn the_chart_and_the_family_are_titled_in_one_language() {
        let en = lr_chart(Lang::En, &[1.0, 5.0], 5.0, "FC-9", false);
        assert!(en.contains("<title>LR of every case scored for found child FC-9</title>"));
        let zh = lr_chart(Lang::ZhCn, &[1.0, 5.0], 5.0, "FC-9", true);
        assert!(
            zh.contains("<title>为被找到的儿童 FC-9 完整计算的案件的似然比</title>"),
            "{zh}"
        );
        assert!(!zh.contains("case"), "{zh}");
    }
}
