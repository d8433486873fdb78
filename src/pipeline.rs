//! The pipeline: source → split (sequential, in windows) → parse (rayon, per-thread
//! buffers) → sink. Memory is bounded by the window and the entries in flight, not by the
//! file: consumed windows of a mapped file are released from the resident set.

use crate::error::{Error, Result, line_col};
use crate::parse::{EntryFault, EntryParser, FileInput, ParseConfig};
use crate::sink::schema::{EntryBatchBuilder, FileContext};
use crate::sink::{Flow, Sink};
use crate::source::Source;
use crate::split::windows::{Windows, doc_start};
use crate::split::{self, EntrySpan, SplitStop};
use arrow_array::RecordBatch;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use simd_json::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Input bytes split and parsed per window.
pub const DEFAULT_WINDOW_BYTES: usize = 16 * 1024 * 1024;
/// Input bytes per parallel task (entries are never split across tasks).
const TASK_BYTES: usize = 4 * 1024 * 1024;
/// Entries per parallel task at most.
const TASK_ENTRIES: usize = 2048;

/// What to do with a malformed entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Count and report it, export the rest.
    #[default]
    Skip,
    /// Stop with an error.
    Fail,
}

/// Pipeline settings.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Malformed entries.
    pub on_error: OnError,
    /// Parse settings.
    pub parse: ParseConfig,
    /// Window size in bytes.
    pub window_bytes: usize,
    /// Compute the SHA-256 of each input (costs about 0.7 CPU-s per GB).
    pub hash: bool,
    /// Decompression caps.
    pub limits: crate::source::Limits,
    /// Password of Fiddler archives.
    pub saz_password: Option<String>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            threads: 0,
            on_error: OnError::Skip,
            parse: ParseConfig::default(),
            window_bytes: DEFAULT_WINDOW_BYTES,
            hash: false,
            limits: crate::source::Limits::default(),
            saz_password: None,
        }
    }
}

/// An entry that was skipped, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEntry {
    /// Position in `log.entries`.
    pub index: usize,
    /// Byte offset.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Why.
    pub message: String,
}

/// What happened to one input.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The input.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows exported.
    pub entries: usize,
    /// Entries skipped.
    pub skipped: Vec<SkippedEntry>,
    /// The input ended inside the entries array (cut mid-entry).
    pub truncated: bool,
    /// The input ended after the entries array but before the document's end (what
    /// came after it, `log.pages` for some producers, is lost).
    pub truncated_after_entries: bool,
    /// Why a compressed input's stream ended early, when it did (its bytes up to there
    /// were read).
    pub stream_cut: Option<String>,
    /// Why an archive member was not read at all (a name that escapes the archive, an
    /// encrypted member): the other members were.
    pub refused: Option<String>,
    /// SHA-256 of the input bytes, hex (when hashing was asked for).
    pub sha256: Option<String>,
    /// `creator.name creator.version`.
    pub producer: Option<String>,
    /// Entries read only after a lossy repair (lone surrogates, invalid UTF-8).
    pub repaired: usize,
    /// Pages in `log.pages`.
    pub pages: usize,
    /// The pages themselves, in file order.
    pub page_list: Vec<PageInfo>,
    /// The sink asked for no more rows ([`Flow::Stop`]): reading ended early, by request
    /// (not counted as incomplete).
    pub stopped: bool,
}

/// One page of `log.pages`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageInfo {
    /// `id`.
    pub id: String,
    /// `title`.
    pub title: String,
    /// `startedDateTime` as written.
    pub started_at_raw: Option<String>,
    /// `startedDateTime` in microseconds since the epoch, UTC.
    pub started_at: Option<i64>,
    /// `pageTimings.onContentLoad` (ms; negative → none).
    pub on_content_load_ms: Option<f64>,
    /// `pageTimings.onLoad` (ms; negative → none).
    pub on_load_ms: Option<f64>,
}

impl FileReport {
    /// Whether rows are missing from the output for this input.
    pub fn incomplete(&self) -> bool {
        self.truncated
            || self.truncated_after_entries
            || self.stream_cut.is_some()
            || self.refused.is_some()
            || !self.skipped.is_empty()
    }
}

thread_local! {
    static PARSER: RefCell<EntryParser> = RefCell::new(EntryParser::new());
}

/// Runs inputs through the pipeline into sinks.
#[derive(Debug)]
pub struct Pipeline {
    config: PipelineConfig,
    pool: rayon::ThreadPool,
}

