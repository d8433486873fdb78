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

use crate::transform::redact::FnvHasher;
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
    bits: Vec<u64>,
    shift: u32,
    /// gram → (secret, offset of the gram in the secret)
    grams: HashMap<u64, Cands, Fnv>,
}

impl Index {
    fn new(log2_bits: u32) -> Self {
        Self {
            bits: vec![0; (1usize << log2_bits) / 64],
            shift: 64 - log2_bits,
            grams: HashMap::default(),
        }
    }

    fn slot(&self, w: u64) -> usize {
        (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn add(&mut self, w: u64, secret: u32, offset: u32) {
        // Keep the filter sparse (under 1 bit in 16 set) as secrets pile up, so a probe
        // rarely falls through to the table: grow it and set the bits again.
        if (self.grams.len() + 1) * 16 > self.bits.len() * 64 && self.shift > 64 - 28 {
            let log2 = 64 - self.shift + 1;
            self.bits = vec![0; (1usize << log2) / 64];
            self.shift = 64 - log2;
            let keys: Vec<u64> = self.grams.keys().copied().collect();
            for k in keys {
                let s = self.slot(k);
                self.bits[s / 64] |= 1 << (s % 64);
            }
        }
        let s = self.slot(w);
        self.bits[s / 64] |= 1 << (s % 64);
        match self.grams.entry(w) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                o.get_mut().push((secret, offset))
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Cands::One([(secret, offset)]));
            }
        }
    }

    fn probe(&self, w: u64) -> Option<&[(u32, u32)]> {
        let s = self.slot(w);
        if self.bits[s / 64] & (1 << (s % 64)) == 0 {
            return None;
        }
        self.grams.get(&w).map(Cands::as_slice)
    }
}

/// The secrets found so far.
/// The secrets found so far.
#[derive(Debug)]
pub struct Known {
    short: HashMap<Box<[u8]>, Vec<u32>, Fnv>,
    long: Index,
    longs: usize,
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
            long: Index::new(18),
            longs: 0,
            values: Vec::new(),
            first_seen: Vec::new(),
        }
    }
}

const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        c += 1;
    }
    t
};

fn token_byte(c: u8) -> bool {
    TOKEN[c as usize]
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

    /// Adds a secret (shorter than the anchor: ignored).
    pub fn insert(&mut self, value: String, first_seen: i64) {
        let b = value.as_bytes();
        if b.len() < ANCHOR {
            return;
        }
        let idx = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        if b.len() < LONG {
            self.short.entry(b.into()).or_default().push(idx);
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
        let hits = self.find(s.as_bytes(), &|i| self.first_seen[i] <= entry);
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
        let mut out = Vec::new();
        if self.values.is_empty() || hay.len() < ANCHOR {
            return out;
        }
        let mut hits: Vec<Hit> = Vec::new();
        let last = hay.len() - ANCHOR;
        if self.longs > 0 {
            let mut i = 0;
            while i <= last {
                if let Some(c) = self.long.probe(window(hay, i)) {
                    self.check(hay, i, c, ok, &mut hits);
                }
                i += STRIDE;
            }
        }
        if !self.short.is_empty() {
            let mut i = 0;
            while i < hay.len() {
                if !token_byte(hay[i]) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < hay.len() && token_byte(hay[i]) {
                    i += 1;
                }
                if (ANCHOR..LONG).contains(&(i - start))
                    && let Some(cands) = self.short.get(&hay[start..i])
                {
                    for &c in cands {
                        if ok(c as usize) {
                            hits.push(Hit {
                                start,
                                end: i,
                                index: c as usize,
                            });
                            break;
                        }
                    }
                }
            }
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
