//! Source: turns a path, stdin or an archive member into the input bytes. Plain files are
//! memory-mapped. Compressed inputs (gzip, zlib as mitmproxy's `.zhar`, zstd; sniffed by
//! their magic bytes, not their names) are decompressed through a small buffer: into
//! memory while they are small, into an unlinked 0600 temporary file that is then mapped
//! once they grow past [`SPILL_BYTES`], so a multi-GB `.har.gz` never sits in RAM. Every
//! decompression is refused in size and in ratio ([`Limits`]) against zip and gzip bombs.

pub mod inputs;
mod mmap;
#[cfg(feature = "cloud")]
pub mod remote;
#[cfg(feature = "archives")]
pub mod saz;

pub use mmap::MappedFile;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

/// Decompressed bytes kept in memory before they spill to a temporary file.
pub const SPILL_BYTES: usize = 64 * 1024 * 1024;
/// Decompressed sizes below this are never refused by the ratio cap (tiny files of
/// repeated bytes compress far better than any real HAR).
const RATIO_FLOOR: u64 = 16 * 1024 * 1024;

/// Caps on decompression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest decompressed size of one input, in bytes.
    pub max_bytes: u64,
    /// Largest ratio of decompressed to compressed size.
    pub max_ratio: u64,
    /// Decompressed bytes kept in memory before they spill to a temporary file.
    pub spill_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024 * 1024,
            max_ratio: 250,
            spill_bytes: SPILL_BYTES,
        }
    }
}

/// The bytes of one input.
#[derive(Debug)]
pub struct Source {
    data: Data,
    cut: Option<String>,
}

#[derive(Debug)]
enum Data {
    /// A memory-mapped file (the input itself, or a temporary file holding it decompressed).
    Mapped(MappedFile),
    /// Bytes read into memory (stdin, empty files, small decompressed inputs).
    Owned(Vec<u8>),
}

impl Source {
    fn mapped(m: MappedFile) -> Self {
        Self {
            data: Data::Mapped(m),
            cut: None,
        }
    }

    fn owned(v: Vec<u8>) -> Self {
        Self {
            data: Data::Owned(v),
            cut: None,
        }
    }

    /// Why the compressed stream ended early (an interrupted download), when it did: the
    /// bytes are what it held up to there.
    pub fn cut(&self) -> Option<&str> {
        self.cut.as_deref()
    }

    /// Whether the bytes are memory-mapped (not held in memory).
    pub fn is_mapped(&self) -> bool {
        matches!(self.data, Data::Mapped(_))
    }
}

impl AsRef<[u8]> for Source {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

impl Source {
    /// Opens `path` with the default [`Limits`]; `-` means standard input.
    ///
    /// # Errors
    /// When the file cannot be opened, read, mapped or decompressed.
    pub fn open(path: &Path) -> io::Result<Self> {
        Self::open_with(path, &Limits::default())
    }

