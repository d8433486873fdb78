//! Where a dataset lives: a local directory, or an S3 bucket and prefix (through the
//! object_store crate on a small tokio runtime; the CPU work stays on rayon).
//!
//! Both offer the few operations the commit protocol needs: read, list and write small
//! objects (manifests), publish a finished Parquet file under its final key, delete, and a
//! lock that keeps a second run out.

#[cfg(feature = "cloud")]
use object_store::path::Path as ObjectPath;
#[cfg(feature = "cloud")]
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, WriteMultipart};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
#[cfg(feature = "cloud")]
use std::sync::Arc;

/// Directory (key prefix) of the manifests and the lock.
pub const MANIFEST_DIR: &str = "_harx_manifest";
const LOCK_KEY: &str = "_harx_manifest/lock";
/// Staging directories of S3 runs: `harx-stage-<pid>-<random>` in the temporary directory.
#[cfg(feature = "cloud")]
const STAGING_PREFIX: &str = "harx-stage-";

/// Removes the staging directories that runs killed before they could clean up left in
/// the temporary directory: those whose process is gone (a live run's are left alone).
#[cfg(feature = "cloud")]
fn clean_stale_staging() {
    let Ok(dir) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(STAGING_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        let own = pid == std::process::id();
        if !alive && !own && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// A dataset's storage.
pub enum Store {
    /// A local directory.
    Local {
        /// The dataset root.
        root: PathBuf,
    },
    /// An object store bucket and prefix.
    #[cfg(feature = "cloud")]
    Remote {
        /// The store.
        store: Arc<dyn ObjectStore>,
        /// Key prefix of the dataset root (may be empty).
        prefix: String,
        /// `s3://bucket/prefix` as given.
        url: String,
        /// The runtime that drives the store's futures.
        rt: Rt,
        /// Local directory where files are finished before upload.
        staging: tempfile::TempDir,
    },
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(feature = "cloud")]
fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

#[cfg(feature = "cloud")]
pub use crate::source::remote::Rt;

impl Store {
    /// A dataset in any object store (S3, GCS, Azure, in memory, as configured by the
    /// caller) under `prefix`; `url` is how messages name it.
    ///
    /// # Errors
    /// When the runtime or the staging directory cannot be created.
    #[cfg(feature = "cloud")]
    pub fn remote(store: Arc<dyn ObjectStore>, prefix: &str, url: &str) -> io::Result<Self> {
        let rt = Rt::new()?;
        clean_stale_staging();
        Ok(Self::Remote {
            store,
            prefix: prefix.trim_matches('/').to_owned(),
            url: url.trim_end_matches('/').to_owned(),
            rt,
            staging: tempfile::Builder::new()
                .prefix(&format!("{STAGING_PREFIX}{}-", std::process::id()))
                .tempdir()?,
        })
    }

    /// Opens `target`: `s3://bucket/prefix` (endpoint, region and credentials from the
    /// usual `AWS_*` environment variables; an `http://` endpoint is allowed as given) or
    /// a local directory, created when missing.
    ///
    /// # Errors
    /// When the directory cannot be created or the URL is not understood.
    pub fn open(target: &str) -> io::Result<Self> {
        #[cfg(not(feature = "cloud"))]
        if target.starts_with("s3://") {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this build of harx has no object-storage support (the `cloud` feature)",
            ));
        }
        #[cfg(feature = "cloud")]
        if let Some(rest) = target.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "s3:// URL without a bucket",
                ));
            }
            let store = crate::source::remote::s3_store(bucket)?;
            return Self::remote(Arc::new(store), prefix, target);
        }
        if target.contains("://") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "only local directories and s3:// URLs are supported",
            ));
        }
        let root = PathBuf::from(target);
        std::fs::create_dir_all(root.join(MANIFEST_DIR))?;
        Ok(Self::Local { root })
    }

    /// The dataset as the user named it.
    pub fn display(&self) -> String {
        match self {
            Self::Local { root } => root.display().to_string(),
            #[cfg(feature = "cloud")]
            Self::Remote { url, .. } => url.clone(),
        }
    }

    /// The root directory of a local dataset.
    pub fn local_root(&self) -> Option<&Path> {
        match self {
            Self::Local { root } => Some(root),
            #[cfg(feature = "cloud")]
            Self::Remote { .. } => None,
        }
    }

    /// Whether files can be renamed into place (local) rather than uploaded.
    pub fn is_local(&self) -> bool {
        matches!(self, Self::Local { .. })
    }

    /// The object key of `key` under the prefix, taken literally: partition values are
    /// already percent-encoded, and must not be encoded twice.
    #[cfg(feature = "cloud")]
    fn object_path(prefix: &str, key: &str) -> ObjectPath {
        let full = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}/{key}")
        };
        ObjectPath::parse(&full).unwrap_or_else(|_| ObjectPath::from(full))
    }

    /// The local directory where a file for `key` is written before it is published: the
    /// final directory itself for a local dataset (so publishing is a rename), a staging
    /// directory otherwise.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn staging_path(&self, key: &str) -> io::Result<PathBuf> {
        let path = match self {
            Self::Local { root } => root.join(key),
            #[cfg(feature = "cloud")]
            Self::Remote { staging, .. } => staging.path().join(key),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        Ok(path)
    }

    /// Reads a small object; `None` when it does not exist.
    ///
    /// # Errors
    /// On any other failure.
    pub fn read(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match self {
            Self::Local { root } => match std::fs::read(root.join(key)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            #[cfg(feature = "cloud")]
            Self::Remote {
                store, prefix, rt, ..
            } => rt.block_on(async {
                match store.get(&Self::object_path(prefix, key)).await {
                    Ok(r) => Ok(Some(r.bytes().await.map_err(other)?.to_vec())),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(other(e)),
                }
            }),
        }
    }

    /// Names (not paths) of the objects directly under `dir`.
    ///
    /// # Errors
    /// When listing fails.
    pub fn list(&self, dir: &str) -> io::Result<Vec<String>> {
        let mut names = match self {
            Self::Local { root } => match std::fs::read_dir(root.join(dir)) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            },
            #[cfg(feature = "cloud")]
            Self::Remote {
                store, prefix, rt, ..
            } => rt.block_on(async {
                let p = Self::object_path(prefix, dir);
                let listed = store.list_with_delimiter(Some(&p)).await.map_err(other)?;
                Ok::<_, io::Error>(
                    listed
                        .objects
                        .into_iter()
                        .filter_map(|o| o.location.filename().map(str::to_owned))
                        .collect(),
                )
            })?,
        };
        names.sort();
        Ok(names)
    }

    /// Writes a small object completely or not at all (local: temporary file, fsync,
    /// rename; S3: one PUT).
    ///
    /// # Errors
    /// When writing fails.
    pub fn write(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Local { root } => {
                let path = root.join(key);
                let dir = path.parent().unwrap_or(root);
                std::fs::create_dir_all(dir)?;
                let mut tmp = tempfile::Builder::new()
                    .prefix(".manifest.")
                    .suffix(".harx-tmp")
                    .tempfile_in(dir)
                    .map_err(|e| crate::sink::temp_error(e, dir))?;
                let _live = crate::sink::TempGuard::new(tmp.path());
                tmp.write_all(bytes)?;
                tmp.as_file().sync_all()?;
                tmp.persist(&path).map_err(|e| e.error)?;
                sync_dir(dir);
                Ok(())
            }
            #[cfg(feature = "cloud")]
            Self::Remote {
                store, prefix, rt, ..
            } => rt.block_on(async {
                store
                    .put(
                        &Self::object_path(prefix, key),
                        PutPayload::from(bytes.to_vec()),
                    )
                    .await
                    .map(|_| ())
                    .map_err(other)
            }),
        }
    }

    /// Moves a finished local file to `key`: a rename on a local dataset, an upload
    /// (multipart for large files) to an object store. Publishing a file already published
    /// (its staged copy gone, the final one present) succeeds.
    ///
    /// # Errors
    /// When the move or upload fails.
    pub fn publish(&self, staged: &Path, key: &str) -> io::Result<()> {
        match self {
            Self::Local { root } => {
                let dest = root.join(key);
                match std::fs::rename(staged, &dest) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound && dest.exists() => Ok(()),
                    Err(e) => Err(e),
                }
            }
            #[cfg(feature = "cloud")]
            Self::Remote {
                store, prefix, rt, ..
            } => {
                let mut file = File::open(staged)?;
                let len = file.metadata()?.len();
                let location = Self::object_path(prefix, key);
                rt.block_on(async {
                    if len <= 16 * 1024 * 1024 {
                        let mut buf = Vec::with_capacity(len as usize);
                        file.read_to_end(&mut buf)?;
                        store
                            .put(&location, PutPayload::from(buf))
                            .await
                            .map_err(other)?;
                    } else {
                        let upload = store.put_multipart(&location).await.map_err(other)?;
                        let mut w = WriteMultipart::new_with_chunk_size(upload, 8 * 1024 * 1024);
                        let mut buf = vec![0u8; 1 << 20];
                        loop {
                            let n = file.read(&mut buf)?;
                            if n == 0 {
                                break;
                            }
                            w.wait_for_capacity(4).await.map_err(other)?;
                            w.write(&buf[..n]);
                        }
                        w.finish().await.map_err(other)?;
                    }
                    Ok::<_, io::Error>(())
                })?;
                let _ = std::fs::remove_file(staged);
                Ok(())
            }
        }
    }

    /// Deletes `key` if it exists.
    ///
    /// # Errors
    /// When deleting fails for another reason than absence.
    pub fn delete(&self, key: &str) -> io::Result<()> {
        match self {
            Self::Local { root } => match std::fs::remove_file(root.join(key)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            #[cfg(feature = "cloud")]
            Self::Remote {
                store, prefix, rt, ..
            } => rt.block_on(async {
                match store.delete(&Self::object_path(prefix, key)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                    Err(e) => Err(other(e)),
                }
            }),
        }
    }

    /// Takes the dataset's writer lock. Local: an advisory lock on
    /// `_harx_manifest/lock` (released by the kernel when the process dies). S3: an object
    /// created only if absent (`If-None-Match: *`), deleted when the guard drops; a run
    /// killed with the lock held leaves it, and `break_lock` removes it.
    ///
    /// # Errors
    /// When another run holds the lock (the message says who), or on I/O failure.
    pub fn lock(&self, break_lock: bool) -> io::Result<LockGuard<'_>> {
        #[cfg(not(feature = "cloud"))]
        let _ = break_lock;
        let who = format!(
            "{{\"pid\":{},\"host\":{:?},\"started_at\":{:?}}}",
            std::process::id(),
            std::env::var("HOSTNAME").unwrap_or_default(),
            crate::analyze::utc(Some(now_us()))
        );
        match self {
            Self::Local { root } => {
                let path = root.join(LOCK_KEY);
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .read(true)
                    .write(true)
                    .open(&path)?;
                match file.try_lock() {
                    Ok(()) => {}
                    Err(std::fs::TryLockError::WouldBlock) => {
                        let mut holder = String::new();
                        let _ = file.read_to_string(&mut holder);
                        return Err(io::Error::new(
                            io::ErrorKind::WouldBlock,
                            format!(
                                "another harx ingest is writing this dataset ({}); wait for it to finish",
                                holder.trim()
                            ),
                        ));
                    }
                    Err(std::fs::TryLockError::Error(e)) => return Err(e),
                }
                file.set_len(0)?;
                file.write_all(who.as_bytes())?;
                Ok(LockGuard {
                    store: self,
                    _file: Some(file),
                })
            }
            #[cfg(feature = "cloud")]
            Self::Remote {
                store, prefix, rt, ..
            } => {
                let location = Self::object_path(prefix, LOCK_KEY);
                rt.block_on(async {
                    if break_lock {
                        let _ = store.delete(&location).await;
                    }
                    let opts = PutOptions {
                        mode: PutMode::Create,
                        ..PutOptions::default()
                    };
                    match store
                        .put_opts(&location, PutPayload::from(who.into_bytes()), opts)
                        .await
                    {
                        Ok(_) => Ok(()),
                        Err(object_store::Error::AlreadyExists { .. })
                        | Err(object_store::Error::Precondition { .. }) => {
                            let holder = match store.get(&location).await {
                                Ok(r) => r
                                    .bytes()
                                    .await
                                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                                    .unwrap_or_default(),
                                Err(_) => String::new(),
                            };
                            Err(io::Error::new(
                                io::ErrorKind::WouldBlock,
                                format!(
                                    "another harx ingest holds this dataset's lock ({}); wait for it, or if that run died, run again with --break-lock",
                                    holder.trim()
                                ),
                            ))
                        }
                        Err(e) => Err(other(e)),
                    }
                })?;
                Ok(LockGuard {
                    store: self,
                    _file: None,
                })
            }
        }
    }
}

