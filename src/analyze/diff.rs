//! `harx diff`: a working capture against a failing one. Requests are aligned by method
//! and normalized URL (ids, UUIDs, hashes and numbers in paths and values become
//! placeholders; cache-busting parameters are dropped), the k-th occurrence in A with the
//! k-th in B. The JSON shape (`harx.diff/1`) is documented in docs/troubleshooting.md.

use super::record::{PHASES, Record};
use super::{ms, quantile, utc};
use crate::transform::redact::is_secret_param;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Version tag of the JSON shape.
pub const DIFF_SCHEMA: &str = "harx.diff/1";
/// JSON bodies larger than this are not compared.
const MAX_BODY: usize = 1 << 20;
/// Bodies kept per side at most, in bytes.
const BODY_BUDGET: usize = 256 << 20;
/// Differences listed per pair of bodies.
const CHANGES_CAP: usize = 20;
/// Pairs of bodies listed.
const BODY_PAIRS_CAP: usize = 50;
/// Longest value shown.
const VALUE_CAP: usize = 120;

/// Query parameters that only bust caches or stamp time.
const VOLATILE_PARAMS: [&str; 12] = [
    "_",
    "_t",
    "t",
    "ts",
    "timestamp",
    "cb",
    "cachebuster",
    "cache_buster",
    "nocache",
    "rnd",
    "rand",
    "random",
];

/// What `diff` keeps of one entry.
#[derive(Debug, Clone)]
pub struct Side {
    key: String,
    entry_index: i64,
    started_at: Option<i64>,
    status: Option<i32>,
    total_ms: Option<f64>,
    phases: [Option<f64>; 7],
    tracking_id: Option<String>,
    body: Option<Value>,
    /// The body as the sanitizer leaves it: what is shown (paths agree with `body`).
    shown: Option<Value>,
}

/// Collects one capture's entries.
#[derive(Debug, Default)]
pub struct Capture {
    entries: Vec<Side>,
    body_bytes: usize,
    /// JSON bodies not kept because the budget ran out.
    pub bodies_dropped: usize,
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The placeholder for a volatile path segment or value, if it is one.
fn volatile(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        None
    } else if s.bytes().all(|c| c.is_ascii_digit()) {
        Some("{n}")
    } else if is_uuid(s) {
        Some("{uuid}")
    } else if s.len() >= 16 && s.bytes().all(|c| c.is_ascii_hexdigit()) {
        Some("{hex}")
    } else if s.len() >= 20
        && s.bytes().any(|c| c.is_ascii_digit())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'=' | b'.'))
    {
        Some("{id}")
    } else {
        None
    }
}

/// `METHOD scheme://host[:port]/normalized/path?sorted=normalized&params`.
pub fn normalize(method: &str, url: &str) -> String {
    let no_frag = url.split('#').next().unwrap_or("");
    let (base, query) = no_frag.split_once('?').unwrap_or((no_frag, ""));
    let (origin, path) = match base.find("://") {
        Some(i) => {
            let rest = &base[i + 3..];
            let slash = rest.find('/').map_or(base.len(), |j| i + 3 + j);
            (&base[..slash], &base[slash..])
        }
        None => ("", base),
    };
    let mut out = String::with_capacity(url.len() + 8);
    out.push_str(&method.to_ascii_uppercase());
    out.push(' ');
    out.push_str(&origin.to_ascii_lowercase());
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(volatile(seg).unwrap_or(seg));
    }
    let mut params: Vec<(&str, &str)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .filter(|(k, _)| !VOLATILE_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
        .collect();
    params.sort_unstable();
    for (i, (k, v)) in params.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        out.push('=');
        out.push_str(volatile(v).unwrap_or(v));
    }
    out
}

