//! Options and helpers shared by the subcommands that read HARs.

use crate::analyze::summary::FileInfo;
use crate::engine::{Engine, Observer};
use crate::parse::ParseConfig;
use crate::pipeline::{FileReport, OnError, PipelineConfig};
use anyhow::Context;
use clap::Args;
use std::io::IsTerminal;

/// How HAR inputs are read.
#[derive(Debug, Args, Clone)]
pub struct ReadArgs {
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Correlation header to read as the tracking ID (repeatable; replaces the default
    /// list: TrackingID, X-Request-Id, X-Correlation-Id, traceparent, X-Amzn-Trace-Id,
    /// X-B3-TraceId, CF-Ray).
    #[arg(long = "tracking-header", value_name = "NAME")]
    pub tracking_headers: Vec<String>,
    /// Show secret values (cookies, tokens, passwords). Off by default.
    #[arg(long)]
    pub no_sanitize: bool,
    /// A TOML rules file for the redaction (see `harx sanitize --print-default-rules`):
    /// the same rules `harx sanitize --rules` takes.
    #[arg(long, value_name = "FILE", conflicts_with = "no_sanitize")]
    pub rules: Option<std::path::PathBuf>,
    /// Fiddler archives.
    #[command(flatten)]
    pub saz: SazArgs,
}

/// How Fiddler archives (.saz) are opened.
#[derive(Debug, Args, Clone, Default)]
pub struct SazArgs {
    /// Password of password-protected Fiddler archives (.saz).
    #[arg(
        long,
        env = "HARX_SAZ_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub saz_password: Option<String>,
}

impl ReadArgs {
    /// A pipeline reading with these options; `bodies` also reads response bodies.
    ///
    /// # Errors
    /// When the worker pool cannot start.
    pub fn pipeline(&self, bodies: bool) -> anyhow::Result<Engine> {
        self.pipeline_with(bodies, true)
    }

    /// [`ReadArgs::pipeline`]; `sanitize_bodies = false` hands bodies over unredacted for
    /// a caller that redacts what it shows (diff).
    ///
    /// # Errors
    /// When the worker pool cannot start.
    pub fn pipeline_with(&self, bodies: bool, sanitize_bodies: bool) -> anyhow::Result<Engine> {
        self.pipeline_config(bodies, sanitize_bodies, crate::source::Limits::default())
    }

    /// [`ReadArgs::pipeline`] with decompression caps.
    ///
    /// # Errors
    /// When the worker pool cannot start.
    pub fn pipeline_with_limits(
        &self,
        bodies: bool,
        limits: crate::source::Limits,
    ) -> anyhow::Result<Engine> {
        self.pipeline_config(bodies, true, limits)
    }

    /// The rules of `--rules FILE`, if given.
    ///
    /// # Errors
    /// When the file cannot be read or is not a valid rules file.
    pub fn load_rules(
        &self,
    ) -> anyhow::Result<Option<std::sync::Arc<crate::sanitize::rules::Rules>>> {
        let Some(p) = &self.rules else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("{}: reading rules", p.display()))?;
        let rules = crate::sanitize::rules::Rules::load(Some(&text))
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        Ok(Some(std::sync::Arc::new(rules)))
    }

    fn pipeline_config(
        &self,
        bodies: bool,
        sanitize_bodies: bool,
        limits: crate::source::Limits,
    ) -> anyhow::Result<Engine> {
        let mut parse = ParseConfig {
            bodies,
            sanitize_bodies,
            sanitize: !self.no_sanitize,
            rules: self.load_rules()?,
            ..ParseConfig::default()
        };
        if !self.tracking_headers.is_empty() {
            parse.tracking_headers = self
                .tracking_headers
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect();
        }
        let config = PipelineConfig {
            threads: self.threads,
            on_error: OnError::Skip,
            parse,
            limits,
            saz_password: self.saz.saz_password.clone(),
            ..PipelineConfig::default()
        };
        Engine::new(config).context("starting worker threads")
    }
}

/// The observer of the commands that read HARs: an input that cannot be read, among
/// several, is said on stderr (the others are read).
#[derive(Debug, Default)]
pub struct Stderr;

impl Observer for Stderr {
    fn input_failed(&mut self, _input: &std::path::Path, error: &crate::error::Error) {
        eprintln!("harx: error: {error}");
    }
}

/// Reports one input's skipped entries, truncation and repairs on stderr; `verb` says
/// what happened to the complete entries ("exported", "read").
pub fn report_file(r: &FileReport, quiet: bool, verb: &str) {
    if let Some(why) = &r.refused {
        eprintln!("harx: warning: {}: not read: {why}", r.path.display());
        return;
    }
    for s in &r.skipped {
        eprintln!(
            "harx: warning: {}: entry {} at byte {} (line {}, column {}) skipped: {}",
            r.path.display(),
            s.index,
            s.offset,
            s.line,
            s.column,
            s.message
        );
    }
    if r.truncated {
        eprintln!(
            "harx: warning: {}: input is truncated inside log.entries; {verb} the {} complete entries",
            r.path.display(),
            r.entries
        );
    } else if r.truncated_after_entries {
        eprintln!(
            "harx: warning: {}: input is truncated after log.entries (what follows it, such as log.pages, is lost); all {} entries {verb}",
            r.path.display(),
            r.entries
        );
    }
    if let Some(why) = &r.stream_cut {
        eprintln!(
            "harx: warning: {}: {why}; {verb} what it held",
            r.path.display()
        );
    }
    if r.repaired > 0 && !quiet {
        eprintln!(
            "harx: note: {}: {} entries had lone UTF-16 surrogates, invalid UTF-8 or numbers out of range, replaced by U+FFFD, '?' or null",
            r.path.display(),
            r.repaired
        );
    }
}

