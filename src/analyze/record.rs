//! [`Record`]: one entry as the troubleshooting views read it, taken from a batch of the
//! `entries` schema (from the pipeline or from a Parquet file).

use crate::sink::schema::{COLUMNS, Kind, column_index};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, ListArray, RecordBatch, StringArray};

/// The seven disjoint phases of a request, in the order they happen.
pub const PHASES: [&str; 7] = [
    "blocked", "dns", "connect", "ssl", "send", "wait", "receive",
];

/// One entry with the facts the troubleshooting views use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Input path.
    pub source_file: String,
    /// Position in `log.entries`.
    pub entry_index: i64,
    /// `pageref`.
    pub page_id: Option<String>,
    /// Title of the referenced page.
    pub page_title: Option<String>,
    /// Start, microseconds since the epoch (UTC).
    pub started_at: Option<i64>,
    /// Request method (empty when absent).
    pub method: String,
    /// URL (redacted unless sanitizing was turned off).
    pub url: String,
    /// URL scheme.
    pub scheme: Option<String>,
    /// URL host.
    pub host: Option<String>,
    /// URL port, when written.
    pub port: Option<i32>,
    /// URL path.
    pub path: Option<String>,
    /// Response status (null for "no response").
    pub status: Option<i32>,
    /// `1xx` … `5xx`, `no_response`, `other`.
    pub status_class: String,
    /// Producer error text.
    pub error: Option<String>,
    /// Response MIME type.
    pub mime_type: Option<String>,
    /// Chrome's `_resourceType`.
    pub resource_type: Option<String>,
    /// Served from a browser cache.
    pub from_cache: bool,
    /// Disjoint phases in [`PHASES`] order: blocked, dns, connect without TLS (`tcp_ms`),
    /// ssl, send, wait, receive. Negative or absent values are `None`.
    pub phases: [Option<f64>; 7],
    /// Sum of the phases, TLS counted once (`total_ms`), else the producer's `time`.
    pub total_ms: Option<f64>,
    /// Bytes on the wire for the response.
    pub transfer_size: Option<i64>,
    /// Decoded response body size.
    pub content_size: Option<i64>,
    /// First correlation ID.
    pub tracking_id: Option<String>,
    /// Header it came from.
    pub tracking_header: Option<String>,
    /// Request headers (lower-case names), when read.
    pub request_headers: Vec<(String, String)>,
    /// Response headers (lower-case names), when read.
    pub response_headers: Vec<(String, String)>,
    /// How many response headers the producer recorded (whichever were read).
    pub response_header_count: usize,
    /// Response body, when read.
    pub response_body: Option<String>,
    /// Response body encoding (`base64`), when read.
    pub response_body_encoding: Option<String>,
}

impl Record {
    /// The first request header called `name` (lower-case).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        header(&self.request_headers, name)
    }

    /// The first response header called `name` (lower-case).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        header(&self.response_headers, name)
    }

    /// Whether the status is 4xx, 5xx or no response at all.
    pub fn failed(&self) -> bool {
        matches!(self.status_class.as_str(), "4xx" | "5xx" | "no_response")
    }

    /// The phase that took longest, with its duration; `None` without phases.
    pub fn dominant_phase(&self) -> Option<(&'static str, f64)> {
        let mut best: Option<(&'static str, f64)> = None;
        for (name, v) in PHASES.iter().zip(self.phases) {
            if let Some(v) = v
                && best.is_none_or(|(_, b)| v > b)
            {
                best = Some((name, v));
            }
        }
        best
    }

    /// The `wait` phase: time to first byte.
    pub fn wait_ms(&self) -> Option<f64> {
        self.phases[5]
    }

    /// Why this entry's TTFB says nothing about the server, if it does not: a cache hit,
    /// a WebSocket, a server-sent-event stream or a tunnel.
    pub fn ttfb_exclusion(&self) -> Option<&'static str> {
        ttfb_exclusion(
            self.from_cache,
            &self.method,
            self.status,
            self.resource_type.as_deref(),
            self.mime_type.as_deref(),
            &self.url,
        )
    }

    /// `scheme://host[:port]`, as an `Origin` header writes it.
    pub fn origin(&self) -> Option<String> {
        let scheme = self.scheme.as_deref()?;
        let host = self.host.as_deref()?;
        Some(match self.port {
            Some(p) if !default_port(scheme, p) => format!("{scheme}://{host}:{p}"),
            _ => format!("{scheme}://{host}"),
        })
    }
}

