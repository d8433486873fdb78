//! harx: HAR (HTTP Archive) files into Arrow and Parquet, fast, in bounded memory, without
//! leaking the secrets they carry.
//!
//! The library is the product; the `harx` command line, the Python module and the intake
//! service are front ends over one streaming [`engine`]. Inputs are read window by window
//! (memory is bounded by the window and the largest entry, not the file); entries are
//! parsed in parallel and come out in order, redacted unless asked otherwise, as Arrow
//! record batches with the export schema ([`sink::schema`]). A damaged entry costs that
//! entry alone: the run resynchronises on the next one and says where.
//!
//! Read a HAR into batches and count the rows:
//!
//! ```
//! use harx::engine::{Engine, Input, Options};
//! use std::sync::Arc;
//!
//! let har = br#"{"log": {"version": "1.2", "creator": {"name": "demo", "version": "1"},
//!   "entries": [
//!     {"startedDateTime": "2024-05-01T10:00:00.000Z", "time": 120,
//!      "request": {"method": "GET", "url": "https://api.example.com/v1/users?token=s3cr3t",
//!                  "headers": [{"name": "Authorization", "value": "Bearer abc.def.ghi"}]},
//!      "response": {"status": 500, "headers": [], "content": {"size": 0}},
//!      "timings": {"send": 1, "wait": 100, "receive": 19}},
//!     {"startedDateTime": "2024-05-01T10:00:01.000Z", "time": 30,
//!      "request": {"method": "GET", "url": "https://api.example.com/v1/ping", "headers": []},
//!      "response": {"status": 200, "headers": [], "content": {"size": 0}},
//!      "timings": {"send": 1, "wait": 20, "receive": 9}}
//!   ]}}"#;
//!
//! let engine = Arc::new(Engine::new(Options::default())?);
//! let input = Input::Bytes { name: "demo.har".into(), bytes: har.to_vec() };
//! let mut reader = engine.read(vec![input], 4); // an arrow RecordBatchReader
//! let mut rows = 0;
//! for batch in reader.by_ref() {
//!     let batch = batch?;
//!     rows += batch.num_rows();
//!     // secrets never reach the rows: the token in the URL is redacted
//!     let urls = batch.column_by_name("url").expect("url column");
//!     let urls = urls.as_any().downcast_ref::<arrow_array::StringArray>().expect("strings");
//!     assert!(!urls.value(0).contains("s3cr3t"));
//! }
//! assert_eq!(rows, 2);
//! let report = reader.finish()?; // what the run did: documents, skipped entries, ...
//! assert!(!report.incomplete());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Push use goes through [`engine::Engine::run`] with any [`sink::Sink`] (Parquet, NDJSON
//! or CSV to a path or to any `Write`, or your own). docs/ARCHITECTURE.md in the
//! repository says which module owns what.

pub mod analyze;
mod cpu;
pub mod engine;
pub mod error;
mod failpoint;
pub mod har;
pub mod ingest;
pub mod parse;
pub mod pipeline;
pub mod sanitize;
pub mod sink;
pub mod source;
pub mod split;
pub mod synth;
pub mod transform;
pub mod validate;
