//! The manifest and the commit protocol.
//!
//! A run commits its work in groups. For each group:
//! 1. every Parquet file is finished, synced and kept under a hidden temporary name
//!    (`.part-….harx-tmp`, which Hive-style readers skip) in its final directory (local)
//!    or a staging directory (S3);
//! 2. `_harx_manifest/<run>-<seq>.pending.json` lists them, and the inputs they hold;
//! 3. each file is published (renamed into place, or uploaded);
//! 4. `_harx_manifest/<run>-<seq>.json` is written, and the pending file removed.
//!
//! Only inputs named in a committed manifest count as ingested. A run killed before step 2
//! leaves hidden temporary files that the next run deletes; killed after it, the next run
//! finishes the group (local: the renames are completed) or undoes it (S3: the uploaded
//! objects are deleted and the inputs ingested again). Either way no input is counted twice.

use super::store::{MANIFEST_DIR, Store, sync_dir};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::PathBuf;

/// Format tag of manifest files.
pub const FORMAT: &str = "harx.manifest/1";

/// One committed (or pending) group.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The run that wrote it.
    pub run_id: String,
    /// Group number within the run.
    pub seq: u32,
    /// harx version.
    pub harx_version: String,
    /// When the group was committed (UTC).
    pub committed_at: String,
    /// Partition keys of the layout, in directory order.
    pub partition_by: Vec<String>,
    /// Whether secrets were redacted.
    pub sanitized: bool,
    /// Inputs whose rows the group holds.
    pub inputs: Vec<InputRecord>,
    /// Files the group published.
    pub files: Vec<Published>,
}

/// One ingested input.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct InputRecord {
    /// Path as given (absolute when it could be resolved).
    pub path: String,
    /// SHA-256 of the input file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (ns since the epoch), for the quick re-run check.
    pub mtime_ns: i128,
    /// Rows written to `entries`.
    pub entries: u64,
    /// The object's entity tag, for an input in object storage or at a URL: with the
    /// size, the quick re-run check made before any download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

/// One published file.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, Eq)]
pub struct Published {
    /// Key relative to the dataset root (`entries/tenant=…/date=…/part-….parquet`).
    pub key: String,
    /// Where it was finished before publishing (a local path).
    pub staged: String,
    /// Rows.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
}

/// What the committed manifests say was ingested.
#[derive(Debug, Default)]
pub struct Ingested {
    /// SHA-256 of every ingested input → its path then.
    pub by_sha: HashMap<String, String>,
    /// `(path, size, mtime_ns)` of every ingested input.
    pub quick: HashSet<(String, u64, i128)>,
    /// `(name, size, entity tag)` of every ingested remote input.
    pub quick_remote: HashSet<(String, u64, String)>,
    /// Committed groups.
    pub groups: usize,
}

/// What recovery did at the start of a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Recovery {
    /// Pending groups completed.
    pub completed: usize,
    /// Pending groups undone.
    pub undone: usize,
    /// Leftover temporary files deleted.
    pub temp_files: usize,
}

fn invalid(key: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{key}: not a harx manifest: {e}"),
    )
}

/// Finishes or undoes the groups that a killed run left pending, and deletes hidden
/// temporary files no pending group names. Call with the lock held.
///
/// # Errors
/// When the dataset cannot be read or changed.
pub fn recover(store: &Store) -> io::Result<Recovery> {
    let mut rec = Recovery::default();
    for name in store.list(MANIFEST_DIR)? {
        let Some(stem) = name.strip_suffix(".pending.json") else {
            continue;
        };
        let key = format!("{MANIFEST_DIR}/{name}");
        let Some(bytes) = store.read(&key)? else {
            continue;
        };
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| invalid(&key, e))?;
        let complete = store.is_local()
            && m.files
                .iter()
                .all(|f| std::path::Path::new(&f.staged).exists() || store.read_exists(&f.key));
        if complete {
            for f in &m.files {
                store.publish(std::path::Path::new(&f.staged), &f.key)?;
            }
            store.write(&format!("{MANIFEST_DIR}/{stem}.json"), &bytes)?;
            rec.completed += 1;
        } else {
            for f in &m.files {
                store.delete(&f.key)?;
                let _ = std::fs::remove_file(&f.staged);
            }
            rec.undone += 1;
        }
        store.delete(&key)?;
    }
    if let Some(root) = store.local_root() {
        rec.temp_files = remove_temp_files(root)?;
    }
    Ok(rec)
}

