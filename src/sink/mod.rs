//! Sink: push-model consumers of entry batches. The pipeline drives; a sink receives
//! batches and finishes once. Outputs are written to a temporary file created 0600 next to
//! the destination and renamed into place only when complete.

pub mod parquet;
pub mod schema;
pub mod text;

use crate::error::{Error, Result};
use arrow_array::RecordBatch;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Facts about the run that outputs record as metadata.
#[derive(Debug, Default, Clone)]
pub struct RunMeta {
    /// `(source path, size in bytes, sha256 hex if computed)` of each input.
    pub sources: Vec<(String, u64, Option<String>)>,
    /// Whether the built-in redaction ran.
    pub sanitized: bool,
    /// SHA-256 of the redaction rules in force (when sanitized).
    pub rules_sha256: Option<String>,
}

/// What a sink asks of the run after a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Flow {
    /// Go on.
    Continue,
    /// Enough rows: stop reading (the run ends after the window in flight, without
    /// parsing the rest of the input).
    Stop,
}

/// A consumer of entry batches: `begin` once with the schema, `write` per batch (in entry
/// order), `finish` once at the end.
pub trait Sink {
    /// Called once before the first batch, with the schema every batch has.
    ///
    /// # Errors
    /// When the output cannot be started.
    fn begin(&mut self, schema: &arrow_schema::SchemaRef) -> Result<()> {
        let _ = schema;
        Ok(())
    }

    /// Receives one batch of rows; [`Flow::Stop`] ends the run early.
    ///
    /// # Errors
    /// When the output cannot be written.
    fn write(&mut self, batch: &RecordBatch) -> Result<Flow>;

    /// Completes the output (a file sink moves it into place). Called once; a sink that is
    /// dropped without it leaves no output behind.
    ///
    /// # Errors
    /// When the output cannot be completed.
    fn finish(&mut self, meta: &RunMeta) -> Result<()>;
}

/// Temporary output files that exist now, for [`remove_temporaries`].
static LIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A temporary file's place in the list of live ones, for as long as the guard lives.
#[derive(Debug)]
pub struct TempGuard(PathBuf);

impl TempGuard {
    /// Lists `path` among the live temporary files.
    pub fn new(path: &Path) -> Self {
        if let Ok(mut live) = LIVE.lock() {
            live.push(path.to_path_buf());
        }
        Self(path.to_path_buf())
    }
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Ok(mut live) = LIVE.lock()
            && let Some(i) = live.iter().rposition(|p| *p == self.0)
        {
            live.swap_remove(i);
        }
    }
}

/// Removes every temporary output file that exists now. A front end calls it when the
/// process is interrupted (SIGINT, SIGTERM), so nothing half written stays behind; the
/// destinations are untouched, as they are only ever replaced by a rename.
pub fn remove_temporaries() {
    let live = match LIVE.lock() {
        Ok(l) => l.clone(),
        Err(p) => p.into_inner().clone(),
    };
    for p in live {
        let _ = std::fs::remove_file(p);
    }
}

/// An output file under construction: a 0600 temporary file in the destination's
/// directory, renamed over the destination by [`AtomicFile::commit`]. Dropped without a
/// commit, the temporary file is removed.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    temp: tempfile::NamedTempFile,
    _live: TempGuard,
}

/// The error of creating a temporary file in `dir`, told without the temporary file's
/// name (an internal detail the user never chose): a missing folder said so, other causes
/// as the system tells them.
pub fn temp_error(e: std::io::Error, dir: &Path) -> std::io::Error {
    use std::io::{Error as IoError, ErrorKind};
    if e.kind() == ErrorKind::NotFound && !dir.is_dir() {
        return IoError::new(
            ErrorKind::NotFound,
            format!("the folder {} does not exist", dir.display()),
        );
    }
    let code = e
        .get_ref()
        .and_then(std::error::Error::source)
        .and_then(|s| s.downcast_ref::<IoError>())
        .and_then(IoError::raw_os_error)
        .or_else(|| e.raw_os_error());
    match code {
        Some(code) => IoError::from_raw_os_error(code),
        None => IoError::new(e.kind(), e.kind().to_string()),
    }
}

