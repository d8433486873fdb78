//! Integration tests, one binary (see Cargo.toml `[[test]]`).

mod cli;
mod sanitize;
mod snapshots;
mod split;
