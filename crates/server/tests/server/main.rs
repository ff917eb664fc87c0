//! The server's integration tests: one binary, a fresh registry and a random port per test.

mod cmf;
mod common;
mod errors;
mod flows;
mod fuzz;
mod i18n;
mod leads;
mod login;
mod pages;
mod paging;
mod pfif;
mod photos;
mod register;
mod report;
mod review;
mod roles;
mod same_dna;
mod search;
mod security;
