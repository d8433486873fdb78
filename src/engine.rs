//! The engine: the library's front door, shared by the CLI, the Python module and the
//! service. An [`Engine`] owns the worker pool and the per-worker parse scratch and is
//! meant to be built once and shared (it is `Send + Sync`); each call reads [`Input`]s
//! through one streaming core into a [`Sink`] (push) or an [`EntryReader`] (pull, an
//! Arrow `RecordBatchReader` with bounded buffering). The library prints nothing: what a
//! front end shows comes from the [`Observer`] and the [`RunReport`].

use crate::error::{Error, Result};
use crate::pipeline::{FileReport, Pipeline};
use crate::sink::{Flow, RunMeta, Sink};
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

pub use crate::pipeline::{OnError, PageInfo, PipelineConfig as Options, SkippedEntry};

/// One input: a file (plain, compressed, a zip archive, a Fiddler `.saz`; `-` is standard
/// input), bytes in memory, or a stream read once.
pub enum Input {
    /// A path on the local file system.
    Path(PathBuf),
    /// Bytes already in memory (plain or compressed HAR), named `name` in rows and errors.
    Bytes {
        /// What rows (`source_file`) and errors call it.
        name: String,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A stream (a socket, a pipe, an upload) read once into a bounded spool.
    Reader {
        /// What rows and errors call it.
        name: String,
        /// The stream.
        reader: Box<dyn Read + Send>,
    },
    /// An object in object storage or at a URL (see [`Input::remote`]), fetched ahead of
    /// use, several at a time, into a bounded spool.
    #[cfg(feature = "cloud")]
    Remote(crate::source::remote::Object),
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Self::Bytes { name, bytes } => f
                .debug_struct("Bytes")
                .field("name", name)
                .field("len", &bytes.len())
                .finish(),
            Self::Reader { name, .. } => f.debug_struct("Reader").field("name", name).finish(),
            #[cfg(feature = "cloud")]
            Self::Remote(o) => f.debug_tuple("Remote").field(o).finish(),
        }
    }
}

impl Input {
    /// A path input.
    pub fn path(p: impl Into<PathBuf>) -> Self {
        Self::Path(p.into())
    }

    /// What rows and messages call this input.
    pub fn name(&self) -> PathBuf {
        match self {
            Self::Path(p) => p.clone(),
            Self::Bytes { name, .. } | Self::Reader { name, .. } => PathBuf::from(name),
            #[cfg(feature = "cloud")]
            Self::Remote(o) => PathBuf::from(&o.name),
        }
    }
}

impl From<PathBuf> for Input {
    fn from(p: PathBuf) -> Self {
        Self::Path(p)
    }
}

impl From<&Path> for Input {
    fn from(p: &Path) -> Self {
        Self::Path(p.to_path_buf())
    }
}

/// What a front end hears while a run goes on. Every method has a default that does
/// nothing.
pub trait Observer {
    /// Bytes of `input` read so far, of `total`.
    fn progress(&mut self, input: &Path, done: u64, total: u64) {
        let _ = (input, done, total);
    }

    /// One HAR document was read (its skipped entries, truncation and counts are in it).
    fn document(&mut self, report: &FileReport) {
        let _ = report;
    }

    /// One input of several could not be read at all, or is not a HAR; the run goes on
    /// with the others.
    fn input_failed(&mut self, input: &Path, error: &Error) {
        let _ = (input, error);
    }
}

/// An [`Observer`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {}

/// What one run did.
#[derive(Debug, Default)]
pub struct RunReport {
    /// One report per HAR document read (a zip archive holds several), in order.
    pub documents: Vec<FileReport>,
    /// Inputs that could not be read at all, or are not HARs (only when there were
    /// several inputs: a run of one returns its error instead).
    pub failed: Vec<(PathBuf, Error)>,
    /// The sink stopped the run early ([`Flow::Stop`]).
    pub stopped: bool,
}

impl RunReport {
    /// Rows delivered.
    pub fn entries(&self) -> usize {
        self.documents.iter().map(|d| d.entries).sum()
    }

    /// Whether rows are missing: skipped entries, truncation, failed inputs.
    pub fn incomplete(&self) -> bool {
        !self.failed.is_empty() || self.documents.iter().any(FileReport::incomplete)
    }