/// The response body with the sanitizer's body rules applied, as JSON: where `diff` takes
/// the values it shows from.
fn json_body_sanitized(r: &Record) -> Option<Value> {
    let text = r.response_body.as_deref()?;
    let base64 = r
        .response_body_encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    let mime = r.mime_type.as_deref().unwrap_or("");
    let rules = crate::parse::builtin_rules();
    let policy = crate::sanitize::engine::Policy {
        rules,
        key: [0; 32],
    };
    let clean = crate::sanitize::engine::sanitize_body(&policy, text, mime, base64)
        .unwrap_or_else(|| text.to_owned());
    let clean_record = Record {
        response_body: Some(clean),
        ..r.clone()
    };
    json_body(&clean_record)
}

fn json_body(r: &Record) -> Option<Value> {
    let text = r.response_body.as_deref()?;
    let mime = r.mime_type.as_deref().unwrap_or("").to_ascii_lowercase();
    let looks_json = mime.contains("json")
        || text.trim_start().starts_with('{')
        || text.trim_start().starts_with('[');
    if !looks_json || text.len() > MAX_BODY * 2 {
        return None;
    }
    if r.response_body_encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"))
    {
        let bytes = crate::transform::base64::decode(text)?;
        serde_json::from_slice(&bytes).ok()
    } else {
        serde_json::from_str(text).ok()
    }
}

impl Capture {
    /// Adds one record (with its response body if it was read).
    pub fn add(&mut self, r: &Record) {
        let mut body = None;
        let mut shown = None;
        if let Some(len) = r.response_body.as_ref().map(String::len)
            && len <= MAX_BODY
        {
            if self.body_bytes + len <= BODY_BUDGET {
                body = json_body(r);
                shown = body.as_ref().and_then(|_| json_body_sanitized(r));
                if body.is_some() {
                    self.body_bytes += len;
                }
            } else {
                self.bodies_dropped += 1;
            }
        }
        self.entries.push(Side {
            key: normalize(&r.method, &r.url),
            entry_index: r.entry_index,
            started_at: r.started_at,
            status: r.status,
            total_ms: r.total_ms,
            phases: r.phases,
            tracking_id: r.tracking_id.clone(),
            body,
            shown,
        });
    }

    /// Entries collected.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Requests present on one side only.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OneSided {
    /// Normalized request.
    pub request: String,
    /// Occurrences without a partner.
    pub count: usize,
    /// Statuses of those occurrences (null: no response), in order.
    pub statuses: Vec<Option<i32>>,
    /// Their entry indexes (at most 20).
    pub entries: Vec<i64>,
}

/// A status that differs between matched requests.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusChange {
    /// Normalized request.
    pub request: String,
    /// Status in A (null: no response).
    pub a: Option<i32>,
    /// Status in B.
    pub b: Option<i32>,
    /// Matched pairs with this change.
    pub count: usize,
    /// First pair's entry index in A.
    pub a_entry: i64,
    /// First pair's entry index in B.
    pub b_entry: i64,
    /// First pair's tracking ID in B (for the backend logs).
    pub b_tracking_id: Option<String>,
    /// First pair's start in B (UTC).
    pub b_started_at: String,
}

/// A request that got slower.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Regression {
    /// Normalized request.
    pub request: String,
    /// Matched pairs.
    pub pairs: usize,
    /// Median total in A, ms.
    pub a_ms: f64,
    /// Median total in B, ms.
    pub b_ms: f64,
    /// `b_ms - a_ms`.
    pub delta_ms: f64,
    /// The phase whose median grew most.
    pub phase: Option<String>,
    /// How much it grew, ms.
    pub phase_delta_ms: Option<f64>,
}

/// One difference between two JSON bodies.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct JsonChange {
    /// JSON path (`$.a.b[2]`).
    pub path: String,
    /// `changed`, `only_in_a` or `only_in_b`.
    pub kind: String,
    /// Value in A (redacted when secret, shortened when long).
    pub a: Option<String>,
    /// Value in B.
    pub b: Option<String>,
}

