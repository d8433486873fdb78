//! The Parquet sink: ZSTD, dictionary encoding on low-cardinality columns only, page
//! statistics, row groups bounded in rows and bytes, each row group sorted by
//! `started_at`, and key-value metadata naming the harx version, the schema version and
//! the sources' SHA-256.

use super::schema::{HIGH_CARDINALITY, SCHEMA_VERSION, column_index, entries_schema};
use super::{AtomicFile, Flow, RunMeta, Sink};
use crate::error::{Error, Result};
use arrow_array::{Array, RecordBatch, TimestampMicrosecondArray, UInt32Array};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::{KeyValue, SortingColumn};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest number of rows in one row group.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 128 * 1024;
/// Largest buffered (Arrow, uncompressed) size of one row group, in bytes.
pub const DEFAULT_ROW_GROUP_BYTES: usize = 24 * 1024 * 1024;
/// ZSTD level.
pub const DEFAULT_ZSTD_LEVEL: i32 = 1;

/// Writes the `entries` table to one Parquet file.
pub struct ParquetSink {
    /// The file being written, for a file sink (committed by `finish`).
    out: Option<AtomicFile>,
    /// What errors name.
    label: PathBuf,
    writer: ArrowWriter<Box<dyn Write + Send>>,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    pending_bytes: usize,
    /// Largest `started_at` written so far, to tell whether the file is sorted as a whole.
    last_max: Option<i64>,
    globally_sorted: bool,
}

impl std::fmt::Debug for ParquetSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetSink")
            .field("out", &self.label)
            .finish_non_exhaustive()
    }
}

/// The writer settings harx uses for the `entries` table.
///
/// # Panics
/// Never: the ZSTD level is a valid constant.
pub fn writer_properties() -> WriterProperties {
    let zstd = ZstdLevel::try_new(DEFAULT_ZSTD_LEVEL).unwrap_or_default();
    let started_at = column_index("started_at").unwrap_or(0);
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(zstd))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(DEFAULT_ROW_GROUP_ROWS))
        .set_coerce_types(true)
        .set_created_by(format!("harx {} (parquet-rs)", env!("CARGO_PKG_VERSION")))
        .set_sorting_columns(Some(vec![SortingColumn {
            column_idx: i32::try_from(started_at).unwrap_or(0),
            descending: false,
            nulls_first: false,
        }]));
    for name in HIGH_CARDINALITY {
        b = b.set_column_dictionary_enabled(ColumnPath::from(*name), false);
    }
    // Header values are mostly unique (ids, dates, tokens): no dictionary, and no min/max
    // statistics nobody prunes on. Header names keep both.
    for list in ["request_headers", "response_headers"] {
        let value = ColumnPath::new(vec![
            list.to_owned(),
            "list".to_owned(),
            "element".to_owned(),
            "value".to_owned(),
        ]);
        b = b
            .set_column_dictionary_enabled(value.clone(), false)
            .set_column_statistics_enabled(value, EnabledStatistics::None);
    }
    b.build()
}

impl ParquetSink {
    /// Starts writing `path`.
    ///
    /// # Errors
    /// When the output cannot be created.
    pub fn create(path: &Path) -> Result<Self> {
        let out = AtomicFile::create(path)?;
        let file = out.reopen()?;
        let mut sink = Self::to_writer(Box::new(file), path)?;
        sink.out = Some(out);
        Ok(sink)
    }

    /// Writes the Parquet file to `w` (a socket, a buffer, an object-store upload);
    /// `label` names it in errors. [`Sink::finish`] flushes `w` and leaves it to the
    /// caller.
    ///
    /// # Errors
    /// When the writer cannot be set up.
    pub fn to_writer(w: Box<dyn Write + Send>, label: &Path) -> Result<Self> {
        let writer = ArrowWriter::try_new(w, entries_schema(), Some(writer_properties())).map_err(
            |source| Error::Parquet {
                path: label.to_path_buf(),
                source,
            },
        )?;
        Ok(Self {
            out: None,
            label: label.to_path_buf(),
            writer,
            pending: Vec::new(),
            pending_rows: 0,
            pending_bytes: 0,
            last_max: None,
            globally_sorted: true,
        })
    }

    fn perr(&self, source: parquet::errors::ParquetError) -> Error {
        Error::Parquet {
            path: self.label.clone(),
            source,
        }
    }

