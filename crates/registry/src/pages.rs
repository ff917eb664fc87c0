//! Pages of the lists that grow with the registry: candidates, cases, found
//! children and the public alerts.
//!
//! Keyset pagination: a page is the `limit` rows after (or before) the row a
//! cursor names, found by a seek in an index (schema version 5), never by
//! sorting or skipping the rows before it. Candidates are ordered best first
//! (log10 LR descending) and ties by their row id; cases and found children by
//! their ids; alerts by the missing date, newest first (unknown dates last),
//! then by row id; paternal-line and clan volunteer leads by their LR, the
//! strongest first (those without one last), then by row id. A cursor is opaque to clients: hex of the list it belongs
//! to, its direction and the key of the row it names; one of another list,
//! or not made here, is refused ([`RegistryError::Invalid`]).
//!
//! Counts are `COUNT(*)` and `GROUP BY` in SQL; [`Registry::each_candidate`]
//! gives every row to an export page by page, in bounded memory.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::alerts::PublicAlert;
use crate::facts::{self, CaseFacts, Category, FoundFacts};
use crate::page_data::CandidateSummary;
use crate::queries::{CandidateFilter, CandidateRow};
use crate::review::ReviewState;
use crate::{Registry, RegistryError, Result};

/// The most rows one page may have.
pub const MAX_PAGE: i64 = 1000;

/// One page of a list, with the cursors of the pages beside it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last.
    pub next: Option<String>,
    /// The cursor of the previous page; `None` on the first.
    pub previous: Option<String>,
}

/// Every item of a list, read a page of [`MAX_PAGE`] at a time from the
/// first (for exports and the command line, which want the whole list).
async fn every_page<T>(
    mut page: impl AsyncFnMut(Option<&str>) -> Result<Page<T>>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let p = page(cursor.as_deref()).await?;
        out.extend(p.items);
        match p.next {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// The whole lists, a page at a time.
impl Registry {
    /// Candidates with their category (from the stored candidates of each
    /// child), best first: every page of [`Registry::candidate_summary_page`].
    pub async fn candidate_summaries(
        &self,
        status: Option<&str>,
        case_ref: Option<i64>,
    ) -> Result<Vec<CandidateSummary>> {
        let case_id = match case_ref {
            Some(r) => match self.case_status(r).await? {
                Some((case_id, _)) => Some(case_id),
                None => return Ok(Vec::new()),
            },
            None => None,
        };
        let filter = crate::CandidateFilter {
            status: status.map(str::to_string),
            found_id: None,
            case_id,
        };
        every_page(async |cursor| self.candidate_summary_page(&filter, MAX_PAGE, cursor).await)
            .await
    }

    /// Opted-in alerts of open cases: no DNA, the place rounded to about 10 km.
    /// Every one, in the order of [`Registry::public_alert_page`].
    pub async fn public_alerts(&self) -> Result<Vec<PublicAlert>> {
        every_page(async |cursor| self.public_alert_page(MAX_PAGE, cursor).await).await
    }

    /// Every paternal-line lead, strongest first (leads without an LR
    /// last): every page of [`Registry::lineage_lead_page`].
    pub async fn lineage_leads(&self, actor: &str) -> Result<Vec<crate::LineageLead>> {
        every_page(async |cursor| self.lineage_lead_page(actor, None, MAX_PAGE, cursor).await).await
    }

    /// Every clan volunteer lead, strongest first (leads without an LR
    /// last): every page of [`Registry::volunteer_lead_page`].
    pub async fn volunteer_leads(&self, actor: &str) -> Result<Vec<crate::VolunteerLead>> {
        every_page(async |cursor| {
            self.volunteer_lead_page(actor, None, MAX_PAGE, cursor)
                .await
        })
        .await
    }
}

/// A case or a found child in a list: its id and status.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ListEntry {
    pub id: String,
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dir {
    After,
    Before,
}

/// The sort key of a row.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Real(f64),
    Text(String),
}

/// A decoded cursor: the row it names and which side of it the page is.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    dir: Dir,
    key: Key,
    id: i64,
}

/// Which list, and how its rows are ordered.
#[derive(Debug, Clone, Copy)]
struct List {
    /// The tag in its cursors.
    tag: &'static str,
    /// The sort key's SQL (on the list's table alias `t`).
    key_sql: &'static str,
    key_desc: bool,
    key_real: bool,
    /// The stable tie-breaker (a unique integer column).
    id_sql: &'static str,
}

