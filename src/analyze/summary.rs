//! `harx summary`: what failed, what was slow and why, per HAR or per set of HARs.
//! Built incrementally from records so a 2 GB HAR is summarized in one streaming pass;
//! the JSON shape (`harx.summary/1`) is documented in docs/troubleshooting.md.

use super::quantile;
use super::record::Record;
use super::{ms, utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The headers the summary reads (auth and CORS checks).
pub const SUMMARY_HEADERS: &[&str] = &[
    "origin",
    "access-control-request-method",
    "authorization",
    "proxy-authorization",
    "access-control-allow-origin",
    "www-authenticate",
    "proxy-authenticate",
];

/// Version tag of the JSON shape.
pub const SUMMARY_SCHEMA: &str = "harx.summary/1";
/// Tracking IDs and entry references listed per group at most.
const LIST_CAP: usize = 20;
/// Distinct error texts listed per group at most.
const ERRORS_CAP: usize = 5;

/// One input, as the summary describes it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileInfo {
    /// Input path.
    pub path: String,
    /// `creator.name creator.version`.
    pub producer: Option<String>,
    /// Entries read.
    pub entries: usize,
    /// Pages in `log.pages`.
    pub pages: usize,
    /// Entries skipped as malformed.
    pub skipped: usize,
    /// The input was cut short inside `log.entries`.
    pub truncated: bool,
}

impl FileInfo {
    /// The summary's view of one document's report.
    pub fn of(r: &crate::pipeline::FileReport) -> Self {
        Self {
            path: r.path.display().to_string(),
            producer: r.producer.clone(),
            entries: r.entries,
            pages: r.pages,
            skipped: r.skipped.len(),
            truncated: r.truncated,
        }
    }
}

/// The `harx.summary/1` summary of the inputs `args` names (paths and remote inputs, as
/// [`crate::engine::Engine::run_args`] reads them), the `top` slowest requests listed,
/// with the run's report.
///
/// # Errors
/// As [`crate::engine::Engine::run_args`].
pub fn summarize(
    engine: &crate::engine::Engine,
    args: &[std::path::PathBuf],
    top: usize,
    observer: &mut dyn crate::engine::Observer,
) -> crate::error::Result<(Summary, crate::engine::RunReport)> {
    use super::record::{Headers, Want, records};
    let mut s = Summarizer::new(top);
    let want = Want {
        headers: Headers::Only(SUMMARY_HEADERS),
        bodies: false,
    };
    let run = super::scan(engine, args, observer, &mut |batch| {
        for r in records(batch, want) {
            s.add(&r);
        }
        crate::sink::Flow::Continue
    })?;
    let summary = s.finish(run.documents.iter().map(FileInfo::of).collect());
    Ok((summary, run))
}

/// Where an entry is.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct EntryRef {
    /// Input path.
    pub file: String,
    /// Position in `log.entries`.
    pub index: i64,
}

/// Failed requests with the same status, method, host and path.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FailureGroup {
    /// HTTP status; null when there was no response.
    pub status: Option<i32>,
    /// `4xx`, `5xx` or `no_response`.
    pub status_class: String,
    /// Request method.
    pub method: String,
    /// Host.
    pub host: String,
    /// Path.
    pub path: String,
    /// Number of requests.
    pub count: usize,
    /// First start (UTC).
    pub first_at: String,
    /// Last start (UTC).
    pub last_at: String,
    /// Distinct tracking IDs, in order of appearance (at most 20).
    pub tracking_ids: Vec<String>,
    /// Distinct tracking IDs in all.
    pub tracking_ids_total: usize,
    /// Distinct producer error texts (at most 5).
    pub errors: Vec<String>,
    /// The first entries (at most 20).
    pub entries: Vec<EntryRef>,
    #[serde(skip)]
    first_us: Option<i64>,
    #[serde(skip)]
    last_us: Option<i64>,
    #[serde(skip)]
    seen_ids: BTreeSet<String>,
}