/// Differing JSON responses of a matched pair.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BodyDiff {
    /// Normalized request.
    pub request: String,
    /// Entry index in A.
    pub a_entry: i64,
    /// Entry index in B.
    pub b_entry: i64,
    /// Differences (at most 20).
    pub changes: Vec<JsonChange>,
    /// Differences in all.
    pub changes_total: usize,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Diff {
    /// `harx.diff/1`.
    pub schema: &'static str,
    /// Path of A.
    pub a: String,
    /// Path of B.
    pub b: String,
    /// Entries in A.
    pub a_entries: usize,
    /// Entries in B.
    pub b_entries: usize,
    /// Matched pairs.
    pub matched: usize,
    /// Requests only in A.
    pub only_in_a: Vec<OneSided>,
    /// Requests only in B.
    pub only_in_b: Vec<OneSided>,
    /// Status changes.
    pub status_changes: Vec<StatusChange>,
    /// Timing regressions (B slower).
    pub regressions: Vec<Regression>,
    /// JSON response bodies that differ.
    pub body_diffs: Vec<BodyDiff>,
    /// Whether bodies were compared (they need `--bodies`-style reading).
    pub bodies_compared: bool,
}

/// Thresholds of a timing regression.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// At least this many ms slower…
    pub min_delta_ms: f64,
    /// …and at least this ratio.
    pub min_ratio: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_delta_ms: 100.0,
            min_ratio: 1.5,
        }
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    quantile::sort(&mut v);
    quantile::quantile_sorted(&v, 0.5)
}

fn group(entries: &[Side]) -> (Vec<String>, HashMap<&str, Vec<usize>>) {
    let mut order = Vec::new();
    let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let v = m.entry(e.key.as_str()).or_default();
        if v.is_empty() {
            order.push(e.key.clone());
        }
        v.push(i);
    }
    (order, m)
}

fn one_sided(key: &str, items: &[&Side]) -> OneSided {
    OneSided {
        request: key.to_owned(),
        count: items.len(),
        statuses: items.iter().map(|s| s.status).collect(),
        entries: items.iter().take(20).map(|s| s.entry_index).collect(),
    }
}

