//! Source: turns a path or stdin into the input bytes. Plain files are memory-mapped;
//! stdin is read into memory.

mod mmap;

pub use mmap::MappedFile;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The bytes of one input.
#[derive(Debug)]
pub enum Source {
    /// A memory-mapped file.
    Mapped(MappedFile),
    /// Bytes read into memory (stdin, empty files).
    Owned(Vec<u8>),
}

impl Source {
    /// Opens `path`; `-` means standard input.
    ///
    /// # Errors
    /// When the file cannot be opened, read or mapped.
    pub fn open(path: &Path) -> io::Result<Self> {
        if path.as_os_str() == "-" {
            let mut buf = Vec::new();
            io::stdin().lock().read_to_end(&mut buf)?;
            return Ok(Self::Owned(buf));
        }
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "is a directory"));
        }
        if meta.len() == 0 || !meta.is_file() {
            // Empty files cannot be mapped; pipes and devices are read.
            let mut buf = Vec::new();
            (&file).read_to_end(&mut buf)?;
            return Ok(Self::Owned(buf));
        }
        Ok(Self::Mapped(MappedFile::open(&file)?))
    }

    /// All bytes of the input.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Mapped(m) => m.bytes(),
            Self::Owned(v) => v,
        }
    }

    /// Drops consumed pages of `start..end` from memory where that is possible.
    pub fn release(&self, start: usize, end: usize) {
        if let Self::Mapped(m) = self {
            m.release(start, end);
        }
    }
}

/// Length of a UTF-8 byte order mark at the start of `buf` (0 or 3).
pub fn bom_len(buf: &[u8]) -> usize {
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    }
}
