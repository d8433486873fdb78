//! The structural scanner: a 64-byte-block bitmask scan that knows JSON strings and escapes.
//!
//! Each block is classified into bitmasks (quote, backslash, open bracket, close bracket)
//! with AVX2 where the CPU has it (chosen at run time, so one binary runs on any x86-64),
//! SSE2 on other x86-64 CPUs, and a scalar loop elsewhere. Escaped quotes are removed, a prefix XOR turns quote bits into an
//! in-string mask, and bracket depth is tracked with popcounts: a block whose depth cannot
//! reach the array level is consumed without looking at its bits one by one. Inside a long
//! string with no quote or backslash in sight, the scan jumps ahead with `memchr2`, so base64
//! bodies cost little more than a memory read.

/// Strings longer than this (in raw bytes, quotes excluded) are recorded as [`LongString`]s
/// so the parse stage can leave them out of the per-entry parse.
pub const LONG_STRING_BYTES: usize = 256;

const BLOCK: usize = 64;

/// Most entries one call of [`split_entries`] yields: a window is bounded by its entries
/// as well as its bytes, so a file of a million tiny entries is not one window of a
/// million rows in flight.
pub const MAX_WINDOW_ENTRIES: usize = 32_768;

/// A string value whose raw bytes are kept out of the per-entry parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongString {
    /// Byte offset of the opening quote.
    pub open: usize,
    /// Byte offset of the closing quote.
    pub close: usize,
}

/// Pushes a span for each scalar element (a number, string, `null`, …) in the bytes
/// between two array elements. Entries are objects; scalars get spans of their own so
/// that every later entry keeps its position in `log.entries` and the parse stage reports
/// the scalar as a skipped entry. Separators are not checked: a missing or doubled comma
/// changes nothing.
fn gap_elements(
    buf: &[u8],
    from: usize,
    to: usize,
    index: &mut usize,
    spans: &mut Vec<EntrySpan>,
    longs_at: usize,
) {
    let mut p = from;
    loop {
        while p < to && matches!(buf[p], b' ' | b'\n' | b'\r' | b'\t') {
            p += 1;
        }
        if p >= to {
            return;
        }
        if buf[p] == b',' {
            p += 1;
            continue;
        }
        let start = p;
        if buf[p] == b'"' {
            p = skip_string(buf, p).unwrap_or(to).min(to);
        } else {
            // A bare token ends at a separator, whitespace or the start of a string, so the
            // gap is cut where the block scan saw string boundaries too.
            // Backslashes escape the next byte here too, as the block scan takes them.
            while p < to && !matches!(buf[p], b',' | b' ' | b'\n' | b'\r' | b'\t' | b'"') {
                p += if buf[p] == b'\\' { 2 } else { 1 };
            }
            p = p.min(to);
        }
        spans.push(EntrySpan {
            index: *index,
            start,
            end: p,
            longs: longs_at..longs_at,
        });
        *index += 1;
    }
}

/// One element of the `log.entries` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrySpan {
    /// Position in `log.entries`.
    pub index: usize,
    /// Byte offset of the element's `{`.
    pub start: usize,
    /// Byte offset one past the element's `}`.
    pub end: usize,
    /// Range of this entry's long strings in the splitter's long-string list.
    pub longs: std::ops::Range<usize>,
}

/// How a call to [`split_entries`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitStop {
    /// The budget was reached; resume at this offset (just after the last complete entry).
    Budget(usize),
    /// The array closed; offset of its `]`.
    End(usize),
    /// The input ended inside the array: every complete entry was yielded.
    Truncated,
}

/// Bitmasks of one block: quotes and backslashes (always needed), brackets (needed only
/// outside strings).
#[derive(Default, Clone, Copy)]
struct Masks {
    quote: u64,
    backslash: u64,
}

#[derive(Default, Clone, Copy)]
struct Brackets {
    open: u64,
    close: u64,
}

use crate::cpu::{Kernel, Level, dispatch};

/// Quotes and backslashes.
#[inline(always)]
fn classify<L: Level>(lanes: L, block: &[u8; BLOCK]) -> Masks {
    Masks {
        quote: lanes.eq_mask(block, b'"', 0),
        backslash: lanes.eq_mask(block, b'\\', 0),
    }
}

