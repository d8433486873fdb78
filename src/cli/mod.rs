//! The command line: one file per subcommand.

pub mod common;
pub mod convert;
pub mod diff;
pub mod export;
pub mod find;
pub mod generate;
pub mod ingest;
pub mod report;
pub mod sanitize;
pub mod schema;
pub mod stats;
pub mod summary;
pub mod validate;

use clap::{Parser, Subcommand};

/// How a run ended; mapped to the process exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything was read and written (exit 0).
    Success,
    /// A fatal error: nothing or not everything could be written (exit 1).
    Failure,
    /// The output was written but the input data was incomplete: a truncated input or
    /// skipped entries (exit 3).
    Incomplete,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Incomplete => 3,
        }
    }
}

/// harx: HAR (HTTP Archive) files to Parquet, fast, in bounded memory, without secrets.
#[derive(Debug, Parser)]
#[command(name = "harx", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Export HAR entries to Parquet, NDJSON or CSV (one row per entry).
    Export(export::ExportArgs),
    /// Ingest many HARs (directories, globs, .har.gz, .zhar, zip) into a partitioned,
    /// idempotent Parquet dataset, local or on S3.
    Ingest(ingest::IngestArgs),
    /// Print the DDL an engine (DuckDB, Spark, Trino, Athena, BigQuery) needs to read a
    /// dataset.
    Schema(schema::SchemaArgs),
    /// Lint HARs against HAR 1.2: every finding with its JSON path, line:col and a hint.
    Validate(validate::ValidateArgs),
    /// Convert a Fiddler session archive (.saz) to a HAR 1.2 file.
    Convert(convert::ConvertArgs),
    /// Sanitize a HAR: redact cookies, tokens, passwords and keys, byte for byte
    /// otherwise; or --verify that none remain.
    Sanitize(sanitize::SanitizeArgs),
    /// Summarize HARs: failures, auth and CORS problems, slowest requests, TTFB.
    Summary(summary::SummaryArgs),
    /// List the entries that match filters (tracking ID, status, URL, phase times).
    Find(find::FindArgs),
    /// Compare two HARs: requests only in one, status changes, slowdowns, JSON bodies.
    Diff(diff::DiffArgs),
    /// Write a self-contained HTML report: waterfall, failures, slowest, TTFB; or a fleet
    /// report of a dataset.
    Report(report::ReportArgs),
    /// Count, failure rate and TTFB percentiles per tenant, date, host… over a dataset.
    Stats(stats::StatsArgs),
    /// Generate a deterministic, realistic HAR file for benchmarks and tests.
    Gen(generate::GenArgs),
}

/// Runs the parsed command line.
///
/// # Errors
/// Fatal errors, already carrying where they happened.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Export(args) => export::run(&args),
        Command::Ingest(args) => ingest::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Sanitize(args) => sanitize::run(&args),
        Command::Summary(args) => summary::run(&args),
        Command::Find(args) => find::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Gen(args) => generate::run(&args),
    }
}
