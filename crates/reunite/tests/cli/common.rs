//! Helpers shared by the command tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The repository's data folder.
pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(path)
}

/// Runs `reunite` with these arguments.
pub fn reunite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reunite"))
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn rel_close(got: f64, want: f64, tol: f64) -> bool {
    if want == 0.0 {
        got == 0.0
    } else {
        ((got - want) / want).abs() <= tol
    }
}

/// The PostgreSQL server the tests use (on 127.0.0.1, user postgres).
pub const PG_PORT: &str = "5432";

/// Fresh PostgreSQL databases (`createdb`), dropped (`dropdb --force`) when
/// this is dropped.
pub struct PgDatabases(Vec<String>);

impl PgDatabases {
    /// `n` new databases. Asked for, a test that needs PostgreSQL never
    /// passes without it: this fails and says why when PostgreSQL does not
    /// answer or a client tool (`createdb`, `dropdb`, `pg_isready`, `tools`)
    /// is missing.
    pub fn create(n: usize, tools: &[&str]) -> PgDatabases {
        for t in ["createdb", "dropdb", "pg_isready"].iter().chain(tools) {
            let found = Command::new(t)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(found, "this test needs {t} (PostgreSQL client tools)");
        }
        let o = Command::new("pg_isready")
            .args(["-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "this test needs PostgreSQL at 127.0.0.1:{PG_PORT}: pg_isready says {}",
            String::from_utf8_lossy(&o.stdout).trim()
        );
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let mut databases = PgDatabases(Vec::new());
        for i in 0..n {
            let name = format!("reunite_cli_{}_{stamp}_{i}", std::process::id());
            let o = Command::new("createdb")
                .args(["-h", "127.0.0.1", "-p", PG_PORT, "-U", "postgres", &name])
                .output()
                .unwrap();
            assert!(o.status.success(), "createdb {name}: {}", stderr(&o));
            databases.0.push(name);
        }
        databases
    }

    /// The URL of database `i`.
    pub fn url(&self, i: usize) -> String {
        format!("postgres://postgres@127.0.0.1:{PG_PORT}/{}", self.0[i])
    }
}

impl Drop for PgDatabases {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = Command::new("dropdb")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    PG_PORT,
                    "-U",
                    "postgres",
                    "--force",
                    name,
                ])
                .output();
        }
    }
}

/// A `reunite serve` of a data directory on a free port, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts one and waits until `/livez` answers.
pub fn serve(data: &Path) -> Server {
    let port = crate::webdriver::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_reunite"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while ureq::get(&format!("{base}/livez")).call().is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, base }
}
