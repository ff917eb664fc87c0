//! Blind indexes: the encrypted names and places found by their words
//! without storing any of them in plaintext.
//!
//! **What is indexed.** A case's child name and missing place, the names of
//! its references (a mother, a grandfather...), and a found child's place.
//! Descriptions and contacts are not. Ids and institutions are stored in
//! plaintext and searched as they are (`find.rs`).
//!
//! **Words.** A text is normalised: compatibility decomposition (full-width
//! letters become ASCII, accents come apart), accents dropped, lower case,
//! and the spaces between two Chinese characters removed (王 小明 is 王小明).
//! It is cut at every character that is not a letter or a digit. A run of
//! Chinese characters gives every pair of neighbouring characters (王小明:
//! 王小, 小明), so any two or more characters of a Chinese name find it; any
//! other word of two characters or more gives itself. A query is cut the same
//! way and every word of it must be found.
//!
//! **Terms.** A word is stored as its term: the first 16 bytes of
//! HMAC-SHA256 of the word under the search key, itself HMAC-SHA256 of a
//! fixed label under the registry key (table `search_terms`: term, `case` or
//! `found`, the row id, the field). Without the key a term tells nothing of
//! its word. It does tell which rows share a word and how many: someone who
//! reads the database sees that one term is in many rows (a common surname)
//! and which cases share it; with the key, a guessed word can be tested.
//! That is what the index reveals, and why the terms are deleted with their
//! case and whenever the key is rotated.
//!
//! **Kept in step.** Meta `search_terms` records the search key's id and the
//! highest row id of cases, references and found children that have their
//! terms. Every import ends by indexing the rows added since
//! ([`Registry::catch_up_terms`], in its transaction, so the terms commit
//! with the rows); a case whose names a PFIF record changes is indexed
//! again; a deleted case's terms are deleted with it; a search first brings
//! the terms up to date (a registry from before schema version 10, or after
//! a key rotation, is indexed then, and that reading is audited). Row ids
//! only grow (SQLite `AUTOINCREMENT`, PostgreSQL sequences taken under the
//! write lock), so "added since" is "id above".

use std::collections::BTreeSet;

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::store::{Event, append_audit, execute_in, get_meta, insert_rows, rows_in, set_meta};
use crate::{Registry, RegistryError, Result};

/// The label the search key is derived under.
const LABEL: &[u8] = b"reunite search terms v1";
/// Bytes of a term.
const TERM_LEN: usize = 16;
/// Rows indexed per statement group.
const CHUNK: usize = 500;

/// The key terms are made with.
#[derive(Clone)]
pub(crate) struct SearchKey {
    mac: hmac::Hmac<Sha256>,
    /// Hex of the first 8 bytes of SHA-256 of the key: names it in meta.
    id: String,
}

impl SearchKey {
    pub(crate) fn of(key: &crate::crypto::Key) -> SearchKey {
        let bytes = key.derive(LABEL);
        let id = hex::encode(&Sha256::digest(bytes)[..8]);
        SearchKey {
            mac: <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(&bytes)
                .expect("HMAC takes a key of any length"),
            id,
        }
    }

    /// The term of a word.
    pub(crate) fn term(&self, word: &str) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(word.as_bytes());
        mac.finalize().into_bytes()[..TERM_LEN].to_vec()
    }
}

/// Chinese characters (the CJK unified ideographs and their extensions).
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{323AF}')
}