const CANDIDATES: List = List {
    tag: "candidates",
    key_sql: "t.log10_lr",
    key_desc: true,
    key_real: true,
    id_sql: "t.id",
};
const CASES: List = List {
    tag: "cases",
    key_sql: "t.case_id",
    key_desc: false,
    key_real: false,
    id_sql: "t.id",
};
const FOUND: List = List {
    tag: "found",
    key_sql: "t.found_id",
    key_desc: false,
    key_real: false,
    id_sql: "t.id",
};
/// Leads, strongest first (leads without an LR last), ties by row id.
const LINEAGE_LEADS: List = List {
    tag: "lineage_leads",
    key_sql: "COALESCE(t.log10_lr, -1.0e308)",
    key_desc: true,
    key_real: true,
    id_sql: "t.id",
};
const VOLUNTEER_LEADS: List = List {
    tag: "volunteer_leads",
    ..LINEAGE_LEADS
};
const ALERTS: List = List {
    tag: "alerts",
    key_sql: "COALESCE(t.missing_date, '')",
    key_desc: true,
    key_real: false,
    id_sql: "t.id",
};

fn bad_cursor(why: &str) -> RegistryError {
    RegistryError::Invalid(format!(
        "cursor: {why}; use the cursor of a page of the same list as given (Next-Cursor), or none for the first page"
    ))
}

/// Checks a page size.
pub fn check_limit(limit: i64) -> Result<i64> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(RegistryError::Invalid(format!(
            "limit: {limit} is not between 1 and {MAX_PAGE}"
        )))
    }
}

impl List {
    fn encode(self, dir: Dir, key: &Key, id: i64) -> String {
        let d = match dir {
            Dir::After => ">",
            Dir::Before => "<",
        };
        let k = match key {
            Key::Real(x) => format!("{:016x}", x.to_bits()),
            Key::Text(s) => hex::encode(s.as_bytes()),
        };
        hex::encode(format!("{}|{d}|{k}|{id}", self.tag))
    }

    fn decode(self, text: &str) -> Result<Cursor> {
        if text.is_empty() || text.len() > 2048 {
            return Err(bad_cursor("empty or too long"));
        }
        let bytes = hex::decode(text).map_err(|_| bad_cursor("not a cursor"))?;
        let plain = String::from_utf8(bytes).map_err(|_| bad_cursor("not a cursor"))?;
        let parts: Vec<&str> = plain.split('|').collect();
        let [tag, dir, key, id] = parts[..] else {
            return Err(bad_cursor("not a cursor"));
        };
        if tag != self.tag {
            return Err(bad_cursor(&format!(
                "a cursor of the {tag} list, not of the {} list",
                self.tag
            )));
        }
        let dir = match dir {
            ">" => Dir::After,
            "<" => Dir::Before,
            _ => return Err(bad_cursor("not a cursor")),
        };
        let id: i64 = id.parse().map_err(|_| bad_cursor("not a cursor"))?;
        let key = if self.key_real {
            if key.len() != 16 {
                return Err(bad_cursor("not a cursor"));
            }
            let bits = u64::from_str_radix(key, 16).map_err(|_| bad_cursor("not a cursor"))?;
            let x = f64::from_bits(bits);
            if x.is_nan() {
                return Err(bad_cursor("not a cursor"));
            }
            Key::Real(x)
        } else {
            let b = hex::decode(key).map_err(|_| bad_cursor("not a cursor"))?;
            Key::Text(String::from_utf8(b).map_err(|_| bad_cursor("not a cursor"))?)
        };
        Ok(Cursor { dir, key, id })
    }

    /// The WHERE fragment (numbered from `$first`) that keeps the rows on the
    /// cursor's side, and the ORDER BY of the fetch (reversed before it).
    fn seek(self, cursor: Option<&Cursor>, first: usize) -> (Option<String>, String) {
        let forward = cursor.is_none_or(|c| c.dir == Dir::After);
        // Going forward on a descending key: smaller keys come next.
        let key_down = self.key_desc == forward;
        let (k, i) = (self.key_sql, self.id_sql);
        let order = match (key_down, forward) {
            (true, true) => format!("{k} DESC, {i} ASC"),
            (true, false) => format!("{k} DESC, {i} DESC"),
            (false, true) => format!("{k} ASC, {i} ASC"),
            (false, false) => format!("{k} ASC, {i} DESC"),
        };
        let cond = cursor.map(|_| {
            let (kc, ic) = (
                if key_down { "<" } else { ">" },
                if forward { ">" } else { "<" },
            );
            let (a, b) = (first, first + 1);
            // The first conjunct is a range on the index's leading key.
            format!(
                "{k} {kc}= ${a} AND ({k} {kc} ${a} OR {i} {ic} ${b})",
                kc = kc
            )
        });
        (cond, order)
    }
}

