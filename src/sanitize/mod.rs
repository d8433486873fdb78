//! Sanitize: a streaming, byte-preserving HAR sanitizer. The input is split into entries
//! with the same scanner as `export`; each entry is redacted on its own (in parallel, a
//! window at a time) into byte edits of the string tokens that hold secrets; the output
//! is the input with those edits applied, so every other byte (indentation, key order,
//! number formatting, escapes) is unchanged. Memory is bounded by the window.

pub mod engine;
pub mod json;
pub mod known;
pub mod report;
pub mod rules;
pub mod verify;

use crate::error::{Error, Result, line_col};
use crate::pipeline::advance_line;
use crate::source::Source;
use crate::split::scan::{skip_string, skip_value};
use crate::split::{self, EntrySpan, SplitStop};
use engine::{Counts, Edit, Known, Policy, Walk};
use known::Fresh;
use known::Learned;
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;

/// One entry's result: index, edits, secrets found, counts.
type EntryResult = (i64, Vec<Edit>, Vec<String>, Counts, Option<Vec<u32>>);

/// Bytes of entries redacted per window.
const WINDOW: usize = 16 << 20;
/// Most secrets a first pass hands to the second (about as much memory as the budget of
/// [`known::BUDGET_BYTES`] allows).
const MAX_SECOND_PASS_SECRETS: usize = 34_000;

/// A place where `--verify` found a secret (never its value).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Entry index (`-1`: `log.pages`).
    pub entry: i64,
    /// Byte offset of the string.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Field (`request.headers`, `response.content.text`…).
    pub location: String,
    /// Rules that fired.
    pub rules: Vec<String>,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Entries read.
    pub entries: usize,
    /// Redactions by rule and location.
    pub counts: Counts,
    /// Redactions in all.
    pub total: u64,
    /// Strings changed (with `--verify`: where secrets remain).
    pub findings: Vec<Finding>,
    /// The secrets found, with the entry each was first found in (within the memory
    /// budget): what a second pass looks for in the entries before that one.
    pub secrets: Vec<(String, i64)>,
}

fn not_har(path: &Path, buf: &[u8], offset: usize, message: String) -> Error {
    let (line, column) = line_col(buf, offset);
    Error::NotHar {
        path: path.to_path_buf(),
        offset,
        line,
        column,
        message,
    }
}

fn merge(into: &mut Counts, from: Counts) {
    for (rule, locs) in from {
        let e = into.entry(rule).or_default();
        for (loc, n) in locs {
            *e.entry(loc).or_default() += n;
        }
    }
}

/// Walks the rest of `log` after the entries array: returns the offset of log's closing
/// `}`, the end of its last member, and the value span of an existing `_harx_sanitizer`.
fn log_tail(buf: &[u8], mut p: usize) -> Option<(usize, usize, Option<std::ops::Range<usize>>)> {
    let ws = |buf: &[u8], mut p: usize| {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = buf.get(p) {
            p += 1;
        }
        p
    };
    let mut last_end = p;
    let mut existing = None;
    loop {
        p = ws(buf, p);
        match buf.get(p)? {
            b'}' => return Some((p, last_end, existing)),
            b',' => {
                p = ws(buf, p + 1);
                let kend = skip_string(buf, p)?;
                let key = &buf[p + 1..kend - 1];
                p = ws(buf, kend);
                if buf.get(p) != Some(&b':') {
                    return None;
                }
                p = ws(buf, p + 1);
                let vend = skip_value(buf, p)?;
                if key == b"_harx_sanitizer" {
                    existing = Some(p..vend);
                }
                p = vend;
                last_end = vend;
            }
            _ => return None,
        }
    }
}

/// Sanitizes `path` into `out` (or only checks it, when `out` is `None`). `meta` builds
/// the `_harx_sanitizer` member from the counts.
///
/// # Errors
/// Unreadable input, input that is not a complete HAR (fail closed: the caller must not
/// keep any output), or an output write error.
pub fn run(
    path: &Path,
    policy: &Policy<'_>,
    pool: &rayon::ThreadPool,
    out: Option<&mut dyn Write>,
    meta: &dyn Fn(&Outcome) -> String,
) -> Result<Outcome> {
    let source = Source::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    run_source(path, &source, policy, pool, out, meta)
}

