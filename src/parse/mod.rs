//! Parse: one entry's bytes → a simd-json tape → an [`EntryRow`], reusing per-worker
//! buffers.
//!
//! The splitter records every string longer than [`LONG_STRING_BYTES`](crate::split::scan::LONG_STRING_BYTES)
//! (bodies, mostly). The parse copies the entry into a scratch buffer with those strings
//! emptied, so simd-json never validates, unescapes or copies body text. Where the row
//! needs such a string (a very long URL or header), it is read back from the input and
//! unescaped lazily; the empty placeholder is recognised by its position in the scratch
//! buffer, since simd-json leaves every string at its own offset.

pub mod unescape;

use crate::har::timings;
use crate::sink::schema::{EntryBatchBuilder, EntryRow, FileContext};
use crate::split::{EntrySpan, LongString};
use crate::transform::{redact, tracking};
use simd_json::prelude::*;
use simd_json::tape::{Tape, Value};
use simd_json::{Buffers, INPUT_PADDING, fill_tape_padded};
use std::borrow::Cow;
use std::collections::HashMap;
use unescape::{repair_in_place, unescape_lossy};

/// Settings shared by all workers.
#[derive(Debug, Clone)]
pub struct ParseConfig {
    /// Correlation headers, lower-case, in priority order.
    pub tracking_headers: Vec<String>,
    /// Apply the built-in redaction rules.
    pub sanitize: bool,
    /// Export request and response bodies.
    pub bodies: bool,
    /// Redact exported bodies with the sanitizer's body rules (when `sanitize` is on).
    /// `diff` turns it off: it compares bodies itself and redacts what it shows.
    pub sanitize_bodies: bool,
    /// The sanitizer's rules (`--rules FILE`); `None`: the built-in rules.
    pub rules: Option<std::sync::Arc<crate::sanitize::rules::Rules>>,
}

impl ParseConfig {
    /// The rules in force.
    pub fn rules(&self) -> &crate::sanitize::rules::Rules {
        match &self.rules {
            Some(r) => r,
            None => builtin_rules(),
        }
    }
}

impl Default for ParseConfig {
    fn default() -> Self {
        Self {
            tracking_headers: tracking::DEFAULT_TRACKING_HEADERS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            sanitize: true,
            bodies: false,
            sanitize_bodies: true,
            rules: None,
        }
    }
}

/// Runs the sanitizer's body rules (form, multipart, JSON at any depth, base64, HTML,
/// SSE, tokens) over the exported bodies. Propagation of secrets across entries is
/// `harx sanitize`'s; here each body is judged on its own.
fn sanitize_bodies(row: &mut EntryRow<'_>, exported: bool, rules: &crate::sanitize::rules::Rules) {
    use crate::sanitize::engine::{Policy, sanitize_body_found};
    let policy = Policy {
        rules,
        key: [0; 32],
    };
    let request_mime = row.request_mime.as_deref().unwrap_or("").to_owned();
    let base64 = row
        .response_body_encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    let mime = row.mime_type.as_deref().unwrap_or("").to_owned();
    if !exported {
        // Bodies that are not exported are read only for the secrets they reveal (a token
        // in a response, sent again later in a header): behind a cheap prefilter.
        for (b, m, b64) in [
            (row.request_body.as_deref(), request_mime.as_str(), false),
            (row.response_body.as_deref(), mime.as_str(), base64),
        ] {
            if let Some(b) = b
                && crate::sanitize::engine::may_reveal_secrets(b, m, b64)
            {
                let _ = sanitize_body_found(&policy, b, m, b64, &mut row.found);
            }
        }
        return;
    }
    if let Some(b) = &row.request_body
        && let Some(n) = sanitize_body_found(&policy, b, &request_mime, false, &mut row.found)
    {
        row.request_body = Some(Cow::Owned(n));
    }
    if let Some(b) = &row.response_body
        && let Some(n) = sanitize_body_found(&policy, b, &mime, base64, &mut row.found)
    {
        row.response_body = Some(Cow::Owned(n));
    }
}