    /// Opens `path`; `-` means standard input.
    ///
    /// # Errors
    /// When the file cannot be opened, read, mapped or decompressed within `limits`, or
    /// when it is a zip archive (those are read member by member, see [`inputs`]).
    pub fn open_with(path: &Path, limits: &Limits) -> io::Result<Self> {
        if path.as_os_str() == "-" {
            return Self::from_stream(&mut io::stdin().lock(), limits);
        }
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory (name its files, as in DIR/*.har; `harx ingest` and `harx stats` read directories)",
            ));
        }
        if meta.len() == 0 || !meta.is_file() {
            // Empty files cannot be mapped; pipes, FIFOs and devices are read once.
            return Self::from_stream(&mut &file, limits);
        }
        let mapped = MappedFile::open(&file)?;
        match Container::sniff(mapped.bytes()) {
            Container::Plain => Ok(Self::mapped(mapped)),
            Container::Zip => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a zip archive (read its HAR members with `harx export` or `harx ingest`)",
            )),
            c => decompress(c, mapped.bytes(), meta.len(), limits),
        }
    }

    /// Bytes as they are (not decompressed).
    pub fn from_vec(buf: Vec<u8>) -> Self {
        Self::owned(buf)
    }

    /// An input from bytes already in memory, decompressed when they are compressed.
    /// `compressed_len` is the size the ratio cap is measured against.
    ///
    /// # Errors
    /// When decompression fails or exceeds `limits`.
    pub fn from_bytes(buf: Vec<u8>, compressed_len: u64, limits: &Limits) -> io::Result<Self> {
        match Container::sniff(&buf) {
            Container::Plain | Container::Zip => Ok(Self::owned(buf)),
            c => decompress(c, &buf, compressed_len, limits),
        }
    }

    /// Reads a stream (standard input, a FIFO, `<(…)`) once, to the end: in memory up to
    /// [`Limits::spill_bytes`], then in an unlinked temporary file that is mapped, so
    /// memory stays bounded; refused past [`Limits::max_bytes`]. Decompressed when it is
    /// compressed (the ratio measured against what was read).
    ///
    /// # Errors
    /// When reading fails or exceeds `limits`.
    pub fn from_stream(reader: &mut dyn Read, limits: &Limits) -> io::Result<Self> {
        let raw = Self::spooled(reader, limits)?;
        raw.decompressed(limits)
    }

    /// [`Source::from_stream`] without decompression: the bytes as read.
    ///
    /// # Errors
    /// When reading fails or exceeds [`Limits::max_bytes`].
    pub fn spooled(reader: &mut dyn Read, limits: &Limits) -> io::Result<Self> {
        let mut spool = Spool::raw(limits);
        // what does not start like a HAR (`/dev/zero`, a binary) is refused at once, not
        // after the cap's worth of bytes
        let mut head = Vec::with_capacity(4096);
        reader.take(4096).read_to_end(&mut head)?;
        let blank = head.iter().all(u8::is_ascii_whitespace);
        if !blank && !inputs::looks_like_input(&head) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the stream does not start like a HAR (JSON) or a compressed HAR",
            ));
        }
        spool.write_all(&head)?;
        io::copy(reader, &mut spool)?;
        spool.finish()
    }

    /// These bytes decompressed when they are compressed (else themselves).
    ///
    /// # Errors
    /// When decompression fails or exceeds `limits`.
    pub fn decompressed(self, limits: &Limits) -> io::Result<Self> {
        match Container::sniff(self.bytes()) {
            Container::Plain | Container::Zip => Ok(self),
            c => decompress(c, self.bytes(), self.bytes().len() as u64, limits),
        }
    }

    /// Reads `reader` (an archive member) to the end within `limits`, then decompresses
    /// what it holds when that is compressed too.
    ///
    /// # Errors
    /// When reading fails or exceeds `limits`.
    pub fn from_reader(
        reader: &mut dyn Read,
        compressed_len: u64,
        limits: &Limits,
    ) -> io::Result<Self> {
        let mut spool = Spool::new(compressed_len, limits);
        let copied = io::copy(reader, &mut spool);
        let inner = spool.finish_after(copied, "the member's data")?;
        if inner.cut.is_some() {
            return Ok(inner);
        }
        match Container::sniff(inner.bytes()) {
            Container::Plain | Container::Zip => Ok(inner),
            c => decompress(c, inner.bytes(), compressed_len, limits),
        }
    }

    /// An input produced by `write` (a converted archive), spooled like decompressed
    /// data: in memory while small, else in a mapped temporary file.
    ///
    /// # Errors
    /// When `write` fails or the output exceeds `limits` (measured against
    /// `compressed_len`).
    pub fn from_writer<T>(
        compressed_len: u64,
        limits: &Limits,
        write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
    ) -> io::Result<(Self, T)> {
        let mut spool = Spool::new(compressed_len, limits);
        let t = {
            let mut w = io::BufWriter::with_capacity(1 << 16, &mut spool);
            let t = write(&mut w)?;
            w.flush()?;
            t
        };
        Ok((spool.finish()?, t))
    }

    /// All bytes of the input.
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Mapped(m) => m.bytes(),
            Data::Owned(v) => v,
        }
    }

    /// Prepares `start..end` to be read: fails when a mapped input shrank since it was
    /// opened (its pages past the new end would fault), else asks for the pages ahead.
    ///
    /// # Errors
    /// When the input shrank.
    pub fn window(&self, start: usize, end: usize) -> io::Result<()> {
        self.intact()?;
        if let Data::Mapped(m) = &self.data {
            crate::failpoint::shrink_input(m.file());
        }
        self.prefetch(start, end);
        Ok(())
    }

    /// Fails when a mapped input shrank since it was opened, or when a read already met
    /// one of its vanished pages (and read zeros in their place): what was read from it
    /// cannot be trusted. Checked before each window and before a document's results are
    /// kept.
    ///
    /// # Errors
    /// When the input shrank.
    pub fn intact(&self) -> io::Result<()> {
        match &self.data {
            Data::Mapped(m) => m.check_len(),
            Data::Owned(_) => Ok(()),
        }
    }

    /// How many of the input's bytes can still be trusted: all of them, unless a mapped
    /// file shrank (then its new length).
    pub fn readable_len(&self) -> usize {
        match &self.data {
            Data::Mapped(m) => m.readable_len(),
            Data::Owned(v) => v.len(),
        }
    }

    /// Asks for the pages of `start..end` ahead of use, where that is possible.
    pub fn prefetch(&self, start: usize, end: usize) {
        if let Data::Mapped(m) = &self.data {
            m.prefetch(start, end);
        }
    }

    /// Drops consumed pages of `start..end` from memory where that is possible.
    pub fn release(&self, start: usize, end: usize) {
        if let Data::Mapped(m) = &self.data {
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
    /// A zip archive: Playwright's `.zip`, many HARs zipped together, or Fiddler's `.saz`.
    Zip,
}

impl Container {
    /// Sniffs the magic bytes.
    pub fn sniff(buf: &[u8]) -> Self {
        match buf {
            [0x1f, 0x8b, ..] => Self::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Self::Zstd,
            [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] => Self::Zip,
            // zlib: CMF 0x78 and a header checksum divisible by 31.
            [0x78, flg, ..] if (0x7800u16 | u16::from(*flg)).is_multiple_of(31) => Self::Zlib,
            _ => Self::Plain,
        }
    }
}

impl Container {
    /// A short name for reports (`plain`, `gzip`, `zlib`, `zstd`, `zip`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Gzip => "gzip",
            Self::Zlib => "zlib",
            Self::Zstd => "zstd",
            Self::Zip => "zip",
        }
    }
}

/// Decompresses `buf` (compressed as `container`) through a bounded buffer.
fn decompress(
    container: Container,
    buf: &[u8],
    compressed_len: u64,
    limits: &Limits,
) -> io::Result<Source> {
    let mut spool = Spool::new(compressed_len, limits);
    let copied = match container {
        Container::Gzip => io::copy(&mut flate2::read::MultiGzDecoder::new(buf), &mut spool),
        Container::Zlib => io::copy(&mut flate2::read::ZlibDecoder::new(buf), &mut spool),
        Container::Zstd => io::copy(&mut zstd::stream::read::Decoder::new(buf)?, &mut spool),
        Container::Plain | Container::Zip => spool.write_all(buf).map(|()| 0),
    };
    spool.finish_after(copied, &format!("the {} stream", container.name()))
}

/// Where decompressed bytes go: memory up to [`SPILL_BYTES`], then an unlinked temporary
/// file (created 0600). Refuses to grow past the limits.
pub(crate) struct Spool {
    mem: Vec<u8>,
    file: Option<io::BufWriter<File>>,
    len: u64,
    max_bytes: u64,
    max_ratio_bytes: u64,
    max_ratio: u64,
    spill: usize,
    /// The spool itself failed (a cap refused more bytes, its temporary file could not be
    /// made or written): not the stream's fault.
    refused: bool,
    /// Whether the bytes are read as they are (a stream), not decompressed.
    raw: bool,
}

impl Spool {
    fn new(compressed_len: u64, limits: &Limits) -> Self {
        Self {
            mem: Vec::new(),
            file: None,
            len: 0,
            max_bytes: limits.max_bytes,
            max_ratio_bytes: compressed_len
                .saturating_mul(limits.max_ratio)
                .max(RATIO_FLOOR),
            max_ratio: limits.max_ratio,
            spill: limits.spill_bytes,
            refused: false,
            raw: false,
        }
    }

    /// A spool of bytes taken as they are (a stream, a download), capped at
    /// [`Limits::max_bytes`], in memory up to [`Limits::spill_bytes`].
    pub(crate) fn raw(limits: &Limits) -> Self {
        let mut spool = Self::new(u64::MAX, limits);
        spool.raw = true;
        spool
    }

    /// Bytes written so far.
    #[cfg_attr(not(feature = "cloud"), allow(dead_code))]
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// [`Spool::finish`] after a copy into it: a stream that ends early or goes bad (an
    /// interrupted download, a cut archive member) still holds every byte before that
    /// point, so they are kept and the source is marked cut (`what` names the stream in
    /// the note). The spool's own failures (a cap, its temporary file) stay errors.
    fn finish_after(self, copied: io::Result<u64>, what: &str) -> io::Result<Source> {
        match copied {
            Ok(_) => self.finish(),
            Err(e) if !self.refused && self.len > 0 => {
                let mut s = self.finish()?;
                s.cut = Some(format!(
                    "{what} ends early ({e}) after {} bytes",
                    s.bytes().len()
                ));
                Ok(s)
            }
            Err(e) => Err(e),
        }
    }

    /// The bytes written, as a [`Source`] (mapped when they spilled to the file).
    pub(crate) fn finish(self) -> io::Result<Source> {
        match self.file {
            None => Ok(Source::owned(self.mem)),
            Some(w) => {
                let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
                Ok(Source::mapped(MappedFile::open(&file)?))
            }
        }
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = self.len + buf.len() as u64;
        if len > self.max_bytes {
            self.refused = true;
            let what = if self.raw {
                "the stream is longer than"
            } else {
                "decompresses to more than"
            };
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{what} {} bytes (the size cap, --max-decompressed-mb)",
                    self.max_bytes
                ),
            ));
        }
        if len > self.max_ratio_bytes {
            self.refused = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "decompresses to more than {}x its compressed size (the ratio cap, --max-ratio); a decompression bomb?",
                    self.max_ratio
                ),
            ));
        }
        self.len = len;
        if self.file.is_none() && self.mem.len() + buf.len() > self.spill {
            self.refused = true;
            let temp = tempfile::tempfile().map_err(|e| {
                // the input is fine: say where the spool could not be made
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot create a temporary file in {} (set TMPDIR to a writable directory): {e}",
                        std::env::temp_dir().display()
                    ),
                )
            })?;
            let mut w = io::BufWriter::with_capacity(1 << 20, temp);
            w.write_all(&self.mem)?;
            self.refused = false;
            self.mem = Vec::new();
            self.file = Some(w);
        }
        match &mut self.file {
            Some(w) => w.write_all(buf).inspect_err(|_| self.refused = true)?,
            None => self.mem.extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

/// Whether an argument names a remote input (`s3://`, `https://`, `http://`) rather than a
/// local path; read through `remote` when the `cloud` feature is on.
pub fn remote_arg(arg: &str) -> bool {
    arg.starts_with("s3://") || arg.starts_with("https://") || arg.starts_with("http://")
}

/// Length of a UTF-8 byte order mark at the start of `buf` (0 or 3).
pub fn bom_len(buf: &[u8]) -> usize {
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    }
}

/// How a SAZ is read.
#[derive(Debug, Clone, Default)]
pub struct SazOptions {
    /// Write bodies (`content.text`, `postData.text`): text as is, binary as base64.
    pub bodies: bool,
    /// The archive's password (ZipCrypto or AES).
    pub password: Option<String>,
}

/// What a conversion read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SazStats {
    /// Sessions written as entries.
    pub sessions: usize,
    /// CONNECT tunnels among them.
    pub tunnels: usize,
    /// Sessions without a response (`_s.txt` missing or empty).
    pub aborted: usize,
    /// Sessions skipped (no request), with why.
    pub skipped: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }

    #[test]
    fn large_decompressed_inputs_spill_to_a_mapped_file() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let small = Limits {
            spill_bytes: 1 << 20,
            ..Limits::default()
        };
        let z = gz(&data);
        let len = z.len() as u64;
        let s = Source::from_bytes(z.clone(), len, &small).expect("decompress");
        assert!(s.is_mapped());
        assert_eq!(s.bytes(), &data[..]);
        let s = Source::from_bytes(z, len, &Limits::default()).expect("decompress");
        assert!(!s.is_mapped());
        assert_eq!(s.bytes(), &data[..]);
    }

    fn error_of(r: io::Result<Source>) -> String {
        match r {
            Ok(s) => format!("decompressed {} bytes", s.bytes().len()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bombs_hit_the_caps() {
        let zeros = vec![0u8; 40 << 20];
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = e.write_all(&zeros);
        let z = e.finish().unwrap_or_default();
        let len = z.len() as u64;
        assert!(len * 250 < 40 << 20, "test input compresses {len}");
        let e = error_of(Source::from_bytes(z.clone(), len, &Limits::default()));
        assert!(e.contains("ratio cap"), "{e}");
        let refused = Limits {
            max_bytes: 1 << 20,
            max_ratio: u64::MAX,
            ..Limits::default()
        };
        let e = error_of(Source::from_bytes(z, len, &refused));
        assert!(e.contains("size cap"), "{e}");
    }
}
