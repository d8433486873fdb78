//! `harx stats`: count, failure rate and latency percentiles per group (tenant, date,
//! host…) over HAR inputs, harx Parquet files or a partitioned dataset.

use super::ExitStatus;
use super::common::{ReadArgs, Style, Table, color_stdout, warn_incomplete};
use crate::analyze::scan;
use crate::analyze::stats::{GroupStats, Stats, dataset_files, read_parquet};
use crate::sink::Flow;
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output format of `stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// An aligned table.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of groups.
    Json,
}

/// Arguments of `harx stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// A dataset directory, Parquet files written by harx, or HAR files.
    #[arg(required = true, value_name = "DATASET_OR_INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Group keys, comma-separated: any column (`host`, `resource_type`, `status_class`…),
    /// a partition key of the dataset (`tenant`), or `date` (UTC day of `started_at`).
    #[arg(long, value_delimiter = ',', default_value = "tenant,date")]
    pub by: Vec<String>,
    /// The measured column (float64), in ms.
    #[arg(long, default_value = "wait_ms")]
    pub metric: String,
    /// Count cache hits, WebSockets, server-sent events and tunnels in the percentiles
    /// too (left out by default, as their timings do not measure the server).
    #[arg(long)]
    pub include_all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
    /// How HAR inputs are read.
    #[command(flatten)]
    pub read: ReadArgs,
}

fn is_parquet(p: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .is_ok()
        && &magic == b"PAR1"
}

/// Runs `harx stats`.
///
/// # Errors
/// Unreadable inputs, unknown columns.
pub fn run(args: &StatsArgs) -> anyhow::Result<ExitStatus> {
    let by: Vec<String> = args
        .by
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut stats = Stats::new(by.clone(), args.metric.clone(), !args.include_all);
    let columns = stats.columns();
    let mut hars = Vec::new();
    for input in &args.inputs {
        if input.is_dir() || is_parquet(input) {
            let files = dataset_files(input)?;
            if files.is_empty() && input.is_dir() {
                // a folder of captures rather than a dataset: read its HARs
                let found = har_files(input);
                anyhow::ensure!(
                    !found.is_empty(),
                    "{}: no Parquet files and no HAR files found",
                    input.display()
                );
                hars.extend(found);
            }
            for f in files {
                read_parquet(&f.path, &columns, &mut |b| stats.add(b, &f.partitions))?;
            }
        } else {
            hars.push(input.clone());
        }
    }
    let mut status = ExitStatus::Success;
    if !hars.is_empty() {
        let pipeline = args.read.pipeline(false)?;
        let mut err = None;
        let run = scan(&pipeline, &hars, &mut super::common::Stderr, &mut |b| {
            if let Err(e) = stats.add(b, &[]) {
                err = Some(e);
                return Flow::Stop;
            }
            Flow::Continue
        })?;
        let (reports, failed) = (run.documents, run.failed.len());
        if let Some(e) = err {
            return Err(e.into());
        }
        warn_incomplete(&reports);
        status = super::common::exit_status(&reports, failed);
    }
    let groups = stats.finish();
    let text = render(&groups, &by, &args.metric, args.format)?;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing output")?;
    Ok(status)
}

/// The files under `dir` whose first bytes look like a HAR or a compressed one (zip
/// archives are read by `export` and `ingest`).
fn har_files(dir: &Path) -> Vec<PathBuf> {
    use crate::source::Container;
    use crate::source::inputs::{discover, head, looks_like_input};
    discover(&[dir.to_path_buf()])
        .files
        .into_iter()
        .filter(|f| {
            head(&f.path, 512)
                .is_ok_and(|h| looks_like_input(&h) && Container::sniff(&h) != Container::Zip)
        })
        .map(|f| f.path)
        .collect()
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.3}"))
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn render(
    groups: &[GroupStats],
    by: &[String],
    metric: &str,
    format: StatsFormat,
) -> anyhow::Result<String> {
    let mut headers: Vec<String> = by.to_vec();
    headers.extend(
        ["count", "failures", "failure_rate", "n"]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    for p in ["p50", "p90", "p99"] {
        headers.push(format!("{metric}_{p}"));
    }
    Ok(match format {
        StatsFormat::Json => {
            let rows: Vec<serde_json::Value> = groups
                .iter()
                .map(|g| {
                    let mut m = serde_json::Map::new();
                    for (k, v) in by.iter().zip(&g.key) {
                        m.insert(
                            k.clone(),
                            v.clone().map_or(serde_json::Value::Null, Into::into),
                        );
                    }
                    m.insert("count".into(), g.count.into());
                    m.insert("failures".into(), g.failures.into());
                    m.insert("failure_rate".into(), g.failure_rate.into());
                    m.insert("n".into(), g.n.into());
                    for (p, v) in ["p50", "p90", "p99"].iter().zip([g.p50, g.p90, g.p99]) {
                        m.insert(
                            format!("{metric}_{p}"),
                            v.map_or(serde_json::Value::Null, Into::into),
                        );
                    }
                    serde_json::Value::Object(m)
                })
                .collect();
            let mut t = serde_json::to_string_pretty(&rows)?;
            t.push('\n');
            t
        }
        StatsFormat::Csv => {
            let mut o = headers
                .iter()
                .map(|h| csv_cell(h))
                .collect::<Vec<_>>()
                .join(",");
            o.push('\n');
            for g in groups {
                let mut cells: Vec<String> = g
                    .key
                    .iter()
                    .map(|k| k.as_deref().map_or_else(String::new, csv_cell))
                    .collect();
                cells.extend([
                    g.count.to_string(),
                    g.failures.to_string(),
                    format!("{}", g.failure_rate),
                    g.n.to_string(),
                    g.p50.map_or_else(String::new, |v| v.to_string()),
                    g.p90.map_or_else(String::new, |v| v.to_string()),
                    g.p99.map_or_else(String::new, |v| v.to_string()),
                ]);
                o.push_str(&cells.join(","));
                o.push('\n');
            }
            o
        }
        StatsFormat::Table => {
            let hs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let mut right = vec![false; by.len()];
            right.extend([true; 7]);
            let mut t = Table::new(&hs, &right);
            for g in groups {
                // nulls as engines print them
                let mut cells: Vec<String> = g
                    .key
                    .iter()
                    .map(|k| k.clone().unwrap_or_else(|| "NULL".to_owned()))
                    .collect();
                cells.extend([
                    g.count.to_string(),
                    g.failures.to_string(),
                    format!("{:.1}%", g.failure_rate * 100.0),
                    g.n.to_string(),
                    num(g.p50),
                    num(g.p90),
                    num(g.p99),
                ]);
                t.row(cells);
            }
            t.render(Style { on: color_stdout() })
        }
    })
}
