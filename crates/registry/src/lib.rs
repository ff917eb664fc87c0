//! The case registry: missing-child cases, their references, found children,
//! profiles, frequency databases, candidates and the audit log, kept in
//! SQLite (the default, a file in the data directory) or PostgreSQL, with one
//! code path for both.
//!
//! - Personal and genetic fields are encrypted at rest (`crypto`), each bound
//!   to its table, column and row.
//! - Every change, every read of a genotype and every search is an entry of a
//!   hash-chained audit log (`audit`).
//! - Every import is one transaction: a bad row and nothing of the file is stored.
//! - The search index is built when first needed, from the index snapshot
//!   (`index_snapshot`) and the rows changed since, and then kept in step
//!   with every import (only what the import changed is read and decrypted);
//!   every new profile is searched against the other side and candidates
//!   are stored.
//!
//! The [`Registry`]'s methods, by concern (each file one `impl Registry`):
//!
//! | concern | methods | file |
//! |---|---|---|
//! | open, settings, close | `open`, `settings`, `backend`, `close` | `lib.rs` |
//! | imports, one file per kind | `import_cases[_from]`, `import_references[_from]`, `import_found[_from]`, `import_profiles[_from]`, `import_frequencies`, `import_cmf`, `import_pfif` | `import/`, `pfif.rs` |
//! | the search index | `load_search_index`, `catch_up_index`, `check_index` | `matching.rs`, `index_check.rs` |
//! | lists a page at a time | `candidate_summaries`, `candidate_page`, `case_list_page`, `found_list_page`, `public_alert_page`, `each_candidate`, counts | `pages.rs` |
//! | what a page shows | `candidate_detail`, `case_page`, `found_page`, `family_status`, `child_scores`, `audit_tail` | `page_data.rs` |
//! | the review | `review`, `review_at` ([`ReviewState`], [`ReviewAction`], [`allowed_actions`]) | `review.rs` |
//! | accounts and sessions | `create_user`, `create_session`, `session_user`, `record_failed_login`, `delete_session` | `accounts.rs` |
//! | alerts, PFIF | `set_public_alert`, `export_pfif`, `set_pfif_domain` | `alerts.rs`, `pfif.rs` |
//! | retention, erasure | `run_retention`, `delete_case` | `retention.rs`, `delete.rs` |
//! | backups, keys, audit | `backup`, `restore`, `content_digest`, `rotate_key`, `verify_audit`, `counts` | `backup.rs`, `key_rotation.rs`, `queries.rs` |
//! | a candidate as a kinship case | `candidate_kinship_case` | `candidate_case.rs` |

pub mod accounts;
pub mod alerts;
pub mod audit;
mod backup;
mod candidate_case;
mod changes;
pub mod crypto;
mod delete;
mod edit;
pub mod facts;
mod find;
mod import;
mod import_kind;
pub mod index_check;
pub mod index_snapshot;
mod key_rotation;
mod leads;
mod lineage;
mod lineage_state;
mod matching;
pub mod page_data;
pub mod pages;
pub mod pfif;
pub mod photos;
mod queries;
mod retention;
pub mod review;
pub mod same_dna;
pub mod schema;
mod sealed_parts;
mod search_terms;
mod store;
mod stored;
mod volunteers;
mod y_haplotypes;

use std::path::{Path, PathBuf};

use kinship::MutationModel;
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tokio::sync::{Mutex, RwLock};

pub use accounts::{Role, SessionUser, UserRecord};
pub use backup::{ContentDigest, RestoreReport, TableDigest};
pub use candidate_case::CandidateCase;
pub use delete::CaseDeletion;
pub use edit::EditReport;
pub use facts::Category;
pub use find::{CaseHit, FoundHit, SearchQuery, SearchResults};
pub use import::{HaplotypeDb, IMPORT_CHUNK, ImportReport, ImportStage, OpenFile, StoredMixture};
pub use import_kind::ImportKind;
pub use lineage::{LeadKind, LeadStatus, LineageLead, VOLUNTEER_MEIOSES_MAX, paternal_meioses};
pub use matching::{MatchState, SEARCH_MODEL};
pub use page_data::{CandidateDetail, CandidateSummary, FamilyStatus};
pub use pages::{ListEntry, MAX_PAGE, Page};
pub use pfif::PfifExport;
pub use queries::{CandidateFilter, CandidateRow};
pub use retention::RetentionReport;
pub use review::{ReviewAction, ReviewState, allowed_actions};
pub use same_dna::{SameDnaKind, SameDnaPair, SameDnaSide};
pub use schema::Backend;
pub use volunteers::VolunteerLead;

