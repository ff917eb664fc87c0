//! No secret and no genetic or personal data in the logs of a full run: the
//! commands and `reunite serve --log-json` (with `RUST_LOG=trace`) through
//! logins, imports, candidate pages, a review to a reunion, errors and
//! logouts; everything they print is searched for every session token (and
//! its hash), CSRF token and password used, every imported profile's
//! genotypes and every name, place and description imported.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::common::*;

/// Runs `reunite` at the most verbose log level; its output.
fn run(data: &Path, args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_reunite"))
        .args(args)
        .args(["--data-dir", data.to_str().unwrap()])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// Numbers as written in a text (alleles look like `15` or `9.3`).
fn numbers(line: &str) -> Vec<&str> {
    line.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The alleles of three consecutive markers of `alleles`, found in that
/// order among the numbers of one line: a genotype written out in any form.
fn genotype_run_in(line_numbers: &[&str], alleles: &[String]) -> bool {
    alleles.chunks(2).collect::<Vec<_>>().windows(3).any(|w| {
        let run: Vec<&str> = w
            .iter()
            .flat_map(|p| p.iter().map(String::as_str))
            .collect();
        line_numbers.windows(run.len()).any(|x| x == run.as_slice())
    })
}

/// `a/b` as pages show a genotype, standing alone.
fn pair_text_in(text: &str, a: &str, b: &str) -> bool {
    let pair = format!("{a}/{b}");
    text.match_indices(&pair).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + pair.len()..].chars().next();
        let edge = |c: Option<char>| c.is_none_or(|c| !(c.is_ascii_digit() || c == '.'));
        edge(before) && edge(after)
    })
}