/// Sanitizes `input` into `output` (atomically, 0600): what `harx sanitize` and
/// `harx convert` call. A first pass redacts by the rules
/// and propagates each secret forward; when its output still holds a secret it found
/// (an occurrence before the entry that revealed it), a second pass over that output
/// redacts it there too.
///
/// # Errors
/// As [`run`], and when the output cannot be written.
pub fn write_sanitized(
    input: &Path,
    output: &Path,
    policy: &Policy<'_>,
    pool: &rayon::ThreadPool,
    meta: &dyn Fn(&Outcome) -> String,
) -> Result<Outcome> {
    use std::io::BufWriter;
    let mut first = crate::sink::AtomicFile::create(output)?;
    let mut outcome = {
        let mut w = BufWriter::with_capacity(1 << 20, first.file());
        let o = run(input, policy, pool, Some(&mut w), meta)?;
        w.flush().map_err(|source| Error::Write {
            path: output.to_path_buf(),
            source,
        })?;
        o
    };
    let pass1 = Source::open(first.path_temp()).map_err(|source| Error::Read {
        path: output.to_path_buf(),
        source,
    })?;
    if !holds_known_secret(&pass1, &outcome.secrets, pool) {
        drop(pass1);
        first.file().sync_all().ok();
        first.commit()?;
        return Ok(outcome);
    }
    let mut second = crate::sink::AtomicFile::create(output)?;
    let seed = std::mem::take(&mut outcome.secrets);
    let before = outcome.counts.clone();
    let merged_meta = |o: &Outcome| {
        let mut m = Outcome {
            counts: before.clone(),
            ..Outcome::default()
        };
        for (rule, locs) in &o.counts {
            for (l, n) in locs {
                *m.counts
                    .entry(rule.clone())
                    .or_default()
                    .entry(l.clone())
                    .or_default() += n;
            }
        }
        m.total = m.counts.values().flat_map(|x| x.values()).sum();
        meta(&m)
    };
    let again = {
        let mut w = BufWriter::with_capacity(1 << 20, second.file());
        let o = run_again(output, &pass1, policy, pool, &mut w, &merged_meta, &seed)?;
        w.flush().map_err(|source| Error::Write {
            path: output.to_path_buf(),
            source,
        })?;
        o
    };
    drop(pass1);
    second.file().sync_all().ok();
    second.commit()?;
    drop(first);
    for (rule, locs) in again.counts {
        for (l, n) in locs {
            *outcome
                .counts
                .entry(rule.clone())
                .or_default()
                .entry(l)
                .or_default() += n;
        }
    }
    outcome.total = outcome.counts.values().flat_map(|x| x.values()).sum();
    outcome.findings.extend(again.findings);
    Ok(outcome)
}

/// [`run_source`] with no secrets known beforehand.
///
/// # Errors
/// As [`run`].
pub fn run_source(
    path: &Path,
    source: &Source,
    policy: &Policy<'_>,
    pool: &rayon::ThreadPool,
    out: Option<&mut dyn Write>,
    meta: &dyn Fn(&Outcome) -> String,
) -> Result<Outcome> {
    run_source_seeded(
        path,
        source,
        policy,
        pool,
        out,
        meta,
        Pass {
            seed: &[],
            check_only: false,
        },
    )
}

/// Checks `path` with the independent verifier ([`verify`]): the findings' `rules` are
/// `["high" | "possible", what]`.
///
/// # Errors
/// As [`run`].
pub fn verify(path: &Path, policy: &Policy<'_>, pool: &rayon::ThreadPool) -> Result<Outcome> {
    let source = Source::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    run_source_seeded(
        path,
        &source,
        policy,
        pool,
        None,
        &|_| String::new(),
        Pass {
            seed: &[],
            check_only: true,
        },
    )
}

