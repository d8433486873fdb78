//! Redaction of one entry (or one `pages` array): walks the positioned JSON tree, decides
//! per string what is secret, and returns byte edits. Nothing else in the entry changes.

use super::json::{self, Node};
use super::rules::{JsonContext, Replacement, Rules};
use crate::transform::names::Words;
use crate::transform::redact::{
    HeaderClass, header_class, params_with, percent_decode_lossy, redact_header_rules,
    url_with_rule,
};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// The fixed marker.
pub const REDACTED: &str = "[REDACTED]";

/// Counts of redactions: rule → location → n.
pub type Counts = BTreeMap<String, BTreeMap<String, u64>>;

/// One string to rewrite.
#[derive(Debug, Clone)]
pub struct Edit {
    /// Span of the JSON string token in the input (quotes included).
    pub span: Range<usize>,
    /// The new token (quotes included).
    pub text: String,
    /// The rules that fired, for `--verify` (never values).
    pub rules: Vec<String>,
    /// Where in the entry.
    pub location: String,
}

pub use super::known::Known;

/// Per-run state shared by all entries.
#[derive(Debug)]
pub struct Policy<'r> {
    /// The rules.
    pub rules: &'r Rules,
    /// HMAC key for pseudonyms.
    pub key: [u8; 32],
}