/// An authentication or authorization failure group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuthProblem {
    /// `unauthorized` (401), `proxy_authentication_required` (407) or `forbidden` (403).
    pub kind: String,
    /// HTTP status.
    pub status: i32,
    /// Scheme of the `WWW-Authenticate` / `Proxy-Authenticate` challenge (`Bearer`,
    /// `Basic`, `Negotiate`…); null when the response has none.
    pub challenge: Option<String>,
    /// Request method.
    pub method: String,
    /// Host.
    pub host: String,
    /// Path.
    pub path: String,
    /// Whether the request carried an `Authorization` (or `Proxy-Authorization`) header.
    pub had_credentials: bool,
    /// Number of requests.
    pub count: usize,
    /// First start (UTC).
    pub first_at: String,
    /// Distinct tracking IDs (at most 20).
    pub tracking_ids: Vec<String>,
    /// The first entries (at most 20).
    pub entries: Vec<EntryRef>,
    #[serde(skip)]
    first_us: Option<i64>,
}

/// A CORS problem group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CorsProblem {
    /// `preflight_failed`, `missing_allow_origin`, `allow_origin_mismatch` or
    /// `blocked_by_browser`.
    pub kind: String,
    /// Request method.
    pub method: String,
    /// Host.
    pub host: String,
    /// Path.
    pub path: String,
    /// The request's `Origin`.
    pub origin: Option<String>,
    /// The response's `Access-Control-Allow-Origin`.
    pub allow_origin: Option<String>,
    /// HTTP status (null: no response).
    pub status: Option<i32>,
    /// Producer error text.
    pub error: Option<String>,
    /// Number of requests.
    pub count: usize,
    /// First start (UTC).
    pub first_at: String,
    /// The first entries (at most 20).
    pub entries: Vec<EntryRef>,
    #[serde(skip)]
    first_us: Option<i64>,
}

/// Phase durations in milliseconds (null: phase absent).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhaseBreakdown {
    /// Queued or blocked.
    pub blocked: Option<f64>,
    /// DNS.
    pub dns: Option<f64>,
    /// TCP connect (TLS excluded).
    pub connect: Option<f64>,
    /// TLS handshake.
    pub ssl: Option<f64>,
    /// Sending.
    pub send: Option<f64>,
    /// Waiting for the first byte.
    pub wait: Option<f64>,
    /// Receiving.
    pub receive: Option<f64>,
}

impl PhaseBreakdown {
    /// From a record's phases.
    pub fn of(r: &Record) -> Self {
        let p = r.phases.map(|v| v.map(ms));
        Self {
            blocked: p[0],
            dns: p[1],
            connect: p[2],
            ssl: p[3],
            send: p[4],
            wait: p[5],
            receive: p[6],
        }
    }
}

/// One of the slowest requests.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlowRequest {
    /// Where it is.
    pub entry: EntryRef,
    /// Start (UTC).
    pub started_at: String,
    /// Method.
    pub method: String,
    /// URL (redacted).
    pub url: String,
    /// Status.
    pub status: Option<i32>,
    /// Total time in ms (phases summed, TLS once).
    pub total_ms: f64,
    /// The longest phase.
    pub dominant_phase: Option<String>,
    /// Its share of the total, 0–1.
    pub dominant_share: Option<f64>,
    /// Every phase.
    pub phases: PhaseBreakdown,
    /// Tracking ID.
    pub tracking_id: Option<String>,
}

/// TTFB percentiles of one group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Percentiles {
    /// Host or resource type.
    pub key: String,
    /// Requests counted.
    pub count: usize,
    /// Median TTFB, ms.
    pub p50: f64,
    /// 90th percentile, ms.
    pub p90: f64,
    /// 99th percentile, ms.
    pub p99: f64,
}

/// TTFB (`wait`) statistics.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Ttfb {
    /// Requests counted.
    pub included: usize,
    /// Requests left out, by reason: `cache`, `no_response`, `websocket`, `sse`,
    /// `tunnel`, `no_wait` (a response without a `wait` phase).
    pub excluded: BTreeMap<String, usize>,
    /// All included requests.
    pub overall: Option<Percentiles>,
    /// By host, busiest first.
    pub by_host: Vec<Percentiles>,
    /// By resource type (`unknown` when the producer wrote none), busiest first.
    pub by_resource_type: Vec<Percentiles>,
}

