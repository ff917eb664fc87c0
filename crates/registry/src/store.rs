//! Low-level storage: migrations, the key check, encrypted fields, the audit log.

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::audit::{self, AuditEntry, GENESIS};
use crate::crypto;
use crate::{Backend, Registry, RegistryError, Result};

/// An audit event, appended in the same transaction as what it records.
pub(crate) struct Event<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: &'a str,
    /// Never a name, genotype, address or other personal detail.
    pub detail: String,
}

/// A nullable float for a `{REAL}` column, bound as a value that is never
/// NULL; the SQL writes `CASE WHEN $flag THEN $value END` with the flag
/// `value.is_some()`. sqlx 0.9.0's `Any` driver encodes a NULL `f64` as a
/// PostgreSQL float4 (its `any/arguments.rs` maps the kinds `Real` and `Double`
/// the wrong way round), so a statement first prepared on a connection with a
/// NULL coordinate had a float4 parameter, and a later row with a coordinate
/// was refused ("incorrect binary data format in bind parameter").
pub(crate) fn real(value: Option<f64>) -> f64 {
    value.unwrap_or(0.0)
}

impl Registry {
    /// One audited write: this process's write lock, a transaction that
    /// takes the database's write lock as it begins, `work` on it, the audit
    /// entry `work` gives appended in the same transaction, the commit.
    /// When `work` or the audit fails nothing is written.
    pub(crate) async fn audited<'a, T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<(T, Event<'a>)>,
    ) -> Result<T> {
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let (value, event) = work(&mut tx).await?;
        append_audit(&mut tx, self.backend, event).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Appends an audit entry that counts (no sample, no haplotype, no
    /// genotype), in the caller's transaction: (action, target type,
    /// target id) and its words.
    pub(crate) async fn audit_count(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        (action, target_type, target_id): (&str, &str, &str),
        detail: String,
    ) -> Result<()> {
        append_audit(
            &mut *tx,
            self.backend,
            Event {
                actor,
                action,
                target_type,
                target_id,
                detail,
            },
        )
        .await
    }

    /// An audited read of a whole list: the entry that counts it, in a
    /// transaction of its own (after the read, which wrote nothing).
    pub(crate) async fn audit_list(
        &self,
        actor: &str,
        (action, target_type): (&str, &str),
        detail: String,
    ) -> Result<()> {
        self.audited(async |_| {
            Ok((
                (),
                Event {
                    actor,
                    action,
                    target_type,
                    target_id: "",
                    detail,
                },
            ))
        })
        .await
    }

    pub(crate) async fn migrate(&self) -> Result<()> {
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let exists: i64 = match self.backend {
            Backend::Sqlite => {
                sqlx::query("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?
            }
            Backend::Postgres => {
                sqlx::query("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'meta' AND table_schema = current_schema()")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?
            }
        };
        let version: i64 = if exists == 0 {
            0
        } else {
            sqlx::query("SELECT value FROM meta WHERE key = 'schema_version'")
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get::<String, _>("value"))
                .transpose()?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        if version > crate::schema::Backend::latest() {
            return Err(RegistryError::Invalid(format!(
                "the database has schema version {version}, newer than this program knows ({}); upgrade reunite",
                crate::schema::Backend::latest()
            )));
        }
        for (v, statements) in self.backend.pending(version) {
            for s in statements {
                // Our own schema statements, never input.
                sqlx::query(sqlx::AssertSqlSafe(s))
                    .execute(&mut *tx)
                    .await?;
            }
            set_meta(&mut tx, "schema_version", &v.to_string()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The key must be the one the data was encrypted with.
    pub(crate) async fn check_key(&self) -> Result<()> {
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        match get_meta(&mut tx, "key_id").await? {
            Some(id) if id != self.key.id() => {
                return Err(RegistryError::Invalid(format!(
                    "the key file {} does not belong to this database (its key id is {}, the database's {id})",
                    self.key_path.display(),
                    self.key.id()
                )));
            }
            Some(_) => {}
            None => set_meta(&mut tx, "key_id", &self.key.id()).await?,
        }
        tx.commit().await?;
        Ok(())
    }

    /// Encrypts a field bound to (table, column, row).
    pub(crate) fn seal(
        &self,
        table: &str,
        column: &str,
        row: &str,
        value: Option<&str>,
    ) -> Option<Vec<u8>> {
        value.map(|v| crypto::encrypt(&self.key, &crypto::aad(table, column, row), v.as_bytes()))
    }

    /// Decrypts a field bound to (table, column, row).
    pub(crate) fn open_field(
        &self,
        table: &str,
        column: &str,
        row: &str,
        blob: Option<Vec<u8>>,
    ) -> Result<Option<String>> {
        match blob {
            None => Ok(None),
            Some(b) => {
                let plain = crypto::decrypt(&self.key, &crypto::aad(table, column, row), &b)?;
                String::from_utf8(plain).map(Some).map_err(|_| {
                    RegistryError::Damaged(format!("{table}.{column} of {row} is not text"))
                })
            }
        }
    }
}

impl Registry {
    /// The encrypted column `column` of `row`, read by its name and
    /// decrypted ([`Registry::open_field`]); `key` is the row's natural key.
    pub(crate) fn open_column(
        &self,
        table: &str,
        column: &str,
        key: &str,
        row: &sqlx::any::AnyRow,
    ) -> Result<Option<String>> {
        self.open_field(table, column, key, row.try_get(column)?)
    }
}

pub(crate) async fn get_meta(conn: &mut AnyConnection, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<String, _>("value"))
        .transpose()?)
}

pub(crate) async fn set_meta(conn: &mut AnyConnection, key: &str, value: &str) -> Result<()> {
    let updated = sqlx::query("UPDATE meta SET value = $1 WHERE key = $2")
        .bind(value)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Appends an entry to the hash-chained audit log, inside the caller's transaction.
pub(crate) async fn append_audit(
    conn: &mut AnyConnection,
    backend: Backend,
    event: Event<'_>,
) -> Result<()> {
    append_audits(conn, backend, std::slice::from_ref(&event)).await
}

/// Appends `events` to the audit log in order, each chained to the one
/// before: the last entry read once, the entries written by multi-row
/// statements (a bulk import audits every search it ran).
pub(crate) async fn append_audits(
    conn: &mut AnyConnection,
    backend: Backend,
    events: &[Event<'_>],
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    if backend == Backend::Postgres {
        // One appender at a time across processes: the chain is a sequence.
        sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await?;
    }
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (mut seq, mut prev) = match last {
        Some(r) => (
            r.try_get::<i64, _>("seq")? + 1,
            r.try_get::<String, _>("hash")?,
        ),
        None => (1, GENESIS.to_string()),
    };
    let at = audit::now_rfc3339();
    // (seq, prev hash, hash) of each event.
    let mut chain = Vec::with_capacity(events.len());
    for event in events {
        let hash = audit::entry_hash(
            &prev,
            seq,
            &at,
            event.actor,
            event.action,
            event.target_type,
            event.target_id,
            &event.detail,
        );
        chain.push((seq, prev, hash.clone()));
        seq += 1;
        prev = hash;
    }
    insert_rows(
        conn,
        "INSERT INTO audit_log (seq, at, actor, action, target_type, target_id, detail, prev_hash, hash) VALUES",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events.len(),
        |q, i| {
            let (e, (seq, prev, hash)) = (&events[i], &chain[i]);
            q.bind(*seq)
                .bind(at.clone())
                .bind(e.actor.to_string())
                .bind(e.action.to_string())
                .bind(e.target_type.to_string())
                .bind(e.target_id.to_string())
                .bind(e.detail.clone())
                .bind(prev.clone())
                .bind(hash.clone())
        },
    )
    .await
}

/// The columns of an audit entry, in the order `audit_entry` reads them.
/// Every audit entry, in order.
pub(crate) async fn audit_entries(conn: &mut AnyConnection) -> Result<Vec<AuditEntry>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, target_type, target_id, detail, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(audit_entry).collect()
}

/// An audit entry from a row of `seq, at, actor, action, target_type, target_id, detail, prev_hash, hash`.
pub(crate) fn audit_entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target_type: r.try_get("target_type")?,
        target_id: r.try_get("target_id")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// Seconds since 1970-01-01 UTC (sessions' and retention's times).
pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Ids per `IN (...)` list.
const IN_LIST: usize = 500;

/// The rows of `sql` for every one of `values`: `sql` is given the
/// placeholders `$1, ..., $n` of an `IN (...)` list of at most [`IN_LIST`]
/// values, each bound, never formatted in.
pub(crate) async fn rows_in<'a, T>(
    conn: &mut AnyConnection,
    values: &'a [T],
    sql: impl Fn(&str) -> String,
) -> Result<Vec<sqlx::any::AnyRow>>
where
    T: sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any> + Sync + 'a,
{
    let mut rows = Vec::new();
    each_row_in(conn, values, sql, |r| {
        rows.push(r);
        Ok(())
    })
    .await?;
    Ok(rows)
}

/// [`rows_in`], each row handed to `each` as its list's rows arrive, so
/// that no more than one list's rows are held (a bulk import reads the
/// sealed profiles of a million references).
pub(crate) async fn each_row_in<'a, T>(
    conn: &mut AnyConnection,
    values: &'a [T],
    sql: impl Fn(&str) -> String,
    mut each: impl FnMut(sqlx::any::AnyRow) -> Result<()>,
) -> Result<()>
where
    T: sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any> + Sync + 'a,
{
    for query in queries_in(values, sql) {
        for r in query.fetch_all(&mut *conn).await? {
            each(r)?;
        }
    }
    Ok(())
}

/// Executes `sql` for every one of `values`, as [`rows_in`] reads.
pub(crate) async fn execute_in<'a, T>(
    conn: &mut AnyConnection,
    values: &'a [T],
    sql: impl Fn(&str) -> String,
) -> Result<()>
where
    T: sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any> + Sync + 'a,
{
    for query in queries_in(values, sql) {
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// `sql` for each list of at most [`IN_LIST`] of `values`, bound.
fn queries_in<'a, T>(
    values: &'a [T],
    sql: impl Fn(&str) -> String,
) -> impl Iterator<Item = AnyQuery<'a>>
where
    T: sqlx::Encode<'a, sqlx::Any> + sqlx::Type<sqlx::Any> + Sync + 'a,
{
    values.chunks(IN_LIST).map(move |chunk| {
        let mut query = sqlx::query(AssertSqlSafe(sql(&placeholders(chunk.len()))));
        for v in chunk {
            query = query.bind(v);
        }
        query
    })
}

/// `$1, $2, ..., $n`.
fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A statement with its values bound.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Parameters of one statement at most (below SQLite's 32,766 and
/// PostgreSQL's 65,535). Binding costs time linear in a statement's
/// parameters per parameter on SQLite (sqlx binds each by its name, and
/// `sqlite3_bind_parameter_name` scans the statement's list of names), so
/// a statement of n parameters costs n²: at 8,000 that was half the CPU of a
/// bulk import (perf: `sqlite3_bind_parameter_name`, `strncmp`); 400
/// keeps it small beside the statement's own work (a 30,000-family demo:
/// 17.0 s at 8,000, 14.5 s at 1,000, 12.9 s at 400). PostgreSQL binds by
/// position and takes 8,000 (fewer round trips).
const PARAMS_MAX_SQLITE: usize = 400;
const PARAMS_MAX: usize = 8_000;

/// Inserts `n` rows by statements of many rows each (one hand-over to the
/// database for hundreds of rows, not one per row): `insert` is `INSERT INTO
/// table (columns) VALUES`, `row` one row's values with a `?` for each
/// parameter (an expression may use several), and `bind` binds row `i`'s
/// values in the order of the `?`s.
pub(crate) async fn insert_rows<'q>(
    conn: &mut AnyConnection,
    insert: &str,
    row: &str,
    n: usize,
    mut bind: impl FnMut(AnyQuery<'q>, usize) -> AnyQuery<'q>,
) -> Result<()> {
    let per_row = row.matches('?').count().max(1);
    let params_max = match conn.backend_name() {
        "SQLite" => PARAMS_MAX_SQLITE,
        _ => PARAMS_MAX,
    };
    let rows_per_statement = (params_max / per_row).max(1);
    let mut start = 0;
    while start < n {
        let end = (start + rows_per_statement).min(n);
        let mut sql = String::from(insert);
        let mut p = 0;
        for i in start..end {
            sql.push_str(if i == start { " " } else { ", " });
            for part in row.split_inclusive('?') {
                match part.strip_suffix('?') {
                    Some(text) => {
                        p += 1;
                        sql.push_str(text);
                        sql.push('$');
                        sql.push_str(&p.to_string());
                    }
                    None => sql.push_str(part),
                }
            }
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for i in start..end {
            query = bind(query, i);
        }
        query.execute(&mut *conn).await?;
        start = end;
    }
    Ok(())
}