impl Policy<'_> {
    /// The replacement of a secret value.
    pub fn replacement(&self, value: &str) -> String {
        match self.rules.replacement {
            Replacement::Redact => REDACTED.to_owned(),
            Replacement::Pseudonym => format!("[REDACTED:{}]", &hmac_hex(&self.key, value)[..8]),
        }
    }
}

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`, hex.
pub fn hmac_hex(key: &[u8; 32], msg: &str) -> String {
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for (i, k) in key.iter().enumerate() {
        ipad[i] ^= k;
        opad[i] ^= k;
    }
    let inner = Sha256::new()
        .chain_update(ipad)
        .chain_update(msg.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(opad)
        .chain_update(inner)
        .finalize();
    format!("{outer:x}")
}

/// Whether `v` is already a marker, plain or percent-encoded (so sanitizing sanitized
/// output changes nothing).
pub fn is_marker(v: &str) -> bool {
    crate::transform::redact::is_marker_text(v)
}

/// The work on one entry.
pub struct Walk<'p, 'r> {
    policy: &'p Policy<'r>,
    known: &'p Known,
    entry: i64,
    /// Edits, in input order.
    pub edits: Vec<Edit>,
    /// Values redacted by a rule (for propagation), at least the propagation length.
    pub found: Vec<String>,
    /// Counts.
    pub counts: Counts,
    /// With [`Walk::recording`]: keys of what propagation looked at, for
    /// [`crate::sanitize::known::Fresh::may_hold`].
    pub seen: Option<Vec<u32>>,
    rule: &'static str,
    loc: String,
    fired: Vec<String>,
}

impl<'p, 'r> Walk<'p, 'r> {
    /// A walk over entry `entry` (`-1`: pages).
    pub fn new(policy: &'p Policy<'r>, known: &'p Known, entry: i64) -> Self {
        Self {
            policy,
            known,
            entry,
            edits: Vec::new(),
            found: Vec::new(),
            counts: Counts::new(),
            seen: None,
            rule: "",
            loc: String::new(),
            fired: Vec::new(),
        }
    }

    /// Records the keys of every text propagation looks at (see [`Walk::seen`]).
    #[must_use]
    pub fn recording(mut self) -> Self {
        self.seen = Some(Vec::new());
        self
    }

    fn mark(&mut self, v: &str) -> String {
        if v.is_empty() || is_marker(v) {
            return v.to_owned();
        }
        *self
            .counts
            .entry(self.rule.to_owned())
            .or_default()
            .entry(self.loc.clone())
            .or_default() += 1;
        if !self.fired.iter().any(|f| f == self.rule) {
            self.fired.push(self.rule.to_owned());
        }
        if v.len() >= self.policy.rules.min_propagation {
            self.found.push(v.to_owned());
        }
        self.policy.replacement(v)
    }

    fn with_rule<T>(&mut self, rule: &'static str, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.rule;
        self.rule = rule;
        let out = f(self);
        self.rule = saved;
        out
    }

    /// Finishes one string: applies token patterns and propagation to `new` (the
    /// rule-specific result, or the original), records an edit when it differs.
    fn finish(&mut self, span: &Range<usize>, original: &str, new: Option<String>) {
        let mut text: Cow<'_, str> = new.map_or(Cow::Borrowed(original), Cow::Owned);
        if let Some(t) = self.tokens(&text) {
            text = Cow::Owned(t);
        }
        if let Some(t) = self.propagate(&text) {
            text = Cow::Owned(t);
        }
        if text != original {
            self.push_edit(span, &text);
        }
        self.fired.clear();
    }

    /// Records the rewrite of the string token at `span` with the rules that fired.
    fn push_edit(&mut self, span: &Range<usize>, text: &str) {
        self.edits.push(Edit {
            span: span.clone(),
            text: json::encode_string(text),
            rules: std::mem::take(&mut self.fired),
            location: self.loc.clone(),
        });
    }

    fn tokens(&mut self, s: &str) -> Option<String> {
        let mut out: Option<String> = None;
        let rules = self.policy.rules;
        let hits = rules.token_set.matches(s);
        for (i, (name, re)) in rules.tokens.iter().enumerate() {
            if !hits.matched(i) {
                continue;
            }
            let cur = out.as_deref().unwrap_or(s);
            let mut buf = String::with_capacity(cur.len());
            let mut last = 0;
            let rule: &'static str = match name.as_str() {
                "jwt" => "jwt",
                "jwe" => "jwe",
                n if n.starts_with("pattern:") => "custom-pattern",
                _ => "vendor-key",
            };
            for m in re.find_iter(cur) {
                buf.push_str(&cur[last..m.start()]);
                let r = self.with_rule(rule, |w| w.mark(m.as_str()));
                buf.push_str(&r);
                last = m.end();
            }
            buf.push_str(&cur[last..]);
            out = Some(buf);
        }
        // name=value pairs inside free text (also what was \u003d-escaped in the input)
        let cur = out.as_deref().unwrap_or(s);
        if rules.text_pairs.is_match(cur) {
            let mut buf = String::with_capacity(cur.len());
            let mut last = 0;
            for c in rules.text_pairs.captures_iter(cur) {
                let (Some(v), Some(_)) = (c.get(2), c.get(1)) else {
                    continue;
                };
                buf.push_str(&cur[last..v.start()]);
                let r = self.with_rule("text-param", |w| w.mark(v.as_str()));
                buf.push_str(&r);
                last = v.end();
            }
            buf.push_str(&cur[last..]);
            out = Some(buf);
        }
        out
    }

    fn propagate(&mut self, s: &str) -> Option<String> {
        if self.known.is_empty() && self.seen.is_none() {
            return None;
        }
        let known = self.known;
        let entry = self.entry;
        let mut seen = self.seen.take();
        let out = known.replace_seen_recording(
            s,
            entry,
            &mut |found| self.with_rule("propagated", |w| w.mark(found)),
            seen.as_mut(),
        );
        self.seen = seen;
        out
    }

    fn url_text(&mut self, u: &str) -> Option<String> {
        if u.len() > 5 && u[..5].eq_ignore_ascii_case("data:") {
            return self.data_url(u);
        }
        let rules = self.policy.rules;
        let secret = |n: &str, v: &str| rules.param(n, v);
        self.with_rule("url-param", |w| {
            let mut mark = |v: &str| w.mark(v);
            match url_with_rule(u, &secret, &mut mark) {
                Cow::Owned(o) => Some(o),
                Cow::Borrowed(_) => None,
            }
        })
    }

    /// A `data:` URL: its payload redacted as a body of its MIME type.
    fn data_url(&mut self, u: &str) -> Option<String> {
        let comma = u.find(',')?;
        let meta = &u[5..comma];
        let payload = &u[comma + 1..];
        let (mime, b64) = match meta.strip_suffix(";base64") {
            Some(m) => (m, true),
            None => (meta, false),
        };
        let new = if b64 {
            let d = decode_text_body(payload, mime)?;
            let t = self.body_text(&d.text, mime, true)?;
            d.encode(&t)?
        } else {
            let text = percent_decode_lossy(payload);
            let t = self.body_text(&text, mime, true)?;
            crate::transform::redact::percent_encode_component(&t)
        };
        Some(format!("{}{new}", &u[..=comma]))
    }

    fn set_loc(&mut self, loc: &str) {
        self.loc.clear();
        self.loc.push_str(loc);
    }

    /// Generic strings: URLs get the URL rules; every string gets tokens and propagation.
    fn generic(&mut self, n: &Node<'_>, loc: &str, key: Option<&str>) {
        match n {
            Node::Obj(m) => {
                for (k, v) in m {
                    self.generic(v, loc, Some(k));
                }
            }
            Node::Arr(a) => {
                for v in a {
                    self.generic(v, loc, key);
                }
            }
            Node::Str(span, s) => {
                self.set_loc(loc);
                let looks_url = key.is_some_and(|k| k.eq_ignore_ascii_case("url"))
                    || s.starts_with("http://")
                    || s.starts_with("https://")
                    || s.starts_with("ws://")
                    || s.starts_with("wss://")
                    || s.starts_with("data:");
                let rules = self.policy.rules;
                let new = if key.is_some_and(|k| rules.text_name(k) && !producer_member(k))
                    && !is_marker(s)
                {
                    // a member no producer documents, named like a secret (`_authToken`)
                    Some(self.with_rule("secret-member", |w| w.mark(s)))
                } else if looks_url {
                    self.url_text(s)
                } else if s.len() > 2 && s.starts_with(['{', '[']) {
                    // JSON as a name or a value (a beacon's query string, a config)
                    self.json_like(s).flatten()
                } else {
                    None
                };
                self.finish(span, s, new);
            }
            Node::Num(span) => {
                // producers' own numbers (feature counters, timings) are not secrets; a
                // number under a one-time-code or key name is
                if key.is_some_and(|k| self.policy.rules.text_name(k) && numeric_secret_name(k)) {
                    self.set_loc(loc);
                    self.number(span, "secret-member");
                }
            }
            Node::Deep(span) => {
                // nested past the walk's depth: nothing in it was judged, so none of it
                // is kept
                self.set_loc(loc);
                self.number(span, "nesting-too-deep");
            }
            Node::Other => {}
        }
    }

    fn headers(&mut self, n: &Node<'_>, loc: &str) {
        let Node::Arr(items) = n else {
            return self.generic(n, loc, None);
        };
        for h in items {
            let name = h.get("name").and_then(Node::as_str).unwrap_or("");
            let Node::Obj(members) = h else {
                self.generic(h, loc, None);
                continue;
            };
            for (k, v) in members {
                if k == "value" {
                    self.header_member(name, v, loc);
                } else {
                    self.generic(v, loc, Some(k));
                }
            }
        }
    }

    /// A header's `value`: a string, a number, or (Polly, for repeated fields) an array
    /// whose every element is a value of that header.
    fn header_member(&mut self, name: &str, v: &Node<'_>, loc: &str) {
        match v {
            Node::Str(span, s) => {
                self.set_loc(loc);
                let new = self.header_value(name, s);
                self.finish(span, s, new);
            }
            Node::Num(span) => {
                self.set_loc(loc);
                if self.policy.rules.header(name) != HeaderClass::Plain {
                    self.number(span, "secret-header");
                }
            }
            Node::Arr(items) => {
                for item in items {
                    self.header_member(name, item, loc);
                }
            }
            // every string inside a value is a value of that header
            Node::Obj(members) => {
                for (_, item) in members {
                    self.header_member(name, item, loc);
                }
            }
            _ => self.generic(v, loc, Some("value")),
        }
    }

    /// A header's value with the header rules applied (the one implementation in
    /// [`crate::transform::redact`]); `None` when nothing changed.
    fn header_value(&mut self, name: &str, s: &str) -> Option<String> {
        let rules = self.policy.rules;
        let class = rules.header(name);
        if class == HeaderClass::Plain && looks_base64(s) {
            // a debugging header carrying a base64 dump (of a request, of JSON)
            if let Some(d) = decode_text_body(s, "")
                && let Some(t) = self.body_text(&d.text, "", true)
            {
                return d.encode(&t);
            }
        }
        let rule = match class {
            HeaderClass::Credentials => "authorization",
            HeaderClass::Cookie => "cookie-header",
            HeaderClass::SetCookie => "set-cookie",
            HeaderClass::Url | HeaderClass::Plain => "url-param",
            HeaderClass::Secret => "secret-header",
        };
        self.with_rule(rule, |w| {
            let secret = |n: &str, v: &str| rules.param(n, v);
            let keep = |n: &str| rules.keep_cookie(n);
            let mut mark = |v: &str| w.mark(v);
            match redact_header_rules(class, Cow::Borrowed(s), &secret, &keep, &mut mark) {
                Cow::Owned(o) => Some(o),
                Cow::Borrowed(_) => None,
            }
        })
    }

    /// A secret number (`"otp": 918273`): becomes the marker string.
    fn number(&mut self, span: &Range<usize>, rule: &'static str) {
        let text = self.with_rule(rule, |w| w.mark_number());
        self.push_edit(span, &text);
        self.fired.clear();
    }

    fn mark_number(&mut self) -> String {
        // the digits are not kept for propagation: short numbers would match everywhere
        *self
            .counts
            .entry(self.rule.to_owned())
            .or_default()
            .entry(self.loc.clone())
            .or_default() += 1;
        if !self.fired.iter().any(|f| f == self.rule) {
            self.fired.push(self.rule.to_owned());
        }
        self.policy.replacement("")
    }

    fn name_value_list(&mut self, n: &Node<'_>, loc: &str, kind: &'static str) {
        let Node::Arr(items) = n else {
            return self.generic(n, loc, None);
        };
        for item in items {
            let name = item.get("name").and_then(Node::as_str).unwrap_or("");
            let Node::Obj(members) = item else {
                self.generic(item, loc, None);
                continue;
            };
            for (k, v) in members {
                if k == "value" {
                    self.name_value_member(name, v, loc, kind);
                } else {
                    self.generic(v, loc, Some(k));
                }
            }
        }
    }

    /// The `value` of a cookie or query parameter: a string, a number, or an array of
    /// values (Polly's repeated fields).
    fn name_value_member(&mut self, name: &str, v: &Node<'_>, loc: &str, kind: &'static str) {
        match v {
            Node::Str(span, s) => {
                self.set_loc(loc);
                let secret = match kind {
                    "cookie" => !self.policy.rules.keep_cookie(name),
                    _ => self.policy.rules.param(name, s),
                };
                let new = if secret {
                    Some(self.with_rule(kind, |w| w.mark(s)))
                } else if s.trim_start().starts_with(['{', '[']) {
                    // JSON in a parameter (ad and analytics beacons)
                    self.json_like(s).flatten()
                } else if kind != "cookie" {
                    // a param value may itself be a URL (redirect_uri, RelayState)
                    self.url_text(s)
                } else {
                    None
                };
                self.finish(span, s, new);
            }
            Node::Num(span) => {
                self.set_loc(loc);
                let secret = kind == "cookie" || self.policy.rules.param(name, "");
                if secret {
                    self.number(span, kind);
                }
            }
            Node::Arr(items) => {
                for item in items {
                    self.name_value_member(name, item, loc, kind);
                }
            }
            // every string inside a value is a value of that cookie or parameter
            Node::Obj(members) => {
                for (_, item) in members {
                    self.name_value_member(name, item, loc, kind);
                }
            }
            _ => self.generic(v, loc, Some("value")),
        }
    }

    /// A body string: sniffed and redacted by its real format.
    fn body(&mut self, span: &Range<usize>, text: &str, mime: &str, base64: bool, loc: &str) {
        self.set_loc(loc);
        // a body labelled base64 that is not (a producer's mistake) is read as it is
        let base64 = base64 && base64_head(text);
        if !base64 {
            // tokens and propagation are applied once, by `finish`
            let new = self.body_text(text, mime, false);
            return self.finish(span, text, new);
        }
        // tokens and propagation run on the decoded text, not on base64
        let new = decode_text_body(text, mime).and_then(|d| {
            let t = self.body_text(&d.text, mime, true)?;
            d.encode(&t)
        });
        if let Some(n) = new {
            self.push_edit(span, &n);
        }
        self.fired.clear();
    }

    /// Redacts a decoded body; `None` when nothing changed. With `finalize` (base64
    /// bodies) tokens and propagation apply here too.
    fn body_text(&mut self, text: &str, mime: &str, finalize: bool) -> Option<String> {
        let mime_l = mime.to_ascii_lowercase();
        let out = self.body_format(text, &mime_l, mime);
        if !finalize {
            return out;
        }
        let cur = out.as_deref().unwrap_or(text);
        let tok = self.tokens(cur);
        let cur2 = tok.as_deref().unwrap_or(cur);
        let prop = self.propagate(cur2);
        prop.or(tok).or(out)
    }

    /// The format rules of a body: multipart, JSON (also behind an XSSI prefix, inside a
    /// JSONP call, as NDJSON), SSE, Socket.IO, forms, HTML and XML; free text (scripts,
    /// GraphQL, STOMP frames) and whatever did not parse get the `name: value` rule.
    fn body_format(&mut self, text: &str, mime_l: &str, mime: &str) -> Option<String> {
        let t = text.trim_start();
        if mime_l.contains("multipart/form-data")
            && let Some(r) = self.multipart(text, mime_l, mime)
        {
            return Some(r);
        }
        if let Some(r) = self.json_like(text) {
            return r;
        }
        let allow = self.policy.rules.allow_mode;
        if mime_l.contains("event-stream") || t.starts_with("data:") || t.starts_with("event:") {
            return self.sse(text).or_else(|| self.free_text(text));
        }
        if let Some(rest) = socket_io(t) {
            let prefix = &text[..text.len() - rest.len()];
            if let Some(r) = self.json_like(rest) {
                return r.map(|j| format!("{prefix}{j}"));
            }
        }
        if mime_l.contains("x-www-form-urlencoded") || looks_form(t) {
            let rules = self.policy.rules;
            let secret = |n: &str, v: &str| rules.param(n, v);
            return self.with_rule("form-param", |w| {
                let mut mark = |v: &str| w.mark(v);
                params_with(text, &secret, &mut mark)
            });
        }
        if allow && !t.is_empty() {
            // an allow-list keeps only what it names; a body of free text names nothing
            return Some(self.with_rule("allow-mode-body", |w| w.mark(text)));
        }
        let markup = mime_l.contains("html") || mime_l.contains("xml") || t.starts_with('<');
        let after_markup = if markup { self.markup(text) } else { None };
        let cur = after_markup.as_deref().unwrap_or(text);
        self.free_text(cur).or(after_markup)
    }

    /// JSON in any of the wrappers producers and servers put it in; `None` when the text
    /// is not JSON, `Some(None)` when it is and nothing changed.
    fn json_like(&mut self, text: &str) -> Option<Option<String>> {
        let t = text.trim_start();
        let lead = text.len() - t.len();
        if t.starts_with('{') || t.starts_with('[') {
            if let Some(r) = self.json_parse_walk(text) {
                return Some(r);
            }
            // `{…};` (a statement, a beacon's query)
            let body = text.trim_end();
            if let Some(inner) = body.strip_suffix(';')
                && let Some(r) = self.json_parse_walk(inner)
            {
                return Some(r.map(|j| format!("{j}{}", &text[inner.len()..])));
            }
            return self.ndjson(text);
        }
        // XSSI guards: `)]}'`, `)]}',`, `while(1);`, `for(;;);`
        for p in [
            ")]}'",
            ")]}",
            "while(1);",
            "while (1);",
            "for(;;);",
            "for (;;);",
        ] {
            if let Some(rest) = t.strip_prefix(p) {
                let skip = rest.find(['{', '[']).filter(|&i| {
                    rest[..i]
                        .trim_matches([',', ' ', '\r', '\n', '\t', '\''])
                        .is_empty()
                })?;
                let at = lead + p.len() + skip;
                return self
                    .json_like(&text[at..])
                    .map(|r| r.map(|j| format!("{}{j}", &text[..at])));
            }
        }
        // JSONP: `callback({...});`
        let open = t.find('(')?;
        let ident = &t[..open];
        if ident.is_empty()
            || !ident
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'$' | b'.' | b' '))
        {
            return None;
        }
        let body_end = t.rfind(')')?;
        let inner = &t[open + 1..body_end];
        let tail = t[body_end + 1..].trim();
        if !(tail.is_empty() || tail == ";") || !inner.trim_start().starts_with(['{', '[']) {
            return None;
        }
        let r = self.json_parse_walk(inner)?;
        let start = lead + open + 1;
        Some(r.map(|j| format!("{}{j}{}", &text[..start], &text[start + inner.len()..])))
    }

    /// NDJSON: one JSON value a line.
    fn ndjson(&mut self, text: &str) -> Option<Option<String>> {
        if !text.trim_end().contains('\n') {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let body = line.trim_end_matches('\r');
            if body.trim().is_empty() {
                out.push_str(line);
                continue;
            }
            match self.json_parse_walk(body)? {
                Some(j) => {
                    changed = true;
                    out.push_str(&j);
                    out.push_str(&line[body.len()..]);
                }
                None => out.push_str(line),
            }
        }
        Some(changed.then_some(out))
    }

    fn json_body(&mut self, text: &str) -> Option<String> {
        self.json_parse_walk(text).flatten()
    }

    /// `None`: not JSON; `Some(None)`: JSON, nothing changed.
    fn json_parse_walk(&mut self, text: &str) -> Option<Option<String>> {
        let node = json::parse(text.as_bytes(), 0).ok()?;
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        self.json_walk(&node, None, JsonContext::default(), &mut edits);
        if edits.is_empty() {
            return Some(None);
        }
        edits.sort_by_key(|e| e.0.start);
        Some(Some(apply(text, &edits)))
    }

    fn json_walk(
        &mut self,
        n: &Node<'_>,
        key: Option<&str>,
        ctx: JsonContext,
        edits: &mut Vec<(Range<usize>, String)>,
    ) {
        let rules = self.policy.rules;
        match n {
            Node::Obj(m) => {
                let authorization = rules.authorization_object(m.iter().map(|(k, _)| k.as_ref()));
                for (k, v) in m {
                    let own = JsonContext {
                        authorization,
                        ..ctx
                    };
                    let secret_here =
                        rules.json_key(k, "", own) && !matches!(v, Node::Str(..) | Node::Num(_));
                    let words = Words::of(k);
                    let child = JsonContext {
                        secret_parent: ctx.secret_parent || secret_here,
                        question_parent: words.as_slice().iter().any(|w| {
                            matches!(
                                w.as_str(),
                                "question" | "questions" | "recovery" | "security"
                            )
                        }),
                        authorization,
                    };
                    if matches!(v, Node::Str(..) | Node::Num(_)) {
                        self.json_walk(v, Some(k), own, edits);
                    } else {
                        self.json_walk(v, Some(k), child, edits);
                    }
                }
            }
            Node::Arr(a) => {
                for v in a {
                    self.json_walk(v, key, ctx, edits);
                }
            }
            Node::Str(span, s) => {
                let secret = key.is_some_and(|k| rules.json_key(k, s, ctx))
                    || key.is_none() && ctx.secret_parent;
                let new = if secret {
                    Some(self.with_rule("json-key", |w| w.mark(s)))
                } else if s.starts_with("http://") || s.starts_with("https://") {
                    self.url_text(s)
                } else if key.is_some_and(|k| k.eq_ignore_ascii_case("variables"))
                    || s.trim_start().starts_with(['{', '['])
                    || s.starts_with(")]}")
                {
                    // JSON inside a JSON string (GraphQL variables sent as text, nested payloads)
                    self.json_like(s).flatten()
                } else if s.len() > 3 && s.contains([':', '=']) {
                    // a GraphQL query with inline literals, a script, a STOMP frame
                    self.free_text(s)
                } else {
                    None
                };
                if let Some(n) = new
                    && n != *s
                {
                    edits.push((span.clone(), json::encode_string(&n)));
                }
            }
            Node::Num(span) => {
                let secret = key.is_some_and(|k| rules.json_key(k, "", ctx))
                    || key.is_none() && ctx.secret_parent;
                if secret {
                    let m = self.with_rule("json-key", |w| w.mark_number());
                    edits.push((span.clone(), json::encode_string(&m)));
                }
            }
            Node::Deep(span) => {
                let m = self.with_rule("nesting-too-deep", |w| w.mark_number());
                edits.push((span.clone(), json::encode_string(&m)));
            }
            Node::Other => {}
        }
    }

    /// `name: value` and `name = value` pairs with a secret name in free text: inline
    /// JavaScript (`"accessToken": "…"`, `apiKey: '…'`), GraphQL literals (`login(password:
    /// "…")`), STOMP and other frames (`passcode:…`), YAML, logs, truncated JSON.
    fn free_text(&mut self, text: &str) -> Option<String> {
        let rules = self.policy.rules;
        if text.len() < 4 || !rules.text_kv_prefilter.is_match(text) {
            return None;
        }
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        let b = text.as_bytes();
        let name_byte = |c: u8| c.is_ascii_alphanumeric() || b"_.$-[]".contains(&c);
        let mut at = 0;
        loop {
            // Candidates are found by their secret word (`…token…:`, `…pass…=`), then read
            // from the start of their name; with names added by a rules file, every pair.
            let start = if rules.has_user_names() {
                at
            } else {
                let Some(m) = rules.text_kv_prefilter.find_at(text, at) else {
                    break;
                };
                let mut st = m.start();
                while st > 0 && name_byte(b[st - 1]) {
                    st -= 1;
                }
                if st > 0 && matches!(b[st - 1], b'"' | b'\'') {
                    st -= 1;
                }
                at = m.end();
                st
            };
            let Some(c) = rules.text_kv.captures_at(text, start) else {
                break;
            };
            let (Some(name), Some(v)) = (c.get(1), c.get(2).or(c.get(3)).or(c.get(4))) else {
                break;
            };
            // a pair that is not secret does not hide the next one (`https://h/p?sig=…`):
            // the search goes on right after its name
            at = at.max(name.end()).max(start + 1);
            if !rules.text_name(name.as_str()) {
                continue;
            }
            at = at.max(v.end());
            let mut range = v.range();
            let bare = c.get(4).is_some();
            if bare && header_class(name.as_str()) == HeaderClass::Credentials {
                // `Authorization: Bearer abc`: the credential is the word after the scheme
                let after = &text[range.end..];
                let sp = after.len() - after.trim_start_matches([' ', '\t']).len();
                let cred = after[sp..]
                    .find(|ch: char| ch.is_whitespace() || matches!(ch, '"' | '\'' | ',' | ';'))
                    .unwrap_or(after.len() - sp);
                if sp > 0 && cred > 0 {
                    range = range.end + sp..range.end + sp + cred;
                }
            }
            let val = &text[range.clone()];
            if val.len() > 4096
                || is_marker(val)
                || val.trim().is_empty()
                || matches!(
                    val,
                    "true" | "false" | "null" | "undefined" | "none" | "None"
                )
            {
                continue;
            }
            let rep = self.with_rule("text-pair", |w| w.mark(val));
            edits.push((range, rep));
        }
        if edits.is_empty() {
            return None;
        }
        edits.sort_by_key(|e| e.0.start);
        Some(apply(text, &edits))
    }

    fn sse(&mut self, text: &str) -> Option<String> {
        let mut changed = false;
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if let Some(rest) = line.strip_prefix("data:") {
                let lead = rest.len() - rest.trim_start().len();
                if let Some(j) = self.json_body(rest.trim_start()) {
                    out.push_str("data:");
                    out.push_str(&rest[..lead]);
                    out.push_str(&j);
                    changed = true;
                    continue;
                }
            }
            out.push_str(line);
        }
        changed.then_some(out)
    }

    fn multipart(&mut self, text: &str, mime_l: &str, mime: &str) -> Option<String> {
        let at = mime_l.find("boundary=")?;
        let b = mime[at + 9..]
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if b.is_empty() {
            return None;
        }
        let delim = format!("--{b}");
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        for (i, part) in text.split(delim.as_str()).enumerate() {
            if i > 0 {
                out.push_str(&delim);
            }
            let (head_end, sep_len) = match (part.find("\r\n\r\n"), part.find("\n\n")) {
                (Some(a), _) => (a, 4),
                (None, Some(b)) => (b, 2),
                _ => {
                    out.push_str(part);
                    continue;
                }
            };
            let head = &part[..head_end];
            let name = head
                .to_ascii_lowercase()
                .find("name=\"")
                .and_then(|p| head[p + 6..].split('"').next().map(str::to_owned));
            let body_start = head_end + sep_len;
            let body = &part[body_start..];
            let trimmed = body.trim_end_matches(['\r', '\n']);
            let tail = &body[trimmed.len()..];
            if name
                .as_deref()
                .is_some_and(|n| self.policy.rules.param(n, trimmed))
                && !trimmed.is_empty()
            {
                out.push_str(&part[..body_start]);
                let r = self.with_rule("multipart-field", |w| w.mark(trimmed));
                out.push_str(&r);
                out.push_str(tail);
                changed = true;
            } else if let Some(j) = self.json_body(trimmed) {
                out.push_str(&part[..body_start]);
                out.push_str(&j);
                out.push_str(tail);
                changed = true;
            } else {
                out.push_str(part);
            }
        }
        changed.then_some(out)
    }

    /// HTML and XML: `<input>` values (passwords, hidden inputs with secret names: CSRF,
    /// SAML, an OIDC `form_post` `code`, `id_token`, `state`), CSRF `<meta>` tags, and XML
    /// elements with a secret name (`<wsse:Password>`, `<password>`).
    fn markup(&mut self, text: &str) -> Option<String> {
        let rules = self.policy.rules;
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        for m in rules.html_input.find_iter(text) {
            let tag = m.as_str();
            let Some((r, v)) = attr(tag, "value") else {
                continue;
            };
            let password =
                attr(tag, "type").is_some_and(|(_, t)| t.eq_ignore_ascii_case("password"));
            let named = attr(tag, "name").is_some_and(|(_, n)| {
                rules.hidden_input(n) || rules.param(n, v) || rules.text_name(n)
            });
            if (password || named) && !v.is_empty() && !is_marker(v) {
                let rule = if password {
                    "html-password-input"
                } else {
                    "html-hidden-input"
                };
                let rep = self.with_rule(rule, |w| w.mark(v));
                edits.push((m.start() + r.start..m.start() + r.end, rep));
            }
        }
        for m in rules.html_meta.find_iter(text) {
            if let Some((r, v)) = attr(m.as_str(), "content") {
                let rep = self.with_rule("html-csrf-meta", |w| w.mark(v));
                edits.push((m.start() + r.start..m.start() + r.end, rep));
            }
        }
        if text.contains("</") {
            for c in rules.xml_element.captures_iter(text) {
                let (Some(name), Some(v)) = (c.get(1), c.get(2)) else {
                    continue;
                };
                let val = v.as_str().trim();
                if val.is_empty() || is_marker(val) || !rules.text_name(name.as_str()) {
                    continue;
                }
                let lead = v.as_str().len() - v.as_str().trim_start().len();
                let start = v.start() + lead;
                let rep = self.with_rule("xml-element", |w| w.mark(val));
                edits.push((start..start + val.len(), rep));
            }
        }
        if edits.is_empty() {
            return None;
        }
        edits.sort_by_key(|e| e.0.start);
        Some(apply(text, &edits))
    }

    /// Redacts one entry.
    pub fn entry(&mut self, n: &Node<'_>) {
        let Node::Obj(m) = n else {
            return self.generic(n, "entry", None);
        };
        for (k, v) in m {
            match k.as_ref() {
                "request" => self.request(v),
                "response" => self.response(v),
                "_webSocketMessages" => self.websocket(v),
                "_initiator" => self.generic(v, "_initiator", None),
                other => {
                    let loc = if other == "comment" {
                        "comment"
                    } else {
                        "entry"
                    };
                    self.generic(v, loc, Some(k));
                }
            }
        }
    }

    fn request(&mut self, n: &Node<'_>) {
        let Node::Obj(m) = n else {
            return self.generic(n, "request", None);
        };
        for (k, v) in m {
            match (k.as_ref(), v) {
                ("url", Node::Str(span, s)) => {
                    self.set_loc("request.url");
                    let new = self.url_text(s);
                    self.finish(span, s, new);
                }
                ("headers", _) => self.headers(v, "request.headers"),
                ("cookies", _) => self.name_value_list(v, "request.cookies", "cookie"),
                ("queryString", _) => self.name_value_list(v, "request.queryString", "query-param"),
                ("postData", Node::Obj(pm)) => {
                    let mime = v.get("mimeType").and_then(Node::as_str).unwrap_or("");
                    for (pk, pv) in pm {
                        match (pk.as_ref(), pv) {
                            ("text", Node::Str(span, s)) => {
                                self.body(span, s, mime, false, "request.postData.text");
                            }
                            ("params", _) => {
                                self.name_value_list(pv, "request.postData.params", "form-param");
                            }
                            _ => self.generic(pv, "request.postData", Some(pk)),
                        }
                    }
                }
                _ => self.generic(v, "request", Some(k)),
            }
        }
    }

    fn response(&mut self, n: &Node<'_>) {
        let Node::Obj(m) = n else {
            return self.generic(n, "response", None);
        };
        for (k, v) in m {
            match (k.as_ref(), v) {
                ("redirectURL", Node::Str(span, s)) => {
                    self.set_loc("response.redirectURL");
                    let new = self.url_text(s);
                    self.finish(span, s, new);
                }
                ("headers", _) => self.headers(v, "response.headers"),
                ("cookies", _) => self.name_value_list(v, "response.cookies", "cookie"),
                ("content", Node::Obj(cm)) => {
                    let mime = v.get("mimeType").and_then(Node::as_str).unwrap_or("");
                    let b64 = v
                        .get("encoding")
                        .and_then(Node::as_str)
                        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
                    for (ck, cv) in cm {
                        match (ck.as_ref(), cv) {
                            ("text", Node::Str(span, s)) => {
                                self.body(span, s, mime, b64, "response.content.text");
                            }
                            _ => self.generic(cv, "response.content", Some(ck)),
                        }
                    }
                }
                _ => self.generic(v, "response", Some(k)),
            }
        }
    }

    fn websocket(&mut self, n: &Node<'_>) {
        let Node::Arr(items) = n else {
            return self.generic(n, "_webSocketMessages", None);
        };
        for msg in items {
            let Node::Obj(mm) = msg else {
                self.generic(msg, "_webSocketMessages", None);
                continue;
            };
            for (k, v) in mm {
                match (k.as_ref(), v) {
                    ("data", Node::Str(span, s)) => {
                        // binary frames (opcode 2) are written as base64
                        let b64 = looks_base64(s);
                        self.body(span, s, "", b64, "_webSocketMessages.data");
                    }
                    _ => self.generic(v, "_webSocketMessages", Some(k)),
                }
            }
        }
    }

    /// Redacts the `log.pages` array (titles hold URLs).
    pub fn pages(&mut self, n: &Node<'_>) {
        self.generic(n, "pages", None);
    }
}

