//! Source: turns a path or stdin into the input bytes. Plain files are memory-mapped;
//! stdin and compressed files (gzip, zlib as mitmproxy's `.zhar`, zstd; sniffed by their
//! magic bytes, not their names) are read into memory.

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
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
            ));
        }
        if meta.len() == 0 || !meta.is_file() {
            // Empty files cannot be mapped; pipes and devices are read.
            let mut buf = Vec::new();
            (&file).read_to_end(&mut buf)?;
            return Self::decompressed(buf);
        }
        let mapped = MappedFile::open(&file)?;
        if Container::sniff(mapped.bytes()) == Container::Plain {
            return Ok(Self::Mapped(mapped));
        }
        Self::decompressed(mapped.bytes().to_vec())
    }

    fn decompressed(buf: Vec<u8>) -> io::Result<Self> {
        let mut out = Vec::new();
        match Container::sniff(&buf) {
            Container::Plain => return Ok(Self::Owned(buf)),
            Container::Gzip => {
                flate2::read::MultiGzDecoder::new(&buf[..]).read_to_end(&mut out)?;
            }
            Container::Zlib => {
                flate2::read::ZlibDecoder::new(&buf[..]).read_to_end(&mut out)?;
            }
            Container::Zstd => {
                zstd::stream::read::Decoder::new(&buf[..])?.read_to_end(&mut out)?;
            }
        }
        Ok(Self::Owned(out))
    }

    /// All bytes of the input.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Mapped(m) => m.bytes(),
            Self::Owned(v) => v,
        }
    }

    /// Asks for the pages of `start..end` ahead of use, where that is possible.
    pub fn prefetch(&self, start: usize, end: usize) {
        if let Self::Mapped(m) = self {
            m.prefetch(start, end);
        }
    }

    /// Drops consumed pages of `start..end` from memory where that is possible.
    pub fn release(&self, start: usize, end: usize) {
        if let Self::Mapped(m) = self {
            m.release(start, end);
        }
    }
}

/// How an input is wrapped, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// JSON text.
    Plain,
    /// gzip (`.har.gz`).
    Gzip,
    /// Raw zlib (mitmproxy's `.zhar`).
    Zlib,
    /// Zstandard (`.har.zst`).
    Zstd,
}

impl Container {
    /// Sniffs the magic bytes.
    pub fn sniff(buf: &[u8]) -> Self {
        match buf {
            [0x1f, 0x8b, ..] => Self::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Self::Zstd,
            // zlib: CMF 0x78 and a header checksum divisible by 31.
            [0x78, flg, ..] if (0x7800u16 | u16::from(*flg)).is_multiple_of(31) => Self::Zlib,
            _ => Self::Plain,
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
