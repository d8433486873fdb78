//! `harx validate`: lint a HAR against HAR 1.2 — the har-schema rules (required members,
//! types, date-times) and the spec's prose (send, wait and receive are never -1; TLS time
//! lies inside `connect`; `time` is the sum of the phases; a `pageref` names a page;
//! entries are in start order). Every finding has its JSON path, byte offset, line:col,
//! severity and a hint; all of them are reported, not just the first. Entries stream
//! through the same splitter as `export`, window by window, so GB files are fine.

use crate::parse::unescape::unescape_lossy;
use crate::pipeline::advance_line;
use crate::split::{EntrySpan, SplitStop};
use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document breaks the schema: readers may reject it.
    Error,
    /// The document breaks a rule of the spec's prose or is inconsistent.
    Warning,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// JSON path, e.g. `log.entries[3].response.status`.
    pub path: String,
    /// Byte offset in the file.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (bytes).
    pub column: usize,
    /// Severity.
    pub severity: Severity,
    /// Stable code, e.g. `missing`, `type`, `date-time`, `time-sum`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it, or why it matters.
    pub hint: &'static str,
}

/// The findings of one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Entries looked at.
    pub entries: usize,
    /// Findings, in file order.
    pub findings: Vec<Finding>,
    /// Findings left out beyond the per-code cap.
    pub omitted: usize,
}

impl Report {
    /// The `harx.validate/1` object of one file named `path`: validity, counts and every
    /// finding kept.
    pub fn to_json(&self, path: &str) -> serde_json::Value {
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        serde_json::json!({
            "path": path,
            "valid": count(Severity::Error) == 0,
            "entries": self.entries,
            "errors": count(Severity::Error),
            "warnings": count(Severity::Warning),
            "omitted": self.omitted,
            "findings": self.findings,
        })
    }
}

/// Findings of one code kept per file (the rest are counted in [`Report::omitted`]).
const CAP_PER_CODE: usize = 1000;

/// A JSON value with the offset where it starts; strings keep their span (quotes
/// excluded) and are decoded only when a rule needs the text.
#[derive(Debug)]
enum J {
    Obj(usize, Vec<(String, J)>),
    Arr(usize, Vec<J>),
    Str(usize, usize, usize),
    Num(usize, f64, bool),
    Bool(usize),
    Null(usize),
}

impl J {
    fn at(&self) -> usize {
        match self {
            J::Obj(p, _)
            | J::Arr(p, _)
            | J::Str(p, _, _)
            | J::Num(p, _, _)
            | J::Bool(p)
            | J::Null(p) => *p,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            J::Obj(..) => "an object",
            J::Arr(..) => "an array",
            J::Str(..) => "a string",
            J::Num(_, _, true) => "an integer",
            J::Num(..) => "a number",
            J::Bool(_) => "a boolean",
            J::Null(_) => "null",
        }
    }

    fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Obj(_, m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            J::Num(_, v, _) => Some(*v),
            _ => None,
        }
    }
}

struct P<'a> {
    b: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn string_end(&mut self) -> Option<usize> {
        // at the opening quote
        self.i += 1;
        loop {
            let k = crate::split::scan::quote_or_backslash(self.b.get(self.i..)?)? + self.i;
            if self.b[k] == b'\\' {
                self.i = k + 2;
            } else {
                self.i = k + 1;
                return Some(k);
            }
        }
    }

    fn value(&mut self, depth: usize) -> Option<J> {
        if depth > 256 {
            return None;
        }
        self.ws();
        let at = self.i;
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Some(J::Obj(at, m));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return None;
                    }
                    let ks = self.i + 1;
                    let ke = self.string_end()?;
                    let key = unescape_lossy(&self.b[ks..ke]).into_owned();
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    m.push((key, v));
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(J::Obj(at, m));
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Some(J::Arr(at, a));
                }
                loop {
                    a.push(self.value(depth + 1)?);
                    self.ws();
                    match self.b.get(self.i)? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(J::Arr(at, a));
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => {
                let s = self.i + 1;
                let e = self.string_end()?;
                Some(J::Str(at, s, e))
            }
            b't' if self.b[self.i..].starts_with(b"true") => {
                self.i += 4;
                Some(J::Bool(at))
            }
            b'f' if self.b[self.i..].starts_with(b"false") => {
                self.i += 5;
                Some(J::Bool(at))
            }
            b'n' if self.b[self.i..].starts_with(b"null") => {
                self.i += 4;
                Some(J::Null(at))
            }
            c if c == b'-' || c.is_ascii_digit() => {
                while let Some(c) = self.b.get(self.i) {
                    if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let t = std::str::from_utf8(&self.b[at..self.i]).ok()?;
                let v: f64 = t.parse().ok()?;
                let int = !t.contains(['.', 'e', 'E']);
                Some(J::Num(at, v, int))
            }
            _ => None,
        }
    }
}

