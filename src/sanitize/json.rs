//! A JSON reader that keeps byte positions: one entry (or one JSON body) becomes a small
//! tree whose strings know their exact span in the input, so a redaction rewrites only
//! that span and every other byte is copied unchanged.

use crate::parse::unescape::{unescape_lossy, utf8_lossy};
use std::borrow::Cow;
use std::ops::Range;

/// Deepest nesting walked. A container deeper than this is not recursed into: it becomes
/// one [`Node::Deep`] (the sanitizer replaces it whole; nothing in it is judged).
const MAX_DEPTH: usize = 256;

/// A JSON value with its byte span. Strings without escapes borrow from the input.
#[derive(Debug)]
pub enum Node<'a> {
    /// An object: members in order.
    Obj(Vec<(Cow<'a, str>, Node<'a>)>),
    /// An array.
    Arr(Vec<Node<'a>>),
    /// A string: its span (quotes included) and decoded value.
    Str(Range<usize>, Cow<'a, str>),
    /// A number: its span.
    Num(Range<usize>),
    /// `true`, `false` or `null`.
    Other,
    /// An object or array nested deeper than [`MAX_DEPTH`]: its span, not walked.
    Deep(Range<usize>),
}

impl<'a> Node<'a> {
    /// The member `key` of an object; the last one when the name is repeated, as
    /// `JSON.parse` and Python's `json` take it.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(_, s) => Some(s),
            _ => None,
        }
    }
}

/// Where and why the input is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset.
    pub offset: usize,
    /// What was expected.
    pub message: &'static str,
}

