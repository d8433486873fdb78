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
pub mod shell;
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
    /// A usage error: bad arguments or option values (exit 2, as clap's own).
    Usage,
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
            Self::Usage => 2,
            Self::Incomplete => 3,
        }
    }
}

/// A usage error: a bad argument or option value that clap's own parsing cannot see
/// (exit status 2, as clap's errors).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// Marks an error as a usage error, keeping its whole message.
pub fn usage(e: impl Into<anyhow::Error>) -> anyhow::Error {
    let e: anyhow::Error = e.into();
    anyhow::Error::new(Usage(format!("{e:#}")))
}

/// Whether an error (or one of its causes) is a usage error.
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<Usage>().is_some()
            || matches!(
                c.downcast_ref::<crate::error::Error>(),
                Some(crate::error::Error::Usage(_))
            )
    })
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
    #[command(
        after_help = "Examples:\n  harx export case.har -o case.parquet\n  harx export a.har b.har.gz case.saz -o cases.parquet --threads 2\n  harx export case.har -o - --format ndjson | head"
    )]
    Export(export::ExportArgs),
    /// Ingest many HARs (directories, globs, .har.gz, .zhar, zip) into a partitioned,
    /// idempotent Parquet dataset, local or on S3.
    #[command(
        after_help = "Examples:\n  harx ingest /srv/cases --dataset lake/ --tenant-from 'cases/(?P<tenant>[^/]+)/'\n  harx ingest 'nightly/**/*.zip' --dataset s3://har-lake/prod --tenant acme"
    )]
    Ingest(ingest::IngestArgs),
    /// Print the DDL an engine (DuckDB, Spark, Trino, Athena, BigQuery) needs to read a
    /// dataset.
    #[command(
        after_help = "Examples:\n  harx schema --ddl duckdb --dataset lake/ | duckdb lake.db\n  harx schema --ddl spark --dataset s3://har-lake/prod"
    )]
    Schema(schema::SchemaArgs),
    /// Lint HARs against HAR 1.2: every finding with its JSON path, line:col and a hint.
    #[command(
        after_help = "Examples:\n  harx validate case.har\n  harx validate captures/*.har --format json --deny-warnings"
    )]
    Validate(validate::ValidateArgs),
    /// Convert a Fiddler session archive (.saz) to a HAR 1.2 file.
    #[command(
        after_help = "Examples:\n  harx convert case.saz -o case.har\n  harx convert locked.saz -o case.har --saz-password \"$PW\""
    )]
    Convert(convert::ConvertArgs),
    /// Sanitize a HAR: redact cookies, tokens, passwords and keys, byte for byte
    /// otherwise; or --verify that none remain.
    #[command(
        after_help = "Examples:\n  harx sanitize case.har -o case.clean.har --report case.report.json\n  harx sanitize --verify case.clean.har"
    )]
    Sanitize(sanitize::SanitizeArgs),
    /// Summarize HARs: failures, auth and CORS problems, slowest requests, TTFB.
    #[command(
        after_help = "Examples:\n  harx summary case.har\n  harx summary case.har --format markdown > brief.md"
    )]
    Summary(summary::SummaryArgs),
    /// List the entries that match filters (tracking ID, status, URL, phase times).
    #[command(
        after_help = "Examples:\n  harx find case.har --status 5xx --phase 'wait>1s'\n  harx find case.har --tracking-id ATLAS_4fd0efd2"
    )]
    Find(find::FindArgs),
    /// Compare two HARs: requests only in one, status changes, slowdowns, JSON bodies.
    #[command(
        after_help = "Examples:\n  harx diff works.har fails.har\n  harx diff works.har fails.har --format json"
    )]
    Diff(diff::DiffArgs),
    /// Write a self-contained HTML report: waterfall, failures, slowest, TTFB; or a fleet
    /// report of a dataset.
    #[command(
        after_help = "Examples:\n  harx report case.har -o case.html\n  harx report --dataset lake/ -o fleet.html"
    )]
    Report(report::ReportArgs),
    /// Count, failure rate and TTFB percentiles per tenant, date, host… over a dataset.
    #[command(
        after_help = "Examples:\n  harx stats lake/ --by tenant,date\n  harx stats lake/ --by host --metric total_ms --format csv"
    )]
    Stats(stats::StatsArgs),
    /// Generate a deterministic, realistic HAR file for benchmarks and tests.
    #[command(after_help = "Examples:\n  harx gen --size-mb 100 --bodies base64 -o big.har")]
    Gen(generate::GenArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  harx completions bash > ~/.local/share/bash-completion/completions/harx\n  harx completions zsh > \"${fpath[1]}/_harx\"\n  harx completions fish > ~/.config/fish/completions/harx.fish"
    )]
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff), or write one per subcommand with --dir.
    #[command(
        after_help = "Examples:\n  harx man | man -l -\n  harx man --dir /usr/local/share/man/man1"
    )]
    Man(shell::ManArgs),
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
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Splits an example line as a shell would (quotes, no expansion), up to the first
    /// pipe or redirection.
    fn words(line: &str) -> Vec<String> {
        let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => cur.push(c),
                (None, '\'' | '"') => {
                    quote = Some(c);
                    any = true;
                }
                (None, '|' | '>') => break,
                (None, ' ') => {
                    if any || !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    any = false;
                }
                (None, c) => cur.push(c),
            }
        }
        if any || !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    #[test]
    fn every_help_example_parses() {
        let cmd = Cli::command();
        let mut seen = 0;
        for sub in cmd.get_subcommands() {
            let help = sub.get_after_help().map(ToString::to_string);
            let help = help.unwrap_or_default();
            assert!(
                help.starts_with("Examples:"),
                "{} has no example",
                sub.get_name()
            );
            for line in help.lines().skip(1) {
                let w = words(line.trim());
                assert_eq!(w[0], "harx", "{line}");
                assert_eq!(w[1], sub.get_name(), "{line}");
                if let Err(e) = Cli::try_parse_from(&w) {
                    panic!("example `{line}` does not parse: {e}");
                }
                seen += 1;
            }
        }
        assert!(seen >= 20, "{seen} examples");
    }
}