/// Holds a dataset's writer lock until dropped.
pub struct LockGuard<'a> {
    store: &'a Store,
    _file: Option<File>,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        if !self.store.is_local() {
            let _ = self.store.delete(LOCK_KEY);
        }
    }
}

/// Makes a rename durable (best effort: not every file system supports it).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Now, in microseconds since the epoch.
pub fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store as a service uses it: any `ObjectStore`, called from async code.
    #[cfg(feature = "cloud")]
    #[test]
    fn a_remote_store_works_from_inside_an_async_caller() {
        let mem: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let store = Store::remote(Arc::clone(&mem), "lake/", "memory://lake").expect("store");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            store.write("_harx_manifest/a.json", b"{}").expect("write");
            assert_eq!(
                store.read("_harx_manifest/a.json").expect("read"),
                Some(b"{}".to_vec())
            );
            assert_eq!(store.list("_harx_manifest").expect("list"), ["a.json"]);
            let held = store.lock(false).expect("lock");
            assert!(store.lock(false).is_err(), "a second writer is refused");
            drop(held);
            // the object is where the caller's store has it, under the prefix
            let at = ObjectPath::from("lake/_harx_manifest/a.json");
            assert!(mem.head(&at).await.is_ok());
            let lock = ObjectPath::from("lake/_harx_manifest/lock");
            assert!(mem.head(&lock).await.is_err(), "the lock is released");
            store.delete("_harx_manifest/a.json").expect("delete");
            assert_eq!(store.read("_harx_manifest/a.json").expect("read"), None);
        });
    }

    #[cfg(feature = "cloud")]
    #[test]
    fn stale_staging_of_dead_runs_is_removed_and_live_runs_kept() {
        let dead = 3_999_999u32;
        assert!(!Path::new("/proc").join(dead.to_string()).exists());
        let tmp = std::env::temp_dir();
        let stale = tmp.join(format!("{STAGING_PREFIX}{dead}-unit"));
        let live = tmp.join(format!("{STAGING_PREFIX}{}-unit", std::process::id()));
        let other = tmp.join("harx-stagefright-unit");
        for d in [&stale, &live, &other] {
            std::fs::create_dir_all(d.join("entries")).unwrap_or_else(|e| panic!("{e}"));
        }
        clean_stale_staging();
        assert!(!stale.exists(), "a dead run's staging is removed");
        assert!(
            live.exists() && other.exists(),
            "a live run's (and others') are kept"
        );
        for d in [&live, &other] {
            std::fs::remove_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}