/// A page title as the output may show it: secret URL parameters (titles are often the
/// page's URL), token patterns and secret `name=value` pairs redacted.
pub fn redact_title(title: &str) -> Option<String> {
    redact_title_with(title, builtin_rules())
}

/// [`redact_title`] with the rules given.
pub fn redact_title_with(title: &str, rules: &crate::sanitize::rules::Rules) -> Option<String> {
    let after_url =
        match redact::url_with_rule(title, &|n: &str, v: &str| rules.param(n, v), &mut |_| {
            redact::REDACTED.to_owned()
        }) {
            Cow::Owned(o) => Some(o),
            Cow::Borrowed(_) => None,
        };
    let cur = after_url.as_deref().unwrap_or(title);
    let policy = crate::sanitize::engine::Policy {
        rules,
        key: [0; 32],
    };
    crate::sanitize::engine::redact_text(&policy, cur, true, &mut Vec::new()).or(after_url)
}

/// The sanitizer's built-in rules, loaded once.
pub fn builtin_rules() -> &'static crate::sanitize::rules::Rules {
    crate::sanitize::rules::Rules::builtin()
}

/// Runs the sanitizer's token patterns (JWT, JWE, cloud and vendor keys) over the strings
/// that reach the output besides bodies: header values, URLs (and so path and query),
/// the redirect URL; and, as free text, the error and status texts (also secret
/// `name=value` pairs there). Names, credential headers and secret parameters were
/// handled by the header and URL rules already.
fn redact_tokens(row: &mut EntryRow<'_>, rules: &crate::sanitize::rules::Rules) {
    use crate::sanitize::engine::{Policy, redact_text};
    let policy = Policy {
        rules,
        key: [0; 32],
    };
    let found = &mut row.found;
    let mut fix = |v: &mut Option<Cow<'_, str>>, free: bool| {
        if let Some(s) = v.as_deref()
            && let Some(n) = redact_text(&policy, s, free, found)
        {
            *v = Some(Cow::Owned(n));
        }
    };
    fix(&mut row.url, false);
    fix(&mut row.redirect_url, false);
    fix(&mut row.error, true);
    fix(&mut row.status_text, true);
    fix(&mut row.server_ip, true);
    fix(&mut row.connection, true);
    fix(&mut row.page_id, true);
    fix(&mut row.tracking_id, false);
    if let Some(p) = row.page_id.as_deref()
        && (p.contains("://") || p.starts_with('/'))
        && let Cow::Owned(o) =
            redact::url_with_rule(p, &|n: &str, v: &str| rules.param(n, v), &mut keeper(found))
    {
        row.page_id = Some(Cow::Owned(o));
    }
    if row
        .tracking_id
        .as_deref()
        .is_some_and(|t| t.contains(redact::REDACTED))
    {
        // a tracking header whose value was a credential tracks nothing
        row.tracking_id = None;
        row.tracking_header = None;
    }
    if let Some(u) = row.url.as_deref()
        && u.len() > 5
        && u[..5].eq_ignore_ascii_case("data:")
        && let Some(n) = crate::sanitize::engine::redact_url(&policy, u, found)
    {
        row.url = Some(Cow::Owned(n));
    }
    for (_, value) in row
        .request_headers
        .iter_mut()
        .chain(row.response_headers.iter_mut())
    {
        if let Some(n) = redact_text(&policy, value, false, &mut row.found) {
            *value = Cow::Owned(n);
        }
        if let Some(n) = crate::sanitize::engine::base64_dump(&policy, value, &mut row.found) {
            *value = Cow::Owned(n);
        }
    }
}