struct Reader<'a> {
    b: &'a [u8],
    p: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn err<T>(&self, message: &'static str) -> Result<T, JsonError> {
        Err(JsonError {
            offset: self.base + self.p,
            message,
        })
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.p) {
            self.p += 1;
        }
    }

    fn string(&mut self) -> Result<(Range<usize>, Cow<'a, str>), JsonError> {
        let start = self.p;
        self.p += 1;
        let body = self.p;
        let mut escaped = false;
        loop {
            let Some(i) = crate::split::scan::quote_or_backslash(&self.b[self.p..]) else {
                self.p = self.b.len();
                return self.err("unterminated string");
            };
            self.p += i;
            if self.b[self.p] == b'\\' {
                escaped = true;
                self.p += 2;
                if self.p > self.b.len() {
                    return self.err("unterminated string");
                }
            } else {
                break;
            }
        }
        let b: &'a [u8] = self.b;
        let raw = &b[body..self.p];
        self.p += 1;
        let value = if escaped {
            Cow::Owned(unescape_lossy(raw).into_owned())
        } else {
            utf8_lossy(raw)
        };
        Ok((self.base + start..self.base + self.p, value))
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        self.ws();
        if depth > MAX_DEPTH && matches!(self.b.get(self.p), Some(b'{' | b'[')) {
            let start = self.p;
            let Some(end) = crate::split::scan::skip_value(self.b, start) else {
                self.p = self.b.len();
                return self.err("input ends inside a value");
            };
            self.p = end;
            return Ok(Node::Deep(self.base + start..self.base + end));
        }
        match self.b.get(self.p) {
            None => self.err("input ends inside a value"),
            Some(b'"') => {
                let (span, s) = self.string()?;
                Ok(Node::Str(span, s))
            }
            Some(b'{') => {
                self.p += 1;
                let mut members = Vec::new();
                self.ws();
                if self.b.get(self.p) == Some(&b'}') {
                    self.p += 1;
                    return Ok(Node::Obj(members));
                }
                loop {
                    self.ws();
                    if self.b.get(self.p) != Some(&b'"') {
                        return self.err("expected a member name");
                    }
                    let (_, key) = self.string()?;
                    self.ws();
                    if self.b.get(self.p) != Some(&b':') {
                        return self.err("expected ':'");
                    }
                    self.p += 1;
                    let v = self.value(depth + 1)?;
                    members.push((key, v));
                    self.ws();
                    match self.b.get(self.p) {
                        Some(b',') => self.p += 1,
                        Some(b'}') => {
                            self.p += 1;
                            return Ok(Node::Obj(members));
                        }
                        _ => return self.err("expected ',' or '}'"),
                    }
                }
            }
            Some(b'[') => {
                self.p += 1;
                let mut items = Vec::new();
                self.ws();
                if self.b.get(self.p) == Some(&b']') {
                    self.p += 1;
                    return Ok(Node::Arr(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.b.get(self.p) {
                        Some(b',') => self.p += 1,
                        Some(b']') => {
                            self.p += 1;
                            return Ok(Node::Arr(items));
                        }
                        _ => return self.err("expected ',' or ']'"),
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || matches!(c, b'-' | b't' | b'f' | b'n') => {
                let start = self.p;
                while let Some(c) = self.b.get(self.p) {
                    if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.') {
                        self.p += 1;
                    } else {
                        break;
                    }
                }
                let tok = &self.b[start..self.p];
                let ok = matches!(tok, b"true" | b"false" | b"null")
                    || (tok[0] == b'-' || tok[0].is_ascii_digit())
                        && tok.iter().all(|c| {
                            c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E')
                        });
                if ok && matches!(tok, b"true" | b"false" | b"null") {
                    Ok(Node::Other)
                } else if ok {
                    Ok(Node::Num(self.base + start..self.base + self.p))
                } else {
                    self.p = start;
                    self.err("invalid literal")
                }
            }
            Some(_) => self.err("unexpected character"),
        }
    }
}

/// Parses one JSON value from `b` (offsets reported relative to `base`); trailing
/// whitespace is allowed, anything else after the value is an error.
///
/// # Errors
/// Where the input stops being JSON.
pub fn parse(b: &[u8], base: usize) -> Result<Node<'_>, JsonError> {
    let mut r = Reader { b, p: 0, base };
    let v = r.value(0)?;
    r.ws();
    if r.p != b.len() {
        return r.err("unexpected data after the value");
    }
    Ok(v)
}

/// A JSON string literal for `s` (quotes included), escaping only what JSON requires.
pub fn encode_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    crate::sink::text::json_string(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_values() {
        let src = br#" {"a": "x\"y", "b": [1, -2.5e3, true, null, {"c": "\u00e9"}]} "#;
        let n = parse(src, 100).unwrap_or(Node::Other);
        let Some(Node::Str(span, v)) = n.get("a") else {
            panic!("no a")
        };
        assert_eq!(v, "x\"y");
        assert_eq!(&src[span.start - 100..span.end - 100], br#""x\"y""#);
        let Some(Node::Arr(items)) = n.get("b") else {
            panic!("no b")
        };
        assert_eq!(items.len(), 5);
        assert_eq!(items[4].get("c").and_then(Node::as_str), Some("é"));
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(parse(br#"{"a": }"#, 10).err().map(|e| e.offset), Some(16));
        assert!(parse(br#"{"a": 1} x"#, 0).is_err());
        assert!(parse(br#"{"a": "unterminated"#, 0).is_err());
        assert!(parse(br#"[tru]"#, 0).is_err());
        // past the walk's depth a container is one node with its span, not an error
        let deep = "[".repeat(300) + &"]".repeat(300);
        let mut n = parse(deep.as_bytes(), 0).unwrap_or(Node::Other);
        let mut level = 0;
        while let Node::Arr(mut items) = n {
            n = items.pop().unwrap_or(Node::Other);
            level += 1;
        }
        assert_eq!(level, MAX_DEPTH + 1);
        assert!(matches!(n, Node::Deep(ref s) if *s == (level..600 - level)));
        let cut = "[".repeat(300) + &"]".repeat(299);
        assert!(parse(cut.as_bytes(), 0).is_err());
        assert_eq!(encode_string("a\"b\n"), r#""a\"b\n""#);
    }
}