fn producer_of(buf: &[u8]) -> Option<String> {
    let mut copy = buf.to_vec();
    let v = simd_json::to_borrowed_value(&mut copy).ok()?;
    let name = v.get_str("name").unwrap_or("").trim().to_owned();
    let version = v.get_str("version").unwrap_or("").trim().to_owned();
    let s = format!("{name} {version}").trim().to_owned();
    (!s.is_empty()).then_some(s)
}

fn pages_of(buf: &[u8]) -> Vec<PageInfo> {
    let mut out = Vec::new();
    let mut copy = buf.to_vec();
    let mut repaired;
    let parsed = match simd_json::to_borrowed_value(&mut copy) {
        Ok(v) => Some(v),
        Err(_) => {
            // simd-json may have unescaped part of `copy` in place: start again from `buf`.
            repaired = buf.to_vec();
            crate::parse::unescape::repair_in_place(&mut repaired);
            simd_json::to_borrowed_value(&mut repaired).ok()
        }
    };
    let ms = |v: Option<&simd_json::BorrowedValue<'_>>| {
        let v = v?;
        let x = v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))?;
        (x >= 0.0 && x.is_finite()).then_some(x)
    };
    if let Some(arr) = parsed.as_ref().and_then(|v| v.as_array()) {
        for p in arr {
            let id = p.get("id").and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_i64().map(|i| i.to_string()))
            });
            if let Some(id) = id {
                let raw = p.get_str("startedDateTime").map(str::to_owned);
                let timings = p.get("pageTimings");
                out.push(PageInfo {
                    id,
                    title: p.get_str("title").unwrap_or("").to_owned(),
                    started_at: raw
                        .as_deref()
                        .and_then(crate::har::time::parse_timestamp_us),
                    started_at_raw: raw,
                    on_content_load_ms: ms(timings.and_then(|t| t.get("onContentLoad"))),
                    on_load_ms: ms(timings.and_then(|t| t.get("onLoad"))),
                });
            }
        }
    }
    out
}

/// Splits `spans` into tasks of bounded bytes and entries.
fn tasks(spans: &[EntrySpan]) -> Vec<&[EntrySpan]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (i, s) in spans.iter().enumerate() {
        bytes += s.end - s.start;
        if bytes >= TASK_BYTES || i + 1 - start >= TASK_ENTRIES {
            out.push(&spans[start..=i]);
            start = i + 1;
            bytes = 0;
        }
    }
    if start < spans.len() {
        out.push(&spans[start..]);
    }
    out
}

/// Where reading resumes after a damaged entry: the spans kept (up to and including the
/// damaged one) and the offset of the next intact entry.
#[derive(Debug, Clone, Copy)]
struct Resume {
    keep: usize,
    /// `None`: no intact entry follows; what the split made of the rest is not kept.
    at: Option<usize>,
}

/// The first entry of the window whose fault threw the split off, and where the next
/// intact entry starts ([`split::resync`]). A fault in an entry whose damage stayed inside
/// it (the split resumes in step, at a span start or where the window ends) needs nothing.
fn first_desync(
    buf: &[u8],
    spans: &[EntrySpan],
    outputs: &[TaskOutput],
    stop: SplitStop,
) -> Option<Resume> {
    let first = spans.first()?.index;
    let mut faulted: Vec<usize> = outputs
        .iter()
        .flat_map(|o| o.faults.iter().map(|(i, _)| i - first))
        .collect();
    faulted.sort_unstable();
    for k in faulted {
        let Some(at) = split::resync(buf, spans[k].start + 1) else {
            // Nothing intact after this entry: later elements are fragments of it (an
            // object that closed early leaves its members behind as phantom entries).
            if k + 1 < spans.len() || matches!(stop, SplitStop::Budget(_)) {
                return Some(Resume {
                    keep: k + 1,
                    at: None,
                });
            }
            continue;
        };
        let in_step = spans[k + 1..].iter().any(|s| s.start == at)
            || match stop {
                SplitStop::Budget(p) => split::resync(buf, p) == Some(at),
                // the array closed with `]` (a `}` there closed it by mistake)
                SplitStop::End(p) => at > p && buf[p] == b']',
                SplitStop::Truncated => false,
            };
        if !in_step {
            return Some(Resume {
                keep: k + 1,
                at: Some(at),
            });
        }
    }
    None
}