/// A bound value of a built query.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Real(f64),
    Int(i64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Real(x) => q.bind(*x),
            Bind::Int(i) => q.bind(*i),
        };
    }
    q
}

/// The WHERE conditions of a candidate filter on `t` (candidates), bound
/// from `binds`.
fn candidate_conditions(filter: &CandidateFilter, binds: &mut Vec<Bind>) -> Vec<String> {
    let mut conds = Vec::new();
    if let Some(s) = &filter.status {
        binds.push(Bind::Text(s.clone()));
        conds.push(format!("t.status = ${}", binds.len()));
    }
    if let Some(f) = &filter.found_id {
        binds.push(Bind::Text(f.clone()));
        conds.push(format!(
            "t.found_ref = (SELECT id FROM found_children WHERE found_id = ${})",
            binds.len()
        ));
    }
    if let Some(c) = &filter.case_id {
        binds.push(Bind::Text(c.clone()));
        conds.push(format!(
            "t.case_ref = (SELECT id FROM cases WHERE case_id = ${})",
            binds.len()
        ));
    }
    conds
}

/// The query of a page: the rows on the cursor's side (or from `offset`),
/// `limit + 1` of them (the last says whether there is a next page).
#[allow(clippy::too_many_arguments)]
fn page_sql(
    list: List,
    extra: &str,
    from: &str,
    mut conds: Vec<String>,
    mut binds: Vec<Bind>,
    limit: i64,
    cursor: Option<&Cursor>,
    offset: Option<i64>,
) -> (String, Vec<Bind>) {
    let (seek, order) = list.seek(cursor, binds.len() + 1);
    if let Some(c) = cursor {
        binds.push(match &c.key {
            Key::Real(x) => Bind::Real(*x),
            Key::Text(s) => Bind::Text(s.clone()),
        });
        binds.push(Bind::Int(c.id));
    }
    conds.extend(seek);
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    binds.push(Bind::Int(limit + 1));
    let mut sql = format!(
        "SELECT {key} AS page_key, {id} AS page_id{extra} FROM {from} t {where_} ORDER BY {order} LIMIT ${n}",
        key = list.key_sql,
        id = list.id_sql,
        n = binds.len()
    );
    if let Some(o) = offset {
        binds.push(Bind::Int(o));
        sql.push_str(&format!(" OFFSET ${}", binds.len()));
    }
    (sql, binds)
}

/// Where a page starts.
#[derive(Debug, Clone, Copy)]
enum Start<'a> {
    Cursor(Option<&'a str>),
    Offset(i64),
}

/// The columns of a candidate, for rows and summaries, after the page's
/// ids (`p`) are known.
const CANDIDATE_COLUMNS: &str = "SELECT f.found_id, c.case_id, k.lr, k.log10_lr, k.markers_compared, k.inconsistent, k.status, k.shape,
        d.name AS db_name, d.version AS db_version, k.model, k.computed_at, k.id,
        (SELECT MAX(o.log10_lr) FROM candidates o WHERE o.found_ref = k.found_ref AND o.id <> k.id) AS best_other,
        c.child_sex AS case_sex, c.birth_from, c.birth_to, c.missing_date,
        f.sex AS found_sex, f.age_min_days, f.age_max_days, f.found_date,
        k.version AS candidate_version
 FROM page p
 JOIN candidates k ON k.id = p.id
 JOIN found_children f ON f.id = k.found_ref
 JOIN cases c ON c.id = k.case_ref
 JOIN frequency_dbs d ON d.id = k.frequency_db";

fn candidate_row(r: &AnyRow) -> Result<CandidateRow> {
    let inconsistent: String = r.try_get("inconsistent")?;
    Ok(CandidateRow {
        found_id: r.try_get("found_id")?,
        case_id: r.try_get("case_id")?,
        lr: r.try_get("lr")?,
        log10_lr: r.try_get("log10_lr")?,
        markers_compared: r.try_get("markers_compared")?,
        inconsistent_markers: serde_json::from_str(&inconsistent).unwrap_or_default(),
        status: r.try_get("status")?,
        shape: r.try_get("shape")?,
        frequency_database: crate::matching::database_label(
            &r.try_get::<String, _>("db_name")?,
            r.try_get("db_version")?,
        ),
        model: r.try_get("model")?,
        computed_at: r.try_get("computed_at")?,
    })
}

