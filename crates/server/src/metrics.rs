//! Prometheus metrics: requests by route template and status, failed logins,
//! password verifications, candidates by status. No label carries personal data.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str, u16), u64>>,
    login_failures: AtomicU64,
    /// Argon2 verifications run (`auth::verify_password` counts them): one
    /// per login that is not rate-limited, an unknown user's included.
    pub password_verifications: AtomicU64,
}

impl Metrics {
    pub fn count(&self, method: &str, route: &'static str, status: u16) {
        *self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((method.to_string(), route, status))
            .or_default() += 1;
    }

    pub fn login_failed(&self) {
        self.login_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition, with the candidates counted by status.
    pub fn render(&self, candidates_by_status: &BTreeMap<String, u64>) -> String {
        let mut s = String::new();
        s.push_str("# HELP reunite_http_requests_total HTTP requests by method, route template and status.\n");
        s.push_str("# TYPE reunite_http_requests_total counter\n");
        for ((method, route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                s,
                "reunite_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        s.push_str("# HELP reunite_login_failures_total Failed logins (wrong user or password, or rate-limited).\n");
        s.push_str("# TYPE reunite_login_failures_total counter\n");
        let _ = writeln!(
            s,
            "reunite_login_failures_total {}",
            self.login_failures.load(Ordering::Relaxed)
        );
        s.push_str("# HELP reunite_password_verifications_total Argon2 password verifications (one per login attempt that is not rate-limited, an unknown user's included).\n");
        s.push_str("# TYPE reunite_password_verifications_total counter\n");
        let _ = writeln!(
            s,
            "reunite_password_verifications_total {}",
            self.password_verifications.load(Ordering::Relaxed)
        );
        s.push_str("# HELP reunite_candidates Candidates by review status.\n");
        s.push_str("# TYPE reunite_candidates gauge\n");
        for (status, n) in candidates_by_status {
            let status: String = status
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let _ = writeln!(s, "reunite_candidates{{status=\"{status}\"}} {n}");
        }
        s
    }
}