    /// The metadata an output records for this run.
    pub fn meta(&self, options: &Options) -> RunMeta {
        RunMeta {
            sources: self
                .documents
                .iter()
                .map(|r| (r.path.display().to_string(), r.bytes, r.sha256.clone()))
                .collect(),
            sanitized: options.parse.sanitize,
            rules_sha256: options
                .parse
                .sanitize
                .then(|| options.parse.rules().sha256.clone()),
        }
    }
}

/// The streaming engine. Build once, share, call many times.
#[derive(Debug)]
pub struct Engine {
    pipeline: Pipeline,
}

impl Engine {
    /// An engine with `options` (threads, parse and redaction settings, limits).
    ///
    /// # Errors
    /// When the worker pool cannot be started.
    pub fn new(options: Options) -> Result<Self> {
        let pipeline = Pipeline::new(options).map_err(|e| Error::Read {
            path: PathBuf::from("<worker pool>"),
            source: std::io::Error::other(e),
        })?;
        Ok(Self { pipeline })
    }

    /// The settings this engine runs with.
    pub fn options(&self) -> &Options {
        self.pipeline.config()
    }

    /// The pipeline under the engine (per-document calls, the worker pool).
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The schema of every batch: the export schema.
    pub fn schema() -> SchemaRef {
        crate::sink::schema::entries_schema()
    }

    /// Reads `inputs` in order into `sink`: `begin`, every batch in entry order, and
    /// `finish` with the run's metadata (also when the sink stopped early).
    ///
    /// # Errors
    /// With one input, when it cannot be read or is not a HAR; with any number, on a sink
    /// failure or a malformed entry under [`OnError::Fail`]. The sink is not finished
    /// then (a file sink leaves nothing behind).
    pub fn run(
        &self,
        inputs: Vec<Input>,
        sink: &mut dyn Sink,
        observer: &mut dyn Observer,
    ) -> Result<RunReport> {
        sink.begin(&Self::schema())?;
        let report = self.run_unfinished(inputs, sink, observer)?;
        sink.finish(&report.meta(self.options()))?;
        Ok(report)
    }

    /// [`Engine::run`] over inputs named as on a command line: local paths, and the remote
    /// inputs [`resolve_paths`] lists. An argument that cannot be listed is the run's
    /// error when it is the only one; among several it is told to `observer` and listed
    /// in the report's `failed`, and the run goes on.
    ///
    /// # Errors
    /// As [`Engine::run`].
    pub fn run_args(
        &self,
        args: &[PathBuf],
        sink: &mut dyn Sink,
        observer: &mut dyn Observer,
    ) -> Result<RunReport> {
        let (inputs, failed) = resolve_paths(args);
        let mut failed = failed.into_iter();
        if args.len() == 1
            && inputs.is_empty()
            && let Some((_, e)) = failed.next()
        {
            return Err(e);
        }
        let failed: Vec<_> = failed.collect();
        for (name, e) in &failed {
            observer.input_failed(name, e);
        }
        let mut report = self.run(inputs, sink, observer)?;
        report.failed.splice(0..0, failed);
        Ok(report)
    }

    /// [`Engine::run`] without `begin` and `finish` (for a sink shared across runs).
    ///
    /// # Errors
    /// As [`Engine::run`].
    pub fn run_unfinished(
        &self,
        inputs: Vec<Input>,
        sink: &mut dyn Sink,
        observer: &mut dyn Observer,
    ) -> Result<RunReport> {
        let several = inputs.len() > 1;
        let mut report = RunReport::default();
        let mut fetched = Fetched::start(&inputs, &self.options().limits);
        for input in inputs {
            let name = input.name();
            let result = self.run_input(input, &name, &mut fetched, sink, observer);
            match result {
                Ok(docs) => {
                    for d in docs {
                        observer.document(&d);
                        report.stopped |= d.stopped;
                        report.documents.push(d);
                    }
                }
                Err(e @ (Error::Read { .. } | Error::NotHar { .. })) if several => {
                    observer.input_failed(&name, &e);
                    report.failed.push((name, e));
                }
                Err(e) => return Err(e),
            }
            if report.stopped {
                break;
            }
        }
        Ok(report)
    }