/// The text as words are cut from it (see the module doc).
fn normalise(text: &str) -> String {
    let folded: Vec<char> = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = String::with_capacity(folded.len());
    for (i, &c) in folded.iter().enumerate() {
        if c.is_whitespace() {
            let before = out.chars().next_back().is_some_and(is_han);
            let after = folded[i + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|c| is_han(*c));
            if before && after {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// One piece of a text: a run of Chinese characters or another word.
#[derive(Debug, PartialEq)]
enum Piece {
    Han(Vec<char>),
    Word(String),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for word in normalise(text).split(|c: char| !c.is_alphanumeric()) {
        let mut han = Vec::new();
        let mut other = String::new();
        for c in word.chars() {
            if is_han(c) {
                if !other.is_empty() {
                    out.push(Piece::Word(std::mem::take(&mut other)));
                }
                han.push(c);
            } else {
                if !han.is_empty() {
                    out.push(Piece::Han(std::mem::take(&mut han)));
                }
                other.push(c);
            }
        }
        if !han.is_empty() {
            out.push(Piece::Han(han));
        }
        if !other.is_empty() {
            out.push(Piece::Word(other));
        }
    }
    out
}

/// The words of a piece that are indexed and searched: every pair of
/// neighbouring Chinese characters; another word of two characters or more.
/// `None` for a piece too short to search (one character).
fn piece_words(piece: Piece) -> Option<Vec<String>> {
    match piece {
        Piece::Han(chars) if chars.len() >= 2 => {
            Some(chars.windows(2).map(|w| w.iter().collect()).collect())
        }
        Piece::Word(w) if w.chars().count() >= 2 => Some(vec![w]),
        _ => None,
    }
}

/// The words a field is indexed by, each once.
pub(crate) fn index_words(text: &str) -> BTreeSet<String> {
    pieces(text)
        .into_iter()
        .filter_map(piece_words)
        .flatten()
        .collect()
}

/// The parts of a query: its text normalised, cut at spaces (never between
/// two Chinese characters).
pub(crate) fn query_parts(text: &str) -> Vec<String> {
    normalise(text)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The words a part of a query must all have, and the pieces of it too
/// short to search (one character).
pub(crate) fn query_words(text: &str) -> (Vec<String>, Vec<String>) {
    let mut words = Vec::new();
    let mut short = Vec::new();
    for piece in pieces(text) {
        let shown = match &piece {
            Piece::Han(c) => c.iter().collect(),
            Piece::Word(w) => w.clone(),
        };
        match piece_words(piece) {
            Some(w) => words.extend(w),
            None => short.push(shown),
        }
    }
    words.sort();
    words.dedup();
    (words, short)
}

/// What meta `search_terms` records.
#[derive(Debug, Clone, PartialEq)]
struct TermsState {
    key_id: String,
    cases: i64,
    references: i64,
    found: i64,
}

impl TermsState {
    fn text(&self) -> String {
        format!(
            "1 {} {} {} {}",
            self.key_id, self.cases, self.references, self.found
        )
    }

    fn parse(text: &str) -> Option<TermsState> {
        let mut f = text.split(' ');
        if f.next()? != "1" {
            return None;
        }
        Some(TermsState {
            key_id: f.next()?.to_string(),
            cases: f.next()?.parse().ok()?,
            references: f.next()?.parse().ok()?,
            found: f.next()?.parse().ok()?,
        })
    }
}

/// The highest row ids now.
async fn highest(conn: &mut AnyConnection, key_id: &str) -> Result<TermsState> {
    let r = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM cases) AS c,
                (SELECT COALESCE(MAX(id), 0) FROM case_references) AS r,
                (SELECT COALESCE(MAX(id), 0) FROM found_children) AS f",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(TermsState {
        key_id: key_id.to_string(),
        cases: r.try_get("c")?,
        references: r.try_get("r")?,
        found: r.try_get("f")?,
    })
}

/// The terms' state as meta records it, and as the rows are now under `key`.
async fn terms_state(
    conn: &mut AnyConnection,
    key: &SearchKey,
) -> Result<(Option<TermsState>, TermsState)> {
    let recorded = get_meta(&mut *conn, "search_terms")
        .await?
        .and_then(|t| TermsState::parse(&t));
    Ok((recorded, highest(&mut *conn, &key.id).await?))
}

async fn ids(conn: &mut AnyConnection, sql: &str, after: i64, upto: i64) -> Result<Vec<i64>> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(after)
        .bind(upto)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<i64, _>(0)?))
        .collect()
}