/// What one input file contributes to every entry's parse.
#[derive(Debug)]
pub struct FileInput<'a> {
    /// The whole input (BOM included; offsets are absolute).
    pub buf: &'a [u8],
    /// Long strings recorded by the splitter.
    pub longs: &'a [LongString],
    /// Page id → title.
    pub pages: &'a HashMap<String, String>,
    /// Whether the producer counts `ssl` apart from `connect`.
    pub producer_ssl_additive: bool,
}

/// Why an entry could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFault {
    /// Absolute byte offset of the problem (best effort: the entry's start when the
    /// parser gives no position).
    pub offset: usize,
    /// What simd-json reported.
    pub message: String,
}

/// A per-worker parser holding reusable buffers.
pub struct EntryParser {
    scratch: Vec<u8>,
    /// (scratch offset of the placeholder's content, long-string index)
    sentinels: Vec<(usize, usize)>,
    buffers: Buffers,
    tape: Option<Tape<'static>>,
    /// Entries that needed a lossy repair (lone surrogates, invalid UTF-8).
    pub repaired: usize,
    /// Secret values redacted so far, with their entry index (drained by the pipeline
    /// for propagation).
    pub found: Vec<(usize, String)>,
    header_classes: redact::HeaderClassCache,
}

impl Default for EntryParser {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for EntryParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryParser").finish_non_exhaustive()
    }
}

/// Lazily resolved strings of one entry.
struct Strings<'a, 'p> {
    input: &'a [u8],
    longs: &'a [LongString],
    base: usize,
    sentinels: &'p [(usize, usize)],
}

impl<'a> Strings<'a, '_> {
    fn get<'i>(&self, v: &Value<'_, 'i>) -> Option<Cow<'i, str>>
    where
        'a: 'i,
    {
        let s = v.into_string()?;
        if s.is_empty() && !self.sentinels.is_empty() {
            let off = (s.as_ptr() as usize).wrapping_sub(self.base);
            if let Ok(k) = self.sentinels.binary_search_by_key(&off, |&(o, _)| o) {
                let ls = self.longs.get(self.sentinels[k].1)?;
                let raw = self.input.get(ls.open + 1..ls.close)?;
                return Some(unescape_lossy(raw));
            }
        }
        Some(Cow::Borrowed(s))
    }

    /// A string's bytes as the input has them (escaped), without resolving it.
    fn raw<'i>(&self, v: &Value<'_, 'i>) -> Option<&'i [u8]>
    where
        'a: 'i,
    {
        let s = v.as_str()?;
        if s.is_empty() && !self.sentinels.is_empty() {
            let off = (s.as_ptr() as usize).wrapping_sub(self.base);
            if let Ok(k) = self.sentinels.binary_search_by_key(&off, |&(o, _)| o) {
                let ls = self.longs.get(self.sentinels[k].1)?;
                return self.input.get(ls.open + 1..ls.close);
            }
        }
        // a short string: its (unescaped) text, borrowed from the tape
        let st: &'i str = v.into_string()?;
        Some(st.as_bytes())
    }

    /// A string, or a number or bool rendered as text.
    fn text<'i>(&self, v: &Value<'_, 'i>) -> Option<Cow<'i, str>>
    where
        'a: 'i,
    {
        if let Some(s) = self.get(v) {
            return Some(s);
        }
        if let Some(b) = v.as_bool() {
            return Some(Cow::Borrowed(if b { "true" } else { "false" }));
        }
        if let Some(i) = v.as_i64() {
            return Some(Cow::Owned(i.to_string()));
        }
        v.cast_f64().map(|f| Cow::Owned(f.to_string()))
    }

    /// A number, or a string holding one.
    fn num(&self, v: &Value<'_, '_>) -> Option<f64> {
        if let Some(f) = v.cast_f64() {
            return Some(f);
        }
        v.as_str().and_then(|s| s.trim().parse::<f64>().ok())
    }
}

fn non_empty(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    s.filter(|s| !s.is_empty())
}

fn timing(v: Option<f64>) -> Option<f64> {
    v.filter(|x| *x != -1.0 && x.is_finite())
}

