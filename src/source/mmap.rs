//! Memory mapping: the only `unsafe` code in harx.
#![allow(unsafe_code)]

use memmap2::{Advice, Mmap, UncheckedAdvice};
use std::fs::File;
use std::io;

/// A read-only memory map of a whole file.
#[derive(Debug)]
pub struct MappedFile {
    /// Declared before `map`, so it is unlisted before the map is unmapped.
    guard: guard::Guard,
    map: Mmap,
    /// The file, to tell whether it shrank while mapped.
    file: File,
}

impl MappedFile {
    /// Maps `file` read-only and hints the kernel that it will be read sequentially, and
    /// that huge pages are welcome where the page cache has them (fewer page-table entries
    /// to set up and tear down: about 10 % less CPU for `export` on a cached 1 GB file).
    ///
    /// # Errors
    /// When the file cannot be mapped.
    pub fn open(file: &File) -> io::Result<Self> {
        // SAFETY: the map is read-only and private to this process. If another process
        // rewrites the file while it is mapped, reads may see the new bytes (harx treats
        // its inputs as immutable for a run, as ripgrep and every mmap-based reader do, and
        // documents this in the README); if it truncates the file, reads past the new end
        // fault (SIGBUS), which `guard` turns into zero pages and a reported error.
        let map = unsafe { Mmap::map(file)? };
        let guard = guard::Guard::new(map.as_ptr() as usize, map.len());
        // Advice is a hint: failure changes nothing but speed.
        let _ = map.advise(Advice::Sequential);
        #[cfg(target_os = "linux")]
        let _ = map.advise(Advice::HugePage);
        Ok(Self {
            guard,
            map,
            file: file.try_clone()?,
        })
    }

    /// The bytes of the map that are still in the file (its length now, at most the
    /// map's).
    pub fn readable_len(&self) -> usize {
        let now = self.file.metadata().map_or(0, |m| m.len());
        let now = usize::try_from(now).map_or(self.map.len(), |n| n.min(self.map.len()));
        self.guard.fault().map_or(now, |at| at.min(now))
    }

    /// Fails when the file is now shorter than the map (reading the pages past its new
    /// end would fault), or when a read already met such a page (and read zeros). Checked
    /// before each window is read and before a document's results are kept, so an input
    /// that another process truncates is reported as such and the run goes on with the
    /// next.
    ///
    /// # Errors
    /// When the file shrank, or cannot be inspected.
    pub fn check_len(&self) -> io::Result<()> {
        let now = self.file.metadata()?.len();
        let was = self.map.len();
        let how = if now < was as u64 {
            format!("from {was} to {now} bytes")
        } else if self.guard.fault().is_some() {
            format!("below {was} bytes, then grew back")
        } else {
            return Ok(());
        };
        Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the input shrank while it was read ({how}); nothing more is read from it"),
        ))
    }

    /// The file mapped.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Asks the kernel to read `start..end` ahead (`MADV_WILLNEED`): it starts the reads
    /// of a file not yet cached and returns. The pages are mapped by the faults of the
    /// first reads; mapping them all up front (`MADV_POPULATE_READ`) measured about 4 %
    /// more CPU on a cached file.
    pub fn prefetch(&self, start: usize, end: usize) {
        let page = page_size();
        let start = (start / page) * page;
        let end = end.min(self.map.len());
        if end > start {
            let _ = self.map.advise_range(Advice::WillNeed, start, end - start);
        }
    }

    /// Tells the kernel the pages of `start..end` are no longer needed, so consumed input
    /// does not pile up in the process's resident set. The bytes stay readable (they are
    /// read back from the page cache or the file if touched again).
    pub fn release(&self, start: usize, end: usize) {
        let page = page_size();
        let start = start.div_ceil(page) * page;
        let end = (end / page) * page;
        if end <= start || end > self.map.len() {
            return;
        }
        // SAFETY: MADV_DONTNEED on a read-only, file-backed, private mapping that was never
        // written drops the resident pages; later reads fault them back in from the file
        // with the same contents. No reference observes a change, so no Rust aliasing rule
        // is broken. The range is inside the mapping (checked above) and page-aligned.
        let _ = unsafe {
            self.map
                .unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start)
        };
    }
}

fn page_size() -> usize {
    rustix::param::page_size()
}

