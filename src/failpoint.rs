//! Test hooks, built only with the `failpoints` feature (the test suite's build); without
//! it every hook is an empty inline function. `HARX_FAILPOINT` names one:
//!
//! - a commit step of `ingest` (see `ingest::manifest`): the process aborts there, the way
//!   a `kill -9` would, so the tests can check recovery from every point;
//! - `shrink:<path>`: the first time a window of a mapped input has been checked and is
//!   about to be read, `<path>` is cut to one page, the way another process truncating it
//!   would, so the tests can check that the vanished pages are caught.

/// Aborts the process when `HARX_FAILPOINT` is `name`.
#[cfg(feature = "failpoints")]
pub(crate) fn abort_at(name: &str) {
    if std::env::var("HARX_FAILPOINT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}

/// Without the `failpoints` feature: nothing.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub(crate) fn abort_at(_name: &str) {}

/// Cuts the file `HARX_FAILPOINT=shrink:<path>` names to one page, once per process, when
/// `file` (a mapped input about to be read) is that file.
#[cfg(feature = "failpoints")]
pub(crate) fn shrink_input(file: &std::fs::File) {
    use std::os::unix::fs::MetadataExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    let Ok(v) = std::env::var("HARX_FAILPOINT") else {
        return;
    };
    let Some(path) = v.strip_prefix("shrink:") else {
        return;
    };
    let same = match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    };
    if same && !DONE.swap(true, Ordering::AcqRel) {
        let cut = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|f| f.set_len(4096));
        if let Err(e) = cut {
            eprintln!("failpoint shrink: {path}: {e}");
        }
    }
}

/// Without the `failpoints` feature: nothing.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub(crate) fn shrink_input(_file: &std::fs::File) {}
