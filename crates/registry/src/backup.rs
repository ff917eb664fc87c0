//! Backups: writing one (SQLite), restoring one, PostgreSQL dumps, and a
//! digest of the whole content.
//!
//! A restore never trusts the backup: its audit chain is verified from the
//! first entry (before anything is added to it), it is opened with the key
//! (which must be the key in use when the backup was written), and every
//! encrypted field is decrypted, before anything is replaced. Sessions in the backup are dropped (everyone
//! logs in again) and the restore is an audit entry of the restored registry.
//!
//! - SQLite: the backup (a `reunite backup` file) is copied beside the
//!   registry, checked there, then renamed over it; the database it replaces
//!   is kept beside it under `.replaced-<unix time>` until the operator
//!   deletes it. The server must be stopped first.
//! - PostgreSQL: a `pg_dump --format=custom` file is loaded with
//!   `pg_restore` into a new, empty database, then checked.
//!
//! [`Registry::content_digest`] hashes every row of every table but the
//! sessions and the audit log, encrypted fields decrypted: two registries
//! with equal digests hold the same cases, references, found children,
//! profiles, candidates, reviews, accounts and imports.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Connection, Row};

use crate::audit::verify_from_genesis;
use crate::store::{Event, append_audit, audit_entries};
use crate::{Backend, OpenOptions, Registry, RegistryError, Result, redact, sqlite_path};

