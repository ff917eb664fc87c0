//! Passwords, session tokens, the login rate limit and the session extractor.
//!
//! - Passwords: argon2id PHC strings, at least [`MIN_PASSWORD_CHARS`] characters.
//! - Sessions: 32 random bytes (hex) given to the client; only their SHA-256
//!   is stored. A session carries a CSRF token for the forms.
//! - Login: the same answer (and the same work: a dummy hash is verified) for
//!   an unknown user and a wrong password; at most [`MAX_FAILURES`] failures
//!   per account and [`MAX_ADDRESS_FAILURES`] per client address in
//!   [`FAILURE_WINDOW`] (governor's GCRA, [`LoginLimiter`]); a refusal says
//!   until when.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use governor::Quota;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::StateStore;
use sha2::{Digest, Sha256};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Failed logins allowed per account in [`FAILURE_WINDOW`]; then one more
/// every `FAILURE_WINDOW / MAX_FAILURES` (3 minutes).
pub const MAX_FAILURES: usize = 5;
/// Failed logins allowed per client address, over every account, in
/// [`FAILURE_WINDOW`]; then one more every 30 seconds. Larger than
/// [`MAX_FAILURES`]: the people of one office share an address.
pub const MAX_ADDRESS_FAILURES: usize = 30;
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

/// One key of a [`FailureStore`], and whether governor's decision on it is
/// kept (`spend`: a failure is counted) or only read (is the key blocked?).
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub struct Probe {
    key: String,
    spend: bool,
}

/// The state governor's algorithm (GCRA) keeps per key: the theoretical
/// arrival time, with the moment it was last written (to forget keys whose
/// failures are all replenished). A probe that does not spend runs the same
/// decision and keeps nothing, so a login can ask whether a key is blocked
/// without counting itself as a failure.
#[derive(Debug, Clone, Default)]
pub struct FailureStore(Arc<Mutex<HashMap<String, (Nanos, Instant)>>>);

impl FailureStore {
    fn forget(&self, key: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

impl StateStore for FailureStore {
    type Key = Probe;

    fn measure_and_replace<T, F, E>(&self, probe: &Probe, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (decision, tat) = f(map.get(&probe.key).map(|(tat, _)| *tat))?;
        if probe.spend {
            let now = Instant::now();
            if map.len() >= MAX_KEYS {
                // A window after its last failure a key is as new.
                map.retain(|_, (_, at)| now.duration_since(*at) < FAILURE_WINDOW);
            }
            map.insert(probe.key.clone(), (tat, now));
        }
        Ok(decision)
    }
}

/// Keys forgotten beyond this many (after a window without failures).
const MAX_KEYS: usize = 100_000;

type Limiter<C> =
    governor::RateLimiter<Probe, FailureStore, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Why a login is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    /// How long until one more attempt is allowed.
    pub wait: Duration,
    /// Blocked by the account's failures (else by the client address's).
    pub account: bool,
}

impl Blocked {
    /// "try again in N minutes (at HH:MM UTC)", in the page's language.
    pub fn message(&self, lang: crate::Lang, now: SystemTime) -> String {
        let minutes = self.wait.as_secs().div_ceil(60).max(1);
        // The minute the block ends, rounded up, on the UTC clock.
        let end = (now + self.wait)
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs().div_ceil(60) * 60)
            .unwrap_or(0);
        let at = jiff::Timestamp::from_second(i64::try_from(end).unwrap_or(0))
            .map(|t| {
                jiff::tz::TimeZone::UTC
                    .to_datetime(t)
                    .strftime("%H:%M")
                    .to_string()
            })
            .unwrap_or_else(|_| "--:--".into());
        let id = if self.account {
            "pages-blocked-account"
        } else {
            "pages-blocked-address"
        };
        lang.t2(id, "minutes", minutes, "at", at)
    }
}

/// Failed logins, counted by governor per account name and per client
/// address: [`MAX_FAILURES`] per account and [`MAX_ADDRESS_FAILURES`] per
/// address, each replenished one at a time over [`FAILURE_WINDOW`]. The
/// address limit is the larger, so that one person's mistakes do not lock
/// out the others of an office that shares an address; the account limit
/// holds for an account from any address.
pub struct LoginLimiter<C: Clock = DefaultClock> {
    accounts: Limiter<C>,
    addresses: Limiter<C>,
    account_store: FailureStore,
    address_store: FailureStore,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::with_clock(DefaultClock::default())
    }
}