fn size(v: Option<f64>) -> Option<i64> {
    #[allow(clippy::cast_possible_truncation)]
    v.filter(|x| *x >= 0.0 && x.is_finite()).map(|x| x as i64)
}

impl EntryParser {
    /// A parser with empty buffers.
    pub fn new() -> Self {
        Self {
            scratch: Vec::new(),
            sentinels: Vec::new(),
            buffers: Buffers::new(64 * 1024),
            tape: Some(Tape::null().reset()),
            repaired: 0,
            header_classes: redact::HeaderClassCache::default(),
            found: Vec::new(),
        }
    }

    fn build_skeleton(&mut self, input: &FileInput<'_>, span: &EntrySpan) {
        self.scratch.clear();
        self.sentinels.clear();
        let mut p = span.start;
        for (k, ls) in input.longs[span.longs.clone()].iter().enumerate() {
            self.scratch.extend_from_slice(&input.buf[p..=ls.open]);
            self.sentinels
                .push((self.scratch.len(), span.longs.start + k));
            p = ls.close;
        }
        self.scratch.extend_from_slice(&input.buf[p..span.end]);
        let len = self.scratch.len();
        self.scratch.resize(len + INPUT_PADDING, b' ');
    }

    /// Parses the entry at `span` and appends its row to `out`.
    ///
    /// # Errors
    /// When the entry is not valid JSON even after lossy repair, or is not an object.
    pub fn parse_into(
        &mut self,
        input: &FileInput<'_>,
        file: &FileContext,
        config: &ParseConfig,
        span: &EntrySpan,
        out: &mut EntryBatchBuilder,
    ) -> Result<(), EntryFault> {
        self.build_skeleton(input, span);
        let len = self.scratch.len() - INPUT_PADDING;
        let base = self.scratch.as_ptr() as usize;
        let mut tape = self.tape.take().unwrap_or_else(|| Tape::null().reset());
        let first = fill_tape_padded(&mut self.scratch, len, &mut self.buffers, &mut tape);
        let result = match first {
            Ok(()) => Ok(tape),
            Err(_) => {
                // simd-json refuses lone surrogates and invalid UTF-8; producers write both.
                let mut tape = tape.reset();
                self.build_skeleton(input, span);
                let repairs = repair_in_place(&mut self.scratch[..len]);
                match fill_tape_padded(&mut self.scratch, len, &mut self.buffers, &mut tape) {
                    Ok(()) if repairs > 0 => {
                        self.repaired += 1;
                        Ok(tape)
                    }
                    Ok(()) => Ok(tape),
                    Err(e) => Err((tape.reset(), e)),
                }
            }
        };
        let tape = match result {
            Ok(t) => t,
            Err((t, e)) => {
                self.tape = Some(t);
                return Err(EntryFault {
                    offset: self.scratch_to_input(input, span, e.index()),
                    message: format!("not valid JSON ({:?})", e.error()),
                });
            }
        };
        let strings = Strings {
            input: input.buf,
            longs: input.longs,
            base,
            sentinels: &self.sentinels,
        };
        let root = tape.as_value();
        let outcome = if root.as_object().is_some() {
            let mut row = extract(
                &strings,
                input,
                config,
                &mut self.header_classes,
                span,
                &root,
            );
            if config.sanitize {
                redact_tokens(&mut row, config.rules());
            }
            if config.sanitize && config.sanitize_bodies {
                sanitize_bodies(&mut row, config.bodies, config.rules());
            }
            if !config.bodies {
                // read only to learn the secrets they hold (see `learn_bodies`)
                row.request_body = None;
                row.response_body = None;
                row.request_mime = None;
                row.response_body_encoding = None;
            }
            let index = span.index;
            self.found.extend(row.found.drain(..).map(|v| (index, v)));
            out.append(file, &row);
            Ok(())
        } else {
            Err(EntryFault {
                offset: span.start,
                message: "entry is not a JSON object".to_owned(),
            })
        };
        self.tape = Some(tape.reset());
        outcome
    }

