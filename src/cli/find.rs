//! `harx find`: the entries that match filters (tracking ID, status, URL, duration,
//! phase), as a table or NDJSON.

use super::ExitStatus;
use super::common::Stderr;
use super::common::{ReadArgs, Style, Table, color_stdout, cut, warn_incomplete};
use crate::analyze::record::{PHASES, Record, Want, records};
use crate::analyze::summary::PhaseBreakdown;
use crate::analyze::{ms, scan, utc};
use crate::sink::Flow;
use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `find`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FindFormat {
    /// An aligned table.
    Table,
    /// One JSON object per line.
    Ndjson,
}

/// Arguments of `harx find`.
#[derive(Debug, Args)]
pub struct FindArgs {
    /// HAR files (`-` for standard input).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Entries whose tracking ID contains this text (case-insensitive).
    #[arg(long, value_name = "ID")]
    pub tracking_id: Option<String>,
    /// Status filter, repeatable or comma-separated: a code (`404`), a class (`5xx`),
    /// `no_response`, or `failed` (4xx, 5xx and no response).
    #[arg(long, value_name = "STATUS", value_delimiter = ',')]
    pub status: Vec<String>,
    /// Entries whose URL matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub url: Option<String>,
    /// Entries slower than this in total (`2s`, `250ms`, `1.5s`; a bare number is ms).
    #[arg(long, value_name = "DURATION")]
    pub slower_than: Option<String>,
    /// A phase condition, repeatable: `wait>1s`, `dns>=100ms`, `ssl<5` (phases: blocked,
    /// dns, connect, ssl, send, wait, receive, total).
    #[arg(long, value_name = "PHASE OP DURATION")]
    pub phase: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FindFormat::Table)]
    pub format: FindFormat,
    /// Stop after this many matches.
    #[arg(long)]
    pub limit: Option<usize>,
    /// How inputs are read.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Parses `2s`, `250ms`, `1.5s`, `1m`, `800us` or a bare number of milliseconds.
///
/// # Errors
/// When the text is not a duration.
pub fn parse_duration_ms(s: &str) -> anyhow::Result<f64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let v: f64 = num
        .parse()
        .with_context(|| format!("`{s}` is not a duration (try 2s or 250ms)"))?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1000.0,
        "m" | "min" => 60_000.0,
        "us" | "µs" => 0.001,
        other => bail!("`{other}` is not a duration unit (ms, s, m, us)"),
    };
    Ok(v * factor)
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, Copy)]
struct PhaseCond {
    phase: Option<usize>, // None = total
    op: Op,
    ms: f64,
}

fn parse_phase(s: &str) -> anyhow::Result<PhaseCond> {
    let pos = s
        .find(['>', '<'])
        .with_context(|| format!("`{s}`: expected PHASE>DURATION or PHASE<DURATION"))?;
    let name = s[..pos].trim().to_ascii_lowercase();
    let rest = &s[pos..];
    let (op, dur) = if let Some(d) = rest.strip_prefix(">=") {
        (Op::Ge, d)
    } else if let Some(d) = rest.strip_prefix("<=") {
        (Op::Le, d)
    } else if let Some(d) = rest.strip_prefix('>') {
        (Op::Gt, d)
    } else {
        (Op::Lt, &rest[1..])
    };
    let phase = match name.as_str() {
        "total" | "time" => None,
        "ttfb" => Some(5),
        n => Some(
            PHASES
                .iter()
                .position(|p| *p == n)
                .with_context(|| format!("`{n}` is not a phase ({}, total)", PHASES.join(", ")))?,
        ),
    };
    Ok(PhaseCond {
        phase,
        op,
        ms: parse_duration_ms(dur)?,
    })
}

#[derive(Debug)]
enum StatusSel {
    Code(i32),
    Class(String),
    Failed,
}

