//! Finding cases, found children and candidates by what a case worker
//! knows: a name, a place, an id, an institution, with filters by status,
//! category and dates, sorted and a page at a time.
//!
//! The text is cut into parts at spaces (not between two Chinese
//! characters); every part must match a row, each in any of its fields:
//! - the words of a name or place (the child's, the references', the
//!   found child's place), through their terms (`search_terms.rs`: the names
//!   stay encrypted; the words of a Chinese name are its pairs of
//!   characters, so any two or more of them find it);
//! - a case id or found id containing the part (any case);
//! - a found child's institution containing it (any case).
//!
//! A part of one character finds only ids and institutions (a word needs
//! two).
//! Candidates found are those of the cases and found children found. Without
//! text the filters apply to every row. Names and places are decrypted only
//! for the rows shown, and the search is audited with how many rows it
//! showed (never the text asked).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::facts::Category;
use crate::page_data::CandidateSummary;
use crate::pages::{MAX_PAGE, check_limit};
use crate::queries::CandidateFilter;
use crate::review::ReviewState;
use crate::search_terms::{query_words, term_rows};
use crate::store::rows_in;
use crate::{Registry, RegistryError, Result};

/// What to find.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Names, places, ids, institutions; empty: every row the filters pass.
    pub text: String,
    /// A case status (`open`, `candidate_found`, `reunited`, ...).
    pub case_status: Option<String>,
    /// A found child's status (`unidentified`, `reunited`, ...).
    pub found_status: Option<String>,
    pub candidate_status: Option<ReviewState>,
    pub category: Option<Category>,
    /// Cases missing, and children found, on or after this day...
    pub from: Option<jiff::civil::Date>,
    /// ... and on or before this one.
    pub to: Option<jiff::civil::Date>,
    /// Rows of each list shown (1 to [`MAX_PAGE`]).
    pub limit: i64,
    /// Rows of each list skipped before them.
    pub offset: i64,
}

impl Default for SearchQuery {
    fn default() -> SearchQuery {
        SearchQuery {
            text: String::new(),
            case_status: None,
            found_status: None,
            candidate_status: None,
            category: None,
            from: None,
            to: None,
            limit: 25,
            offset: 0,
        }
    }
}

/// Which fields of a row matched.
pub type Matched = BTreeSet<&'static str>;

/// A case found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaseHit {
    pub case_id: String,
    pub status: String,
    pub child_name: Option<String>,
    pub missing_place: Option<String>,
    pub missing_date: Option<String>,
    /// `name`, `place`, `relative` (a reference's name), `id`.
    pub matched: Matched,
}

/// A found child found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FoundHit {
    pub found_id: String,
    pub status: String,
    pub institution: Option<String>,
    pub found_place: Option<String>,
    pub found_date: Option<String>,
    /// `place`, `id`, `institution`.
    pub matched: Matched,
}

/// What was found: a page of each list and how many each has.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub cases: Vec<CaseHit>,
    pub case_count: usize,
    pub found: Vec<FoundHit>,
    pub found_count: usize,
    pub candidates: Vec<CandidateSummary>,
    pub candidate_count: usize,
    /// Parts of the text too short to be a word (one character), which
    /// could only match ids and institutions.
    pub too_short: Vec<String>,
}

/// Rows of one kind matched, with the fields that matched.
type Hits = BTreeMap<i64, Matched>;

/// `None`: no text, every row.
#[derive(Default)]
struct Found {
    cases: Option<Hits>,
    found: Option<Hits>,
    too_short: Vec<String>,
}

fn intersect(acc: &mut Option<Hits>, part: Hits) {
    *acc = Some(match acc.take() {
        None => part,
        Some(mut a) => {
            a.retain(|id, _| part.contains_key(id));
            for (id, fields) in a.iter_mut() {
                fields.extend(part[id].iter().copied());
            }
            a
        }
    });
}

fn field_name(field: &str) -> &'static str {
    match field {
        "name" => "name",
        "place" => "place",
        "relative" => "relative",
        _ => "other",
    }
}