fn suspects_as_edits(check: verify::Check) -> Vec<Edit> {
    check
        .suspects
        .into_iter()
        .map(|s| Edit {
            span: s.span,
            text: String::new(),
            rules: vec![
                match s.confidence {
                    verify::Confidence::High => "high",
                    verify::Confidence::Possible => "possible",
                }
                .to_owned(),
                s.what,
            ],
            location: s.location,
        })
        .collect()
}

/// The forms in which a secret may stand in the bytes of a HAR: as it is, inside base64
/// (at each of the three alignments), JSON-escaped (`\/`) and percent-encoded.
fn byte_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    for pad in 0..3 {
        let mut b = vec![0u8; pad];
        b.extend_from_slice(secret.as_bytes());
        let enc = crate::transform::base64::encode(&b);
        // drop the characters the padding touched and the last, partial quad
        let start = if pad == 0 {
            0
        } else {
            (pad * 4).div_ceil(3) + 1
        };
        let end = (b.len() / 3) * 4;
        if let Some(mid) = enc.get(start..end) {
            forms.push(mid.to_owned());
        }
    }
    if secret.contains('/') {
        forms.push(secret.replace('/', "\\/"));
    }
    let pct = crate::transform::redact::percent_encode_component(secret);
    if pct != secret {
        forms.push(pct);
    }
    forms
}

/// Whether sanitized bytes still hold a secret found by the pass that wrote them, in any
/// form it may take ([`byte_forms`]): an occurrence before the entry that revealed it,
/// which one pass cannot know about. A hit asks for a second pass.
pub fn holds_known_secret(
    source: &Source,
    secrets: &[(String, i64)],
    pool: &rayon::ThreadPool,
) -> bool {
    let mut known = Known::default();
    let mut longest = 0;
    for (s, _) in secrets.iter().take(BACKWARD_CHECK_SECRETS) {
        for f in byte_forms(s) {
            longest = longest.max(f.len());
            known.insert(f, i64::MIN);
        }
    }
    if known.is_empty() {
        return false;
    }
    // window by window on the pool, releasing what was read: memory stays bounded; the
    // first hit ends the search
    let bytes = source.bytes();
    let starts: Vec<usize> = (0..bytes.len()).step_by(WINDOW).collect();
    pool.install(|| {
        starts.par_iter().any(|&start| {
            let end = (start + WINDOW).min(bytes.len());
            let upto = (end + longest).min(bytes.len());
            source.prefetch(start, upto);
            let hit = !known.find(&bytes[start..upto], &|_| true).is_empty();
            source.release(start, end);
            hit
        })
    })
}

/// Most secrets the backward check looks for (the first ones found): each costs about
/// four entries (its byte forms) of a few hundred bytes in the search index.
const BACKWARD_CHECK_SECRETS: usize = 10_000;

/// A second pass (see [`holds_known_secret`]): `source` is the first pass's output,
/// `seed` its secrets, redacted wherever they stand, before or after the entry that
/// revealed them.
///
/// # Errors
/// As [`run`].
pub fn run_again(
    path: &Path,
    source: &Source,
    policy: &Policy<'_>,
    pool: &rayon::ThreadPool,
    out: &mut dyn Write,
    meta: &dyn Fn(&Outcome) -> String,
    seed: &[(String, i64)],
) -> Result<Outcome> {
    let pass = Pass {
        seed,
        check_only: false,
    };
    run_source_seeded(path, source, policy, pool, Some(out), meta, pass)
}

/// [`run`] over bytes already read (`path` names them in messages).
///
/// # Errors
/// As [`run`].
/// What kind of pass [`run_source_seeded`] makes.
#[derive(Debug, Clone, Copy)]
struct Pass<'s> {
    /// Secrets known before the first entry (a second pass).
    seed: &'s [(String, i64)],
    /// Only the verifier's check: no edits, no rules.
    check_only: bool,
}

fn run_source_seeded(
    path: &Path,
    source: &Source,
    policy: &Policy<'_>,
    pool: &rayon::ThreadPool,
    out: Option<&mut dyn Write>,
    meta: &dyn Fn(&Outcome) -> String,
    pass: Pass<'_>,
) -> Result<Outcome> {
    let r = sanitize_source(path, source, policy, pool, out, meta, pass);
    // Whatever was made of pages that vanished (read as zeros after the file shrank) is
    // not kept: the shrink is the error.
    source.intact().map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    r
}