/// A base64 body decoded as text: UTF-8, or Latin-1 for text in another 8-bit
/// encoding (kept byte for byte when encoded again).
struct DecodedBody {
    text: String,
    latin1: bool,
}

impl DecodedBody {
    /// Base64 of the redacted text, in the body's own bytes.
    fn encode(&self, t: &str) -> Option<String> {
        let bytes = if self.latin1 {
            t.chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()?
        } else {
            t.as_bytes().to_vec()
        };
        Some(crate::transform::base64::encode(&bytes))
    }
}

/// Whether a body labelled base64 starts like base64 (its first 256 bytes in the
/// alphabet): one that does not is a producer's mistake and is read as plain text.
fn base64_head(text: &str) -> bool {
    text.as_bytes().iter().take(256).all(|&c| {
        c.is_ascii_alphanumeric()
            || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_' | b'\r' | b'\n' | b' ')
    })
}

/// Whether decoded bytes are text: no control bytes but tab, CR and LF (a cut UTF-8
/// sequence at the end is fine).
fn looks_text(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter()
            .all(|&c| c >= 0x20 || matches!(c, b'\t' | b'\r' | b'\n'))
}

/// Whether a string is base64 that may hide text (a binary WebSocket frame, a body
/// without `encoding`): the alphabet only, a whole number of quads.
fn looks_base64(s: &str) -> bool {
    s.len() >= 16
        && s.len().is_multiple_of(4)
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
        && s.bytes()
            .any(|c| c.is_ascii_digit() || c == b'+' || c == b'/' || c.is_ascii_uppercase())
}