/// Parses the value at `b[start..end]`; `None` when it is not JSON.
fn parse(buf: &[u8], start: usize, end: usize) -> Option<J> {
    let mut p = P {
        b: &buf[..end],
        i: start,
    };
    let v = p.value(0)?;
    p.ws();
    (p.i == end).then_some(v)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum T {
    Str,
    Int,
    Num,
    Bool,
    Obj,
    Arr,
    DateTime,
    StrOrNull,
    ObjOrNull,
}

fn date_time() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(\d{4})(-)?(\d\d)(-)?(\d\d)(T)?(\d\d)(:)?(\d\d)(:)?(\d\d)(\.\d+)?(Z|([+-])(\d\d)(:)?(\d\d))$")
            .expect("the date-time pattern is valid")
    })
}

struct Ctx<'a> {
    buf: &'a [u8],
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn text(&self, v: &J) -> Option<Cow<'_, str>> {
        match v {
            J::Str(_, s, e) => Some(unescape_lossy(&self.buf[*s..*e])),
            _ => None,
        }
    }

    fn push(
        &mut self,
        path: &str,
        offset: usize,
        severity: Severity,
        code: &'static str,
        message: String,
        hint: &'static str,
    ) {
        self.out.push(Finding {
            path: path.to_owned(),
            offset,
            line: 0,
            column: 0,
            severity,
            code,
            message,
            hint,
        });
    }

    /// Checks the members of `obj` at `path` against `fields` (`name`, type, required).
    fn fields(&mut self, path: &str, obj: &J, fields: &[(&str, T, bool)]) -> bool {
        let J::Obj(at, _) = obj else {
            self.push(
                path,
                obj.at(),
                Severity::Error,
                "type",
                format!("expected an object, found {}", obj.kind()),
                "HAR 1.2 defines this member as an object",
            );
            return false;
        };
        for &(name, ty, required) in fields {
            let p = format!("{path}.{name}");
            match obj.get(name) {
                None if required => self.push(
                    &p,
                    *at,
                    Severity::Error,
                    "missing",
                    format!("required member `{name}` is missing"),
                    "HAR 1.2 requires it; strict readers (Chrome DevTools, har-validator) reject the file",
                ),
                None => {}
                Some(v) => self.typed(&p, v, ty),
            }
        }
        true
    }

    fn typed(&mut self, path: &str, v: &J, ty: T) {
        if let (T::Str, J::Arr(at, items)) = (ty, v)
            && path.ends_with(".value")
            && items.iter().all(|i| matches!(i, J::Str(..)))
        {
            // Polly's repeated header fields: readable, but not HAR 1.2
            self.push(
                path,
                *at,
                Severity::Warning,
                "value-array",
                format!("a value written as an array of {} strings", items.len()),
                "HAR 1.2 gives a repeated field one name/value object per value; harx reads each element as one, strict readers reject the file",
            );
            return;
        }
        let ok = match (ty, v) {
            (T::Str | T::DateTime | T::StrOrNull, J::Str(..))
            | (T::Int, J::Num(_, _, true))
            | (T::Num, J::Num(..))
            | (T::Bool, J::Bool(_))
            | (T::Obj | T::ObjOrNull, J::Obj(..))
            | (T::Arr, J::Arr(..))
            | (T::StrOrNull | T::ObjOrNull, J::Null(_)) => true,
            // An integral value written with a fraction (`200.0`) is still an integer.
            (T::Int, J::Num(_, x, false)) => x.fract() == 0.0,
            _ => false,
        };
        if !ok {
            let want = match ty {
                T::Str => "a string",
                T::Int => "an integer",
                T::Num => "a number",
                T::Bool => "a boolean",
                T::Obj => "an object",
                T::Arr => "an array",
                T::DateTime => "an ISO 8601 date-time string",
                T::StrOrNull => "a string or null",
                T::ObjOrNull => "an object or null",
            };
            let shown = self
                .text(v)
                .map(|t| format!(" ({:?})", t.chars().take(40).collect::<String>()))
                .unwrap_or_default();
            self.push(
                path,
                v.at(),
                Severity::Error,
                "type",
                format!("expected {want}, found {}{shown}", v.kind()),
                "write the value with the type HAR 1.2 gives it (numbers unquoted)",
            );
            return;
        }
        if ty == T::DateTime
            && let Some(t) = self.text(v)
            && !date_time().is_match(&t)
        {
            let t = t.into_owned();
            self.push(
                path,
                v.at(),
                Severity::Error,
                "date-time",
                format!("{t:?} is not an ISO 8601 date-time with a zone"),
                "write e.g. 2026-11-26T09:30:00.123Z or 2026-11-26T10:30:00.123+01:00",
            );
        }
    }

    fn list(&mut self, path: &str, v: Option<&J>, fields: &[(&str, T, bool)]) {
        if let Some(J::Arr(_, items)) = v {
            for (i, item) in items.iter().enumerate() {
                self.fields(&format!("{path}[{i}]"), item, fields);
            }
        }
    }
}

