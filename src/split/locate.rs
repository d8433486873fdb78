//! Walks the top of a HAR document (the root object and `log`) and records where its parts
//! are. Values other than `entries` are small; `entries` itself is only skipped over when a
//! key we need (`pages`, `creator`) comes after it.

use super::scan::{skip_string, skip_value};
use std::ops::Range;

/// Where the parts of a HAR document are, as byte ranges of their JSON values.
#[derive(Debug, Default, Clone)]
pub struct Layout {
    /// Offset of the first byte after the entries array's `[`.
    pub entries_body: Option<usize>,
    /// The `log.pages` value.
    pub pages: Option<Range<usize>>,
    /// The `log.creator` value.
    pub creator: Option<Range<usize>>,
    /// The `log.browser` value.
    pub browser: Option<Range<usize>>,
    /// The `log.version` value.
    pub version: Option<Range<usize>>,
    /// The input ended before the document did.
    pub truncated: bool,
}

/// Why a document is not a HAR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocateError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

fn ws(buf: &[u8], mut p: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = buf.get(p) {
        p += 1;
    }
    p
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, LocateError> {
    Err(LocateError {
        offset,
        message: message.into(),
    })
}

/// What a member callback tells the walk.
enum Step {
    /// The value ended at this offset; go on.
    Next(usize),
    /// The input ended inside the value.
    Eof,
    /// Everything needed is known; stop walking.
    Stop,
}

/// Iterates an object's members starting at its `{`; calls `f(key, value_start)`.
/// Returns `Next(end)` past the `}`, `Eof` when the input ends first, or `Stop`.
fn members(
    buf: &[u8],
    open: usize,
    mut f: impl FnMut(&[u8], usize) -> Result<Step, LocateError>,
) -> Result<Step, LocateError> {
    let mut p = ws(buf, open + 1);
    if buf.get(p) == Some(&b'}') {
        return Ok(Step::Next(p + 1));
    }
    loop {
        match buf.get(p) {
            None => return Ok(Step::Eof),
            Some(b'"') => {}
            Some(_) => return err(p, "invalid JSON: expected a quoted object key"),
        }
        let Some(kend) = skip_string(buf, p) else {
            return Ok(Step::Eof);
        };
        let key = &buf[p + 1..kend - 1];
        p = ws(buf, kend);
        match buf.get(p) {
            None => return Ok(Step::Eof),
            Some(b':') => {}
            Some(_) => return err(p, "invalid JSON: expected ':' after an object key"),
        }
        p = ws(buf, p + 1);
        if p >= buf.len() {
            return Ok(Step::Eof);
        }
        let vend = match f(key, p)? {
            Step::Next(e) => e,
            other => return Ok(other),
        };
        p = ws(buf, vend);
        match buf.get(p) {
            None => return Ok(Step::Eof),
            Some(b',') => p = ws(buf, p + 1),
            Some(b'}') => return Ok(Step::Next(p + 1)),
            Some(_) => return err(p, "invalid JSON: expected ',' or '}' in an object"),
        }
    }
}

/// Finds the parts of the HAR document in `buf` (BOM already removed). The walk stops at
/// `entries` when `pages` and `creator` were already seen (the usual order); otherwise it
/// skips over the entries array to find them.
///
/// # Errors
/// When the input is not a JSON object with a `log` object holding `entries`.
pub fn locate(buf: &[u8]) -> Result<Layout, LocateError> {
    let mut layout = Layout::default();
    let start = ws(buf, 0);
    match buf.get(start) {
        Some(b'{') => {}
        Some(_) => return err(start, "not a HAR: the document is not a JSON object"),
        None => return err(start, "empty input"),
    }
    let mut saw_log = false;
    let root_end = members(buf, start, |key, v| {
        if key != b"log" {
            return Ok(skip_value(buf, v).map_or(Step::Eof, Step::Next));
        }
        saw_log = true;
        if buf[v] != b'{' {
            return err(v, "not a HAR: `log` is not an object");
        }
        members(buf, v, |key, v| {
            if key == b"entries" && layout.pages.is_some() && layout.creator.is_some() {
                if buf[v] != b'[' {
                    return err(v, "`log.entries` is not an array");
                }
                layout.entries_body = Some(v + 1);
                return Ok(Step::Stop);
            }
            let end = skip_value(buf, v);
            let range = end.map(|e| v..e);
            match key {
                b"pages" => layout.pages = range,
                b"creator" => layout.creator = range,
                b"browser" => layout.browser = range,
                b"version" => layout.version = range,
                b"entries" => {
                    if buf[v] != b'[' {
                        return err(v, "`log.entries` is not an array");
                    }
                    layout.entries_body = Some(v + 1);
                }
                _ => {}
            }
            Ok(end.map_or(Step::Eof, Step::Next))
        })
    })?;
    if matches!(root_end, Step::Eof) {
        layout.truncated = true;
    }
    if !saw_log {
        return err(start, "not a HAR: no `log` object at the top level");
    }
    if layout.entries_body.is_none() && !layout.truncated {
        return err(start, "not a HAR: `log` has no `entries` array");
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_parts_in_any_order() {
        let s =
            br#"{"log":{"entries":[{"a":1}],"creator":{"name":"x"},"pages":[],"version":"1.2"}}"#;
        let l = locate(s).unwrap_or_default();
        assert_eq!(l.entries_body, Some(19));
        assert_eq!(l.version, Some(72..77));
        assert_eq!(
            &s[l.creator.clone().unwrap_or_default()],
            br#"{"name":"x"}"#
        );
        assert_eq!(&s[l.pages.clone().unwrap_or_default()], b"[]");
        assert!(!l.truncated);
    }

    #[test]
    fn rejects_non_har() {
        assert!(locate(b"[1,2]").is_err());
        assert!(locate(br#"{"request":{}}"#).is_err());
        assert!(locate(br#"{"log":{"pages":[]}}"#).is_err());
    }

    #[test]
    fn truncated_inside_entries() {
        let l = locate(br#"{"log":{"creator":{},"entries":[{"a":1},{"b""#).unwrap_or_default();
        assert!(l.truncated);
        assert_eq!(l.entries_body, Some(32));
    }
}