/// Decodes a base64 body when it holds text, whatever its MIME type says: an image or
/// font is judged by its first bytes before the whole is decoded.
fn decode_text_body(text: &str, mime: &str) -> Option<DecodedBody> {
    if binary_mime(mime) {
        let head: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(128)
            .collect();
        let head = &head[..head.len() / 4 * 4];
        let bytes = crate::transform::base64::decode(head)?;
        if !looks_text(&bytes) {
            return None;
        }
    }
    let bytes = crate::transform::base64::decode(text)?;
    match String::from_utf8(bytes) {
        Ok(s) => Some(DecodedBody {
            text: s,
            latin1: false,
        }),
        Err(e) => {
            let b = e.into_bytes();
            // mostly text in a legacy encoding, not binary
            let controls = b
                .iter()
                .filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\r' | b'\n'))
                .count();
            (controls * 100 <= b.len()).then(|| DecodedBody {
                text: b.iter().map(|&c| char::from(c)).collect(),
                latin1: true,
            })
        }
    }
}

/// Whether a number under this name is a secret: the name's last word is a one-time
/// code, a PIN, a password, a token or a key (`otp`, `mfaPin`, `apiKey`).
fn numeric_secret_name(k: &str) -> bool {
    let w = Words::of(k);
    w.as_slice().last().is_some_and(|l| {
        matches!(
            l.as_str(),
            "otp"
                | "totp"
                | "pin"
                | "passcode"
                | "password"
                | "passwd"
                | "pwd"
                | "secret"
                | "token"
                | "apikey"
                | "key"
                | "code"
        )
    }) && !matches!(w.snake().as_str(), "key" | "code")
}

