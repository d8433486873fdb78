//! `harx export`: HAR entries to Parquet, NDJSON or CSV.

use super::ExitStatus;
use crate::engine::{Engine, Observer};
use crate::parse::ParseConfig;
use crate::pipeline::{FileReport, OnError, PipelineConfig};
use crate::sink::Sink;
use crate::sink::parquet::ParquetSink;
use crate::sink::text::{TextFormat, TextSink};
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Apache Parquet (ZSTD), the default.
    Parquet,
    /// Newline-delimited JSON.
    Ndjson,
    /// CSV with a header row; header lists as JSON text.
    Csv,
}

/// What to do with a malformed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnErrorArg {
    /// Report and count it, export the others (exit status 3).
    Skip,
    /// Stop at the first one (exit status 1, no output).
    Fail,
}

/// Arguments of `harx export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// HAR files to read (`-` for standard input).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output file (`-` for standard output with ndjson or csv).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Output format (default: from the output's extension, else parquet).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// What to do with a malformed entry.
    #[arg(long, value_enum, default_value_t = OnErrorArg::Skip)]
    pub on_error: OnErrorArg,
    /// Correlation header to extract as `tracking_id` (repeatable; replaces the default
    /// list: TrackingID, X-Request-Id, X-Correlation-Id, traceparent, X-Amzn-Trace-Id,
    /// X-B3-TraceId, CF-Ray).
    #[arg(long = "tracking-header", value_name = "NAME")]
    pub tracking_headers: Vec<String>,
    /// Keep secret values (cookies, tokens, passwords) in the output. Off by default.
    #[arg(long)]
    pub no_sanitize: bool,
    /// A TOML rules file for the redaction (see `harx sanitize --print-default-rules`);
    /// its SHA-256 is recorded in the output's metadata (`harx.rules_sha256`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_sanitize")]
    pub rules: Option<PathBuf>,
    /// Record each input's SHA-256 in the output's metadata (`harx.source_sha256`).
    /// Costs about 0.7 CPU-seconds per GB, as much as the rest of the export.
    #[arg(long)]
    pub sha256: bool,
    /// Also export request and response bodies (`request_body`, `response_body`,
    /// `response_body_encoding`), redacted by the sanitizer's body rules (form,
    /// multipart, JSON at any depth, base64, HTML, SSE, tokens) unless `--no-sanitize`.
    #[arg(long)]
    pub bodies: bool,
    /// Fiddler archives.
    #[command(flatten)]
    pub saz: super::common::SazArgs,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

fn infer_format(path: &Path) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("ndjson" | "jsonl" | "json") => Format::Ndjson,
        Some("csv") => Format::Csv,
        _ => Format::Parquet,
    }
}

/// Runs `harx export`.
///
/// # Errors
/// Fatal errors (unreadable input, not a HAR, unwritable output).
pub fn run(args: &ExportArgs) -> anyhow::Result<ExitStatus> {
    let format = args.format.unwrap_or_else(|| infer_format(&args.output));
    let rules = match &args.rules {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{}: reading rules", p.display()))?;
            let r = crate::sanitize::rules::Rules::load(Some(&text))
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            Some(std::sync::Arc::new(r))
        }
        None => None,
    };
    let mut parse = ParseConfig {
        bodies: args.bodies,
        sanitize: !args.no_sanitize,
        rules,
        ..ParseConfig::default()
    };
    if !args.tracking_headers.is_empty() {
        parse.tracking_headers = args
            .tracking_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
    }
    let config = PipelineConfig {
        threads: args.threads,
        on_error: match args.on_error {
            OnErrorArg::Skip => OnError::Skip,
            OnErrorArg::Fail => OnError::Fail,
        },
        parse,
        hash: args.sha256,
        saz_password: args.saz.saz_password.clone(),
        ..PipelineConfig::default()
    };
    let inputs: Vec<&std::path::Path> = args.inputs.iter().map(PathBuf::as_path).collect();
    super::common::check_outputs(&inputs, &[args.output.as_path()])?;
    let engine = Engine::new(config).context("starting worker threads")?;
    let mut sink: Box<dyn Sink> = match format {
        Format::Parquet => {
            if args.output.as_os_str() == "-" {
                return Err(super::usage(anyhow::anyhow!(
                    "Parquet cannot be written to standard output; name a file with -o"
                )));
            }
            Box::new(ParquetSink::create(&args.output)?)
        }
        Format::Ndjson => Box::new(TextSink::create(&args.output, TextFormat::Ndjson)?),
        Format::Csv => Box::new(TextSink::create(&args.output, TextFormat::Csv)?),
    };
    let started = Instant::now();
    let mut observer = Progress {
        show: !args.quiet && std::io::stderr().is_terminal(),
        quiet: args.quiet,
        total_files: args.inputs.len(),
        file: 0,
        current: PathBuf::new(),
        t0: Instant::now(),
    };
    let run = engine.run_args(&args.inputs, sink.as_mut(), &mut observer);
    observer.clear();
    let run = run?;
    let (reports, failed) = (run.documents, run.failed.len());
    let entries: usize = reports.iter().map(|r| r.entries).sum();
    let skipped: usize = reports.iter().map(|r| r.skipped.len()).sum();
    let bytes: u64 = reports.iter().map(|r| r.bytes).sum();
    let secs = started.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!(
            "harx: {} file{}, {entries} entries, {skipped} skipped, {:.1} MB in {secs:.2} s ({:.0} MB/s) -> {}{}",
            reports.len(),
            if reports.len() == 1 { "" } else { "s" },
            bytes as f64 / 1e6,
            mb_per_s(bytes, secs),
            args.output.display(),
            if args.no_sanitize {
                " (not sanitized)"
            } else {
                ""
            },
        );
    }
    Ok(super::common::exit_status(&reports, failed))
}

/// What `export` shows while it runs: a progress line on a terminal, and each input's
/// skipped entries and truncation.
struct Progress {
    show: bool,
    quiet: bool,
    total_files: usize,
    file: usize,
    current: PathBuf,
    t0: Instant,
}

impl Progress {
    fn clear(&self) {
        if self.show {
            eprint!("\r\x1b[2K");
        }
    }
}

impl Observer for Progress {
    fn progress(&mut self, input: &std::path::Path, done: u64, total: u64) {
        if !self.show {
            return;
        }
        if input != self.current {
            self.current = input.to_path_buf();
            self.file += 1;
            self.t0 = Instant::now();
        }
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        let mbps = mb_per_s(done, self.t0.elapsed().as_secs_f64());
        eprint!(
            "\r\x1b[2K[{}/{}] {} {pct:>3}% {mbps:.0} MB/s",
            self.file,
            self.total_files,
            input.display()
        );
        let _ = std::io::stderr().flush();
    }

    fn document(&mut self, report: &FileReport) {
        self.clear();
        super::common::report_file(report, self.quiet, "exported");
    }

    fn input_failed(&mut self, _input: &std::path::Path, error: &crate::error::Error) {
        self.clear();
        eprintln!("harx: error: {error}");
    }
}

fn mb_per_s(bytes: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        bytes as f64 / 1e6 / secs
    } else {
        0.0
    }
}
