//! `harx report`: a self-contained HTML report (waterfall, failures, slowest requests,
//! TTFB) of HARs, or a fleet report (TTFB and failure trends per tenant) of a dataset.

use super::ExitStatus;
use super::common::Stderr;
use super::common::{ReadArgs, file_info, warn_incomplete};
use crate::analyze::record::{Headers, Want, records};
use crate::analyze::report::{HarReport, Histogram, fleet_html};
use crate::analyze::scan;
use crate::analyze::stats::{Stats, dataset_files, read_parquet};
use crate::sink::AtomicFile;
use crate::sink::Flow;
use anyhow::Context;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `harx report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// HAR files (`-` for standard input).
    #[arg(
        value_name = "INPUT",
        required_unless_present = "dataset",
        conflicts_with = "dataset"
    )]
    pub inputs: Vec<PathBuf>,
    /// A dataset directory or harx Parquet file: makes a fleet report (TTFB p50/p90/p99
    /// and failure rate per tenant over days) instead.
    #[arg(long, value_name = "DIR_OR_PARQUET")]
    pub dataset: Option<PathBuf>,
    /// The HTML file to write (created 0600: it holds HAR data).
    #[arg(short, long, value_name = "OUT.html")]
    pub output: PathBuf,
    /// How many of the slowest requests to list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// How inputs are read.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Runs `harx report`.
///
/// # Errors
/// Unreadable inputs, unwritable output.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitStatus> {
    let inputs: Vec<&std::path::Path> = args.inputs.iter().map(|p| p.as_path()).collect();
    super::common::check_outputs(&inputs, &[args.output.as_path()])?;
    let (html, status) = match &args.dataset {
        Some(ds) => (fleet(ds)?, ExitStatus::Success),
        None => har(args)?,
    };
    let mut out = AtomicFile::create(&args.output)?;
    out.file()
        .write_all(html.as_bytes())
        .with_context(|| format!("writing {}", args.output.display()))?;
    out.commit()?;
    Ok(status)
}

fn har(args: &ReportArgs) -> anyhow::Result<(String, ExitStatus)> {
    let pipeline = args.read.pipeline(false)?;
    let mut rep = HarReport::new(args.top);
    let want = Want {
        headers: Headers::All,
        bodies: false,
    };
    let run = scan(&pipeline, &args.inputs, &mut Stderr, &mut |batch| {
        for r in records(batch, want) {
            rep.add(&r);
        }
        Flow::Continue
    })?;
    let (reports, failed) = (run.documents, run.failed.len());
    warn_incomplete(&reports);
    if rep.waterfall_omitted > 0 {
        eprintln!(
            "harx: note: the waterfall shows the first {} entries; {} more are counted in the summary only",
            crate::analyze::report::WATERFALL_ENTRIES,
            rep.waterfall_omitted
        );
    }
    if rep.headers_omitted > 0 {
        eprintln!(
            "harx: note: headers of {} entries left out of the report (size budget); `harx find` shows them",
            rep.headers_omitted
        );
    }
    let html = rep.html(
        reports.iter().map(file_info).collect(),
        !args.read.no_sanitize,
    )?;
    let status = super::common::exit_status(&reports, failed);
    Ok((html, status))
}

fn fleet(ds: &std::path::Path) -> anyhow::Result<String> {
    let mut stats = Stats::new(
        vec!["tenant".to_owned(), "date".to_owned()],
        "wait_ms".to_owned(),
        true,
    );
    let columns = stats.columns();
    let files = dataset_files(ds)?;
    anyhow::ensure!(
        !files.is_empty(),
        "{}: no Parquet files found",
        ds.display()
    );
    for f in &files {
        read_parquet(&f.path, &columns, &mut |b| stats.add(b, &f.partitions))?;
    }
    let mut hist = Histogram::new();
    for v in stats.values() {
        hist.add(v);
    }
    let groups = stats.finish();
    Ok(fleet_html(&[ds.display().to_string()], &groups, &hist)?)
}