impl AtomicFile {
    /// Creates the temporary file for `path` (`-` is not allowed here).
    ///
    /// # Errors
    /// When the directory is not writable.
    pub fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".harx-tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::Write {
                path: path.to_path_buf(),
                source: temp_error(e, &dir),
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            _live: TempGuard::new(temp.path()),
            temp,
        })
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the temporary file is (for a writer that opens it by name).
    pub fn path_temp(&self) -> &Path {
        self.temp.path()
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.temp.as_file_mut()
    }

    /// A second handle on the temporary file (for writers that take ownership).
    ///
    /// # Errors
    /// When the handle cannot be duplicated.
    pub fn reopen(&self) -> Result<std::fs::File> {
        self.temp
            .as_file()
            .try_clone()
            .map_err(|source| Error::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes to disk and keeps the temporary file where it is (its hidden name, which
    /// Hive-style readers skip); returns that path. The caller renames it later.
    ///
    /// # Errors
    /// When syncing fails or the file cannot be kept.
    pub fn keep(mut self) -> Result<PathBuf> {
        self.sync()?;
        let (_, kept) = self.temp.keep().map_err(|e| Error::Write {
            path: self.path.clone(),
            source: e.error,
        })?;
        Ok(kept)
    }

    fn sync(&mut self) -> Result<()> {
        let werr = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        self.temp.as_file_mut().flush().map_err(werr)?;
        self.temp.as_file().sync_all().map_err(werr)
    }

    /// Flushes to disk and renames into place.
    ///
    /// # Errors
    /// When syncing or renaming fails.
    pub fn commit(mut self) -> Result<()> {
        self.sync()?;
        self.temp.persist(&self.path).map_err(|e| Error::Write {
            path: self.path.clone(),
            source: e.error,
        })?;
        Ok(())
    }
}

/// What a path is, for telling whether two paths are one file: the device and inode of
/// an existing file (hard links and symbolic links are seen through), else the path with
/// its directory resolved.
#[derive(Debug, PartialEq, Eq)]
enum FileKey {
    Inode(u64, u64),
    Path(std::path::PathBuf),
}

fn file_key(p: &std::path::Path) -> Option<FileKey> {
    use std::os::unix::fs::MetadataExt;
    if p.as_os_str() == "-" {
        return None;
    }
    if let Ok(m) = std::fs::metadata(p) {
        return Some(FileKey::Inode(m.dev(), m.ino()));
    }
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    Some(FileKey::Path(dir.join(p.file_name()?)))
}

/// Refuses a run whose outputs name one of its inputs (the capture would be replaced by
/// what was made of it) or each other (one output would replace the other). Standard
/// input and output (`-`) are exempt.
///
/// # Errors
/// A message naming the output and what it collides with.
pub fn check_outputs(
    inputs: &[&std::path::Path],
    outputs: &[&std::path::Path],
) -> std::result::Result<(), String> {
    let ins: Vec<(&std::path::Path, FileKey)> = inputs
        .iter()
        .filter_map(|p| file_key(p).map(|k| (*p, k)))
        .collect();
    let mut outs: Vec<(&std::path::Path, FileKey)> = Vec::new();
    for o in outputs {
        let Some(k) = file_key(o) else { continue };
        if let Some((i, _)) = ins.iter().find(|(_, ik)| *ik == k) {
            return Err(format!(
                "{}: the output would replace an input ({}); choose another output name",
                o.display(),
                i.display()
            ));
        }
        if let Some((other, _)) = outs.iter().find(|(_, ok)| *ok == k) {
            return Err(format!(
                "{}: two outputs name the same file ({}); choose different names",
                o.display(),
                other.display()
            ));
        }
        outs.push((o, k));
    }
    Ok(())
}