    /// Maps an offset in the scratch copy back to the input.
    fn scratch_to_input(&self, input: &FileInput<'_>, span: &EntrySpan, off: usize) -> usize {
        let mut delta = 0usize;
        for &(s_off, k) in &self.sentinels {
            if s_off > off {
                break;
            }
            if let Some(ls) = input.longs.get(k) {
                delta += ls.close - ls.open - 1;
            }
        }
        (span.start + off + delta).min(span.end)
    }
}

fn extract<'i>(
    st: &Strings<'i, '_>,
    input: &FileInput<'i>,
    config: &ParseConfig,
    cache: &mut redact::HeaderClassCache,
    span: &EntrySpan,
    entry: &Value<'_, 'i>,
) -> EntryRow<'i> {
    let mut row = EntryRow {
        entry_index: i64::try_from(span.index).unwrap_or(i64::MAX),
        ..EntryRow::default()
    };
    let mut cache_hint = false;
    let mut entry_error = None;
    let Some(obj) = entry.as_object() else {
        return row;
    };
    for (key, v) in obj.iter() {
        match key {
            "pageref" => row.page_id = non_empty(st.text(&v)),
            "startedDateTime" => row.started_at_raw = st.get(&v),
            "time" => row.time = timing(st.num(&v)),
            "serverIPAddress" => row.server_ip = non_empty(st.text(&v)),
            "connection" => row.connection = non_empty(st.text(&v)),
            "_priority" => row.priority = non_empty(st.text(&v)),
            "_resourceType" => row.resource_type = non_empty(st.text(&v)),
            "_initiator" => {
                row.initiator_type = match v.get("type") {
                    Some(t) => non_empty(st.text(&t)),
                    // chrome-har wrote the initiator as a URL string at one time.
                    None if v.as_str().is_some() => Some(Cow::Borrowed("other")),
                    None => None,
                };
            }
            "_initiator_type" if row.initiator_type.is_none() => {
                row.initiator_type = non_empty(st.text(&v));
            }
            "_fromCache" => cache_hint |= v.as_bool() != Some(false) && !v.is_null(),
            "_fetchType" => {
                cache_hint |= st.get(&v).is_some_and(|s| s.contains("Cache"));
            }
            "_error" | "_failureText" => entry_error = entry_error.or(non_empty(st.text(&v))),
            "request" => request(st, config, cache, &v, &mut row),
            "response" => {
                cache_hint |= response(st, config, cache, &v, &mut row);
            }
            "timings" => {
                if let Some(t) = v.as_object() {
                    for (k, x) in t.iter() {
                        let val = timing(st.num(&x));
                        match k {
                            "blocked" => row.phases.blocked = val,
                            "dns" => row.phases.dns = val,
                            "connect" => row.phases.connect = val,
                            "ssl" => row.phases.ssl = val,
                            "send" => row.phases.send = val,
                            "wait" => row.phases.wait = val,
                            "receive" => row.phases.receive = val,
                            "_blocked_queueing" => row.queueing = val,
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if row.error.is_none() {
        row.error = entry_error;
    }
    row.from_cache = cache_hint;
    if let Some(p) = row.page_id.as_deref() {
        row.page_title = input.pages.get(p).map(String::as_str);
    }
    row.started_at = row
        .started_at_raw
        .as_deref()
        .and_then(crate::har::time::parse_timestamp_us);
    row.derived = timings::derive(&row.phases, row.time, input.producer_ssl_additive);
    // Tracking IDs: the first configured header found, request then response.
    'outer: for name in &config.tracking_headers {
        for (hname, hvalue) in row
            .request_headers
            .iter()
            .chain(row.response_headers.iter())
        {
            if hname.eq_ignore_ascii_case(name)
                && let Some(id) = tracking::id_from_value(name, hvalue)
            {
                row.tracking_id = Some(Cow::Owned(id.to_owned()));
                row.tracking_header = Some(hname.clone());
                break 'outer;
            }
        }
    }
    row
}

/// A redaction marker that keeps the redacted value for propagation.
fn keeper(found: &mut Vec<String>) -> impl FnMut(&str) -> String + '_ {
    move |v: &str| {
        if v.len() >= crate::sanitize::known::ANCHOR {
            found.push(v.to_owned());
        }
        redact::REDACTED.to_owned()
    }
}

/// [`redact::url_cow`] with the rules in force, keeping what it redacts in `found`.
fn url_found<'i>(u: Cow<'i, str>, config: &ParseConfig, found: &mut Vec<String>) -> Cow<'i, str> {
    let redacted = match &config.rules {
        None => redact::url_with(&u, &mut keeper(found)),
        Some(r) => redact::url_with_rule(&u, &|n: &str, v: &str| r.param(n, v), &mut keeper(found)),
    };
    let redacted = match redacted {
        Cow::Owned(o) => Some(o),
        Cow::Borrowed(_) => None,
    };
    redacted.map_or(u, Cow::Owned)
}

fn headers<'i>(
    st: &Strings<'i, '_>,
    config: &ParseConfig,
    cache: &mut redact::HeaderClassCache,
    v: &Value<'_, 'i>,
    out: &mut Vec<(Cow<'i, str>, Cow<'i, str>)>,
    found: &mut Vec<String>,
) {
    let Some(arr) = v.as_array() else { return };
    out.reserve(arr.len());
    for h in arr.iter() {
        let (mut name, mut value, mut values): (_, _, Option<Vec<Cow<'i, str>>>) =
            (None, None, None);
        if let Some(obj) = h.as_object() {
            for (k, x) in obj.iter() {
                match k {
                    "name" => name = st.text(&x),
                    // Polly writes repeated fields as one header whose value is an array
                    // (outside the spec): each element becomes a header of that name, as
                    // the other producers write repeated fields, and is redacted alone.
                    "value" => match x.as_array() {
                        Some(a) => values = Some(a.iter().filter_map(|e| st.text(&e)).collect()),
                        None => value = st.text(&x),
                    },
                    _ => {}
                }
            }
        }
        let name: Cow<'i, str> = name.unwrap_or_default();
        match values {
            Some(values) => {
                for value in values {
                    let value = header_value(config, cache, &name, value, found);
                    out.push((name.clone(), value));
                }
            }
            None => {
                let value = header_value(config, cache, &name, value.unwrap_or_default(), found);
                out.push((name, value));
            }
        }
    }
}

/// A header value as the rules in force leave it.
fn header_value<'i>(
    config: &ParseConfig,
    cache: &mut redact::HeaderClassCache,
    name: &str,
    value: Cow<'i, str>,
    found: &mut Vec<String>,
) -> Cow<'i, str> {
    match (&config.rules, config.sanitize) {
        (_, false) => value,
        (None, true) => redact::redact_header_with(cache.get(name), value, &mut keeper(found)),
        (Some(r), true) => redact::redact_header_rules(
            r.header(name),
            value,
            &|n: &str, v: &str| r.param(n, v),
            &|n: &str| r.keep_cookie(n),
            &mut keeper(found),
        ),
    }
}

