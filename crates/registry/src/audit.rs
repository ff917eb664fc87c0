//! The tamper-evident audit chain.
//!
//! Every audit entry carries the hash of the entry before it (`prev_hash`) and
//! its own hash (`hash`), computed by [`entry_hash`] over all its fields and
//! `prev_hash`. Altering a stored entry changes its hash; deleting, inserting
//! or reordering entries breaks the links or the sequence. [`verify_chain`]
//! finds the first bad entry.
//!
//! A chain only shows tampering by someone who cannot recompute all later
//! hashes; keep a copy of the latest hash outside the database (a printed
//! report, another system) to detect a rewrite of the whole tail.
//!
//! These are pure functions; storing entries is the database layer's job.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry (seq 1): 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Label hashed before the fields, so these hashes cannot be confused with
/// SHA-256 of anything else.
const DOMAIN: &[u8] = b"reunite/audit/v1";

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, starting at 1, without gaps.
    pub seq: i64,
    /// When it happened, RFC 3339 in UTC (see [`now_rfc3339`]).
    pub at: String,
    /// Who did it (account name or id).
    pub actor: String,
    /// What was done (for example `case.create`, `candidate.decide`).
    pub action: String,
    /// Kind of the object acted on (for example `case`, `child`).
    pub target_type: String,
    /// Id of the object acted on.
    pub target_id: String,
    /// Free-form detail (no DNA, no names: the log is read by administrators).
    pub detail: String,
    /// Hash of the previous entry, hex; [`GENESIS`] for seq 1.
    pub prev_hash: String,
    /// [`entry_hash`] of this entry, hex.
    pub hash: String,
}

impl AuditEntry {
    /// Builds the entry that follows `prev` (or the first entry, seq 1 after
    /// [`GENESIS`], when `prev` is `None`), with its hash computed.
    pub fn next(
        prev: Option<&AuditEntry>,
        at: &str,
        actor: &str,
        action: &str,
        target_type: &str,
        target_id: &str,
        detail: &str,
    ) -> AuditEntry {
        let (seq, prev_hash) = match prev {
            Some(p) => (p.seq + 1, p.hash.clone()),
            None => (1, GENESIS.to_string()),
        };
        let hash = entry_hash(
            &prev_hash,
            seq,
            at,
            actor,
            action,
            target_type,
            target_id,
            detail,
        );
        AuditEntry {
            seq,
            at: at.to_string(),
            actor: actor.to_string(),
            action: action.to_string(),
            target_type: target_type.to_string(),
            target_id: target_id.to_string(),
            detail: detail.to_string(),
            prev_hash,
            hash,
        }
    }

    /// The hash this entry should have, recomputed from its fields.
    pub fn compute_hash(&self) -> String {
        entry_hash(
            &self.prev_hash,
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            &self.target_type,
            &self.target_id,
            &self.detail,
        )
    }
}

/// Hex SHA-256 of an audit entry.
///
/// The input is a fixed label, then `seq` as 8 bytes big endian, then each
/// string field (`prev_hash`, `at`, `actor`, `action`, `target_type`,
/// `target_id`, `detail`) as its length in bytes (8 bytes big endian) followed
/// by its UTF-8 bytes. The encoding is unambiguous: no two different entries
/// give the same input.
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per hashed field, as the database layer stores them"
)]
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    target_type: &str,
    target_id: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(seq.to_be_bytes());
    for field in [prev_hash, at, actor, action, target_type, target_id, detail] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What is wrong with an audit chain, at the first bad entry.
///
/// `seq` is the seq stored in the bad entry; `index` its position in the
/// slice given to [`verify_chain`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// The first entry has a seq below 1.
    #[error("audit entry seq {seq}: invalid seq, seqs start at 1")]
    InvalidSeq { index: usize, seq: i64 },

    /// The seq does not follow the previous entry's seq.
    #[error(
        "audit entry seq {seq}: gap in seq, expected seq {expected} (entries deleted, inserted or reordered)"
    )]
    SeqGap {
        index: usize,
        seq: i64,
        expected: i64,
    },

    /// `prev_hash` differs from the previous entry's hash (or from
    /// [`GENESIS`] for seq 1).
    #[error(
        "audit entry seq {seq}: broken link, prev_hash does not match the previous entry's hash (an entry was deleted, inserted or replaced)"
    )]
    BrokenLink { index: usize, seq: i64 },

    /// The stored hash differs from the hash recomputed from the fields.
    #[error("audit entry seq {seq}: hash mismatch, the entry was altered")]
    HashMismatch { index: usize, seq: i64 },
}

