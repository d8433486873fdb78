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

/// Length of a JSONP wrapper's head (`onInputData(`, as HAR Viewer's `.harp` files
/// have) before the document, after leading whitespace; 0 when there is none.
pub fn jsonp_prefix(buf: &[u8]) -> usize {
    let start = ws(buf, 0);
    let ident = buf[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'))
        .count();
    if ident == 0 || buf[start].is_ascii_digit() {
        return 0;
    }
    let p = ws(buf, start + ident);
    if buf.get(p) == Some(&b'(') { p + 1 } else { 0 }
}

/// The offset just after the document whose `log.entries` array closed before `after`:
/// the rest of `log` and of the top-level object are walked (strings and escapes
/// respected). `None` when the input ends first.
pub fn document_end(buf: &[u8], after: usize) -> Option<usize> {
    let mut depth = 2usize;
    let mut i = after;
    while i < buf.len() {
        match buf[i] {
            b'"' => {
                i += 1;
                loop {
                    let q = super::scan::quote_or_backslash(buf.get(i..)?)? + i;
                    if buf[q] == b'\\' {
                        i = q + 2;
                    } else {
                        i = q + 1;
                        break;
                    }
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where another HAR document starts after one that ended at `end` (concatenated
/// documents, separated by whitespace, commas or newlines; a JSONP `);` tail is
/// skipped). `None` when only whitespace follows.
pub fn next_document(buf: &[u8], end: usize) -> Option<usize> {
    let mut p = end;
    while let Some(b) = buf.get(p) {
        match b {
            b' ' | b'\n' | b'\r' | b'\t' | b')' | b';' | b',' => p += 1,
            b'{' => return Some(p),
            _ => return None,
        }
    }
    None
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
    fn wrappers_and_concatenation() {
        assert_eq!(jsonp_prefix(b"onInputData({\"log\":{}});"), 12);
        assert_eq!(jsonp_prefix(b"  cb_1 ({}"), 8);
        assert_eq!(jsonp_prefix(b"{\"log\":{}}"), 0);
        assert_eq!(jsonp_prefix(b"123({})"), 0);
        let two = br#"{"log":{"entries":[{"a":"]}"}],"pages":[{"x":"}"}]}} {"log":{"entries":[]}}"#;
        let after = two.iter().position(|&b| b == b',').unwrap_or(0);
        let end = document_end(two, after).unwrap_or(0);
        assert_eq!(&two[end - 2..end], b"}}");
        assert_eq!(next_document(two, end), Some(end + 1));
        assert_eq!(next_document(b"}\n);\n", 1), None);
        assert_eq!(document_end(br#"{"log":{"entries":[],"x":"#, 20), None);
    }

    #[test]
    fn truncated_inside_entries() {
        let l = locate(br#"{"log":{"creator":{},"entries":[{"a":1},{"b""#).unwrap_or_default();
        assert!(l.truncated);
        assert_eq!(l.entries_body, Some(32));
    }
}