/// Compares two captures.
pub fn diff(
    a_name: &str,
    a: &Capture,
    b_name: &str,
    b: &Capture,
    th: Thresholds,
    bodies: bool,
) -> Diff {
    let (a_order, a_map) = group(&a.entries);
    let (b_order, b_map) = group(&b.entries);
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    let mut status: BTreeMap<(usize, Option<i32>, Option<i32>), StatusChange> = BTreeMap::new();
    let mut regressions = Vec::new();
    let mut body_diffs = Vec::new();
    let mut matched = 0;
    for (ki, key) in a_order.iter().enumerate() {
        let ai = &a_map[key.as_str()];
        let bi = b_map.get(key.as_str()).map_or(&[][..], Vec::as_slice);
        let n = ai.len().min(bi.len());
        matched += n;
        if ai.len() > n {
            let rest: Vec<&Side> = ai[n..].iter().map(|&i| &a.entries[i]).collect();
            only_a.push(one_sided(key, &rest));
        }
        let mut a_tot = Vec::new();
        let mut b_tot = Vec::new();
        let mut a_ph: [Vec<f64>; 7] = Default::default();
        let mut b_ph: [Vec<f64>; 7] = Default::default();
        for k in 0..n {
            let (x, y) = (&a.entries[ai[k]], &b.entries[bi[k]]);
            if x.status != y.status {
                status
                    .entry((ki, x.status, y.status))
                    .or_insert_with(|| StatusChange {
                        request: key.clone(),
                        a: x.status,
                        b: y.status,
                        count: 0,
                        a_entry: x.entry_index,
                        b_entry: y.entry_index,
                        b_tracking_id: y.tracking_id.clone(),
                        b_started_at: utc(y.started_at),
                    })
                    .count += 1;
            }
            if let (Some(p), Some(q)) = (x.total_ms, y.total_ms) {
                a_tot.push(p);
                b_tot.push(q);
                for j in 0..7 {
                    a_ph[j].push(x.phases[j].unwrap_or(0.0));
                    b_ph[j].push(y.phases[j].unwrap_or(0.0));
                }
            }
            if let (Some(p), Some(q)) = (&x.body, &y.body)
                && p != q
                && body_diffs.len() < BODY_PAIRS_CAP
            {
                let mut changes = Vec::new();
                let mut total = 0;
                let shown = (x.shown.as_ref(), y.shown.as_ref());
                json_diff("$", None, (p, q), shown, &mut changes, &mut total);
                body_diffs.push(BodyDiff {
                    request: key.clone(),
                    a_entry: x.entry_index,
                    b_entry: y.entry_index,
                    changes,
                    changes_total: total,
                });
            }
        }
        if let (Some(am), Some(bm)) = (median(a_tot.clone()), median(b_tot.clone()))
            && bm - am >= th.min_delta_ms
            && bm >= am * th.min_ratio
        {
            let mut best: Option<(usize, f64)> = None;
            for j in 0..7 {
                let d =
                    median(b_ph[j].clone()).unwrap_or(0.0) - median(a_ph[j].clone()).unwrap_or(0.0);
                if best.is_none_or(|(_, bd)| d > bd) {
                    best = Some((j, d));
                }
            }
            regressions.push(Regression {
                request: key.clone(),
                pairs: a_tot.len(),
                a_ms: ms(am),
                b_ms: ms(bm),
                delta_ms: ms(bm - am),
                phase: best.map(|(j, _)| PHASES[j].to_owned()),
                phase_delta_ms: best.map(|(_, d)| ms(d)),
            });
        }
    }
    for key in &b_order {
        let bi = &b_map[key.as_str()];
        let n = a_map.get(key.as_str()).map_or(0, Vec::len).min(bi.len());
        if bi.len() > n {
            let rest: Vec<&Side> = bi[n..].iter().map(|&i| &b.entries[i]).collect();
            only_b.push(one_sided(key, &rest));
        }
    }
    regressions.sort_by(|x, y| {
        y.delta_ms
            .total_cmp(&x.delta_ms)
            .then(x.request.cmp(&y.request))
    });
    Diff {
        schema: DIFF_SCHEMA,
        a: a_name.to_owned(),
        b: b_name.to_owned(),
        a_entries: a.len(),
        b_entries: b.len(),
        matched,
        only_in_a: only_a,
        only_in_b: only_b,
        status_changes: status.into_values().collect(),
        regressions,
        body_diffs,
        bodies_compared: bodies,
    }
}