impl ChainError {
    /// The seq stored in the first bad entry.
    pub fn seq(&self) -> i64 {
        match *self {
            ChainError::InvalidSeq { seq, .. }
            | ChainError::SeqGap { seq, .. }
            | ChainError::BrokenLink { seq, .. }
            | ChainError::HashMismatch { seq, .. } => seq,
        }
    }

    /// The position of the first bad entry in the verified slice.
    pub fn index(&self) -> usize {
        match *self {
            ChainError::InvalidSeq { index, .. }
            | ChainError::SeqGap { index, .. }
            | ChainError::BrokenLink { index, .. }
            | ChainError::HashMismatch { index, .. } => index,
        }
    }
}

/// Verifies a run of audit entries given in seq order.
///
/// Checks that seqs increase by one from the first entry, that each
/// `prev_hash` equals the previous entry's `hash` (and [`GENESIS`] when the
/// first entry has seq 1; a run starting later is checked from its first
/// entry on), and that each `hash` recomputes. Returns the number of entries
/// verified, or the first problem found.
pub fn verify_chain(entries: &[AuditEntry]) -> Result<usize, ChainError> {
    let mut prev: Option<&AuditEntry> = None;
    for (index, e) in entries.iter().enumerate() {
        match prev {
            None => {
                if e.seq < 1 {
                    return Err(ChainError::InvalidSeq { index, seq: e.seq });
                }
                if e.seq == 1 && e.prev_hash != GENESIS {
                    return Err(ChainError::BrokenLink { index, seq: e.seq });
                }
            }
            Some(p) => {
                let expected = p.seq.checked_add(1);
                if expected != Some(e.seq) {
                    return Err(ChainError::SeqGap {
                        index,
                        seq: e.seq,
                        expected: expected.unwrap_or(i64::MAX),
                    });
                }
                if e.prev_hash != p.hash {
                    return Err(ChainError::BrokenLink { index, seq: e.seq });
                }
            }
        }
        if e.compute_hash() != e.hash {
            return Err(ChainError::HashMismatch { index, seq: e.seq });
        }
        prev = Some(e);
    }
    Ok(entries.len())
}

/// Verifies a whole audit log: like [`verify_chain`], but the first entry
/// must have seq 1 (so deleting the first entries is detected too).
pub fn verify_from_genesis(entries: &[AuditEntry]) -> Result<usize, ChainError> {
    if let Some(first) = entries.first()
        && first.seq != 1
    {
        return Err(ChainError::SeqGap {
            index: 0,
            seq: first.seq,
            expected: 1,
        });
    }
    verify_chain(entries)
}

/// The current time in UTC, RFC 3339 with milliseconds:
/// `2026-03-01T12:34:56.789Z`.
pub fn now_rfc3339() -> String {
    format_rfc3339(SystemTime::now())
}

