//! The window walk every command shares: where a document's entries start (after a BOM
//! and a JSONP wrapper), then `log.entries` cut window by window, each window's bytes
//! made resident before it is split ([`Source::window`]), entry indexes counted across
//! windows. What a command does with a window (parse rows, sanitize bytes, validate) and
//! when it releases the bytes it is done with stays with the command.

use super::{EntrySpan, Layout, LocateError, LongString, SplitStop, jsonp_prefix, locate};
use crate::source::{Source, bom_len};
use std::io;

/// Where one HAR document of an input stands.
#[derive(Debug, Clone)]
pub struct DocStart {
    /// Offset of the document's JSON object (past a BOM and a JSONP wrapper).
    pub skip: usize,
    /// Length of the JSONP wrapper's prefix (0 for a bare document).
    pub jsonp: usize,
    /// Its members, with offsets relative to the whole input.
    pub layout: Layout,
}

/// Locates the document that starts at `at` (0, or where the previous one of a
/// concatenation ended). Offsets in the result and in the error are in the whole input.
///
/// # Errors
/// When the bytes there are not a HAR.
pub fn doc_start(buf: &[u8], at: usize) -> Result<DocStart, LocateError> {
    let bom = if at == 0 { bom_len(buf) } else { at };
    let jsonp = jsonp_prefix(&buf[bom..]);
    let skip = bom + jsonp;
    let mut layout = locate(&buf[skip..]).map_err(|mut e| {
        e.offset += skip;
        e
    })?;
    let shift = |r: &mut Option<std::ops::Range<usize>>| {
        if let Some(r) = r {
            *r = r.start + skip..r.end + skip;
        }
    };
    shift(&mut layout.creator);
    shift(&mut layout.browser);
    shift(&mut layout.pages);
    shift(&mut layout.version);
    if let Some(p) = &mut layout.entries_body {
        *p += skip;
    }
    Ok(DocStart {
        skip,
        jsonp,
        layout,
    })
}

/// One window: `start..end` of the input, and why the split stopped there.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// First byte of the window.
    pub start: usize,
    /// Where the window's entries end (the whole input when it is truncated).
    pub end: usize,
    /// Why the split stopped.
    pub stop: SplitStop,
}

/// `log.entries` of one document, window by window.
#[derive(Debug)]
pub struct Windows<'s> {
    source: &'s Source,
    pos: usize,
    next_index: usize,
    window_bytes: usize,
    spans: Vec<EntrySpan>,
    longs: Vec<LongString>,
    ended: bool,
}

impl<'s> Windows<'s> {
    /// The entries array whose body starts at `entries_body`; the first entry gets
    /// `first_index`; each window holds about `window_bytes` of entries (at least one).
    pub fn new(
        source: &'s Source,
        entries_body: usize,
        first_index: usize,
        window_bytes: usize,
    ) -> Self {
        Self {
            source,
            pos: entries_body,
            next_index: first_index,
            window_bytes: window_bytes.max(1),
            spans: Vec::new(),
            longs: Vec::new(),
            ended: false,
        }
    }

    /// Splits the next window; `None` once the array has ended or the input was cut.
    ///
    /// # Errors
    /// When the input's bytes cannot be made resident (a mapped file that shrank).
    pub fn advance(&mut self) -> io::Result<Option<Window>> {
        if self.ended {
            // The last window's reads are checked too.
            self.source.intact()?;
            return Ok(None);
        }
        self.spans.clear();
        self.longs.clear();
        let start = self.pos;
        // the window, and room for an entry that runs past the budget
        self.source.window(
            start,
            start.saturating_add(self.window_bytes.saturating_add(1 << 20)),
        )?;
        let buf = self.source.bytes();
        let stop = super::split_entries(
            buf,
            start,
            self.next_index,
            self.window_bytes,
            &mut self.spans,
            &mut self.longs,
        );
        self.next_index = self.spans.last().map_or(self.next_index, |s| s.index + 1);
        let end = match stop {
            SplitStop::Budget(p) => {
                self.pos = p;
                p
            }
            SplitStop::End(p) => {
                self.ended = true;
                p
            }
            SplitStop::Truncated => {
                self.ended = true;
                buf.len()
            }
        };
        Ok(Some(Window { start, end, stop }))
    }

    /// The entries of the last window, in order.
    pub fn spans(&self) -> &[EntrySpan] {
        &self.spans
    }

    /// The long strings the split met in the last window (their escapes mapped).
    pub fn longs(&self) -> &[LongString] {
        &self.longs
    }

    /// The spans of the last window and its long strings, taken (for a consumer that
    /// keeps a window while the next one is split).
    pub fn take(&mut self) -> (Vec<EntrySpan>, Vec<LongString>) {
        (
            std::mem::take(&mut self.spans),
            std::mem::take(&mut self.longs),
        )
    }

    /// Keeps only the first `n` entries of the last window (those before a damaged
    /// entry threw the split off); the next entry index follows the last one kept.
    pub fn truncate(&mut self, n: usize) {
        self.spans.truncate(n);
        if let Some(last) = self.spans.last() {
            self.next_index = last.index + 1;
        }
    }

    /// Reading goes on at `at` (the next intact entry after a damaged one), with
    /// `skipped` more entry indexes counted as lost.
    pub fn resume(&mut self, at: usize, skipped: usize) {
        self.pos = at;
        self.next_index += skipped;
        self.ended = false;
    }

    /// No more windows (the rest of the array is not read).
    pub fn end(&mut self) {
        self.ended = true;
    }

    /// Where the next window starts.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The input.
    pub fn source(&self) -> &'s Source {
        self.source
    }

    /// The index the next entry gets.
    pub fn next_index(&self) -> usize {
        self.next_index
    }
}
