//! The one canonical Arrow schema of the `entries` table, and the builder that fills it.

use crate::har::timings::Phases;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// Version of the `entries` schema, stored in every file's key-value metadata. Bumped on
/// any change; changes are add-only (new nullable columns at the end).
pub const SCHEMA_VERSION: &str = "1";

/// The columns of the `entries` table, in order, with their Arrow types.
pub const COLUMNS: &[(&str, Kind)] = &[
    ("source_file", Kind::Str),
    ("entry_index", Kind::I64),
    ("producer", Kind::Str),
    ("page_id", Kind::Str),
    ("page_title", Kind::Str),
    ("started_at", Kind::Timestamp),
    ("started_at_raw", Kind::Str),
    ("method", Kind::Str),
    ("url", Kind::Str),
    ("scheme", Kind::Str),
    ("host", Kind::Str),
    ("port", Kind::I32),
    ("path", Kind::Str),
    ("query", Kind::Str),
    ("http_version", Kind::Str),
    ("http_version_raw", Kind::Str),
    ("status", Kind::I32),
    ("status_text", Kind::Str),
    ("status_class", Kind::Str),
    ("error", Kind::Str),
    ("mime_type", Kind::Str),
    ("resource_type", Kind::Str),
    ("priority", Kind::Str),
    ("initiator_type", Kind::Str),
    ("from_cache", Kind::Bool),
    ("server_ip", Kind::Str),
    ("connection", Kind::Str),
    ("request_headers_size", Kind::I64),
    ("request_body_size", Kind::I64),
    ("response_headers_size", Kind::I64),
    ("response_body_size", Kind::I64),
    ("content_size", Kind::I64),
    ("transfer_size", Kind::I64),
    ("time_ms", Kind::F64),
    ("blocked_ms", Kind::F64),
    ("dns_ms", Kind::F64),
    ("connect_ms", Kind::F64),
    ("ssl_ms", Kind::F64),
    ("send_ms", Kind::F64),
    ("wait_ms", Kind::F64),
    ("receive_ms", Kind::F64),
    ("blocked_queueing_ms", Kind::F64),
    ("tcp_ms", Kind::F64),
    ("ssl_in_connect", Kind::Bool),
    ("total_ms", Kind::F64),
    ("request_headers", Kind::Headers),
    ("response_headers", Kind::Headers),
    ("tracking_id", Kind::Str),
    ("tracking_header", Kind::Str),
    ("redirect_url", Kind::Str),
    ("request_body", Kind::Str),
    ("response_body", Kind::Str),
    ("response_body_encoding", Kind::Str),
];

/// Columns whose values are nearly unique: Parquet dictionary encoding is switched off.
pub const HIGH_CARDINALITY: &[&str] = &[
    "url",
    "started_at_raw",
    "query",
    "tracking_id",
    "redirect_url",
    "request_body",
    "response_body",
];

/// The kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 string.
    Str,
    /// 64-bit signed integer.
    I64,
    /// 32-bit signed integer.
    I32,
    /// 64-bit float.
    F64,
    /// Boolean.
    Bool,
    /// Microseconds since the epoch, UTC.
    Timestamp,
    /// `list<struct<name: string, value: string>>`, order kept.
    Headers,
}

fn header_struct_fields() -> Fields {
    Fields::from(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
    ])
}

fn header_item_field() -> Arc<Field> {
    Arc::new(Field::new(
        "element",
        DataType::Struct(header_struct_fields()),
        false,
    ))
}

impl Kind {
    fn data_type(self) -> DataType {
        match self {
            Self::Str => DataType::Utf8,
            Self::I64 => DataType::Int64,
            Self::I32 => DataType::Int32,
            Self::F64 => DataType::Float64,
            Self::Bool => DataType::Boolean,
            Self::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Self::Headers => DataType::List(header_item_field()),
        }
    }
}

/// The Arrow schema of the `entries` table.
pub fn entries_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let fields: Vec<Field> = COLUMNS
                .iter()
                .map(|&(name, kind)| {
                    let nullable = !matches!(
                        name,
                        "source_file"
                            | "entry_index"
                            | "status_class"
                            | "from_cache"
                            | "request_headers"
                            | "response_headers"
                    );
                    Field::new(name, kind.data_type(), nullable)
                })
                .collect();
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// Index of a column by name.
pub fn column_index(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|(n, _)| *n == name)
}