/// A guard against the one way a mapping can hurt harx: another process truncating the
/// file while it is read. Reading a mapped page past the file's new end raises SIGBUS,
/// which kills the process with no message. While a [`MappedFile`] lives, its address
/// range is listed here; a SIGBUS inside a listed range replaces the pages from the fault
/// to the end of the mapping with zero pages (so the read completes) and marks the map
/// as damaged, which [`MappedFile::check_len`] reports. A SIGBUS anywhere else is passed
/// to the handler that was there before (the default one kills the process, as always).
#[cfg(target_os = "linux")]
mod guard {
    use std::ffi::c_void;
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Maps guarded at once. Past this many, a map is read unguarded (as before).
    const SLOTS: usize = 512;
    /// A slot being filled or emptied: the handler skips it.
    const BUSY: usize = usize::MAX;
    /// No fault in the range.
    const NONE: usize = usize::MAX;

    struct Slot {
        start: AtomicUsize,
        end: AtomicUsize,
        /// The offset in the map of the first page read after it vanished, or `NONE`.
        fault: AtomicUsize,
    }

    static TABLE: [Slot; SLOTS] = [const {
        Slot {
            start: AtomicUsize::new(0),
            end: AtomicUsize::new(0),
            fault: AtomicUsize::new(NONE),
        }
    }; SLOTS];
    static INSTALL: Once = Once::new();
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    static PAGE: AtomicUsize = AtomicUsize::new(4096);
    /// The handler in place before ours: `sa_sigaction` and `sa_flags`, read by the
    /// signal handler (atomics only: nothing there may lock or allocate).
    static PREVIOUS: AtomicUsize = AtomicUsize::new(libc::SIG_DFL);
    static PREVIOUS_FLAGS: AtomicUsize = AtomicUsize::new(0);

    /// A guarded range; unlisted on drop.
    #[derive(Debug)]
    pub struct Guard(Option<usize>);

    impl Guard {
        /// Lists `start..start + len` (a mapping's address range).
        pub fn new(start: usize, len: usize) -> Self {
            INSTALL.call_once(install);
            if !INSTALLED.load(Ordering::Acquire) || len == 0 {
                return Self(None);
            }
            for (i, slot) in TABLE.iter().enumerate() {
                if slot
                    .start
                    .compare_exchange(0, BUSY, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    slot.fault.store(NONE, Ordering::Relaxed);
                    slot.end.store(start + len, Ordering::Release);
                    slot.start.store(start, Ordering::Release);
                    return Self(Some(i));
                }
            }
            Self(None)
        }

        /// Where in the range the first read past the file's end was caught, if one was:
        /// the bytes from there on were read as zeros.
        pub fn fault(&self) -> Option<usize> {
            self.0
                .map(|i| TABLE[i].fault.load(Ordering::Acquire))
                .filter(|&at| at != NONE)
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if let Some(i) = self.0 {
                let slot = &TABLE[i];
                slot.start.store(BUSY, Ordering::Release);
                slot.end.store(0, Ordering::Release);
                slot.start.store(0, Ordering::Release);
            }
        }
    }

    fn install() {
        PAGE.store(super::page_size(), Ordering::Relaxed);
        // SAFETY: `sigaction` is given a zeroed, then filled, `struct sigaction` and a
        // place for the previous one; both live for the call. The handler only reads
        // atomics and calls `mmap` and `sigaction`, which are async-signal-safe.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_sigbus as *const () as usize;
            new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&raw mut new.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &raw const new, &raw mut old) == 0 {
                PREVIOUS.store(old.sa_sigaction, Ordering::Release);
                PREVIOUS_FLAGS.store(old.sa_flags as usize, Ordering::Release);
                INSTALLED.store(true, Ordering::Release);
            }
        }
    }

    extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
        // SAFETY: the kernel hands a valid `siginfo_t` to an SA_SIGINFO handler.
        let addr = unsafe { (*info).si_addr() } as usize;
        let page = PAGE.load(Ordering::Relaxed);
        for slot in &TABLE {
            let start = slot.start.load(Ordering::Acquire);
            if start == 0 || start == BUSY {
                continue;
            }
            let end = slot.end.load(Ordering::Acquire).div_ceil(page) * page;
            if addr < start || addr >= end {
                continue;
            }
            let at = addr / page * page;
            // SAFETY: `at..end` lies inside a live read-only mapping of a file whose pages
            // there no longer exist (the file shrank). Mapping anonymous zero pages over
            // them with MAP_FIXED replaces only those pages of that mapping; the read that
            // faulted then completes with zeros, which the map's owner is told to distrust.
            let r = unsafe {
                libc::mmap(
                    at as *mut c_void,
                    end - at,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if r != libc::MAP_FAILED {
                // The first fault is the one that counts: later pages were replaced with it.
                let _ = slot.fault.compare_exchange(
                    NONE,
                    at - start,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                );
                return;
            }
            break;
        }
        pass_on(sig, info, ctx);
    }

    /// A SIGBUS that is not ours: the previous handler takes it, or the default action.
    fn pass_on(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
        let previous = PREVIOUS.load(Ordering::Acquire);
        let flags = PREVIOUS_FLAGS.load(Ordering::Acquire) as libc::c_int;
        if previous == libc::SIG_DFL || previous == libc::SIG_IGN {
            // SAFETY: restores the default action; returning re-runs the faulting access,
            // which then ends the process as it would have without harx.
            unsafe {
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &raw const dfl, std::ptr::null_mut());
            }
            return;
        }
        if flags & libc::SA_SIGINFO != 0 {
            // SAFETY: the previous handler was installed with SA_SIGINFO, so this is its
            // three-argument form, called as the kernel would have called it.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
                unsafe { std::mem::transmute(previous) };
            f(sig, info, ctx);
        } else {
            // SAFETY: a handler installed without SA_SIGINFO takes the signal number only.
            let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(previous) };
            f(sig);
        }
    }
}