/// The plaintext columns a part of the text may be in: (the query of the
/// row ids, whether they are cases, the field's name).
const CONTAINS: [(&str, bool, &str); 3] = [
    (
        "SELECT id FROM cases WHERE UPPER(case_id) LIKE $1 ESCAPE '\\'",
        true,
        "id",
    ),
    (
        "SELECT id FROM found_children WHERE UPPER(found_id) LIKE $1 ESCAPE '\\'",
        false,
        "id",
    ),
    (
        "SELECT id FROM found_children WHERE UPPER(institution) LIKE $1 ESCAPE '\\'",
        false,
        "institution",
    ),
];

/// `%part%` for LIKE, upper case, with `\`, `%` and `_` escaped.
fn contains_pattern(part: &str) -> String {
    let mut p = String::from("%");
    for c in part.to_uppercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

async fn ids_like(conn: &mut AnyConnection, sql: &str, pattern: &str) -> Result<Vec<i64>> {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .bind(pattern.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<i64, _>(0)?))
        .collect()
}

fn date_in(date: &Option<String>, q: &SearchQuery) -> bool {
    let Some(d) = date else {
        return q.from.is_none() && q.to.is_none();
    };
    let Ok(d) = d.parse::<jiff::civil::Date>() else {
        return false;
    };
    q.from.is_none_or(|f| d >= f) && q.to.is_none_or(|t| d <= t)
}

impl Registry {
    /// Cases, found children and candidates matching `query` (see the
    /// module doc), for a case worker or an administrator; audited.
    pub async fn search(&self, actor: &str, query: &SearchQuery) -> Result<SearchResults> {
        check_limit(query.limit)?;
        if query.offset < 0 {
            return Err(RegistryError::Invalid(format!(
                "offset: {} is negative",
                query.offset
            )));
        }
        if let (Some(f), Some(t)) = (query.from, query.to)
            && f > t
        {
            return Err(RegistryError::Invalid(format!(
                "from: {f} is after to: {t}"
            )));
        }
        self.ensure_terms(actor).await?;
        let mut conn = self.pool.acquire().await?;
        let found = self.matching_rows(&mut conn, &query.text).await?;
        let (case_count, case_rows) = self
            .filtered_rows(&mut conn, Table::Cases, found.cases.as_ref(), query)
            .await?;
        let (found_count, found_rows) = self
            .filtered_rows(&mut conn, Table::Found, found.found.as_ref(), query)
            .await?;
        let cases = self.case_hits(&mut conn, &case_rows).await?;
        let found_hits = self.found_hits(&mut conn, &found_rows).await?;
        let (candidate_count, candidates) = self
            .matching_candidates(&mut conn, found.cases.as_ref(), found.found.as_ref(), query)
            .await?;
        drop(conn);
        self.audit_read(
            actor,
            "search",
            "registry",
            "search",
            format!(
                "{} of {case_count} cases, {} of {found_count} found children, {} of {candidate_count} candidates shown",
                cases.len(),
                found_hits.len(),
                candidates.len()
            ),
        )
        .await?;
        Ok(SearchResults {
            cases,
            case_count,
            found: found_hits,
            found_count,
            candidates,
            candidate_count,
            too_short: found.too_short,
        })
    }

    /// The rows every part of the text matches.
    async fn matching_rows(&self, conn: &mut AnyConnection, text: &str) -> Result<Found> {
        let key = self.search_key();
        let mut out = Found::default();
        for part in crate::search_terms::query_parts(text) {
            let (words, short) = query_words(&part);
            out.too_short.extend(short);
            let mut cases: Option<Hits> = None;
            let mut found: Option<Hits> = None;
            // Every word of the part in one row.
            for word in &words {
                let mut c = Hits::new();
                let mut f = Hits::new();
                for (kind, owner, field) in term_rows(&mut *conn, &key.term(word)).await? {
                    let hits = if kind == "found" { &mut f } else { &mut c };
                    hits.entry(owner).or_default().insert(field_name(&field));
                }
                intersect(&mut cases, c);
                intersect(&mut found, f);
            }
            let mut cases = cases.unwrap_or_default();
            let mut found = found.unwrap_or_default();
            // Or the part in an id or an institution.
            let pattern = contains_pattern(&part);
            for (sql, is_case, field) in CONTAINS {
                let hits = if is_case { &mut cases } else { &mut found };
                for id in ids_like(&mut *conn, sql, &pattern).await? {
                    hits.entry(id).or_default().insert(field);
                }
            }
            intersect(&mut out.cases, cases);
            intersect(&mut out.found, found);
        }
        Ok(out)
    }

