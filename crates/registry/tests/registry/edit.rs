//! Editing one case, found child or reference: the stored row changes, its
//! search terms and its candidates' category follow, the index stays in
//! step with the rows, keys and links cannot change, a family must still
//! make a pedigree, and the audit names the fields changed, never their
//! values.

use registry::{Category, Registry, SearchQuery};

use crate::both;
use crate::common::*;

async fn category_of(r: &Registry, found_id: &str, case_id: &str) -> Category {
    r.candidate_summaries(None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.found_id == found_id && c.case_id == case_id)
        .unwrap_or_else(|| panic!("no candidate {found_id} × {case_id}"))
        .category
}

async fn finds(r: &Registry, text: &str) -> (Vec<String>, Vec<String>) {
    let s = r
        .search(
            "ann",
            &SearchQuery {
                text: text.into(),
                ..SearchQuery::default()
            },
        )
        .await
        .unwrap();
    (
        s.cases.into_iter().map(|c| c.case_id).collect(),
        s.found.into_iter().map(|f| f.found_id).collect(),
    )
}

async fn agrees(r: &Registry) {
    let check = r.check_index("t").await.unwrap();
    assert!(check.live_index_agrees, "{check:?}");
    assert!(check.agrees(), "{check:?}");
}

fn refusal(e: registry::RegistryError) -> String {
    e.to_string()
}

async fn edits_change_rows_terms_categories_and_the_audit(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    assert_eq!(category_of(r, "FC-1", "MC-1").await, Category::Undisputed);
    let before = last_seq(r).await;

    // The case: another name, and a sex that rules the found boy out.
    let edited = r
        .edit_case(
            "ann",
            "edit form",
            &format!(
                "{CASES_HEADER}MC-1,Amina Newname,female,2024-01-01,2024-03-01,2024-06-01,Riverton,10.5,20.25,scar on left knee\n"
            ),
        )
        .await
        .unwrap();
    assert_eq!(edited.changed, ["child_name", "child_sex"]);
    assert_eq!(category_of(r, "FC-1", "MC-1").await, Category::Excluded);
    assert_eq!(finds(r, "newname").await.0, ["MC-1"]);
    assert!(
        finds(r, "secretname").await.0.is_empty(),
        "the old name's terms are gone"
    );
    let tail = r.audit_tail(50).await.unwrap();
    let entry = tail
        .iter()
        .find(|e| e.action == "case.edit")
        .expect("audited");
    assert_eq!(
        (entry.actor.as_str(), entry.target_id.as_str()),
        ("ann", "MC-1")
    );
    assert_eq!(entry.detail, "changed: child_name, child_sex");
    assert!(
        tail.iter().all(|e| !e.detail.contains("Newname")),
        "{tail:?}"
    );
    agrees(r).await;

    // The same details again: nothing changes, nothing is written.
    let seq = last_seq(r).await;
    let again = r
        .edit_case(
            "ann",
            "edit form",
            &format!(
                "{CASES_HEADER}MC-1,Amina Newname,female,2024-01-01,2024-03-01,2024-06-01,Riverton,10.5,20.25,scar on left knee\n"
            ),
        )
        .await
        .unwrap();
    assert!(again.changed.is_empty());
    assert_eq!(last_seq(r).await, seq);
    assert!(seq > before);

    // Back to a boy: the candidate is undisputed again.
    r.edit_case(
        "ann",
        "edit form",
        &format!(
            "{CASES_HEADER}MC-1,Amina Newname,male,2024-01-01,2024-03-01,2024-06-01,Riverton,10.5,20.25,scar on left knee\n"
        ),
    )
    .await
    .unwrap();
    assert_eq!(category_of(r, "FC-1", "MC-1").await, Category::Undisputed);

    // The found child: a girl now (excluded), another institution (found).
    let edited = r
        .edit_found(
            "ann",
            "edit form",
            &format!(
                "{FOUND_HEADER}FS-1,FC-1,female,400,700,2025-06-01,Riverton,10.6,20.3,Home Z,\n"
            ),
        )
        .await
        .unwrap();
    assert_eq!(edited.changed, ["sex", "institution"]);
    assert_eq!(category_of(r, "FC-1", "MC-1").await, Category::Excluded);
    assert_eq!(finds(r, "Home Z").await.1, ["FC-1"]);
    agrees(r).await;

    // The reference: another name, found by search; its case keeps it.
    let edited = r
        .edit_reference(
            "ann",
            "edit form",
            &format!("{REFERENCES_HEADER}RS-1F,MC-1,father,Joseph Othername,male\n"),
        )
        .await
        .unwrap();
    assert_eq!(edited.changed, ["person_name"]);
    assert_eq!(finds(r, "othername").await.0, ["MC-1"]);
    assert!(finds(r, "privatename").await.0.is_empty());
    // A father who is the child's uncle: the family's pedigree changes and
    // the case is searched again; the index agrees with the rows.
    let edited = r
        .edit_reference(
            "ann",
            "edit form",
            &format!("{REFERENCES_HEADER}RS-1F,MC-1,paternal_uncle,Joseph Othername,male\n"),
        )
        .await
        .unwrap();
    assert_eq!(edited.changed, ["relationship"]);
    let case = r.case_page("ann", "MC-1").await.unwrap().unwrap();
    let rs1f = case
        .references
        .iter()
        .find(|x| x.sample_name == "RS-1F")
        .unwrap();
    assert_eq!(rs1f.relationship, "paternal_uncle");
    agrees(r).await;
}
both!(edits_change_rows_terms_categories_and_the_audit);

