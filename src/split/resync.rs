//! Resynchronisation after a damaged entry: where the next intact entry starts.
//!
//! One structural error inside an entry (a stray quote, an unbalanced brace: what a hand
//! edit for redaction leaves behind) throws the splitter's string and depth state off for
//! the rest of the file. The splitter cannot see that by itself; the parse of the damaged
//! entry can. From there, [`resync`] looks at the raw bytes again, ignoring the lost state:
//! the next `{` that stands where an element of `log.entries` would (after a `,`), opens
//! an object whose top-level members are well formed, names at least one member only an
//! entry has (`startedDateTime`, `request`, …), and is followed by `,` or `]`. Only the
//! damaged entry is lost; every intact entry after it is read.

use super::scan::{skip_string, skip_value};

/// Members that only a HAR entry has at its top level (a header, a cookie, a WebSocket
/// message or a call frame has none of them).
const ENTRY_MEMBERS: &[&[u8]] = &[
    b"startedDateTime",
    b"request",
    b"response",
    b"timings",
    b"pageref",
    b"serverIPAddress",
];

fn skip_ws(buf: &[u8], mut p: usize) -> usize {
    while p < buf.len() && matches!(buf[p], b' ' | b'\n' | b'\r' | b'\t') {
        p += 1;
    }
    p
}

/// The end (one past `}`) of the object at `open` when it looks like an entry: its top
/// level is `"name": value` pairs separated by commas, one name is an entry member, and a
/// `,` or `]` follows it. `cost` grows by the bytes looked at.
fn entry_object_end(buf: &[u8], open: usize, cost: &mut usize) -> Option<usize> {
    let mut p = skip_ws(buf, open + 1);
    let mut entry_like = false;
    loop {
        if buf.get(p) != Some(&b'"') {
            return None;
        }
        let key_end = skip_string(buf, p)?;
        entry_like |= ENTRY_MEMBERS.contains(&&buf[p + 1..key_end - 1]);
        p = skip_ws(buf, key_end);
        if buf.get(p) != Some(&b':') {
            return None;
        }
        let value = skip_ws(buf, p + 1);
        let value_end = skip_value(buf, value).filter(|&e| e > value)?;
        p = skip_ws(buf, value_end);
        *cost += p - value;
        match buf.get(p) {
            Some(b',') => p = skip_ws(buf, p + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    let end = p + 1;
    let next = skip_ws(buf, end);
    (entry_like && matches!(buf.get(next), Some(b',' | b']'))).then_some(end)
}

/// The offset of the first intact entry's `{` at or after `from`, if any. The search looks
/// at no more than about four times the bytes left (each candidate is checked by skipping
/// its members), so a pathological input cannot make it quadratic.
pub fn resync(buf: &[u8], from: usize) -> Option<usize> {
    let mut p = from;
    let mut cost = 0usize;
    let budget = buf.len().saturating_sub(from).saturating_mul(4) + (1 << 20);
    while p < buf.len() && cost <= budget {
        let q = p + memchr::memchr(b'{', buf.get(p..)?)?;
        p = q + 1;
        // an element of the array: after a comma (whitespace between)
        let before = buf[..q]
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
        if before.is_none_or(|i| buf[i] != b',') {
            continue;
        }
        if buf.get(skip_ws(buf, q + 1)) != Some(&b'"') {
            continue;
        }
        cost += 64;
        if entry_object_end(buf, q, &mut cost).is_some() {
            return Some(q);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"startedDateTime": "t", "request": {"headers": [{"name": "a", "value": "{b}"}]}, "response": {}}"#;

    #[test]
    fn finds_the_next_entry_past_a_stray_quote() {
        let bad = r#"{"startedDateTime": "t", "request": {"url": "http"://x"}}"#;
        let s = format!("[{GOOD}, {bad}, {GOOD}]");
        let second = s.find(bad).unwrap_or(0);
        let third = s.rfind(GOOD).unwrap_or(0);
        assert_eq!(resync(s.as_bytes(), second + 1), Some(third));
        // from the start: the first entry stands after `[` (not a resumption point), the
        // damaged one is refused
        assert_eq!(resync(s.as_bytes(), 0), Some(third));
    }

    #[test]
    fn nested_objects_are_not_entries() {
        // header objects after commas, a WebSocket message with `time`
        let s = r#"[{"x": [{"name": "a"}, {"name": "b"}, {"type": "send", "time": 1}]}]"#;
        assert_eq!(resync(s.as_bytes(), 1), None);
        // an entry-looking object not followed by `,` or `]` (inside a value)
        let s = r#"[1, {"request": {}} "x"]"#;
        assert_eq!(resync(s.as_bytes(), 1), None);
    }

    #[test]
    fn truncated_candidates_are_refused() {
        let s = format!("[{GOOD}, {{\"request\": {{\"url\": \"x");
        assert_eq!(resync(s.as_bytes(), 2), None);
    }
}
