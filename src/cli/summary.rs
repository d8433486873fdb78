//! `harx summary`: failures, auth and CORS problems, slowest requests and TTFB
//! percentiles of one or more HARs, as a terminal report, JSON or a Markdown brief.

use super::ExitStatus;
use super::common::Stderr;
use super::common::{ReadArgs, Style, Table, color_stdout, cut, warn_incomplete};
use crate::analyze::ms;
use crate::analyze::summary::{Percentiles, Summary, summarize};
use clap::{Args, ValueEnum};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `summary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// A terminal report (colour on a terminal).
    Text,
    /// JSON, shape `harx.summary/1` (docs/troubleshooting.md).
    Json,
    /// A Markdown escalation brief to paste into a ticket.
    Markdown,
}

/// Arguments of `harx summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// HAR files (`-` for standard input). Several are summarized together.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// How many of the slowest requests to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// How inputs are read.
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Runs `harx summary`.
///
/// # Errors
/// Unreadable input or output.
pub fn run(args: &SummaryArgs) -> anyhow::Result<ExitStatus> {
    let pipeline = args.read.pipeline(false)?;
    let (summary, run) = summarize(&pipeline, &args.inputs, args.top, &mut Stderr)?;
    let (reports, failed) = (run.documents, run.failed.len());
    warn_incomplete(&reports);
    let text = match args.format {
        SummaryFormat::Json => {
            let mut t = serde_json::to_string_pretty(&summary)?;
            t.push('\n');
            t
        }
        SummaryFormat::Text => render_text(&summary, Style { on: color_stdout() }),
        SummaryFormat::Markdown => render_markdown(&summary),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(super::common::exit_status(&reports, failed))
}

/// Groups listed per section in the terminal report.
const TEXT_ROWS: usize = 25;

fn more(o: &mut String, st: Style, n: usize) {
    if n > TEXT_ROWS {
        let _ = writeln!(
            o,
            "{}",
            st.dim(&format!(
                "… {} more groups (--format json lists every one)",
                n - TEXT_ROWS
            ))
        );
    }
}

fn status_text(s: Option<i32>) -> String {
    s.map_or_else(|| "no response".to_owned(), |s| s.to_string())
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}", ms(v)))
}

fn ids(v: &[String], total: usize) -> String {
    let mut s = v.join(", ");
    if total > v.len() {
        let _ = write!(s, " (+{} more)", total - v.len());
    }
    s
}

fn red(st: Style, s: &str) -> String {
    st.red(s)
}

fn pct_table(rows: &[Percentiles], key: &str, limit: usize) -> Table {
    let mut t = Table::new(
        &[key, "n", "p50 ms", "p90 ms", "p99 ms"],
        &[false, true, true, true, true],
    );
    for p in rows.iter().take(limit) {
        t.row(vec![
            cut(&p.key, 50),
            p.count.to_string(),
            format!("{:.1}", p.p50),
            format!("{:.1}", p.p90),
            format!("{:.1}", p.p99),
        ]);
    }
    t
}

/// The authentication and CORS sections (only when there are problems).
fn auth_and_cors(o: &mut String, s: &Summary, st: Style) {
    if !s.auth_problems.is_empty() {
        let _ = writeln!(o, "\n{}", st.bold("Authentication and authorization"));
        let mut t = Table::new(
            &[
                "status",
                "n",
                "challenge",
                "credentials sent",
                "method",
                "host",
                "path",
                "tracking IDs",
            ],
            &[false, true, false, false, false, false, false, false],
        );
        for a in s.auth_problems.iter().take(TEXT_ROWS) {
            t.styled_row(vec![
                (a.status.to_string(), Some(red)),
                (a.count.to_string(), None),
                (a.challenge.clone().unwrap_or_else(|| "-".to_owned()), None),
                (
                    if a.had_credentials { "yes" } else { "no" }.to_owned(),
                    None,
                ),
                (a.method.clone(), None),
                (cut(&a.host, 40), None),
                (cut(&a.path, 50), None),
                (cut(&a.tracking_ids.join(", "), 60), None),
            ]);
        }
        o.push_str(&t.render(st));
        more(o, st, s.auth_problems.len());
    }

    if !s.cors_problems.is_empty() {
        let _ = writeln!(o, "\n{}", st.bold("CORS"));
        let mut t = Table::new(
            &[
                "problem",
                "n",
                "method",
                "host",
                "path",
                "origin",
                "allowed origin",
                "status",
            ],
            &[false, true, false, false, false, false, false, false],
        );
        for c in s.cors_problems.iter().take(TEXT_ROWS) {
            t.styled_row(vec![
                (c.kind.clone(), Some(red)),
                (c.count.to_string(), None),
                (c.method.clone(), None),
                (cut(&c.host, 40), None),
                (cut(&c.path, 50), None),
                (c.origin.clone().unwrap_or_else(|| "-".to_owned()), None),
                (
                    c.allow_origin.clone().unwrap_or_else(|| "-".to_owned()),
                    None,
                ),
                (status_text(c.status), None),
            ]);
        }
        o.push_str(&t.render(st));
        more(o, st, s.cors_problems.len());
    }
}

