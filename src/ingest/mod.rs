//! Ingest: many HARs (files, directories, globs, compressed files, zip archives) into a
//! Hive-partitioned Parquet dataset, idempotently. Files are read in parallel on the same
//! worker pool that parses each file's entries, so cores are shared, not oversubscribed.
//! See [`manifest`] for how a run commits and how a killed run is recovered.

pub mod ddl;
pub mod manifest;
pub mod partition;
pub mod store;
pub mod tables;

use crate::error::{Error, Result};
use crate::pipeline::{FileReport, Pipeline};
use crate::sink::{Flow, RunMeta, Sink};
use crate::source::inputs::{self, Found};
use crate::source::{Limits, Source};
use arrow_array::RecordBatch;
use manifest::{InputRecord, Manifest, Published};
use partition::{EntryWriters, Key, TenantRule};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use store::Store;
use tables::{FileRow, PageRow};

/// Settings of an ingest run.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// Local directory or `s3://bucket/prefix`.
    pub dataset: String,
    /// Partition keys, in directory order.
    pub partition_by: Vec<Key>,
    /// How tenants are told.
    pub tenant: TenantRule,
    /// Roll a partition's file when it reaches this size.
    pub target_file_bytes: usize,
    /// Commit after about this many input bytes.
    pub group_bytes: u64,
    /// Commit after this many inputs.
    pub group_files: usize,
    /// Rows buffered across all open partition files, at most about.
    pub memory_budget: usize,
    /// Decompression caps.
    pub limits: Limits,
    /// Whether the pipeline redacts secrets (recorded in the manifest and the files).
    pub sanitized: bool,
    /// Remove a stale S3 lock left by a killed run.
    pub break_lock: bool,
    /// Draw a progress line on stderr.
    pub progress: bool,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            dataset: String::new(),
            partition_by: vec![Key::Tenant, Key::Date],
            tenant: TenantRule::default(),
            target_file_bytes: 256 * 1024 * 1024,
            group_bytes: 4 * 1024 * 1024 * 1024,
            group_files: 10_000,
            memory_budget: 96 * 1024 * 1024,
            limits: Limits::default(),
            sanitized: true,
            break_lock: false,
            progress: false,
        }
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// The dataset.
    pub dataset: String,
    /// This run's id.
    pub run_id: String,
    /// Inputs ingested (an archive counts once).
    pub ingested: usize,
    /// HAR documents read (archive members count one each).
    pub documents: usize,
    /// Inputs skipped because a committed run already ingested them (same path, size and
    /// modification time, or same SHA-256).
    pub already: usize,
    /// Inputs skipped because another input of this run has the same content.
    pub duplicates: usize,
    /// Files found in directories that do not look like HARs or archives.
    pub ignored: usize,
    /// Inputs (or members) that could not be ingested, with why.
    pub failed: Vec<(String, String)>,
    /// Rows written to `entries`.
    pub entries: u64,
    /// Entries skipped as malformed.
    pub skipped_entries: usize,
    /// Documents cut short.
    pub truncated: usize,
    /// Input bytes read.
    pub bytes: u64,
    /// Commit groups written.
    pub groups: usize,
    /// Parquet files published.
    pub files_written: usize,
    /// What recovery of a killed run did first.
    pub recovery: manifest::Recovery,
    /// Per-document reports (for warnings).
    pub reports: Vec<FileReport>,
}

#[cfg(feature = "cloud")]
use crate::source::remote::Object as RemoteObject;
/// Without the `cloud` feature there are no remote inputs.
#[cfg(not(feature = "cloud"))]
#[derive(Debug, Clone)]
enum RemoteObject {}

struct Task {
    found: Found,
    size: u64,
    mtime_ns: i128,
    abs: String,
    /// An object in object storage or at a URL (`found.path` is its name).
    remote: Option<RemoteObject>,
}

impl Task {
    #[cfg_attr(not(feature = "cloud"), allow(clippy::missing_const_for_fn))]
    fn etag(&self) -> Option<String> {
        #[cfg(feature = "cloud")]
        return self.remote.as_ref().and_then(|o| o.etag.clone());
        #[cfg(not(feature = "cloud"))]
        None
    }
}

#[derive(Default)]
struct Processed {
    input: Option<InputRecord>,
    rows: Vec<FileRow>,
    pages: Vec<PageRow>,
    reports: Vec<FileReport>,
    already: bool,
    duplicate: bool,
    ignored: bool,
    bytes: u64,
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(0))
}