/// The facts of a candidate's case and found child, from the columns of
/// [`CANDIDATE_COLUMNS`] (or of the candidate page's query) of those names.
pub(crate) fn facts_of_row(r: &AnyRow) -> Result<(CaseFacts, FoundFacts)> {
    Ok((
        CaseFacts {
            sex: Some(r.try_get("case_sex")?),
            birth_from: r.try_get("birth_from")?,
            birth_to: r.try_get("birth_to")?,
            missing_date: r.try_get("missing_date")?,
            lat: None,
            lon: None,
        },
        FoundFacts {
            sex: Some(r.try_get("found_sex")?),
            age_min_days: r.try_get("age_min_days")?,
            age_max_days: r.try_get("age_max_days")?,
            found_date: r.try_get("found_date")?,
            lat: None,
            lon: None,
        },
    ))
}

fn candidate_summary(r: &AnyRow) -> Result<CandidateSummary> {
    let log10_lr: f64 = r.try_get("log10_lr")?;
    // The best other stored candidate of the same child decides the margin.
    let best_other: Option<f64> = r.try_get("best_other")?;
    let (case, found) = facts_of_row(r)?;
    Ok(CandidateSummary {
        id: r.try_get("id")?,
        found_id: r.try_get("found_id")?,
        case_id: r.try_get("case_id")?,
        lr: r.try_get("lr")?,
        log10_lr,
        markers_compared: r.try_get("markers_compared")?,
        status: ReviewState::stored(&r.try_get::<String, _>("status")?)?,
        category: facts::candidate_category(log10_lr, best_other, &case, &found),
        version: r.try_get("candidate_version")?,
    })
}

impl Registry {
    /// The rows of one page of a list: `SELECT <key> AS page_key, <id> AS
    /// page_id<extra>` from
    /// `from` (alias `t`) under `conds`, in the list's order.
    #[allow(clippy::too_many_arguments)]
    async fn page_of(
        &self,
        list: List,
        extra: &str,
        from: &str,
        conds: Vec<String>,
        binds: Vec<Bind>,
        limit: i64,
        start: Start<'_>,
    ) -> Result<Page<AnyRow>> {
        let limit = check_limit(limit)?;
        let (cursor, offset) = match start {
            Start::Cursor(c) => (c.map(|c| list.decode(c)).transpose()?, None),
            Start::Offset(o) if o >= 0 => (None, Some(o)),
            Start::Offset(o) => {
                return Err(RegistryError::Invalid(format!("offset: {o} is negative")));
            }
        };
        let (sql, binds) = page_sql(
            list,
            extra,
            from,
            conds,
            binds,
            limit,
            cursor.as_ref(),
            offset,
        );
        // Only fragments of this file are formatted in; every value is bound.
        let mut rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let backward = cursor.as_ref().is_some_and(|c| c.dir == Dir::Before);
        if backward {
            rows.reverse();
        }
        let key_of = |r: &AnyRow| -> Result<(Key, i64)> {
            let key = if list.key_real {
                Key::Real(r.try_get("page_key")?)
            } else {
                Key::Text(r.try_get("page_key")?)
            };
            Ok((key, r.try_get("page_id")?))
        };
        let first = rows.first().map(key_of).transpose()?;
        let last = rows.last().map(key_of).transpose()?;
        let (next, previous) = if backward {
            (
                last.map(|(k, i)| list.encode(Dir::After, &k, i)),
                first
                    .filter(|_| more)
                    .map(|(k, i)| list.encode(Dir::Before, &k, i)),
            )
        } else {
            (
                last.filter(|_| more)
                    .map(|(k, i)| list.encode(Dir::After, &k, i)),
                first
                    .filter(|_| cursor.is_some() || offset.is_some_and(|o| o > 0))
                    .map(|(k, i)| list.encode(Dir::Before, &k, i)),
            )
        };
        Ok(Page {
            items: rows,
            next,
            previous,
        })
    }

