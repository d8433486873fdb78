//! Redaction of one entry (or one `pages` array): walks the positioned JSON tree, decides
//! per string what is secret, and returns byte edits. Nothing else in the entry changes.

use super::json::{self, Node};
use super::rules::{Replacement, Rules};
use crate::transform::redact::{
    HeaderClass, params_with, percent_decode_lossy, redact_header_with, url_with_rule,
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

/// Whether `v` is already a marker (so sanitizing sanitized output changes nothing).
pub fn is_marker(v: &str) -> bool {
    v == REDACTED || (v.starts_with("[REDACTED:") && v.ends_with(']') && v.len() == 19)
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
            self.edits.push(Edit {
                span: span.clone(),
                text: json::encode_string(&text),
                rules: std::mem::take(&mut self.fired),
                location: self.loc.clone(),
            });
        }
        self.fired.clear();
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
        let rules = self.policy.rules;
        let secret = |n: &str| rules.param(n);
        self.with_rule("url-param", |w| {
            let mut mark = |v: &str| w.mark(v);
            match url_with_rule(u, &secret, &mut mark) {
                Cow::Owned(o) => Some(o),
                Cow::Borrowed(_) => None,
            }
        })
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
                    || s.starts_with("wss://");
                let new = if looks_url { self.url_text(s) } else { None };
                self.finish(span, s, new);
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
                match (k.as_ref(), v) {
                    ("value", Node::Str(span, s)) => {
                        self.set_loc(loc);
                        let class = self.policy.rules.header(name);
                        let rule = match class {
                            HeaderClass::Credentials => "authorization",
                            HeaderClass::Cookie => "cookie-header",
                            HeaderClass::SetCookie => "set-cookie",
                            HeaderClass::Url => "url-param",
                            HeaderClass::Secret => "secret-header",
                            HeaderClass::Plain => "",
                        };
                        let new = if class == HeaderClass::Url {
                            self.url_text(s)
                        } else if class == HeaderClass::Plain {
                            None
                        } else if matches!(class, HeaderClass::Cookie | HeaderClass::SetCookie)
                            && !self.policy.rules.allow_mode
                        {
                            self.cookie_header(s, class)
                        } else {
                            self.with_rule(rule, |w| {
                                let mut mark = |v: &str| w.mark(v);
                                match redact_header_with(class, Cow::Borrowed(s), &mut mark) {
                                    Cow::Owned(o) => Some(o),
                                    Cow::Borrowed(_) => None,
                                }
                            })
                        };
                        self.finish(span, s, new);
                    }
                    _ => self.generic(v, loc, Some(k)),
                }
            }
        }
    }

    /// Cookie / Set-Cookie values with the keep-list honoured.
    fn cookie_header(&mut self, s: &str, class: HeaderClass) -> Option<String> {
        let rule = if class == HeaderClass::Cookie {
            "cookie-header"
        } else {
            "set-cookie"
        };
        let rules = self.policy.rules;
        let sep = if class == HeaderClass::Cookie {
            ';'
        } else {
            '\n'
        };
        let mut out = String::with_capacity(s.len());
        for (i, part) in s.split(sep).enumerate() {
            if i > 0 {
                out.push(sep);
            }
            let (first, rest) = if class == HeaderClass::SetCookie {
                part.split_once(';')
                    .map_or((part, None), |(a, b)| (a, Some(b)))
            } else {
                (part, None)
            };
            match first.split_once('=') {
                Some((n, v)) if !rules.keep_cookie(n.trim()) => {
                    out.push_str(n);
                    out.push('=');
                    let r = self.with_rule(rule, |w| w.mark(v));
                    out.push_str(&r);
                }
                _ => out.push_str(first),
            }
            if let Some(r) = rest {
                out.push(';');
                out.push_str(r);
            }
        }
        (out != s).then_some(out)
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
                match (k.as_ref(), v) {
                    ("value", Node::Str(span, s)) => {
                        self.set_loc(loc);
                        let secret = match kind {
                            "cookie" => !self.policy.rules.keep_cookie(name),
                            _ => self.policy.rules.param(name),
                        };
                        let new = if secret {
                            Some(self.with_rule(kind, |w| w.mark(s)))
                        } else if kind != "cookie" {
                            // a param value may itself be a URL (redirect_uri, RelayState)
                            self.url_text(s)
                        } else {
                            None
                        };
                        self.finish(span, s, new);
                    }
                    _ => self.generic(v, loc, Some(k)),
                }
            }
        }
    }

    /// A body string: sniffed and redacted by its real format.
    fn body(&mut self, span: &Range<usize>, text: &str, mime: &str, base64: bool, loc: &str) {
        self.set_loc(loc);
        let new = if base64 {
            crate::transform::base64::decode(text).and_then(|bytes| {
                let s = String::from_utf8(bytes).ok()?;
                let t = self.body_text(&s, mime, true)?;
                Some(crate::transform::base64::encode(t.as_bytes()))
            })
        } else {
            // tokens and propagation are applied once, by `finish`
            self.body_text(text, mime, false)
        };
        if base64 {
            // tokens and propagation run on the decoded text above, not on base64
            if let Some(n) = new {
                self.edits.push(Edit {
                    span: span.clone(),
                    text: json::encode_string(&n),
                    rules: std::mem::take(&mut self.fired),
                    location: self.loc.clone(),
                });
            }
            self.fired.clear();
        } else {
            self.finish(span, text, new);
        }
    }

    /// Redacts a decoded body; `None` when nothing changed. With `finalize` (base64
    /// bodies) tokens and propagation apply here too.
    fn body_text(&mut self, text: &str, mime: &str, finalize: bool) -> Option<String> {
        let mime_l = mime.to_ascii_lowercase();
        let t = text.trim_start();
        let mut out: Option<String> = None;
        if mime_l.contains("multipart/form-data") {
            out = self.multipart(text, &mime_l, mime);
        } else if t.starts_with('{') || t.starts_with('[') {
            out = self.json_body(text);
        } else if mime_l.contains("event-stream")
            || t.starts_with("data:")
            || t.starts_with("event:")
        {
            out = self.sse(text);
        } else if let Some(rest) = socket_io(t) {
            let prefix = &text[..text.len() - rest.len()];
            out = self.json_body(rest).map(|j| format!("{prefix}{j}"));
        } else if mime_l.contains("x-www-form-urlencoded") || looks_form(t) {
            let rules = self.policy.rules;
            let secret = |n: &str| rules.param(n);
            out = self.with_rule("form-param", |w| {
                let mut mark = |v: &str| w.mark(v);
                params_with(text, &secret, &mut mark)
            });
        } else if mime_l.contains("html") || mime_l.contains("xml") || t.starts_with('<') {
            out = self.html(text);
        }
        if !finalize {
            return out;
        }
        let cur = out.as_deref().unwrap_or(text);
        let tok = self.tokens(cur);
        let cur2 = tok.as_deref().unwrap_or(cur);
        let prop = self.propagate(cur2);
        prop.or(tok).or(out)
    }

    fn json_body(&mut self, text: &str) -> Option<String> {
        let node = json::parse(text.as_bytes(), 0).ok()?;
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        self.json_walk(&node, None, None, &mut edits);
        if edits.is_empty() {
            return None;
        }
        Some(apply(text, &edits))
    }

    fn json_walk(
        &mut self,
        n: &Node<'_>,
        key: Option<&str>,
        parent: Option<&str>,
        edits: &mut Vec<(Range<usize>, String)>,
    ) {
        match n {
            Node::Obj(m) => {
                for (k, v) in m {
                    self.json_walk(v, Some(k), key, edits);
                }
            }
            Node::Arr(a) => {
                for v in a {
                    self.json_walk(v, key, parent, edits);
                }
            }
            Node::Str(span, s) => {
                let secret = key.is_some_and(|k| self.policy.rules.json_key(k, parent, s));
                let new = if secret {
                    Some(self.with_rule("json-key", |w| w.mark(s)))
                } else if s.starts_with("http://") || s.starts_with("https://") {
                    self.url_text(s)
                } else if key.is_some_and(|k| k.eq_ignore_ascii_case("variables"))
                    || s.trim_start().starts_with('{')
                {
                    // JSON inside a JSON string (GraphQL variables sent as text, nested payloads)
                    self.json_body(s)
                } else {
                    None
                };
                if let Some(n) = new
                    && n != *s
                {
                    edits.push((span.clone(), json::encode_string(&n)));
                }
            }
            Node::Other => {}
        }
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
            if name.as_deref().is_some_and(|n| self.policy.rules.param(n)) && !trimmed.is_empty() {
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

    fn html(&mut self, text: &str) -> Option<String> {
        let rules = self.policy.rules;
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        for m in rules.html_input.find_iter(text) {
            let tag = m.as_str();
            let Some(name) = attr(tag, "name") else {
                continue;
            };
            if !rules.hidden_input(name.1) {
                continue;
            }
            if let Some((r, v)) = attr(tag, "value") {
                let rep = self.with_rule("html-hidden-input", |w| w.mark(v));
                edits.push((m.start() + r.start..m.start() + r.end, rep));
            }
        }
        for m in rules.html_meta.find_iter(text) {
            if let Some((r, v)) = attr(m.as_str(), "content") {
                let rep = self.with_rule("html-csrf-meta", |w| w.mark(v));
                edits.push((m.start() + r.start..m.start() + r.end, rep));
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
                                if b64 && binary_mime(mime) {
                                    continue;
                                }
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
                        self.body(span, s, "", false, "_webSocketMessages.data");
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
    if base64 {
        if binary_mime(mime) {
            return (None, Vec::new());
        }
        let Some(s) =
            crate::transform::base64::decode(text).and_then(|b| String::from_utf8(b).ok())
        else {
            return (None, Vec::new());
        };
        let out = w
            .body_text(&s, mime, true)
            .map(|t| crate::transform::base64::encode(t.as_bytes()));
        return (out, std::mem::take(&mut w.found));
    }
    let new = w.body_text(text, mime, false);
    let cur = new.as_deref().unwrap_or(text);
    let out = w.tokens(cur).or(new);
    (out, std::mem::take(&mut w.found))
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
