//! Passwords, session tokens, the login rate limit and the session extractor.
//!
//! - Passwords: argon2id PHC strings, at least [`MIN_PASSWORD_CHARS`] characters.
//! - Sessions: 32 random bytes (hex) given to the client; only their SHA-256
//!   is stored. A session carries a CSRF token for the forms.
//! - Login: the same answer (and the same work: a dummy hash is verified) for
//!   an unknown user and a wrong password; at most [`MAX_FAILURES`] failures
//!   per account and per address in [`FAILURE_WINDOW`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Failed logins allowed per account and per address in [`FAILURE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// The window of the login rate limit.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long a session lasts.
pub const SESSION_TTL_SECONDS: i64 = 8 * 3600;
/// The session cookie.
pub const SESSION_COOKIE: &str = "reunite_session";
/// The cookie of the login form's CSRF token (before any session exists).
pub const LOGIN_CSRF_COOKIE: &str = "reunite_login_csrf";

/// Why a password is refused.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Hashes a password to an argon2id PHC string (slow: call it off the async runtime).
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Checks a password against a PHC string (slow: call it off the async
/// runtime). `computed` counts the argon2 computations actually run: a PHC
/// string that does not parse, or has no salt or hash, is refused at once
/// and not counted.
pub fn verify_password(password: &str, phc: &str, computed: &AtomicU64) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.salt.is_none() || hash.hash.is_none() {
        return false;
    }
    computed.fetch_add(1, Ordering::Relaxed);
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

/// A hash of a random password, verified when the user does not exist so
/// that both failures take the same time.
pub fn dummy_hash() -> String {
    let mut pw = [0u8; 24];
    getrandom::fill(&mut pw).expect("the system random source works");
    Argon2::default()
        .hash_password(hex::encode(pw).as_bytes())
        .expect("argon2 hashes")
        .to_string()
}

/// 32 random bytes, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the system random source works");
    hex::encode(b)
}

/// What is stored of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets without stopping at the first difference.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (token_hash(a), token_hash(b));
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Failed logins per key (an account name or an address), in memory.
#[derive(Debug, Default)]
pub struct RateLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    fn prune(q: &mut VecDeque<Instant>, now: Instant) {
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= FAILURE_WINDOW)
        {
            q.pop_front();
        }
    }

    /// Whether any of these keys has used up its failures.
    pub fn blocked(&self, keys: &[&str]) -> bool {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter().any(|k| {
            map.get_mut(*k).is_some_and(|q| {
                Self::prune(q, now);
                q.len() >= MAX_FAILURES
            })
        })
    }

    /// Records a failure against each key.
    pub fn fail(&self, keys: &[&str]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, q| {
                Self::prune(q, now);
                !q.is_empty()
            });
        }
        for k in keys {
            let q = map.entry((*k).to_string()).or_default();
            Self::prune(q, now);
            q.push_back(now);
        }
    }

    /// Forgets the failures of a key (an account after a successful login).
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// A cookie value from a `Cookie` header.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session token of a request: `Authorization: Bearer`, or the cookie.
pub fn request_token(headers: &axum::http::HeaderMap) -> Option<(String, bool)> {
    if let Some(v) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some((t.trim().to_string(), true));
    }
    cookie(headers, SESSION_COOKIE).map(|t| (t.to_string(), false))
}

/// A `Set-Cookie` value.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_verifies() {
        assert!(matches!(
            hash_password("short"),
            Err(PasswordError::TooShort)
        ));
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        let n = AtomicU64::new(0);
        assert!(verify_password("correct horse battery", &h, &n));
        assert!(!verify_password("correct horse batterY", &h, &n));
        assert_eq!(n.load(Ordering::Relaxed), 2);
        // Nothing to compute: refused, not counted.
        assert!(!verify_password("x", "not a hash", &n));
        assert_eq!(n.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn limits_failures() {
        let r = RateLimiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(!r.blocked(&["a", "ip"]));
            r.fail(&["a", "ip"]);
        }
        assert!(r.blocked(&["a"]));
        assert!(r.blocked(&["b", "ip"]));
        assert!(!r.blocked(&["b", "ip2"]));
        r.clear("a");
        assert!(!r.blocked(&["a"]));
    }

    #[test]
    fn tokens() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
        assert_eq!(token_hash(&t).len(), 64);
        assert!(same_secret(&t, &t.clone()));
        assert!(!same_secret(&t, "x"));
    }
}