const NV: &[(&str, T, bool)] = &[
    ("name", T::Str, true),
    ("value", T::Str, true),
    ("comment", T::Str, false),
];
const COOKIE: &[(&str, T, bool)] = &[
    ("name", T::Str, true),
    ("value", T::Str, true),
    ("path", T::Str, false),
    ("domain", T::Str, false),
    ("expires", T::StrOrNull, false),
    ("httpOnly", T::Bool, false),
    ("secure", T::Bool, false),
    ("comment", T::Str, false),
];

/// What one entry contributes to file-wide checks.
struct EntryFacts {
    started: Option<i64>,
    pageref: Option<(String, usize)>,
}

fn check_entry(buf: &[u8], span: &EntrySpan, out: &mut Vec<Finding>) -> EntryFacts {
    let path = format!("log.entries[{}]", span.index);
    let mut cx = Ctx {
        buf,
        out: Vec::new(),
    };
    let mut facts = EntryFacts {
        started: None,
        pageref: None,
    };
    let Some(e) = parse(buf, span.start, span.end) else {
        cx.push(
            &path,
            span.start,
            Severity::Error,
            "json",
            "the entry is not valid JSON".to_owned(),
            "the file was cut or edited by hand; harx export skips this entry and reads the rest",
        );
        out.append(&mut cx.out);
        return facts;
    };
    if cx.fields(
        &path,
        &e,
        &[
            ("pageref", T::Str, false),
            ("startedDateTime", T::DateTime, true),
            ("time", T::Num, true),
            ("request", T::Obj, true),
            ("response", T::Obj, true),
            ("cache", T::Obj, true),
            ("timings", T::Obj, true),
            ("serverIPAddress", T::Str, false),
            ("connection", T::Str, false),
            ("comment", T::Str, false),
        ],
    ) {
        facts.started = e
            .get("startedDateTime")
            .and_then(|v| cx.text(v))
            .and_then(|t| crate::har::time::parse_timestamp_us(&t));
        facts.pageref = e
            .get("pageref")
            .and_then(|v| cx.text(v).map(|t| (t.into_owned(), v.at())));
        if let Some(req) = e.get("request").filter(|r| matches!(r, J::Obj(..))) {
            let p = format!("{path}.request");
            cx.fields(
                &p,
                req,
                &[
                    ("method", T::Str, true),
                    ("url", T::Str, true),
                    ("httpVersion", T::Str, true),
                    ("cookies", T::Arr, true),
                    ("headers", T::Arr, true),
                    ("queryString", T::Arr, true),
                    ("postData", T::Obj, false),
                    ("headersSize", T::Int, true),
                    ("bodySize", T::Int, true),
                    ("comment", T::Str, false),
                ],
            );
            cx.list(&format!("{p}.headers"), req.get("headers"), NV);
            cx.list(&format!("{p}.queryString"), req.get("queryString"), NV);
            cx.list(&format!("{p}.cookies"), req.get("cookies"), COOKIE);
            if let Some(pd) = req.get("postData").filter(|v| matches!(v, J::Obj(..))) {
                let pp = format!("{p}.postData");
                cx.fields(
                    &pp,
                    pd,
                    &[
                        ("mimeType", T::Str, true),
                        ("params", T::Arr, false),
                        ("text", T::Str, false),
                        ("comment", T::Str, false),
                    ],
                );
                cx.list(
                    &format!("{pp}.params"),
                    pd.get("params"),
                    &[
                        ("name", T::Str, true),
                        ("value", T::Str, false),
                        ("fileName", T::Str, false),
                        ("contentType", T::Str, false),
                        ("comment", T::Str, false),
                    ],
                );
            }
        }
        if let Some(resp) = e.get("response").filter(|r| matches!(r, J::Obj(..))) {
            let p = format!("{path}.response");
            cx.fields(
                &p,
                resp,
                &[
                    ("status", T::Int, true),
                    ("statusText", T::Str, true),
                    ("httpVersion", T::Str, true),
                    ("cookies", T::Arr, true),
                    ("headers", T::Arr, true),
                    ("content", T::Obj, true),
                    ("redirectURL", T::Str, true),
                    ("headersSize", T::Int, true),
                    ("bodySize", T::Int, true),
                    ("comment", T::Str, false),
                ],
            );
            cx.list(&format!("{p}.headers"), resp.get("headers"), NV);
            cx.list(&format!("{p}.cookies"), resp.get("cookies"), COOKIE);
            if let Some(c) = resp.get("content").filter(|v| matches!(v, J::Obj(..))) {
                cx.fields(
                    &format!("{p}.content"),
                    c,
                    &[
                        ("size", T::Int, true),
                        ("compression", T::Int, false),
                        ("mimeType", T::Str, true),
                        ("text", T::Str, false),
                        ("encoding", T::Str, false),
                        ("comment", T::Str, false),
                    ],
                );
            }
        }
        if let Some(c) = e.get("cache").filter(|v| matches!(v, J::Obj(..))) {
            cx.fields(
                &format!("{path}.cache"),
                c,
                &[
                    ("beforeRequest", T::ObjOrNull, false),
                    ("afterRequest", T::ObjOrNull, false),
                    ("comment", T::Str, false),
                ],
            );
        }
        if let Some(t) = e.get("timings").filter(|v| matches!(v, J::Obj(..))) {
            timings(&mut cx, &path, &e, t);
        }
    }
    out.append(&mut cx.out);
    facts
}