fn sanitize_source(
    path: &Path,
    source: &Source,
    policy: &Policy<'_>,
    pool: &rayon::ThreadPool,
    out: Option<&mut dyn Write>,
    meta: &dyn Fn(&Outcome) -> String,
    pass: Pass<'_>,
) -> Result<Outcome> {
    let buf = source.bytes();
    let doc =
        split::windows::doc_start(buf, 0).map_err(|e| not_har(path, buf, e.offset, e.message))?;
    if doc.layout.truncated {
        return Err(not_har(
            path,
            buf,
            buf.len(),
            "input is truncated; nothing written".to_owned(),
        ));
    }
    let Some(entries_body) = doc.layout.entries_body else {
        return Err(not_har(path, buf, buf.len(), "no `log.entries`".to_owned()));
    };
    let mut learned = Learned::default();
    for (v, _) in pass.seed.iter().take(BACKWARD_CHECK_SECRETS) {
        learned.pin(v, i64::MIN);
    }
    let mut em = Emitter {
        buf,
        path,
        outcome: Outcome::default(),
        pending: Vec::new(),
        out,
        written: 0,
        cursor: crate::pipeline::LineCursor::default(),
    };
    // pages: small; redacted up front, written when the stream reaches them
    if let Some(r) = doc.layout.pages.clone() {
        em.pages(r, policy, &mut learned, pass.check_only)?;
    }
    let walker = Walker {
        buf,
        path,
        policy,
        pool,
        check_only: pass.check_only,
    };
    let mut windows = split::windows::Windows::new(source, entries_body, 0, WINDOW);
    let tail_start = walker.entries(&mut windows, &mut learned, &mut em)?;
    let Some((close, last_member_end, existing)) = log_tail(buf, tail_start) else {
        return Err(not_har(
            path,
            buf,
            tail_start,
            "`log` does not end after `entries`; nothing written".to_owned(),
        ));
    };
    let before = em.outcome.findings.len();
    em.emit(buf.len())?;
    for f in &mut em.outcome.findings[before..] {
        f.entry = -1;
    }
    em.outcome.total = em.outcome.counts.values().flat_map(|m| m.values()).sum();
    em.tail(close, last_member_end, existing, meta)?;
    Ok(em.outcome)
}

/// The entries walk of one pass: how entries are redacted (or, for the verifier, only
/// checked) on the pool.
struct Walker<'a> {
    buf: &'a [u8],
    path: &'a Path,
    policy: &'a Policy<'a>,
    pool: &'a rayon::ThreadPool,
    check_only: bool,
}

