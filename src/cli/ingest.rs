//! `harx ingest`: many HARs into a Hive-partitioned, idempotent Parquet dataset.

use super::ExitStatus;
use crate::ingest::partition::TenantRule;
use crate::ingest::{IngestConfig, run as ingest};
use crate::source::Limits;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `harx ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// HAR files, directories (read recursively), glob patterns, compressed files
    /// (.har.gz, .zhar, .har.zst) and zip archives (Playwright's, or many HARs zipped).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The dataset: a local directory or s3://bucket/prefix (endpoint and credentials
    /// from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
    #[arg(long, value_name = "DIR_OR_URL")]
    pub dataset: String,
    /// The tenant of every input (default: unknown).
    #[arg(long, value_name = "NAME")]
    pub tenant: Option<String>,
    /// Regex over each input's path with a named group `tenant`, e.g.
    /// 'cases/(?P<tenant>[^/]+)/'. Falls back to --tenant, then `unknown`.
    #[arg(long, value_name = "REGEX", value_parser = super::common::tenant_pattern)]
    pub tenant_from: Option<regex::Regex>,
    /// Regex over each entry's URL with a named group `tenant`, e.g.
    /// '/customers/(?P<tenant>[^/]+)/'. Entries it does not match get the file's tenant.
    #[arg(long, value_name = "REGEX", value_parser = super::common::tenant_pattern)]
    pub tenant_from_url: Option<regex::Regex>,
    /// Partition directories, in order: `tenant,date`, `date,tenant`, `date`, `tenant`
    /// or `none`.
    #[arg(long, default_value = "tenant,date", value_name = "KEYS", value_parser = super::common::partition_keys)]
    pub partition_by: super::common::PartitionKeys,
    /// Roll a partition's Parquet file when it reaches this many MB.
    #[arg(long, default_value_t = 256, value_name = "MB")]
    pub target_file_mb: usize,
    /// Commit (publish files and write a manifest) after about this many MB of input,
    /// so a killed run loses at most that much work.
    #[arg(long, default_value_t = 4096, value_name = "MB")]
    pub commit_every_mb: u64,
    /// Refuse to decompress an input or archive member to more than this many MB.
    #[arg(long, default_value_t = 64 * 1024, value_name = "MB")]
    pub max_decompressed_mb: u64,
    /// Refuse to decompress more than this many times the compressed size (checked past
    /// 16 MiB): a zip or gzip bomb.
    #[arg(long, default_value_t = 250, value_name = "RATIO")]
    pub max_ratio: u64,
    /// Remove the lock a killed run left on an S3 dataset.
    #[arg(long)]
    pub break_lock: bool,
    /// How HARs are read.
    #[command(flatten)]
    pub read: super::common::ReadArgs,
    /// No progress line and no per-file warnings.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `harx ingest`.
///
/// # Errors
/// Fatal errors: bad options, a dataset that cannot be opened, locked or written.
pub fn run(args: &IngestArgs) -> anyhow::Result<ExitStatus> {
    let partition_by = args.partition_by.0.clone();
    let tenant = TenantRule {
        fixed: args.tenant.clone(),
        from_path: args.tenant_from.clone(),
        from_url: args.tenant_from_url.clone(),
    };
    let limits = Limits {
        max_bytes: args.max_decompressed_mb.saturating_mul(1024 * 1024),
        max_ratio: args.max_ratio.max(1),
        ..Limits::default()
    };
    let cfg = IngestConfig {
        dataset: args.dataset.clone(),
        partition_by,
        tenant,
        target_file_bytes: args.target_file_mb.max(1) * 1024 * 1024,
        group_bytes: args.commit_every_mb.max(1) * 1024 * 1024,
        limits,
        sanitized: !args.read.no_sanitize,
        break_lock: args.break_lock,
        progress: !args.quiet,
        ..IngestConfig::default()
    };
    let pipeline = args.read.pipeline_with_limits(false, limits)?;
    let started = std::time::Instant::now();
    let report = ingest(pipeline.pipeline(), &cfg, &args.inputs)
        .with_context(|| format!("ingesting into {}", args.dataset))?;
    let rec = report.recovery;
    if rec.completed + rec.undone + rec.temp_files > 0 && !args.quiet {
        eprintln!(
            "harx: note: recovered from an interrupted run: {} group(s) completed, {} undone, {} temporary file(s) removed",
            rec.completed, rec.undone, rec.temp_files
        );
    }
    if !args.quiet {
        for r in &report.reports {
            super::common::report_file(r, true, "ingested");
        }
    }
    for (path, why) in &report.failed {
        eprintln!("harx: error: {path}: {why}");
    }
    let secs = started.elapsed().as_secs_f64();
    if !args.quiet {
        eprintln!(
            "harx: {} input(s) ingested ({} HAR documents, {} entries, {} skipped, {:.1} MB in {secs:.2} s), {} already in the dataset, {} duplicate(s), {} non-HAR file(s) ignored, {} failed -> {} ({} file(s), run {}){}",
            report.ingested,
            report.documents,
            report.entries,
            report.skipped_entries,
            report.bytes as f64 / 1e6,
            report.already,
            report.duplicates,
            report.ignored,
            report.failed.len(),
            report.dataset,
            report.files_written,
            report.run_id,
            if args.read.no_sanitize {
                " (not sanitized)"
            } else {
                ""
            },
        );
    }
    Ok(if !report.failed.is_empty() {
        ExitStatus::Failure
    } else if report.skipped_entries > 0 || report.truncated > 0 {
        ExitStatus::Incomplete
    } else {
        ExitStatus::Success
    })
}