use crate::crypto::Key;

/// Why the registry refuses or fails.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
    #[error(transparent)]
    Format(#[from] formats::FormatError),
    /// Input the registry refuses: it breaks a rule (a malformed value, a
    /// missing reason, a file that is not what it says). The message says
    /// which rule; nothing was stored.
    #[error("{0}")]
    Invalid(String),
    /// What the request names does not exist (a case, a candidate, a found
    /// child).
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    /// A step the current state does not allow (a candidate already
    /// confirmed, a user name taken, no frequency database yet); the message
    /// says what stands in the way; nothing was done.
    #[error("{0}")]
    Conflict(String),
    /// The registry's own stored data or files cannot be read back or
    /// written: a failure of the registry, never the caller's input.
    #[error("{0}")]
    Damaged(String),
    #[error("search index: {0}")]
    Search(#[from] search::SearchError),
    #[error("the audit chain is broken: {0}")]
    Audit(String),
    /// A decision made on a version of a candidate that is no longer the
    /// current one: someone else changed it since.
    #[error(
        "someone else changed this candidate since you looked at it (it is now {}, version {current}; you decided on version {given}): nothing was done",
        .status.name()
    )]
    Stale {
        given: i64,
        current: i64,
        status: ReviewState,
    },
}

impl RegistryError {
    /// `no {what} {id}`: what a request names is not in the registry.
    pub fn not_found(what: &'static str, id: impl std::fmt::Display) -> RegistryError {
        RegistryError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, RegistryError>;

/// How candidates are found and kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// A pair becomes a candidate at this LR or above.
    pub min_lr: f64,
    /// At most this many candidates per found child (and per case) from one search.
    pub top_k: usize,
    /// Pairs sharing fewer typed markers are not scored.
    pub min_shared_markers: usize,
    /// The mutation model of every marker.
    pub mutation: MutationModel,
    /// Days after a reunion before the references' genotypes are deleted.
    pub retention_days: i64,
    /// Up to this many indexed cases the posterior scores every case and is
    /// exact; beyond, cases below `facts::POSTERIOR_FLOOR_LR` are left out
    /// of its denominator (at most 0.1% off).
    pub posterior_exact_cases: usize,
    /// The index snapshot is written anew by the process that reads it when
    /// more profiles than this were read from the rows changed since it was
    /// written (`index_snapshot`).
    pub snapshot_refresh_after: usize,
    /// The lineage indexes are built from this many Y haplotype rows read
    /// at a time: what is held beside the indexes while they are built.
    pub y_rows_per_read: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_lr: 100.0,
            top_k: 10,
            min_shared_markers: 12,
            mutation: MutationModel::DEFAULT_SEARCH,
            retention_days: 30,
            posterior_exact_cases: 20_000,
            snapshot_refresh_after: 1_000,
            y_rows_per_read: 10_000,
        }
    }
}

/// Where the registry lives and who is acting.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// `sqlite:///path/file.db` or `postgres://user@host:port/db`; `None`: a
    /// SQLite file `reunite.db` in `data_dir`.
    pub database_url: Option<String>,
    /// The encryption key file; `None`: `reunite.key` beside a SQLite
    /// database, created on first use (PostgreSQL needs one).
    pub key_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// Who acts, for the audit log (a user name, or `cli:<login>`).
    pub actor: String,
    pub settings: Settings,
}

/// An open registry.
pub struct Registry {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) key: Key,
    pub(crate) key_path: PathBuf,
    pub(crate) settings: Settings,
    pub(crate) actor: String,
    /// One writer at a time in this process (SQLite has one writer anyway).
    pub(crate) write: Mutex<()>,
    pub(crate) state: RwLock<MatchState>,
    /// The found children's searches for the posterior, by index state.
    pub(crate) posterior_cache: std::sync::Mutex<page_data::PosteriorCache>,
    /// The paternal-line search's indexes (`lineage.rs`).
    pub(crate) lineage: Mutex<lineage_state::LineageState>,
    url: String,
}