fn timings(cx: &mut Ctx<'_>, path: &str, entry: &J, t: &J) {
    let p = format!("{path}.timings");
    let phases = [
        "blocked", "dns", "connect", "ssl", "send", "wait", "receive",
    ];
    let mut fields: Vec<(&str, T, bool)> = phases
        .iter()
        .map(|n| (*n, T::Num, matches!(*n, "send" | "wait" | "receive")))
        .collect();
    fields.push(("comment", T::Str, false));
    cx.fields(&p, t, &fields);
    let val = |n: &str| t.get(n).and_then(J::num);
    for n in phases {
        let Some(v) = t.get(n) else { continue };
        let Some(x) = v.num() else { continue };
        let required = matches!(n, "send" | "wait" | "receive");
        if x < -1.0 || (required && x < 0.0) {
            cx.push(
                &format!("{p}.{n}"),
                v.at(),
                Severity::Warning,
                "negative",
                format!("{n} is {x}"),
                if required {
                    "HAR 1.2: send, wait and receive are non-negative (-1 is only for optional phases)"
                } else {
                    "HAR 1.2: -1 means \"does not apply\"; other negative values are invalid"
                },
            );
        }
    }
    if let (Some(ssl), Some(connect)) = (val("ssl"), val("connect"))
        && ssl > 0.0
        && connect >= 0.0
        && ssl > connect + 0.5
    {
        cx.push(
            &format!("{p}.ssl"),
            t.get("ssl").map_or(t.at(), J::at),
            Severity::Warning,
            "ssl-outside-connect",
            format!("ssl ({ssl}) is larger than connect ({connect})"),
            "HAR 1.2 counts TLS inside connect; this producer counts it apart (Firefox, Playwright and mitmproxy do): harx's tcp_ms and total_ms handle both",
        );
    }
    if let Some(time_v) = entry.get("time")
        && let Some(time) = time_v.num()
    {
        let pos = |n: &str| val(n).filter(|x| *x >= 0.0).unwrap_or(0.0);
        let nested: f64 = ["blocked", "dns", "connect", "send", "wait", "receive"]
            .iter()
            .map(|n| pos(n))
            .sum();
        let apart = nested + pos("ssl");
        let tol = 1.0 + time.abs() * 0.001;
        if (time - nested).abs() > tol && (time - apart).abs() > tol && time >= 0.0 {
            cx.push(
                &format!("{path}.time"),
                time_v.at(),
                Severity::Warning,
                "time-sum",
                format!("time is {time} ms but the phases add up to {nested:.3} ms"),
                "HAR 1.2: time is the sum of the timings that apply (-1 left out, ssl inside connect)",
            );
        }
    }
}