impl<C: Clock + Clone> LoginLimiter<C> {
    /// A limiter on this clock (a fake one in tests).
    pub fn with_clock(clock: C) -> Self {
        let quota = |n: u32| {
            Quota::with_period(FAILURE_WINDOW / n)
                .expect("a window longer than zero")
                .allow_burst(NonZeroU32::new(n).expect("at least one failure"))
        };
        let account_store = FailureStore::default();
        let address_store = FailureStore::default();
        LoginLimiter {
            accounts: Limiter::new(
                quota(MAX_FAILURES as u32),
                account_store.clone(),
                clock.clone(),
            ),
            addresses: Limiter::new(
                quota(MAX_ADDRESS_FAILURES as u32),
                address_store.clone(),
                clock,
            ),
            account_store,
            address_store,
        }
    }
}

impl<C: Clock> LoginLimiter<C> {
    fn account_key(account: &str) -> String {
        account.to_lowercase()
    }

    /// Whether the account or the address has used up its failures, and
    /// for how long (the longer of the two).
    pub fn blocked(&self, account: &str, addr: &str) -> Option<Blocked> {
        let look = |limiter: &Limiter<C>, key: String, account: bool| {
            limiter
                .check_key(&Probe { key, spend: false })
                .err()
                .map(|not_until| Blocked {
                    wait: not_until.wait_time_from(limiter.clock().now()),
                    account,
                })
        };
        let by_account = look(&self.accounts, Self::account_key(account), true);
        let by_addr = look(&self.addresses, addr.to_string(), false);
        match (by_account, by_addr) {
            (Some(a), Some(b)) => Some(if b.wait > a.wait { b } else { a }),
            (a, b) => a.or(b),
        }
    }

    /// Counts a failure against the account and the address.
    pub fn fail(&self, account: &str, addr: &str) {
        // Refused only when another request spent the last failure first:
        // the key is blocked either way.
        let _ = self.accounts.check_key(&Probe {
            key: Self::account_key(account),
            spend: true,
        });
        let _ = self.addresses.check_key(&Probe {
            key: addr.to_string(),
            spend: true,
        });
    }

    /// Forgets the failures of an account (after a successful login); the
    /// address's stay.
    pub fn clear(&self, account: &str) {
        self.account_store.forget(&Self::account_key(account));
    }

    /// Forgets the failures of an address (for benchmarks that fail on purpose).
    pub fn clear_address(&self, addr: &str) {
        self.address_store.forget(addr);
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
    fn limits_failures_per_account_and_per_address() {
        let clock = governor::clock::FakeRelativeClock::default();
        let r = LoginLimiter::with_clock(clock.clone());
        for _ in 0..MAX_FAILURES {
            assert_eq!(r.blocked("Ann", "10.0.0.1"), None);
            r.fail("ann", "10.0.0.1");
        }
        // Ann is blocked from any address, one more failure in 3 minutes;
        // Bob at the same address is not.
        let three = FAILURE_WINDOW / MAX_FAILURES as u32;
        assert_eq!(three, Duration::from_secs(180));
        assert_eq!(
            r.blocked("ANN", "10.0.0.2"),
            Some(Blocked {
                wait: three,
                account: true
            })
        );
        assert_eq!(r.blocked("bob", "10.0.0.1"), None);
        clock.advance(Duration::from_secs(60));
        assert_eq!(
            r.blocked("ann", "10.0.0.1").map(|b| b.wait),
            Some(Duration::from_secs(120))
        );
        clock.advance(Duration::from_secs(120));
        assert_eq!(r.blocked("ann", "10.0.0.1"), None);
        r.fail("ann", "10.0.0.1");
        assert!(r.blocked("ann", "10.0.0.1").is_some());
        // A success forgets the account's failures.
        r.clear("Ann");
        assert_eq!(r.blocked("ann", "10.0.0.3"), None);

        // An address: its failures over every account.
        for i in 0..MAX_ADDRESS_FAILURES {
            assert_eq!(r.blocked("carol", "10.9.9.9"), None, "after {i}");
            r.fail(&format!("user{i}"), "10.9.9.9");
        }
        assert_eq!(
            r.blocked("carol", "10.9.9.9"),
            Some(Blocked {
                wait: Duration::from_secs(30),
                account: false
            })
        );
        assert_eq!(r.blocked("carol", "10.9.9.8"), None);
    }

    #[test]
    fn a_refusal_says_until_when() {
        let seven_ten =
            SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400 + 7 * 3600 + 600);
        let b = Blocked {
            wait: Duration::from_secs(150),
            account: true,
        };
        let m = b.message(crate::Lang::En, seven_ten);
        assert!(
            m.contains("for this account: try again in 3 minutes (at 07:13 UTC)"),
            "{m}"
        );
        let zh = b.message(crate::Lang::ZhCn, seven_ten);
        assert!(
            zh.contains("此账户登录失败次数过多：请在 3 分钟后（UTC 07:13）再试"),
            "{zh}"
        );
        let b = Blocked {
            wait: Duration::from_secs(20),
            account: false,
        };
        let m = b.message(crate::Lang::En, seven_ten);
        assert!(
            m.contains("from your network address: try again in 1 minute (at 07:11 UTC)"),
            "{m}"
        );
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