/// The terminal report.
pub fn render_text(s: &Summary, st: Style) -> String {
    let mut o = String::new();
    for f in &s.files {
        let _ = writeln!(
            o,
            "{}  {}  {} entries, {} pages{}{}",
            st.bold(&f.path),
            f.producer.as_deref().unwrap_or("unknown producer"),
            f.entries,
            f.pages,
            if f.skipped > 0 {
                format!(", {} skipped", f.skipped)
            } else {
                String::new()
            },
            if f.truncated { ", TRUNCATED" } else { "" },
        );
    }
    if let (Some(a), Some(b)) = (&s.first_request_at, &s.last_request_end_at) {
        let _ = writeln!(o, "{a} → {b} ({:.1} s)", s.span_ms.unwrap_or(0.0) / 1000.0);
    }
    let classes: Vec<String> = s
        .status_classes
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let _ = writeln!(o, "status: {}", classes.join("  "));

    let _ = writeln!(
        o,
        "\n{}",
        st.bold(&format!("Failures ({} groups)", s.failures.len()))
    );
    if s.failures.is_empty() {
        let _ = writeln!(o, "none");
    } else {
        let mut t = Table::new(
            &[
                "status",
                "n",
                "method",
                "host",
                "path",
                "first (UTC)",
                "tracking IDs",
                "error",
            ],
            &[false, true, false, false, false, false, false, false],
        );
        for g in s.failures.iter().take(TEXT_ROWS) {
            t.styled_row(vec![
                (status_text(g.status), Some(red)),
                (g.count.to_string(), None),
                (cut(&g.method, 10), None),
                (cut(&g.host, 40), None),
                (cut(&g.path, 50), None),
                (g.first_at.clone(), None),
                (cut(&ids(&g.tracking_ids, g.tracking_ids_total), 60), None),
                (cut(&g.errors.join("; "), 40), None),
            ]);
        }
        o.push_str(&t.render(st));
        more(&mut o, st, s.failures.len());
    }

    auth_and_cors(&mut o, s, st);

    let _ = writeln!(
        o,
        "\n{}",
        st.bold(&format!("Slowest {} requests", s.slowest.len()))
    );
    let mut t = Table::new(
        &[
            "total ms",
            "slowest phase",
            "blocked",
            "dns",
            "connect",
            "ssl",
            "send",
            "wait",
            "receive",
            "status",
            "method",
            "url",
        ],
        &[
            true, false, true, true, true, true, true, true, true, false, false, false,
        ],
    );
    for r in &s.slowest {
        let p = &r.phases;
        t.row(vec![
            format!("{:.1}", r.total_ms),
            match (&r.dominant_phase, r.dominant_share) {
                (Some(ph), Some(sh)) => format!("{ph} {:.0}%", sh * 100.0),
                (Some(ph), None) => ph.clone(),
                _ => "-".to_owned(),
            },
            opt_ms(p.blocked),
            opt_ms(p.dns),
            opt_ms(p.connect),
            opt_ms(p.ssl),
            opt_ms(p.send),
            opt_ms(p.wait),
            opt_ms(p.receive),
            status_text(r.status),
            r.method.clone(),
            cut(&r.url, 80),
        ]);
    }
    o.push_str(&t.render(st));

    let excluded: Vec<String> = s
        .ttfb
        .excluded
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        o,
        "\n{} {} requests{}",
        st.bold("TTFB (wait):"),
        s.ttfb.included,
        if excluded.is_empty() {
            String::new()
        } else {
            format!("; excluded: {}", excluded.join(", "))
        }
    );
    if let Some(all) = &s.ttfb.overall {
        let _ = writeln!(
            o,
            "all: p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms",
            all.p50, all.p90, all.p99
        );
        o.push('\n');
        o.push_str(&pct_table(&s.ttfb.by_host, "host", 15).render(st));
        o.push('\n');
        o.push_str(&pct_table(&s.ttfb.by_resource_type, "resource type", 15).render(st));
        if s.ttfb.by_host.len() > 15 {
            let _ = writeln!(
                o,
                "{}",
                st.dim(&format!(
                    "({} hosts in all; --format json lists every one)",
                    s.ttfb.by_host.len()
                ))
            );
        }
    }
    o
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'")
}