fn check_object(
    cx: &mut Ctx<'_>,
    buf: &[u8],
    range: Option<std::ops::Range<usize>>,
    path: &str,
    fields: &[(&str, T, bool)],
) -> Option<J> {
    let r = range?;
    let v = parse(buf, r.start, r.end)?;
    cx.fields(path, &v, fields);
    Some(v)
}

/// Validates one HAR document. Consumed windows of a mapped input are released from
/// memory as the entries stream by.
pub fn validate(source: &crate::source::Source, pool: &rayon::ThreadPool) -> Report {
    let buf = source.bytes();
    let mut report = Report::default();
    let mut cx = Ctx {
        buf,
        out: Vec::new(),
    };
    let doc = match crate::split::windows::doc_start(buf, 0) {
        Ok(d) => d,
        Err(e) => {
            cx.push(
                "$",
                e.offset,
                Severity::Error,
                "not-har",
                e.message,
                "a HAR is one JSON object {\"log\": {\"version\", \"creator\", \"entries\": [...]}}",
            );
            report.findings = finish(buf, cx.out, &mut crate::pipeline::LineCursor::default());
            return report;
        }
    };
    if doc.jsonp > 0 {
        cx.push(
            "$",
            doc.skip - doc.jsonp,
            Severity::Warning,
            "jsonp",
            "the document is wrapped in a JSONP call (a .harp file)".to_owned(),
            "HAR Viewer reads .harp; most tools want the bare JSON object",
        );
    }
    let page_ids = check_header(&mut cx, &doc);
    let Some(entries_body) = doc.layout.entries_body else {
        cx.push(
            "log.entries",
            buf.len(),
            Severity::Error,
            "truncated",
            "the input ends before `log.entries`".to_owned(),
            "the file was cut short",
        );
        report.findings = finish(
            buf,
            std::mem::take(&mut cx.out),
            &mut crate::pipeline::LineCursor::default(),
        );
        return report;
    };
    // Findings before the entries get their line:col first; then each window's.
    let mut walk = EntryWalk {
        cursor: crate::pipeline::LineCursor::default(),
        per_code: std::collections::HashMap::new(),
        last_started: None,
        page_ids,
    };
    let mut done = finish(buf, std::mem::take(&mut cx.out), &mut walk.cursor);
    for x in &done {
        *walk.per_code.entry(x.code).or_default() += 1;
    }
    let mut windows = crate::split::windows::Windows::new(source, entries_body, 0, 16 << 20);
    walk.entries(&mut cx, &mut windows, pool, &mut done, &mut report);
    if let Err(e) = source.intact() {
        // Pages vanished while they were read: what they held was read as zeros, so the
        // findings past the file's new end are not the file's.
        let end = source.readable_len();
        cx.out.retain(|f| f.offset < end || f.code == "shrank");
        done.retain(|f| f.offset < end);
        if !cx.out.iter().any(|f| f.code == "shrank") {
            let at = windows.position().min(end);
            cx.push(
                "log",
                at,
                Severity::Error,
                "shrank",
                e.to_string(),
                SHRANK_HINT,
            );
        }
    }
    let tail = finish(buf, std::mem::take(&mut cx.out), &mut walk.cursor);
    done.extend(tail);
    report.entries = windows.next_index();
    report.findings = cap(done, &mut report.omitted);
    report
}

const SHRANK_HINT: &str =
    "another process truncated or rewrote the file while it was read; validate a copy";

