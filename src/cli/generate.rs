//! `harx gen`: a deterministic generator of realistic HAR files for benchmarks.

use super::ExitStatus;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `harx gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Output file.
    #[arg(short, long)]
    pub output: PathBuf,
}

/// Runs `harx gen`.
///
/// # Errors
/// When the output cannot be written.
pub fn run(_args: &GenArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("not yet")
}
