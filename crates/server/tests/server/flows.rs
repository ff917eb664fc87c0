//! The review workflow, the family's view, the public alerts, imports and pages.

use serde_json::json;

use crate::common::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn review_needs_a_second_caseworker_and_reunion_sets_statuses() {
    let app = TestApp::start().await;
    let cands = app.registry.candidate_summaries(None, None).await.unwrap();
    let cand = &cands[0];
    let w1 = app.login("worker1").await;
    let w2 = app.login("worker2").await;
    let path = format!("/api/v1/candidates/{}/review", cand.id);
    let step = |token: String, action: &'static str| {
        let path = path.clone();
        let app = &app;
        async move {
            let detail = path.trim_end_matches("/review").to_string();
            let version = app.get(&detail, Some(&token)).await.json()["version"].clone();
            app.post_json(
                &path,
                Some(&token),
                &json!({"action": action, "version": version}),
            )
            .await
        }
    };
    let r = step(w1.clone(), "start_review").await;
    assert_eq!(
        (r.status, r.json()["status"].as_str().unwrap().to_string()),
        (200, "under_review".into())
    );
    // Out of order.
    assert_eq!(step(w1.clone(), "reunite").await.status, 409);
    assert_eq!(
        step(w1.clone(), "request_test").await.json()["status"],
        "test_requested"
    );
    // The same caseworker cannot confirm.
    let r = step(w1.clone(), "confirm").await;
    assert_eq!(r.status, 409);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("second caseworker")
    );
    // Unknown action, unknown candidate.
    assert_eq!(step(w2.clone(), "approve").await.status, 422);
    assert_eq!(
        app.post_json(
            "/api/v1/candidates/999999/review",
            Some(&w2),
            &json!({"action": "confirm", "version": 0})
        )
        .await
        .status,
        404
    );
    assert_eq!(
        step(w2.clone(), "confirm").await.json()["status"],
        "confirmed"
    );
    assert_eq!(
        step(w2.clone(), "reunite").await.json()["status"],
        "reunited"
    );
    let detail = app
        .get(&format!("/api/v1/candidates/{}", cand.id), Some(&w2))
        .await
        .json();
    assert_eq!(detail["summary"]["status"], "reunited");
    assert_eq!(detail["history"].as_array().unwrap().len(), 4);
    let case = app
        .get(&format!("/api/v1/cases/{}", cand.case_id), Some(&w1))
        .await
        .json();
    assert_eq!(case["status"], "reunited");
    let found = app
        .get(&format!("/api/v1/found/{}", cand.found_id), Some(&w1))
        .await
        .json();
    assert_eq!(found["status"], "reunited");
    // The family sees it.
    let fam = app.login("family1").await;
    let own = app
        .get(&format!("/api/v1/cases/{}", cand.case_id), Some(&fam))
        .await;
    assert_eq!(own.json()["status"], "reunited");
    // A rejection needs a reason (on another candidate, still new).
    let other = cands
        .iter()
        .find(|c| c.id != cand.id && c.status == "new")
        .expect("the scenario has a second new candidate");
    let status_of = |id: i64| {
        let app = &app;
        async move {
            app.registry
                .candidate_summaries(None, None)
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.id == id)
                .unwrap()
                .status
        }
    };
    assert_eq!(status_of(other.id).await, "new");
    let p = format!("/api/v1/candidates/{}/review", other.id);
    let r = app
        .post_json(&p, Some(&w1), &json!({"action": "reject", "version": 0}))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.json()["error"].as_str().unwrap().contains("reason"),
        "{}",
        r.body
    );
    assert_eq!(status_of(other.id).await, "new", "refused, unchanged");
    let r = app
        .post_json(
            &p,
            Some(&w1),
            &json!({"action": "reject", "reason": "facts exclude", "version": 0}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "rejected");
    assert_eq!(status_of(other.id).await, "rejected");
    // Every step is audited under its actor.
    let audit = app.registry.audit_tail(100).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "candidate.review"
        && e.actor == "worker2"
        && e.detail.contains("reunited")));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_family_sees_only_its_own_case_status() {
    let app = TestApp::start().await;
    let fam = app.login("family1").await;
    let own = app
        .get(&format!("/api/v1/cases/{}", app.family_case), Some(&fam))
        .await;
    assert_eq!(own.status, 200);
    let v = own.json();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["case_id", "status"]);
    assert_eq!(v["case_id"], app.family_case.as_str());
    // Another case, or no case: the same refusal.
    assert_eq!(
        app.get(&format!("/api/v1/cases/{}", app.other_case), Some(&fam))
            .await
            .status,
        403
    );
    assert_eq!(
        app.get("/api/v1/cases/NO-SUCH-CASE", Some(&fam))
            .await
            .status,
        403
    );
    let cand = app.first_candidate().await;
    for path in [
        "/api/v1/candidates".to_string(),
        format!("/api/v1/candidates/{}", cand.id),
        format!("/api/v1/found/{}", cand.found_id),
        "/api/v1/audit".into(),
    ] {
        assert_eq!(app.get(&path, Some(&fam)).await.status, 403, "{path}");
    }
    // No genotype, marker, sample or other case in anything it can see.
    let me = app.get("/api/v1/me", Some(&fam)).await;
    assert_eq!(me.json()["case_id"], app.family_case.as_str());
    let dash = app
        .request(
            "GET",
            "/",
            &[("cookie", &format!("reunite_session={fam}"))],
            b"",
        )
        .await;
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains(&app.family_case));
    let refs: Vec<String> = app
        .scenario
        .references_csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_string))
        .collect();
    for body in [&own.body, &me.body, &dash.body] {
        for word in [
            "D3S1358",
            "FGA",
            "TH01",
            "genotype",
            "allele",
            &app.other_case,
        ] {
            assert!(!body.contains(word), "{word} in {body}");
        }
        for r in &refs {
            assert!(!body.contains(r.as_str()), "{r}");
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn public_alerts_show_no_dna() {
    let app = TestApp::start().await;
    let page = app.get("/alerts", None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&app.other_case),
        "the opted-in case is listed"
    );
    assert!(
        !page.body.contains(&app.family_case),
        "a case not opted in is not"
    );
    let api = app.get("/api/v1/alerts", None).await;
    assert_eq!(api.status, 200);
    assert_eq!(api.json().as_array().unwrap().len(), 1);
    // What the PFIF feed shows: the name, the date of birth and the age.
    let row = app
        .scenario
        .cases_csv
        .lines()
        .find(|l| l.starts_with(&format!("{},", app.other_case)))
        .unwrap();
    let field = |i: usize| row.split(',').nth(i).unwrap();
    let (name, from, to) = (field(1), field(3), field(4));
    let alert = &api.json()[0];
    assert_eq!(alert["child_name"], name, "{alert}");
    // The narrowest date holding the birth range: 2019, 2019-05, 2019-05-12.
    let born = alert["born"].as_str().unwrap();
    assert!(
        from.starts_with(born) && to.starts_with(born),
        "{from} {to} {alert}"
    );
    assert!(alert["age_years"][0].is_i64(), "{alert}");
    assert!(page.body.contains(name) && page.body.contains(&format!("Born {born}")));
    let samples: Vec<String> = app
        .scenario
        .profiles_tsv
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1).map(str::to_string))
        .collect();
    for body in [&page.body, &api.body] {
        for word in [
            "D3S1358",
            "FGA",
            "vWA",
            "genotype",
            "allele",
            "missing_place",
        ] {
            assert!(!body.contains(word), "{word}");
        }
        for s in &samples {
            assert!(
                !body.contains(&format!(">{s}<")) && !body.contains(&format!("\"{s}\"")),
                "{s}"
            );
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_report_or_locate_the_error() {
    let app = TestApp::start().await;
    let w = app.login("worker1").await;
    let lab = app.login("lab1").await;
    let header = app.scenario.cases_csv.lines().next().unwrap();
    let bad = format!("{header}\nNEW-1,,dragon,2024-01-01,2024-02-01,2024-06-01,,,,\n");
    let r = app
        .post(
            "/api/v1/import/cases?file=bad.csv",
            Some(&w),
            "text/csv",
            bad.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422);
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("bad.csv") && msg.contains('2'), "{msg}");
    // Nothing stored.
    assert!(app.registry.case_id_ref("NEW-1").await.unwrap().is_none());
    let good = format!("{header}\nNEW-1,,female,2024-01-01,2024-02-01,2024-06-01,,,,\n");
    let r = app
        .post(
            "/api/v1/import/cases?file=good.csv",
            Some(&w),
            "text/csv",
            good.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["added"], 1);
    // A lab may not import cases, a caseworker may not import profiles; no such kind.
    assert_eq!(
        app.post(
            "/api/v1/import/cases",
            Some(&lab),
            "text/csv",
            good.as_bytes()
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.post("/api/v1/import/profiles", Some(&w), "text/plain", b"x")
            .await
            .status,
        403
    );
    assert_eq!(
        app.post("/api/v1/import/spells", Some(&w), "text/plain", b"x")
            .await
            .status,
        404
    );

    // The page: a multipart upload with the CSRF token.
    let cookie = format!("reunite_session={w}");
    let page = app
        .request("GET", "/import", &[("cookie", &cookie)], b"")
        .await;
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &page.body[at..at + 64];
    let boundary = "XyZb0undary";
    let multipart = |csrf: &str, file: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncases\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
             --{boundary}--\r\n"
        )
    };
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = app
        .request(
            "POST",
            "/import",
            &[("cookie", &cookie), ("content-type", &ct)],
            multipart(csrf, &bad).as_bytes(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("class=\"error\"") && r.body.contains("upload.csv"),
        "{}",
        r.body
    );
    let r = app
        .request(
            "POST",
            "/import",
            &[("cookie", &cookie), ("content-type", &ct)],
            multipart(csrf, &good).as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("1 already stored"), "{}", r.body);
    // The counted noun of the kind, in the singular for one.
    assert!(
        r.body.contains(": 1 missing-child case in the file"),
        "{}",
        r.body
    );
    let r = app
        .request(
            "POST",
            "/import",
            &[("cookie", &cookie), ("content-type", &ct)],
            multipart("nope", &good).as_bytes(),
        )
        .await;
    assert_eq!(r.status, 403);

    // A frequency table uploaded by a lab counts markers, not "frequencies".
    let lab_cookie = format!("reunite_session={lab}");
    let page = app
        .request("GET", "/import", &[("cookie", &lab_cookie)], b"")
        .await;
    let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let lab_csrf = &page.body[at..at + 64];
    let table = "TH01\n6 0.5\n7 0.5\n\nTPOX\n8 0.5\n9 0.5\n";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{lab_csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nfrequencies\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"freq.txt\"\r\nContent-Type: text/plain\r\n\r\n{table}\r\n\
         --{boundary}--\r\n"
    );
    let r = app
        .request(
            "POST",
            "/import",
            &[("cookie", &lab_cookie), ("content-type", &ct)],
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("freq.txt: 2 markers in the file"),
        "{}",
        r.body
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_show_the_candidate() {
    let app = TestApp::start().await;
    let cand = app.first_candidate().await;
    let w = app.login("worker1").await;
    let cookie = format!("reunite_session={w}");
    let page = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert_eq!(page.status, 200);
    for want in [
        cand.found_id.as_str(),
        cand.case_id.as_str(),
        "D3S1358",
        "Start the review",
        "Reason for rejecting",
        "posterior",
    ] {
        assert!(page.body.contains(want), "{want}");
    }
    assert_eq!(
        page.body.matches("<svg").count(),
        2,
        "the pedigree and the LR chart"
    );
    assert!(
        page.body
            .contains(&format!("found child {}", cand.found_id))
    );
    let case = app
        .request(
            "GET",
            &format!("/cases/{}", cand.case_id),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert_eq!(case.status, 200);
    assert!(case.body.contains("<svg") && case.body.contains("missing child"));
    let found = app
        .request(
            "GET",
            &format!("/found/{}", cand.found_id),
            &[("cookie", &cookie)],
            b"",
        )
        .await;
    assert_eq!(found.status, 200);
    let admin = app.login("admin1").await;
    let audit = app
        .request(
            "GET",
            "/audit",
            &[("cookie", &format!("reunite_session={admin}"))],
            b"",
        )
        .await;
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("profile.read"));
    // An admin sees the candidate but gets no decision buttons.
    let page = app
        .request(
            "GET",
            &format!("/candidates/{}", cand.id),
            &[("cookie", &format!("reunite_session={admin}"))],
            b"",
        )
        .await;
    assert!(!page.body.contains("Start the review"));
    app.stop().await;
}
