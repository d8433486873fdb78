//! `harx gen`: a deterministic generator of realistic HAR files for benchmarks and tests.

use super::ExitStatus;
use crate::synth::{Bodies, SynthOptions, generate};
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

/// Bodies to embed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BodiesArg {
    /// None.
    None,
    /// Text (HTML, JS, CSS, JSON).
    Text,
    /// Text plus base64 images and fonts.
    Base64,
}

/// Arguments of `harx gen`.
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Output file (`-` for standard output).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Exact number of entries.
    #[arg(long, conflicts_with = "size_mb")]
    pub entries: Option<usize>,
    /// Approximate size in MB (10^6 bytes).
    #[arg(long)]
    pub size_mb: Option<f64>,
    /// Bodies to embed.
    #[arg(long, value_enum, default_value_t = BodiesArg::Base64)]
    pub bodies: BodiesArg,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Entries per page.
    #[arg(long, default_value_t = 150)]
    pub entries_per_page: usize,
    /// One line of JSON instead of Chrome's two-space indentation.
    #[arg(long)]
    pub compact: bool,
}

/// Runs `harx gen`.
///
/// # Errors
/// When the output cannot be written.
pub fn run(args: &GenArgs) -> anyhow::Result<ExitStatus> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let target_bytes = (args.size_mb.unwrap_or(0.0) * 1e6) as u64;
    let opts = SynthOptions {
        entries: if args.size_mb.is_some() {
            None
        } else {
            Some(args.entries.unwrap_or(100))
        },
        target_bytes,
        bodies: match args.bodies {
            BodiesArg::None => Bodies::None,
            BodiesArg::Text => Bodies::Text,
            BodiesArg::Base64 => Bodies::Base64,
        },
        seed: args.seed,
        entries_per_page: args.entries_per_page,
        pretty: !args.compact,
    };
    let summary = if args.output.as_os_str() == "-" {
        let mut w = BufWriter::new(std::io::stdout().lock());
        let s = generate(&opts, &mut w)?;
        w.flush()?;
        s
    } else {
        let mut out = crate::sink::AtomicFile::create(&args.output)?;
        let s = {
            let mut w = BufWriter::with_capacity(1 << 20, out.file());
            let s = generate(&opts, &mut w)?;
            w.flush()?;
            s
        };
        out.commit().context("writing the generated HAR")?;
        s
    };
    eprintln!(
        "{{\"entries\":{},\"pages\":{},\"bytes\":{}}}",
        summary.entries, summary.pages, summary.bytes
    );
    Ok(ExitStatus::Success)
}