    /// How many rows of a table the filters pass (among `hits`, or among
    /// every row), and the page of them asked for: (row id, fields
    /// matched), in the order of the table's id.
    async fn filtered_rows(
        &self,
        conn: &mut AnyConnection,
        table: Table,
        hits: Option<&Hits>,
        query: &SearchQuery,
    ) -> Result<(usize, Vec<(i64, Matched)>)> {
        let (sql_table, key, date) = table.columns();
        let status = table.status(query);
        let mut rows: Vec<(String, i64, Matched)> = Vec::new();
        let mut keep = |r: &sqlx::any::AnyRow, matched: Matched| -> Result<()> {
            let s: String = r.try_get("status")?;
            if status.is_some_and(|want| want != s) {
                return Ok(());
            }
            if !date_in(&r.try_get::<Option<String>, _>("day")?, query) {
                return Ok(());
            }
            rows.push((r.try_get("k")?, r.try_get("id")?, matched));
            Ok(())
        };
        match hits {
            Some(hits) => {
                let ids: Vec<i64> = hits.keys().copied().collect();
                for r in rows_in(&mut *conn, &ids, |list| {
                    format!("SELECT id, {key} AS k, status, {date} AS day FROM {sql_table} WHERE id IN ({list})")
                })
                .await?
                {
                    let id: i64 = r.try_get("id")?;
                    keep(&r, hits.get(&id).cloned().unwrap_or_default())?;
                }
            }
            None => {
                // Every row the filters pass: counted, and one page read,
                // by the database.
                let mut conds = Vec::new();
                let mut binds: Vec<String> = Vec::new();
                if let Some(s) = status {
                    binds.push(s.to_string());
                    conds.push(format!("status = ${}", binds.len()));
                }
                if let Some(f) = query.from {
                    binds.push(f.to_string());
                    conds.push(format!("{date} >= ${}", binds.len()));
                }
                if let Some(t) = query.to {
                    binds.push(t.to_string());
                    conds.push(format!("{date} <= ${}", binds.len()));
                }
                let where_ = match conds.is_empty() {
                    true => String::new(),
                    false => format!("WHERE {}", conds.join(" AND ")),
                };
                let bind = |sql: String| {
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for b in &binds {
                        q = q.bind(b.clone());
                    }
                    q
                };
                let total: i64 = bind(format!("SELECT COUNT(*) AS n FROM {sql_table} {where_}"))
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("n")?;
                let page = bind(format!(
                    "SELECT id FROM {sql_table} {where_} ORDER BY {key} LIMIT {} OFFSET {}",
                    query.limit, query.offset
                ))
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<i64, _>("id")?, Matched::new())))
                .collect::<Result<Vec<_>>>()?;
                return Ok((total as usize, page));
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let total = rows.len();
        let page = rows
            .into_iter()
            .skip(query.offset as usize)
            .take(query.limit as usize)
            .map(|(_, id, m)| (id, m))
            .collect();
        Ok((total, page))
    }

    /// The rows `select` reads (`... WHERE id IN (list)` is added) of a
    /// page's ids, each made by `make` with the fields it matched, in the
    /// page's order.
    async fn page_rows<T>(
        &self,
        conn: &mut AnyConnection,
        rows: &[(i64, Matched)],
        select: &str,
        make: impl Fn(&sqlx::any::AnyRow, Matched) -> Result<T>,
    ) -> Result<Vec<T>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let matched: BTreeMap<i64, &Matched> = rows.iter().map(|(i, m)| (*i, m)).collect();
        let mut by_id = BTreeMap::new();
        for r in rows_in(&mut *conn, &ids, |list| {
            format!("{select} WHERE id IN ({list})")
        })
        .await?
        {
            let id: i64 = r.try_get("id")?;
            let m = matched.get(&id).map(|m| (*m).clone()).unwrap_or_default();
            by_id.insert(id, make(&r, m)?);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    async fn case_hits(
        &self,
        conn: &mut AnyConnection,
        rows: &[(i64, Matched)],
    ) -> Result<Vec<CaseHit>> {
        let select =
            "SELECT id, case_id, status, missing_date, child_name, missing_place FROM cases";
        self.page_rows(conn, rows, select, |r, matched| {
            let case_id: String = r.try_get("case_id")?;
            Ok(CaseHit {
                child_name: self.open_column("cases", "child_name", &case_id, r)?,
                missing_place: self.open_column("cases", "missing_place", &case_id, r)?,
                status: r.try_get("status")?,
                missing_date: r.try_get("missing_date")?,
                case_id,
                matched,
            })
        })
        .await
    }

    async fn found_hits(
        &self,
        conn: &mut AnyConnection,
        rows: &[(i64, Matched)],
    ) -> Result<Vec<FoundHit>> {
        let select =
            "SELECT id, found_id, status, found_date, institution, found_place FROM found_children";
        self.page_rows(conn, rows, select, |r, matched| {
            let found_id: String = r.try_get("found_id")?;
            Ok(FoundHit {
                found_place: self.open_column("found_children", "found_place", &found_id, r)?,
                status: r.try_get("status")?,
                institution: r.try_get("institution")?,
                found_date: r.try_get("found_date")?,
                found_id,
                matched,
            })
        })
        .await
    }

    /// The candidates of the cases and found children matched (every
    /// candidate without text) that pass the status and category, best
    /// first: how many, and the page asked for.
    async fn matching_candidates(
        &self,
        conn: &mut AnyConnection,
        cases: Option<&Hits>,
        found: Option<&Hits>,
        query: &SearchQuery,
    ) -> Result<(usize, Vec<CandidateSummary>)> {
        let mut all: Vec<CandidateSummary> = match (cases, found) {
            (Some(cases), Some(found)) => {
                let mut ids = Vec::new();
                for (hits, column) in [(cases, "case_ref"), (found, "found_ref")] {
                    let owners: Vec<i64> = hits.keys().copied().collect();
                    for r in rows_in(&mut *conn, &owners, |list| {
                        format!("SELECT id FROM candidates WHERE {column} IN ({list})")
                    })
                    .await?
                    {
                        ids.push(r.try_get::<i64, _>("id")?);
                    }
                }
                ids.sort_unstable();
                ids.dedup();
                self.candidate_summaries_by_id(&ids).await?
            }
            _ => {
                let filter = CandidateFilter {
                    status: query.candidate_status.map(|s| s.name().to_string()),
                    found_id: None,
                    case_id: None,
                };
                let mut all = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let page = self
                        .candidate_summary_page(&filter, MAX_PAGE, cursor.as_deref())
                        .await?;
                    all.extend(page.items);
                    match page.next {
                        Some(c) => cursor = Some(c),
                        None => break,
                    }
                }
                all
            }
        };
        all.retain(|c| {
            query.candidate_status.is_none_or(|s| c.status == s)
                && query.category.is_none_or(|k| c.category == k)
        });
        all.sort_by(|a, b| b.log10_lr.total_cmp(&a.log10_lr).then(a.id.cmp(&b.id)));
        let total = all.len();
        Ok((
            total,
            all.into_iter()
                .skip(query.offset as usize)
                .take(query.limit as usize)
                .collect(),
        ))
    }
}

#[derive(Clone, Copy)]
enum Table {
    Cases,
    Found,
}

impl Table {
    /// (table, sort key, date column): constants, never input.
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Table::Cases => ("cases", "case_id", "missing_date"),
            Table::Found => ("found_children", "found_id", "found_date"),
        }
    }

    fn status(self, q: &SearchQuery) -> Option<&str> {
        match self {
            Table::Cases => q.case_status.as_deref(),
            Table::Found => q.found_status.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("mc-20"), "%MC-20%");
        assert_eq!(contains_pattern("a_b%c\\"), "%A\\_B\\%C\\\\%");
    }

    #[test]
    fn parts_intersect_and_keep_their_fields() {
        let mut acc = None;
        intersect(
            &mut acc,
            Hits::from([(1, Matched::from(["name"])), (2, Matched::from(["place"]))]),
        );
        intersect(&mut acc, Hits::from([(1, Matched::from(["relative"]))]));
        assert_eq!(
            acc,
            Some(Hits::from([(1, Matched::from(["name", "relative"]))]))
        );
    }
}