/// A form field.
fn field(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key).expect("the field") + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn set_cookie(res: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A running `reunite serve --log-json`, its stdout and stderr collected.
struct Server {
    child: std::process::Child,
    base: String,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reunite"))
            .args([
                "serve",
                "--log-json",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(data)
            .env("RUST_LOG", "trace")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = Arc::new(Mutex::new(String::new()));
        let err = Arc::new(Mutex::new(String::new()));
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("the server prints its address")
                .unwrap();
            err.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.trim().trim_end_matches('/').to_string();
            }
        };
        let e = err.clone();
        let r1 = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                e.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        let mut stdout = child.stdout.take().unwrap();
        let o = out.clone();
        let r2 = std::thread::spawn(move || {
            let mut all = String::new();
            let _ = stdout.read_to_string(&mut all);
            o.lock().unwrap().push_str(&all);
        });
        Server {
            child,
            base,
            out,
            err,
            readers: vec![r1, r2],
        }
    }

    /// Stops it as an operator would (SIGTERM) and waits for the logs.
    fn stop(mut self) -> (String, String) {
        let term = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the server exits cleanly: {status}");
        for r in self.readers.drain(..) {
            r.join().unwrap();
        }
        let out = self.out.lock().unwrap().clone();
        let err = self.err.lock().unwrap().clone();
        (out, err)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn no_secret_genotype_or_name_in_the_logs_of_a_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    let models = formats::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
    let pool = formats::builtin::nist_pool(&models);
    let spec = sim::ScenarioSpec {
        families: 8,
        rescued: 5,
        rescued_with_family: 4,
        seed: 23,
        today: (2026, 11, 20),
    };
    let s = sim::scenario(&models, &pool, &spec).unwrap();
    for (name, text) in [
        ("freq.csv", formats::builtin::NIST_FREQUENCIES),
        ("cases.csv", s.cases_csv.as_str()),
        ("references.csv", s.references_csv.as_str()),
        ("found.csv", s.found_csv.as_str()),
    ] {
        std::fs::write(d.join(name), text).unwrap();
    }
    let path = |n: &str| d.join(n).to_str().unwrap().to_string();
    let mut printed = String::new();
    let mut keep = |o: Output| {
        printed.push_str(&stdout(&o));
        printed.push_str(&stderr(&o));
    };
    keep(run(
        &data,
        &[
            "import",
            "frequencies",
            "--population",
            "All",
            &path("freq.csv"),
        ],
    ));
    for kind in ["cases", "references", "found"] {
        keep(run(&data, &["import", kind, &path(&format!("{kind}.csv"))]));
    }
    let case_ids: Vec<String> = s.configurations.iter().map(|(c, _)| c.clone()).collect();
    let users = [
        ("admin1", "admin", None),
        ("lab1", "lab", None),
        ("worker1", "caseworker", None),
        ("worker2", "caseworker", None),
        ("family1", "family", Some(case_ids[0].clone())),
    ];
    let password = |u: &str| format!("{u}-Pass-phrase-7Qx");
    for (u, role, case) in &users {
        let pw = d.join(format!("pw-{u}"));
        std::fs::write(&pw, format!("{}\n", password(u))).unwrap();
        let mut args = vec![
            "user",
            "add",
            "--username",
            u,
            "--role",
            role,
            "--password-file",
            pw.to_str().unwrap(),
        ];
        if let Some(c) = case {
            args.extend(["--case", c.as_str()]);
        }
        keep(run(&data, &args));
    }

    let server = Server::start(&data);
    let base = server.base.clone();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let url = |p: &str| format!("{base}{p}");
    // Secrets: every token, token hash, CSRF token and password of the run.
    let mut secrets: Vec<String> = users.iter().map(|(u, _, _)| password(u)).collect();
    secrets.push("a wrong password, 9Zq".into());
    let login = |user: &str, secrets: &mut Vec<String>| -> String {
        let mut res = agent
            .post(url("/api/v1/login"))
            .header("content-type", "application/json")
            .send(serde_json::json!({"username": user, "password": password(user)}).to_string())
            .unwrap();
        assert_eq!(res.status(), 200);
        let v: Value = res.body_mut().read_json().unwrap();
        let token = v["token"].as_str().unwrap().to_string();
        secrets.push(token.clone());
        secrets.push(server::auth::token_hash(&token));
        token
    };
    let get = |p: &str, auth: &str| {
        let mut res = agent
            .get(url(p))
            .header("authorization", auth)
            .call()
            .unwrap();
        let status = res.status().as_u16();
        (status, res.body_mut().read_to_string().unwrap())
    };
    let post = |p: &str, auth: &str, ct: &str, body: &[u8]| {
        let mut res = agent
            .post(url(p))
            .header("authorization", auth)
            .header("content-type", ct)
            .send(body)
            .unwrap();
        let status = res.status().as_u16();
        (status, res.body_mut().read_to_string().unwrap())
    };

    // Public routes, a failed login.
    for p in [
        "/livez",
        "/readyz",
        "/api/openapi.json",
        "/alerts",
        "/api/v1/alerts",
    ] {
        assert_eq!(get(p, "").0, 200, "{p}");
    }
    let (st, _) = post(
        "/api/v1/login",
        "",
        "application/json",
        serde_json::json!({"username": "worker1", "password": "a wrong password, 9Zq"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(st, 401);
    let bearer = |t: &str| format!("Bearer {t}");
    let admin = bearer(&login("admin1", &mut secrets));
    let lab = bearer(&login("lab1", &mut secrets));
    let w1 = bearer(&login("worker1", &mut secrets));
    let w2 = bearer(&login("worker2", &mut secrets));
    let fam = bearer(&login("family1", &mut secrets));
    // The metrics are the administrators'.
    assert_eq!(get("/metrics", "").0, 401);
    assert_eq!(get("/metrics", &admin).0, 200);

    // The lab's profiles through the server.
    let (st, body) = post(
        "/api/v1/import/profiles?file=profiles.txt&lab=Lab1",
        &lab,
        "text/plain",
        s.profiles_tsv.as_bytes(),
    );
    assert_eq!(st, 200, "{body}");

    // A caseworker in a browser: the login form, the dashboard, an upload.
    let mut page = agent.get(url("/login")).call().unwrap();
    let login_csrf = set_cookie(&page, "reunite_login_csrf").unwrap();
    let form_csrf = field(&page.body_mut().read_to_string().unwrap(), "csrf");
    secrets.push(login_csrf.clone());
    let res = agent
        .post(url("/login"))
        .header("cookie", &format!("reunite_login_csrf={login_csrf}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .send(format!(
            "csrf={form_csrf}&username=worker1&password={}",
            password("worker1")
        ))
        .unwrap();
    assert_eq!(res.status(), 303);
    let session = set_cookie(&res, "reunite_session").unwrap();
    secrets.push(session.clone());
    secrets.push(server::auth::token_hash(&session));
    let cookie = format!("reunite_session={session}");
    let page_get = |p: &str| {
        let mut res = agent.get(url(p)).header("cookie", &cookie).call().unwrap();
        let status = res.status().as_u16();
        (status, res.body_mut().read_to_string().unwrap())
    };
    let (st, dash) = page_get("/");
    assert_eq!(st, 200);
    let csrf = field(&dash, "csrf");
    secrets.push(csrf.clone());
    assert_eq!(page_get("/import").0, 200);
    let b = "L0gsB0undary";
    let upload = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nfound\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"found.csv\"\r\nContent-Type: text/csv\r\n\r\n{}\r\n--{b}--\r\n",
        s.found_csv
    );
    let res = agent
        .post(url("/import"))
        .header("cookie", &cookie)
        .header(
            "content-type",
            &format!("multipart/form-data; boundary={b}"),
        )
        .send(upload)
        .unwrap();
    assert_eq!(res.status(), 200);

    // Candidates: the list, the detail (genotypes side by side), the pages.
    let (st, list) = get("/api/v1/candidates", &w1);
    assert_eq!(st, 200);
    let list: Vec<Value> = serde_json::from_str(&list).unwrap();
    assert!(list.len() >= 2, "{list:?}");
    let top = &list[0];
    let (id, case_id, found_id) = (
        top["id"].as_i64().unwrap(),
        top["case_id"].as_str().unwrap().to_string(),
        top["found_id"].as_str().unwrap().to_string(),
    );
    let (st, detail) = get(&format!("/api/v1/candidates/{id}"), &w1);
    assert_eq!(st, 200);
    for p in [
        format!("/candidates/{id}"),
        format!("/cases/{case_id}"),
        format!("/found/{found_id}"),
    ] {
        assert_eq!(page_get(&p).0, 200, "{p}");
    }
    for p in [
        format!("/api/v1/cases/{case_id}"),
        format!("/api/v1/found/{found_id}"),
    ] {
        assert_eq!(get(&p, &w1).0, 200, "{p}");
    }
    // The review, on the API and the form, to a reunion; a rejection with a reason.
    let review = |auth: &str, action: &str, reason: Option<&str>, version: i64| {
        post(
            &format!("/api/v1/candidates/{id}/review"),
            auth,
            "application/json",
            serde_json::json!({"action": action, "reason": reason, "version": version})
                .to_string()
                .as_bytes(),
        )
        .0
    };
    assert_eq!(review(&w1, "start_review", None, 0), 200);
    let res = agent
        .post(url(&format!("/candidates/{id}/review")))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(format!("csrf={csrf}&action=request_test&version=1"))
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(review(&w2, "confirm", None, 2), 200);
    assert_eq!(review(&w2, "reunite", None, 3), 200);
    let other = list.iter().find(|c| c["id"] != top["id"]).unwrap();
    let reason = "Mother Fatima Confidential says no";
    secrets.push(reason.into());
    let (st, _) = post(
        &format!("/api/v1/candidates/{}/review", other["id"]),
        &w2,
        "application/json",
        serde_json::json!({"action": "reject", "reason": reason, "version": 0})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(st, 200);
    // The family, the administrator, refusals and errors.
    assert_eq!(get("/api/v1/me", &fam).0, 200);
    assert_eq!(get(&format!("/api/v1/cases/{}", case_ids[0]), &fam).0, 200);
    assert_eq!(get(&format!("/api/v1/cases/{}", case_ids[1]), &fam).0, 403);
    assert_eq!(get("/api/v1/audit?limit=500", &admin).0, 200);
    assert_eq!(get("/audit", &admin).0, 200);
    assert_eq!(get("/api/v1/candidates/999999", &w1).0, 404);
    assert_eq!(get("/api/v1/candidates", "").0, 401);
    let header = s.cases_csv.lines().next().unwrap();
    let bad = format!("{header}\nBAD-1,Secretly Named Child,dragon,,,,Hidden Valley,,,\n");
    secrets.extend(["Secretly Named Child".into(), "Hidden Valley".into()]);
    let (st, body) = post(
        "/api/v1/import/cases?file=bad.csv",
        &w1,
        "text/csv",
        bad.as_bytes(),
    );
    assert_eq!(st, 422, "{body}");
    // A case not used above, deleted by the administrator.
    let unmatched = case_ids
        .iter()
        .find(|c| {
            ![&case_ids[0], &case_ids[1], &case_id].contains(c) && other["case_id"] != c.as_str()
        })
        .unwrap();
    let mut res = agent
        .delete(url(&format!("/api/v1/cases/{unmatched}")))
        .header("authorization", &admin)
        .call()
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.body_mut().read_to_string().unwrap()
    );
    let res = agent
        .post(url("/logout"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(format!("csrf={csrf}"))
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        post("/api/v1/logout", &w2, "application/json", b"{}").0,
        200
    );
    drop(agent);
    let (logs, server_err) = server.stop();
    keep(run(&data, &["matches"]));
    keep(run(&data, &["matches", "--json"]));
    keep(run(&data, &["audit", "verify"]));

    // The logs were written, as JSON, and say what happened.
    let events: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let requests: Vec<&Value> = events
        .iter()
        .filter(|e| e["fields"]["message"] == "request")
        .collect();
    assert!(requests.len() >= 35, "{} request lines", requests.len());
    for want in [
        "/api/v1/candidates/{id}",
        "/candidates/{id}/review",
        "/import",
        "/login",
    ] {
        assert!(
            requests.iter().any(|e| e["fields"]["route"] == want),
            "no request line for {want}"
        );
    }
    assert!(events.iter().any(|e| e["fields"]["message"] == "login"));
    assert!(
        !logs.contains("lab=Lab1") && !logs.contains("file=profiles.txt"),
        "a query string"
    );

    let everything = format!("{logs}\n{server_err}\n{printed}");
    for secret in &secrets {
        assert!(
            !everything.contains(secret.as_str()),
            "{secret:?} is in the logs"
        );
    }
    // Names, places and descriptions of every imported row.
    let mut personal = Vec::new();
    for (text, columns) in [
        (
            &s.cases_csv,
            &["child_name", "missing_place", "description"][..],
        ),
        (&s.references_csv, &["person_name"][..]),
        (&s.found_csv, &["found_place", "description"][..]),
    ] {
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split(',').collect();
        for line in lines {
            let values = parse_csv_line(line);
            for c in columns {
                let v = &values[head.iter().position(|h| h == c).unwrap()];
                if v.chars().count() >= 5 {
                    personal.push(v.clone());
                }
            }
        }
    }
    assert!(personal.len() > 20);
    for p in &personal {
        assert!(!everything.contains(p.as_str()), "{p:?} is in the logs");
    }
    // Genotypes: no marker name in the server's logs, no genotype written
    // `a/b`, and no run of three markers' alleles in any line, in any form.
    let table = formats::genotypes::parse_genotypes("profiles.txt", &s.profiles_tsv).unwrap();
    assert!(
        table.profiles.len() >= 15,
        "{} profiles",
        table.profiles.len()
    );
    let lines: Vec<Vec<&str>> = everything.lines().map(numbers).collect();
    for p in &table.profiles {
        let alleles: Vec<String> = p
            .markers
            .iter()
            .flat_map(|(_, g)| [g.first().to_string(), g.second().to_string()])
            .collect();
        // The detector sees a genotype written out (here: as a debug dump and as JSON).
        let dump = format!("{:?}", p.markers);
        assert!(genotype_run_in(&numbers(&dump), &alleles), "{dump}");
        let json = serde_json::to_string(
            &p.markers
                .iter()
                .map(|(m, g)| (m, g.first().to_string(), g.second().to_string()))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert!(genotype_run_in(&numbers(&json), &alleles));
        for l in &lines {
            assert!(
                !genotype_run_in(l, &alleles),
                "a genotype of {} is in the logs",
                p.sample
            );
        }
        for (m, g) in &p.markers {
            let (a, b) = (g.first().to_string(), g.second().to_string());
            assert!(
                !logs.contains(m.as_str()),
                "marker {m} in the server's logs"
            );
            assert!(
                !pair_text_in(&everything, &a, &b) && !pair_text_in(&everything, &b, &a),
                "{m} {a}/{b} of {} is in the logs",
                p.sample
            );
        }
    }
    // ... while the candidate's page data does hold them (the check can see them).
    let shown = table
        .profiles
        .iter()
        .find(|p| {
            p.sample
                == s.truth
                    .iter()
                    .find(|t| t.found_id == found_id)
                    .unwrap()
                    .sample_name
        })
        .unwrap();
    let (m, g) = &shown.markers[0];
    assert!(detail.contains(m.as_str()));
    assert!(pair_text_in(
        &detail,
        &g.first().to_string(),
        &g.second().to_string()
    ));
}

/// The fields of a CSV line (quotes as the registry's files use them).
fn parse_csv_line(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            _ => out.last_mut().unwrap().push(c),
        }
    }
    out
}