fn default_port(scheme: &str, port: i32) -> bool {
    matches!((scheme, port), ("http" | "ws", 80) | ("https" | "wss", 443))
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The TTFB exclusion rule shared by `summary` and `stats` (documented in
/// docs/troubleshooting.md): cache hits, requests without a response, WebSockets (status 101, resource type
/// `websocket`, `ws://`/`wss://` URLs), server-sent events (`text/event-stream`, resource
/// type `eventsource`) and tunnels (`CONNECT`) are left out of TTFB percentiles.
pub fn ttfb_exclusion(
    from_cache: bool,
    method: &str,
    status: Option<i32>,
    resource_type: Option<&str>,
    mime_type: Option<&str>,
    url: &str,
) -> Option<&'static str> {
    let rt = resource_type.unwrap_or("").to_ascii_lowercase();
    let mime = mime_type.unwrap_or("").to_ascii_lowercase();
    if from_cache {
        Some("cache")
    } else if status.is_none() {
        Some("no_response")
    } else if method.eq_ignore_ascii_case("CONNECT") {
        Some("tunnel")
    } else if status == Some(101)
        || rt == "websocket"
        || url.starts_with("ws://")
        || url.starts_with("wss://")
    {
        Some("websocket")
    } else if mime.starts_with("text/event-stream") || rt == "eventsource" {
        Some("sse")
    } else {
        None
    }
}

/// Which headers of a record to read.
#[derive(Debug, Clone, Copy, Default)]
pub enum Headers {
    /// None.
    #[default]
    None,
    /// Only these (lower-case names).
    Only(&'static [&'static str]),
    /// All.
    All,
}

/// Which optional parts of a record to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Want {
    /// Request and response headers.
    pub headers: Headers,
    /// Response body and its encoding.
    pub bodies: bool,
}

/// The column `name` of `batch`, read as the column table says it is typed: every name
/// the decoder asks for is looked up in [`COLUMNS`] with the kind it expects, so a typo or
/// a column read as the wrong type fails the decoder's tests instead of reading as null.
/// A batch without the column (a projection, an older file) reads as absent.
fn col<'a>(batch: &'a RecordBatch, name: &str, kind: Kind) -> Option<&'a ArrayRef> {
    let declared = column_index(name).map(|i| COLUMNS[i].kind());
    debug_assert_eq!(
        declared,
        Some(kind),
        "`{name}` is not a {kind:?} column of sink::schema::COLUMNS"
    );
    if declared != Some(kind) {
        return None;
    }
    batch.schema().index_of(name).ok().map(|i| batch.column(i))
}

fn strs<'a>(batch: &'a RecordBatch, name: &str) -> Option<&'a StringArray> {
    col(batch, name, Kind::Str).and_then(|c| c.as_string_opt::<i32>())
}

fn s(a: Option<&StringArray>, i: usize) -> Option<String> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i).to_owned())
}

fn f(batch: &RecordBatch, name: &str) -> Option<Vec<Option<f64>>> {
    col(batch, name, Kind::F64)
        .and_then(|c| c.as_primitive_opt::<Float64Type>())
        .map(|a| a.iter().map(|v| v.filter(|x| *x >= 0.0)).collect())
}

fn i64s(batch: &RecordBatch, name: &str) -> Option<Vec<Option<i64>>> {
    col(batch, name, Kind::I64)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .map(|a| a.iter().collect())
}

