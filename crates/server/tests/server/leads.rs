//! Paternal-line leads on the page and in the API: in words, in English and
//! Chinese, apart from the identifications, with the review of a lead for
//! case workers only.

use crate::common::*;

/// The first man of the repository's synthetic Yfiler Plus population with
/// DYS458 moved `step` repeats, as GeneMapper rows of `sample`.
fn y_rows(sample: &str, step: i32) -> String {
    let text = include_str!("../../../../data/ystr/synthetic_yfilerplus.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let man: Vec<i32> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    let mut calls: Vec<(String, Vec<i32>)> = Vec::new();
    for (name, value) in header.iter().zip(man) {
        let value = value + if *name == "DYS458" { step } else { 0 };
        let marker = name.trim_end_matches(['a', 'b']);
        match calls.last_mut() {
            Some((m, alleles)) if m == marker && *name != marker => alleles.push(value),
            _ => calls.push((marker.to_string(), vec![value])),
        }
    }
    calls
        .iter()
        .map(|(m, a)| {
            let mut cells: Vec<String> = a.iter().map(i32::to_string).collect();
            cells.resize(3, String::new());
            format!(
                "{sample}.fsa\t{sample}\tYfilerPlus\t{m}\tB\t{}\t120.5\t1500\n",
                cells.join("\t")
            )
        })
        .collect()
}

/// A missing boy whose only relative who gave DNA is his paternal uncle,
/// and a found boy one step from the uncle's Y at DYS458.
async fn paternal_line(app: &TestApp) {
    let r = &app.registry;
    r.import_cases(
        "t",
        "c.csv",
        "case_id,child_name,child_sex,child_birth_date_from,child_birth_date_to,missing_date,missing_place,missing_lat,missing_lon,description\n\
         PL-1,,male,2023-01-01,2023-06-01,2024-05-01,Hilltown,,,\n",
    )
    .await
    .unwrap();
    r.import_references(
        "t",
        "r.csv",
        "sample_name,case_id,relationship,person_name,sex\nPLU-1,PL-1,paternal_uncle,,male\n",
    )
    .await
    .unwrap();
    r.import_found(
        "t",
        "f.csv",
        "sample_name,found_id,sex,age_min_days,age_max_days,found_date,found_place,found_lat,found_lon,institution,description\n\
         PLB-1,PB-1,male,300,700,2025-06-01,Riverton,,,Home A,\n",
    )
    .await
    .unwrap();
    let header = "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1\n";
    let file = format!("{header}{}{}", y_rows("PLU-1", 0), y_rows("PLB-1", 1));
    let rep = r
        .import_profiles("lab1", "y.txt", &file, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(rep.new_leads, 1, "{rep:?}");
}

fn cookie(token: &str) -> String {
    format!("reunite_session={token}")
}

async fn page(app: &TestApp, token: &str, lang: &str) -> Resp {
    let r = app
        .request(
            "GET",
            &format!("/leads?lang={lang}"),
            &[("cookie", &cookie(token))],
            b"",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

#[tokio::test]
async fn a_lead_in_words_and_its_review() {
    let app = TestApp::start().await;
    let worker = app.login("worker1").await;
    let empty = page(&app, &worker, "en").await;
    assert!(
        empty.body.contains("No paternal-line leads yet."),
        "{}",
        empty.body
    );
    paternal_line(&app).await;
    let en = page(&app, &worker, "en").await;
    let lead = app.registry.lineage_leads("t").await.unwrap().remove(0);
    for said in [
        "Paternal-line leads (Y chromosome)",
        "<a href=\"/found/PB-1\">PB-1</a>",
        "<a href=\"/cases/PL-1\">PL-1</a>",
        "matches that of the relative who gave DNA for the missing boy (Father&#39;s brother, sample PLU-1) at 26 of 27 places.",
        "It differs at one place (DYS458), which a few generations can explain.",
        "No population Y database is active",
        "This is a lead, not an identification.",
        "<strong>New</strong>",
        "The family was contacted",
        "Request an autosomal DNA test",
        "Rule it out",
    ] {
        assert!(en.body.contains(said), "{said}:\n{}", en.body);
    }
    // Leads are not identifications: no candidate was made of them.
    assert!(
        app.registry
            .candidate_summaries(None, None)
            .await
            .unwrap()
            .iter()
            .all(|c| c.found_id != "PB-1"),
    );
    let zh = page(&app, &worker, "zh-CN").await;
    for said in [
        "父系线索（Y染色体）",
        "（叔叔/伯伯，样本 PLU-1）在 27 个位点中有 26 个相同",
        "这是一条线索，不是身份认定。",
        "申请常染色体DNA检测",
    ] {
        assert!(zh.body.contains(said), "{said}:\n{}", zh.body);
    }
    assert!(!zh.body.contains("Paternal"), "{}", zh.body);
    // An administrator reads the leads but does not review them.
    let admin = app.login("admin1").await;
    let a = page(&app, &admin, "en").await;
    assert!(a.body.contains("PLU-1"));
    assert!(!a.body.contains("/status\""), "{}", a.body);

    // A step from the page's form: back to the lead.
    let action = format!("/leads/{}/status", lead.id);
    let form = [
        ("cookie", cookie(&worker)),
        (
            "content-type",
            "application/x-www-form-urlencoded".to_string(),
        ),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app
        .request(
            "POST",
            &action,
            &form,
            b"csrf=forged&status=family_contacted",
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let body = format!("csrf={}&status=family_contacted", csrf_of(&en.body));
    let r = app.request("POST", &action, &form, body.as_bytes()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/leads#lead-{}", lead.id).as_str())
    );
    let after = page(&app, &worker, "en").await;
    assert!(
        after.body.contains("<strong>Family contacted</strong>"),
        "{}",
        after.body
    );
    assert!(!after.body.contains("The family was contacted</button>"));

    // The API: the same lead, and the review's rule.
    let leads = app.get("/api/v1/lineage-leads", Some(&worker)).await;
    assert_eq!(leads.status, 200);
    let item = &leads.json()[0];
    for (key, want) in [
        ("found_id", "PB-1"),
        ("case_id", "PL-1"),
        ("reference_sample", "PLU-1"),
        ("relationship", "paternal_uncle"),
        ("method", "none"),
        ("status", "family_contacted"),
    ] {
        assert_eq!(item[key], want, "{key}: {item}");
    }
    assert_eq!(item["meioses"], 3);
    assert_eq!(item["differing"], serde_json::json!(["DYS458"]));
    assert!(item["lr"].is_null());
    let step = format!("/api/v1/lineage-leads/{}/status", lead.id);
    let r = app
        .post_json(
            &step,
            Some(&worker),
            &serde_json::json!({"status": "confirmed"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = app
        .post_json(
            &step,
            Some(&worker),
            &serde_json::json!({"status": "maybe"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .post_json(
            &step,
            Some(&worker),
            &serde_json::json!({"status": "ruled_out"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "ruled_out");
    let audit = app.registry.audit_tail(5).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "lineage_lead.status" && e.actor == "worker1"),
        "{audit:?}"
    );
    app.stop().await;
}