    #[cfg_attr(not(feature = "cloud"), allow(unused_variables))]
    fn run_input(
        &self,
        input: Input,
        name: &Path,
        fetched: &mut Fetched,
        sink: &mut dyn Sink,
        observer: &mut dyn Observer,
    ) -> Result<Vec<FileReport>> {
        let mut progress = |done: u64, total: u64| observer.progress(name, done, total);
        let limits = &self.options().limits;
        let read_err = |source| Error::Read {
            path: name.to_path_buf(),
            source,
        };
        match input {
            Input::Path(p) => self.pipeline.run_path(&p, sink, &mut progress),
            Input::Bytes { bytes, .. } => {
                let source = crate::source::Source::from_vec(bytes);
                self.pipeline
                    .run_streamed(name, Some(source), sink, &mut progress)
            }
            Input::Reader { mut reader, .. } => {
                let source =
                    crate::source::Source::spooled(&mut reader, limits).map_err(read_err)?;
                self.pipeline
                    .run_streamed(name, Some(source), sink, &mut progress)
            }
            #[cfg(feature = "cloud")]
            Input::Remote(_) => {
                let source = fetched.next().map_err(read_err)?;
                self.pipeline
                    .run_streamed(name, Some(source), sink, &mut progress)
            }
        }
    }

    /// A pull reader over `inputs`: the run goes on a thread of its own, at most
    /// `buffered` batches ahead of the consumer (memory stays bounded whatever the input
    /// size); dropping the reader stops the run.
    pub fn read(self: &Arc<Self>, inputs: Vec<Input>, buffered: usize) -> EntryReader {
        let (tx, rx) = mpsc::sync_channel(buffered.max(1));
        let engine = Arc::clone(self);
        let handle = std::thread::Builder::new()
            .name("harx-reader".to_owned())
            .spawn(move || {
                let mut sink = Channel { tx };
                engine.run(inputs, &mut sink, &mut Quiet)
            });
        EntryReader {
            rx,
            handle: handle.ok(),
            done: None,
        }
    }
}

/// The inputs `args` name: local paths as they are (a directory or a glob pattern is the
/// caller's to expand), and `s3://bucket/key`, `s3://bucket/prefix/`, glob patterns under
/// a prefix and `https://` URLs listed into their objects (without the `cloud` feature,
/// refused); with the arguments that name none, and why (as [`Error::Read`]).
pub fn resolve_paths(args: &[PathBuf]) -> (Vec<Input>, Vec<(PathBuf, Error)>) {
    let mut inputs = Vec::new();
    let mut failed = Vec::new();
    for arg in args {
        let Some(text) = arg.to_str().filter(|t| crate::source::remote_arg(t)) else {
            inputs.push(Input::Path(arg.clone()));
            continue;
        };
        #[cfg(feature = "cloud")]
        let (found, errors) = {
            let listing = crate::source::remote::list(&[text.to_owned()]);
            let found: Vec<Input> = listing.objects.into_iter().map(Input::Remote).collect();
            (found, listing.errors)
        };
        #[cfg(not(feature = "cloud"))]
        let (found, errors): (Vec<Input>, _) = (
            Vec::new(),
            vec![(
                text.to_owned(),
                "this build of harx reads no remote inputs (the `cloud` feature)".to_owned(),
            )],
        );
        inputs.extend(found);
        failed.extend(errors.into_iter().map(|(name, why)| {
            let path = PathBuf::from(name);
            let source = std::io::Error::other(why);
            (path.clone(), Error::Read { path, source })
        }));
    }
    (inputs, failed)
}

/// The remote inputs of a run, fetched ahead in order.
struct Fetched {
    #[cfg(feature = "cloud")]
    fetcher: Option<crate::source::remote::Fetcher>,
}

impl Fetched {
    #[cfg_attr(not(feature = "cloud"), allow(unused_variables))]
    fn start(inputs: &[Input], limits: &crate::source::Limits) -> Self {
        #[cfg(feature = "cloud")]
        {
            let objects: Vec<_> = inputs
                .iter()
                .filter_map(|i| match i {
                    Input::Remote(o) => Some(o.clone()),
                    _ => None,
                })
                .collect();
            Self {
                fetcher: (!objects.is_empty())
                    .then(|| crate::source::remote::Fetcher::start(objects, limits)),
            }
        }
        #[cfg(not(feature = "cloud"))]
        Self {}
    }