/// Members producers document whose names only sound secret (Fiddler's session number).
fn producer_member(k: &str) -> bool {
    matches!(k, "_sid" | "_securityState" | "_securityDetails")
}

fn binary_mime(mime: &str) -> bool {
    let m = mime.to_ascii_lowercase();
    [
        "image/",
        "font/",
        "video/",
        "audio/",
        "application/octet-stream",
        "application/wasm",
        "application/pdf",
        "application/zip",
    ]
    .iter()
    .any(|p| m.starts_with(p))
}

/// A Socket.IO / engine.io frame: digits then JSON; the JSON part.
fn socket_io(t: &str) -> Option<&str> {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &t[digits..];
    (digits > 0 && (rest.starts_with('[') || rest.starts_with('{'))).then_some(rest)
}

fn looks_form(t: &str) -> bool {
    !t.is_empty()
        && !t.contains([' ', '\n', '<', '{'])
        && t.split('&').all(|p| {
            p.split_once('=').is_some_and(|(n, _)| {
                !n.is_empty()
                    && percent_decode_lossy(n).bytes().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'[' | b']')
                    })
            })
        })
}

/// `(value span within tag, value)` of an HTML attribute.
fn attr<'t>(tag: &'t str, name: &str) -> Option<(Range<usize>, &'t str)> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = lower[from..].find(name) {
        let at = from + p;
        from = at + name.len();
        let before_ok = at == 0 || lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let mut i = tag.len() - rest.len() + 1;
        while tag.as_bytes().get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let q = *tag.as_bytes().get(i)?;
        if q == b'"' || q == b'\'' {
            let end = tag[i + 1..].find(q as char)? + i + 1;
            return Some((i + 1..end, &tag[i + 1..end]));
        }
        let end = tag[i..]
            .find(|c: char| c.is_ascii_whitespace() || c == '>')
            .map_or(tag.len(), |e| i + e);
        return Some((i..end, &tag[i..end]));
    }
    None
}

