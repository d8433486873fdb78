//! `harx validate`: lint HARs against HAR 1.2.

use super::ExitStatus;
use crate::source::Source;
use crate::validate::{Report, Severity, validate};
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `file:line:col: severity: path: message` lines, with hints.
    Text,
    /// `harx.validate/1` JSON.
    Json,
}

/// Arguments of `harx validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// HAR files (plain or compressed).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 on warnings too, not only on errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Runs `harx validate`.
///
/// # Errors
/// When the worker pool cannot start or the output cannot be written.
pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitStatus> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("starting worker threads")?;
    let mut results: Vec<(String, Result<Report, String>)> = Vec::new();
    for input in &args.inputs {
        let name = input.display().to_string();
        let r = Source::open(input)
            .map_err(|e| e.to_string())
            .map(|s| validate(&s, &pool));
        results.push((name, r));
    }
    let mut failed = false;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (_, r) in &results {
        match r {
            Err(_) => failed = true,
            Ok(rep) => {
                failed |= rep.findings.iter().any(|f| {
                    f.severity == Severity::Error
                        || (args.deny_warnings && f.severity == Severity::Warning)
                });
            }
        }
    }
    match args.format {
        Format::Json => {
            let files: Vec<serde_json::Value> = results
                .iter()
                .map(|(name, r)| match r {
                    Ok(rep) => rep.to_json(name),
                    Err(e) => serde_json::json!({"path": name, "valid": false, "error": e}),
                })
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({"format": "harx.validate/1", "files": files}),
            )?;
            writeln!(out)?;
        }
        Format::Text => {
            for (name, r) in &results {
                match r {
                    Err(e) => writeln!(out, "{name}: error: {e}")?,
                    Ok(rep) => {
                        for f in &rep.findings {
                            let sev = match f.severity {
                                Severity::Error => "error",
                                Severity::Warning => "warning",
                            };
                            writeln!(
                                out,
                                "{name}:{}:{}: {sev}[{}]: {}: {}\n    hint: {}",
                                f.line, f.column, f.code, f.path, f.message, f.hint
                            )?;
                        }
                        let errors = rep
                            .findings
                            .iter()
                            .filter(|f| f.severity == Severity::Error)
                            .count();
                        let warnings = rep.findings.len() - errors;
                        writeln!(
                            out,
                            "{name}: {} entries, {errors} error(s), {warnings} warning(s){}",
                            rep.entries,
                            if rep.omitted > 0 {
                                format!(" ({} more not shown)", rep.omitted)
                            } else {
                                String::new()
                            }
                        )?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
