//! Helpers shared by the command tests.

use std::path::PathBuf;
use std::process::{Command, Output};

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