/// A value as shown: taken from the sanitized body (`shown`, at the same path; nothing
/// when it is missing), scalars as JSON, containers by type, long values cut. A secret
/// that changed shows as its marker on both sides.
fn show(key: Option<&str>, v: &Value, shown: Option<&Value>) -> String {
    let Some(clean) = shown else {
        return "[REDACTED]".to_owned();
    };
    if key.is_some_and(is_secret_param) && clean == v {
        return "[REDACTED]".to_owned();
    }
    let s = match clean {
        Value::Object(o) => format!("{{…{} keys}}", o.len()),
        Value::Array(a) => format!("[…{} items]", a.len()),
        other => other.to_string(),
    };
    if s.chars().count() > VALUE_CAP {
        let cut: String = s.chars().take(VALUE_CAP).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn push_change(out: &mut Vec<JsonChange>, total: &mut usize, c: JsonChange) {
    *total += 1;
    if out.len() < CHANGES_CAP {
        out.push(c);
    }
}

fn child_path(path: &str, key: &str) -> String {
    if key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') && !key.is_empty() {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_owned()))
    }
}

type Pair<'v> = (Option<&'v Value>, Option<&'v Value>);

fn one_change(path: String, kind: &str, a: Option<String>, b: Option<String>) -> JsonChange {
    JsonChange {
        path,
        kind: kind.to_owned(),
        a,
        b,
    }
}

/// Differences between two JSON bodies (`raw`: as captured, compared), each value shown
/// from its sanitized counterpart (`shown`).
fn json_diff(
    path: &str,
    key: Option<&str>,
    raw: (&Value, &Value),
    shown: Pair<'_>,
    out: &mut Vec<JsonChange>,
    total: &mut usize,
) {
    let (sa, sb) = shown;
    match raw {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = child_path(path, k);
                let ka = sa.and_then(|s| s.get(k));
                match y.get(k) {
                    Some(vb) => {
                        let kb = sb.and_then(|s| s.get(k));
                        json_diff(&p, Some(k), (va, vb), (ka, kb), out, total);
                    }
                    None => {
                        let c = one_change(p, "only_in_a", Some(show(Some(k), va, ka)), None);
                        push_change(out, total, c);
                    }
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    let kb = sb.and_then(|s| s.get(k));
                    let c = one_change(
                        child_path(path, k),
                        "only_in_b",
                        None,
                        Some(show(Some(k), vb, kb)),
                    );
                    push_change(out, total, c);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                let (ia, ib) = (sa.and_then(|s| s.get(i)), sb.and_then(|s| s.get(i)));
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => json_diff(&p, key, (va, vb), (ia, ib), out, total),
                    (Some(va), None) => {
                        push_change(
                            out,
                            total,
                            one_change(p, "only_in_a", Some(show(key, va, ia)), None),
                        );
                    }
                    (None, Some(vb)) => {
                        push_change(
                            out,
                            total,
                            one_change(p, "only_in_b", None, Some(show(key, vb, ib))),
                        );
                    }
                    (None, None) => {}
                }
            }
        }
        (x, y) if x != y => {
            let c = one_change(
                path.to_owned(),
                "changed",
                Some(show(key, x, sa)),
                Some(show(key, y, sb)),
            );
            push_change(out, total, c);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_ids_and_volatile_params() {
        assert_eq!(
            normalize(
                "get",
                "https://API.x.com/users/12345/orders/3f2c1a9e-0b1d-4c2e-9f00-123456789abc?b=x&a=1&_=1699999"
            ),
            "GET https://api.x.com/users/{n}/orders/{uuid}?a={n}&b=x"
        );
        assert_eq!(
            normalize("GET", "https://x/a/deadbeefdeadbeef00?id=98765#frag"),
            "GET https://x/a/{hex}?id={n}"
        );
        assert_eq!(normalize("GET", "https://x/"), "GET https://x/");
    }

    #[test]
    fn json_differences_with_paths_and_redaction() {
        let a: Value =
            serde_json::from_str(r#"{"access":"Full","n":[1,2],"token":"abc","x":{"y":1}}"#)
                .unwrap_or_default();
        let b: Value = serde_json::from_str(
            r#"{"access":"No Access","n":[1],"token":"def","z":true,"x":{"y":1}}"#,
        )
        .unwrap_or_default();
        let clean = |v: &Value| {
            let rules = crate::parse::builtin_rules();
            let policy = crate::sanitize::engine::Policy {
                rules,
                key: [0; 32],
            };
            let t = v.to_string();
            let c = crate::sanitize::engine::sanitize_body(&policy, &t, "application/json", false)
                .unwrap_or(t);
            serde_json::from_str::<Value>(&c).unwrap_or_default()
        };
        let (sa, sb) = (clean(&a), clean(&b));
        let mut out = Vec::new();
        let mut total = 0;
        json_diff(
            "$",
            None,
            (&a, &b),
            (Some(&sa), Some(&sb)),
            &mut out,
            &mut total,
        );
        let got: Vec<(&str, &str, Option<&str>, Option<&str>)> = out
            .iter()
            .map(|c| {
                (
                    c.path.as_str(),
                    c.kind.as_str(),
                    c.a.as_deref(),
                    c.b.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "$.access",
                    "changed",
                    Some("\"Full\""),
                    Some("\"No Access\"")
                ),
                ("$.n[1]", "only_in_a", Some("2"), None),
                (
                    "$.token",
                    "changed",
                    Some("\"[REDACTED]\""),
                    Some("\"[REDACTED]\"")
                ),
                ("$.z", "only_in_b", None, Some("true")),
            ]
        );
        assert_eq!(total, 4);
    }
}