/// A term row.
struct TermRow {
    term: Vec<u8>,
    kind: &'static str,
    owner: i64,
    field: &'static str,
}

fn push_terms(
    out: &mut Vec<TermRow>,
    key: &SearchKey,
    kind: &'static str,
    owner: i64,
    field: &'static str,
    text: Option<String>,
) {
    if let Some(text) = text {
        for word in index_words(&text) {
            out.push(TermRow {
                term: key.term(&word),
                kind,
                owner,
                field,
            });
        }
    }
}

async fn insert_terms(conn: &mut AnyConnection, rows: &mut Vec<TermRow>) -> Result<()> {
    // A word twice in one chunk's names of one case is one term row (a
    // later reference may add it again: a search counts the case once).
    rows.sort_by(|a, b| (&a.term, a.owner, a.field).cmp(&(&b.term, b.owner, b.field)));
    rows.dedup_by(|a, b| {
        a.term == b.term && a.owner == b.owner && a.field == b.field && a.kind == b.kind
    });
    let rows = std::mem::take(rows);
    insert_rows(
        &mut *conn,
        "INSERT INTO search_terms (term, kind, owner, field) VALUES",
        "(?, ?, ?, ?)",
        rows.len(),
        |q, i| {
            let r = &rows[i];
            q.bind(r.term.clone())
                .bind(r.kind)
                .bind(r.owner)
                .bind(r.field)
        },
    )
    .await
}

