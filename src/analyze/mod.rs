//! Analyze: the troubleshooting views (`summary`, `find`, `diff`, `stats`). They consume
//! the same batches `export` writes, so every value they show went through the same
//! parse and redaction, and nothing is loaded whole.

pub mod diff;
pub mod quantile;
pub mod record;
pub mod report;
pub mod stats;
pub mod summary;

use crate::engine::{Engine, Observer, RunReport};
use crate::error::Result;
use crate::sink::{Flow, RunMeta, Sink};
use arrow_array::RecordBatch;
use std::path::PathBuf;

/// A sink that hands each batch to a closure.
struct Callback<'a> {
    f: &'a mut dyn FnMut(&RecordBatch) -> Flow,
}

impl Sink for Callback<'_> {
    fn write(&mut self, batch: &RecordBatch) -> Result<Flow> {
        Ok((self.f)(batch))
    }

    fn finish(&mut self, _meta: &RunMeta) -> Result<()> {
        Ok(())
    }
}

/// Streams every input through `engine`, calling `f` with each batch in entry order
/// until it returns [`Flow::Stop`]. An input that cannot be read or is not a HAR is an
/// error when it is the sole input; among several it is told to `observer` and listed in
/// the report's `failed`.
///
/// # Errors
/// The fatal error of a sole input, or an entry error with `--on-error fail`.
pub fn scan(
    engine: &Engine,
    inputs: &[PathBuf],
    observer: &mut dyn Observer,
    f: &mut dyn FnMut(&RecordBatch) -> Flow,
) -> Result<RunReport> {
    let mut sink = Callback { f };
    engine.run_args(inputs, &mut sink, observer)
}

/// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn utc(us: Option<i64>) -> String {
    us.map(|us| {
        let s = crate::sink::text::format_timestamp_us(us);
        // format_timestamp_us writes microseconds; milliseconds read better in tickets.
        match (s.find('.'), s.strip_suffix('Z')) {
            (Some(dot), Some(body)) if body.len() >= dot + 4 => format!("{}Z", &body[..dot + 4]),
            _ => s,
        }
    })
    .unwrap_or_default()
}

/// Rounds to 0.1 ms for display and JSON.
pub fn ms(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}
