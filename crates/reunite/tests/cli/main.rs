//! Integration tests of the `reunite` binary: one test binary, one module per command.

mod browser;
mod common;
mod demo;
mod lr;
mod registry;
mod webdriver;