fn run_id() -> String {
    let us = store::now_us();
    let date = partition::date_of(Some(us)).replace('-', "");
    let secs = us.div_euclid(1_000_000).rem_euclid(86_400);
    format!(
        "{date}T{:02}{:02}{:02}Z-{:06x}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        rand::random::<u32>() & 0xff_ffff
    )
}

/// The inputs still to read (those already in the dataset by path, size and mtime are
/// counted, not read), in commit groups bounded in input bytes and in files.
fn plan_groups(
    files: Vec<inputs::Found>,
    objects: Vec<RemoteObject>,
    ingested: &manifest::Ingested,
    cfg: &IngestConfig,
    report: &mut IngestReport,
) -> Vec<Vec<Task>> {
    let quick = &ingested.quick;
    let mut tasks = Vec::new();
    for found in files {
        let (size, mtime, abs) = if found.path.as_os_str() == "-" {
            (0, 0, "-".to_owned())
        } else {
            match std::fs::metadata(&found.path) {
                Ok(m) => (
                    m.len(),
                    mtime_ns(&m),
                    std::fs::canonicalize(&found.path)
                        .unwrap_or_else(|_| found.path.clone())
                        .display()
                        .to_string(),
                ),
                Err(e) => {
                    report
                        .failed
                        .push((found.path.display().to_string(), e.to_string()));
                    continue;
                }
            }
        };
        if abs != "-" && quick.contains(&(abs.clone(), size, mtime)) {
            report.already += 1;
            continue;
        }
        tasks.push(Task {
            found,
            size,
            mtime_ns: mtime,
            abs,
            remote: None,
        });
    }
    #[cfg(feature = "cloud")]
    for o in objects {
        let size = o.size.unwrap_or(0);
        // already ingested by name, size and entity tag: nothing is downloaded
        if let (Some(etag), Some(_)) = (&o.etag, o.size)
            && ingested
                .quick_remote
                .contains(&(o.name.clone(), size, etag.clone()))
        {
            report.already += 1;
            continue;
        }
        tasks.push(Task {
            found: Found {
                path: PathBuf::from(&o.name),
                explicit: o.explicit,
            },
            size,
            mtime_ns: 0,
            abs: o.name.clone(),
            remote: Some(o),
        });
    }
    #[cfg(not(feature = "cloud"))]
    drop(objects);
    // Commit groups: bounded in input bytes and in files.
    let mut groups: Vec<Vec<Task>> = vec![Vec::new()];
    let mut group_bytes = 0u64;
    for t in tasks {
        let last = groups.last().map_or(0, Vec::len);
        if last > 0 && (group_bytes >= cfg.group_bytes || last >= cfg.group_files) {
            groups.push(Vec::new());
            group_bytes = 0;
        }
        group_bytes += t.size;
        if let Some(g) = groups.last_mut() {
            g.push(t);
        }
    }
    groups
}

/// The local files and remote objects `inputs` name, and the arguments that name none as
/// failed rows of the files table.
fn gather(
    inputs: &[PathBuf],
    cfg: &IngestConfig,
    store: &Store,
    report: &mut IngestReport,
) -> (inputs::Discovered, Vec<RemoteObject>, Vec<FileRow>) {
    let (remote_args, local_args): (Vec<&PathBuf>, Vec<&PathBuf>) = inputs
        .iter()
        .partition(|p| p.to_str().is_some_and(crate::source::remote_arg));
    let local_args: Vec<PathBuf> = local_args.into_iter().cloned().collect();
    let mut discovered = inputs::discover(&local_args);
    let objects = list_remote(&remote_args, store, &mut discovered, report);
    // A dataset inside an input directory is never read as input (its manifests, lock and
    // Parquet files would be): only files found by walking are dropped, a file named on
    // the command line is read as asked.
    if let Ok(root) = std::fs::canonicalize(&cfg.dataset) {
        discovered.files.retain(|f| {
            f.explicit || !std::fs::canonicalize(&f.path).is_ok_and(|p| p.starts_with(&root))
        });
    }
    let mut early_failures: Vec<FileRow> = Vec::new();
    for (path, why) in std::mem::take(&mut discovered.errors) {
        report
            .failed
            .push((path.display().to_string(), why.clone()));
        early_failures.push(FileRow {
            path: path.display().to_string(),
            status: "failed",
            error: Some(why),
            ..FileRow::default()
        });
    }
    (discovered, objects, early_failures)
}

