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

/// One column of the `entries` table: its name, whether it may be null, and how its value
/// comes from a parsed entry. The Arrow schema, the batch builder and the column order
/// all come from [`COLUMNS`]; a value is taken by name from [`Cells`], never by
/// position, so two columns cannot be swapped by mistake.
#[derive(Clone, Copy)]
pub struct Column {
    /// The column's name.
    pub name: &'static str,
    /// Whether it may hold nulls.
    pub nullable: bool,
    /// Its type, and the value of one row.
    pub value: Value,
}

impl std::fmt::Debug for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}", self.name, self.kind())
    }
}

impl Column {
    /// The column's kind.
    pub fn kind(&self) -> Kind {
        match self.value {
            Value::Str(_) => Kind::Str,
            Value::I64(_) => Kind::I64,
            Value::I32(_) => Kind::I32,
            Value::F64(_) => Kind::F64,
            Value::Bool(_) => Kind::Bool,
            Value::Timestamp(_) => Kind::Timestamp,
            Value::Headers(_) => Kind::Headers,
        }
    }
}

/// A column's type with the function that reads its value from one row's [`Cells`].
#[derive(Clone, Copy)]
pub enum Value {
    /// UTF-8 string.
    Str(for<'c> fn(&'c Cells<'c>) -> Option<&'c str>),
    /// 64-bit signed integer.
    I64(fn(&Cells<'_>) -> Option<i64>),
    /// 32-bit signed integer.
    I32(fn(&Cells<'_>) -> Option<i32>),
    /// 64-bit float.
    F64(fn(&Cells<'_>) -> Option<f64>),
    /// Boolean.
    Bool(fn(&Cells<'_>) -> Option<bool>),
    /// Microseconds since the epoch, UTC.
    Timestamp(fn(&Cells<'_>) -> Option<i64>),
    /// Name/value pairs in order.
    #[allow(clippy::type_complexity)]
    Headers(for<'c> fn(&'c Cells<'c>) -> &'c [(Cow<'c, str>, Cow<'c, str>)]),
}

/// One row as the columns read it: the parsed entry, its input, and the values derived
/// from it once per row (the URL's parts, the normalized HTTP version, the status class).
#[derive(Debug)]
pub struct Cells<'c> {
    /// The input's facts.
    pub file: &'c FileContext,
    /// The parsed entry.
    pub row: &'c EntryRow<'c>,
    /// `url` split into its parts.
    pub url: crate::har::url::UrlParts<'c>,
    /// The scheme, lowercased.
    pub scheme: Option<String>,
    /// The host, lowercased.
    pub host: Option<String>,
    /// The normalized HTTP version (`1.1`, `2`, `3`).
    pub http_version: Option<&'c str>,
    /// `2xx`…`5xx`, `no_response`.
    pub status_class: &'c str,
}

impl<'c> Cells<'c> {
    /// The cells of `row`.
    pub fn new(file: &'c FileContext, row: &'c EntryRow<'c>) -> Self {
        let url = row
            .url
            .as_deref()
            .map(crate::har::url::split_url)
            .unwrap_or_default();
        Self {
            file,
            row,
            scheme: url.scheme.map(str::to_ascii_lowercase),
            host: url.host.map(str::to_ascii_lowercase),
            url,
            http_version: row
                .http_version_raw
                .as_deref()
                .and_then(crate::har::normalize_http_version),
            status_class: crate::har::status_class(row.status),
        }
    }
}

/// The columns of the `entries` table, in order (new columns go at the end).
pub const COLUMNS: &[Column] = &[
    Column {
        name: "source_file",
        nullable: false,
        value: Value::Str(|c| Some(&c.file.source_file)),
    },
    Column {
        name: "entry_index",
        nullable: false,
        value: Value::I64(|c| Some(c.row.entry_index)),
    },
    Column {
        name: "producer",
        nullable: true,
        value: Value::Str(|c| c.file.producer.as_deref()),
    },
    Column {
        name: "page_id",
        nullable: true,
        value: Value::Str(|c| c.row.page_id.as_deref()),
    },
    Column {
        name: "page_title",
        nullable: true,
        value: Value::Str(|c| c.row.page_title),
    },
    Column {
        name: "started_at",
        nullable: true,
        value: Value::Timestamp(|c| c.row.started_at),
    },
    Column {
        name: "started_at_raw",
        nullable: true,
        value: Value::Str(|c| c.row.started_at_raw.as_deref()),
    },
    Column {
        name: "method",
        nullable: true,
        value: Value::Str(|c| c.row.method.as_deref()),
    },
    Column {
        name: "url",
        nullable: true,
        value: Value::Str(|c| c.row.url.as_deref()),
    },
    Column {
        name: "scheme",
        nullable: true,
        value: Value::Str(|c| c.scheme.as_deref()),
    },
    Column {
        name: "host",
        nullable: true,
        value: Value::Str(|c| c.host.as_deref()),
    },
    Column {
        name: "port",
        nullable: true,
        value: Value::I32(|c| c.url.port),
    },
    Column {
        name: "path",
        nullable: true,
        value: Value::Str(|c| c.url.path),
    },
    Column {
        name: "query",
        nullable: true,
        value: Value::Str(|c| c.url.query),
    },
    Column {
        name: "http_version",
        nullable: true,
        value: Value::Str(|c| c.http_version),
    },
    Column {
        name: "http_version_raw",
        nullable: true,
        value: Value::Str(|c| c.row.http_version_raw.as_deref()),
    },
    Column {
        name: "status",
        nullable: true,
        value: Value::I32(|c| c.row.status.and_then(|s| i32::try_from(s).ok())),
    },
    Column {
        name: "status_text",
        nullable: true,
        value: Value::Str(|c| c.row.status_text.as_deref()),
    },
    Column {
        name: "status_class",
        nullable: false,
        value: Value::Str(|c| Some(c.status_class)),
    },
    Column {
        name: "error",
        nullable: true,
        value: Value::Str(|c| c.row.error.as_deref()),
    },
    Column {
        name: "mime_type",
        nullable: true,
        value: Value::Str(|c| c.row.mime_type.as_deref()),
    },
    Column {
        name: "resource_type",
        nullable: true,
        value: Value::Str(|c| c.row.resource_type.as_deref()),
    },
    Column {
        name: "priority",
        nullable: true,
        value: Value::Str(|c| c.row.priority.as_deref()),
    },
    Column {
        name: "initiator_type",
        nullable: true,
        value: Value::Str(|c| c.row.initiator_type.as_deref()),
    },
    Column {
        name: "from_cache",
        nullable: false,
        value: Value::Bool(|c| Some(c.row.from_cache)),
    },
    Column {
        name: "server_ip",
        nullable: true,
        value: Value::Str(|c| c.row.server_ip.as_deref()),
    },
    Column {
        name: "connection",
        nullable: true,
        value: Value::Str(|c| c.row.connection.as_deref()),
    },
    Column {
        name: "request_headers_size",
        nullable: true,
        value: Value::I64(|c| c.row.sizes[0]),
    },
    Column {
        name: "request_body_size",
        nullable: true,
        value: Value::I64(|c| c.row.sizes[1]),
    },
    Column {
        name: "response_headers_size",
        nullable: true,
        value: Value::I64(|c| c.row.sizes[2]),
    },
    Column {
        name: "response_body_size",
        nullable: true,
        value: Value::I64(|c| c.row.sizes[3]),
    },
    Column {
        name: "content_size",
        nullable: true,
        value: Value::I64(|c| c.row.sizes[4]),
    },
    Column {
        name: "transfer_size",
        nullable: true,
        value: Value::I64(|c| c.row.sizes[5]),
    },
    Column {
        name: "time_ms",
        nullable: true,
        value: Value::F64(|c| c.row.time),
    },
    Column {
        name: "blocked_ms",
        nullable: true,
        value: Value::F64(|c| c.row.phases.blocked),
    },
    Column {
        name: "dns_ms",
        nullable: true,
        value: Value::F64(|c| c.row.phases.dns),
    },
    Column {
        name: "connect_ms",
        nullable: true,
        value: Value::F64(|c| c.row.phases.connect),
    },
    Column {
        name: "ssl_ms",
        nullable: true,
        value: Value::F64(|c| c.row.phases.ssl),
    },
    Column {
        name: "send_ms",
        nullable: true,
        value: Value::F64(|c| c.row.phases.send),
    },
    Column {
        name: "wait_ms",
        nullable: true,
        value: Value::F64(|c| c.row.phases.wait),
    },
    Column {
        name: "receive_ms",
        nullable: true,
        value: Value::F64(|c| c.row.phases.receive),
    },
    Column {
        name: "blocked_queueing_ms",
        nullable: true,
        value: Value::F64(|c| c.row.queueing),
    },
    Column {
        name: "tcp_ms",
        nullable: true,
        value: Value::F64(|c| c.row.derived.tcp),
    },
    Column {
        name: "ssl_in_connect",
        nullable: true,
        value: Value::Bool(|c| c.row.derived.ssl_in_connect),
    },
    Column {
        name: "total_ms",
        nullable: true,
        value: Value::F64(|c| c.row.derived.total),
    },
    Column {
        name: "request_headers",
        nullable: false,
        value: Value::Headers(|c| &c.row.request_headers),
    },
    Column {
        name: "response_headers",
        nullable: false,
        value: Value::Headers(|c| &c.row.response_headers),
    },
    Column {
        name: "tracking_id",
        nullable: true,
        value: Value::Str(|c| c.row.tracking_id.as_deref()),
    },
    Column {
        name: "tracking_header",
        nullable: true,
        value: Value::Str(|c| c.row.tracking_header.as_deref()),
    },
    Column {
        name: "redirect_url",
        nullable: true,
        value: Value::Str(|c| c.row.redirect_url.as_deref()),
    },
    Column {
        name: "request_body",
        nullable: true,
        value: Value::Str(|c| c.row.request_body.as_deref()),
    },
    Column {
        name: "response_body",
        nullable: true,
        value: Value::Str(|c| c.row.response_body.as_deref()),
    },
    Column {
        name: "response_body_encoding",
        nullable: true,
        value: Value::Str(|c| c.row.response_body_encoding.as_deref()),
    },
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
                .map(|c| Field::new(c.name, c.kind().data_type(), c.nullable))
                .collect();
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// Index of a column by name.
pub fn column_index(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| c.name == name)
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

/// The builder of one column.
#[derive(Debug)]
enum ColumnBuilder {
    Str(StringBuilder),
    I64(Int64Builder),
    I32(Int32Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Headers(HeaderCol),
}

impl ColumnBuilder {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Str => Self::Str(StringBuilder::new()),
            Kind::I64 => Self::I64(Int64Builder::new()),
            Kind::I32 => Self::I32(Int32Builder::new()),
            Kind::F64 => Self::F64(Float64Builder::new()),
            Kind::Bool => Self::Bool(BooleanBuilder::new()),
            Kind::Timestamp => {
                Self::Timestamp(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
            }
            Kind::Headers => Self::Headers(HeaderCol::default()),
        }
    }

    /// Appends the column's value of one row; returns the bytes it adds.
    fn append(&mut self, value: Value, c: &Cells<'_>) -> usize {
        match (self, value) {
            (Self::Str(b), Value::Str(f)) => {
                let v = f(c);
                b.append_option(v);
                v.map_or(0, str::len)
            }
            (Self::I64(b), Value::I64(f)) => {
                b.append_option(f(c));
                8
            }
            (Self::Timestamp(b), Value::Timestamp(f)) => {
                b.append_option(f(c));
                8
            }
            (Self::I32(b), Value::I32(f)) => {
                b.append_option(f(c));
                4
            }
            (Self::F64(b), Value::F64(f)) => {
                b.append_option(f(c));
                8
            }
            (Self::Bool(b), Value::Bool(f)) => {
                b.append_option(f(c));
                1
            }
            (Self::Headers(b), Value::Headers(f)) => {
                let h = f(c);
                b.push(h);
                h.iter().map(|(n, v)| n.len() + v.len() + 8).sum()
            }
            // each builder is made from its own column's kind
            _ => 0,
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Self::Str(b) => Arc::new(b.finish()),
            Self::I64(b) => Arc::new(b.finish()),
            Self::I32(b) => Arc::new(b.finish()),
            Self::F64(b) => Arc::new(b.finish()),
            Self::Bool(b) => Arc::new(b.finish()),
            Self::Timestamp(b) => Arc::new(b.finish()),
            Self::Headers(b) => b.finish(),
        }
    }
}

/// Accumulates [`EntryRow`]s into a [`RecordBatch`] of the `entries` schema, one builder
/// per column of [`COLUMNS`].
#[derive(Debug)]
pub struct EntryBatchBuilder {
    columns: Vec<ColumnBuilder>,
    rows: usize,
    bytes: usize,
}

impl Default for EntryBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// Per-file values shared by all rows of one input.
#[derive(Debug, Default, Clone)]
pub struct FileContext {
    /// Path of the input as given.
    pub source_file: String,
    /// `creator.name creator.version`.
    pub producer: Option<String>,
}

impl EntryBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self {
            columns: COLUMNS
                .iter()
                .map(|c| ColumnBuilder::new(c.kind()))
                .collect(),
            rows: 0,
            bytes: 0,
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
        let cells = Cells::new(file, row);
        for (b, col) in self.columns.iter_mut().zip(COLUMNS) {
            self.bytes += b.append(col.value, &cells);
        }
        self.bytes += 200;
        self.rows += 1;
    }

    /// Builds the batch and resets the builder.
    ///
    /// # Errors
    /// Only on an internal mismatch between the builder and the schema.
    pub fn finish(&mut self) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let cols: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        self.rows = 0;
        self.bytes = 0;
        RecordBatch::try_new(entries_schema(), cols)
    }
}

/// A row in which every column gets a value no other column has (the URL's parts and the
/// status class follow from `url` and `status`), for tests that check a column, or a
/// reader of the table, is wired to its own field.
#[cfg(test)]
pub(crate) fn distinct_row() -> (FileContext, EntryRow<'static>) {
    let file = FileContext {
        source_file: "v-source_file".into(),
        producer: Some("v-producer".into()),
    };
    let s = |v: &'static str| Some(Cow::Borrowed(v));
    let row = EntryRow {
        entry_index: 101,
        page_id: s("v-page_id"),
        page_title: Some("v-page_title"),
        started_at: Some(102),
        started_at_raw: s("v-started_at_raw"),
        method: s("v-method"),
        url: s("HTTPS://V-Host:8443/v-path?v-query"),
        http_version_raw: s("h2"),
        status: Some(418),
        status_text: s("v-status_text"),
        error: s("v-error"),
        mime_type: s("v-mime_type"),
        resource_type: s("v-resource_type"),
        priority: s("v-priority"),
        initiator_type: s("v-initiator_type"),
        from_cache: true,
        server_ip: s("v-server_ip"),
        connection: s("v-connection"),
        sizes: [
            Some(103),
            Some(104),
            Some(105),
            Some(106),
            Some(107),
            Some(108),
        ],
        time: Some(1.5),
        phases: Phases {
            blocked: Some(2.5),
            dns: Some(3.5),
            connect: Some(4.5),
            ssl: Some(5.5),
            send: Some(6.5),
            wait: Some(7.5),
            receive: Some(8.5),
        },
        queueing: Some(9.5),
        derived: crate::har::timings::Derived {
            ssl_in_connect: Some(false),
            tcp: Some(10.5),
            total: Some(11.5),
        },
        request_headers: vec![("v-req-name".into(), "v-req-value".into())],
        response_headers: vec![("v-resp-name".into(), "v-resp-value".into())],
        tracking_id: s("v-tracking_id"),
        tracking_header: s("v-tracking_header"),
        redirect_url: s("v-redirect_url"),
        request_body: s("v-request_body"),
        response_body: s("v-response_body"),
        response_body_encoding: s("v-response_body_encoding"),
        ..EntryRow::default()
    };
    (file, row)
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
        let strs = COLUMNS.iter().filter(|c| c.kind() == Kind::Str).count();
        assert_eq!(strs, 28);
    }

    /// Every column gets a value no other column has, and reads it back by name: a column
    /// wired to the wrong field fails here.
    #[test]
    fn every_column_reads_its_own_field() {
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
        let (file, row) = distinct_row();
        let mut b = EntryBatchBuilder::new();
        b.append(&file, &row);
        let batch = b.finish().expect("batch");
        let want: &[(&str, &str)] = &[
            ("source_file", "v-source_file"),
            ("entry_index", "101"),
            ("producer", "v-producer"),
            ("page_id", "v-page_id"),
            ("page_title", "v-page_title"),
            ("started_at", "102"),
            ("started_at_raw", "v-started_at_raw"),
            ("method", "v-method"),
            ("url", "HTTPS://V-Host:8443/v-path?v-query"),
            ("scheme", "https"),
            ("host", "v-host"),
            ("port", "8443"),
            ("path", "/v-path"),
            ("query", "v-query"),
            ("http_version", "2"),
            ("http_version_raw", "h2"),
            ("status", "418"),
            ("status_text", "v-status_text"),
            ("status_class", "4xx"),
            ("error", "v-error"),
            ("mime_type", "v-mime_type"),
            ("resource_type", "v-resource_type"),
            ("priority", "v-priority"),
            ("initiator_type", "v-initiator_type"),
            ("from_cache", "true"),
            ("server_ip", "v-server_ip"),
            ("connection", "v-connection"),
            ("request_headers_size", "103"),
            ("request_body_size", "104"),
            ("response_headers_size", "105"),
            ("response_body_size", "106"),
            ("content_size", "107"),
            ("transfer_size", "108"),
            ("time_ms", "1.5"),
            ("blocked_ms", "2.5"),
            ("dns_ms", "3.5"),
            ("connect_ms", "4.5"),
            ("ssl_ms", "5.5"),
            ("send_ms", "6.5"),
            ("wait_ms", "7.5"),
            ("receive_ms", "8.5"),
            ("blocked_queueing_ms", "9.5"),
            ("tcp_ms", "10.5"),
            ("ssl_in_connect", "false"),
            ("total_ms", "11.5"),
            ("request_headers", "v-req-name=v-req-value"),
            ("response_headers", "v-resp-name=v-resp-value"),
            ("tracking_id", "v-tracking_id"),
            ("tracking_header", "v-tracking_header"),
            ("redirect_url", "v-redirect_url"),
            ("request_body", "v-request_body"),
            ("response_body", "v-response_body"),
            ("response_body_encoding", "v-response_body_encoding"),
        ];
        assert_eq!(want.len(), COLUMNS.len(), "every column is checked");
        let mut seen = std::collections::HashSet::new();
        for (name, expected) in want {
            let col = batch.column_by_name(name).expect(name);
            let got = match col.data_type() {
                DataType::Utf8 => col.as_string::<i32>().value(0).to_owned(),
                DataType::Int64 => col.as_primitive::<Int64Type>().value(0).to_string(),
                DataType::Int32 => col.as_primitive::<Int32Type>().value(0).to_string(),
                DataType::Float64 => col.as_primitive::<Float64Type>().value(0).to_string(),
                DataType::Boolean => col.as_boolean().value(0).to_string(),
                DataType::Timestamp(..) => col
                    .as_primitive::<TimestampMicrosecondType>()
                    .value(0)
                    .to_string(),
                DataType::List(_) => {
                    let items = col.as_list::<i32>().value(0);
                    let st = items.as_struct();
                    format!(
                        "{}={}",
                        st.column(0).as_string::<i32>().value(0),
                        st.column(1).as_string::<i32>().value(0)
                    )
                }
                other => panic!("{name}: unexpected type {other}"),
            };
            assert_eq!(&got, expected, "column {name}");
            // booleans aside, no two columns hold the same value
            if !matches!(col.data_type(), DataType::Boolean) {
                assert!(seen.insert(got), "{name} repeats another column's value");
            }
        }
    }
}
