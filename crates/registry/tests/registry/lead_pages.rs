//! Leads a page at a time: the clan volunteer and paternal-line leads
//! strongest first (those without an LR last, then by row id), every lead
//! on exactly one page going forwards and the same pages going back, of
//! one review status when asked; a cursor of the other list refused.

use registry::{LeadKind, LeadStatus, Page, Registry, RegistryError, VolunteerLead};

use crate::both;
use crate::common::*;
use crate::haplotypes::population;
use crate::lineage::{clan, import_y, y_file};

const VOLUNTEERS_HEADER: &str =
    "sample_name,surname,ancestral_place,person_name,consent_date,keep_until,known_cases\n";

async fn volunteer_page(
    r: &Registry,
    status: Option<LeadStatus>,
    cursor: Option<&str>,
) -> Page<VolunteerLead> {
    r.volunteer_lead_page("cw1", status, 3, cursor)
        .await
        .unwrap()
}

/// Every page from the first, then back from the last by `previous`:
/// the same pages, and their leads in order.
async fn walk(r: &Registry) -> Vec<i64> {
    let mut pages: Vec<Page<VolunteerLead>> = vec![volunteer_page(r, None, None).await];
    assert_eq!(pages[0].previous, None);
    while let Some(next) = pages.last().unwrap().next.clone() {
        pages.push(volunteer_page(r, None, Some(&next)).await);
    }
    for k in (1..pages.len()).rev() {
        let previous = pages[k].previous.clone().expect("a page before");
        let back = volunteer_page(r, None, Some(&previous)).await;
        assert_eq!(back.items, pages[k - 1].items, "page {k} back");
    }
    assert!(pages.iter().all(|p| p.items.len() <= 3));
    pages
        .iter()
        .flat_map(|p| p.items.iter().map(|l| l.id))
        .collect()
}

async fn leads_come_a_page_at_a_time(db: &TestDb) {
    let a = &db.registry;
    load_small(a).await;
    // Boys and volunteers of one clan, before any haplotype database is
    // active: leads without an LR, in the order they were stored.
    let boys = [
        ("FS-20", vec![]),
        ("FS-21", vec![("DYS19", -1)]),
        ("FS-22", vec![("DYS458", 1)]),
        ("FS-23", vec![("DYS19", -1), ("DYS458", 1)]),
    ];
    let mut found = FOUND_HEADER.to_string();
    for (s, _) in &boys {
        found.push_str(&format!(
            "{s},F{s},male,300,700,2025-06-01,Riverton,,,Home A,\n"
        ));
    }
    a.import_found("t", "f.csv", &found).await.unwrap();
    let calls: Vec<_> = boys.iter().map(|(s, c)| (*s, clan(c))).collect();
    import_y(a, "boys.txt", &y_file(&calls)).await;
    let men = [
        ("V-20", vec![]),
        ("V-21", vec![("DYS576", 1)]),
        ("V-22", vec![("DYS19", -1)]),
    ];
    let mut rows = VOLUNTEERS_HEADER.to_string();
    for (s, _) in &men {
        rows.push_str(&format!("{s},Li,Lijiazhuang,,2025-05-01,2045-05-01,\n"));
    }
    a.import_volunteers("cw1", "clan.csv", &rows).await.unwrap();
    let calls: Vec<_> = men.iter().map(|(s, c)| (*s, clan(c))).collect();
    import_y(a, "clan.txt", &y_file(&calls)).await;
    let all = a.volunteer_leads("cw1").await.unwrap();
    assert!(all.len() >= 7, "{}", all.len());
    assert!(all.iter().all(|l| l.lr.is_none()));
    let mut by_id: Vec<i64> = all.iter().map(|l| l.id).collect();
    by_id.sort();
    assert_eq!(walk(a).await, by_id);
    assert_eq!(
        a.lead_count(LeadKind::Volunteer, None).await.unwrap(),
        all.len() as i64
    );

    // A database computes their LRs: the strongest first, ties by row id.
    a.import_haplotypes("lab1", "yhrd.csv", &population(200), Some("YHRD"), true)
        .await
        .unwrap();
    let all = a.volunteer_leads("cw1").await.unwrap();
    let mut strongest: Vec<(f64, i64)> = all.iter().map(|l| (l.log10_lr.unwrap(), l.id)).collect();
    strongest.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    let strongest: Vec<i64> = strongest.iter().map(|s| s.1).collect();
    assert_ne!(strongest, by_id, "the LRs reorder them");
    assert_eq!(walk(a).await, strongest);

    // The leads of one review status.
    let moved = strongest[4];
    a.set_volunteer_lead_status("cw1", moved, LeadStatus::FamilyContacted)
        .await
        .unwrap();
    let contacted = Some(LeadStatus::FamilyContacted);
    assert_eq!(
        a.lead_count(LeadKind::Volunteer, contacted).await.unwrap(),
        1
    );
    assert_eq!(
        a.lead_count(LeadKind::Volunteer, Some(LeadStatus::New))
            .await
            .unwrap(),
        all.len() as i64 - 1
    );
    let page = volunteer_page(a, contacted, None).await;
    assert_eq!(page.items.iter().map(|l| l.id).collect::<Vec<_>>(), [moved]);
    assert_eq!((page.next, page.previous), (None, None));
    let new = volunteer_page(a, Some(LeadStatus::New), None).await;
    assert!(new.items.iter().all(|l| l.id != moved && l.status == "new"));

    // The father of MC-1 shares the clan's Y: family leads, a page of one.
    import_y(a, "f1.txt", &y_file(&[("RS-1F", clan(&[]))])).await;
    let family = a.lineage_lead_page("cw1", None, 1, None).await.unwrap();
    assert_eq!(family.items.len(), 1);
    assert_eq!(family.items[0].reference_sample, "RS-1F");
    let second = family.next.clone().expect("more than one family lead");
    let page = a
        .lineage_lead_page("cw1", None, 1, Some(&second))
        .await
        .unwrap();
    assert_ne!(page.items[0].id, family.items[0].id);
    assert!(page.items[0].log10_lr <= family.items[0].log10_lr);
    // A cursor of one list is refused by the other.
    let e = a
        .volunteer_lead_page("cw1", None, 3, Some(&second))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, RegistryError::Invalid(m) if m.contains("a cursor of the lineage_leads list")),
        "{e:?}"
    );
}
both!(leads_come_a_page_at_a_time);