/// `log.version`, `log.creator`, `log.browser` and `log.pages`; returns the page ids.
fn check_header(cx: &mut Ctx<'_>, doc: &crate::split::windows::DocStart) -> HashSet<String> {
    let buf = cx.buf;
    let layout = &doc.layout;
    let log_at = doc.skip;
    match layout.version.clone() {
        None => cx.push(
            "log.version",
            log_at,
            Severity::Error,
            "missing",
            "required member `version` is missing".to_owned(),
            "write \"version\": \"1.2\"",
        ),
        Some(r) => {
            if let Some(v) = parse(buf, r.start, r.end) {
                cx.typed("log.version", &v, T::Str);
                if let Some(t) = cx.text(&v)
                    && !matches!(t.as_ref(), "1.1" | "1.2")
                {
                    let t = t.into_owned();
                    cx.push(
                        "log.version",
                        v.at(),
                        Severity::Warning,
                        "version",
                        format!("version {t:?} is not 1.1 or 1.2"),
                        "harx reads it, but strict readers may not",
                    );
                }
            }
        }
    }
    let creator_fields: &[(&str, T, bool)] = &[
        ("name", T::Str, true),
        ("version", T::Str, true),
        ("comment", T::Str, false),
    ];
    if layout.creator.is_none() {
        cx.push(
            "log.creator",
            log_at,
            Severity::Error,
            "missing",
            "required member `creator` is missing".to_owned(),
            "write \"creator\": {\"name\": …, \"version\": …}",
        );
    }
    check_object(
        cx,
        buf,
        layout.creator.clone(),
        "log.creator",
        creator_fields,
    );
    check_object(
        cx,
        buf,
        layout.browser.clone(),
        "log.browser",
        creator_fields,
    );
    let mut page_ids: HashSet<String> = HashSet::new();
    if let Some(r) = layout.pages.clone()
        && let Some(pages) = parse(buf, r.start, r.end)
    {
        check_pages(cx, &pages, &mut page_ids);
    }
    page_ids
}

fn check_pages(cx: &mut Ctx<'_>, pages: &J, page_ids: &mut HashSet<String>) {
    match pages {
        J::Arr(_, items) => {
            for (i, p) in items.iter().enumerate() {
                let path = format!("log.pages[{i}]");
                if cx.fields(
                    &path,
                    p,
                    &[
                        ("startedDateTime", T::DateTime, true),
                        ("id", T::Str, true),
                        ("title", T::Str, true),
                        ("pageTimings", T::Obj, true),
                        ("comment", T::Str, false),
                    ],
                ) {
                    if let Some(id) = p.get("id").and_then(|v| cx.text(v)) {
                        page_ids.insert(id.into_owned());
                    }
                    if let Some(pt) = p.get("pageTimings").filter(|v| matches!(v, J::Obj(..))) {
                        cx.fields(
                            &format!("{path}.pageTimings"),
                            pt,
                            &[
                                ("onContentLoad", T::Num, false),
                                ("onLoad", T::Num, false),
                                ("comment", T::Str, false),
                            ],
                        );
                    }
                }
            }
        }
        J::Null(_) => {}
        other => cx.typed("log.pages", other, T::Arr),
    }
}

/// What the entries walk carries from window to window.
struct EntryWalk {
    cursor: crate::pipeline::LineCursor,
    per_code: std::collections::HashMap<&'static str, usize>,
    last_started: Option<(i64, usize)>,
    page_ids: HashSet<String>,
}