/// [`report_file`] for every input of a troubleshooting view.
pub fn warn_incomplete(reports: &[FileReport]) {
    for r in reports {
        report_file(r, false, "read");
    }
}

/// The exit status of a run over `reports`, `failed` inputs having been unreadable.
pub fn exit_status(reports: &[FileReport], failed: usize) -> super::ExitStatus {
    if failed > 0 {
        super::ExitStatus::Failure
    } else if reports.iter().any(FileReport::incomplete) {
        super::ExitStatus::Incomplete
    } else {
        super::ExitStatus::Success
    }
}

/// The summary's view of a report.
pub fn file_info(r: &FileReport) -> FileInfo {
    FileInfo::of(r)
}

/// Whether to colour standard output: a terminal, and `NO_COLOR` unset.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// ANSI styling that is a no-op without colour.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to emit escapes.
    pub on: bool,
}

impl Style {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    /// Bold.
    pub fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }

    /// Red (failures).
    pub fn red(self, s: &str) -> String {
        self.wrap("31", s)
    }

    /// Dim.
    pub fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// Cuts `s` to `max` characters, marking the cut with `…`.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A cell and the style it is shown in (none: plain).
pub type Cell = (String, Option<fn(Style, &str) -> String>);

/// A plain-text table with aligned columns. Cells are measured in characters before
/// styling, so colour does not break alignment.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    right: Vec<bool>,
}

impl Table {
    /// A table with these column headers; `right` marks right-aligned (numeric) columns.
    pub fn new(headers: &[&str], right: &[bool]) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            right: right.to_vec(),
        }
    }

    /// Adds a row of plain cells.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| (c, None)).collect());
    }

    /// Adds a row whose cells may carry a style.
    pub fn styled_row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// Renders the table, one line per row, two spaces between columns.
    pub fn render(&self, style: Style) -> String {
        let cols = self.headers.len();
        let mut width = vec![0usize; cols];
        for (i, h) in self.headers.iter().enumerate() {
            width[i] = h.chars().count();
        }
        for r in &self.rows {
            for (i, (c, _)) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: Vec<(String, String)>, out: &mut String| {
            let mut l = String::new();
            for (i, (plain, shown)) in cells.iter().enumerate() {
                let pad = width[i].saturating_sub(plain.chars().count());
                let last = i + 1 == cells.len();
                if self.right.get(i).copied().unwrap_or(false) {
                    l.push_str(&" ".repeat(pad));
                    l.push_str(shown);
                } else {
                    l.push_str(shown);
                    if !last {
                        l.push_str(&" ".repeat(pad));
                    }
                }
                if !last {
                    l.push_str("  ");
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(
            self.headers
                .iter()
                .map(|h| (h.clone(), style.bold(h)))
                .collect(),
            &mut out,
        );
        for r in &self.rows {
            line(
                r.iter()
                    .map(|(c, f)| (c.clone(), f.map_or_else(|| c.clone(), |f| f(style, c))))
                    .collect(),
                &mut out,
            );
        }
        out
    }
}

/// Refuses a run whose outputs name one of its inputs or each other (see
/// [`crate::sink::check_outputs`]).
///
/// # Errors
/// A message naming the output and what it collides with.
pub fn check_outputs(
    inputs: &[&std::path::Path],
    outputs: &[&std::path::Path],
) -> anyhow::Result<()> {
    crate::sink::check_outputs(inputs, outputs).map_err(anyhow::Error::msg)
}

/// The keys of `--partition-by`, parsed as clap parses the command line (so a bad key is
/// a usage error).
#[derive(Debug, Clone)]
pub struct PartitionKeys(pub Vec<crate::ingest::partition::Key>);

/// Parses a `--partition-by` value.
///
/// # Errors
/// An unknown or repeated key.
pub fn partition_keys(s: &str) -> Result<PartitionKeys, String> {
    crate::ingest::partition::parse_partition_by(s).map(PartitionKeys)
}

/// Compiles a `--tenant-from` or `--tenant-from-url` pattern as clap parses it.
///
/// # Errors
/// An invalid pattern, or one without a `tenant` group.
pub fn tenant_pattern(s: &str) -> Result<regex::Regex, String> {
    crate::ingest::partition::TenantRule::pattern(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn outputs_that_name_an_input_or_each_other_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let input = dir.path().join("in.har");
        std::fs::write(&input, "{}").unwrap_or_else(|e| panic!("{e}"));
        let link = dir.path().join("link.har");
        std::os::unix::fs::symlink(&input, &link).unwrap_or_else(|e| panic!("{e}"));
        let hard = dir.path().join("hard.har");
        std::fs::hard_link(&input, &hard).unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("out.har");
        let dotted = dir.path().join(".").join("out.har");
        let i = [input.as_path()];
        assert!(check_outputs(&i, &[out.as_path()]).is_ok());
        for same in [&input, &link, &hard] {
            let e = check_outputs(&i, &[same.as_path()])
                .err()
                .map(|e| e.to_string());
            assert!(
                e.is_some_and(|e| e.contains("would replace an input")),
                "{}",
                same.display()
            );
        }
        let e = check_outputs(&i, &[out.as_path(), dotted.as_path()]).err();
        assert!(e.is_some_and(|e| e.to_string().contains("two outputs")));
        assert!(check_outputs(&[Path::new("-")], &[Path::new("-"), Path::new("-")]).is_ok());
    }
}
