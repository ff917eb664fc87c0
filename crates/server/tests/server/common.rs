//! A running application on a random port over a fresh SQLite registry,
//! seeded with a small simulated scenario built from real NIST people, one
//! account per role; and a tiny HTTP/1.1 client.

use std::net::SocketAddr;
use std::sync::Arc;

use registry::{OpenOptions, Registry, Role, Settings};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const PASSWORD: &str = "long enough password 1";

/// The role accounts: (username, role).
pub const USERS: &[(&str, Role)] = &[
    ("admin1", Role::Admin),
    ("lab1", Role::Lab),
    ("worker1", Role::Caseworker),
    ("worker2", Role::Caseworker),
    ("family1", Role::Family),
];

pub struct TestApp {
    pub addr: SocketAddr,
    pub registry: Arc<Registry>,
    pub scenario: sim::Scenario,
    /// The case of the family account (it has a candidate).
    pub family_case: String,
    /// Another case.
    pub other_case: String,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

pub fn nist_scenario() -> sim::Scenario {
    let models = formats::builtin::nist_models(Some(kinship::MutationModel::DEFAULT_SEARCH));
    let people = formats::builtin::nist_pool(&models);
    let spec = sim::ScenarioSpec {
        families: 6,
        rescued: 4,
        rescued_with_family: 3,
        seed: 11,
        today: (2026, 11, 20),
    };
    sim::scenario(&models, &people, &spec).unwrap()
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(server::Config::default()).await
    }

    pub async fn start_with(config: server::Config) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("registry.db").display());
        let (registry, _) = Registry::open(OpenOptions {
            database_url: Some(url),
            key_file: None,
            data_dir: dir.path().to_path_buf(),
            actor: "test".into(),
            settings: Settings::default(),
        })
        .await
        .unwrap();
        let s = nist_scenario();
        registry
            .import_frequencies(
                "test",
                "nist.csv",
                formats::builtin::NIST_FREQUENCIES,
                Some("NIST"),
                Some("All"),
                false,
            )
            .await
            .unwrap();
        registry
            .import_cases("test", "cases.csv", &s.cases_csv)
            .await
            .unwrap();
        registry
            .import_references("test", "references.csv", &s.references_csv)
            .await
            .unwrap();
        registry
            .import_found("test", "found.csv", &s.found_csv)
            .await
            .unwrap();
        registry
            .import_profiles(
                "test",
                "profiles.txt",
                &s.profiles_tsv,
                Some("Lab"),
                None,
                &|_, _| {},
            )
            .await
            .unwrap();
        let candidates = registry.candidate_summaries(None, None).await.unwrap();
        assert!(!candidates.is_empty(), "the scenario gives candidates");
        let family_case = candidates[0].case_id.clone();
        let other_case = s
            .configurations
            .iter()
            .map(|(c, _)| c.clone())
            .find(|c| *c != family_case)
            .unwrap();
        registry
            .set_public_alert("test", &other_case, true)
            .await
            .unwrap();
        let hash = tokio::task::spawn_blocking(|| server::auth::hash_password(PASSWORD).unwrap())
            .await
            .unwrap();
        for (name, role) in USERS {
            let case = (*role == Role::Family).then_some(family_case.as_str());
            registry
                .create_user("test", name, *role, &hash, case)
                .await
                .unwrap();
        }
        let registry = Arc::new(registry);
        let state = server::AppState::new(registry.clone(), config).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::serve(state, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        TestApp {
            addr,
            registry,
            scenario: s,
            family_case,
            other_case,
            _dir: dir,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        request(self.addr, method, path, headers, body).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let h: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        self.request("GET", path, &h, b"").await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut h: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        h.push(("content-type", content_type));
        self.request("POST", path, &h, body).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.post(path, token, "application/json", body.to_string().as_bytes())
            .await
    }

    /// The first candidate the registry lists (the strongest).
    pub async fn first_candidate(&self) -> registry::CandidateSummary {
        self.registry
            .candidate_summaries(None, None)
            .await
            .unwrap()
            .remove(0)
    }

    /// A bearer token of an account.
    pub async fn login(&self, username: &str) -> String {
        let r = self
            .post_json(
                "/api/v1/login",
                None,
                &serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, 200, "login of {username}: {}", r.body);
        r.json()["token"].as_str().unwrap().to_string()
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as sent (a PDF, a photo).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    /// The value a `Set-Cookie` header gives a cookie.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers_named("set-cookie")
            .into_iter()
            .filter_map(|c| {
                c.split(';')
                    .next()?
                    .split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.to_string()))
            })
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// One HTTP/1.1 request on a new connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // A server may answer before reading the whole body (413): ignore write errors.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        let mut out = Vec::new();
        let mut i = 0;
        loop {
            let end = i + rest[i..].windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[i..end]).unwrap().trim(), 16)
                    .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[end + 2..end + 2 + size]);
            i = end + 2 + size + 2;
        }
        rest = out;
    }
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&rest).into_owned(),
        bytes: rest,
    }
}