/// `{` is 0x7b and `[` is 0x5b; `}` is 0x7d and `]` is 0x5d: OR-ing 0x20 folds each pair.
#[inline(always)]
fn brackets<L: Level>(lanes: L, block: &[u8; BLOCK]) -> Brackets {
    Brackets {
        open: lanes.eq_mask(block, 0x7b, 0x20),
        close: lanes.eq_mask(block, 0x7d, 0x20),
    }
}

/// Offset of the first `"` or `\\` in `hay`. Most JSON strings are short, so the first 64
/// bytes are looked at inline (SSE2 is in every x86-64, no dispatch to pay for) before
/// handing a long string to `memchr2`, whose run-time dispatch costs more than a short
/// string does.
#[inline]
pub fn quote_or_backslash(hay: &[u8]) -> Option<usize> {
    const HEAD: usize = 64;
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use safe_arch::{
            bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
            set_splat_i8_m128i,
        };
        let quote = set_splat_i8_m128i(b'"'.cast_signed());
        let backslash = set_splat_i8_m128i(b'\\'.cast_signed());
        while i < HEAD {
            let Some(chunk) = hay.get(i..).and_then(|h| h.first_chunk::<16>()) else {
                break;
            };
            let v = load_unaligned_m128i(chunk);
            let hit = bitor_m128i(
                cmp_eq_mask_i8_m128i(v, quote),
                cmp_eq_mask_i8_m128i(v, backslash),
            );
            let bits = move_mask_i8_m128i(hit);
            if bits != 0 {
                return Some(i + bits.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    if i < HEAD {
        let tail = hay.get(i..)?;
        let head = tail.len().min(HEAD - i);
        if let Some(k) = tail[..head].iter().position(|&b| b == b'"' || b == b'\\') {
            return Some(i + k);
        }
        i += head;
    }
    memchr::memchr2(b'"', b'\\', hay.get(i..)?).map(|k| i + k)
}

const EVEN_BITS: u64 = 0x5555_5555_5555_5555;
const ODD_BITS: u64 = !EVEN_BITS;

/// Bits of the non-backslash bytes escaped by a backslash (escaped backslashes inside a
/// run may or may not be marked; callers only mask quotes with the result); `carry` says
/// the block's first byte is escaped, and is set when the block ends in an unfinished
/// escape.
///
/// A run of backslashes escapes the byte after it when the run's length is odd. Adding a
/// run's first bit to the run carries through it and lands on the byte after it; a run
/// that starts on an even bit has odd length exactly when that byte is on an odd bit, and
/// the other way round. No loop, no branch.
#[inline(always)]
fn escaped_bits(backslash: u64, carry: &mut bool) -> u64 {
    let first = u64::from(*carry);
    let b = backslash & !first;
    let starts = b & !(b << 1);
    let after_even = b.wrapping_add(starts & EVEN_BITS) & !b;
    let (sum_odd, overflow) = b.overflowing_add(starts & ODD_BITS);
    let after_odd = sum_odd & !b;
    *carry = overflow;
    (after_even & ODD_BITS) | (after_odd & EVEN_BITS) | first
}

/// The same, one backslash at a time: the reference for the tests.
#[cfg(test)]
fn escaped_bits_slow(mut backslash: u64, carry: &mut bool) -> u64 {
    let mut escaped = 0u64;
    if *carry {
        escaped |= 1;
        backslash &= !1;
    }
    *carry = false;
    while backslash != 0 {
        let i = backslash.trailing_zeros();
        if i == 63 {
            *carry = true;
            break;
        }
        escaped |= 1 << (i + 1);
        backslash &= !(3u64 << i);
    }
    escaped
}

/// Prefix XOR: bit i is the parity of bits 0..=i.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The block at `pos`, padded past the end of the input with spaces.
#[inline(always)]
fn block_at(buf: &[u8], pos: usize) -> std::borrow::Cow<'_, [u8; BLOCK]> {
    if let Some(block) = buf
        .get(pos..pos + BLOCK)
        .and_then(|s| s.first_chunk::<BLOCK>())
    {
        return std::borrow::Cow::Borrowed(block);
    }
    let mut b = [b' '; BLOCK];
    let tail = buf.get(pos..).unwrap_or_default();
    b[..tail.len()].copy_from_slice(tail);
    std::borrow::Cow::Owned(b)
}

/// In-string blocks without a quote or backslash in a row before jumping ahead with
/// `memchr2`: escape-dense text rarely has two, base64 bodies always do.
const CLEAN_BLOCKS_BEFORE_JUMP: u32 = 2;

/// Splits the elements of a JSON array whose body starts at `pos` (just after `[` when
/// `first_index` is 0, else just after a previous element's end). Pushes one
/// [`EntrySpan`] per complete element (numbered from `first_index`; objects are entries,
/// anything else gets a span too, so positions stay right) and the long strings inside
/// them, until the array ends, the input ends, or more than `budget` bytes were consumed.
pub fn split_entries(
    buf: &[u8],
    pos: usize,
    first_index: usize,
    budget: usize,
    spans: &mut Vec<EntrySpan>,
    longs: &mut Vec<LongString>,
) -> SplitStop {
    struct Split<'a> {
        buf: &'a [u8],
        pos: usize,
        first_index: usize,
        budget: usize,
        spans: &'a mut Vec<EntrySpan>,
        longs: &'a mut Vec<LongString>,
    }
    impl Kernel for Split<'_> {
        type Output = SplitStop;
        #[inline(always)]
        fn run<L: Level>(self, lanes: L) -> SplitStop {
            let Self {
                buf,
                pos,
                first_index,
                budget,
                spans,
                longs,
            } = self;
            split_with(lanes, buf, pos, first_index, budget, spans, longs)
        }
    }
    dispatch(Split {
        buf,
        pos,
        first_index,
        budget,
        spans,
        longs,
    })
}

