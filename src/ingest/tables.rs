//! The small tables next to `entries`: `pages` (one row per page of `log.pages`) and
//! `files` (one row per input: what it was, what became of it).

use super::manifest::Published;
use super::store::Store;
use crate::error::{Error, Result};
use crate::sink::AtomicFile;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::sync::Arc;

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Schema of the `pages` table.
pub fn pages_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source_file", DataType::Utf8, false),
        Field::new("page_id", DataType::Utf8, false),
        Field::new("page_title", DataType::Utf8, true),
        Field::new("started_at", ts(), true),
        Field::new("started_at_raw", DataType::Utf8, true),
        Field::new("on_content_load_ms", DataType::Float64, true),
        Field::new("on_load_ms", DataType::Float64, true),
    ]))
}

/// Schema of the `files` table.
pub fn files_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("member", DataType::Utf8, true),
        Field::new("sha256", DataType::Utf8, true),
        Field::new("size_bytes", DataType::Int64, true),
        Field::new("container", DataType::Utf8, true),
        Field::new("producer", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, true),
        Field::new("tenant", DataType::Utf8, true),
        Field::new("entries", DataType::Int64, false),
        Field::new("pages", DataType::Int64, false),
        Field::new("skipped_entries", DataType::Int64, false),
        Field::new(
            "skipped_reasons",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
        Field::new("truncated", DataType::Boolean, false),
        Field::new("run_id", DataType::Utf8, false),
        Field::new("ingested_at", ts(), false),
    ]))
}

/// One page row.
#[derive(Debug, Clone)]
pub struct PageRow {
    /// Partition directory.
    pub dir: String,
    /// Input label.
    pub source_file: String,
    /// The page.
    pub page: crate::pipeline::PageInfo,
}

/// One `files` row.
#[derive(Debug, Clone, Default)]
pub struct FileRow {
    /// The input path (the archive for a member).
    pub path: String,
    /// The member inside an archive.
    pub member: Option<String>,
    /// SHA-256 of the input file.
    pub sha256: Option<String>,
    /// Size of the input file, or of the member uncompressed.
    pub size_bytes: Option<i64>,
    /// `plain`, `gzip`, `zlib`, `zstd`, `zip`.
    pub container: Option<String>,
    /// `creator.name creator.version`.
    pub producer: Option<String>,
    /// `ingested` or `failed`.
    pub status: &'static str,
    /// Why it failed.
    pub error: Option<String>,
    /// The file's tenant.
    pub tenant: Option<String>,
    /// Rows written.
    pub entries: i64,
    /// Pages.
    pub pages: i64,
    /// Entries skipped.
    pub skipped: Vec<String>,
    /// Cut short.
    pub truncated: bool,
}

fn props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_coerce_types(true)
        .set_created_by(format!("harx {} (parquet-rs)", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![
            KeyValue::new(
                "harx.version".to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            ),
            KeyValue::new(
                "harx.schema_version".to_owned(),
                crate::sink::schema::SCHEMA_VERSION.to_owned(),
            ),
        ]))
        .build()
}

/// Writes `batch` as the hidden temporary file of `key` and keeps it, for the commit.
fn write_kept(store: &Store, key: &str, batch: &RecordBatch) -> Result<Published> {
    let werr = |source| Error::Write {
        path: key.into(),
        source,
    };
    let path = store.staging_path(key).map_err(werr)?;
    let out = AtomicFile::create(&path)?;
    let perr = |source| Error::Parquet {
        path: path.clone(),
        source,
    };
    let mut w = ArrowWriter::try_new(out.reopen()?, batch.schema(), Some(props())).map_err(perr)?;
    w.write(batch).map_err(perr)?;
    w.close().map_err(perr)?;
    let kept = out.keep()?;
    Ok(Published {
        key: key.to_owned(),
        bytes: std::fs::metadata(&kept).map(|m| m.len()).unwrap_or(0),
        staged: kept.display().to_string(),
        rows: batch.num_rows() as u64,
    })
}