/// Sanitizes one body outside a HAR walk (`export --bodies`): the body rules and token
/// patterns, no propagation. `None` when nothing changed.
pub fn sanitize_body(policy: &Policy<'_>, text: &str, mime: &str, base64: bool) -> Option<String> {
    sanitize_body_found(policy, text, mime, base64, &mut Vec::new())
}

/// [`sanitize_body`], adding the secret values it redacted to `found`.
pub fn sanitize_body_found(
    policy: &Policy<'_>,
    text: &str,
    mime: &str,
    base64: bool,
    found: &mut Vec<String>,
) -> Option<String> {
    let (out, mut f) = sanitize_body_walk(policy, text, mime, base64);
    found.append(&mut f);
    out
}

fn sanitize_body_walk(
    policy: &Policy<'_>,
    text: &str,
    mime: &str,
    base64: bool,
) -> (Option<String>, Vec<String>) {
    static EMPTY: std::sync::OnceLock<Known> = std::sync::OnceLock::new();
    let known = EMPTY.get_or_init(Known::default);
    let mut w = Walk::new(policy, known, 0);
    w.set_loc("body");
    if base64 && base64_head(text) {
        let Some(d) = decode_text_body(text, mime) else {
            return (None, Vec::new());
        };
        let out = w.body_text(&d.text, mime, true).and_then(|t| d.encode(&t));
        return (out, std::mem::take(&mut w.found));
    }
    let new = w.body_text(text, mime, false);
    let cur = new.as_deref().unwrap_or(text);
    let out = w.tokens(cur).or(new);
    (out, std::mem::take(&mut w.found))
}

