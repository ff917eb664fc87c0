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