/// The Markdown escalation brief.
pub fn render_markdown(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "## HAR analysis");
    let _ = writeln!(o);
    for f in &s.files {
        let _ = writeln!(
            o,
            "- **{}**: {}, {} requests, {} pages{}",
            md_escape(&f.path),
            md_escape(f.producer.as_deref().unwrap_or("unknown producer")),
            f.entries,
            f.pages,
            if f.truncated { " (file truncated)" } else { "" }
        );
    }
    if let (Some(a), Some(b)) = (&s.first_request_at, &s.last_request_end_at) {
        let _ = writeln!(o, "- Captured from {a} to {b} (UTC)");
    }
    let failed: usize = s.failures.iter().map(|g| g.count).sum();
    let _ = writeln!(o, "- {failed} failed requests of {}", s.entries);
    let _ = writeln!(o);
    let _ = writeln!(o, "### What failed");
    let _ = writeln!(o);
    if s.failures.is_empty() {
        let _ = writeln!(o, "No request failed (no 4xx, 5xx or missing response).");
    } else {
        let _ = writeln!(
            o,
            "| First seen (UTC) | Status | Count | Request | Tracking IDs | Error |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for g in &s.failures {
            let _ = writeln!(
                o,
                "| {} | {} | {} | `{} {}{}` | {} | {} |",
                g.first_at,
                status_text(g.status),
                g.count,
                md_escape(&g.method),
                md_escape(&g.host),
                md_escape(&g.path),
                md_escape(&ids(&g.tracking_ids, g.tracking_ids_total)),
                md_escape(&g.errors.join("; ")),
            );
        }
    }
    if !s.auth_problems.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "### Authentication");
        let _ = writeln!(o);
        for a in &s.auth_problems {
            let _ = writeln!(
                o,
                "- {} × **{}** on `{} {}{}` (challenge: {}; credentials sent: {}), first at {}{}",
                a.count,
                a.status,
                md_escape(&a.method),
                md_escape(&a.host),
                md_escape(&a.path),
                a.challenge.as_deref().unwrap_or("none"),
                if a.had_credentials { "yes" } else { "no" },
                a.first_at,
                if a.tracking_ids.is_empty() {
                    String::new()
                } else {
                    format!(", tracking IDs: {}", md_escape(&a.tracking_ids.join(", ")))
                }
            );
        }
    }
    if !s.cors_problems.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "### CORS");
        let _ = writeln!(o);
        for c in &s.cors_problems {
            let _ = writeln!(
                o,
                "- {} × **{}** on `{} {}{}` (Origin: {}, Access-Control-Allow-Origin: {}), first at {}",
                c.count,
                c.kind.replace('_', " "),
                md_escape(&c.method),
                md_escape(&c.host),
                md_escape(&c.path),
                md_escape(c.origin.as_deref().unwrap_or("none")),
                md_escape(c.allow_origin.as_deref().unwrap_or("none")),
                c.first_at
            );
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "### Slowest requests");
    let _ = writeln!(o);
    if s.slowest.is_empty() {
        let _ = writeln!(o, "No timings recorded.");
    } else {
        let _ = writeln!(
            o,
            "| Started (UTC) | Total ms | Slowest phase | Status | Request | Tracking ID |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for r in &s.slowest {
            let _ = writeln!(
                o,
                "| {} | {:.1} | {} | {} | `{} {}` | {} |",
                r.started_at,
                r.total_ms,
                match (&r.dominant_phase, r.dominant_share) {
                    (Some(p), Some(sh)) => format!("{p} ({:.0}%)", sh * 100.0),
                    (Some(p), None) => p.clone(),
                    _ => "-".to_owned(),
                },
                status_text(r.status),
                md_escape(&r.method),
                md_escape(&cut(&r.url, 120)),
                md_escape(r.tracking_id.as_deref().unwrap_or("")),
            );
        }
    }
    if let Some(all) = &s.ttfb.overall {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "TTFB over {} requests: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms.",
            all.count, all.p50, all.p90, all.p99
        );
    }
    o
}