/// How a column is read for the digest.
#[derive(Clone, Copy)]
enum Col {
    Text(&'static str),
    Int(&'static str),
    Real(&'static str),
    /// Encrypted, bound to the row's natural key: decrypted.
    Sealed(&'static str),
    /// Encrypted bytes (a photo), bound to the row's natural key: decrypted,
    /// hashed with SHA-256.
    SealedBytes(&'static str),
}

use Col::{Int, Real, Sealed, SealedBytes, Text};

/// (table, natural key column, columns) of every table in the digest.
/// Table and column names are constants, never input.
const TABLES: &[(&str, &str, &[Col])] = &[
    ("meta", "key", &[Text("key"), Text("value")]),
    (
        "frequency_dbs",
        "id",
        &[
            Int("id"),
            Text("name"),
            Int("version"),
            Text("population"),
            Text("source_file"),
            Text("sha256"),
            Int("sample_size"),
            Text("content"),
            Int("active"),
            Text("imported_at"),
        ],
    ),
    (
        "haplotype_dbs",
        "id",
        &[
            Int("id"),
            Text("name"),
            Int("version"),
            Text("source_file"),
            Text("sha256"),
            Int("men"),
            Text("loci"),
            Text("content"),
            Text("mixture"),
            Int("active"),
            Text("imported_at"),
        ],
    ),
    (
        "cases",
        "case_id",
        &[
            Int("id"),
            Text("case_id"),
            Text("child_sex"),
            Text("birth_from"),
            Text("birth_to"),
            Text("missing_date"),
            Real("missing_lat"),
            Real("missing_lon"),
            Sealed("child_name"),
            Sealed("missing_place"),
            Sealed("description"),
            Sealed("contact"),
            Text("status"),
            Int("public_alert"),
            Text("created_at"),
        ],
    ),
    (
        "found_children",
        "found_id",
        &[
            Int("id"),
            Text("found_id"),
            Text("sample_name"),
            Text("sex"),
            Int("age_min_days"),
            Int("age_max_days"),
            Text("found_date"),
            Real("found_lat"),
            Real("found_lon"),
            Text("institution"),
            Sealed("found_place"),
            Sealed("description"),
            Text("status"),
            Text("created_at"),
        ],
    ),
    (
        "case_references",
        "sample_name",
        &[
            Int("id"),
            Text("sample_name"),
            Int("case_ref"),
            Text("relationship"),
            Text("sex"),
            Sealed("person_name"),
            Text("created_at"),
        ],
    ),
    (
        "profiles",
        "sample_name",
        &[
            Int("id"),
            Text("sample_name"),
            Text("lab"),
            Text("kit"),
            Text("typed_at"),
            Text("source_file"),
            Sealed("genotypes"),
            Text("created_at"),
        ],
    ),
    (
        "candidates",
        "id",
        &[
            Int("id"),
            Int("found_ref"),
            Int("case_ref"),
            Real("lr"),
            Real("log10_lr"),
            Int("markers_compared"),
            Text("inconsistent"),
            Text("per_marker"),
            Text("shape"),
            Text("model"),
            Int("frequency_db"),
            Text("added_alleles"),
            Text("computed_at"),
            Text("status"),
            Int("version"),
        ],
    ),
    (
        "candidate_events",
        "id",
        &[
            Int("id"),
            Int("candidate_ref"),
            Text("from_status"),
            Text("to_status"),
            Text("actor"),
            Text("reason"),
            Text("at"),
        ],
    ),
    (
        "imports",
        "id",
        &[
            Int("id"),
            Text("kind"),
            Text("file_name"),
            Text("sha256"),
            Int("rows_added"),
            Text("actor"),
            Text("imported_at"),
        ],
    ),
    (
        "users",
        "username",
        &[
            Int("id"),
            Text("username"),
            Text("role"),
            Text("password_hash"),
            Int("case_ref"),
            Int("active"),
            Text("created_at"),
        ],
    ),
    (
        "retention",
        "id",
        &[
            Int("id"),
            Int("case_ref"),
            Int("delete_after"),
            Text("done_at"),
        ],
    ),
    (
        "same_dna",
        "id",
        &[
            Int("id"),
            Text("kind"),
            Text("sample_a"),
            Text("sample_b"),
            Int("shared"),
            Text("differing"),
            Text("flagged_at"),
        ],
    ),
    (
        "pfif_records",
        "person_record_id",
        &[
            Int("id"),
            Int("case_ref"),
            Text("person_record_id"),
            Text("source_name"),
            Text("source_url"),
            Text("source_date"),
            Text("entry_date"),
        ],
    ),
    (
        "photos",
        "photo_id",
        &[
            Int("id"),
            Text("photo_id"),
            Text("owner_kind"),
            Int("owner"),
            SealedBytes("image"),
            Int("width"),
            Int("height"),
            Int("bytes"),
            Text("added_by"),
            Text("added_at"),
        ],
    ),
    (
        "y_haplotypes",
        "sample_name",
        &[
            Int("id"),
            Text("sample_name"),
            Sealed("haplotype"),
            Int("loci"),
            Text("source_file"),
            Text("created_at"),
        ],
    ),
    (
        "lineage_leads",
        "id",
        &[
            Int("id"),
            Int("found_ref"),
            Int("case_ref"),
            Int("reference_ref"),
            Text("relationship"),
            Int("meioses"),
            Int("compared"),
            Text("differing"),
            Real("lr"),
            Real("log10_lr"),
            Real("match_probability"),
            Text("method"),
            Int("haplotype_db"),
            Text("status"),
            Text("computed_at"),
        ],
    ),
    (
        "clan_volunteers",
        "sample_name",
        &[
            Int("id"),
            Text("sample_name"),
            Sealed("surname"),
            Sealed("ancestral_place"),
            Sealed("person_name"),
            Text("consent_date"),
            Text("keep_until"),
            Text("created_at"),
        ],
    ),
    (
        "volunteer_cases",
        "id",
        &[Int("id"), Int("volunteer_ref"), Int("case_ref")],
    ),
    (
        "volunteer_leads",
        "id",
        &[
            Int("id"),
            Int("found_ref"),
            Int("volunteer_ref"),
            Int("compared"),
            Text("differing"),
            Text("lrs"),
            Int("likeliest_meioses"),
            Real("lr"),
            Real("log10_lr"),
            Real("match_probability"),
            Text("method"),
            Int("haplotype_db"),
            Text("status"),
            Text("computed_at"),
        ],
    ),
];

/// The rows and the SHA-256 of one table's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableDigest {
    pub table: &'static str,
    pub rows: usize,
    pub sha256: String,
}

/// Every table's digest (no personal data: counts and hashes only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentDigest {
    pub tables: Vec<TableDigest>,
}

impl ContentDigest {
    /// The rows of a table.
    pub fn rows(&self, table: &str) -> usize {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .map_or(0, |t| t.rows)
    }
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// The registry restored (a file, or a URL without its password).
    pub database: String,
    /// Audit entries of the backup, every hash and link verified.
    pub audit_entries: usize,
    /// The restored content (every encrypted field was decrypted to make it).
    pub content: ContentDigest,
    /// Sessions of the backup, dropped.
    pub sessions_dropped: u64,
    /// SQLite: where the database that was replaced now is.
    pub replaced: Option<PathBuf>,
}

fn invalid(message: String) -> RegistryError {
    RegistryError::Invalid(message)
}

/// A file name with a suffix appended (`x.db` -> `x.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// A libpq connection URL without its password, and the password (given to
/// the tools in `PGPASSWORD`, so it is not on their command line).
fn libpq(url: &str) -> (String, Option<String>) {
    if let (Some(s), Some(at)) = (url.find("://"), url.find('@'))
        && at > s
    {
        let creds = &url[s + 3..at];
        if let Some(c) = creds.find(':') {
            return (
                format!("{}{}{}", &url[..s + 3], &creds[..c], &url[at..]),
                Some(creds[c + 1..].to_string()),
            );
        }
    }
    (url.to_string(), None)
}

/// Runs a PostgreSQL client tool off the async runtime; its stderr on failure.
async fn run_tool(tool: &'static str, args: Vec<String>, password: Option<String>) -> Result<()> {
    let out = tokio::task::spawn_blocking(move || {
        let mut c = Command::new(tool);
        c.args(&args);
        if let Some(p) = password {
            c.env("PGPASSWORD", p);
        }
        c.output()
    })
    .await
    .map_err(|e| invalid(format!("{tool} did not finish: {e}")))?
    .map_err(|e| {
        invalid(format!(
            "cannot run {tool} ({e}); install the PostgreSQL client tools of the server's version"
        ))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(invalid(format!(
            "{tool} failed ({}): {}",
            out.status,
            err.trim().chars().take(2000).collect::<String>()
        )));
    }
    Ok(())
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| invalid(format!("{}: cannot read: {e}", path.display())))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

impl Registry {
    /// Writes a consistent copy of a SQLite registry to `dest` (`VACUUM INTO`).
    /// For PostgreSQL use `pg_dump` (see README).
    pub async fn backup(&self, actor: &str, dest: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(RegistryError::Invalid(
                "backup of a PostgreSQL registry: use pg_dump --format=custom (see README); keep the key file apart".into(),
            ));
        }
        if dest.exists() {
            return Err(RegistryError::Invalid(format!(
                "{} exists; a backup never overwrites",
                dest.display()
            )));
        }
        let dest_text = dest
            .to_str()
            .ok_or_else(|| RegistryError::Invalid("backup path is not UTF-8".into()))?;
        if dest_text.contains('\'') {
            return Err(RegistryError::Invalid(
                "backup path must not contain a quote".into(),
            ));
        }
        let event = Event {
            actor,
            action: "backup",
            target_type: "database",
            target_id: "*",
            detail: "VACUUM INTO".into(),
        };
        self.audited(async |_| Ok(((), event))).await?;
        // The path is checked above for quotes.
        sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{dest_text}'")))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Hashes every row of every table but the sessions and the audit log,
    /// encrypted fields decrypted (so it also proves the key opens them all).
    /// A bulk decryption: audited.
    pub async fn content_digest(&self, actor: &str) -> Result<ContentDigest> {
        let mut tables = Vec::new();
        let mut profiles = 0;
        {
            let mut tx = self.pool.begin().await?;
            for (table, key, cols) in TABLES {
                let names: Vec<&str> = cols
                    .iter()
                    .map(|c| match c {
                        Text(n) | Int(n) | Real(n) | Sealed(n) | SealedBytes(n) => *n,
                    })
                    .collect();
                let key_at = names
                    .iter()
                    .position(|n| n == key)
                    .expect("the natural key is a column");
                let rows = sqlx::query(AssertSqlSafe(format!(
                    "SELECT {} FROM {table} ORDER BY {key}",
                    names.join(", ")
                )))
                .fetch_all(&mut *tx)
                .await?;
                let mut h = Sha256::new();
                for r in &rows {
                    let natural = match cols[key_at] {
                        Int(_) => r.try_get::<i64, _>(key_at)?.to_string(),
                        _ => r.try_get::<String, _>(key_at)?,
                    };
                    let mut values = Vec::with_capacity(cols.len());
                    for (i, c) in cols.iter().enumerate() {
                        values.push(match c {
                            Text(_) => serde_json::json!(r.try_get::<Option<String>, _>(i)?),
                            Int(_) => serde_json::json!(r.try_get::<Option<i64>, _>(i)?),
                            Real(_) => serde_json::json!(r.try_get::<Option<f64>, _>(i)?),
                            Sealed(col) => serde_json::json!(self.open_field(
                                table,
                                col,
                                &natural,
                                r.try_get(i)?
                            )?),
                            SealedBytes(col) => {
                                let blob: Vec<u8> = r.try_get(i)?;
                                let plain = crate::crypto::decrypt(
                                    &self.key,
                                    &crate::crypto::aad(table, col, &natural),
                                    &blob,
                                )?;
                                serde_json::json!(hex::encode(Sha256::digest(&plain)))
                            }
                        });
                    }
                    h.update(serde_json::Value::from(values).to_string().as_bytes());
                    h.update(b"\n");
                }
                if *table == "profiles" {
                    profiles = rows.len();
                }
                tables.push(TableDigest {
                    table,
                    rows: rows.len(),
                    sha256: hex::encode(h.finalize()),
                });
            }
            tx.commit().await?;
        }
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        self.audit_bulk_read(
            &mut tx,
            actor,
            format!("{profiles} profiles decrypted to check the content"),
        )
        .await?;
        tx.commit().await?;
        Ok(ContentDigest { tables })
    }

    /// Writes a PostgreSQL registry to `dest` with `pg_dump --format=custom`
    /// (the key file is not in it). The backup is an audit entry, in the dump.
    pub async fn dump_postgres(&self, actor: &str, dest: &Path) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Err(invalid(
                "pg_dump backs up PostgreSQL registries; `reunite backup` copies a SQLite one"
                    .into(),
            ));
        }
        if dest.exists() {
            return Err(invalid(format!(
                "{} exists; a backup never overwrites",
                dest.display()
            )));
        }
        {
            let _guard = self.write.lock().await;
            let mut tx = self.begin_write().await?;
            append_audit(
                &mut tx,
                self.backend,
                Event {
                    actor,
                    action: "backup",
                    target_type: "database",
                    target_id: "*",
                    detail: "pg_dump --format=custom".into(),
                },
            )
            .await?;
            tx.commit().await?;
        }
        let (url, password) = libpq(&self.url);
        let args = vec![
            "--format=custom".to_string(),
            "--no-owner".into(),
            "--no-privileges".into(),
            format!("--file={}", dest.display()),
            format!("--dbname={url}"),
        ];
        if let Err(e) = run_tool("pg_dump", args, password).await {
            let _ = std::fs::remove_file(dest);
            return Err(e);
        }
        Ok(())
    }

    /// Deletes the sessions and records the restore (inside the restored registry).
    async fn finish_restore(&self, actor: &str, from: &Path, entries: usize) -> Result<u64> {
        let sha = sha256_file(from)?;
        let _guard = self.write.lock().await;
        let mut tx = self.begin_write().await?;
        let sessions = sqlx::query("DELETE FROM sessions")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        append_audit(
            &mut tx,
            self.backend,
            Event {
                actor,
                action: "restore",
                target_type: "database",
                target_id: "*",
                detail: format!(
                    "from a backup of sha256 {sha} with {entries} audit entries, verified; {sessions} sessions dropped"
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(sessions)
    }

    /// Checks a restored copy: its audit chain from the first entry, read
    /// before anything is added to it, then (opened with the key) every
    /// encrypted field decrypted. `connect` is the copy's URL.
    async fn check_restored(
        options: OpenOptions,
        connect: &str,
        from: &Path,
    ) -> Result<(Registry, usize, ContentDigest, u64)> {
        let actor = options.actor.clone();
        let entries = {
            let mut conn = sqlx::AnyConnection::connect(connect).await.map_err(|e| {
                invalid(format!("the backup {} cannot be read: {e}", from.display()))
            })?;
            let read = audit_entries(&mut conn).await;
            conn.close().await?;
            let read = read.map_err(|e| {
                invalid(format!(
                    "the backup {} holds no readable audit log: {e}",
                    from.display()
                ))
            })?;
            verify_from_genesis(&read).map_err(|e| {
                RegistryError::Audit(format!("{e} (in the backup {})", from.display()))
            })?
        };
        let (r, _) = Registry::open(options).await.map_err(|e| {
            invalid(format!(
                "the backup {} cannot be opened: {e}",
                from.display()
            ))
        })?;
        let content = match r.content_digest(&actor).await {
            Ok(c) => c,
            Err(e) => {
                r.close().await;
                return Err(e);
            }
        };
        let sessions = r.finish_restore(&actor, from, entries).await?;
        Ok((r, entries, content, sessions))
    }

    /// Restores a backup into the registry `options` names (see the module
    /// doc). The key file must exist: a backup opens only with the key that
    /// was in use when it was written.
    pub async fn restore(options: OpenOptions, from: &Path) -> Result<RestoreReport> {
        sqlx::any::install_default_drivers();
        if !from.is_file() {
            return Err(invalid(format!("{}: no such backup file", from.display())));
        }
        let url = options.database_url.clone().unwrap_or_else(|| {
            format!("sqlite://{}", options.data_dir.join("reunite.db").display())
        });
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Registry::restore_postgres(options, &url, from).await;
        }
        let target = sqlite_path(&url)
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or_else(|| {
                invalid(
                    "restore into sqlite:///path/to/file.db or postgres://user@host:port/db".into(),
                )
            })?;
        let key = options
            .key_file
            .clone()
            .unwrap_or_else(|| target.with_extension("key"));
        if !key.exists() {
            return Err(invalid(format!(
                "the key file {} does not exist: a backup opens only with the key in use when it was written",
                key.display()
            )));
        }
        let mut header = [0u8; 16];
        let is_sqlite = std::fs::File::open(from)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
            .is_ok()
            && &header == b"SQLite format 3\0";
        if !is_sqlite {
            return Err(invalid(format!(
                "{} is not a SQLite database (a `reunite backup` file)",
                from.display()
            )));
        }
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| invalid(format!("cannot create {}: {e}", dir.display())))?;
        }
        let tmp = with_suffix(&target, ".restoring");
        let remove_tmp = || {
            for s in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(with_suffix(&tmp, s));
            }
        };
        remove_tmp();
        std::fs::copy(from, &tmp)
            .map_err(|e| invalid(format!("cannot copy the backup to {}: {e}", tmp.display())))?;
        let checked = Registry::check_restored(
            OpenOptions {
                database_url: Some(format!("sqlite://{}", tmp.display())),
                key_file: Some(key),
                ..options
            },
            &format!("sqlite://{}?mode=rw", tmp.display()),
            from,
        )
        .await;
        let (r, audit_entries, content, sessions_dropped) = match checked {
            Ok(x) => x,
            Err(e) => {
                remove_tmp();
                return Err(invalid(format!("{e}; nothing was restored")));
            }
        };
        let cleared = r.checkpoint_truncate().await;
        r.close().await;
        if let Err(e) = cleared {
            remove_tmp();
            return Err(e);
        }
        // The checked copy takes the registry's place; the old one (with its
        // write-ahead log) is kept beside it.
        let replaced = if target.exists() {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let old = with_suffix(&target, &format!(".replaced-{stamp}"));
            for s in ["", "-wal", "-shm"] {
                let from_file = with_suffix(&target, s);
                if from_file.exists() {
                    std::fs::rename(&from_file, with_suffix(&old, s)).map_err(|e| {
                        invalid(format!("cannot move {} aside: {e}", from_file.display()))
                    })?;
                }
            }
            Some(old)
        } else {
            None
        };
        let _ = std::fs::remove_file(with_suffix(&tmp, "-shm"));
        if with_suffix(&tmp, "-wal").exists() {
            std::fs::rename(with_suffix(&tmp, "-wal"), with_suffix(&target, "-wal"))
                .map_err(|e| invalid(format!("cannot move the restored log: {e}")))?;
        }
        std::fs::rename(&tmp, &target).map_err(|e| {
            invalid(format!(
                "cannot move the restored registry to {}: {e}",
                target.display()
            ))
        })?;
        Ok(RestoreReport {
            database: target.display().to_string(),
            audit_entries,
            content,
            sessions_dropped,
            replaced,
        })
    }

    async fn restore_postgres(
        options: OpenOptions,
        url: &str,
        from: &Path,
    ) -> Result<RestoreReport> {
        let key = options.key_file.clone().ok_or_else(|| {
            invalid(
                "a PostgreSQL registry needs its key: give --key-file or REUNITE_KEY_FILE".into(),
            )
        })?;
        if !key.exists() {
            return Err(invalid(format!(
                "the key file {} does not exist: a backup opens only with the key in use when it was written",
                key.display()
            )));
        }
        let mut conn = sqlx::AnyConnection::connect(url).await?;
        let tables: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_one(&mut conn)
        .await?
        .try_get("n")?;
        conn.close().await?;
        if tables > 0 {
            return Err(invalid(format!(
                "the database {} is not empty ({tables} tables): restore into a new, empty database (createdb NAME) and point --database-url at it",
                redact(url)
            )));
        }
        let (plain, password) = libpq(url);
        run_tool(
            "pg_restore",
            vec![
                "--no-owner".into(),
                "--no-privileges".into(),
                "--exit-on-error".into(),
                "--single-transaction".into(),
                format!("--dbname={plain}"),
                from.display().to_string(),
            ],
            password,
        )
        .await?;
        let (r, audit_entries, content, sessions_dropped) = Registry::check_restored(
            OpenOptions {
                database_url: Some(url.to_string()),
                key_file: Some(key),
                ..options
            },
            url,
            from,
        )
        .await
        .map_err(|e| {
            invalid(format!(
                "{e}; the dump was loaded into {}: drop that database, it must not be used",
                redact(url)
            ))
        })?;
        r.close().await;
        Ok(RestoreReport {
            database: redact(url),
            audit_entries,
            content,
            sessions_dropped,
            replaced: None,
        })
    }
}
