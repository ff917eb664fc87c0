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

/// A found boy one step from a clan volunteer's Y, with a haplotype
/// database active: the lead in words in both languages, with his clan, the
/// case his clan knows of and the strength for each number of generations;
/// its review from the page and the API.
#[tokio::test]
async fn a_clan_volunteer_lead_in_words() {
    let app = TestApp::start().await;
    let worker = app.login("worker1").await;
    let empty = page(&app, &worker, "en").await;
    assert!(
        empty.body.contains("No leads from clan volunteers yet."),
        "{}",
        empty.body
    );
    let r = &app.registry;
    let men: Vec<&str> = include_str!("../../../../data/ystr/synthetic_yfilerplus.csv")
        .lines()
        .take(301)
        .collect();
    r.import_haplotypes("lab1", "yhrd.csv", &men.join("\n"), Some("YHRD"), true)
        .await
        .unwrap();
    r.import_cases("t", "c.csv", "case_id,child_sex\nPL-2,male\n")
        .await
        .unwrap();
    r.import_found("t", "f.csv", "sample_name,found_id,sex\nPLB-2,PB-2,male\n")
        .await
        .unwrap();
    // The volunteers' file through the API, as a case worker brings it.
    let csv = "sample_name,surname,ancestral_place,person_name,consent_date,keep_until,known_cases\n\
               V-1,李,李家庄,李建国,2025-05-01,2045-05-01,PL-2\n";
    let up = app
        .request(
            "POST",
            "/api/v1/import/volunteers?file=clan.csv",
            &[
                ("authorization", &format!("Bearer {worker}")),
                ("content-type", "text/csv"),
            ],
            csv.as_bytes(),
        )
        .await;
    assert_eq!(up.status, 200, "{}", up.body);
    assert_eq!(up.json()["added"], 1, "{}", up.body);
    let header = "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1\n";
    let file = format!("{header}{}{}", y_rows("V-1", 0), y_rows("PLB-2", 1));
    let rep = r
        .import_profiles("lab1", "y.txt", &file, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(rep.new_leads, 1, "{rep:?}");

    let api = app.get("/api/v1/volunteer-leads", Some(&worker)).await;
    assert_eq!(api.status, 200);
    let item = api.json()[0].clone();
    for (key, want) in [
        ("found_id", "PB-2"),
        ("volunteer_sample", "V-1"),
        ("surname", "李"),
        ("ancestral_place", "李家庄"),
        ("person_name", "李建国"),
        ("method", "disclap"),
        ("database", "YHRD v1"),
        ("status", "new"),
    ] {
        assert_eq!(item[key], want, "{key}: {item}");
    }
    assert_eq!(item["known_cases"], serde_json::json!(["PL-2"]));
    assert_eq!(item["differing"], serde_json::json!(["DYS458"]));
    let lrs = item["lrs"].as_array().unwrap();
    assert_eq!(lrs.len(), 20);
    let n = item["likeliest_meioses"].as_i64().unwrap();
    assert_eq!(item["lr"], lrs[n as usize - 1]);
    // One differing place in 27: likelier after several generations than
    // after one.
    assert!(n > 1, "{item}");

    let en = page(&app, &worker, "en").await;
    for said in [
        "Leads from clan volunteers".to_string(),
        "<a href=\"/found/PB-2\">PB-2</a> × clan 李 (李家庄)".to_string(),
        "matches that of a volunteer of the 李 clan of 李家庄 (sample V-1) at 26 of 27 places."
            .to_string(),
        "It differs at one place (DYS458)".to_string(),
        "Missing-child cases his clan knows of: <a href=\"/cases/PL-2\">PL-2</a>".to_string(),
        format!("The Y-DNA fits best with {n} generations between them: then it is"),
        "The clan was contacted</button>".to_string(),
        "The strength for each number of generations between them".to_string(),
        "<td>20</td>".to_string(),
        "This is a lead to a clan, not an identification.".to_string(),
        "YHRD v1".to_string(),
    ] {
        assert!(en.body.contains(&said), "{said}:\n{}", en.body);
    }
    assert_eq!(en.body.matches("<tr class=\"best\">").count(), 1);
    let zh = page(&app, &worker, "zh-CN").await;
    for said in [
        "宗族志愿者线索".to_string(),
        "与李家庄李氏宗族的一位志愿者（样本 V-1）在 27 个位点中有 26 个相同".to_string(),
        format!("这些Y-DNA结果与相隔 {n} 代最吻合"),
        "已联系宗族</button>".to_string(),
        "该宗族知道的失踪儿童案件".to_string(),
    ] {
        assert!(zh.body.contains(&said), "{said}:\n{}", zh.body);
    }

    // The review from the page's form, back to the lead; the API's rule.
    let id = item["id"].as_i64().unwrap();
    let action = format!("/leads/volunteer/{id}/status");
    let form = [
        ("cookie", cookie(&worker)),
        (
            "content-type",
            "application/x-www-form-urlencoded".to_string(),
        ),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let body = format!("csrf={}&status=family_contacted", csrf_of(&en.body));
    let r = app.request("POST", &action, &form, body.as_bytes()).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/leads#volunteer-lead-{id}").as_str())
    );
    let after = page(&app, &worker, "en").await;
    assert!(
        after.body.contains("<strong>Clan contacted</strong>"),
        "{}",
        after.body
    );
    let step = format!("/api/v1/volunteer-leads/{id}/status");
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
            &serde_json::json!({"status": "autosomal_requested"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = page(&app, &worker, "en").await;
    assert!(
        after
            .body
            .contains("<strong>Autosomal DNA test requested</strong>")
    );
    app.stop().await;
}

/// A missing boy's paternal uncle and `boys` found boys of his line.
async fn many_leads(app: &TestApp, boys: usize) {
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
    let mut found = "sample_name,found_id,sex,age_min_days,age_max_days,found_date,found_place,found_lat,found_lon,institution,description\n".to_string();
    let header = "Sample File\tSample Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tSize 1\tHeight 1\n";
    let mut y = format!("{header}{}", y_rows("PLU-1", 0));
    for k in 0..boys {
        found.push_str(&format!(
            "B-{k},PB-{k},male,300,700,2025-06-01,Riverton,,,Home A,\n"
        ));
        y.push_str(&y_rows(&format!("B-{k}"), (k % 3) as i32));
    }
    r.import_found("t", "f.csv", &found).await.unwrap();
    let rep = r
        .import_profiles("lab1", "y.txt", &y, None, None, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(rep.new_leads, boys, "{rep:?}");
}

/// The `href` of the link with `rel` in a page.
fn link(html: &str, rel: &str) -> Option<String> {
    let end = html.find(&format!("\" rel=\"{rel}\""))?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(html[start..end].replace("&amp;", "&"))
}

/// The found children a page of leads names, in its order.
fn boys_named(html: &str) -> Vec<String> {
    html.split("<a href=\"/found/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

/// Leads a page at a time: twenty on the page with links to the next and
/// back, the leads of one review status, a review step that comes back to
/// the page it was on; the API's pages with `Next-Cursor` and `Link`.
#[tokio::test]
async fn leads_a_page_at_a_time() {
    let app = TestApp::start().await;
    let worker = app.login("worker1").await;
    many_leads(&app, 23).await;
    let get = async |path: &str| {
        let r = app
            .request("GET", path, &[("cookie", &cookie(&worker))], b"")
            .await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body
    };
    let first = get("/leads?lang=en").await;
    assert!(first.contains("20 shown of 23"), "{first}");
    assert_eq!(link(&first, "prev"), None);
    let next = link(&first, "next").expect("a next page");
    assert!(next.starts_with("/leads?family="), "{next}");
    let second = get(&next).await;
    assert!(second.contains("3 shown of 23"), "{second}");
    assert_eq!(link(&second, "next"), None);
    let mut seen = boys_named(&first);
    seen.extend(boys_named(&second));
    let mut all: Vec<String> = (0..23).map(|k| format!("PB-{k}")).collect();
    assert_eq!(seen.len(), 23, "{seen:?}");
    seen.sort();
    all.sort();
    assert_eq!(seen, all);
    assert_eq!(
        boys_named(&get(&link(&second, "prev").unwrap()).await),
        boys_named(&first)
    );

    // A review step from the second page comes back to it.
    let lead = app
        .registry
        .lineage_lead_page("t", None, 100, None)
        .await
        .unwrap()
        .items[21]
        .id;
    assert!(second.contains(&format!("id=\"lead-{lead}\"")));
    let cursor = next.strip_prefix("/leads?family=").unwrap();
    let body = format!(
        "csrf={}&status=family_contacted&family={cursor}",
        csrf_of(&second)
    );
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
            &format!("/leads/{lead}/status"),
            &form,
            body.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("{next}#lead-{lead}").as_str())
    );
    // The page's forms carry the way back.
    assert!(
        second.contains(&format!("name=\"family\" value=\"{cursor}\"")),
        "{second}"
    );

    // The leads of one status, in both languages.
    let contacted = get("/leads?status=family_contacted&lang=en").await;
    assert!(contacted.contains("1 shown of 1"), "{contacted}");
    assert!(contacted.contains("<strong>Family contacted</strong>"));
    assert_eq!(boys_named(&contacted).len(), 1);
    let zh = get("/leads?status=new&lang=zh-CN").await;
    assert!(zh.contains("显示") && zh.contains("全部线索"), "{zh}");
    assert!(zh.contains("<strong>新线索</strong>"), "{zh}");
    let bad = app
        .request(
            "GET",
            "/leads?status=maybe",
            &[("cookie", &cookie(&worker))],
            b"",
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);

    // The API, five at a time, following Link.
    let mut path = "/api/v1/lineage-leads?limit=5".to_string();
    let mut ids = Vec::new();
    loop {
        let r = app.get(&path, Some(&worker)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.json().as_array().unwrap().clone();
        assert!(items.len() <= 5);
        ids.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
        match r.header("link") {
            Some(l) => {
                assert!(r.header("next-cursor").is_some());
                path = l[1..l.find('>').unwrap()].to_string();
            }
            None => break,
        }
    }
    let want: Vec<i64> = app
        .registry
        .lineage_leads("t")
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(ids, want);
    let one = app
        .get(
            "/api/v1/lineage-leads?status=family_contacted",
            Some(&worker),
        )
        .await;
    assert_eq!(one.json().as_array().unwrap().len(), 1, "{}", one.body);
    assert_eq!(one.json()[0]["id"], lead);
    let bad = app
        .get("/api/v1/volunteer-leads?limit=0", Some(&worker))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    app.stop().await;
}