impl Walker<'_> {
    /// Redacts `spans` in parallel against the secrets `known` so far; `record` keeps
    /// the keys each search looked at (for [`Fresh::may_hold`]).
    fn walk(&self, known: &Known, spans: &[&EntrySpan], record: bool) -> Result<Vec<EntryResult>> {
        let buf = self.buf;
        self.pool.install(|| {
            spans
                .par_iter()
                .map(|s| {
                    let node = json::parse(&buf[s.start..s.end], s.start).map_err(|e| {
                        not_har(
                            self.path,
                            buf,
                            e.offset,
                            format!("entry {}: {}", s.index, e.message),
                        )
                    })?;
                    if self.check_only {
                        let mut c = verify::Check::new();
                        c.walk(&node, "");
                        let edits = suspects_as_edits(c);
                        return Ok((s.index as i64, edits, Vec::new(), Counts::new(), None));
                    }
                    let mut w = Walk::new(self.policy, known, s.index as i64);
                    if record {
                        w = w.recording();
                    }
                    w.entry(&node);
                    Ok((s.index as i64, w.edits, w.found, w.counts, w.seen))
                })
                .collect()
        })
    }

    /// Every window of `log.entries`: walked on the pool while the previous window's
    /// edits are written on this thread. Returns the offset just past the array's `]`.
    fn entries(
        &self,
        windows: &mut split::windows::Windows<'_>,
        learned: &mut Learned,
        em: &mut Emitter<'_, '_>,
    ) -> Result<usize> {
        let buf = self.buf;
        let mut prev: Option<(usize, usize, Vec<EntrySpan>)> = None;
        let read_err = |source| Error::Read {
            path: self.path.to_path_buf(),
            source,
        };
        while let Some(w) = windows.advance().map_err(read_err)? {
            let (spans, _) = windows.take();
            em.outcome.entries += spans.len();
            if let SplitStop::Truncated = w.stop {
                return Err(not_har(
                    self.path,
                    buf,
                    buf.len(),
                    format!(
                        "input is truncated inside log.entries (after {} complete entries); nothing written",
                        em.outcome.entries
                    ),
                ));
            }
            let all: Vec<&EntrySpan> = spans.iter().collect();
            let mut walked: Option<Result<Vec<EntryResult>>> = None;
            let mut emitted: Result<()> = Ok(());
            self.pool.in_place_scope(|scope| {
                scope.spawn(|_| walked = Some(self.walk(learned.known(), &all, true)));
                if let Some(window) = prev.take() {
                    emitted = em.emit_window(windows.source(), window);
                }
            });
            emitted?;
            let mut results = walked.unwrap_or_else(|| Ok(Vec::new()))?;
            drop(all);
            self.learn(&spans, &mut results, learned, &mut em.outcome)?;
            // bounded memory: one budget for every command's propagation
            learned.end_step();
            for (_, edits, _, counts, _) in results {
                merge(&mut em.outcome.counts, counts);
                em.pending.extend(edits);
            }
            prev = Some((w.start, w.end, spans));
            if let SplitStop::End(p) = w.stop {
                if let Some(window) = prev.take() {
                    em.emit_window(windows.source(), window)?;
                }
                // `p` is the entries array's `]`
                return Ok(p + 1);
            }
        }
        Err(not_har(
            self.path,
            buf,
            buf.len(),
            "input is truncated inside log.entries; nothing written".to_owned(),
        ))
    }

    /// Secrets first found in this window: their later occurrences in the window too.
    /// The entries walked again are those whose search met a secret first found in an
    /// earlier entry of the window, judged from the keys each search recorded (the text
    /// it looked at: unescaped, base64 decoded), not from the raw bytes.
    fn learn(
        &self,
        spans: &[EntrySpan],
        results: &mut [EntryResult],
        learned: &mut Learned,
        outcome: &mut Outcome,
    ) -> Result<()> {
        let mut fresh = Fresh::default();
        for (idx, _, found, _, _) in results.iter() {
            for f in found {
                if learned.learn(f, *idx) {
                    fresh.add(f, *idx);
                    if outcome.secrets.len() < MAX_SECOND_PASS_SECRETS {
                        outcome.secrets.push((f.clone(), *idx));
                    }
                }
            }
        }
        if fresh.is_empty() {
            return Ok(());
        }
        let again: Vec<usize> = self.pool.install(|| {
            results
                .par_iter()
                .enumerate()
                .filter(|(_, r)| r.4.as_ref().is_some_and(|keys| fresh.may_hold(keys, r.0)))
                .map(|(i, _)| i)
                .collect()
        });
        if !again.is_empty() {
            let redo: Vec<&EntrySpan> = again.iter().map(|&i| &spans[i]).collect();
            for (i, r) in again
                .into_iter()
                .zip(self.walk(learned.known(), &redo, false)?)
            {
                results[i] = r;
            }
        }
        Ok(())
    }
}

/// Writes the output: the input's bytes with the edits applied, in order, as the walk
/// releases them; and the findings with their line and column.
struct Emitter<'b, 'o> {
    buf: &'b [u8],
    path: &'b Path,
    outcome: Outcome,
    pending: Vec<Edit>,
    out: Option<&'o mut dyn Write>,
    written: usize,
    cursor: crate::pipeline::LineCursor,
}

impl Emitter<'_, '_> {
    fn write_err(&self, source: std::io::Error) -> Error {
        Error::Write {
            path: self.path.to_path_buf(),
            source,
        }
    }