fn parse_status(s: &str) -> anyhow::Result<StatusSel> {
    let t = s.trim().to_ascii_lowercase();
    Ok(match t.as_str() {
        "failed" | "failures" => StatusSel::Failed,
        "no_response" | "none" | "0" => StatusSel::Class("no_response".to_owned()),
        c if c.len() == 3 && c.ends_with("xx") && c.as_bytes()[0].is_ascii_digit() => {
            StatusSel::Class(c.to_owned())
        }
        c => {
            StatusSel::Code(c.parse().with_context(|| {
                format!("`{s}` is not a status (404, 5xx, no_response, failed)")
            })?)
        }
    })
}

struct Filter {
    tracking: Option<String>,
    status: Vec<StatusSel>,
    url: Option<regex::Regex>,
    phases: Vec<PhaseCond>,
}

impl Filter {
    fn matches(&self, r: &Record) -> bool {
        if let Some(t) = &self.tracking
            && !r
                .tracking_id
                .as_deref()
                .is_some_and(|id| id.to_ascii_lowercase().contains(t))
        {
            return false;
        }
        if !self.status.is_empty()
            && !self.status.iter().any(|s| match s {
                StatusSel::Code(c) => r.status == Some(*c),
                StatusSel::Class(c) => r.status_class == *c,
                StatusSel::Failed => r.failed(),
            })
        {
            return false;
        }
        if let Some(re) = &self.url
            && !re.is_match(&r.url)
        {
            return false;
        }
        self.phases.iter().all(|c| {
            let v = match c.phase {
                None => r.total_ms,
                Some(i) => r.phases[i],
            };
            v.is_some_and(|v| match c.op {
                Op::Gt => v > c.ms,
                Op::Ge => v >= c.ms,
                Op::Lt => v < c.ms,
                Op::Le => v <= c.ms,
            })
        })
    }
}

/// One match, as NDJSON writes it.
#[derive(Debug, Serialize)]
struct Match<'a> {
    file: &'a str,
    entry_index: i64,
    started_at: String,
    method: &'a str,
    url: &'a str,
    status: Option<i32>,
    status_class: &'a str,
    error: Option<&'a str>,
    total_ms: Option<f64>,
    dominant_phase: Option<&'static str>,
    phases: PhaseBreakdown,
    tracking_id: Option<&'a str>,
    tracking_header: Option<&'a str>,
}