/// Elsewhere: no guard (a shrinking input faults as with any mmap-based reader).
#[cfg(not(target_os = "linux"))]
mod guard {
    #[derive(Debug)]
    pub struct Guard;
    impl Guard {
        pub fn new(_start: usize, _len: usize) -> Self {
            Self
        }
        pub fn fault(&self) -> Option<usize> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_file_that_shrinks_is_reported_before_its_pages_are_read() {
        let mut f = tempfile::tempfile().unwrap_or_else(|e| panic!("{e}"));
        f.write_all(&vec![b' '; 3 * page_size()])
            .unwrap_or_else(|e| panic!("{e}"));
        let m = MappedFile::open(&f).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.check_len().is_ok());
        f.set_len(page_size() as u64)
            .unwrap_or_else(|e| panic!("{e}"));
        let e = m
            .check_len()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("shrank while it was read"), "{e}");
        assert!(page_size().is_power_of_two() && page_size() >= 4096);
    }

    /// The read that would have raised SIGBUS (a page past the new end of a file that
    /// shrank after the length check) completes with zeros, and the map is then known to
    /// be damaged.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_read_past_the_new_end_is_caught_and_reported() {
        let page = page_size();
        let mut f = tempfile::tempfile().unwrap_or_else(|e| panic!("{e}"));
        f.write_all(&vec![b'x'; 4 * page])
            .unwrap_or_else(|e| panic!("{e}"));
        let m = MappedFile::open(&f).unwrap_or_else(|e| panic!("{e}"));
        let other = MappedFile::open(&f).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.check_len().is_ok());
        assert_eq!(m.bytes()[3 * page], b'x');
        f.set_len(page as u64 + 10)
            .unwrap_or_else(|e| panic!("{e}"));
        // Inside the file's new length: the bytes are still there.
        assert_eq!(m.bytes()[page + 5], b'x');
        // Past it: zeros instead of a SIGBUS, in both maps.
        let b = m.bytes();
        let tail = std::hint::black_box(&b[2 * page..]);
        assert!(tail.iter().all(|&c| c == 0));
        assert_eq!(m.guard.fault(), Some(2 * page));
        assert_eq!(other.guard.fault(), None);
        assert_eq!(other.bytes()[3 * page + 1], 0);
        assert_eq!(other.guard.fault(), Some(3 * page));
        assert_eq!(m.readable_len(), page + 10);
        let e = m
            .check_len()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("shrank while it was read"), "{e}");
        // Growing the file back does not make the damaged map trusted again.
        f.set_len(4 * page as u64).unwrap_or_else(|e| panic!("{e}"));
        let e = m
            .check_len()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("then grew back"), "{e}");
        assert_eq!(m.readable_len(), 2 * page);
        drop(m);
        drop(other);
        // A fresh map of the file is whole again and its slot is clean.
        let again = MappedFile::open(&f).unwrap_or_else(|e| panic!("{e}"));
        assert!(again.check_len().is_ok() && again.guard.fault().is_none());
    }
}