/// Ingests `inputs` into the dataset.
///
/// # Errors
/// Fatal errors only: the dataset cannot be opened, locked or written. Bad inputs are
/// reported in [`IngestReport::failed`].
pub fn run(pipeline: &Pipeline, cfg: &IngestConfig, inputs: &[PathBuf]) -> Result<IngestReport> {
    let ds_err = |source: std::io::Error| Error::Write {
        path: PathBuf::from(&cfg.dataset),
        source,
    };
    let store = Store::open(&cfg.dataset).map_err(ds_err)?;
    let _lock = store.lock(cfg.break_lock).map_err(ds_err)?;
    let mut report = IngestReport {
        dataset: store.display(),
        run_id: run_id(),
        recovery: manifest::recover(&store).map_err(ds_err)?,
        ..IngestReport::default()
    };
    let ingested = manifest::load(&store).map_err(ds_err)?;
    let (discovered, objects, mut early_failures) = gather(inputs, cfg, &store, &mut report);
    let groups = plan_groups(discovered.files, objects, &ingested, cfg, &mut report);
    let total_files: usize = groups.iter().map(Vec::len).sum();
    let total_bytes: u64 = groups.iter().flatten().map(|t| t.size).sum();
    let progress = Progress {
        on: cfg.progress && std::io::stderr().is_terminal(),
        files: AtomicUsize::new(0),
        bytes: AtomicU64::new(0),
        total_files,
        total_bytes,
        started: std::time::Instant::now(),
    };
    let claimed: Mutex<HashMap<String, String>> = Mutex::new(HashMap::new());
    for (seq, group) in groups.into_iter().enumerate() {
        let mut failures = std::mem::take(&mut early_failures);
        if group.is_empty() && failures.is_empty() {
            continue;
        }
        let seq = u32::try_from(seq).unwrap_or(u32::MAX);
        let name = format!("{}-{seq:05}", report.run_id);
        let writers = EntryWriters::new(
            &store,
            name.clone(),
            cfg.target_file_bytes,
            cfg.memory_budget,
            cfg.sanitized,
            cfg.sanitized
                .then(|| pipeline.parse_config().rules().sha256.clone()),
        );
        let (remote, local): (Vec<&Task>, Vec<&Task>) =
            group.iter().partition(|t| t.remote.is_some());
        let ctx = Ctx {
            pipeline,
            cfg,
            writers: &writers,
            known: &ingested.by_sha,
            claimed: &claimed,
            progress: &progress,
        };
        let mut results: Vec<Result<Processed>> = pipeline.pool().install(|| {
            local
                .par_iter()
                .map(|t| {
                    let r = process(&ctx, t, None);
                    progress.tick(t.size);
                    r
                })
                .collect()
        });
        results.extend(process_remote(&ctx, &remote));
        progress.clear();
        let mut record = Manifest {
            format: manifest::FORMAT.to_owned(),
            run_id: report.run_id.clone(),
            seq,
            harx_version: env!("CARGO_PKG_VERSION").to_owned(),
            partition_by: cfg
                .partition_by
                .iter()
                .map(|k| k.name().to_owned())
                .collect(),
            sanitized: cfg.sanitized,
            ..Manifest::default()
        };
        let mut pages = Vec::new();
        for r in results {
            let p = r?;
            report.already += usize::from(p.already);
            report.duplicates += usize::from(p.duplicate);
            report.ignored += usize::from(p.ignored);
            report.bytes += p.bytes;
            for row in &p.rows {
                if row.status == "failed" {
                    let label = match &row.member {
                        Some(m) => format!("{}!{m}", row.path),
                        None => row.path.clone(),
                    };
                    report
                        .failed
                        .push((label, row.error.clone().unwrap_or_default()));
                }
            }
            if let Some(input) = p.input {
                report.ingested += 1;
                report.entries += input.entries;
                record.inputs.push(input);
            }
            failures.extend(p.rows);
            pages.extend(p.pages);
            for rep in p.reports {
                report.documents += 1;
                report.skipped_entries += rep.skipped.len();
                report.truncated += usize::from(rep.truncated);
                report.reports.push(rep);
            }
        }
        let mut files: Vec<Published> = writers.finish()?;
        if record.inputs.is_empty() && files.is_empty() && failures.is_empty() {
            continue;
        }
        files.extend(tables::write_pages(&store, &name, &pages)?);
        let now = store::now_us();
        files.extend(tables::write_files(
            &store,
            &name,
            &report.run_id,
            now,
            &failures,
        )?);
        record.committed_at = crate::analyze::utc(Some(now));
        record.files = files;
        record.inputs.sort_by(|a, b| a.path.cmp(&b.path));
        report.files_written += record.files.len();
        manifest::commit(&store, &record).map_err(ds_err)?;
        report.groups += 1;
    }
    Ok(report)
}