fn request<'i>(
    st: &Strings<'i, '_>,
    config: &ParseConfig,
    cache: &mut redact::HeaderClassCache,
    v: &Value<'_, 'i>,
    row: &mut EntryRow<'i>,
) {
    let Some(obj) = v.as_object() else { return };
    let mut version = None;
    for (key, x) in obj.iter() {
        match key {
            "method" => row.method = non_empty(st.text(&x)),
            "url" => {
                row.url = st.get(&x).map(|u| {
                    if config.sanitize {
                        url_found(u, config, &mut row.found)
                    } else {
                        u
                    }
                });
            }
            "httpVersion" => version = non_empty(st.text(&x)),
            "headers" => headers(
                st,
                config,
                cache,
                &x,
                &mut row.request_headers,
                &mut row.found,
            ),
            "headersSize" => row.sizes[0] = size(st.num(&x)),
            "postData" if config.bodies => {
                row.request_body = x.get("text").and_then(|t| st.get(&t));
                row.request_mime = x.get("mimeType").and_then(|t| st.text(&t));
            }
            "postData" if config.sanitize => {
                // read only when it may reveal a secret (see `may_reveal_secrets`)
                let mime = x.get("mimeType").and_then(|t| st.text(&t));
                let m = mime.as_deref().unwrap_or("");
                if let Some(t) = x.get("text")
                    && st
                        .raw(&t)
                        .is_some_and(|r| crate::sanitize::engine::may_reveal_raw(r, m))
                {
                    row.request_body = st.get(&t);
                    row.request_mime = mime;
                }
            }
            "bodySize" => row.sizes[1] = size(st.num(&x)),
            _ => {}
        }
    }
    if row.http_version_raw.as_deref().is_none_or(str::is_empty) {
        row.http_version_raw = version;
    }
}

