//! The public alerts as PFIF 1.4 for person-finder sites.

use crate::common::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn alerts_as_pfif_carry_no_dna() {
    let app = TestApp::start().await;
    let res = app.get("/api/v1/alerts.pfif", None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.header("content-type"),
        Some("application/pfif+xml; charset=utf-8")
    );
    // Every export is audited, as the public.
    let last = &app.registry.audit_tail(1).await.unwrap()[0];
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("public", "pfif.export")
    );
    let doc = formats::pfif::read("alerts.pfif", &res.body).unwrap();
    // The one opted-in open case, under the placeholder domain until one is set.
    assert_eq!(doc.persons.len(), 1);
    let p = &doc.persons[0];
    assert_eq!(
        p.person_record_id,
        format!("{}/{}", registry::pfif::DEFAULT_DOMAIN, app.other_case)
    );
    let case = app
        .registry
        .case_page("test", &app.other_case)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        Some(p.full_name.clone()).filter(|n| !n.is_empty()),
        case.child_name
    );
    assert_eq!(p.description, case.description);
    assert!(!res.body.contains(&app.family_case));
    // Nothing genetic, no sample names, no references.
    let samples: Vec<String> = app
        .scenario
        .profiles_tsv
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1).map(str::to_string))
        .collect();
    assert!(!samples.is_empty());
    for word in [
        "D3S1358", "FGA", "TH01", "vWA", "AMEL", "allele", "genotype",
    ]
    .into_iter()
    .chain(samples.iter().map(String::as_str))
    {
        assert!(!res.body.contains(word), "{word} in {}", res.body);
    }
    // With the registry's domain set, the ids carry it.
    app.registry
        .set_pfif_domain("admin", "alerts.example.org")
        .await
        .unwrap();
    let res = app.get("/api/v1/alerts.pfif", None).await;
    let doc = formats::pfif::read("alerts.pfif", &res.body).unwrap();
    assert_eq!(
        doc.persons[0].person_record_id,
        format!("alerts.example.org/{}", app.other_case)
    );
    app.stop().await;
}