impl EntryWalk {
    fn entries(
        &mut self,
        cx: &mut Ctx<'_>,
        windows: &mut crate::split::windows::Windows<'_>,
        pool: &rayon::ThreadPool,
        done: &mut Vec<Finding>,
        report: &mut Report,
    ) {
        let buf = cx.buf;
        loop {
            let (first, at) = (windows.next_index(), windows.position());
            let w = match windows.advance() {
                Ok(Some(w)) => w,
                Ok(None) => break,
                Err(e) => {
                    cx.push(
                        &format!("log.entries[{first}]"),
                        at,
                        Severity::Error,
                        "shrank",
                        e.to_string(),
                        SHRANK_HINT,
                    );
                    break;
                }
            };
            let spans = windows.spans();
            let results: Vec<(Vec<Finding>, EntryFacts)> = pool.install(|| {
                spans
                    .par_iter()
                    .map(|s| {
                        let mut f = Vec::new();
                        let facts = check_entry(buf, s, &mut f);
                        (f, facts)
                    })
                    .collect()
            });
            for (span, (mut f, facts)) in spans.iter().zip(results) {
                cx.out.append(&mut f);
                self.facts(cx, span, facts);
            }
            // Lines and columns now, while the window is mapped; then let it go. Findings
            // past the cap per code are counted, not kept: memory does not grow with the
            // entries.
            let mut window_findings = std::mem::take(&mut cx.out);
            window_findings.sort_by_key(|x| x.offset);
            window_findings.retain(|x| {
                let n = self.per_code.entry(x.code).or_default();
                *n += 1;
                let keep = *n <= CAP_PER_CODE;
                report.omitted += usize::from(!keep);
                keep
            });
            for x in &mut window_findings {
                let (line, column) = advance_line(buf, &mut self.cursor, x.offset);
                x.line = line;
                x.column = column;
            }
            done.append(&mut window_findings);
            // Count this window's lines while it is mapped, so no later finding reads it
            // again.
            advance_line(buf, &mut self.cursor, w.end);
            windows.source().release(w.start, w.end);
            if let SplitStop::Truncated = w.stop {
                let next = windows.next_index();
                // The entry that never closes may be damaged, not cut: the entries after it
                // are checked too.
                let from = windows.spans().last().map_or(w.start, |s| s.end);
                if let Some(at) = crate::split::resync(buf, from) {
                    let start = from + buf[from..at].iter().position(|&b| b == b'{').unwrap_or(0);
                    cx.push(
                        &format!("log.entries[{next}]"),
                        start,
                        Severity::Error,
                        "damaged",
                        "the entry never closes (a stray quote or bracket?); the entries after it were checked".to_owned(),
                        "a hand edit broke the JSON here; harx export skips this entry and reads the rest",
                    );
                    windows.resume(at, 1);
                    continue;
                }
                cx.push(
                    &format!("log.entries[{next}]"),
                    buf.len(),
                    Severity::Error,
                    "truncated",
                    format!("the input ends inside log.entries, after {next} complete entries"),
                    "the file was cut short (an interrupted download?); harx export reads the complete entries",
                );
            }
        }
    }

    /// The checks across entries: start order, and `pageref` naming a page.
    fn facts(&mut self, cx: &mut Ctx<'_>, span: &EntrySpan, facts: EntryFacts) {
        if let Some(t) = facts.started {
            if let Some((prev, prev_i)) = self.last_started
                && t < prev
            {
                cx.push(
                    &format!("log.entries[{}].startedDateTime", span.index),
                    span.start,
                    Severity::Warning,
                    "order",
                    format!("starts before entry {prev_i}, which comes first in the file"),
                    "HAR 1.2 sorts entries by startedDateTime; harx sorts each Parquet row group itself",
                );
            }
            if self.last_started.is_none_or(|(prev, _)| t >= prev) {
                self.last_started = Some((t, span.index));
            }
        }
        if let Some((pr, at)) = facts.pageref
            && !self.page_ids.contains(&pr)
        {
            cx.push(
                &format!("log.entries[{}].pageref", span.index),
                at,
                Severity::Warning,
                "pageref",
                format!("pageref {pr:?} names no page in log.pages"),
                "entries without a matching page are shown without a page title",
            );
        }
    }
}

/// Sorts findings by offset and fills in line and column.
fn finish(
    buf: &[u8],
    mut f: Vec<Finding>,
    cursor: &mut crate::pipeline::LineCursor,
) -> Vec<Finding> {
    f.sort_by_key(|x| x.offset);
    for x in &mut f {
        let (line, column) = advance_line(buf, cursor, x.offset);
        x.line = line;
        x.column = column;
    }
    f
}

