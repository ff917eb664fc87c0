//! A found child registered twice (the same DNA under another sample):
//! the import report says so, the found child's page and the candidate
//! page warn a case worker with a link to the other child, the API carries
//! it; a family account and the public never see it.

use crate::common::*;

/// The found child `found_id` registered again as `twin` (found id and
/// sample name), with the same genotypes: (found CSV, genotype table).
async fn registered_again(app: &TestApp, found_id: &str, twin: &str) -> (String, String) {
    let info = app
        .registry
        .found_page("test", found_id)
        .await
        .unwrap()
        .unwrap();
    let sample = info.sample_name;
    let mut lines = app.scenario.found_csv.lines();
    let header = lines.next().unwrap();
    let row = lines
        .find(|l| l.split(',').next() == Some(sample.as_str()))
        .unwrap();
    let rest: Vec<&str> = row.splitn(3, ',').collect();
    let found = format!("{header}\n{twin},{twin},{}\n", rest[2]);
    let mut tsv = app.scenario.profiles_tsv.lines();
    let header = tsv.next().unwrap();
    let at = header.split('\t').position(|c| c == "Sample Name").unwrap();
    let mut profiles = format!("{header}\n");
    for line in tsv {
        let mut cols: Vec<&str> = line.split('\t').collect();
        if cols[at] == sample {
            cols[at] = twin;
            profiles.push_str(&cols.join("\t"));
            profiles.push('\n');
        }
    }
    (found, profiles)
}

#[tokio::test]
async fn the_same_child_twice_is_told_to_case_workers_only() {
    let app = TestApp::start().await;
    let worker = app.login("worker1").await;
    let lab = app.login("lab1").await;
    let family = app.login("family1").await;
    let cand = app.first_candidate().await;
    let (found, profiles) = registered_again(&app, &cand.found_id, "FC-TWIN").await;
    let r = app
        .post(
            "/api/v1/import/found?file=found2.csv",
            Some(&worker),
            "text/csv",
            found.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            "/api/v1/import/profiles?file=profiles2.txt",
            Some(&lab),
            "text/plain",
            profiles.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The import report, in words and as data.
    let report = r.json();
    let same = report["same_dna"].as_array().unwrap();
    assert_eq!(same.len(), 1, "{report}");
    assert_eq!(same[0]["kind"], "found");
    assert_eq!(same[0]["this"]["found_id"], "FC-TWIN");
    assert_eq!(same[0]["other"]["found_id"], cand.found_id.as_str());
    assert!(same[0]["differing"].is_null());
    let note = format!(
        "found child FC-TWIN has the same DNA as found child {}: all",
        cand.found_id
    );
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with(&note)),
        "{report}"
    );

    let cookie = |t: &str| format!("reunite_session={t}");
    let page = |path: String, token: &str| {
        let c = cookie(token);
        let app = &app;
        async move { app.request("GET", &path, &[("cookie", &c)], b"").await }
    };
    // The found child's page and the candidate page warn, in both
    // languages, with a link to the other child.
    for path in [
        format!("/found/{}", cand.found_id),
        format!("/candidates/{}", cand.id),
    ] {
        let p = page(path.clone(), &worker).await;
        assert_eq!(p.status, 200, "{path}");
        assert!(p.body.contains("class=\"same-dna\""), "{path}: {}", p.body);
        assert!(
            p.body.contains(&format!(
                "Found child {} has the same DNA as found child <a href=\"/found/FC-TWIN\">FC-TWIN</a>",
                cand.found_id
            )),
            "{path}: {}",
            p.body
        );
        assert!(
            p.body
                .contains("the same child registered twice, or identical twins")
        );
        assert!(p.body.contains("should check before deciding"));
    }
    // And the other child's page, the other way round.
    let p = page("/found/FC-TWIN".into(), &worker).await;
    assert!(p.body.contains(&format!(
        "has the same DNA as found child <a href=\"/found/{0}\">{0}</a>",
        cand.found_id
    )));
    // A found child with no twin shows no warning.
    let others = app.registry.candidate_summaries(None, None).await.unwrap();
    if let Some(other) = others
        .iter()
        .find(|c| c.found_id != cand.found_id && c.found_id != "FC-TWIN")
    {
        let p = page(format!("/found/{}", other.found_id), &worker).await;
        assert_eq!(p.status, 200);
        assert!(!p.body.contains("class=\"same-dna\""));
    }
    // The API's found child and candidate carry it.
    let f = app
        .get(&format!("/api/v1/found/{}", cand.found_id), Some(&worker))
        .await
        .json();
    assert_eq!(f["same_dna"][0]["other"]["found_id"], "FC-TWIN", "{f}");
    let c = app
        .get(&format!("/api/v1/candidates/{}", cand.id), Some(&worker))
        .await
        .json();
    assert_eq!(c["same_dna"][0]["other"]["found_id"], "FC-TWIN", "{c}");
    assert_eq!(c["found"]["same_dna"][0]["other"]["found_id"], "FC-TWIN");

    // A family account: refused the pages, its own case's status only.
    for path in [
        format!("/found/{}", cand.found_id),
        format!("/candidates/{}", cand.id),
        "/".to_string(),
        format!("/api/v1/cases/{}", app.family_case),
    ] {
        let p = page(path.clone(), &family).await;
        assert!(
            !p.body.contains("same DNA")
                && !p.body.contains("FC-TWIN")
                && !p.body.contains("DNA相同"),
            "{path}: {}",
            p.body
        );
        if path.starts_with("/found") || path.starts_with("/candidates") {
            assert_eq!(p.status, 403, "{path}");
        }
    }
    // The public alerts neither.
    let p = app.get("/alerts", None).await;
    assert!(!p.body.contains("same DNA") && !p.body.contains("FC-TWIN"));
    app.stop().await;
}