/// One entry, as the parse stage hands it to the batch builder.
#[derive(Debug, Default)]
pub struct EntryRow<'a> {
    /// Position in `log.entries`.
    pub entry_index: i64,
    /// `pageref`.
    pub page_id: Option<Cow<'a, str>>,
    /// Title of the referenced page.
    pub page_title: Option<&'a str>,
    /// Parsed `startedDateTime`.
    pub started_at: Option<i64>,
    /// `startedDateTime` as written.
    pub started_at_raw: Option<Cow<'a, str>>,
    /// `request.method`.
    pub method: Option<Cow<'a, str>>,
    /// `request.url`, redacted.
    pub url: Option<Cow<'a, str>>,
    /// Raw HTTP version (response, else request).
    pub http_version_raw: Option<Cow<'a, str>>,
    /// `response.status` (0 and -1 already mapped to `None`).
    pub status: Option<i64>,
    /// Whether a status was written at all (even 0 or -1).
    pub status_text: Option<Cow<'a, str>>,
    /// Producer error text.
    pub error: Option<Cow<'a, str>>,
    /// `response.content.mimeType`.
    pub mime_type: Option<Cow<'a, str>>,
    /// `_resourceType`.
    pub resource_type: Option<Cow<'a, str>>,
    /// `_priority`.
    pub priority: Option<Cow<'a, str>>,
    /// `_initiator.type`.
    pub initiator_type: Option<Cow<'a, str>>,
    /// Served from a browser cache.
    pub from_cache: bool,
    /// `serverIPAddress`.
    pub server_ip: Option<Cow<'a, str>>,
    /// `connection`.
    pub connection: Option<Cow<'a, str>>,
    /// request headersSize, request bodySize, response headersSize, response bodySize,
    /// content.size, transfer size.
    pub sizes: [Option<i64>; 6],
    /// The producer's `time`.
    pub time: Option<f64>,
    /// The timing phases.
    pub phases: Phases,
    /// `_blocked_queueing`.
    pub queueing: Option<f64>,
    /// Derived timings.
    pub derived: crate::har::timings::Derived,
    /// Request headers (redacted), in order.
    pub request_headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Response headers (redacted), in order.
    pub response_headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// First correlation ID found.
    pub tracking_id: Option<Cow<'a, str>>,
    /// The header it came from.
    pub tracking_header: Option<Cow<'a, str>>,
    /// `response.redirectURL`, redacted.
    pub redirect_url: Option<Cow<'a, str>>,
    /// `request.postData.text` (only with `--bodies`).
    pub request_body: Option<Cow<'a, str>>,
    /// `request.postData.mimeType` (only with `--bodies`; read by the body rules, not a
    /// column).
    pub request_mime: Option<Cow<'a, str>>,
    /// Secret values redacted from this entry (not a column): later occurrences anywhere
    /// in the file are redacted too.
    pub found: Vec<String>,
    /// `response.content.text` (only with `--bodies`).
    pub response_body: Option<Cow<'a, str>>,
    /// `response.content.encoding` (only with `--bodies`).
    pub response_body_encoding: Option<Cow<'a, str>>,
}

#[derive(Debug, Default)]
struct HeaderCol {
    offsets: Vec<i32>,
    names: StringBuilder,
    values: StringBuilder,
}

impl HeaderCol {
    fn push(&mut self, h: &[(Cow<'_, str>, Cow<'_, str>)]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        for (n, v) in h {
            self.names.append_value(n);
            self.values.append_value(v);
        }
        let last = self.offsets.last().copied().unwrap_or(0);
        self.offsets
            .push(last + i32::try_from(h.len()).unwrap_or(i32::MAX));
    }

    fn finish(&mut self) -> ArrayRef {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let names = Arc::new(self.names.finish()) as ArrayRef;
        let values = Arc::new(self.values.finish()) as ArrayRef;
        let items = StructArray::new(header_struct_fields(), vec![names, values], None);
        let offsets = OffsetBuffer::new(std::mem::take(&mut self.offsets).into());
        Arc::new(ListArray::new(
            header_item_field(),
            offsets,
            Arc::new(items),
            None,
        ))
    }
}

/// Accumulates [`EntryRow`]s into a [`RecordBatch`] of the `entries` schema.
#[derive(Debug, Default)]
pub struct EntryBatchBuilder {
    strs: Vec<StringBuilder>,
    i64s: Vec<Int64Builder>,
    i32s: Vec<Int32Builder>,
    f64s: Vec<Float64Builder>,
    bools: Vec<BooleanBuilder>,
    ts: TimestampMicrosecondBuilder,
    req_headers: HeaderCol,
    resp_headers: HeaderCol,
    rows: usize,
    bytes: usize,
}

/// Per-file values shared by all rows of one input.
#[derive(Debug, Default, Clone)]
pub struct FileContext {
    /// Path of the input as given.
    pub source_file: String,
    /// `creator.name creator.version`.
    pub producer: Option<String>,
}

fn count(kind: Kind) -> usize {
    COLUMNS.iter().filter(|(_, k)| *k == kind).count()
}

