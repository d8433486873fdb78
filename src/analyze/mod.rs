//! Analyze: the troubleshooting views (`summary`, `find`, `diff`, `stats`). They consume
//! the same batches `export` writes, so every value they show went through the same
//! parse and redaction, and nothing is loaded whole.

pub mod diff;
pub mod quantile;
pub mod record;
pub mod report;
pub mod stats;
pub mod summary;

use crate::error::Result;
use crate::pipeline::{FileReport, Pipeline};
use crate::sink::{RunMeta, Sink};
use arrow_array::RecordBatch;
use std::path::PathBuf;

/// A sink that hands each batch to a closure.
struct Callback<'a> {
    f: &'a mut dyn FnMut(&RecordBatch),
}

impl Sink for Callback<'_> {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        (self.f)(batch);
        Ok(())
    }

    fn finish(self: Box<Self>, _meta: &RunMeta) -> Result<()> {
        Ok(())
    }
}

/// Streams every input through `pipeline`, calling `f` with each batch in entry order.
/// An input that cannot be read or is not a HAR is returned as an error with the others'
/// reports left out only when it is the sole input; otherwise it is reported on stderr
/// and counted in the second value.
///
/// # Errors
/// The first fatal error when there is one input, or an entry error with `--on-error fail`.
pub fn scan(
    pipeline: &Pipeline,
    inputs: &[PathBuf],
    f: &mut dyn FnMut(&RecordBatch),
) -> Result<(Vec<FileReport>, usize)> {
    let mut reports = Vec::new();
    let mut failed = 0;
    for input in inputs {
        let mut sink = Callback { f: &mut *f };
        match pipeline.run_path(input, &mut sink, &mut |_, _| {}) {
            Ok(r) => reports.extend(r),
            Err(e @ (crate::error::Error::Read { .. } | crate::error::Error::NotHar { .. }))
                if inputs.len() > 1 =>
            {
                eprintln!("harx: error: {e}");
                failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok((reports, failed))
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