    /// Sorts the pending rows by `started_at` (nulls last, ties in input order) and writes
    /// them as one row group.
    fn flush_row_group(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        self.pending_bytes = 0;
        let col = column_index("started_at").unwrap_or(0);
        let ts: Vec<Option<i64>> = pending
            .iter()
            .flat_map(|b| {
                let a = b
                    .column(col)
                    .as_any()
                    .downcast_ref::<TimestampMicrosecondArray>();
                (0..b.num_rows()).map(move |i| a.and_then(|a| a.is_valid(i).then(|| a.value(i))))
            })
            .collect();
        let mut order: Vec<u32> = (0..u32::try_from(ts.len()).unwrap_or(u32::MAX)).collect();
        order.sort_by_key(|&i| match ts.get(i as usize).copied().flatten() {
            Some(t) => (0, t),
            None => (1, 0),
        });
        let min = ts.iter().flatten().min().copied();
        let max = ts.iter().flatten().max().copied();
        if let (Some(prev), Some(min)) = (self.last_max, min)
            && min < prev
        {
            self.globally_sorted = false;
        }
        self.last_max = self.last_max.max(max);
        if order.windows(2).all(|w| w[0] < w[1]) {
            // Already in order (the usual case): no copy.
            for b in &pending {
                self.writer.write(b).map_err(|e| self.perr(e))?;
            }
        } else {
            let batch = arrow_select::concat::concat_batches(&entries_schema(), &pending)?;
            drop(pending);
            let sorted = arrow_select::take::take_record_batch(&batch, &UInt32Array::from(order))?;
            self.writer.write(&sorted).map_err(|e| self.perr(e))?;
        }
        self.writer.flush().map_err(|e| self.perr(e))?;
        Ok(())
    }
}

impl Sink for ParquetSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<Flow> {
        if batch.num_rows() == 0 {
            return Ok(Flow::Continue);
        }
        self.pending_rows += batch.num_rows();
        self.pending_bytes += batch.get_array_memory_size();
        self.pending.push(batch.clone());
        if self.pending_rows >= DEFAULT_ROW_GROUP_ROWS
            || self.pending_bytes >= DEFAULT_ROW_GROUP_BYTES
        {
            self.flush_row_group()?;
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, meta: &RunMeta) -> Result<()> {
        self.write_footer(meta)?;
        match self.out.take() {
            Some(out) => out.commit(),
            None => Ok(()),
        }
    }
}

impl ParquetSink {
    /// Bytes held in memory: rows waiting for their row group, and encoded pages not yet
    /// written.
    pub fn buffered_bytes(&self) -> usize {
        self.pending_bytes + self.writer.in_progress_size()
    }

    /// Bytes written to the file so far.
    pub fn bytes_written(&self) -> usize {
        self.writer.bytes_written()
    }

    /// Writes the rows waiting for their row group now (a smaller row group), to bound
    /// memory when many files are open at once.
    ///
    /// # Errors
    /// When the output cannot be written.
    pub fn flush(&mut self) -> Result<()> {
        self.flush_row_group()
    }

    /// Completes the file (footer and metadata, flushed and synced) without moving it into
    /// place: the caller commits or keeps the returned temporary file.
    ///
    /// # Errors
    /// When the output cannot be completed.
    pub fn close(mut self, meta: &RunMeta) -> Result<AtomicFile> {
        self.write_footer(meta)?;
        self.out.take().ok_or_else(|| Error::Write {
            path: self.label.clone(),
            source: std::io::Error::other("not a file sink"),
        })
    }

    /// The last row group, the key-value metadata and the footer.
    fn write_footer(&mut self, meta: &RunMeta) -> Result<()> {
        self.flush_row_group()?;
        let mut kv = vec![
            ("harx.version", env!("CARGO_PKG_VERSION").to_owned()),
            ("harx.schema_version", SCHEMA_VERSION.to_owned()),
            ("harx.sanitized", meta.sanitized.to_string()),
            (
                "harx.rules_sha256",
                meta.rules_sha256.clone().unwrap_or_default(),
            ),
            (
                "harx.sorted",
                if self.globally_sorted {
                    "file"
                } else {
                    "row_group"
                }
                .to_owned(),
            ),
            (
                "harx.sources",
                meta.sources
                    .iter()
                    .map(|(p, _, _)| p.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            (
                "harx.source_bytes",
                meta.sources
                    .iter()
                    .map(|(_, n, _)| n.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ];
        if meta.sources.iter().all(|(_, _, h)| h.is_some()) && !meta.sources.is_empty() {
            kv.push((
                "harx.source_sha256",
                meta.sources
                    .iter()
                    .filter_map(|(_, _, h)| h.as_deref())
                    .collect::<Vec<_>>()
                    .join(","),
            ));
        }
        for (k, v) in kv {
            self.writer
                .append_key_value_metadata(KeyValue::new(k.to_owned(), v));
        }
        self.writer.finish().map_err(|e| self.perr(e))?;
        self.writer
            .inner_mut()
            .flush()
            .map_err(|source| Error::Write {
                path: self.label.clone(),
                source,
            })
    }
}