/// [`split_entries`] with the given lanes; inlined into the dispatching context so that
/// the whole loop (popcounts and bit scans included) is compiled for the CPU's features.
#[inline(always)]
fn split_with<L: Level>(
    lanes: L,
    buf: &[u8],
    pos: usize,
    first_index: usize,
    budget: usize,
    spans: &mut Vec<EntrySpan>,
    longs: &mut Vec<LongString>,
) -> SplitStop {
    let mut p = pos;
    let mut depth: u32 = 1; // 1 = inside the array, between elements
    let mut in_string = false;
    let mut esc_carry = false;
    let mut str_open = 0usize;
    let mut entry_start = 0usize;
    let mut entry_longs = longs.len();
    let mut index = first_index;
    let limit = pos.saturating_add(budget);
    let mut prev_end = pos;
    let mut clean = 0u32;
    while p < buf.len() {
        let block = block_at(buf, p);
        let m = classify(lanes, &block);
        if in_string && m.quote == 0 && m.backslash == 0 && !esc_carry {
            // Inside a string with nothing to see: skip the block, and after a few such
            // blocks jump to the next quote or backslash.
            p += BLOCK;
            clean += 1;
            if clean >= CLEAN_BLOCKS_BEFORE_JUMP {
                match memchr::memchr2(b'"', b'\\', buf.get(p..).unwrap_or_default()) {
                    Some(off) => p += off,
                    None => break,
                }
            }
            continue;
        }
        clean = 0;
        let escaped = if m.backslash == 0 && !esc_carry {
            0
        } else {
            escaped_bits(m.backslash, &mut esc_carry)
        };
        let quote = m.quote & !escaped;
        if in_string && quote == 0 {
            // The string goes on past this block: no structure to look at.
            p += BLOCK;
            continue;
        }
        let start_in = in_string;
        let inside = prefix_xor(quote) ^ if start_in { u64::MAX } else { 0 };
        if start_in && quote != 0 {
            let close = p + quote.trailing_zeros() as usize;
            if close - str_open > LONG_STRING_BYTES && depth >= 2 {
                longs.push(LongString {
                    open: str_open,
                    close,
                });
            }
        }
        in_string = inside >> 63 == 1;
        if in_string && quote != 0 {
            str_open = p + 63 - quote.leading_zeros() as usize;
        }
        let b = brackets(lanes, &block);
        let open = b.open & !inside;
        let close = b.close & !inside;
        let closes = close.count_ones();
        if depth >= 2 + closes {
            depth = depth + open.count_ones() - closes;
        } else {
            let mut events = open | close;
            while events != 0 {
                let i = events.trailing_zeros() as usize;
                let bit = 1u64 << i;
                events &= events - 1;
                if open & bit != 0 {
                    if depth == 1 {
                        entry_start = p + i;
                        entry_longs = longs.len();
                        if entry_start > prev_end + 1 || (index == 0 && entry_start > prev_end) {
                            gap_elements(
                                buf,
                                prev_end,
                                entry_start,
                                &mut index,
                                spans,
                                entry_longs,
                            );
                        }
                    }
                    depth += 1;
                } else {
                    depth -= 1;
                    if depth == 1 {
                        let end = p + i + 1;
                        spans.push(EntrySpan {
                            index,
                            start: entry_start,
                            end,
                            longs: entry_longs..longs.len(),
                        });
                        index += 1;
                        prev_end = end;
                        if end > limit || index - first_index >= MAX_WINDOW_ENTRIES {
                            return SplitStop::Budget(end);
                        }
                    } else if depth == 0 {
                        let close = p + i;
                        gap_elements(buf, prev_end, close, &mut index, spans, longs.len());
                        return SplitStop::End(close);
                    }
                }
            }
        }
        p += BLOCK;
    }
    if depth >= 2 {
        // Long strings recorded for the unfinished entry are not referenced by any span.
        longs.truncate(entry_longs);
    }
    SplitStop::Truncated
}

