//! NDJSON and CSV sinks: the same columns as Parquet, one line per entry. Timestamps are
//! RFC 3339 UTC with microseconds; in CSV, header lists are JSON text.

use super::{AtomicFile, Flow, RunMeta, Sink};
use crate::error::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// One JSON object per line.
    Ndjson,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// Writes entries as NDJSON or CSV, to a file (atomically) or to stdout.
pub struct TextSink {
    format: TextFormat,
    out: Option<AtomicFile>,
    w: BufWriter<Box<dyn Write + Send>>,
    wrote_header: bool,
    line: String,
    display_path: String,
}

impl std::fmt::Debug for TextSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextSink")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// Appends `s` as a JSON string literal.
pub fn json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut start = 0;
    // Only ASCII bytes are escaped, and no byte of a multi-byte UTF-8 sequence is ASCII,
    // so the text can be walked as bytes and cut at any escaped byte.
    for (i, &c) in s.as_bytes().iter().enumerate() {
        if !NEEDS_ESCAPE[usize::from(c)] {
            continue;
        }
        out.push_str(&s[start..i]);
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(c >> 4)]));
                out.push(char::from(HEX[usize::from(c & 15)]));
            }
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Bytes a JSON string must escape: `"`, `\\` and the control characters.
const NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A text cell as a spreadsheet may read it: one that starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return would be taken as a formula (a header, a URL or an error text
/// comes from the server), so it is prefixed with `'` and quoted, as OWASP recommends.
fn csv_text(out: &mut String, s: &str) {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push_str("\"'");
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        csv_field(out, s);
    }
}

fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn format_timestamp_us(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let micros = us.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

fn f64_text(v: f64) -> Option<String> {
    v.is_finite().then(|| {
        let s = format!("{v}");
        s
    })
}

/// Renders one cell as JSON (`null` for nulls); `None` for a null in CSV terms.
fn cell_json(col: &ArrayRef, row: usize, out: &mut String) {
    if col.is_null(row) {
        out.push_str("null");
        return;
    }
    match col.data_type() {
        DataType::Utf8 => json_string(out, col.as_string::<i32>().value(row)),
        DataType::Int64 => out.push_str(&col.as_primitive::<Int64Type>().value(row).to_string()),
        DataType::Int32 => out.push_str(&col.as_primitive::<Int32Type>().value(row).to_string()),
        DataType::Float64 => match f64_text(col.as_primitive::<Float64Type>().value(row)) {
            Some(s) => out.push_str(&s),
            None => out.push_str("null"),
        },
        DataType::Boolean => out.push_str(if col.as_boolean().value(row) {
            "true"
        } else {
            "false"
        }),
        DataType::Timestamp(_, _) => {
            json_string(
                out,
                &format_timestamp_us(col.as_primitive::<TimestampMicrosecondType>().value(row)),
            );
        }
        DataType::List(_) => {
            let list = col.as_list::<i32>();
            let items = list.value(row);
            let st = items.as_struct();
            let names = st.column(0).as_string::<i32>();
            let values = st.column(1).as_string::<i32>();
            out.push('[');
            for i in 0..st.len() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"name\":");
                json_string(out, names.value(i));
                out.push_str(",\"value\":");
                json_string(out, values.value(i));
                out.push('}');
            }
            out.push(']');
        }
        _ => out.push_str("null"),
    }
}

fn cell_csv(col: &ArrayRef, row: usize, out: &mut String) {
    if col.is_null(row) {
        return;
    }
    match col.data_type() {
        DataType::Utf8 => csv_text(out, col.as_string::<i32>().value(row)),
        DataType::Timestamp(_, _) => {
            out.push_str(&format_timestamp_us(
                col.as_primitive::<TimestampMicrosecondType>().value(row),
            ));
        }
        DataType::List(_) => {
            let mut s = String::new();
            cell_json(col, row, &mut s);
            csv_field(out, &s);
        }
        _ => cell_json(col, row, out),
    }
}

impl TextSink {
    /// Writes to `path`, or to stdout when `path` is `-`.
    ///
    /// # Errors
    /// When the output cannot be created.
    pub fn create(path: &Path, format: TextFormat) -> Result<Self> {
        let (out, w): (Option<AtomicFile>, Box<dyn Write + Send>) = if path.as_os_str() == "-" {
            (None, Box::new(std::io::stdout()))
        } else {
            let out = AtomicFile::create(path)?;
            let f = out.reopen()?;
            (Some(out), Box::new(f))
        };
        Ok(Self {
            format,
            out,
            w: BufWriter::with_capacity(1 << 20, w),
            wrote_header: false,
            line: String::new(),
            display_path: path.display().to_string(),
        })
    }

    /// Writes to `w` (`label` names it in errors); [`Sink::finish`] flushes it.
    pub fn to_writer(w: Box<dyn Write + Send>, format: TextFormat, label: &str) -> Self {
        Self {
            format,
            out: None,
            w: BufWriter::with_capacity(1 << 20, w),
            wrote_header: false,
            line: String::new(),
            display_path: label.to_owned(),
        }
    }

    fn werr(&self, source: std::io::Error) -> Error {
        Error::Write {
            path: self.display_path.clone().into(),
            source,
        }
    }
}

impl Sink for TextSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<Flow> {
        let schema = batch.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        if self.format == TextFormat::Csv && !self.wrote_header {
            let header = names.join(",");
            writeln!(self.w, "{header}").map_err(|e| self.werr(e))?;
            self.wrote_header = true;
        }
        let cols = batch.columns();
        for row in 0..batch.num_rows() {
            self.line.clear();
            match self.format {
                TextFormat::Ndjson => {
                    self.line.push('{');
                    for (i, (name, col)) in names.iter().zip(cols).enumerate() {
                        if i > 0 {
                            self.line.push(',');
                        }
                        json_string(&mut self.line, name);
                        self.line.push(':');
                        cell_json(col, row, &mut self.line);
                    }
                    self.line.push('}');
                }
                TextFormat::Csv => {
                    for (i, col) in cols.iter().enumerate() {
                        if i > 0 {
                            self.line.push(',');
                        }
                        cell_csv(col, row, &mut self.line);
                    }
                }
            }
            self.line.push('\n');
            let line = std::mem::take(&mut self.line);
            let r = self.w.write_all(line.as_bytes());
            self.line = line;
            r.map_err(|e| self.werr(e))?;
        }
        Ok(Flow::Continue)
    }

    fn finish(&mut self, _meta: &RunMeta) -> Result<()> {
        if self.format == TextFormat::Csv && !self.wrote_header {
            let header = super::schema::COLUMNS
                .iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
                .join(",");
            writeln!(self.w, "{header}").map_err(|e| self.werr(e))?;
        }
        self.w.flush().map_err(|e| self.werr(e))?;
        match self.out.take() {
            Some(out) => out.commit(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_escapes() {
        assert_eq!(
            format_timestamp_us(1_680_134_454_250_000),
            "2023-03-30T00:00:54.250000Z"
        );
        assert_eq!(format_timestamp_us(-1), "1969-12-31T23:59:59.999999Z");
        let mut s = String::new();
        json_string(&mut s, "a\"b\\\n\u{1}é");
        assert_eq!(s, "\"a\\\"b\\\\\\n\\u0001é\"");
        let mut c = String::new();
        csv_text(&mut c, "=HYPERLINK(\"http://x\")");
        assert_eq!(c, "\"'=HYPERLINK(\"\"http://x\"\")\"");
        let mut d = String::new();
        csv_text(&mut d, "plain");
        assert_eq!(d, "plain");
    }
}
