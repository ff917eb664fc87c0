//! Databases kept by name and version, one of them active: allele
//! frequency databases (`frequency_dbs`) and population haplotype
//! databases (`haplotype_dbs`). An import of a name stores its next
//! version unless the latest one holds the same content (by SHA-256), and
//! the version imported becomes the active one when asked or when none is.

use sqlx::{AnyConnection, Row};

use crate::Result;

/// A table of versioned databases (its name is a constant, never input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Versioned {
    Frequencies,
    Haplotypes,
}

impl Versioned {
    fn table(self) -> &'static str {
        match self {
            Versioned::Frequencies => "frequency_dbs",
            Versioned::Haplotypes => "haplotype_dbs",
        }
    }
}

/// What a name holds before an import: its latest version and whether any
/// database of the table is active.
pub(super) struct Versions {
    table: Versioned,
    /// (id, version, sha256) of the name's latest version.
    latest: Option<(i64, i64, String)>,
    any_active: bool,
}

impl Versions {
    /// Reads them in the import's transaction.
    pub(super) async fn read(
        tx: &mut AnyConnection,
        table: Versioned,
        name: &str,
    ) -> Result<Versions> {
        let t = table.table();
        let latest = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, version, sha256 FROM {t} WHERE name = $1 ORDER BY version DESC LIMIT 1"
        )))
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| -> Result<_> {
            Ok((
                r.try_get("id")?,
                r.try_get("version")?,
                r.try_get("sha256")?,
            ))
        })
        .transpose()?;
        let any_active: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {t} WHERE active = 1"
        )))
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        Ok(Versions {
            table,
            latest,
            any_active: any_active > 0,
        })
    }

    /// (id, version) of the latest version when it holds content `sha`.
    pub(super) fn same(&self, sha: &str) -> Option<(i64, i64)> {
        self.latest
            .as_ref()
            .filter(|l| l.2 == sha)
            .map(|l| (l.0, l.1))
    }

    /// The number of the version an import stores.
    pub(super) fn next(&self) -> i64 {
        self.latest.as_ref().map_or(0, |l| l.1) + 1
    }

    /// Whether the version imported becomes the active one.
    pub(super) fn activates(&self, activate: bool) -> bool {
        activate || !self.any_active
    }

    /// Makes database `id` the table's only active one.
    pub(super) async fn make_active(&self, tx: &mut AnyConnection, id: i64) -> Result<()> {
        let t = self.table.table();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {t} SET active = 0 WHERE active = 1"
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {t} SET active = 1 WHERE id = $1"
        )))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