/// What opening did that the user should know.
#[derive(Debug, Clone, Default)]
pub struct OpenNotes {
    /// A new key file was created here.
    pub created_key: Option<PathBuf>,
    /// The database file, for SQLite.
    pub database_file: Option<PathBuf>,
}

/// The PostgreSQL advisory lock every writing transaction holds ("REUNITE"
/// in ASCII).
const WRITE_LOCK: i64 = 0x52_45_55_4e_49_54_45;

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let rest = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(rest))
}

impl Registry {
    /// Opens (creating if needed) the registry, applies migrations and checks
    /// the key. The search index is built when first needed (or by
    /// [`Registry::load_search_index`]): a command that only lists, backs up
    /// or verifies decrypts no profile.
    pub async fn open(options: OpenOptions) -> Result<(Registry, OpenNotes)> {
        sqlx::any::install_default_drivers();
        let mut notes = OpenNotes::default();
        let url = match &options.database_url {
            Some(u) => u.clone(),
            None => {
                std::fs::create_dir_all(&options.data_dir).map_err(|e| {
                    RegistryError::Invalid(format!(
                        "cannot create data directory {}: {e}",
                        options.data_dir.display()
                    ))
                })?;
                format!("sqlite://{}", options.data_dir.join("reunite.db").display())
            }
        };
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(RegistryError::Invalid(format!(
                "unsupported database URL (expected sqlite:///path/file.db or postgres://user@host:port/db): {}",
                redact(&url)
            )));
        };
        let (connect_url, key_path) = match backend {
            Backend::Sqlite => {
                let path = sqlite_path(&url)
                    .filter(|p| !p.as_os_str().is_empty())
                    .ok_or_else(|| {
                        RegistryError::Invalid(
                            "a SQLite URL needs a file: sqlite:///path/to/file.db".into(),
                        )
                    })?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        RegistryError::Invalid(format!(
                            "cannot create directory {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                notes.database_file = Some(path.clone());
                let key = options
                    .key_file
                    .clone()
                    .unwrap_or_else(|| path.with_extension("key"));
                (format!("sqlite://{}?mode=rwc", path.display()), key)
            }
            Backend::Postgres => {
                let key = options.key_file.clone().ok_or_else(|| {
                    RegistryError::Invalid(
                        "a PostgreSQL registry needs an encryption key: give --key-file or REUNITE_KEY_FILE".into(),
                    )
                })?;
                (url.clone(), key)
            }
        };
        let key = if key_path.exists() {
            crypto::load_key(&key_path)?
        } else if options.key_file.is_some() {
            return Err(RegistryError::Invalid(format!(
                "key file {} does not exist",
                key_path.display()
            )));
        } else {
            let k = crypto::create_key_file(&key_path)?;
            notes.created_key = Some(key_path.clone());
            k
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 60000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = FULL")
                            .execute(&mut *conn)
                            .await?;
                        // Deleted rows (erased cases, retention, re-encrypted
                        // fields) are overwritten, not left in free pages.
                        sqlx::query("PRAGMA secure_delete = ON")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&connect_url)
            .await?;
        let registry = Registry {
            pool,
            backend,
            key,
            key_path,
            settings: options.settings,
            actor: options.actor,
            write: Mutex::new(()),
            state: RwLock::new(MatchState::default()),
            posterior_cache: Default::default(),
            lineage: Default::default(),
            url,
        };
        registry.migrate().await?;
        registry.check_key().await?;
        Ok((registry, notes))
    }

    /// Begins a transaction that will write. On SQLite it takes the
    /// database's write lock at once (`BEGIN IMMEDIATE`), so the busy timeout
    /// applies while another process (a second server, a command-line import)
    /// writes: a deferred transaction that read first and then wrote would
    /// fail at once with "database is locked" when another connection had
    /// written since its read. PostgreSQL's row locks and MVCC need no such
    /// start; there every writing transaction takes one transaction-level
    /// advisory lock instead, so that writers of several servers commit one
    /// after the other, as on SQLite, and the index change sequence is in
    /// commit order (a process that applied entry n never misses an entry
    /// below n committed later).
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The database URL without any password.
    pub fn url(&self) -> String {
        redact(&self.url)
    }

    pub fn key_path(&self) -> &Path {
        &self.key_path
    }

    /// Acts as another actor (the server sets the logged-in user).
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Closes the pool.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// A URL with its password replaced, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