/// Largest body `export` reads only to learn its secrets.
const LEARN_MAX_BYTES: usize = 4 << 20;

/// Whether a body that `export` does not export may reveal a secret worth remembering
/// (a token response, a session in a JSON config): a JSON body, 4 MiB at most, in which a
/// quoted member name holds a secret word. One pass of a literal-led regex; the body
/// rules run only on the few that match.
pub fn may_reveal_secrets(text: &str, mime: &str, base64: bool) -> bool {
    use std::sync::OnceLock;
    static PREFILTER: OnceLock<Option<regex::bytes::Regex>> = OnceLock::new();
    let Some(re) = PREFILTER
        .get_or_init(|| {
            regex::bytes::Regex::new(
                r#"(?i)"[^"]{0,40}(?:token|secret|passw|passcode|session|api.?key|auth|credential|cookie)[^"]{0,40}"\s*:"#,
            )
            .ok()
        })
        .as_ref()
    else {
        return true;
    };
    if text.len() > LEARN_MAX_BYTES * 4 / 3 + 4 {
        return false;
    }
    let json_mime = mime.to_ascii_lowercase().contains("json");
    if base64 {
        return json_mime
            && crate::transform::base64::decode(text)
                .is_some_and(|d| d.len() <= LEARN_MAX_BYTES && re.is_match(&d));
    }
    let t = text.trim_start();
    (json_mime || t.starts_with(['{', '['])) && re.is_match(text.as_bytes())
}

