//! Lossy JSON string unescaping for the long strings the per-entry parse leaves out.

use std::borrow::Cow;

fn hex4(b: &[u8]) -> Option<u32> {
    let s = b.get(..4)?;
    s.iter()
        .try_fold(0u32, |acc, &c| Some(acc * 16 + (c as char).to_digit(16)?))
}

/// `raw` as text, invalid UTF-8 replaced by U+FFFD. Valid input (nearly all of it) is
/// checked by `str::from_utf8`, which goes words at a time, and borrowed.
pub fn utf8_lossy(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

/// Unescapes the raw bytes between a JSON string's quotes. Lone UTF-16 surrogates (as
/// JavaScript exporters write for truncated strings) and invalid UTF-8 become U+FFFD.
pub fn unescape_lossy(raw: &[u8]) -> Cow<'_, str> {
    if !raw.contains(&b'\\') {
        return utf8_lossy(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let Some(off) = memchr::memchr(b'\\', &raw[i..]) else {
            out.extend_from_slice(&raw[i..]);
            break;
        };
        out.extend_from_slice(&raw[i..i + off]);
        i += off + 1;
        let Some(&c) = raw.get(i) else { break };
        i += 1;
        let simple = match c {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        if c != b'u' {
            out.push(c);
            continue;
        }
        let Some(hi) = hex4(&raw[i..]) else {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            continue;
        };
        i += 4;
        let ch = if (0xD800..0xDC00).contains(&hi) {
            let lo = (raw.get(i..i + 2) == Some(b"\\u"))
                .then(|| hex4(&raw[i + 2..]))
                .flatten()
                .filter(|lo| (0xDC00..0xE000).contains(lo));
            match lo {
                Some(lo) => {
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                }
                None => None,
            }
        } else {
            char::from_u32(hi)
        };
        let ch = ch.unwrap_or('\u{FFFD}');
        let mut tmp = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// Rewrites, in place, numbers that no f64 holds (`1e400`) and the non-JSON `Infinity`
/// and `-Infinity` as `null` padded with spaces (the entry is kept, the field has no
/// value). Strings are left alone. Returns the number of rewrites.
fn repair_numbers(buf: &mut [u8]) -> usize {
    let mut repairs = 0;
    let mut i = 0;
    while i < buf.len() {
        match buf[i] {
            b'"' => {
                // skip the string
                i += 1;
                while i < buf.len() && buf[i] != b'"' {
                    i += if buf[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' | b'I' => {
                let start = i;
                while i < buf.len()
                    && (buf[i].is_ascii_alphanumeric() || matches!(buf[i], b'-' | b'+' | b'.'))
                {
                    i += 1;
                }
                let token = std::str::from_utf8(&buf[start..i]).unwrap_or("");
                let bad = match token {
                    "Infinity" | "-Infinity" => true,
                    t => t.parse::<f64>().is_ok_and(|v| !v.is_finite()),
                };
                if bad && i - start >= 4 {
                    buf[start..start + 4].copy_from_slice(b"null");
                    buf[start + 4..i].fill(b' ');
                    repairs += 1;
                }
            }
            _ => i += 1,
        }
    }
    repairs
}

/// Rewrites, in place and without changing lengths, what simd-json refuses but producers
/// write: lone surrogate escapes become `\ufffd`, bytes of invalid UTF-8 become `?`, and
/// numbers out of f64's range become `null` ([`repair_numbers`]). Returns the number of
/// repairs.
pub fn repair_in_place(buf: &mut [u8]) -> usize {
    let mut repairs = repair_numbers(buf);
    // Invalid UTF-8 first.
    let mut start = 0;
    while start < buf.len() {
        match std::str::from_utf8(&buf[start..]) {
            Ok(_) => break,
            Err(e) => {
                let bad = start + e.valid_up_to();
                let n = e.error_len().unwrap_or(buf.len() - bad);
                for b in &mut buf[bad..bad + n] {
                    *b = b'?';
                }
                repairs += 1;
                start = bad + n;
            }
        }
    }
    // Lone surrogates: scan escapes.
    let mut i = 0;
    while let Some(off) = buf.get(i..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let p = i + off;
        if buf.get(p + 1) != Some(&b'u') {
            i = p + 2;
            continue;
        }
        let Some(hi) = hex4(buf.get(p + 2..).unwrap_or_default()) else {
            i = p + 2;
            continue;
        };
        let paired = |q: usize, range: std::ops::Range<u32>| {
            buf.get(q..q + 2) == Some(b"\\u")
                && hex4(buf.get(q + 2..).unwrap_or_default()).is_some_and(|v| range.contains(&v))
        };
        if (0xD800..0xDC00).contains(&hi) {
            if paired(p + 6, 0xDC00..0xE000) {
                i = p + 12;
                continue;
            }
        } else if (0xDC00..0xE000).contains(&hi) {
            // A low surrogate not preceded by a high one.
        } else {
            i = p + 6;
            continue;
        }
        buf[p + 2..p + 6].copy_from_slice(b"fffd");
        repairs += 1;
        i = p + 6;
    }
    repairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes() {
        assert_eq!(
            unescape_lossy(br"a\nb\u00e9\ud83d\ude00"),
            "a\nb\u{e9}\u{1F600}"
        );
        assert_eq!(unescape_lossy(br"x\ud83dy"), "x\u{FFFD}y");
        assert_eq!(unescape_lossy(br#"\"q\"\\"#), "\"q\"\\");
    }

    #[test]
    fn repairs() {
        let mut b = br#"{"a":"\ud83d","b":"\ud83d\ude00","c":"\\ud83d","d":"\udc00"}"#.to_vec();
        assert_eq!(repair_in_place(&mut b), 2);
        assert_eq!(
            &b[..],
            br#"{"a":"\ufffd","b":"\ud83d\ude00","c":"\\ud83d","d":"\ufffd"}"#
        );
        // A backslash as the very last byte.
        let mut b = br#"{"a":"x\"#.to_vec();
        assert_eq!(repair_in_place(&mut b), 0);
        let mut b = b"{\"a\":\"\xff\"}".to_vec();
        assert_eq!(repair_in_place(&mut b), 1);
        assert_eq!(&b[..], b"{\"a\":\"?\"}");
        // numbers no f64 holds; the same text inside a string is left alone
        let mut b =
            br#"{"t":1e400,"u":-2.5E+999,"v":"1e400","w":Infinity,"x":12.5,"y":-1}"#.to_vec();
        assert_eq!(repair_in_place(&mut b), 3);
        assert_eq!(
            &b[..],
            br#"{"t":null ,"u":null     ,"v":"1e400","w":null    ,"x":12.5,"y":-1}"#
        );
    }
}