struct Progress {
    on: bool,
    files: AtomicUsize,
    bytes: AtomicU64,
    total_files: usize,
    total_bytes: u64,
    started: std::time::Instant,
}

impl Progress {
    fn tick(&self, bytes: u64) {
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let done = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if self.on {
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            let pct = (done * 100).checked_div(self.total_bytes).unwrap_or(100);
            eprint!(
                "\r\x1b[2K[{files}/{} files] {:.1}/{:.1} MB {pct:>3}% {:.0} MB/s",
                self.total_files,
                done as f64 / 1e6,
                self.total_bytes as f64 / 1e6,
                done as f64 / 1e6 / secs
            );
            let _ = std::io::stderr().flush();
        }
    }

    fn clear(&self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let meta = f.metadata()?;
    if meta.is_file() && meta.len() > 0 {
        // Mapped: no copy through a buffer; hashed pages are released as it goes, so a
        // large input does not sit in the resident set while its neighbours are parsed.
        let map = crate::source::MappedFile::open(&f)?;
        let bytes = map.bytes();
        let step = 8 << 20;
        let mut at = 0;
        while at < bytes.len() {
            let end = (at + step).min(bytes.len());
            map.prefetch(at, end);
            h.update(&bytes[at..end]);
            map.release(at, end);
            at = end;
        }
        return Ok(format!("{:x}", h.finalize()));
    }
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn failed_row(path: &str, member: Option<&str>, error: String) -> FileRow {
    FileRow {
        path: path.to_owned(),
        member: member.map(str::to_owned),
        status: "failed",
        error: Some(error),
        ..FileRow::default()
    }
}

/// Whether an error concerns the input (report it and go on) rather than the output.
fn input_error(e: &Error) -> bool {
    matches!(
        e,
        Error::Read { .. } | Error::NotHar { .. } | Error::Entry { .. }
    )
}

/// What identifies an input: its SHA-256 and, for a stream (standard input, a FIFO,
/// `<(…)`), its bytes, read once and spooled (bounded memory). `None` when the input is
/// done with: not a HAR by its first bytes (found by walking a directory), or unreadable;
/// `out` says which.
fn identify(
    t: &Task,
    cfg: &IngestConfig,
    fetched: Option<std::io::Result<Source>>,
    out: &mut Processed,
) -> Option<(String, Option<Source>)> {
    let path = &t.found.path;
    let label = path.display().to_string();
    if let Some(fetched) = fetched {
        return match fetched {
            Ok(s) => Some((format!("{:x}", Sha256::digest(s.bytes())), Some(s))),
            Err(e) => {
                out.rows.push(failed_row(&label, None, e.to_string()));
                None
            }
        };
    }
    let stdin = path.as_os_str() == "-";
    // standard input, a FIFO or `<(…)`: read once, spooled (bounded memory)
    let stream = stdin || std::fs::metadata(path).is_ok_and(|m| !m.is_file());
    let mut streamed: Option<Source> = None;
    if !t.found.explicit {
        match inputs::head(path, 64) {
            Ok(h) if inputs::looks_like_input(&h) => {}
            Ok(_) => {
                out.ignored = true;
                return None;
            }
            Err(e) => {
                out.rows.push(failed_row(&label, None, e.to_string()));
                return None;
            }
        }
    }
    let sha = if stream {
        let read = if stdin {
            Source::spooled(&mut std::io::stdin().lock(), &cfg.limits)
        } else {
            std::fs::File::open(path).and_then(|f| Source::spooled(&mut &f, &cfg.limits))
        };
        match read {
            Ok(s) => {
                let sha = format!("{:x}", Sha256::digest(s.bytes()));
                streamed = Some(s);
                sha
            }
            Err(e) => {
                out.rows.push(failed_row(&label, None, e.to_string()));
                return None;
            }
        }
    } else {
        match sha256_file(path) {
            Ok(s) => s,
            Err(e) => {
                out.rows.push(failed_row(&label, None, e.to_string()));
                return None;
            }
        }
    };
    Some((sha, streamed))
}

/// Claims `sha` for this run (two inputs with the same bytes are read once).
fn claim(claimed: &Mutex<HashMap<String, String>>, sha: &str, label: &str) -> bool {
    let mut c = claimed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if c.contains_key(sha) {
        return false;
    }
    c.insert(sha.to_owned(), label.to_owned());
    true
}

/// What every input of a group is processed with.
struct Ctx<'a, 'w> {
    pipeline: &'a Pipeline,
    cfg: &'a IngestConfig,
    writers: &'a EntryWriters<'w>,
    known: &'a HashMap<String, String>,
    claimed: &'a Mutex<HashMap<String, String>>,
    #[cfg_attr(not(feature = "cloud"), allow(dead_code))]
    progress: &'a Progress,
}

/// The remote inputs of a group: fetched in order, several at a time, each parsed on the
/// pool as soon as it is here; at most a few fetched inputs wait to be parsed.
#[cfg(feature = "cloud")]
fn process_remote(ctx: &Ctx<'_, '_>, tasks: &[&Task]) -> Vec<Result<Processed>> {
    if tasks.is_empty() {
        return Vec::new();
    }
    let objects: Vec<RemoteObject> = tasks.iter().filter_map(|t| t.remote.clone()).collect();
    let fetcher = crate::source::remote::Fetcher::start(objects, &ctx.cfg.limits);
    let results: Mutex<Vec<(usize, Result<Processed>)>> = Mutex::new(Vec::new());
    let permits = Permits::new(ctx.pipeline.pool().current_num_threads() + 1);
    ctx.pipeline.pool().in_place_scope(|s| {
        for (i, fetched) in fetcher.enumerate() {
            let Some(t) = tasks.get(i) else { break };
            permits.acquire();
            let (results, permits) = (&results, &permits);
            s.spawn(move |_| {
                let r = process(ctx, t, Some(fetched.source));
                ctx.progress.tick(t.size);
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((i, r));
                permits.release();
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(not(feature = "cloud"))]
fn process_remote(_ctx: &Ctx<'_, '_>, _tasks: &[&Task]) -> Vec<Result<Processed>> {
    Vec::new()
}

/// A counting semaphore: bounds the fetched inputs held at once.
#[cfg(feature = "cloud")]
struct Permits {
    free: Mutex<usize>,
    freed: std::sync::Condvar,
}

#[cfg(feature = "cloud")]
impl Permits {
    fn new(n: usize) -> Self {
        Self {
            free: Mutex::new(n.max(1)),
            freed: std::sync::Condvar::new(),
        }
    }

    fn acquire(&self) {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= 1;
    }

    fn release(&self) {
        *self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.freed.notify_one();
    }
}

/// The objects the remote arguments name (listing failures become the run's failures);
/// objects inside the dataset itself are never inputs.
#[cfg(feature = "cloud")]
fn list_remote(
    args: &[&PathBuf],
    store: &Store,
    discovered: &mut inputs::Discovered,
    report: &mut IngestReport,
) -> Vec<RemoteObject> {
    if args.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = args.iter().map(|p| p.display().to_string()).collect();
    let listing = crate::source::remote::list(&names);
    report.ignored += listing.ignored;
    for (name, why) in listing.errors {
        discovered.errors.push((PathBuf::from(name), why));
    }
    let own = format!("{}/", store.display());
    listing
        .objects
        .into_iter()
        .filter(|o| o.explicit || !o.name.starts_with(&own))
        .collect()
}

#[cfg(not(feature = "cloud"))]
fn list_remote(
    args: &[&PathBuf],
    _store: &Store,
    discovered: &mut inputs::Discovered,
    _report: &mut IngestReport,
) -> Vec<RemoteObject> {
    for a in args {
        discovered.errors.push((
            (*a).clone(),
            "this build of harx reads no remote inputs (the `cloud` feature)".to_owned(),
        ));
    }
    Vec::new()
}

fn process(
    ctx: &Ctx<'_, '_>,
    t: &Task,
    fetched: Option<std::io::Result<Source>>,
) -> Result<Processed> {
    let Ctx {
        pipeline,
        cfg,
        writers,
        known,
        claimed,
        ..
    } = *ctx;
    let path = &t.found.path;
    let label = path.display().to_string();
    let mut out = Processed::default();
    let Some((sha, streamed)) = identify(t, cfg, fetched, &mut out) else {
        return Ok(out);
    };
    if known.contains_key(&sha) {
        out.already = true;
        return Ok(out);
    }
    if !claim(claimed, &sha, &label) {
        out.duplicate = true;
        return Ok(out);
    }
    let file_tenant = cfg.tenant.for_file(&label);
    let size = streamed.as_ref().map_or(t.size, |s| s.bytes().len() as u64);
    out.bytes = size;
    let mut entries = 0u64;
    let mut any_ok = false;
    let mut run_doc = |member: Option<String>,
                       source: std::result::Result<Source, String>,
                       container_name: &str,
                       out: &mut Processed|
     -> Result<()> {
        let doc_label = match &member {
            Some(m) => format!("{label}!{m}"),
            None => label.clone(),
        };
        let source = match source {
            Ok(s) => s,
            Err(e) => {
                out.rows.push(failed_row(&label, member.as_deref(), e));
                return Ok(());
            }
        };
        let mut sink = Routing {
            writers,
            keys: &cfg.partition_by,
            rule: &cfg.tenant,
            file_tenant: &file_tenant,
            source: (doc_label.clone(), size, Some(sha.clone())),
            tenants: HashMap::new(),
        };
        match pipeline.run_source(&source, Path::new(&doc_label), &mut sink, &mut |_, _| {}) {
            Ok(rep) => {
                any_ok = true;
                entries += rep.entries as u64;
                let tenant = sink
                    .tenants
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map_or_else(|| file_tenant.clone(), |(t, _)| t.clone());
                for p in &rep.page_list {
                    out.pages.push(PageRow {
                        dir: partition::partition_dir(
                            &cfg.partition_by,
                            &tenant,
                            &partition::date_of(p.started_at),
                        ),
                        source_file: doc_label.clone(),
                        page: p.clone(),
                    });
                }
                out.rows.push(FileRow {
                    path: label.clone(),
                    member,
                    sha256: Some(sha.clone()),
                    size_bytes: i64::try_from(source.bytes().len()).ok(),
                    container: Some(container_name.to_owned()),
                    producer: rep.producer.clone(),
                    status: "ingested",
                    error: None,
                    tenant: Some(tenant),
                    entries: i64::try_from(rep.entries).unwrap_or(i64::MAX),
                    pages: i64::try_from(rep.pages).unwrap_or(i64::MAX),
                    skipped: rep
                        .skipped
                        .iter()
                        .map(|s| {
                            format!(
                                "entry {} at byte {} (line {}, column {}): {}",
                                s.index, s.offset, s.line, s.column, s.message
                            )
                        })
                        .collect(),
                    truncated: rep.truncated,
                });
                out.reports.push(rep);
                Ok(())
            }
            Err(e) if input_error(&e) => {
                out.rows.push(failed_row(
                    &label,
                    member.as_deref(),
                    strip_label(&e, &doc_label),
                ));
                Ok(())
            }
            Err(e) => Err(e),
        }
    };
    // a streamed or downloaded archive is read from its spooled bytes
    match inputs::Documents::open(path, streamed, &cfg.limits, &pipeline.saz_options()) {
        Err(e) => out.rows.push(failed_row(&label, None, e.to_string())),
        Ok(docs) => {
            for doc in docs {
                let src = doc.source.map_err(|e| e.to_string());
                // one member in memory (or spooled) at a time
                run_doc(doc.member, src, doc.container, &mut out)?;
            }
        }
    }
    if any_ok {
        out.input = Some(InputRecord {
            path: t.abs.clone(),
            sha256: sha,
            size,
            mtime_ns: t.mtime_ns,
            entries,
            etag: t.etag(),
        });
    } else {
        // Nothing ingested: let a later run try this content again.
        claimed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&sha);
    }
    Ok(out)
}

/// The error message without the leading `label: ` (the files table has the path).
fn strip_label(e: &Error, label: &str) -> String {
    let s = e.to_string();
    s.strip_prefix(label)
        .and_then(|r| r.strip_prefix(": "))
        .map_or(s.clone(), str::to_owned)
}

/// Routes the batches of one HAR document to the partition writers.
struct Routing<'a, 'w> {
    writers: &'a EntryWriters<'w>,
    keys: &'a [Key],
    rule: &'a TenantRule,
    file_tenant: &'a str,
    source: (String, u64, Option<String>),
    tenants: HashMap<String, usize>,
}

impl Sink for Routing<'_, '_> {
    fn write(&mut self, batch: &RecordBatch) -> Result<Flow> {
        for (dir, part) in partition::route(
            batch,
            self.keys,
            self.rule,
            self.file_tenant,
            &mut self.tenants,
        )? {
            self.writers.write(&dir, &part, &self.source)?;
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _meta: &RunMeta) -> Result<()> {
        Ok(())
    }
}
