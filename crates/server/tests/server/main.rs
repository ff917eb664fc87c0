//! The server's integration tests: one binary, a fresh registry and a random port per test.

mod common;
mod flows;
mod login;
mod roles;