/// Keeps findings in file order, at most [`CAP_PER_CODE`] per code.
fn cap(mut f: Vec<Finding>, omitted: &mut usize) -> Vec<Finding> {
    f.sort_by_key(|x| x.offset);
    let mut per: std::collections::HashMap<&'static str, usize> = std::collections::HashMap::new();
    f.retain(|x| {
        let n = per.entry(x.code).or_default();
        *n += 1;
        let keep = *n <= CAP_PER_CODE;
        if !keep {
            *omitted += 1;
        }
        keep
    });
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid entry, with `edit` applied to its JSON text.
    fn entry(edit: &dyn Fn(String) -> String) -> String {
        edit(
            r#"{"startedDateTime": "2024-01-01T00:00:00.000Z", "time": 10,
            "request": {"method": "GET", "url": "https://a.example/", "httpVersion": "HTTP/1.1",
              "cookies": [], "headers": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
              "cookies": [], "headers": [], "content": {"size": 0, "mimeType": "text/html"},
              "redirectURL": "", "headersSize": -1, "bodySize": 0},
            "cache": {}, "timings": {"send": 1, "wait": 8, "receive": 1}}"#
                .to_owned(),
        )
    }

    fn har(entries: &[String]) -> String {
        format!(
            r#"{{"log": {{"version": "1.2", "creator": {{"name": "t", "version": "1"}}, "entries": [{}]}}}}"#,
            entries.join(",")
        )
    }

    fn codes(text: &str) -> Vec<&'static str> {
        let source = crate::source::Source::from_bytes(
            text.as_bytes().to_vec(),
            text.len() as u64,
            &crate::source::Limits::default(),
        )
        .expect("source");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        let r = validate(&source, &pool);
        for f in &r.findings {
            assert!(f.line >= 1 && f.column >= 1, "{f:?}");
        }
        r.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_valid_har_has_no_findings() {
        assert_eq!(
            codes(&har(&[entry(&|s| s), entry(&|s| s)])),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn each_finding_code_is_raised_by_its_own_fault() {
        let one = |edit: &dyn Fn(String) -> String| har(&[entry(edit)]);
        let cases: Vec<(&str, String)> = vec![
            ("not-har", "[1, 2]".to_owned()),
            ("jsonp", format!("cb({});", har(&[entry(&|s| s)]))),
            (
                "missing",
                har(&[entry(&|s| s)]).replace(r#""creator": {"name": "t", "version": "1"}, "#, ""),
            ),
            (
                "version",
                har(&[entry(&|s| s)]).replace(r#""version": "1.2""#, r#""version": "9.9""#),
            ),
            (
                "type",
                one(&|s| s.replace(r#""status": 200"#, r#""status": "200""#)),
            ),
            (
                "date-time",
                one(&|s| s.replace("2024-01-01T00:00:00.000Z", "yesterday")),
            ),
            (
                "negative",
                one(&|s| s.replace(r#""wait": 8"#, r#""wait": -5"#)),
            ),
            (
                "ssl-outside-connect",
                one(&|s| {
                    s.replace(r#""send": 1,"#, r#""connect": 2, "ssl": 6, "send": 1,"#)
                        .replace(r#""time": 10"#, r#""time": 18"#)
                }),
            ),
            (
                "time-sum",
                one(&|s| s.replace(r#""time": 10"#, r#""time": 999"#)),
            ),
            (
                "order",
                har(&[
                    entry(&|s| s),
                    entry(&|s| s.replace("2024-01-01T00:00:00.000Z", "2023-01-01T00:00:00.000Z")),
                ]),
            ),
            (
                "pageref",
                one(&|s| s.replacen('{', r#"{"pageref": "page_9", "#, 1)),
            ),
            ("truncated", {
                let t = har(&[entry(&|s| s), entry(&|s| s)]);
                t[..t.len() - 40].to_owned()
            }),
            (
                "damaged",
                har(&[
                    entry(&|s| s),
                    entry(&|s| s.replacen(r#"": "#, r#"": ""#, 1)),
                    entry(&|s| s),
                ]),
            ),
            (
                "json",
                one(&|s| s.replace(r#""cache": {}"#, r#""cache": {,}"#)),
            ),
            (
                "value-array",
                one(&|s| {
                    s.replacen(
                        r#""headers": []"#,
                        r#""headers": [{"name": "accept", "value": ["*/*", "text/html"]}]"#,
                        1,
                    )
                }),
            ),
        ];
        for (code, text) in cases {
            let got = codes(&text);
            assert!(got.contains(&code), "{code}: got {got:?}");
            // the fault raises its own code, not a cascade of others
            assert!(got.len() <= 3, "{code}: got {got:?}");
        }
    }
}