/// The whole summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// `harx.summary/1`.
    pub schema: &'static str,
    /// The inputs.
    pub files: Vec<FileInfo>,
    /// Entries in all inputs.
    pub entries: usize,
    /// Pages in all inputs.
    pub pages: usize,
    /// Earliest request start (UTC).
    pub first_request_at: Option<String>,
    /// Latest request end (UTC).
    pub last_request_end_at: Option<String>,
    /// From the first start to the last end, ms.
    pub span_ms: Option<f64>,
    /// Requests by status class (`1xx` … `5xx`, `no_response`, `other`).
    pub status_classes: BTreeMap<String, usize>,
    /// Failed requests (4xx, 5xx, no response), most frequent first.
    pub failures: Vec<FailureGroup>,
    /// 401, 403 and 407 responses.
    pub auth_problems: Vec<AuthProblem>,
    /// CORS problems.
    pub cors_problems: Vec<CorsProblem>,
    /// The slowest requests, slowest first.
    pub slowest: Vec<SlowRequest>,
    /// TTFB percentiles.
    pub ttfb: Ttfb,
}

/// kind, host, path, origin, allowed origin.
type CorsKey = (String, String, String, Option<String>, Option<String>);

/// Builds a [`Summary`] from records, one at a time.
#[derive(Debug)]
pub struct Summarizer {
    top: usize,
    entries: usize,
    first_us: Option<i64>,
    last_end_us: Option<i64>,
    classes: BTreeMap<String, usize>,
    failures: HashMap<(Option<i32>, String, String, String), FailureGroup>,
    auth: HashMap<(String, String, String, String, Option<String>), AuthProblem>,
    cors: HashMap<CorsKey, CorsProblem>,
    slowest: Vec<(f64, SlowRequest)>,
    /// After a trim: the smallest total kept; no smaller or equal one can enter.
    floor: Option<f64>,
    excluded: BTreeMap<String, usize>,
    by_host: HashMap<String, Vec<f64>>,
    by_type: HashMap<String, Vec<f64>>,
    all: Vec<f64>,
}

fn entry_ref(r: &Record) -> EntryRef {
    EntryRef {
        file: r.source_file.clone(),
        index: r.entry_index,
    }
}

fn push_capped<T>(v: &mut Vec<T>, x: T) {
    if v.len() < LIST_CAP {
        v.push(x);
    }
}

fn first_word(s: &str) -> Option<String> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| !w.is_empty())
        .map(str::to_owned)
}