/// Formats a time in UTC, RFC 3339 with milliseconds (`YYYY-MM-DDTHH:MM:SS.mmmZ`);
/// times beyond the years -9999 to 9999 as the first or last time of those.
pub fn format_rfc3339(t: SystemTime) -> String {
    use jiff::SignedDuration;
    use jiff::civil::DateTime;
    const EPOCH: DateTime = DateTime::constant(1970, 1, 1, 0, 0, 0, 0);
    let since_epoch = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => SignedDuration::try_from(after),
        Err(before) => SignedDuration::try_from(before.duration()).map(|d| -d),
    };
    let at = since_epoch
        .ok()
        .and_then(|d| EPOCH.checked_add(d).ok())
        .unwrap_or(if t < UNIX_EPOCH {
            DateTime::MIN
        } else {
            DateTime::MAX
        });
    format!("{at:.3}Z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::with_capacity(n);
        for i in 0..n {
            let e = AuditEntry::next(
                out.last(),
                &format!("2026-03-01T12:{:02}:{:02}.000Z", i / 60 % 60, i % 60),
                ["analyst1", "caseworker2", "admin", "système"][i % 4],
                ["profile.import", "case.create", "candidate.decide"][i % 3],
                ["profile", "case", "candidate"][i % 3],
                &format!("{}", 1000 + i),
                if i % 5 == 0 { "" } else { "status=confirmed" },
            );
            out.push(e);
        }
        out
    }

    #[test]
    fn genesis_is_64_zeros() {
        assert_eq!(GENESIS.len(), 64);
        assert!(GENESIS.bytes().all(|b| b == b'0'));
    }

    #[test]
    fn chain_of_100_verifies() {
        let c = chain(100);
        assert_eq!(c[0].seq, 1);
        assert_eq!(c[0].prev_hash, GENESIS);
        assert_eq!(c[99].seq, 100);
        assert_eq!(verify_chain(&c), Ok(100));
        assert_eq!(verify_from_genesis(&c), Ok(100));
        assert_eq!(verify_chain(&[]), Ok(0));
        assert_eq!(verify_from_genesis(&[]), Ok(0));
        // A run from the middle verifies on its own.
        assert_eq!(verify_chain(&c[40..70]), Ok(30));
        for e in &c {
            assert_eq!(e.hash.len(), 64);
            assert!(e.hash.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn entry_hash_is_stable_and_unambiguous() {
        let h = entry_hash(GENESIS, 1, "t", "a", "b", "c", "d", "e");
        assert_eq!(h, entry_hash(GENESIS, 1, "t", "a", "b", "c", "d", "e"));
        assert_ne!(h, entry_hash(GENESIS, 1, "t", "ab", "", "c", "d", "e"));
        assert_ne!(h, entry_hash(GENESIS, 1, "t", "", "ab", "c", "d", "e"));
        assert_ne!(h, entry_hash(GENESIS, 1, "t", "a", "bc", "", "d", "e"));
        assert_ne!(h, entry_hash(GENESIS, 2, "t", "a", "b", "c", "d", "e"));
        assert_ne!(h, entry_hash(GENESIS, 1, "t", "a", "b", "c", "e", "d"));
    }

    type Mutation = fn(&mut AuditEntry);

    /// Changes the hex digit at `pos` to another hex digit.
    fn flip_hex(s: &mut String, pos: usize) {
        let new = if &s[pos..pos + 1] == "0" { "1" } else { "0" };
        s.replace_range(pos..pos + 1, new);
    }

    #[test]
    fn altering_any_field_is_detected() {
        let fields: [(&str, Mutation); 9] = [
            ("at", |e| e.at.push('1')),
            ("actor", |e| e.actor = "mallory".into()),
            ("action", |e| e.action.push('x')),
            ("target_type", |e| e.target_type = "child".into()),
            ("target_id", |e| e.target_id.push('0')),
            ("detail", |e| e.detail = "status=rejected".into()),
            ("hash", |e| flip_hex(&mut e.hash, 0)),
            ("prev_hash", |e| flip_hex(&mut e.prev_hash, 63)),
            ("seq", |e| e.seq += 1000),
        ];
        for (name, mutate) in fields {
            for k in [0usize, 1, 49, 98, 99] {
                let mut c = chain(100);
                let before = c[k].clone();
                mutate(&mut c[k]);
                assert_ne!(c[k], before);
                let err = verify_chain(&c).unwrap_err();
                assert_eq!(err.index(), k, "{name} at {k}: {err}");
                assert_eq!(err.seq(), c[k].seq, "{name} at {k}: {err}");
                match name {
                    "seq" if k == 0 => {
                        // seq 1001 at the start: read as a run starting
                        // later, whose hash no longer recomputes.
                        assert!(matches!(err, ChainError::HashMismatch { .. }), "{err}")
                    }
                    "seq" => assert_eq!(
                        err,
                        ChainError::SeqGap {
                            index: k,
                            seq: k as i64 + 1001,
                            expected: k as i64 + 1
                        }
                    ),
                    "prev_hash" => {
                        assert!(matches!(err, ChainError::BrokenLink { .. }), "{err}")
                    }
                    _ => assert!(matches!(err, ChainError::HashMismatch { .. }), "{err}"),
                }
            }
        }
    }

    #[test]
    fn altering_and_rehashing_breaks_the_next_link() {
        let mut c = chain(100);
        c[30].detail = "forged".into();
        c[30].hash = c[30].compute_hash();
        let err = verify_chain(&c).unwrap_err();
        assert_eq!(err, ChainError::BrokenLink { index: 31, seq: 32 });
    }

    #[test]
    fn deleting_an_entry_is_detected() {
        for k in [1usize, 50, 98] {
            let mut c = chain(100);
            c.remove(k);
            let err = verify_chain(&c).unwrap_err();
            assert_eq!(
                err,
                ChainError::SeqGap {
                    index: k,
                    seq: k as i64 + 2,
                    expected: k as i64 + 1
                }
            );
        }
        // Deleting the first entry leaves a run starting at seq 2: it verifies
        // as a run, but not as a whole log.
        let mut c = chain(100);
        c.remove(0);
        assert_eq!(verify_chain(&c), Ok(99));
        assert_eq!(
            verify_from_genesis(&c),
            Err(ChainError::SeqGap {
                index: 0,
                seq: 2,
                expected: 1
            })
        );
        // Deleting and renumbering later entries breaks their hashes.
        let mut c = chain(100);
        c.remove(50);
        for e in &mut c[50..] {
            e.seq -= 1;
        }
        assert_eq!(
            verify_chain(&c),
            Err(ChainError::BrokenLink { index: 50, seq: 51 })
        );
        // Deleting the last entry cannot be seen from the chain alone: the
        // latest hash must be kept elsewhere.
        let mut c = chain(100);
        c.pop();
        assert_eq!(verify_chain(&c), Ok(99));
    }

    #[test]
    fn inserting_an_entry_is_detected() {
        let mut c = chain(100);
        let forged = AuditEntry::next(
            Some(&c[9]),
            "2026-03-01T13:00:00.000Z",
            "x",
            "y",
            "z",
            "1",
            "",
        );
        c.insert(10, forged);
        // The forged entry links correctly; its successor does not.
        let err = verify_chain(&c).unwrap_err();
        assert_eq!(
            err,
            ChainError::SeqGap {
                index: 11,
                seq: 11,
                expected: 12
            }
        );
    }

    #[test]
    fn swapping_entries_is_detected() {
        for (i, j) in [(0usize, 1usize), (10, 11), (20, 70), (98, 99)] {
            // Swapping whole rows (the order by seq is then broken).
            let mut c = chain(100);
            c.swap(i, j);
            let err = verify_from_genesis(&c).unwrap_err();
            assert_eq!(err.index(), i, "swap {i} {j}: {err}");
            assert_eq!(err.seq(), j as i64 + 1, "swap {i} {j}: {err}");

            // Swapping contents but keeping the seqs in place.
            let mut c = chain(100);
            c.swap(i, j);
            c[i].seq = i as i64 + 1;
            c[j].seq = j as i64 + 1;
            let err = verify_chain(&c).unwrap_err();
            assert_eq!(err.index(), i, "swap contents {i} {j}: {err}");
            assert_eq!(err.seq(), i as i64 + 1, "swap contents {i} {j}: {err}");
            assert!(
                matches!(err, ChainError::BrokenLink { .. }),
                "swap contents {i} {j}: {err}"
            );
        }
    }

    #[test]
    fn first_entry_must_link_to_genesis() {
        let mut c = chain(3);
        c[0].prev_hash = "1".repeat(64);
        c[0].hash = c[0].compute_hash();
        assert_eq!(
            verify_chain(&c),
            Err(ChainError::BrokenLink { index: 0, seq: 1 })
        );
        let mut c = chain(3);
        c[0].seq = 0;
        assert_eq!(
            verify_chain(&c),
            Err(ChainError::InvalidSeq { index: 0, seq: 0 })
        );
    }

    #[test]
    fn error_messages_name_the_seq() {
        let mut c = chain(10);
        c[4].actor = "mallory".into();
        let msg = verify_chain(&c).unwrap_err().to_string();
        assert!(msg.contains("seq 5"), "{msg}");
        assert!(msg.contains("altered"), "{msg}");
    }

    #[test]
    fn formats_rfc3339() {
        let at = |secs: u64, ms: u64| {
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(ms))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(951_868_799, 999), "2000-02-29T23:59:59.999Z");
        assert_eq!(at(1_709_210_096, 789), "2024-02-29T12:34:56.789Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
        assert_eq!(at(253_402_300_799, 0), "9999-12-31T23:59:59.000Z");
        // Milliseconds are cut, not rounded; times past year 9999 give its end.
        assert_eq!(
            format_rfc3339(UNIX_EPOCH + Duration::from_micros(1_999)),
            "1970-01-01T00:00:00.001Z"
        );
        assert_eq!(at(253_402_300_800, 0), "9999-12-31T23:59:59.999Z");
        assert_eq!(
            format_rfc3339(UNIX_EPOCH - Duration::from_secs(1)),
            "1969-12-31T23:59:59.000Z"
        );
        assert_eq!(
            format_rfc3339(UNIX_EPOCH - Duration::from_millis(1)),
            "1969-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn now_is_plausible() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 24, "{now}");
        assert!(now.ends_with('Z'));
        assert!(now.as_str() > "2025-01-01T00:00:00.000Z", "{now}");
    }
}