async fn keys_links_and_pedigrees_are_refused_with_their_field(db: &TestDb) {
    let r = &db.registry;
    load_small(r).await;
    let seq = last_seq(r).await;
    let case_row = |id: &str| {
        format!("{CASES_HEADER}{id},Amina,male,2024-01-01,2024-03-01,2024-06-01,Riverton,,,\n")
    };
    let e = refusal(
        r.edit_case("ann", "edit form", &case_row("MC-404"))
            .await
            .unwrap_err(),
    );
    assert!(e.contains("case_id") && e.contains("no case MC-404"), "{e}");
    // One row only.
    let two = format!("{}MC-2,,female,,,,,,,\n", case_row("MC-1"));
    let e = refusal(r.edit_case("ann", "edit form", &two).await.unwrap_err());
    assert!(e.contains("one row"), "{e}");
    // A bad date is refused by the reader, with its field.
    let e = refusal(
        r.edit_case(
            "ann",
            "edit form",
            &format!("{CASES_HEADER}MC-1,Amina,male,2024-02-30,,,,,,\n"),
        )
        .await
        .unwrap_err(),
    );
    assert!(e.contains("child_birth_date_from"), "{e}");
    // A found child's sample and a reference's case are links.
    let e = refusal(
        r.edit_found(
            "ann",
            "edit form",
            &format!("{FOUND_HEADER}FS-9,FC-1,male,400,700,2025-06-01,Riverton,,,Home A,\n"),
        )
        .await
        .unwrap_err(),
    );
    assert!(
        e.contains("sample_name") && e.contains("cannot change"),
        "{e}"
    );
    let e = refusal(
        r.edit_reference(
            "ann",
            "edit form",
            &format!("{REFERENCES_HEADER}RS-1F,MC-2,father,Joseph,male\n"),
        )
        .await
        .unwrap_err(),
    );
    assert!(e.contains("case_id") && e.contains("cannot move"), "{e}");
    // Two mothers make no pedigree.
    let e = refusal(
        r.edit_reference(
            "ann",
            "edit form",
            &format!("{REFERENCES_HEADER}RS-1F,MC-1,mother,Joseph,female\n"),
        )
        .await
        .unwrap_err(),
    );
    assert!(e.contains("relationship") && e.contains("MC-1"), "{e}");
    // Nothing was written by any refusal.
    assert_eq!(last_seq(r).await, seq);
    let case = r.case_page("ann", "MC-1").await.unwrap().unwrap();
    assert_eq!(case.child_name.as_deref(), Some("Amina Secretname"));
}
both!(keys_links_and_pedigrees_are_refused_with_their_field);
