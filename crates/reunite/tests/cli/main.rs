//! Integration tests of the `reunite` binary: one test binary, one module per command.

mod bench_lineage;
mod bench_registry;
mod browser;
mod common;
mod crash;
mod demo;
mod fam;
mod key;
mod load;
mod logs;
mod lr;
mod registry;
mod restore;
mod webdriver;
mod ystr;