/// Writes the pages of a commit group, one file per partition.
///
/// # Errors
/// When a file cannot be written.
pub fn write_pages(store: &Store, name: &str, rows: &[PageRow]) -> Result<Vec<Published>> {
    let mut dirs: Vec<&str> = rows.iter().map(|r| r.dir.as_str()).collect();
    dirs.sort_unstable();
    dirs.dedup();
    let mut out = Vec::new();
    for dir in dirs {
        let mut source = StringBuilder::new();
        let mut id = StringBuilder::new();
        let mut title = StringBuilder::new();
        let mut started = TimestampMicrosecondBuilder::new().with_timezone("UTC");
        let mut raw = StringBuilder::new();
        let mut dcl = Float64Builder::new();
        let mut load = Float64Builder::new();
        for r in rows.iter().filter(|r| r.dir == dir) {
            source.append_value(&r.source_file);
            id.append_value(&r.page.id);
            title.append_value(&r.page.title);
            started.append_option(r.page.started_at);
            raw.append_option(r.page.started_at_raw.as_deref());
            dcl.append_option(r.page.on_content_load_ms);
            load.append_option(r.page.on_load_ms);
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(source.finish()),
            Arc::new(id.finish()),
            Arc::new(title.finish()),
            Arc::new(started.finish()),
            Arc::new(raw.finish()),
            Arc::new(dcl.finish()),
            Arc::new(load.finish()),
        ];
        let batch = RecordBatch::try_new(pages_schema(), cols)?;
        let key = if dir.is_empty() {
            format!("pages/part-{name}.parquet")
        } else {
            format!("pages/{dir}/part-{name}.parquet")
        };
        out.push(write_kept(store, &key, &batch)?);
    }
    Ok(out)
}

/// Writes the `files` rows of a commit group.
///
/// # Errors
/// When the file cannot be written.
pub fn write_files(
    store: &Store,
    name: &str,
    run_id: &str,
    ingested_at: i64,
    rows: &[FileRow],
) -> Result<Option<Published>> {
    if rows.is_empty() {
        return Ok(None);
    }
    let mut path = StringBuilder::new();
    let mut member = StringBuilder::new();
    let mut sha = StringBuilder::new();
    let mut size = Int64Builder::new();
    let mut container = StringBuilder::new();
    let mut producer = StringBuilder::new();
    let mut status = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut tenant = StringBuilder::new();
    let mut entries = Int64Builder::new();
    let mut pages = Int64Builder::new();
    let mut skipped = Int64Builder::new();
    let mut reasons = ListBuilder::new(StringBuilder::new());
    let mut truncated = BooleanBuilder::new();
    let mut run = StringBuilder::new();
    let mut at = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    for r in rows {
        path.append_value(&r.path);
        member.append_option(r.member.as_deref());
        sha.append_option(r.sha256.as_deref());
        size.append_option(r.size_bytes);
        container.append_option(r.container.as_deref());
        producer.append_option(r.producer.as_deref());
        status.append_value(r.status);
        error.append_option(r.error.as_deref());
        tenant.append_option(r.tenant.as_deref());
        entries.append_value(r.entries);
        pages.append_value(r.pages);
        skipped.append_value(i64::try_from(r.skipped.len()).unwrap_or(i64::MAX));
        for s in &r.skipped {
            reasons.values().append_value(s);
        }
        reasons.append(true);
        truncated.append_value(r.truncated);
        run.append_value(run_id);
        at.append_value(ingested_at);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(path.finish()),
        Arc::new(member.finish()),
        Arc::new(sha.finish()),
        Arc::new(size.finish()),
        Arc::new(container.finish()),
        Arc::new(producer.finish()),
        Arc::new(status.finish()),
        Arc::new(error.finish()),
        Arc::new(tenant.finish()),
        Arc::new(entries.finish()),
        Arc::new(pages.finish()),
        Arc::new(skipped.finish()),
        Arc::new(reasons.finish()),
        Arc::new(truncated.finish()),
        Arc::new(run.finish()),
        Arc::new(at.finish()),
    ];
    let batch = RecordBatch::try_new(files_schema(), cols)?;
    write_kept(store, &format!("files/part-{name}.parquet"), &batch).map(Some)
}