/// Deletes the terms of a case (its names and its references' names).
pub(crate) async fn forget_case(conn: &mut AnyConnection, case_ref: i64) -> Result<()> {
    sqlx::query("DELETE FROM search_terms WHERE kind = 'case' AND owner = $1")
        .bind(case_ref)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes every term (a key rotation: the terms of the old key must not
/// outlive it); the next search or import indexes everything again.
pub(crate) async fn forget_all(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("DELETE FROM search_terms")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM meta WHERE key = 'search_terms'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Registry {
    pub(crate) fn search_key(&self) -> SearchKey {
        SearchKey::of(&self.key)
    }

    /// Whether every row has its terms under this key (a read, no lock).
    pub(crate) async fn terms_current(&self, conn: &mut AnyConnection) -> Result<bool> {
        let (recorded, now) = terms_state(&mut *conn, &self.search_key()).await?;
        Ok(recorded == Some(now))
    }

    /// Indexes the rows added since the terms' state (everything when the
    /// state is missing or of another key), inside the caller's write
    /// transaction. Returns how many cases and found children were indexed.
    pub(crate) async fn catch_up_terms(&self, conn: &mut AnyConnection) -> Result<(usize, usize)> {
        let key = self.search_key();
        let (recorded, now) = terms_state(&mut *conn, &key).await?;
        let from = match recorded {
            Some(s) if s == now => return Ok((0, 0)),
            Some(s) if s.key_id == key.id => s,
            _ => {
                sqlx::query("DELETE FROM search_terms")
                    .execute(&mut *conn)
                    .await?;
                TermsState {
                    key_id: key.id.clone(),
                    cases: 0,
                    references: 0,
                    found: 0,
                }
            }
        };
        let cases = ids(
            &mut *conn,
            "SELECT id FROM cases WHERE id > $1 AND id <= $2",
            from.cases,
            now.cases,
        )
        .await?;
        let found = ids(
            &mut *conn,
            "SELECT id FROM found_children WHERE id > $1 AND id <= $2",
            from.found,
            now.found,
        )
        .await?;
        // A new case is indexed whole, its references' names with it; a
        // new reference of a case indexed before adds its name's terms.
        self.index_cases(&mut *conn, &key, &cases).await?;
        self.index_new_references(
            &mut *conn,
            &key,
            (from.references, now.references),
            from.cases,
        )
        .await?;
        self.index_found(&mut *conn, &key, &found).await?;
        set_meta(&mut *conn, "search_terms", &now.text()).await?;
        Ok((cases.len(), found.len()))
    }

    /// Brings the terms up to date in a write transaction of its own when
    /// they are not (the first search of a registry from before the blind
    /// indexes, or after a key rotation); the reading of every name this
    /// takes is audited.
    pub(crate) async fn ensure_terms(&self, actor: &str) -> Result<()> {
        {
            let mut conn = self.pool.acquire().await?;
            if self.terms_current(&mut conn).await? {
                return Ok(());
            }
        }
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let (cases, found) = self.catch_up_terms(&mut tx).await?;
        if cases + found > 0 {
            append_audit(
                &mut tx,
                self.backend,
                Event {
                    actor,
                    action: "search_terms.build",
                    target_type: "registry",
                    target_id: "search_terms",
                    detail: format!(
                        "names and places of {cases} cases and {found} found children read to index them for search"
                    ),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Writes the terms of these cases again: their child name and place,
    /// and their references' names.
    pub(crate) async fn index_cases(
        &self,
        conn: &mut AnyConnection,
        key: &SearchKey,
        cases: &[i64],
    ) -> Result<()> {
        for chunk in cases.chunks(CHUNK) {
            execute_in(&mut *conn, chunk, |list| {
                format!("DELETE FROM search_terms WHERE kind = 'case' AND owner IN ({list})")
            })
            .await?;
            let mut terms = Vec::new();
            for r in rows_in(&mut *conn, chunk, |list| {
                format!(
                    "SELECT id, case_id, child_name, missing_place FROM cases WHERE id IN ({list})"
                )
            })
            .await?
            {
                let (id, case_id): (i64, String) = (r.try_get("id")?, r.try_get("case_id")?);
                let name = self.open_column("cases", "child_name", &case_id, &r)?;
                let place = self.open_column("cases", "missing_place", &case_id, &r)?;
                push_terms(&mut terms, key, "case", id, "name", name);
                push_terms(&mut terms, key, "case", id, "place", place);
            }
            for r in rows_in(&mut *conn, chunk, |list| {
                format!("SELECT sample_name, case_ref, person_name FROM case_references WHERE case_ref IN ({list})")
            })
            .await?
            {
                let sample: String = r.try_get("sample_name")?;
                let name = self.open_column("case_references", "person_name", &sample, &r)?;
                push_terms(&mut terms, key, "case", r.try_get("case_ref")?, "relative", name);
            }
            insert_terms(&mut *conn, &mut terms).await?;
        }
        Ok(())
    }

    /// Adds the terms of the references with ids in `(after, upto]` whose
    /// case is at or below `old_cases` (a newer case was indexed whole).
    async fn index_new_references(
        &self,
        conn: &mut AnyConnection,
        key: &SearchKey,
        (after, upto): (i64, i64),
        old_cases: i64,
    ) -> Result<()> {
        let mut lo = after;
        while lo < upto {
            let hi = (lo + CHUNK as i64).min(upto);
            let mut terms = Vec::new();
            for r in sqlx::query(
                "SELECT sample_name, case_ref, person_name FROM case_references
                 WHERE id > $1 AND id <= $2 AND case_ref <= $3",
            )
            .bind(lo)
            .bind(hi)
            .bind(old_cases)
            .fetch_all(&mut *conn)
            .await?
            {
                let sample: String = r.try_get("sample_name")?;
                let name = self.open_column("case_references", "person_name", &sample, &r)?;
                push_terms(
                    &mut terms,
                    key,
                    "case",
                    r.try_get("case_ref")?,
                    "relative",
                    name,
                );
            }
            insert_terms(&mut *conn, &mut terms).await?;
            lo = hi;
        }
        Ok(())
    }

    /// Writes the terms of these found children again: their place.
    pub(crate) async fn index_found(
        &self,
        conn: &mut AnyConnection,
        key: &SearchKey,
        found: &[i64],
    ) -> Result<()> {
        for chunk in found.chunks(CHUNK) {
            execute_in(&mut *conn, chunk, |list| {
                format!("DELETE FROM search_terms WHERE kind = 'found' AND owner IN ({list})")
            })
            .await?;
            let mut terms = Vec::new();
            for r in rows_in(&mut *conn, chunk, |list| {
                format!("SELECT id, found_id, found_place FROM found_children WHERE id IN ({list})")
            })
            .await?
            {
                let (id, found_id): (i64, String) = (r.try_get("id")?, r.try_get("found_id")?);
                let place = self.open_column("found_children", "found_place", &found_id, &r)?;
                push_terms(&mut terms, key, "found", id, "place", place);
            }
            insert_terms(&mut *conn, &mut terms).await?;
        }
        Ok(())
    }
}

/// A term's rows: (kind, owner, field).
pub(crate) async fn term_rows(
    conn: &mut AnyConnection,
    term: &[u8],
) -> Result<Vec<(String, i64, String)>> {
    sqlx::query("SELECT kind, owner, field FROM search_terms WHERE term = $1")
        .bind(term.to_vec())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get("owner")?, r.try_get("field")?)))
        .collect::<std::result::Result<_, sqlx::Error>>()
        .map_err(RegistryError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        index_words(text).into_iter().collect()
    }

    #[test]
    fn latin_words_are_folded_and_cut() {
        assert_eq!(words("José  GARCÍA-López"), ["garcia", "jose", "lopez"]);
        // Full-width letters are the ASCII ones; one letter alone is not a word.
        assert_eq!(words("ＷＡＮＧ Fang J."), ["fang", "wang"]);
        assert_eq!(words("Rua 7, Nº 12"), ["12", "no", "rua"]);
    }

    #[test]
    fn chinese_names_give_pairs_of_characters() {
        assert_eq!(words("王小明"), ["小明", "王小"]);
        // A space inside a Chinese name does not cut it.
        assert_eq!(words("王 小明"), words("王小明"));
        assert_eq!(
            words("广东省 深圳市"),
            ["东省", "圳市", "广东", "深圳", "省深"]
        );
        // Mixed text: the Chinese run and the other word apart.
        assert_eq!(words("李娜Lina"), ["lina", "李娜"]);
        assert!(words("王").is_empty());
    }

    #[test]
    fn a_query_is_cut_as_the_index_is() {
        assert_eq!(
            query_words("小明"),
            (vec!["小明".to_string()], Vec::<String>::new())
        );
        assert_eq!(
            query_words("Wang 王"),
            (vec!["wang".to_string()], vec!["王".to_string()])
        );
        // Every word of a query of a name is among the name's words.
        for name in ["王小明", "García López", "Zhang Wei", "李 娜"] {
            let indexed = index_words(name);
            let (q, short) = query_words(name);
            assert!(short.is_empty(), "{name}");
            assert!(q.iter().all(|w| indexed.contains(w)), "{name}");
        }
    }

    #[test]
    fn terms_depend_on_the_key() {
        let a = SearchKey::of(&crate::crypto::Key::from_bytes([1; 32]));
        let b = SearchKey::of(&crate::crypto::Key::from_bytes([2; 32]));
        assert_eq!(a.term("wang"), a.term("wang"));
        assert_ne!(a.term("wang"), b.term("wang"));
        assert_ne!(a.term("wang"), a.term("fang"));
        assert_eq!(a.term("wang").len(), TERM_LEN);
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn the_state_reads_back() {
        let s = TermsState {
            key_id: "00ff".into(),
            cases: 3,
            references: 7,
            found: 0,
        };
        assert_eq!(TermsState::parse(&s.text()), Some(s));
        assert_eq!(TermsState::parse("2 00ff 3 7 0"), None);
    }
}
