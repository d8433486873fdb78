//! `harx diff`: what differs between a working capture and a failing one.

use super::ExitStatus;
use super::common::Stderr;
use super::common::{ReadArgs, Style, Table, color_stdout, cut, warn_incomplete};
use crate::analyze::diff::{Capture, Diff, Thresholds, diff};
use crate::analyze::record::{Headers, Want, records};
use crate::analyze::scan;
use crate::sink::Flow;
use clap::{Args, ValueEnum};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A terminal report.
    Text,
    /// JSON, shape `harx.diff/1` (docs/troubleshooting.md).
    Json,
}

/// Arguments of `harx diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The reference capture (the one that works).
    pub a: PathBuf,
    /// The capture to compare (the one that fails).
    pub b: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// A matched request is a regression when B's median total is at least this much
    /// slower (and `--slower-ratio` times A's).
    #[arg(long, default_value = "100ms", value_name = "DURATION")]
    pub slower_by: String,
    /// …and at least this ratio of A's median.
    #[arg(long, default_value_t = 1.5)]
    pub slower_ratio: f64,
    /// Do not read or compare response bodies (faster on body-heavy captures).
    #[arg(long)]
    pub no_bodies: bool,
    /// How inputs are read.
    #[command(flatten)]
    pub read: ReadArgs,
}

fn capture(
    pipeline: &crate::engine::Engine,
    path: &PathBuf,
    bodies: bool,
) -> anyhow::Result<(Capture, bool)> {
    let mut c = Capture::default();
    let want = Want {
        headers: Headers::None,
        bodies,
    };
    let run = scan(
        pipeline,
        std::slice::from_ref(path),
        &mut Stderr,
        &mut |batch| {
            for r in records(batch, want) {
                c.add(&r);
            }
            Flow::Continue
        },
    )?;
    let reports = run.documents;
    warn_incomplete(&reports);
    if c.bodies_dropped > 0 {
        eprintln!(
            "harx: note: {}: {} JSON bodies not compared (over the 256 MiB budget)",
            path.display(),
            c.bodies_dropped
        );
    }
    Ok((
        c,
        reports.iter().any(crate::pipeline::FileReport::incomplete),
    ))
}

/// Runs `harx diff`.
///
/// # Errors
/// Unreadable inputs or output, bad thresholds.
pub fn run(args: &DiffArgs) -> anyhow::Result<ExitStatus> {
    let th = Thresholds {
        min_delta_ms: super::find::parse_duration_ms(&args.slower_by).map_err(super::usage)?,
        min_ratio: args.slower_ratio,
    };
    let bodies = !args.no_bodies;
    // Bodies are compared as captured; only what is shown is redacted (secret-named keys,
    // JWTs), so a changed token is reported as changed without its value.
    let pipeline = args.read.pipeline_with(bodies, false)?;
    let (a, ia) = capture(&pipeline, &args.a, bodies)?;
    let (b, ib) = capture(&pipeline, &args.b, bodies)?;
    let d = diff(
        &args.a.display().to_string(),
        &a,
        &args.b.display().to_string(),
        &b,
        th,
        bodies,
    );
    let text = match args.format {
        DiffFormat::Json => {
            let mut t = serde_json::to_string_pretty(&d)?;
            t.push('\n');
            t
        }
        DiffFormat::Text => render_text(&d, Style { on: color_stdout() }),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(if ia || ib {
        ExitStatus::Incomplete
    } else {
        ExitStatus::Success
    })
}

fn st(s: Option<i32>) -> String {
    s.map_or_else(|| "no response".to_owned(), |s| s.to_string())
}

/// The terminal report.
pub fn render_text(d: &Diff, style: Style) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "A: {} ({} entries)\nB: {} ({} entries)\n{} matched pairs",
        d.a, d.a_entries, d.b, d.b_entries, d.matched
    );
    let section = |o: &mut String, title: &str, n: usize| {
        let _ = writeln!(o, "\n{}", style.bold(&format!("{title} ({n})")));
    };
    section(&mut o, "Status changes", d.status_changes.len());
    if !d.status_changes.is_empty() {
        let mut t = Table::new(
            &["A", "B", "n", "B tracking ID", "B started (UTC)", "request"],
            &[false, false, true, false, false, false],
        );
        for c in &d.status_changes {
            t.styled_row(vec![
                (st(c.a), None),
                (st(c.b), Some(|s: Style, x: &str| s.red(x))),
                (c.count.to_string(), None),
                (c.b_tracking_id.clone().unwrap_or_default(), None),
                (c.b_started_at.clone(), None),
                (cut(&c.request, 110), None),
            ]);
        }
        o.push_str(&t.render(style));
    }
    for (title, list) in [("Only in A", &d.only_in_a), ("Only in B", &d.only_in_b)] {
        section(&mut o, title, list.len());
        if !list.is_empty() {
            let mut t = Table::new(&["n", "statuses", "request"], &[true, false, false]);
            for x in list {
                let mut sts: Vec<String> = x.statuses.iter().map(|s| st(*s)).collect();
                sts.dedup();
                t.row(vec![
                    x.count.to_string(),
                    cut(&sts.join(","), 30),
                    cut(&x.request, 120),
                ]);
            }
            o.push_str(&t.render(style));
        }
    }
    section(&mut o, "Slower in B", d.regressions.len());
    if !d.regressions.is_empty() {
        let mut t = Table::new(
            &["A ms", "B ms", "+ms", "grew most", "pairs", "request"],
            &[true, true, true, false, true, false],
        );
        for r in &d.regressions {
            t.row(vec![
                format!("{:.1}", r.a_ms),
                format!("{:.1}", r.b_ms),
                format!("{:.1}", r.delta_ms),
                match (&r.phase, r.phase_delta_ms) {
                    (Some(p), Some(v)) => format!("{p} +{v:.1}"),
                    _ => "-".to_owned(),
                },
                r.pairs.to_string(),
                cut(&r.request, 110),
            ]);
        }
        o.push_str(&t.render(style));
    }
    if d.bodies_compared {
        section(&mut o, "JSON responses that differ", d.body_diffs.len());
        for b in &d.body_diffs {
            let _ = writeln!(
                o,
                "{} (A #{}, B #{})",
                cut(&b.request, 120),
                b.a_entry,
                b.b_entry
            );
            for c in &b.changes {
                let _ = writeln!(
                    o,
                    "  {} {}: {} → {}",
                    c.kind,
                    c.path,
                    c.a.as_deref().unwrap_or("∅"),
                    c.b.as_deref().unwrap_or("∅")
                );
            }
            if b.changes_total > b.changes.len() {
                let _ = writeln!(o, "  … {} more", b.changes_total - b.changes.len());
            }
        }
    }
    o
}
