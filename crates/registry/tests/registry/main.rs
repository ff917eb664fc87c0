//! The registry's test suite. Every test runs twice: on SQLite in a temporary
//! file, and on the PostgreSQL at 127.0.0.1:5432 in a database of its own
//! (created for the test and dropped after it). The PostgreSQL variants are
//! `#[ignore]`d with the reason, so a plain `cargo test` reports them as
//! ignored, never as passed; `--include-ignored` (as `.ci/run` does) runs
//! them, and then a PostgreSQL that cannot be reached fails them.

mod cmf;
mod common;
mod concurrency;
mod coordinates;
mod edit;
mod erasure;
mod find;
mod fuzz;
mod haplotypes;
mod hostile;
mod imports;
mod in_step;
mod index_check;
mod lead_pages;
mod lineage;
mod pages;
mod pfif;
mod photos;
mod posterior;
mod restore;
mod safety;
mod same_dna;
mod snapshot;
mod volunteers;
mod y_haplotypes;

/// Declares an async test body run on both databases.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite().await;
                super::$name(&db).await;
                db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL at 127.0.0.1:5432; run with --include-ignored, as .ci/run does"]
            async fn postgres() {
                let db = $crate::common::TestDb::postgres().await;
                super::$name(&db).await;
                db.finish().await;
            }
        }
    };
}