/// [`may_reveal_secrets`] on a body's bytes as the HAR has them (JSON-escaped, so a
/// member name's quotes may be `\"`): whether to read it at all.
pub fn may_reveal_raw(raw: &[u8], mime: &str) -> bool {
    use std::sync::OnceLock;
    static PREFILTER: OnceLock<Option<regex::bytes::Regex>> = OnceLock::new();
    let Some(re) = PREFILTER
        .get_or_init(|| {
            regex::bytes::Regex::new(
                r#"(?i)"[^"]{0,40}(?:token|secret|passw|passcode|session|api.?key|auth|credential|cookie)[^"]{0,40}\\?"\s*:"#,
            )
            .ok()
        })
        .as_ref()
    else {
        return true;
    };
    let t = raw.trim_ascii_start();
    raw.len() <= LEARN_MAX_BYTES
        && (mime.to_ascii_lowercase().contains("json")
            || t.starts_with(b"{")
            || t.starts_with(b"["))
        && re.is_match(raw)
}

/// A URL as `export` writes it, with the sanitizer's URL rules (`data:` URLs: their
/// payload as a body); `None` when nothing changed.
pub fn redact_url(policy: &Policy<'_>, url: &str, found: &mut Vec<String>) -> Option<String> {
    static EMPTY: std::sync::OnceLock<Known> = std::sync::OnceLock::new();
    let known = EMPTY.get_or_init(Known::default);
    let mut w = Walk::new(policy, known, 0);
    w.set_loc("url");
    let out = w.url_text(url);
    found.append(&mut w.found);
    out
}

/// A header value that is base64 of text (a debugging header carrying a request dump,
/// JSON): redacted as a body, encoded again; `None` when it is not one or nothing changed.
pub fn base64_dump(policy: &Policy<'_>, value: &str, found: &mut Vec<String>) -> Option<String> {
    if !looks_base64(value) {
        return None;
    }
    sanitize_body_found(policy, value, "", true, found)
}

/// Built-in token patterns (a rules file adds to them).
const TOKEN_PATTERN_COUNT: usize = crate::sanitize::rules::TOKEN_PATTERN_COUNT;

/// Token patterns (JWT, JWE, vendor keys, the rules file's patterns) in one string outside
/// a HAR walk: a header value or a URL as `export` writes it; with `free_text`, also
/// secret `name=value` pairs (error texts). `None` when nothing changed.
pub fn redact_text(
    policy: &Policy<'_>,
    text: &str,
    free_text: bool,
    found: &mut Vec<String>,
) -> Option<String> {
    if !free_text {
        return tokens_only(policy, text, found);
    }
    let rules = policy.rules;
    if !rules.text_pairs.is_match(text) && !rules.token_set.is_match(text) {
        return None;
    }
    static EMPTY: std::sync::OnceLock<Known> = std::sync::OnceLock::new();
    let known = EMPTY.get_or_init(Known::default);
    let mut w = Walk::new(policy, known, 0);
    w.set_loc("text");
    let out = w.tokens(text);
    found.append(&mut w.found);
    out
}

/// No built-in token pattern matches fewer bytes (a JWT's shortest form).
const SHORTEST_TOKEN: usize = 14;

fn tokens_only(policy: &Policy<'_>, s: &str, found: &mut Vec<String>) -> Option<String> {
    let rules = policy.rules;
    // Most strings are short or hold no token: a length test, then one unanchored
    // is_match, before the per-pattern search.
    if (s.len() < SHORTEST_TOKEN && rules.tokens.len() == TOKEN_PATTERN_COUNT)
        || !rules.token_set.is_match(s)
    {
        return None;
    }
    let hits = rules.token_set.matches(s);
    if !hits.matched_any() {
        return None;
    }
    let mut cur = s.to_owned();
    for (i, (_, re)) in rules.tokens.iter().enumerate() {
        if hits.matched(i) {
            for m in re.find_iter(&cur) {
                if !is_marker(m.as_str()) && m.len() >= rules.min_propagation {
                    found.push(m.as_str().to_owned());
                }
            }
            cur = re
                .replace_all(&cur, crate::transform::redact::REDACTED)
                .into_owned();
        }
    }
    Some(cur)
}

/// Applies sorted, non-overlapping edits to `text`.
pub fn apply(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (r, t) in edits {
        if r.start < last {
            continue;
        }
        out.push_str(&text[last..r.start]);
        out.push_str(t);
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}