/// Resource types whose cross-origin requests need no CORS headers (navigations,
/// beacons, reports).
fn cors_exempt(resource_type: Option<&str>) -> bool {
    matches!(
        resource_type.map(str::to_ascii_lowercase).as_deref(),
        Some("document" | "ping" | "beacon" | "cspviolationreport" | "csp_violation_report")
    )
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl Summarizer {
    /// A summarizer keeping the `top` slowest requests.
    pub fn new(top: usize) -> Self {
        Self {
            top,
            entries: 0,
            first_us: None,
            last_end_us: None,
            classes: BTreeMap::new(),
            failures: HashMap::new(),
            auth: HashMap::new(),
            cors: HashMap::new(),
            slowest: Vec::new(),
            floor: None,
            excluded: BTreeMap::new(),
            by_host: HashMap::new(),
            by_type: HashMap::new(),
            all: Vec::new(),
        }
    }

    /// Adds one record.
    pub fn add(&mut self, r: &Record) {
        self.entries += 1;
        *self.classes.entry(r.status_class.clone()).or_default() += 1;
        self.first_us = min_opt(self.first_us, r.started_at);
        let end = r
            .started_at
            .map(|s| s + (r.total_ms.unwrap_or(0.0) * 1000.0).round() as i64);
        self.last_end_us = max_opt(self.last_end_us, end);
        let host = r.host.clone().unwrap_or_default();
        let path = r.path.clone().unwrap_or_default();
        if r.failed() {
            self.add_failure(r, &host, &path);
        }
        self.add_auth(r, &host, &path);
        self.add_cors(r, &host, &path);
        self.add_slow(r);
        match (r.ttfb_exclusion(), r.wait_ms()) {
            (Some(reason), _) => *self.excluded.entry(reason.to_owned()).or_default() += 1,
            (None, None) => *self.excluded.entry("no_wait".to_owned()).or_default() += 1,
            (None, Some(w)) => {
                self.all.push(w);
                self.by_host.entry(host).or_default().push(w);
                let t = r
                    .resource_type
                    .clone()
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "unknown".to_owned());
                self.by_type.entry(t).or_default().push(w);
            }
        }
    }

    fn add_failure(&mut self, r: &Record, host: &str, path: &str) {
        let key = (r.status, r.method.clone(), host.to_owned(), path.to_owned());
        let g = self.failures.entry(key).or_insert_with(|| FailureGroup {
            status: r.status,
            status_class: r.status_class.clone(),
            method: r.method.clone(),
            host: host.to_owned(),
            path: path.to_owned(),
            count: 0,
            first_at: String::new(),
            last_at: String::new(),
            tracking_ids: Vec::new(),
            tracking_ids_total: 0,
            errors: Vec::new(),
            entries: Vec::new(),
            first_us: None,
            last_us: None,
            seen_ids: BTreeSet::new(),
        });
        g.count += 1;
        g.first_us = min_opt(g.first_us, r.started_at);
        g.last_us = max_opt(g.last_us, r.started_at);
        if let Some(id) = &r.tracking_id
            && g.seen_ids.insert(id.clone())
        {
            push_capped(&mut g.tracking_ids, id.clone());
        }
        if let Some(e) = &r.error
            && g.errors.len() < ERRORS_CAP
            && !g.errors.contains(e)
        {
            g.errors.push(e.clone());
        }
        push_capped(&mut g.entries, entry_ref(r));
    }

    fn add_auth(&mut self, r: &Record, host: &str, path: &str) {
        let (kind, challenge_header, cred_header) = match r.status {
            Some(401) => ("unauthorized", "www-authenticate", "authorization"),
            Some(407) => (
                "proxy_authentication_required",
                "proxy-authenticate",
                "proxy-authorization",
            ),
            Some(403) => ("forbidden", "", "authorization"),
            _ => return,
        };
        let challenge = if challenge_header.is_empty() {
            None
        } else {
            r.response_header(challenge_header).and_then(first_word)
        };
        let key = (
            kind.to_owned(),
            r.method.clone(),
            host.to_owned(),
            path.to_owned(),
            challenge.clone(),
        );
        let g = self.auth.entry(key).or_insert_with(|| AuthProblem {
            kind: kind.to_owned(),
            status: r.status.unwrap_or_default(),
            challenge,
            method: r.method.clone(),
            host: host.to_owned(),
            path: path.to_owned(),
            had_credentials: false,
            count: 0,
            first_at: String::new(),
            tracking_ids: Vec::new(),
            entries: Vec::new(),
            first_us: None,
        });
        g.count += 1;
        g.had_credentials |= r.request_header(cred_header).is_some();
        g.first_us = min_opt(g.first_us, r.started_at);
        if let Some(id) = &r.tracking_id
            && !g.tracking_ids.contains(id)
        {
            push_capped(&mut g.tracking_ids, id.clone());
        }
        push_capped(&mut g.entries, entry_ref(r));
    }

    fn add_cors(&mut self, r: &Record, host: &str, path: &str) {
        let origin = r.request_header("origin").map(str::to_owned);
        let allow = r
            .response_header("access-control-allow-origin")
            .map(str::to_owned);
        let error_says_cors = r.error.as_deref().is_some_and(|e| {
            let e = e.to_ascii_lowercase();
            e.contains("cors") || e.contains("access-control") || e.contains("cross-origin")
        });
        let preflight = r.method.eq_ignore_ascii_case("OPTIONS")
            && r.request_header("access-control-request-method").is_some();
        let cross_origin = origin
            .as_deref()
            .is_some_and(|o| o != "null" && Some(o) != r.origin().as_deref());
        let kind = if error_says_cors {
            "blocked_by_browser"
        } else if preflight {
            let ok = matches!(r.status, Some(200..=299));
            if ok && allow.is_some() {
                return;
            }
            "preflight_failed"
        } else if cross_origin
            && r.status.is_some()
            && r.status != Some(304)
            && !r.from_cache
            && !cors_exempt(r.resource_type.as_deref())
            && r.response_header_count > 0
        {
            match allow.as_deref() {
                None => "missing_allow_origin",
                Some("*") => return,
                Some(a) if Some(a) == origin.as_deref() => return,
                Some(_) => "allow_origin_mismatch",
            }
        } else {
            return;
        };
        let key = (
            kind.to_owned(),
            host.to_owned(),
            path.to_owned(),
            origin.clone(),
            allow.clone(),
        );
        let g = self.cors.entry(key).or_insert_with(|| CorsProblem {
            kind: kind.to_owned(),
            method: r.method.clone(),
            host: host.to_owned(),
            path: path.to_owned(),
            origin,
            allow_origin: allow,
            status: r.status,
            error: r.error.clone(),
            count: 0,
            first_at: String::new(),
            entries: Vec::new(),
            first_us: None,
        });
        g.count += 1;
        g.first_us = min_opt(g.first_us, r.started_at);
        push_capped(&mut g.entries, entry_ref(r));
    }

    fn add_slow(&mut self, r: &Record) {
        let Some(total) = r.total_ms else { return };
        if self.top == 0 {
            return;
        }
        if self.floor.is_some_and(|f| total <= f) {
            return;
        }
        let dominant = r.dominant_phase();
        self.slowest.push((
            total,
            SlowRequest {
                entry: entry_ref(r),
                started_at: utc(r.started_at),
                method: r.method.clone(),
                url: r.url.clone(),
                status: r.status,
                total_ms: ms(total),
                dominant_phase: dominant.map(|(p, _)| p.to_owned()),
                dominant_share: dominant
                    .filter(|_| total > 0.0)
                    .map(|(_, v)| (v / total * 1000.0).round() / 1000.0),
                phases: PhaseBreakdown::of(r),
                tracking_id: r.tracking_id.clone(),
            },
        ));
        if self.slowest.len() >= self.top * 4 {
            self.trim_slowest();
            self.floor = self.slowest.last().map(|(t, _)| *t);
        }
    }

    fn trim_slowest(&mut self) {
        // Slowest first; ties keep input order (stable sort).
        self.slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        self.slowest.truncate(self.top);
    }

    /// The summary of everything added, with the inputs' reports.
    pub fn finish(mut self, files: Vec<FileInfo>) -> Summary {
        self.trim_slowest();
        let mut failures: Vec<FailureGroup> = self
            .failures
            .into_values()
            .map(|mut g| {
                g.first_at = utc(g.first_us);
                g.last_at = utc(g.last_us);
                g.tracking_ids_total = g.seen_ids.len();
                g
            })
            .collect();
        failures.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.first_us.cmp(&b.first_us))
                .then(a.host.cmp(&b.host))
                .then(a.path.cmp(&b.path))
                .then(a.method.cmp(&b.method))
                .then(a.status.cmp(&b.status))
        });
        let mut auth: Vec<AuthProblem> = self
            .auth
            .into_values()
            .map(|mut g| {
                g.first_at = utc(g.first_us);
                g
            })
            .collect();
        auth.sort_by(|a, b| {
            a.first_us
                .cmp(&b.first_us)
                .then(a.host.cmp(&b.host))
                .then(a.path.cmp(&b.path))
                .then(a.kind.cmp(&b.kind))
                .then(a.method.cmp(&b.method))
        });
        let mut cors: Vec<CorsProblem> = self
            .cors
            .into_values()
            .map(|mut g| {
                g.first_at = utc(g.first_us);
                g
            })
            .collect();
        cors.sort_by(|a, b| {
            a.first_us
                .cmp(&b.first_us)
                .then(a.host.cmp(&b.host))
                .then(a.path.cmp(&b.path))
                .then(a.kind.cmp(&b.kind))
        });
        let span_ms = match (self.first_us, self.last_end_us) {
            (Some(a), Some(b)) => Some(ms((b - a) as f64 / 1000.0)),
            _ => None,
        };
        let pages = files.iter().map(|f| f.pages).sum();
        Summary {
            schema: SUMMARY_SCHEMA,
            entries: self.entries,
            pages,
            files,
            first_request_at: self.first_us.map(|u| utc(Some(u))),
            last_request_end_at: self.last_end_us.map(|u| utc(Some(u))),
            span_ms,
            status_classes: self.classes,
            failures,
            auth_problems: auth,
            cors_problems: cors,
            slowest: self.slowest.into_iter().map(|(_, s)| s).collect(),
            ttfb: Ttfb {
                included: self.all.len(),
                excluded: self.excluded,
                overall: percentiles("all", self.all),
                by_host: grouped(self.by_host),
                by_resource_type: grouped(self.by_type),
            },
        }
    }
}

fn percentiles(key: &str, mut v: Vec<f64>) -> Option<Percentiles> {
    quantile::sort(&mut v);
    let [p50, p90, p99] = quantile::p50_p90_p99(&v);
    Some(Percentiles {
        key: key.to_owned(),
        count: v.len(),
        p50: ms(p50?),
        p90: ms(p90?),
        p99: ms(p99?),
    })
}

fn grouped(m: HashMap<String, Vec<f64>>) -> Vec<Percentiles> {
    let mut out: Vec<Percentiles> = m
        .into_iter()
        .filter_map(|(k, v)| percentiles(&k, v))
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
    out
}