/// Skips one JSON value starting at `pos` (which must be its first byte). Returns the offset
/// one past its end, or `None` if the input ends first. Scalars end at the next `,`, `}`,
/// `]` or whitespace.
pub fn skip_value(buf: &[u8], pos: usize) -> Option<usize> {
    match buf.get(pos)? {
        b'"' => skip_string(buf, pos),
        b'{' | b'[' => skip_container(buf, pos),
        _ => {
            let rest = buf.get(pos..)?;
            let n = rest
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(rest.len());
            Some(pos + n)
        }
    }
}

/// Skips the string whose opening quote is at `pos`; returns the offset past its closing quote.
pub fn skip_string(buf: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos + 1;
    loop {
        let off = quote_or_backslash(buf.get(p..)?)?;
        p += off;
        if buf[p] == b'"' {
            return Some(p + 1);
        }
        p += 2;
    }
}

/// Skips an object or array whose opening bracket is at `pos`, with the block scanner.
fn skip_container(buf: &[u8], pos: usize) -> Option<usize> {
    struct Skip<'a>(&'a [u8], usize);
    impl Kernel for Skip<'_> {
        type Output = Option<usize>;
        #[inline(always)]
        fn run<L: Level>(self, lanes: L) -> Option<usize> {
            skip_container_with(lanes, self.0, self.1)
        }
    }
    dispatch(Skip(buf, pos))
}