    /// The candidate ids of a page, then their columns, in the page's order.
    async fn candidate_page_rows<T>(
        &self,
        filter: &CandidateFilter,
        limit: i64,
        start: Start<'_>,
        read: fn(&AnyRow) -> Result<T>,
    ) -> Result<Page<T>> {
        let mut binds = Vec::new();
        let conds = candidate_conditions(filter, &mut binds);
        let page = self
            .page_of(CANDIDATES, "", "candidates", conds, binds, limit, start)
            .await?;
        let ids = page
            .items
            .iter()
            .map(|r| r.try_get::<i64, _>("page_id"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Page {
            items: self.candidates_in_order(&ids, read).await?,
            next: page.next,
            previous: page.previous,
        })
    }

    /// The candidates of these row ids (at most [`MAX_PAGE`]), read by
    /// `read` in the order of `ids`.
    async fn candidates_in_order<T>(
        &self,
        ids: &[i64],
        read: fn(&AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<String> = (1..=ids.len())
            .map(|i| format!("(${}, ${})", 2 * i - 1, 2 * i))
            .collect();
        let sql = format!(
            "WITH page (pos, id) AS (VALUES {}) {CANDIDATE_COLUMNS} ORDER BY p.pos",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (pos, id) in ids.iter().enumerate() {
            q = q.bind(pos as i64).bind(*id);
        }
        q.fetch_all(&self.pool).await?.iter().map(read).collect()
    }

    /// The candidates of these row ids with their category, in any number,
    /// [`MAX_PAGE`] at a time.
    pub(crate) async fn candidate_summaries_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<CandidateSummary>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_PAGE as usize) {
            out.extend(self.candidates_in_order(chunk, candidate_summary).await?);
        }
        Ok(out)
    }

    /// One page of candidates, best first (ties by row id), after the row
    /// `cursor` names (the first page without one).
    pub async fn candidate_page(
        &self,
        filter: &CandidateFilter,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<CandidateRow>> {
        self.candidate_page_rows(filter, limit, Start::Cursor(cursor), candidate_row)
            .await
    }

    /// `limit` candidates from position `offset` (0: the best), for
    /// `reunite matches --offset`: the rows skipped are index entries only.
    pub async fn candidate_rows_at(
        &self,
        filter: &CandidateFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CandidateRow>> {
        Ok(self
            .candidate_page_rows(filter, limit, Start::Offset(offset), candidate_row)
            .await?
            .items)
    }

    /// One page of candidates with their category, as the API and the pages
    /// list them.
    pub async fn candidate_summary_page(
        &self,
        filter: &CandidateFilter,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<CandidateSummary>> {
        self.candidate_page_rows(filter, limit, Start::Cursor(cursor), candidate_summary)
            .await
    }

    /// One page of the candidates of one category (and the filter), best
    /// first, after the row `cursor` names. The category is computed per
    /// row ([`facts::candidate_category`]), so the list is read in its
    /// order a page at a time and the rows of that category kept until
    /// `limit` of them: a page costs the rows read up to its last one (no
    /// genotype, no score). Read forwards only (`previous` is `None`).
    pub async fn candidate_category_page(
        &self,
        filter: &CandidateFilter,
        category: Category,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<CandidateSummary>> {
        let limit = check_limit(limit)?;
        if let Some(c) = cursor
            && CANDIDATES.decode(c)?.dir == Dir::Before
        {
            return Err(bad_cursor("a list of one category is read forwards only"));
        }
        let mut items = Vec::new();
        let mut cursor = cursor.map(str::to_string);
        loop {
            let page = self
                .candidate_summary_page(filter, MAX_PAGE, cursor.as_deref())
                .await?;
            let n = page.items.len();
            for (i, s) in page.items.into_iter().enumerate() {
                if s.category != category {
                    continue;
                }
                let key = (Key::Real(s.log10_lr), s.id);
                items.push(s);
                if items.len() as i64 == limit {
                    let last = i + 1 == n && page.next.is_none();
                    return Ok(Page {
                        items,
                        next: (!last).then(|| CANDIDATES.encode(Dir::After, &key.0, key.1)),
                        previous: None,
                    });
                }
            }
            match page.next {
                Some(c) => cursor = Some(c),
                None => {
                    return Ok(Page {
                        items,
                        next: None,
                        previous: None,
                    });
                }
            }
        }
    }

    /// The database's plan of the query that finds a page of candidates
    /// (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN` with sorting
    /// priced out), one step a line: it seeks in an index, it never sorts
    /// every candidate.
    pub async fn explain_candidate_page(
        &self,
        filter: &CandidateFilter,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<String> {
        let cursor = cursor.map(|c| CANDIDATES.decode(c)).transpose()?;
        let mut binds = Vec::new();
        let conds = candidate_conditions(filter, &mut binds);
        let (sql, binds) = page_sql(
            CANDIDATES,
            "",
            "candidates",
            conds,
            binds,
            check_limit(limit)?,
            cursor.as_ref(),
            None,
        );
        let (sql, column) = match self.backend {
            crate::Backend::Sqlite => (format!("EXPLAIN QUERY PLAN {sql}"), "detail"),
            crate::Backend::Postgres => (format!("EXPLAIN {sql}"), "QUERY PLAN"),
        };
        let mut tx = self.pool.begin().await?;
        if self.backend == crate::Backend::Postgres {
            // A small table is sorted rather than read through an index;
            // with sorting priced out the plan shows whether the index
            // serves the order (at scale the planner takes it by itself).
            sqlx::query("SET LOCAL enable_sort = off")
                .execute(&mut *tx)
                .await?;
        }
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&mut *tx)
            .await?;
        tx.rollback().await?;
        let lines = rows
            .iter()
            .map(|r| r.try_get::<String, _>(column))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(lines.join("\n"))
    }

    /// How many candidates pass the filter.
    pub async fn count_candidates(&self, filter: &CandidateFilter) -> Result<i64> {
        let mut binds = Vec::new();
        let conds = candidate_conditions(filter, &mut binds);
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let sql = format!("SELECT COUNT(*) AS n FROM candidates t {where_}");
        Ok(bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }

    /// Candidates by review status (`GROUP BY` in the database), for /metrics.
    pub async fn candidate_counts_by_status(&self) -> Result<Vec<(String, i64)>> {
        sqlx::query("SELECT status, COUNT(*) AS n FROM candidates GROUP BY status ORDER BY status")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }

    /// Every candidate that passes the filter, best first, given to `each`
    /// a page at a time (memory bounded by a page, not by the registry).
    /// Returns how many.
    pub async fn each_candidate(
        &self,
        filter: &CandidateFilter,
        mut each: impl FnMut(CandidateRow) -> Result<()>,
    ) -> Result<usize> {
        let mut cursor: Option<String> = None;
        let mut n = 0;
        loop {
            let page = self
                .candidate_page(filter, MAX_PAGE, cursor.as_deref())
                .await?;
            for row in page.items {
                each(row)?;
                n += 1;
            }
            match page.next {
                Some(c) => cursor = Some(c),
                None => return Ok(n),
            }
        }
    }

    /// One page of the cases (by case id) with their status.
    pub async fn case_list_page(
        &self,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<ListEntry>> {
        self.id_list_page(CASES, "cases", limit, cursor).await
    }

    /// One page of the found children (by found id) with their status.
    pub async fn found_list_page(
        &self,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<ListEntry>> {
        self.id_list_page(FOUND, "found_children", limit, cursor)
            .await
    }

    async fn id_list_page(
        &self,
        list: List,
        table: &str,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<ListEntry>> {
        let page = self
            .page_of(
                list,
                ", t.status",
                table,
                Vec::new(),
                Vec::new(),
                limit,
                Start::Cursor(cursor),
            )
            .await?;
        let items = page
            .items
            .iter()
            .map(|r| {
                Ok(ListEntry {
                    id: r.try_get("page_key")?,
                    status: r.try_get("status")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            next: page.next,
            previous: page.previous,
        })
    }

    /// How many cases and found children there are.
    pub async fn count_cases_and_found(&self) -> Result<(i64, i64)> {
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM cases) AS case_count, (SELECT COUNT(*) FROM found_children) AS found_count",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((r.try_get("case_count")?, r.try_get("found_count")?))
    }

    /// One page of the public alerts (newest missing date first, unknown
    /// dates last).
    pub async fn public_alert_page(
        &self,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<PublicAlert>> {
        let page = self
            .page_of(
                ALERTS,
                ", t.case_id, t.child_name, t.child_sex, t.birth_from, t.birth_to, t.missing_date, t.missing_lat, t.missing_lon, t.description",
                "cases",
                vec![ALERT_CONDITION.into()],
                Vec::new(),
                limit,
                Start::Cursor(cursor),
            )
            .await?;
        let items = page
            .items
            .iter()
            .map(|r| self.public_alert_of(r))
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            next: page.next,
            previous: page.previous,
        })
    }

    /// How many public alerts there are.
    pub async fn count_public_alerts(&self) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) AS n FROM cases t WHERE {ALERT_CONDITION}");
        Ok(sqlx::query(AssertSqlSafe(sql))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }
}

/// Which cases are public alerts (on `t`).
pub(crate) const ALERT_CONDITION: &str =
    "t.public_alert = 1 AND t.status IN ('open', 'candidate_found')";

/// The leads of [`crate::lineage`] and [`crate::volunteers`], a page at a
/// time.
impl Registry {
    /// One page of leads of a kind (of one review status, when given),
    /// strongest first, after the row `cursor` names: their row ids, then
    /// `read` of those ids, in the page's order; the list audited.
    pub(crate) async fn lead_page<T>(
        &self,
        actor: &str,
        kind: crate::leads::LeadKind,
        status: Option<crate::leads::LeadStatus>,
        (limit, cursor): (i64, Option<&str>),
        read: impl AsyncFnOnce(&mut sqlx::AnyConnection, &[i64]) -> Result<Vec<T>>,
        id: fn(&T) -> i64,
    ) -> Result<Page<T>> {
        let (list, table, what) = match kind {
            crate::leads::LeadKind::Family => {
                (LINEAGE_LEADS, "lineage_leads", "paternal-line leads")
            }
            crate::leads::LeadKind::Volunteer => {
                (VOLUNTEER_LEADS, "volunteer_leads", "clan volunteer leads")
            }
        };
        let (conds, binds) = lead_conditions(status);
        let page = self
            .page_of(list, "", table, conds, binds, limit, Start::Cursor(cursor))
            .await?;
        let ids = page
            .items
            .iter()
            .map(|r| r.try_get("page_id"))
            .collect::<std::result::Result<Vec<i64>, _>>()?;
        let mut conn = self.pool.acquire().await?;
        let mut items = read(&mut conn, &ids).await?;
        drop(conn);
        crate::leads::in_page_order(&mut items, &ids, id);
        let detail = format!("{} {what} listed", items.len());
        self.audit_list(actor, (&format!("{table}.list"), table), detail)
            .await?;
        Ok(Page {
            items,
            next: page.next,
            previous: page.previous,
        })
    }

    /// How many leads of a kind there are (of one review status, when
    /// given).
    pub async fn lead_count(
        &self,
        kind: crate::leads::LeadKind,
        status: Option<crate::leads::LeadStatus>,
    ) -> Result<i64> {
        let table = match kind {
            crate::leads::LeadKind::Family => "lineage_leads",
            crate::leads::LeadKind::Volunteer => "volunteer_leads",
        };
        let (conds, binds) = lead_conditions(status);
        let where_ = match conds.is_empty() {
            true => String::new(),
            false => format!(" WHERE {}", conds.join(" AND ")),
        };
        // The table and the conditions are this file's; the status is bound.
        let sql = format!("SELECT COUNT(*) AS n FROM {table} t{where_}");
        Ok(bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }
}

/// The WHERE conditions of a lead list on `t`.
fn lead_conditions(status: Option<crate::leads::LeadStatus>) -> (Vec<String>, Vec<Bind>) {
    match status {
        Some(s) => (
            vec!["t.status = $1".to_string()],
            vec![Bind::Text(s.name().to_string())],
        ),
        None => (Vec::new(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_stay_in_their_list() {
        for (list, key) in [
            (CANDIDATES, Key::Real(-12.5)),
            (CANDIDATES, Key::Real(f64::INFINITY)),
            (CASES, Key::Text("MC-1|x".into())),
            (ALERTS, Key::Text(String::new())),
        ] {
            for dir in [Dir::After, Dir::Before] {
                let text = list.encode(dir, &key, 42);
                assert_eq!(
                    list.decode(&text).unwrap(),
                    Cursor {
                        dir,
                        key: key.clone(),
                        id: 42
                    }
                );
            }
        }
        let c = CANDIDATES.encode(Dir::After, &Key::Real(1.0), 1);
        assert!(CASES.decode(&c).is_err());
        for bad in [
            "",
            "zz",
            "00",
            &hex::encode("candidates|>|7ff8000000000000|1"),
        ] {
            assert!(CANDIDATES.decode(bad).is_err(), "{bad}");
        }
    }
}