impl Store {
    /// Whether `key` exists (local datasets only; S3 recovery never asks).
    fn read_exists(&self, key: &str) -> bool {
        match self {
            Self::Local { root } => root.join(key).exists(),
            #[cfg(feature = "cloud")]
            Self::Remote { .. } => false,
        }
    }
}

fn remove_temp_files(root: &std::path::Path) -> io::Result<usize> {
    let mut n = 0;
    let mut stack: Vec<PathBuf> = ["entries", "pages", "files", MANIFEST_DIR]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for e in rd.flatten() {
            let path = e.path();
            let ft = e.file_type()?;
            if ft.is_dir() {
                stack.push(path);
            } else if e.file_name().to_string_lossy().ends_with(".harx-tmp") {
                std::fs::remove_file(&path)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Reads every committed manifest.
///
/// # Errors
/// When one cannot be read or parsed.
pub fn load(store: &Store) -> io::Result<Ingested> {
    let mut out = Ingested::default();
    for name in store.list(MANIFEST_DIR)? {
        if !name.ends_with(".json") || name.ends_with(".pending.json") {
            continue;
        }
        let key = format!("{MANIFEST_DIR}/{name}");
        let Some(bytes) = store.read(&key)? else {
            continue;
        };
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| invalid(&key, e))?;
        if m.format != FORMAT {
            return Err(invalid(&key, format!("format {:?}", m.format)));
        }
        for i in m.inputs {
            out.quick.insert((i.path.clone(), i.size, i.mtime_ns));
            if let Some(etag) = &i.etag {
                out.quick_remote
                    .insert((i.path.clone(), i.size, etag.clone()));
            }
            out.by_sha.insert(i.sha256, i.path);
        }
        out.groups += 1;
    }
    Ok(out)
}

/// Commits one group (steps 2–4 above; step 1 is done by the writers).
///
/// # Errors
/// When the dataset cannot be written. What was not committed is recovered by the next run.
pub fn commit(store: &Store, m: &Manifest) -> io::Result<()> {
    commit_steps(store, m, &mut |step| {
        crate::failpoint::abort_at(step);
        true
    })
    .map(|_| ())
}

/// [`commit`], asking `go_on` before each named step (`before-pending`, `after-pending`,
/// `after-first-publish`, `before-commit`) whether to go on: a `false` leaves the dataset
/// as a run killed there would. Returns whether the group was committed.
fn commit_steps(
    store: &Store,
    m: &Manifest,
    go_on: &mut dyn FnMut(&str) -> bool,
) -> io::Result<bool> {
    let stem = format!("{}-{:05}", m.run_id, m.seq);
    let pending_key = format!("{MANIFEST_DIR}/{stem}.pending.json");
    let bytes = serde_json::to_vec_pretty(m).map_err(io::Error::other)?;
    if !go_on("before-pending") {
        return Ok(false);
    }
    store.write(&pending_key, &bytes)?;
    if !go_on("after-pending") {
        return Ok(false);
    }
    for (i, f) in m.files.iter().enumerate() {
        store.publish(std::path::Path::new(&f.staged), &f.key)?;
        if i == 0 && !go_on("after-first-publish") {
            return Ok(false);
        }
    }
    if let Some(root) = store.local_root() {
        let dirs: HashSet<PathBuf> = m
            .files
            .iter()
            .filter_map(|f| root.join(&f.key).parent().map(std::path::Path::to_path_buf))
            .collect();
        for d in dirs {
            sync_dir(&d);
        }
    }
    if !go_on("before-commit") {
        return Ok(false);
    }
    store.write(&format!("{MANIFEST_DIR}/{stem}.json"), &bytes)?;
    store.delete(&pending_key)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: [&str; 4] = [
        "before-pending",
        "after-pending",
        "after-first-publish",
        "before-commit",
    ];

    /// A group of two files staged as the writers leave them, and its manifest.
    fn staged_group(store: &Store, seq: u32) -> Manifest {
        let mut m = Manifest {
            format: FORMAT.to_owned(),
            run_id: "run".to_owned(),
            seq,
            inputs: vec![InputRecord {
                path: format!("/in/{seq}.har"),
                sha256: format!("sha-{seq}"),
                size: 10,
                mtime_ns: 1,
                entries: 2,
                etag: None,
            }],
            ..Manifest::default()
        };
        for i in 0..2 {
            let key = format!("entries/tenant=t/part-{seq}-{i}.parquet");
            let staged = store.staging_path(&key).expect("staging");
            let staged = staged.with_file_name(format!(".part-{seq}-{i}.parquet.harx-tmp"));
            std::fs::write(&staged, b"rows").expect("stage");
            m.files.push(Published {
                key,
                staged: staged.display().to_string(),
                rows: 1,
                bytes: 4,
            });
        }
        m
    }

    /// Killed at each step, a local dataset recovers to all or nothing: before the
    /// pending manifest nothing is ingested and the hidden files are deleted; after it the
    /// group is completed, its files in place, its input counted once.
    #[test]
    fn a_local_commit_killed_at_any_step_recovers_to_all_or_nothing() {
        for (k, stop) in STEPS.iter().enumerate() {
            let dir = tempfile::tempdir().expect("tmp");
            let store = Store::open(&dir.path().display().to_string()).expect("store");
            let m = staged_group(&store, 1);
            let done = commit_steps(&store, &m, &mut |s| s != *stop).expect("commit");
            assert!(!done, "{stop}");
            let rec = recover(&store).expect("recover");
            let got = load(&store).expect("load");
            let root = dir.path();
            if k == 0 {
                assert_eq!(
                    (rec.completed, rec.undone, rec.temp_files),
                    (0, 0, 2),
                    "{stop}"
                );
                assert_eq!(got.groups, 0, "{stop}");
                assert!(
                    m.files.iter().all(|f| !root.join(&f.key).exists()),
                    "{stop}"
                );
            } else {
                assert_eq!((rec.completed, rec.undone), (1, 0), "{stop}");
                assert_eq!(got.groups, 1, "{stop}");
                assert!(got.by_sha.contains_key("sha-1"), "{stop}");
                assert!(m.files.iter().all(|f| root.join(&f.key).exists()), "{stop}");
            }
            // nothing pending or hidden is left, and a second recovery has nothing to do
            let again = recover(&store).expect("recover");
            assert_eq!((again.completed, again.undone, again.temp_files), (0, 0, 0));
        }
    }

    /// In an object store a pending group is undone: its uploaded objects are deleted and
    /// its inputs are not counted (the next run ingests them again).
    #[cfg(feature = "cloud")]
    #[test]
    fn a_remote_commit_killed_at_any_step_is_undone() {
        use object_store::ObjectStore;
        for stop in &STEPS[1..] {
            let mem: std::sync::Arc<dyn ObjectStore> =
                std::sync::Arc::new(object_store::memory::InMemory::new());
            let store = Store::remote(mem, "lake", "memory://lake").expect("store");
            let m = staged_group(&store, 2);
            assert!(!commit_steps(&store, &m, &mut |s| s != *stop).expect("commit"));
            let rec = recover(&store).expect("recover");
            assert_eq!((rec.completed, rec.undone), (0, 1), "{stop}");
            assert_eq!(load(&store).expect("load").groups, 0, "{stop}");
            assert!(
                store.list("entries/tenant=t").expect("list").is_empty(),
                "{stop}"
            );
        }
        // and a commit that runs to the end is loaded
        let mem: std::sync::Arc<dyn ObjectStore> =
            std::sync::Arc::new(object_store::memory::InMemory::new());
        let store = Store::remote(mem, "lake", "memory://lake").expect("store");
        let m = staged_group(&store, 3);
        commit(&store, &m).expect("commit");
        assert_eq!(load(&store).expect("load").groups, 1);
        assert_eq!(store.list("entries/tenant=t").expect("list").len(), 2);
    }
}
