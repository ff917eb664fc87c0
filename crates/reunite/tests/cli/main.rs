//! Integration tests of the `reunite` binary: one test binary, one module per command.

mod browser;
mod common;
mod lr;
mod registry;
mod webdriver;
