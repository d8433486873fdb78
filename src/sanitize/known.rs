//! Secrets already found, and a search for their later occurrences whose cost does not
//! grow with their number. A long secret (16 bytes or more) is indexed by its last
//! [`STRIDE`] 8-byte grams: any occurrence then has exactly one of them starting at a
//! multiple of [`STRIDE`], so the haystack is probed only there (a multiply and a bitmap
//! test; only a hit consults the table and compares bytes). Tails are used because tokens
//! share prefixes (every HS256 JWT starts alike) but not tails. A short secret (8–15 bytes)
//! is found where it stands as a whole token (a run of letters, digits and `-_.~`
//! between other characters), by a hash lookup per token of that length. A probe is
//! a multiply and a bitmap test; only a hit consults the table and compares bytes.
//! Secrets are added one at a time, with no automaton to rebuild.

use crate::cpu::{Kernel, Level, dispatch};
use crate::transform::redact::{FnvHasher, fnv};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

type Fnv = BuildHasherDefault<FnvHasher>;

/// Gram length (also the shortest secret).
pub const ANCHOR: usize = 8;
/// Secrets at least this long go to the strided index.
const LONG: usize = 16;
/// Probe step for long secrets: any window of `LONG` bytes holds a gram starting at a
/// multiple of it.
const STRIDE: usize = LONG - ANCHOR + 1;

#[inline(always)]
fn window(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + ANCHOR]);
    u64::from_le_bytes(a)
}

/// The secrets having one gram: nearly always one (no allocation), rarely several.
#[derive(Debug)]
enum Cands {
    One([(u32, u32); 1]),
    Many(Vec<(u32, u32)>),
}

impl Cands {
    fn as_slice(&self) -> &[(u32, u32)] {
        match self {
            Cands::One(a) => a,
            Cands::Many(v) => v,
        }
    }

    fn push(&mut self, c: (u32, u32)) {
        match self {
            Cands::One(a) => *self = Cands::Many(vec![a[0], c]),
            Cands::Many(v) => v.push(c),
        }
    }
}

#[derive(Debug)]
struct Index {
    filter: Filter,
    /// gram → (secret, offset of the gram in the secret)
    grams: HashMap<u64, Cands, Fnv>,
}

impl Index {
    fn new(log2_bits: u32) -> Self {
        Self {
            filter: Filter::new(log2_bits),
            grams: HashMap::default(),
        }
    }

    fn add(&mut self, w: u64, secret: u32, offset: u32) {
        // Keep the filter sparse (under 1 bit in 16 set) as secrets pile up, so a probe
        // rarely falls through to the table: grow it and set the bits again.
        let log2 = self.filter.log2();
        if (self.grams.len() + 1) * 16 > 1 << log2 && log2 < 28 {
            self.filter = Filter::new(log2 + 1);
            for &k in self.grams.keys() {
                self.filter.set(k);
            }
        }
        self.filter.set(w);
        match self.grams.entry(w) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                o.get_mut().push((secret, offset))
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Cands::One([(secret, offset)]));
            }
        }
    }

    #[inline(always)]
    fn probe(&self, w: u64) -> Option<&[(u32, u32)]> {
        if !self.filter.test(w) {
            return None;
        }
        self.grams.get(&w).map(Cands::as_slice)
    }
}

/// A bit set of 2^k bits over hashed 64-bit keys: a test that rules most keys out before a
/// table is consulted.
#[derive(Debug)]
struct Filter {
    bits: Vec<u64>,
    shift: u32,
}

impl Filter {
    fn new(log2_bits: u32) -> Self {
        Self {
            bits: vec![0; (1usize << log2_bits) / 64],
            shift: 64 - log2_bits,
        }
    }

    fn log2(&self) -> u32 {
        64 - self.shift
    }