/// Runs `harx find`.
///
/// # Errors
/// Bad filters, unreadable input or output.
pub fn run(args: &FindArgs) -> anyhow::Result<ExitStatus> {
    let filter = filter(args).map_err(super::usage)?;
    let pipeline = args.read.pipeline(false)?;
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut found: Vec<Record> = Vec::new();
    let mut ndjson = String::new();
    let mut out = std::io::stdout().lock();
    let mut write_err: Option<std::io::Error> = None;
    let mut count = 0usize;
    let run = scan(&pipeline, &args.inputs, &mut Stderr, &mut |batch| {
        if count >= limit || write_err.is_some() {
            return Flow::Stop;
        }
        for r in records(batch, Want::default()) {
            if count >= limit {
                break;
            }
            if !filter.matches(&r) {
                continue;
            }
            count += 1;
            match args.format {
                FindFormat::Ndjson => {
                    let m = Match {
                        file: &r.source_file,
                        entry_index: r.entry_index,
                        started_at: utc(r.started_at),
                        method: &r.method,
                        url: &r.url,
                        status: r.status,
                        status_class: &r.status_class,
                        error: r.error.as_deref(),
                        total_ms: r.total_ms.map(ms),
                        dominant_phase: r.dominant_phase().map(|(p, _)| p),
                        phases: PhaseBreakdown::of(&r),
                        tracking_id: r.tracking_id.as_deref(),
                        tracking_header: r.tracking_header.as_deref(),
                    };
                    ndjson.clear();
                    if let Ok(line) = serde_json::to_string(&m) {
                        ndjson.push_str(&line);
                        ndjson.push('\n');
                        if let Err(e) = out.write_all(ndjson.as_bytes()) {
                            write_err = Some(e);
                            return Flow::Stop;
                        }
                    }
                }
                FindFormat::Table => found.push(r),
            }
        }
        if count >= limit {
            Flow::Stop
        } else {
            Flow::Continue
        }
    })?;
    let (reports, failed) = (run.documents, run.failed.len());
    if let Some(e) = write_err {
        return Err(e.into());
    }
    warn_incomplete(&reports);
    if args.format == FindFormat::Table {
        let many = args.inputs.len() > 1;
        let mut headers = vec![];
        if many {
            headers.push("file");
        }
        headers.extend([
            "entry",
            "started (UTC)",
            "method",
            "status",
            "total ms",
            "slowest phase",
            "tracking ID",
            "url",
        ]);
        let mut right = vec![false; headers.len()];
        right[usize::from(many)] = true;
        right[usize::from(many) + 4] = true;
        let mut t = Table::new(&headers, &right);
        for r in &found {
            let mut row = Vec::new();
            if many {
                row.push(cut(&r.source_file, 30));
            }
            row.extend([
                r.entry_index.to_string(),
                utc(r.started_at),
                r.method.clone(),
                r.status
                    .map_or_else(|| "no response".to_owned(), |s| s.to_string()),
                r.total_ms
                    .map_or_else(|| "-".to_owned(), |v| format!("{:.1}", ms(v))),
                r.dominant_phase()
                    .map_or_else(|| "-".to_owned(), |(p, v)| format!("{p} {:.1}", ms(v))),
                r.tracking_id.clone().unwrap_or_default(),
                cut(&r.url, 100),
            ]);
            t.row(row);
        }
        let style = Style { on: color_stdout() };
        out.write_all(t.render(style).as_bytes())?;
        writeln!(out, "{}", style.dim(&format!("{count} matching entries")))?;
    }
    Ok(super::common::exit_status(&reports, failed))
}

/// The filter the options describe.
fn filter(args: &FindArgs) -> anyhow::Result<Filter> {
    let mut phases: Vec<PhaseCond> = args
        .phase
        .iter()
        .map(|p| parse_phase(p))
        .collect::<anyhow::Result<_>>()?;
    if let Some(s) = &args.slower_than {
        phases.push(PhaseCond {
            phase: None,
            op: Op::Gt,
            ms: parse_duration_ms(s)?,
        });
    }
    Ok(Filter {
        tracking: args.tracking_id.as_ref().map(|t| t.to_ascii_lowercase()),
        status: args
            .status
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_status(s))
            .collect::<anyhow::Result<_>>()?,
        url: args
            .url
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .context("--url is not a valid regular expression")?,
        phases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("2s").ok(), Some(2000.0));
        assert_eq!(parse_duration_ms("250ms").ok(), Some(250.0));
        assert_eq!(parse_duration_ms("1.5s").ok(), Some(1500.0));
        assert_eq!(parse_duration_ms("40").ok(), Some(40.0));
        assert!(parse_duration_ms("2 hours").is_err());
        assert!(parse_duration_ms("fast").is_err());
    }

    #[test]
    fn phase_conditions() {
        let c = parse_phase("wait>1s").ok();
        assert!(matches!(c, Some(PhaseCond { phase: Some(5), op: Op::Gt, ms }) if ms == 1000.0));
        let c = parse_phase("dns>=100ms").ok();
        assert!(matches!(c, Some(PhaseCond { phase: Some(1), op: Op::Ge, ms }) if ms == 100.0));
        let c = parse_phase("total<5").ok();
        assert!(matches!(
            c,
            Some(PhaseCond {
                phase: None,
                op: Op::Lt,
                ..
            })
        ));
        assert!(parse_phase("latency>1s").is_err());
        assert!(parse_phase("wait=1s").is_err());
    }
}