/// [`skip_container`] with the given lanes (inlined into the dispatching context).
#[inline(always)]
fn skip_container_with<L: Level>(lanes: L, buf: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos + 1;
    let mut depth: u32 = 1;
    let mut in_string = false;
    let mut esc_carry = false;
    while p < buf.len() {
        let block = block_at(buf, p);
        let m = classify(lanes, &block);
        if in_string && m.quote == 0 && m.backslash == 0 && !esc_carry {
            let off = memchr::memchr2(b'"', b'\\', buf.get(p + BLOCK..)?)?;
            p += BLOCK + off;
            continue;
        }
        let escaped = escaped_bits(m.backslash, &mut esc_carry);
        let quote = m.quote & !escaped;
        let inside = prefix_xor(quote) ^ if in_string { u64::MAX } else { 0 };
        in_string = inside >> 63 == 1;
        let b = brackets(lanes, &block);
        let open = b.open & !inside;
        let close = b.close & !inside;
        let closes = close.count_ones();
        if depth > closes {
            depth = depth + open.count_ones() - closes;
        } else {
            let mut events = open | close;
            while events != 0 {
                let i = events.trailing_zeros() as usize;
                let bit = 1u64 << i;
                events &= events - 1;
                if open & bit != 0 {
                    depth += 1;
                } else {
                    depth -= 1;
                    if depth == 0 {
                        return Some(p + i + 1);
                    }
                }
            }
        }
        p += BLOCK;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "x86_64")]
    use crate::cpu::V3;
    use crate::cpu::{Base, Scalar};

    fn split_all(s: &str) -> (Vec<(usize, usize)>, SplitStop, Vec<LongString>) {
        let mut spans = Vec::new();
        let mut longs = Vec::new();
        let stop = split_entries(s.as_bytes(), 1, 0, usize::MAX, &mut spans, &mut longs);
        (
            spans.iter().map(|s| (s.start, s.end)).collect(),
            stop,
            longs,
        )
    }

    #[test]
    fn splits_objects_with_tricky_strings() {
        let s = r#"[{"a":"}\"{"},{"b":[1,{"c":"\\"}]} , {"d":"[\\\"]"}]"#;
        let (spans, stop, _) = split_all(s);
        let texts: Vec<&str> = spans.iter().map(|&(a, b)| &s[a..b]).collect();
        assert_eq!(
            texts,
            vec![
                r#"{"a":"}\"{"}"#,
                r#"{"b":[1,{"c":"\\"}]}"#,
                r#"{"d":"[\\\"]"}"#
            ]
        );
        assert_eq!(stop, SplitStop::End(s.len() - 1));
    }

    #[test]
    fn scalar_elements_keep_positions() {
        let s = r#"[ 1 , {"a":1},null,"x,y", {"b":2} ,7 ]"#;
        let mut spans = Vec::new();
        let mut longs = Vec::new();
        let stop = split_entries(s.as_bytes(), 1, 0, usize::MAX, &mut spans, &mut longs);
        let got: Vec<(usize, &str)> = spans
            .iter()
            .map(|sp| (sp.index, &s[sp.start..sp.end]))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, "1"),
                (1, r#"{"a":1}"#),
                (2, "null"),
                (3, r#""x,y""#),
                (4, r#"{"b":2}"#),
                (5, "7")
            ]
        );
        assert_eq!(stop, SplitStop::End(s.len() - 1));
    }

    #[test]
    fn gap_tokens_follow_the_block_scan() {
        // Outside strings (invalid JSON), a backslash still escapes a quote for the block
        // scan; the gap tokenizer must agree, or a token could swallow the next entry.
        let s = r#"[ a\"b {"x":1} ]"#;
        let mut spans = Vec::new();
        let mut longs = Vec::new();
        let stop = split_entries(s.as_bytes(), 1, 0, usize::MAX, &mut spans, &mut longs);
        let got: Vec<&str> = spans.iter().map(|sp| &s[sp.start..sp.end]).collect();
        assert_eq!(got, vec![r#"a\"b"#, r#"{"x":1}"#]);
        assert_eq!(stop, SplitStop::End(s.len() - 1));
    }

    #[test]
    fn records_long_strings_and_truncation() {
        let body = "x".repeat(1000);
        let s = format!(r#"[{{"text":"{body}","n":1}},{{"text":"{body}"#);
        let (spans, stop, longs) = split_all(&s);
        assert_eq!(spans.len(), 1);
        assert_eq!(stop, SplitStop::Truncated);
        assert_eq!(longs.len(), 1);
        assert_eq!(&s[longs[0].open + 1..longs[0].close], body);
    }

    #[test]
    fn branchless_escapes_match_the_loop() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            // Dense backslash runs of every length, at every position.
            let b = next() | next() | (next() & next());
            let c = next() & 1 == 1;
            let (mut c1, mut c2) = (c, c);
            // Only the escaped non-backslash bytes matter (an escaped quote is not a quote).
            assert_eq!(
                escaped_bits(b, &mut c1) & !b,
                escaped_bits_slow(b, &mut c2) & !b,
                "{b:064b} {c}"
            );
            assert_eq!(c1, c2, "{b:064b} {c}");
        }
        for b in [0, u64::MAX, 1 << 63, 3 << 62, 1, 3, 0x8000_0000_0000_0001] {
            for c in [false, true] {
                let (mut c1, mut c2) = (c, c);
                assert_eq!(
                    escaped_bits(b, &mut c1) & !b,
                    escaped_bits_slow(b, &mut c2) & !b
                );
                assert_eq!(c1, c2);
            }
        }
    }

    /// Every lane implementation this CPU can run gives the same bitmasks as the scalar
    /// one, block for block, over bytes with every class of interest; the CPU without
    /// AVX2 takes the SSE2 lanes, which are tested here on any x86-64.
    #[test]
    fn every_lane_implementation_agrees_with_the_scalar_one() {
        let alphabet = b"\"\\{}[]:,x \n";
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut blocks = Vec::new();
        for _ in 0..20_000 {
            let mut b = [0u8; BLOCK];
            for byte in &mut b {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Mostly the structural bytes, sometimes any byte (high bit set too).
                *byte = if x.is_multiple_of(5) {
                    (x >> 8) as u8
                } else {
                    alphabet[(x >> 16) as usize % alphabet.len()]
                };
            }
            blocks.push(b);
        }
        let check = |name: &str, masks: &dyn Fn(&[u8; BLOCK]) -> (Masks, Brackets)| {
            for b in &blocks {
                let (m, k) = masks(b);
                let (want_m, want_k) = (classify(Scalar, b), brackets(Scalar, b));
                assert_eq!(
                    (m.quote, m.backslash),
                    (want_m.quote, want_m.backslash),
                    "{name}"
                );
                assert_eq!((k.open, k.close), (want_k.open, want_k.close), "{name}");
            }
        };
        #[cfg(target_arch = "x86_64")]
        {
            check("base", &|b| (classify(Base, b), brackets(Base, b)));
            match pulp::x86::V3::try_new() {
                Some(v3) => check("v3", &|b| (classify(V3(v3), b), brackets(V3(v3), b))),
                None => eprintln!("this CPU has no AVX2: the AVX2 lanes were not checked"),
            }
        }
        check("scalar", &|b| (classify(Scalar, b), brackets(Scalar, b)));
    }

    /// The whole scan, dispatched, splits like the scalar scan on real-looking input.
    #[test]
    fn the_dispatched_scan_splits_like_the_scalar_scan() {
        let body = "QUJD".repeat(300);
        let mut s = String::from("[");
        for i in 0..200 {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!(
                r#"{{"i":{i},"s":"a\"}}{{[\\","b":"{body}","n":[{{"x":"]"}}]}}"#
            ));
        }
        s.push(']');
        let run = |scalar: bool| {
            let (mut spans, mut longs) = (Vec::new(), Vec::new());
            let stop = if scalar {
                split_with(
                    Scalar,
                    s.as_bytes(),
                    1,
                    0,
                    usize::MAX,
                    &mut spans,
                    &mut longs,
                )
            } else {
                split_entries(s.as_bytes(), 1, 0, usize::MAX, &mut spans, &mut longs)
            };
            (spans, longs, stop)
        };
        let (spans, longs, stop) = run(false);
        assert_eq!(spans.len(), 200);
        assert_eq!(longs.len(), 200);
        assert_eq!((spans, longs, stop), run(true));
        assert_eq!(
            skip_container_with(Scalar, s.as_bytes(), 0),
            skip_container(s.as_bytes(), 0)
        );
    }

    #[test]
    fn quote_or_backslash_agrees_with_memchr2() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..300 {
            for _ in 0..20 {
                let mut hay = vec![b'a'; len];
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if len > 0 && !x.is_multiple_of(4) {
                    let at = (x >> 8) as usize % len;
                    hay[at] = if x & 1 == 0 { b'"' } else { b'\\' };
                    if x.is_multiple_of(3) {
                        hay[(x >> 20) as usize % len] = b'"';
                    }
                }
                assert_eq!(
                    quote_or_backslash(&hay),
                    memchr::memchr2(b'"', b'\\', &hay),
                    "{len}"
                );
            }
        }
    }

    #[test]
    fn skip_value_handles_nesting() {
        let s = r#"{"a":[1,2,{"b":"]}"}]} , "#;
        assert_eq!(skip_value(s.as_bytes(), 0), Some(s.find(" ,").unwrap_or(0)));
        assert_eq!(skip_value(b"123,", 0), Some(3));
        assert_eq!(skip_value(br#""a\"b" "#, 0), Some(6));
    }
}