/// Fills the response columns; returns whether the response says it came from a cache.
fn response<'i>(
    st: &Strings<'i, '_>,
    config: &ParseConfig,
    cache: &mut redact::HeaderClassCache,
    v: &Value<'_, 'i>,
    row: &mut EntryRow<'i>,
) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    let mut cached = false;
    let mut transfer = None;
    let mut text_value = None;
    for (key, x) in obj.iter() {
        match key {
            "status" => {
                #[allow(clippy::cast_possible_truncation)]
                let s = st.num(&x).filter(|f| f.is_finite()).map(|f| f as i64);
                row.status = s.filter(|s| *s != 0 && *s != -1);
            }
            "statusText" => row.status_text = non_empty(st.text(&x)),
            "httpVersion" => {
                let version = non_empty(st.text(&x));
                if version.is_some() {
                    row.http_version_raw = version;
                }
            }
            "headers" => headers(
                st,
                config,
                cache,
                &x,
                &mut row.response_headers,
                &mut row.found,
            ),
            "headersSize" => row.sizes[2] = size(st.num(&x)),
            "bodySize" => row.sizes[3] = size(st.num(&x)),
            "_transferSize" => transfer = size(st.num(&x)),
            "redirectURL" => {
                row.redirect_url = non_empty(st.get(&x)).map(|u| {
                    if config.sanitize {
                        url_found(u, config, &mut row.found)
                    } else {
                        u
                    }
                });
            }
            "_error" | "_failureText" if row.error.is_none() => {
                row.error = non_empty(st.text(&x));
            }
            "_fulfilledBy" => cached |= st.get(&x).is_some_and(|s| s.contains("cache")),
            "content" => {
                if let Some(c) = x.as_object() {
                    for (k, y) in c.iter() {
                        match k {
                            "size" => row.sizes[4] = size(st.num(&y)),
                            "mimeType" => row.mime_type = non_empty(st.text(&y)),
                            "text" if config.bodies => row.response_body = st.get(&y),
                            "text" if config.sanitize => text_value = Some(y),
                            "encoding" if config.bodies || config.sanitize => {
                                row.response_body_encoding = non_empty(st.text(&y));
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(t) = text_value {
        // not exported: read only when it may reveal a secret (see `may_reveal_secrets`)
        let b64 = row
            .response_body_encoding
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
        let m = row.mime_type.as_deref().unwrap_or("");
        if b64
            || st
                .raw(&t)
                .is_some_and(|r| crate::sanitize::engine::may_reveal_raw(r, m))
        {
            row.response_body = st.get(&t);
        }
    }
    row.sizes[5] = transfer.or_else(|| match (row.sizes[2], row.sizes[3]) {
        (Some(h), Some(b)) => Some(h + b),
        _ => None,
    });
    cached
}