    /// The next remote input's bytes.
    #[cfg(feature = "cloud")]
    fn next(&mut self) -> std::io::Result<crate::source::Source> {
        self.fetcher.as_mut().and_then(Iterator::next).map_or_else(
            || Err(std::io::Error::other("the download was stopped")),
            |f| f.source,
        )
    }
}

/// A sink that hands batches to an [`EntryReader`].
struct Channel {
    tx: mpsc::SyncSender<RecordBatch>,
}

impl Sink for Channel {
    fn write(&mut self, batch: &RecordBatch) -> Result<Flow> {
        // the reader was dropped: nobody wants more rows
        Ok(match self.tx.send(batch.clone()) {
            Ok(()) => Flow::Continue,
            Err(_) => Flow::Stop,
        })
    }

    fn finish(&mut self, _meta: &RunMeta) -> Result<()> {
        Ok(())
    }
}

/// Entry batches pulled from a run ([`Engine::read`]): an Arrow
/// [`RecordBatchReader`], so it plugs into anything that reads Arrow streams. The run's
/// error, if any, comes as the last item; [`EntryReader::finish`] gives its report.
#[derive(Debug)]
pub struct EntryReader {
    rx: mpsc::Receiver<RecordBatch>,
    handle: Option<std::thread::JoinHandle<Result<RunReport>>>,
    done: Option<Result<RunReport>>,
}

impl EntryReader {
    fn join(&mut self) -> Result<RunReport> {
        match self.handle.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(Error::Read {
                path: PathBuf::from("<reader>"),
                source: std::io::Error::other("the reading thread panicked"),
            }),
            None => Err(Error::Read {
                path: PathBuf::from("<reader>"),
                source: std::io::Error::other("the reading thread could not start"),
            }),
        }
    }

    /// Stops reading (if rows remain) and returns what the run did.
    ///
    /// # Errors
    /// The run's error, when it failed.
    pub fn finish(mut self) -> Result<RunReport> {
        if let Some(done) = self.done.take() {
            return done;
        }
        // unblock the run: it stops at its next batch
        let (_, dead) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.rx, dead));
        self.join()
    }
}

impl Iterator for EntryReader {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Ok(b) = self.rx.recv() {
            return Some(Ok(b));
        }
        if self.done.is_some() {
            return None;
        }
        let r = self.join();
        let item = match &r {
            Ok(_) => None,
            Err(e) => Some(Err(ArrowError::ExternalError(Box::new(
                std::io::Error::other(e.to_string()),
            )))),
        };
        self.done = Some(r);
        item
    }
}

