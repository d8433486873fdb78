//! Errors. Every variant says where: the file, and for entries the index, byte offset and
//! line:col.

use std::path::PathBuf;

/// A harx error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input could not be opened or read.
    #[error("{path}: {source}")]
    Read {
        /// The input.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The input is not a HAR document.
    #[error("{path}: byte {offset} (line {line}, column {column}): {message}")]
    NotHar {
        /// The input.
        path: PathBuf,
        /// Byte offset.
        offset: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column (bytes).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An entry is malformed and `--on-error fail` was given.
    #[error("{path}: entry {index} at byte {offset} (line {line}, column {column}): {message}")]
    Entry {
        /// The input.
        path: PathBuf,
        /// Position in `log.entries`.
        index: usize,
        /// Byte offset.
        offset: usize,
        /// 1-based line.
        line: usize,
        /// 1-based column (bytes).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The output could not be written.
    #[error("{path}: {source}")]
    Write {
        /// The output.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Encoding Parquet failed.
    #[error("{path}: writing Parquet: {source}")]
    Parquet {
        /// The output.
        path: PathBuf,
        /// The cause.
        source: parquet::errors::ParquetError,
    },
    /// A Parquet input could not be decoded.
    #[error("{path}: reading Parquet: {message}")]
    ReadParquet {
        /// The input.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The command line asks for something the data cannot give.
    #[error("{0}")]
    Usage(String),
    /// Building Arrow data failed.
    #[error("internal Arrow error: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// 1-based line and column (in bytes) of `offset` in `buf`.
pub fn line_col(buf: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(buf.len());
    let before = &buf[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = offset - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
    (line, col)
}