impl EntryBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self {
            strs: (0..count(Kind::Str))
                .map(|_| StringBuilder::new())
                .collect(),
            i64s: (0..count(Kind::I64)).map(|_| Int64Builder::new()).collect(),
            i32s: (0..count(Kind::I32)).map(|_| Int32Builder::new()).collect(),
            f64s: (0..count(Kind::F64))
                .map(|_| Float64Builder::new())
                .collect(),
            bools: (0..count(Kind::Bool))
                .map(|_| BooleanBuilder::new())
                .collect(),
            ts: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            ..Self::default()
        }
    }

    /// Rows appended since the last [`finish`](Self::finish).
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was appended since the last finish.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// A rough count of the bytes buffered.
    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    /// Appends one row.
    pub fn append(&mut self, file: &FileContext, row: &EntryRow<'_>) {
        let url = row.url.as_deref();
        let parts = url.map(crate::har::url::split_url).unwrap_or_default();
        let http_version = row
            .http_version_raw
            .as_deref()
            .and_then(crate::har::normalize_http_version);
        let scheme = parts.scheme.map(str::to_ascii_lowercase);
        let host = parts.host.map(str::to_ascii_lowercase);
        let status_class = crate::har::status_class(row.status);
        let strs: [Option<&str>; 28] = [
            Some(&file.source_file),
            file.producer.as_deref(),
            row.page_id.as_deref(),
            row.page_title,
            row.started_at_raw.as_deref(),
            row.method.as_deref(),
            url,
            scheme.as_deref(),
            host.as_deref(),
            parts.path,
            parts.query,
            http_version,
            row.http_version_raw.as_deref(),
            row.status_text.as_deref(),
            Some(status_class),
            row.error.as_deref(),
            row.mime_type.as_deref(),
            row.resource_type.as_deref(),
            row.priority.as_deref(),
            row.initiator_type.as_deref(),
            row.server_ip.as_deref(),
            row.connection.as_deref(),
            row.tracking_id.as_deref(),
            row.tracking_header.as_deref(),
            row.redirect_url.as_deref(),
            row.request_body.as_deref(),
            row.response_body.as_deref(),
            row.response_body_encoding.as_deref(),
        ];
        for (b, v) in self.strs.iter_mut().zip(strs.iter()) {
            self.bytes += v.map_or(0, str::len);
            b.append_option(*v);
        }
        let p = &row.phases;
        let d = &row.derived;
        let i64s = [
            Some(row.entry_index),
            row.sizes[0],
            row.sizes[1],
            row.sizes[2],
            row.sizes[3],
            row.sizes[4],
            row.sizes[5],
        ];
        for (b, v) in self.i64s.iter_mut().zip(i64s) {
            b.append_option(v);
        }
        self.i32s[0].append_option(parts.port);
        self.i32s[1].append_option(row.status.and_then(|s| i32::try_from(s).ok()));
        let f64s = [
            row.time,
            p.blocked,
            p.dns,
            p.connect,
            p.ssl,
            p.send,
            p.wait,
            p.receive,
            row.queueing,
            d.tcp,
            d.total,
        ];
        for (b, v) in self.f64s.iter_mut().zip(f64s) {
            b.append_option(v);
        }
        self.bools[0].append_value(row.from_cache);
        self.bools[1].append_option(d.ssl_in_connect);
        self.ts.append_option(row.started_at);
        for h in [&row.request_headers, &row.response_headers] {
            self.bytes += h.iter().map(|(n, v)| n.len() + v.len() + 8).sum::<usize>();
        }
        self.req_headers.push(&row.request_headers);
        self.resp_headers.push(&row.response_headers);
        self.bytes += 200;
        self.rows += 1;
    }

    /// Builds the batch and resets the builder.
    ///
    /// # Errors
    /// Only on an internal mismatch between the builder and the schema.
    pub fn finish(&mut self) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let mut strs = self
            .strs
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        let mut i64s = self
            .i64s
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        let mut i32s = self
            .i32s
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        let mut f64s = self
            .f64s
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        let mut bools = self
            .bools
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef);
        let mut ts = Some(Arc::new(self.ts.finish()) as ArrayRef);
        let mut headers = [self.req_headers.finish(), self.resp_headers.finish()].into_iter();
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(COLUMNS.len());
        for &(_, kind) in COLUMNS {
            let next = match kind {
                Kind::Str => strs.next(),
                Kind::I64 => i64s.next(),
                Kind::I32 => i32s.next(),
                Kind::F64 => f64s.next(),
                Kind::Bool => bools.next(),
                Kind::Timestamp => ts.take(),
                Kind::Headers => headers.next(),
            };
            if let Some(c) = next {
                cols.push(c);
            }
        }
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(entries_schema(), cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_matches_schema() {
        let mut b = EntryBatchBuilder::new();
        let row = EntryRow {
            url: Some("https://h:8/p?q=1".into()),
            status: Some(200),
            request_headers: vec![("a".into(), "1".into())],
            ..EntryRow::default()
        };
        b.append(&FileContext::default(), &row);
        b.append(&FileContext::default(), &EntryRow::default());
        let batch = b.finish().expect("schema");
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.num_columns(), COLUMNS.len());
        let strs = COLUMNS.iter().filter(|(_, k)| *k == Kind::Str).count();
        assert_eq!(strs, 28);
    }
}