struct TaskOutput {
    /// The rows, or the index and offset of the task's first entry and why they could not
    /// be built.
    batch: std::result::Result<Option<RecordBatch>, (usize, usize, arrow_schema::ArrowError)>,
    faults: Vec<(usize, EntryFault)>,
    repaired: usize,
    found: Vec<(usize, String)>,
}

impl Pipeline {
    /// Builds the worker pool.
    ///
    /// # Errors
    /// When the thread pool cannot be created.
    pub fn new(config: PipelineConfig) -> std::result::Result<Self, rayon::ThreadPoolBuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.threads)
            .thread_name(|i| format!("harx-worker-{i}"))
            .build()?;
        Ok(Self { config, pool })
    }

    /// Exports one input (a HAR, plain or compressed; `-` is standard input; a zip archive
    /// such as Playwright's `.zip`, or HARs zipped together; a Fiddler `.saz`) into
    /// `sink`: each HAR member of an archive in turn, named `archive.zip!member`. One
    /// report per HAR document. `progress` is called after each window with the bytes
    /// consumed so far.
    ///
    /// # Errors
    /// When the input cannot be read or is not a HAR, when the sink fails, or on a
    /// malformed entry with [`OnError::Fail`]; for an archive, the first member that
    /// cannot be read.
    pub fn run_path(
        &self,
        path: &Path,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<FileReport>> {
        self.run_streamed(path, None, sink, progress)
    }

    /// [`Pipeline::run_path`] for an input whose bytes were already read (a stream, a
    /// download), named `path`: sniffed and opened as a file with the same bytes would be.
    ///
    /// # Errors
    /// As [`Pipeline::run_path`].
    pub fn run_streamed(
        &self,
        path: &Path,
        streamed: Option<Source>,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Vec<FileReport>> {
        let docs = crate::source::inputs::Documents::open(
            path,
            streamed,
            &self.config.limits,
            &self.saz_options(),
        )
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reports = Vec::new();
        for doc in docs {
            let label = doc.label(path);
            let source = match doc.source {
                Ok(s) => s,
                // a refused member (a hostile name, encryption) costs that member alone
                Err(e) if doc.refused => {
                    reports.push(FileReport {
                        path: label,
                        refused: Some(e.to_string()),
                        ..FileReport::default()
                    });
                    continue;
                }
                Err(source) => {
                    return Err(Error::Read {
                        path: label,
                        source,
                    });
                }
            };
            let report = self.run_source(&source, &label, sink, progress)?;
            let stopped = report.stopped;
            reports.push(report);
            if stopped {
                break;
            }
        }
        Ok(reports)
    }

    /// How Fiddler archives are read with this configuration.
    pub fn saz_options(&self) -> crate::source::SazOptions {
        crate::source::SazOptions {
            bodies: self.config.parse.bodies,
            password: self.config.saz_password.clone(),
        }
    }

    /// The settings this pipeline runs with.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// How entries are parsed (and redacted).
    pub fn parse_config(&self) -> &crate::parse::ParseConfig {
        &self.config.parse
    }

    /// The worker pool (callers that run many inputs at once install their work in it,
    /// so files and entries share the same threads).
    pub fn pool(&self) -> &rayon::ThreadPool {
        &self.pool
    }

    /// Parses the spans of one window on the pool, in order; `window`, when given, is
    /// hashed alongside.
    fn parse_window(
        &self,
        input: &FileInput<'_>,
        file: &FileContext,
        spans: &[EntrySpan],
        window: Option<&[u8]>,
        hasher: &mut Sha256,
    ) -> Vec<TaskOutput> {
        let parse = &self.config.parse;
        let parse_task = |task: &[EntrySpan]| {
            // The parser is this worker's for the whole task: nothing in `parse_into`
            // re-enters rayon, so no other task can run on this thread meanwhile.
            PARSER.with(|p| {
                let mut parser = p.borrow_mut();
                let before = parser.repaired;
                let mut builder = EntryBatchBuilder::new();
                let mut faults = Vec::new();
                for span in task {
                    if let Err(f) = parser.parse_into(input, file, parse, span, &mut builder) {
                        faults.push((span.index, f));
                    }
                }
                let first = task.first().map_or((0, 0), |s| (s.index, s.start));
                TaskOutput {
                    batch: (!builder.is_empty())
                        .then(|| builder.finish())
                        .transpose()
                        .map_err(|e| (first.0, first.1, e)),
                    faults,
                    repaired: parser.repaired - before,
                    found: std::mem::take(&mut parser.found),
                }
            })
        };
        self.pool.install(|| {
            let (_, outs) = rayon::join(
                || {
                    if let Some(w) = window {
                        hasher.update(w);
                    }
                },
                || tasks(spans).into_par_iter().map(parse_task).collect(),
            );
            outs
        })
    }

    /// [`Pipeline::run_path`] over one HAR document already opened; `path` names it in
    /// rows and messages (`archive.zip!member.har` for an archive member). Several HAR
    /// objects concatenated in one file are read in turn (entry indexes go on counting);
    /// a JSONP wrapper (`.harp`) is skipped.
    ///
    /// # Errors
    /// As [`Pipeline::run_path`].
    pub fn run_source(
        &self,
        source: &Source,
        path: &Path,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<FileReport> {
        let r = self.read_documents(source, path, sink, progress);
        // Rows made of pages that vanished (read as zeros after the file shrank) are not
        // kept as good: the shrink is the error.
        source.intact().map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        r
    }

    fn read_documents(
        &self,
        source: &Source,
        path: &Path,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<FileReport> {
        let mut run = Run::new(self, source, path);
        let buf = source.bytes();
        let mut at = 0;
        let mut first = true;
        loop {
            let doc = doc_start(buf, at).map_err(|e| run.not_har(e.offset, e.message))?;
            let (pages, file) = run.document_header(&doc, first);
            let Some(body) = doc.layout.entries_body else {
                return Err(run.not_har(buf.len(), "input ends before `log.entries`".to_owned()));
            };
            let DocEnd::Closed(close) = run.entries(body, &pages, &file, sink, progress)? else {
                break;
            };
            let Some(end) = split::document_end(buf, close + 1) else {
                // The input ends after `log.entries` but before the document does.
                run.report.truncated_after_entries = true;
                break;
            };
            first = false;
            match split::next_document(buf, end) {
                Some(next) => at = next,
                None => break,
            }
        }
        Ok(run.finish())
    }
}

/// How one document's entries array ended.
enum DocEnd {
    /// At its `]` (this offset): a later document may follow.
    Closed(usize),
    /// Cut, stopped by the sink, or damaged past repair: nothing more is read.
    Stop,
}

/// One input's run through the pipeline: what has been read, hashed, released and
/// reported so far.
struct Run<'a> {
    pipeline: &'a Pipeline,
    source: &'a Source,
    path: &'a Path,
    report: FileReport,
    hasher: Sha256,
    hashed: usize,
    released: usize,
    propagator: crate::transform::propagate::Propagator,
    cursor: LineCursor,
    next_index: usize,
}

/// What is known about a window's damage once it has been parsed.
#[derive(Debug, Clone, Copy)]
struct Damage {
    /// Where reading resumes past the damaged entry.
    resumed: Option<usize>,
    /// No intact entry follows the damaged one.
    nothing_after: bool,
    /// The index of the damaged entry.
    damaged: usize,
    /// The damaged entry is one that never closes (it was given no span).
    lost_tail: bool,
}

impl<'a> Run<'a> {
    fn new(pipeline: &'a Pipeline, source: &'a Source, path: &'a Path) -> Self {
        Self {
            pipeline,
            source,
            path,
            report: FileReport {
                path: path.to_path_buf(),
                bytes: source.bytes().len() as u64,
                stream_cut: source.cut().map(str::to_owned),
                ..FileReport::default()
            },
            hasher: Sha256::new(),
            hashed: 0,
            released: 0,
            propagator: crate::transform::propagate::Propagator::default(),
            cursor: LineCursor::default(),
            next_index: 0,
        }
    }

    fn not_har(&self, offset: usize, message: String) -> Error {
        let (line, column) = line_col(self.source.bytes(), offset);
        Error::NotHar {
            path: self.path.to_path_buf(),
            offset,
            line,
            column,
            message,
        }
    }

    /// The producer and the pages of a document: titles and ids shown redacted, entries'
    /// `pageref` looked up by the raw id.
    fn document_header(
        &mut self,
        doc: &split::windows::DocStart,
        first: bool,
    ) -> (HashMap<String, String>, FileContext) {
        let buf = self.source.bytes();
        let parse = &self.pipeline.config.parse;
        let producer = doc
            .layout
            .creator
            .clone()
            .and_then(|r| producer_of(&buf[r]));
        let mut page_list = doc
            .layout
            .pages
            .clone()
            .map(|r| pages_of(&buf[r]))
            .unwrap_or_default();
        let rules = parse.sanitize.then(|| parse.rules());
        let mut pages: HashMap<String, String> = HashMap::with_capacity(page_list.len());
        for p in &mut page_list {
            let redact = |s: &str| rules.and_then(|r| crate::parse::redact_title_with(s, r));
            if let Some(t) = redact(&p.title) {
                p.title = t;
            }
            pages.insert(p.id.clone(), p.title.clone());
            if let Some(t) = redact(&p.id) {
                p.id = t;
            }
        }
        if first {
            self.report.producer.clone_from(&producer);
        }
        self.report.pages += page_list.len();
        self.report.page_list.extend(page_list);
        let file = FileContext {
            source_file: self.path.display().to_string(),
            producer,
        };
        (pages, file)
    }

    /// Reads one document's entries array, window by window, into `sink`.
    fn entries(
        &mut self,
        body: usize,
        pages: &HashMap<String, String>,
        file: &FileContext,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<DocEnd> {
        let config = &self.pipeline.config;
        let mut windows = Windows::new(self.source, body, self.next_index, config.window_bytes);
        let end = self.walk(&mut windows, pages, file, sink, progress);
        self.next_index = windows.next_index();
        end
    }

    fn walk(
        &mut self,
        windows: &mut Windows<'_>,
        pages: &HashMap<String, String>,
        file: &FileContext,
        sink: &mut dyn Sink,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<DocEnd> {
        let buf = self.source.bytes();
        let additive =
            crate::har::timings::producer_ssl_additive(file.producer.as_deref().unwrap_or(""));
        let read_err = |source| Error::Read {
            path: self.path.to_path_buf(),
            source,
        };
        while let Some(w) = windows.advance().map_err(read_err)? {
            let hash_end = w.end.max(self.hashed);
            let to_hash = self
                .pipeline
                .config
                .hash
                .then(|| &buf[self.hashed..hash_end]);
            self.hashed = hash_end;
            let input = FileInput {
                buf,
                longs: windows.longs(),
                pages,
                producer_ssl_additive: additive,
            };
            let mut outputs = self.pipeline.parse_window(
                &input,
                file,
                windows.spans(),
                to_hash,
                &mut self.hasher,
            );
            // One damaged entry may have thrown the split off for the rest of the file:
            // resume at the next intact entry, losing only the damaged one.
            let resume = first_desync(buf, windows.spans(), &outputs, w.stop);
            if let Some(r) = resume {
                windows.truncate(r.keep);
                let input = FileInput {
                    buf,
                    longs: windows.longs(),
                    pages,
                    producer_ssl_additive: additive,
                };
                let spans = windows.spans();
                outputs = self
                    .pipeline
                    .parse_window(&input, file, spans, None, &mut self.hasher);
            }
            let mut faults = self.deliver(outputs, sink)?;
            let lost_tail = match (resume, w.stop) {
                (None, SplitStop::Truncated) => {
                    // the entry that never closes may be damaged, not cut
                    let from = windows.spans().last().map_or(w.start, |s| s.end);
                    split::resync(buf, from).map(|at| (from, at))
                }
                _ => None,
            };
            if let Some((from, at)) = lost_tail {
                let start = from + buf[from..at].iter().position(|&b| b == b'{').unwrap_or(0);
                faults.push((
                    windows.next_index(),
                    EntryFault {
                        offset: start,
                        message: "damaged entry (it never closes)".to_owned(),
                    },
                ));
            }
            let damage = Damage {
                resumed: resume.and_then(|r| r.at).or(lost_tail.map(|(_, at)| at)),
                nothing_after: resume.is_some_and(|r| r.at.is_none()),
                damaged: match lost_tail {
                    Some(_) => windows.next_index(),
                    None => windows.next_index().wrapping_sub(1),
                },
                lost_tail: lost_tail.is_some(),
            };
            self.settle(faults, damage)?;
            if damage.nothing_after || self.report.stopped {
                self.source.release(self.released, w.end);
                return Ok(DocEnd::Stop);
            }
            if let Some(at) = damage.resumed {
                windows.resume(at, usize::from(damage.lost_tail));
                self.source.release(self.released, at);
                self.released = at;
                continue;
            }
            self.source.release(self.released, w.end);
            self.released = w.end;
            progress(w.end as u64, buf.len() as u64);
            match w.stop {
                SplitStop::Budget(_) => {}
                SplitStop::End(p) => return Ok(DocEnd::Closed(p)),
                SplitStop::Truncated => {
                    self.report.truncated = true;
                    return Ok(DocEnd::Stop);
                }
            }
        }
        Ok(DocEnd::Stop)
    }

    /// Hands a window's rows to the sink in order (secrets found earlier redacted where
    /// they recur); returns the window's faulty entries.
    fn deliver(
        &mut self,
        outputs: Vec<TaskOutput>,
        sink: &mut dyn Sink,
    ) -> Result<Vec<(usize, EntryFault)>> {
        let buf = self.source.bytes();
        let mut faults = Vec::new();
        for out in outputs {
            self.report.repaired += out.repaired;
            faults.extend(out.faults);
            let batch = out.batch.map_err(|(index, offset, e)| {
                let (line, column) = line_col(buf, offset);
                Error::Entry {
                    path: self.path.to_path_buf(),
                    index,
                    offset,
                    line,
                    column,
                    message: format!("building rows: {e}"),
                }
            })?;
            let Some(mut batch) = batch else {
                continue;
            };
            if self.report.stopped {
                continue;
            }
            self.report.entries += batch.num_rows();
            if self.pipeline.config.parse.sanitize {
                // Later occurrences of secrets found in this or earlier entries.
                self.propagator.add(out.found);
                if let Some(b) = self.propagator.apply(&batch)? {
                    batch = b;
                }
            }
            self.report.stopped = sink.write(&batch)? == Flow::Stop;
        }
        Ok(faults)
    }

    /// Reports a window's faulty entries (or fails on the first, with
    /// [`OnError::Fail`]), saying where reading resumed past a damaged one.
    fn settle(&mut self, faults: Vec<(usize, EntryFault)>, damage: Damage) -> Result<()> {
        let buf = self.source.bytes();
        for (index, mut fault) in faults {
            if let Some(at) = damage.resumed.filter(|_| index == damage.damaged) {
                let (l, c) = line_col(buf, at);
                fault.message = format!(
                    "{}; entry lost, reading resumed at byte {at} (line {l}, column {c})",
                    fault.message
                );
            } else if damage.nothing_after && index == damage.damaged {
                fault.message = format!(
                    "{}; no intact entry follows it: the rest of log.entries is skipped",
                    fault.message
                );
            }
            let (line, column) = advance_line(buf, &mut self.cursor, fault.offset);
            if self.pipeline.config.on_error == OnError::Fail {
                return Err(Error::Entry {
                    path: self.path.to_path_buf(),
                    index,
                    offset: fault.offset,
                    line,
                    column,
                    message: fault.message,
                });
            }
            self.report.skipped.push(SkippedEntry {
                index,
                offset: fault.offset,
                line,
                column,
                message: fault.message,
            });
        }
        Ok(())
    }

    fn finish(mut self) -> FileReport {
        if self.pipeline.config.hash {
            self.hasher.update(&self.source.bytes()[self.hashed..]);
            self.report.sha256 = Some(format!("{:x}", self.hasher.finalize()));
        }
        self.report
    }
}

/// Where [`advance_line`] got to: an offset, its 1-based line, and where that line
/// starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineCursor {
    offset: usize,
    line: usize,
    line_start: usize,
}

impl Default for LineCursor {
    fn default() -> Self {
        Self {
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }
}

/// 1-based line and column of `offset`, counting newlines only from the last call's
/// `cursor` when offsets grow (they do: entries come in order), so the whole file is read
/// once at most, and never behind the cursor (a file of one long line is not scanned back
/// to its start for each column).
pub(crate) fn advance_line(buf: &[u8], cursor: &mut LineCursor, offset: usize) -> (usize, usize) {
    let offset = offset.min(buf.len());
    if offset < cursor.offset {
        return line_col(buf, offset);
    }
    let range = &buf[cursor.offset..offset];
    let lines = memchr::memchr_iter(b'\n', range).count();
    if lines > 0
        && let Some(i) = memchr::memrchr(b'\n', range)
    {
        cursor.line_start = cursor.offset + i + 1;
    }
    cursor.offset = offset;
    cursor.line += lines;
    (cursor.line, offset - cursor.line_start + 1)
}