    #[inline(always)]
    fn slot(&self, w: u64) -> usize {
        (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn set(&mut self, w: u64) {
        let s = self.slot(w);
        self.bits[s / 64] |= 1 << (s % 64);
    }

    #[inline(always)]
    fn test(&self, w: u64) -> bool {
        let s = self.slot(w);
        self.bits[s / 64] & (1 << (s % 64)) != 0
    }
}

/// The secrets found so far.
#[derive(Debug)]
pub struct Known {
    short: HashMap<Box<[u8]>, Vec<u32>, Fnv>,
    /// First gram of every short secret (64 Kibit, cache-resident), so most tokens of a
    /// short length skip the table.
    short_filter: Filter,
    long: Index,
    longs: usize,
    bytes: usize,
    /// The values.
    pub values: Vec<String>,
    /// Entry where each value was first found (`-1`: before the entries, or an earlier
    /// window).
    pub first_seen: Vec<i64>,
}

impl Default for Known {
    fn default() -> Self {
        Self {
            short: HashMap::default(),
            short_filter: Filter::new(16),
            long: Index::new(18),
            longs: 0,
            bytes: 0,
            values: Vec::new(),
            first_seen: Vec::new(),
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x7` (bytes below 0x80) set where `lo <= byte <= hi`. No
/// sum carries into the next byte: every byte stays under 0x100.
#[inline(always)]
fn in_range(x7: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = x7.wrapping_add(ONES * u64::from(0x80 - lo));
    let above_hi = x7.wrapping_add(ONES * u64::from(0x7F - hi));
    at_least_lo & !above_hi
}

/// Bit `i` set where byte `i` of the 8 little-endian bytes of `x` is a token byte (ASCII
/// letter, digit, `-`, `.`, `_` or `~`), eight bytes at once with integer arithmetic.
#[inline(always)]
fn token_bits(x: u64) -> u64 {
    let x7 = x & !HIGH;
    let m = (in_range(x7 | (ONES * 0x20), b'a', b'z')
        | in_range(x7, b'0', b'9')
        | in_range(x7, b'-', b'.')
        | in_range(x7, b'_', b'_')
        | in_range(x7, b'~', b'~'))
        & !x
        & HIGH;
    // gather the eight high bits into the top byte, then down
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Bit `i` set where `block[i]` is a token byte.
#[inline(always)]
fn token_mask(block: &[u8; 64]) -> u64 {
    let mut mask = 0u64;
    for (k, w) in block.chunks_exact(8).enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        mask |= token_bits(u64::from_le_bytes(a)) << (8 * k);
    }
    mask
}

#[cfg(test)]
fn token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~')
}

/// One occurrence: byte range and the secret's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Start.
    pub start: usize,
    /// End.
    pub end: usize,
    /// Index into [`Known::values`].
    pub index: usize,
}

impl Known {
    /// Whether no secret is known.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Approximate memory a secret of `len` bytes takes in the set: the value, its grams
    /// in the index (nine for a long one; a short one's table entry costs about as much)
    /// and a table slot.
    pub fn cost(len: usize) -> usize {
        len + STRIDE * 32 + 48
    }

    /// Approximate memory the set takes (see [`Known::cost`]).
    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    /// Adds a secret (shorter than the anchor: ignored).
    pub fn insert(&mut self, value: String, first_seen: i64) {
        let b = value.as_bytes();
        if b.len() < ANCHOR {
            return;
        }
        self.bytes += Self::cost(b.len());
        let idx = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        if b.len() < LONG {
            self.short.entry(b.into()).or_default().push(idx);
            self.short_filter.set(window(b, 0));
        } else {
            for off in b.len() - ANCHOR + 1 - STRIDE..=b.len() - ANCHOR {
                self.long
                    .add(window(b, off), idx, u32::try_from(off).unwrap_or(0));
            }
            self.longs += 1;
        }
        self.values.push(value);
        self.first_seen.push(first_seen);
    }

    fn check(
        &self,
        hay: &[u8],
        pos: usize,
        cands: &[(u32, u32)],
        ok: &dyn Fn(usize) -> bool,
        hits: &mut Vec<Hit>,
    ) {
        for &(c, off) in cands {
            let (c, off) = (c as usize, off as usize);
            let v = self.values[c].as_bytes();
            let Some(start) = pos.checked_sub(off) else {
                continue;
            };
            let end = start + v.len();
            if end <= hay.len() && hay[start..end] == *v && ok(c) {
                hits.push(Hit {
                    start,
                    end,
                    index: c,
                });
            }
        }
    }

    /// `s` with every occurrence of a secret first seen at or before `entry` replaced by
    /// what `mark` returns for it; `None` when there is none.
    pub fn replace_seen(
        &self,
        s: &str,
        entry: i64,
        mark: &mut dyn FnMut(&str) -> String,
    ) -> Option<String> {
        self.replace_seen_recording(s, entry, mark, None)
    }

    /// [`Known::replace_seen`], also recording into `record` the keys of what it looked at
    /// (see [`Known::find_recording`]).
    pub fn replace_seen_recording(
        &self,
        s: &str,
        entry: i64,
        mark: &mut dyn FnMut(&str) -> String,
        record: Option<&mut Vec<u32>>,
    ) -> Option<String> {
        let hits = self.find_recording(s.as_bytes(), &|i| self.first_seen[i] <= entry, record);
        if hits.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for h in hits {
            // secrets are whole strings found elsewhere, so hits fall on char boundaries
            let (Some(before), Some(found)) = (s.get(last..h.start), s.get(h.start..h.end)) else {
                continue;
            };
            out.push_str(before);
            out.push_str(&mark(found));
            last = h.end;
        }
        out.push_str(&s[last..]);
        Some(out)
    }

    /// Leftmost-longest, non-overlapping occurrences in `hay` of secrets accepted by `ok`.
    pub fn find(&self, hay: &[u8], ok: &dyn Fn(usize) -> bool) -> Vec<Hit> {
        self.find_recording(hay, ok, None)
    }

    /// [`Known::find`], also pushing to `record` the key of every gram probed and of every
    /// token of a short secret's length: enough to tell later, with [`Fresh`], whether a
    /// secret found afterwards occurs in `hay`, without looking at `hay` again.
    pub fn find_recording(
        &self,
        hay: &[u8],
        ok: &dyn Fn(usize) -> bool,
        record: Option<&mut Vec<u32>>,
    ) -> Vec<Hit> {
        /// The search, compiled for the CPU's best level (BMI shifts and bit scans).
        struct Find<'a> {
            known: &'a Known,
            hay: &'a [u8],
            ok: &'a dyn Fn(usize) -> bool,
            record: Option<&'a mut Vec<u32>>,
        }
        impl Kernel for Find<'_> {
            type Output = Vec<Hit>;
            #[inline(always)]
            fn run<L: Level>(self, _: L) -> Vec<Hit> {
                self.known.find_in(self.hay, self.ok, self.record)
            }
        }
        dispatch(Find {
            known: self,
            hay,
            ok,
            record,
        })
    }

    /// [`Known::find_recording`] at the level it is inlined into.
    #[inline(always)]
    fn find_in(
        &self,
        hay: &[u8],
        ok: &dyn Fn(usize) -> bool,
        mut record: Option<&mut Vec<u32>>,
    ) -> Vec<Hit> {
        let mut out = Vec::new();
        let recording = record.is_some();
        if (self.values.is_empty() && !recording) || hay.len() < ANCHOR {
            return out;
        }
        let mut hits: Vec<Hit> = Vec::new();
        let last = hay.len() - ANCHOR;
        if self.longs > 0 || recording {
            let mut i = 0;
            while i <= last {
                let w = window(hay, i);
                if let Some(r) = record.as_deref_mut() {
                    r.push(gram_key(w));
                }
                if self.longs > 0
                    && let Some(c) = self.long.probe(w)
                {
                    self.check(hay, i, c, ok, &mut hits);
                }
                i += STRIDE;
            }
        }
        if !self.short.is_empty() || recording {
            self.find_short(hay, ok, &mut hits, record);
        }
        // leftmost, then longest; no overlaps (a long secret is hit at several grams)
        hits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut end = 0;
        for h in hits {
            if h.start >= end {
                end = h.end;
                out.push(h);
            }
        }
        out
    }

    /// Whole-token occurrences of short secrets. Tokens are found 64 bytes at a time from
    /// a bit mask of token bytes (see [`token_mask`]): the loop runs once per token
    /// boundary, not once per byte.
    #[inline(always)]
    fn find_short(
        &self,
        hay: &[u8],
        ok: &dyn Fn(usize) -> bool,
        hits: &mut Vec<Hit>,
        mut record: Option<&mut Vec<u32>>,
    ) {
        let mut open: Option<usize> = None;
        let mut carry = 0u64;
        let mut base = 0;
        while base < hay.len() {
            let rest = &hay[base..];
            let mask = if let Some(block) = rest.first_chunk::<64>() {
                token_mask(block)
            } else {
                let mut pad = [0u8; 64];
                pad[..rest.len()].copy_from_slice(rest);
                token_mask(&pad)
            };
            // a bit per token start and per token end
            let mut edges = mask ^ ((mask << 1) | carry);
            carry = mask >> 63;
            while edges != 0 {
                let at = base + edges.trailing_zeros() as usize;
                edges &= edges - 1;
                match open.take() {
                    Some(start) => {
                        if (ANCHOR..LONG).contains(&(at - start)) {
                            self.short_token(&hay[start..at], start, ok, hits, &mut record);
                        }
                    }
                    None => open = Some(at),
                }
            }
            base += 64;
        }
        if let Some(start) = open
            && (ANCHOR..LONG).contains(&(hay.len() - start))
        {
            self.short_token(&hay[start..], start, ok, hits, &mut record);
        }
    }

    #[inline(always)]
    fn short_token(
        &self,
        token: &[u8],
        start: usize,
        ok: &dyn Fn(usize) -> bool,
        hits: &mut Vec<Hit>,
        record: &mut Option<&mut Vec<u32>>,
    ) {
        if let Some(r) = record.as_deref_mut() {
            r.push(token_key(token));
        }
        if !self.short_filter.test(window(token, 0)) {
            return;
        }
        if let Some(cands) = self.short.get(token) {
            for &c in cands {
                if ok(c as usize) {
                    hits.push(Hit {
                        start,
                        end: start + token.len(),
                        index: c as usize,
                    });
                    break;
                }
            }
        }
    }
}

/// The key recorded for a probed gram.
#[inline(always)]
fn gram_key(w: u64) -> u32 {
    (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
}

/// The key recorded for a token of a short secret's length (a different mix from
/// [`gram_key`]; a collision between the two only costs a needless second look).
#[inline(always)]
fn token_key(token: &[u8]) -> u32 {
    (fnv(token).wrapping_mul(0xD6E8_FEB8_6659_FD93) >> 32) as u32
}

/// Secrets found in a batch of entries searched in parallel, to be looked for in the
/// later entries of the same batch: not in their bytes (a later entry may hold the secret
/// JSON-escaped or inside a base64 body) but in the keys their searches recorded
/// ([`Known::find_recording`]), which come from the very text the search looked at.
#[derive(Debug, Default)]
pub struct Fresh {
    /// key → earliest entry where a secret having it was found
    first: HashMap<u32, i64, Fnv>,
    filter: Option<Filter>,
    earliest: Option<i64>,
}

impl Fresh {
    /// Adds a secret first found in `entry` (shorter than the anchor: ignored, as
    /// [`Known::insert`] does).
    pub fn add(&mut self, value: &str, entry: i64) {
        let b = value.as_bytes();
        if b.len() < ANCHOR {
            return;
        }
        let filter = self.filter.get_or_insert_with(|| Filter::new(20));
        let mut put = |key: u32| {
            filter.set(u64::from(key));
            let e = self.first.entry(key).or_insert(entry);
            *e = (*e).min(entry);
        };
        if b.len() < LONG {
            put(token_key(b));
        } else {
            for off in b.len() - ANCHOR + 1 - STRIDE..=b.len() - ANCHOR {
                put(gram_key(window(b, off)));
            }
        }
        self.earliest = Some(self.earliest.map_or(entry, |e| e.min(entry)));
    }

    /// Whether no secret was added.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// Whether the search of entry `here` that recorded `keys` may have met a secret
    /// found in that entry or an earlier one (false positives only cost a second look).
    /// The entry itself counts: a cookie redacted from a header may come back in the
    /// same entry's body.
    pub fn may_hold(&self, keys: &[u32], here: i64) -> bool {
        let Some(filter) = &self.filter else {
            return false;
        };
        if self.earliest.is_none_or(|e| e > here) {
            return false;
        }
        keys.iter()
            .any(|&k| filter.test(u64::from(k)) && self.first.get(&k).is_some_and(|&e| e <= here))
    }
}

/// Memory the secrets learnt from one file may take, in every command: real captures
/// repeat a handful of secrets and never come near it; a capture that mints fresh tokens
/// on every request (the benchmark's generator) reaches it after some 34,000 secrets of
/// about 370 bytes.
pub const BUDGET_BYTES: usize = 12 << 20;

/// The one propagation memory every output uses (`sanitize`'s byte path and the row
/// path of export, ingest and the views): the secrets learnt so far in a file, each once,
/// within [`BUDGET_BYTES`]. Secrets given up front ([`Learned::pin`], a second pass's)
/// hold for the whole file. When a step (a window of entries, a batch of rows) ends over
/// the budget, the secrets learnt before that step are forgotten and those of the step
/// kept, so the next step still sees what its predecessor revealed.
#[derive(Debug, Default)]
pub struct Learned {
    known: Known,
    /// 64-bit hashes of the values learnt (a collision would only leave one value out of
    /// propagation): the values themselves are kept once, in `known`.
    seen: std::collections::HashSet<u64, Fnv>,
    pinned: Vec<(String, i64)>,
    step: Vec<(String, i64)>,
}

impl Learned {
    /// The set to search.
    pub fn known(&self) -> &Known {
        &self.known
    }

    /// Whether nothing was learnt.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Learns `value`, first found at `entry`, for the whole file (never forgotten).
    pub fn pin(&mut self, value: &str, entry: i64) {
        if self.learn(value, entry) {
            self.step.pop();
            self.pinned.push((value.to_owned(), entry));
        }
    }

    /// Learns `value`, first found at `entry`; whether it was new (values shorter than
    /// [`ANCHOR`], markers and values already known are not).
    pub fn learn(&mut self, value: &str, entry: i64) -> bool {
        if value.len() < ANCHOR
            || crate::sanitize::engine::is_marker(value)
            || !self.seen.insert(fnv(value.as_bytes()))
        {
            return false;
        }
        self.known.insert(value.to_owned(), entry);
        self.step.push((value.to_owned(), entry));
        true
    }

    /// Ends a step: over the budget, forgets what earlier steps learnt.
    pub fn end_step(&mut self) {
        let step = std::mem::take(&mut self.step);
        if self.known.approx_bytes() <= BUDGET_BYTES {
            return;
        }
        self.known = Known::default();
        self.seen.clear();
        for (v, e) in self.pinned.iter().chain(&step) {
            if self.seen.insert(fnv(v.as_bytes())) {
                self.known.insert(v.clone(), *e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learned_is_bounded_and_keeps_pinned_and_the_last_step() {
        let mut l = Learned::default();
        l.pin("pinned-secret-0001", i64::MIN);
        assert!(!l.learn("pinned-secret-0001", 3), "known already");
        assert!(!l.learn("short", 0) && !l.learn("[REDACTED]", 0));
        let mut n = 0u64;
        // steps of 1,000 fresh secrets until the budget is passed twice
        let per = Known::cost(40) * 1000;
        let steps = 2 * BUDGET_BYTES / per + 2;
        for step in 0..steps {
            for _ in 0..1000 {
                n += 1;
                assert!(l.learn(&format!("{n:040}"), i64::try_from(step).unwrap_or(0)));
            }
            l.end_step();
            assert!(l.known().approx_bytes() <= BUDGET_BYTES + per);
        }
        let hay = format!("x pinned-secret-0001 {n:040} {:040} y", 1);
        let found: Vec<&str> = l
            .known()
            .find(hay.as_bytes(), &|_| true)
            .iter()
            .map(|h| &hay[h.start..h.end])
            .collect();
        assert!(found.contains(&"pinned-secret-0001"), "pinned kept");
        assert!(
            found.contains(&format!("{n:040}").as_str()),
            "last step kept"
        );
        assert!(
            !found.contains(&format!("{:040}", 1).as_str()),
            "first step forgotten"
        );
    }

    #[test]
    fn token_mask_agrees_with_bytewise() {
        let mut block = [0u8; 64];
        for round in 0..8u32 {
            for (i, b) in block.iter_mut().enumerate() {
                *b = u8::try_from((i as u32 * 37 + round * 64) % 256).unwrap_or(0);
            }
            let m = token_mask(&block);
            for (i, &b) in block.iter().enumerate() {
                assert_eq!(m >> i & 1 == 1, token_byte(b), "byte {b:#x}");
            }
        }
        // every byte value at least once
        for v in 0..=255u8 {
            let m = token_mask(&[v; 64]);
            assert_eq!(m == u64::MAX, token_byte(v), "byte {v:#x}");
            assert!(m == u64::MAX || m == 0);
        }
    }

    #[test]
    fn finds_short_tokens_across_blocks() {
        let mut k = Known::default();
        k.insert("abcdefghij".into(), 0);
        for pad in 0..140 {
            let h = format!("{}/abcdefghij/{}", ";".repeat(pad), "x".repeat(pad % 7));
            let hits = k.find(h.as_bytes(), &|_| true);
            assert_eq!(hits.len(), 1, "pad {pad}");
            assert_eq!(hits[0].start, pad + 1);
            // at the very end, and inside a longer token (not a hit)
            let end = format!("{}abcdefghij", ";".repeat(pad));
            assert_eq!(k.find(end.as_bytes(), &|_| true).len(), 1, "end {pad}");
            let inside = format!("{}abcdefghijk", ";".repeat(pad));
            assert!(
                k.find(inside.as_bytes(), &|_| true).is_empty(),
                "inside {pad}"
            );
        }
    }

    #[test]
    fn finds_leftmost_longest() {
        let mut k = Known::default();
        k.insert("abcdefgh".into(), 0);
        k.insert("abcdefghij".into(), 3);
        k.insert("0123456789abcdefXYZ".into(), 1);
        k.insert("short".into(), 0);
        k.insert("zzzzzzzz".into(), 5);
        let hay = b"xx abcdefghij yy abcdefgh,zz zzzzzzzz short 0123456789abcdefXYZ!";
        let hits = k.find(hay, &|_| true);
        let got: Vec<(usize, usize)> = hits.iter().map(|h| (h.start, h.end)).collect();
        assert_eq!(got, vec![(3, 13), (17, 25), (29, 37), (44, 63)]);
        // secrets found later are not applied
        let early = k.find(hay, &|i| k.first_seen[i] <= 2);
        // a short secret inside a longer token is not a whole-token occurrence
        assert_eq!(
            early.iter().map(|h| (h.start, h.end)).collect::<Vec<_>>(),
            vec![(17, 25), (44, 63)]
        );
        // every alignment of a long secret is found
        for pad in 0..20 {
            let h = format!("{}0123456789abcdefXYZ", "-".repeat(pad));
            assert_eq!(k.find(h.as_bytes(), &|_| true).len(), 1, "pad {pad}");
        }
        assert!(Known::default().find(hay, &|_| true).is_empty());
    }
}