impl RecordBatchReader for EntryReader {
    fn schema(&self) -> SchemaRef {
        Engine::schema()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn har(n: usize) -> Vec<u8> {
        let entry = r#"{"startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"https://a.example/x","headers":[]},"response":{"status":200,"headers":[],"content":{"size":0}},"timings":{"wait":1,"receive":0}}"#;
        let entries = vec![entry; n].join(",");
        format!(r#"{{"log":{{"version":"1.2","entries":[{entries}]}}}}"#).into_bytes()
    }

    fn engine() -> Arc<Engine> {
        Arc::new(
            Engine::new(Options {
                threads: 2,
                ..Options::default()
            })
            .expect("engine"),
        )
    }

    #[test]
    fn pull_reader_yields_every_row_and_the_report() {
        let e = engine();
        let mut r = e.read(
            vec![Input::Bytes {
                name: "mem.har".into(),
                bytes: har(5000),
            }],
            2,
        );
        let rows: usize = r.by_ref().map(|b| b.expect("batch").num_rows()).sum();
        assert_eq!(rows, 5000);
        let report = r.finish().expect("report");
        assert_eq!(report.entries(), 5000);
        assert!(!report.incomplete());
    }

    #[test]
    fn dropping_the_reader_stops_the_run() {
        let e = engine();
        let mut r = e.read(
            vec![Input::Bytes {
                name: "mem.har".into(),
                bytes: har(20_000),
            }],
            1,
        );
        let first = r.next().expect("a batch").expect("ok");
        assert!(first.num_rows() > 0);
        let report = r.finish().expect("report");
        assert!(report.stopped);
        assert!(report.entries() < 20_000, "{}", report.entries());
    }

    /// The pull reader is redacted by default: secrets planted in odd places (a header
    /// name in mixed case with an underscore, a cookie, a signed-URL parameter, a
    /// redirect URL, a page title) come out in no column.
    #[test]
    fn the_pull_reader_hands_out_no_planted_secret() {
        use arrow_array::cast::AsArray;
        let secret = "Zq9vSecretPlant7731xK";
        let entry = format!(
            r#"{{"startedDateTime":"2024-01-01T00:00:00Z","time":1,"pageref":"p1",
            "request":{{"method":"GET","url":"https://a.example/x?X-Amz-Signature={secret}",
              "headers":[{{"name":"x-Api_KEY","value":"{secret}"}},
                         {{"name":"Cookie","value":"sid={secret}; theme=dark"}}]}},
            "response":{{"status":302,"headers":[{{"name":"Set-Cookie","value":"s={secret}; Path=/"}}],
              "redirectURL":"https://a.example/cb#access_token={secret}","content":{{"size":0}}}},
            "timings":{{"wait":1,"receive":0}}}}"#
        );
        let doc = format!(
            r#"{{"log":{{"version":"1.2","pages":[{{"id":"p1","title":"https://a.example/?token={secret}",
            "startedDateTime":"2024-01-01T00:00:00Z","pageTimings":{{}}}}],"entries":[{entry}]}}}}"#
        );
        let e = engine();
        let mut r = e.read(
            vec![Input::Bytes {
                name: "plant.har".into(),
                bytes: doc.into_bytes(),
            }],
            2,
        );
        let mut rows = 0;
        for b in r.by_ref() {
            let b = b.expect("batch");
            rows += b.num_rows();
            for (f, col) in b.schema().fields().iter().zip(b.columns()) {
                let text: Vec<String> = match col.data_type() {
                    arrow_schema::DataType::Utf8 => col
                        .as_string::<i32>()
                        .iter()
                        .flatten()
                        .map(str::to_owned)
                        .collect(),
                    arrow_schema::DataType::List(_) => {
                        let st = col.as_list::<i32>().values().as_struct().clone();
                        (0..2)
                            .flat_map(|i| {
                                st.column(i)
                                    .as_string::<i32>()
                                    .iter()
                                    .flatten()
                                    .map(str::to_owned)
                                    .collect::<Vec<_>>()
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                for t in text {
                    assert!(!t.contains(secret), "{} holds the secret: {t}", f.name());
                }
            }
        }
        assert_eq!(rows, 1);
    }

    struct Limit(usize, usize);
    impl Sink for Limit {
        fn write(&mut self, b: &RecordBatch) -> Result<Flow> {
            self.1 += b.num_rows();
            Ok(if self.1 >= self.0 {
                Flow::Stop
            } else {
                Flow::Continue
            })
        }
        fn finish(&mut self, _: &RunMeta) -> Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_sink_stops_the_run_and_later_inputs_are_not_read() {
        let e = engine();
        let mut sink = Limit(1, 0);
        let inputs = vec![
            Input::Bytes {
                name: "a.har".into(),
                bytes: har(10),
            },
            Input::Bytes {
                name: "b.har".into(),
                bytes: har(10),
            },
        ];
        let report = e.run(inputs, &mut sink, &mut Quiet).expect("run");
        assert!(report.stopped);
        assert_eq!(report.documents.len(), 1);
    }

    #[test]
    fn one_bad_input_among_several_is_reported_and_the_others_read() {
        let e = engine();
        let mut sink = Limit(usize::MAX, 0);
        let inputs = vec![
            Input::Bytes {
                name: "bad.har".into(),
                bytes: b"not json".to_vec(),
            },
            Input::Reader {
                name: "good.har".into(),
                reader: Box::new(std::io::Cursor::new(har(3))),
            },
        ];
        let report = e.run(inputs, &mut sink, &mut Quiet).expect("run");
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].0, PathBuf::from("bad.har"));
        assert_eq!(sink.1, 3);
        assert!(report.incomplete());
    }
}