    /// `log.pages`, redacted (or checked) up front; its edits wait in `pending`.
    fn pages(
        &mut self,
        r: std::ops::Range<usize>,
        policy: &Policy<'_>,
        learned: &mut Learned,
        check_only: bool,
    ) -> Result<()> {
        let buf = self.buf;
        let node = json::parse(&buf[r.clone()], r.start).map_err(|e| {
            not_har(
                self.path,
                buf,
                e.offset,
                format!("log.pages: {}", e.message),
            )
        })?;
        if check_only {
            let mut c = verify::Check::new();
            c.walk(&node, "pages");
            self.pending.extend(suspects_as_edits(c));
        }
        let mut w = Walk::new(policy, learned.known(), -1);
        if !check_only {
            w.pages(&node);
        }
        merge(&mut self.outcome.counts, std::mem::take(&mut w.counts));
        self.pending.extend(w.edits);
        for f in w.found {
            if learned.learn(&f, -1) {
                self.outcome.secrets.push((f, -1));
            }
        }
        Ok(())
    }

    /// Writes the pending edits that start before `upto`, and the bytes between them.
    fn emit(&mut self, upto: usize) -> Result<()> {
        let buf = self.buf;
        let mut edits = std::mem::take(&mut self.pending);
        edits.sort_by_key(|e| e.span.start);
        let mut keep = Vec::new();
        for e in edits {
            if e.span.start >= upto {
                keep.push(e);
                continue;
            }
            let (line, column) = advance_line(buf, &mut self.cursor, e.span.start);
            self.outcome.findings.push(Finding {
                entry: -2,
                offset: e.span.start,
                line,
                column,
                location: e.location.clone(),
                rules: e.rules.clone(),
            });
            if let Some(o) = self.out.as_mut() {
                let r = o
                    .write_all(&buf[self.written..e.span.start])
                    .and_then(|()| o.write_all(e.text.as_bytes()));
                r.map_err(|err| Error::Write {
                    path: self.path.to_path_buf(),
                    source: err,
                })?;
            }
            self.written = e.span.end;
        }
        self.pending = keep;
        Ok(())
    }

    /// Writes one window's edits, tags their findings with their entry, and releases the
    /// window's bytes.
    fn emit_window(
        &mut self,
        source: &Source,
        (start, end, spans): (usize, usize, Vec<EntrySpan>),
    ) -> Result<()> {
        let before = self.outcome.findings.len();
        self.emit(end)?;
        // tag findings with their entry index (spans are in input order)
        for f in &mut self.outcome.findings[before..] {
            let i = spans.partition_point(|s| s.start <= f.offset);
            f.entry = match i.checked_sub(1).map(|i| &spans[i]) {
                Some(s) if f.offset < s.end => s.index as i64,
                _ => -1,
            };
        }
        source.release(start, end);
        Ok(())
    }

    /// The rest of the document, with the sanitizer's metadata in `log` (replaced when
    /// there was one; none added when nothing changed).
    fn tail(
        &mut self,
        close: usize,
        last_member_end: usize,
        existing: Option<std::ops::Range<usize>>,
        meta: &dyn Fn(&Outcome) -> String,
    ) -> Result<()> {
        let buf = self.buf;
        let m = meta(&self.outcome);
        let mut written = self.written;
        let Some(o) = self.out.as_mut() else {
            return Ok(());
        };
        let r = (|| {
            match existing {
                // sanitizing a sanitized file changes no byte: its metadata stays
                Some(_) if self.outcome.total == 0 => {}
                Some(r) => {
                    o.write_all(&buf[written..r.start])?;
                    o.write_all(m.as_bytes())?;
                    written = r.end;
                }
                None => {
                    let at = last_member_end.max(written).min(close);
                    o.write_all(&buf[written..at])?;
                    o.write_all(b", \"_harx_sanitizer\": ")?;
                    o.write_all(m.as_bytes())?;
                    written = at;
                }
            }
            o.write_all(&buf[written..])
        })();
        self.written = buf.len();
        r.map_err(|e| self.write_err(e))
    }
}