fn headers(list: Option<&ListArray>, i: usize, which: Headers) -> Vec<(String, String)> {
    let only = match which {
        Headers::None => return Vec::new(),
        Headers::Only(names) => Some(names),
        Headers::All => None,
    };
    let Some(list) = list.filter(|l| l.is_valid(i)) else {
        return Vec::new();
    };
    let items = list.value(i);
    let Some(st) = items.as_struct_opt() else {
        return Vec::new();
    };
    let (Some(names), Some(values)) = (
        st.column_by_name("name")
            .and_then(|c| c.as_string_opt::<i32>()),
        st.column_by_name("value")
            .and_then(|c| c.as_string_opt::<i32>()),
    ) else {
        return Vec::new();
    };
    (0..st.len())
        .filter(|&j| {
            only.is_none_or(|o| {
                let n = names.value(j);
                o.iter().any(|w| w.eq_ignore_ascii_case(n))
            })
        })
        .map(|j| {
            (
                names.value(j).to_ascii_lowercase(),
                values.value(j).to_owned(),
            )
        })
        .collect()
}

/// The records of one batch of the `entries` schema. Columns missing from the batch
/// (a projection, an older file) read as absent.
pub fn records(batch: &RecordBatch, want: Want) -> Vec<Record> {
    let n = batch.num_rows();
    let get = |v: &Option<Vec<Option<f64>>>, i: usize| v.as_ref().and_then(|v| v[i]);
    let source_file = strs(batch, "source_file");
    let page_id = strs(batch, "page_id");
    let page_title = strs(batch, "page_title");
    let method = strs(batch, "method");
    let url = strs(batch, "url");
    let scheme = strs(batch, "scheme");
    let host = strs(batch, "host");
    let path = strs(batch, "path");
    let status_class = strs(batch, "status_class");
    let error = strs(batch, "error");
    let mime = strs(batch, "mime_type");
    let rtype = strs(batch, "resource_type");
    let tid = strs(batch, "tracking_id");
    let theader = strs(batch, "tracking_header");
    let body = strs(batch, "response_body");
    let enc = strs(batch, "response_body_encoding");
    let index = i64s(batch, "entry_index");
    let transfer = i64s(batch, "transfer_size");
    let content = i64s(batch, "content_size");
    let started = col(batch, "started_at", Kind::Timestamp)
        .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>());
    let status = col(batch, "status", Kind::I32).and_then(|c| c.as_primitive_opt::<Int32Type>());
    let port = col(batch, "port", Kind::I32).and_then(|c| c.as_primitive_opt::<Int32Type>());
    let cache = col(batch, "from_cache", Kind::Bool).and_then(|c| c.as_boolean_opt());
    let phase_cols = [
        "blocked_ms",
        "dns_ms",
        "tcp_ms",
        "ssl_ms",
        "send_ms",
        "wait_ms",
        "receive_ms",
    ]
    .map(|c| f(batch, c));
    let total = f(batch, "total_ms");
    let time = f(batch, "time_ms");
    let req_h = col(batch, "request_headers", Kind::Headers).and_then(|c| c.as_list_opt::<i32>());
    let resp_h = col(batch, "response_headers", Kind::Headers).and_then(|c| c.as_list_opt::<i32>());
    (0..n)
        .map(|i| Record {
            source_file: s(source_file, i).unwrap_or_default(),
            entry_index: index.as_ref().and_then(|v| v[i]).unwrap_or(i as i64),
            page_id: s(page_id, i),
            page_title: s(page_title, i),
            started_at: started.filter(|a| a.is_valid(i)).map(|a| a.value(i)),
            method: s(method, i).unwrap_or_default(),
            url: s(url, i).unwrap_or_default(),
            scheme: s(scheme, i),
            host: s(host, i),
            port: port.filter(|a| a.is_valid(i)).map(|a| a.value(i)),
            path: s(path, i),
            status: status.filter(|a| a.is_valid(i)).map(|a| a.value(i)),
            status_class: s(status_class, i).unwrap_or_else(|| "no_response".to_owned()),
            error: s(error, i).filter(|e| !e.is_empty()),
            mime_type: s(mime, i),
            resource_type: s(rtype, i),
            from_cache: cache.is_some_and(|a| a.is_valid(i) && a.value(i)),
            phases: std::array::from_fn(|p| get(&phase_cols[p], i)),
            total_ms: get(&total, i).or_else(|| get(&time, i)),
            transfer_size: transfer.as_ref().and_then(|v| v[i]),
            content_size: content.as_ref().and_then(|v| v[i]),
            tracking_id: s(tid, i),
            tracking_header: s(theader, i),
            request_headers: headers(req_h, i, want.headers),
            response_headers: headers(resp_h, i, want.headers),
            response_header_count: resp_h
                .filter(|l| l.is_valid(i))
                .map_or(0, |l| l.value_length(i) as usize),
            response_body: if want.bodies { s(body, i) } else { None },
            response_body_encoding: if want.bodies { s(enc, i) } else { None },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::schema::{EntryBatchBuilder, distinct_row};

    fn distinct_batch() -> RecordBatch {
        let (file, row) = distinct_row();
        let mut b = EntryBatchBuilder::new();
        b.append(&file, &row);
        b.finish().expect("batch")
    }

    /// The builder writes a value no other column has into every column; the decoder must
    /// read each field from its own column (a field wired to a neighbour fails here).
    #[test]
    fn every_field_is_read_from_its_own_column() {
        let want = Want {
            headers: Headers::All,
            bodies: true,
        };
        let got = records(&distinct_batch(), want);
        let s = |v: &str| Some(v.to_owned());
        let expected = Record {
            source_file: "v-source_file".into(),
            entry_index: 101,
            page_id: s("v-page_id"),
            page_title: s("v-page_title"),
            started_at: Some(102),
            method: "v-method".into(),
            url: "HTTPS://V-Host:8443/v-path?v-query".into(),
            scheme: s("https"),
            host: s("v-host"),
            port: Some(8443),
            path: s("/v-path"),
            status: Some(418),
            status_class: "4xx".into(),
            error: s("v-error"),
            mime_type: s("v-mime_type"),
            resource_type: s("v-resource_type"),
            from_cache: true,
            // connect is read from tcp_ms (connect without TLS), not connect_ms
            phases: [2.5, 3.5, 10.5, 5.5, 6.5, 7.5, 8.5].map(Some),
            total_ms: Some(11.5),
            transfer_size: Some(108),
            content_size: Some(107),
            tracking_id: s("v-tracking_id"),
            tracking_header: s("v-tracking_header"),
            request_headers: vec![("v-req-name".into(), "v-req-value".into())],
            response_headers: vec![("v-resp-name".into(), "v-resp-value".into())],
            response_header_count: 1,
            response_body: s("v-response_body"),
            response_body_encoding: s("v-response_body_encoding"),
        };
        assert_eq!(got, vec![expected]);
    }

    /// What the caller did not ask for stays empty; a projection without a column reads it
    /// as absent, and `total_ms` falls back to the producer's `time`.
    #[test]
    fn parts_not_wanted_or_not_in_the_batch_read_as_absent() {
        let batch = distinct_batch();
        let only = Want {
            headers: Headers::Only(&["v-resp-name"]),
            bodies: false,
        };
        let r = &records(&batch, only)[0];
        assert!(r.request_headers.is_empty());
        assert_eq!(r.response_header("v-resp-name"), Some("v-resp-value"));
        assert_eq!(
            (r.response_body.as_deref(), r.response_header_count),
            (None, 1)
        );

        let schema = batch.schema();
        let keep: Vec<usize> = ["url", "time_ms", "status"]
            .iter()
            .map(|n| schema.index_of(n).expect(n))
            .collect();
        let projected = batch.project(&keep).expect("projection");
        let r = &records(&projected, Want::default())[0];
        assert_eq!(r.url, "HTTPS://V-Host:8443/v-path?v-query");
        assert_eq!((r.status, r.total_ms), (Some(418), Some(1.5)));
        assert_eq!((r.entry_index, r.host.as_deref()), (0, None));
        assert_eq!(r.status_class, "no_response");
        assert_eq!(r.phases, [None; 7]);
    }
}
