//! A deterministic generator of realistic HAR 1.2 files, for benchmarks and tests.
//!
//! Same options and seed, same bytes. The shape follows a Chrome "save all as HAR with
//! content" export: pages, 15-40 headers per side, `_initiator`, `_priority`,
//! `_resourceType`, `_transferSize`, `_error`; timings with `-1` for n/a and full float
//! precision; a few failed requests (status 0, `_error`); timestamps in `Z`, offset and
//! microsecond styles; non-ASCII text raw and `\u`-escaped (surrogate pairs too); bodies
//! full of `\"`, `\\` and `\n`; and planted secrets (Bearer JWTs, cookies, `access_token=`
//! in URLs) next to TrackingID headers, so sanitization and extraction are exercised.

use std::fmt::Write as _;
use std::io::{self, Write};

/// Which bodies to embed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    /// No `content.text`; small form posts only.
    None,
    /// Text bodies (HTML, JS, CSS, JSON).
    Text,
    /// Text bodies plus base64 images and fonts.
    Base64,
}

/// Generator options.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Stop after this many entries (if set).
    pub entries: Option<usize>,
    /// Stop once the output reaches about this many bytes (if `entries` is not set).
    pub target_bytes: u64,
    /// Bodies to embed.
    pub bodies: Bodies,
    /// Seed of the pseudo-random sequence.
    pub seed: u64,
    /// Entries per page.
    pub entries_per_page: usize,
    /// Pretty-print with two-space indentation (Chrome does) or write one line.
    pub pretty: bool,
}

impl Default for SynthOptions {
    fn default() -> Self {
        Self {
            entries: Some(100),
            target_bytes: 0,
            bodies: Bodies::Base64,
            seed: 1,
            entries_per_page: 150,
            pretty: true,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SynthSummary {
    /// Entries written.
    pub entries: usize,
    /// Pages written.
    pub pages: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// SplitMix64: small, fast, good enough for test data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn unit(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        x
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        #[allow(clippy::cast_possible_truncation)]
        let i = self.below(items.len() as u64) as usize;
        &items[i]
    }
    fn word(&mut self, items: &[&'static str]) -> &'static str {
        self.pick::<&str>(items)
    }
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            let _ = write!(s, "{:016x}", self.next());
        }
        s.truncate(n);
        s
    }
    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }
    /// Log-normal-ish size between lo and hi around median.
    fn size(&mut self, median: f64, lo: u64, hi: u64) -> u64 {
        let g = (self.unit() + self.unit() + self.unit() - 1.5) * 2.0;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let v = (median * g.exp()) as u64;
        v.clamp(lo, hi)
    }
}

const HOSTS: &[&str] = &[
    "www.example.com",
    "api.example.com",
    "cdn.example-static.net",
    "idbroker.webex.com",
    "hydra-a.wbx2.com",
    "fonts.gstatic.example",
    "analytics.example.org",
    "[2001:db8::10]:8443",
];
const WORDS: &[&str] = &[
    "search",
    "cart",
    "checkout",
    "profile",
    "settings",
    "feature",
    "access",
    "template",
    "calling",
    "meeting",
    "device",
    "locus",
    "conversation",
    "users",
    "orgs",
    "licenses",
];
const NON_ASCII: &[&str] = &[
    "안녕하세요",
    "검색",
    "장바구니",
    "Grüße",
    "café",
    "naïve",
    "東京",
    "🚀",
    "données",
];
const MIMES: &[(&str, &str, &str)] = &[
    ("document", "text/html", "html"),
    ("script", "application/javascript", "js"),
    ("stylesheet", "text/css", "css"),
    ("xhr", "application/json", "json"),
    ("fetch", "application/json", "json"),
    ("image", "image/png", "png"),
    ("font", "font/woff2", "woff2"),
    ("image", "image/svg+xml", "svg"),
];
const STATUSES: &[(i64, &str)] = &[
    (200, "OK"),
    (200, "OK"),
    (200, "OK"),
    (200, "OK"),
    (200, "OK"),
    (200, "OK"),
    (204, "No Content"),
    (301, "Moved Permanently"),
    (302, "Found"),
    (304, "Not Modified"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (500, "Internal Server Error"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
];
/// Request headers real browsers and SDKs send, with their usual values.
const EXTRA_REQUEST_HEADERS: &[(&str, &str)] = &[
    ("sec-fetch-dest", "empty"),
    ("sec-fetch-site", "same-site"),
    ("sec-ch-ua-mobile", "?0"),
    ("sec-ch-ua-platform", "\"Windows\""),
    ("origin", "https://web.webex.com"),
    ("cache-control", "no-cache"),
    ("pragma", "no-cache"),
    ("dnt", "1"),
    ("priority", "u=1, i"),
    ("x-requested-with", "XMLHttpRequest"),
    ("spark-user-agent", "webex-js-sdk/3.2.0 (web)"),
    ("x-client-version", "2.41.0"),
    ("content-type", "application/json"),
    ("x-feature-flags", "calling,meetings,messaging,whiteboard"),
    ("if-none-match", "W/\"5d1e-18c2f4a7\""),
    (
        "x-session-info",
        "{\"k\":\"v\",\"note\":\"\u{fc} \\\"q\\\"\"}",
    ),
];

/// Response headers servers send, with their usual values.
const EXTRA_RESPONSE_HEADERS: &[(&str, &str)] = &[
    ("vary", "Accept-Encoding, Origin"),
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains; preload",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "SAMEORIGIN"),
    ("access-control-allow-origin", "https://web.webex.com"),
    ("access-control-allow-credentials", "true"),
    ("access-control-expose-headers", "TrackingID, Retry-After"),
    ("content-encoding", "br"),
    ("alt-svc", "h3=\":443\"; ma=86400"),
    ("server-timing", "edge;dur=12, origin;dur=84"),
    ("x-cache", "Miss from cloudfront"),
    ("via", "1.1 0b8f2c5e.cloudfront.net (CloudFront)"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "content-security-policy",
        "default-src 'self'; img-src * data:; script-src 'self' 'unsafe-inline' https://*.webex.com",
    ),
    ("x-xss-protection", "0"),
    ("age", "0"),
];

const ERRORS: &[&str] = &[
    "net::ERR_CONNECTION_RESET",
    "net::ERR_NAME_NOT_RESOLVED",
    "net::ERR_INTERNET_DISCONNECTED",
    "net::ERR_TIMED_OUT",
    "net::ERR_CERT_AUTHORITY_INVALID",
];

/// Appends `s` as a JSON string (escaping quotes, backslashes and control characters).
fn jstr(out: &mut String, s: &str) {
    crate::sink::text::json_string(out, s);
}

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(char::from(T[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn b64url(data: &[u8]) -> String {
    b64(data)
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('=')
        .to_owned()
}

struct Gen {
    rng: Rng,
    opts: SynthOptions,
    /// Reused body texts per kind (what makes large outputs cheap to produce).
    pool: Vec<(String, String)>,
    clock_ms: i64,
}

impl Gen {
    fn new(opts: SynthOptions) -> Self {
        let mut rng = Rng(opts.seed ^ 0x4841_5258);
        let mut pool = Vec::new();
        for k in 0..48 {
            let (_, mime, ext) = MIMES[k % MIMES.len()];
            let text = Self::make_body(&mut rng, ext);
            pool.push((mime.to_owned(), text));
        }
        Self {
            rng,
            opts,
            pool,
            clock_ms: 1_700_000_000_000,
        }
    }

    fn make_body(rng: &mut Rng, ext: &str) -> String {
        let mut s = String::new();
        match ext {
            "html" => {
                let n = rng.size(20_000.0, 500, 300_000);
                s.push_str("<!doctype html>\n<html><head><title>");
                s.push_str(rng.word(NON_ASCII));
                s.push_str("</title></head>\n<body>\n");
                while (s.len() as u64) < n {
                    let _ = writeln!(
                        s,
                        "<div class=\"row\" data-id=\"{}\">{} \\ {}</div>",
                        rng.below(1_000_000),
                        rng.pick(WORDS),
                        rng.pick(NON_ASCII)
                    );
                }
                s.push_str("<input type=\"hidden\" name=\"csrf_token\" value=\"");
                s.push_str(&rng.hex(32));
                s.push_str("\"></body></html>");
            }
            "js" => {
                let n = rng.size(60_000.0, 1_000, 600_000);
                while (s.len() as u64) < n {
                    let _ = writeln!(
                        s,
                        "function f{}(a,b){{return a.replace(/\\s+/g, \"{}\")+'\\n'+b;}}",
                        rng.below(100_000),
                        rng.pick(WORDS)
                    );
                }
            }
            "css" => {
                let n = rng.size(15_000.0, 200, 200_000);
                while (s.len() as u64) < n {
                    let _ = writeln!(
                        s,
                        ".c{} {{ content: \"{}\"; color: #{}; }}",
                        rng.below(10_000),
                        rng.pick(NON_ASCII),
                        rng.hex(6)
                    );
                }
            }
            "json" | "svg" => {
                let n = rng.size(4_000.0, 50, 60_000);
                s.push('{');
                let mut first = true;
                while (s.len() as u64) < n {
                    if !first {
                        s.push(',');
                    }
                    first = false;
                    let _ = write!(
                        s,
                        "\"{}{}\":{{\"name\":\"{}\",\"access\":\"{}\",\"n\":{}}}",
                        rng.pick(WORDS),
                        rng.below(1000),
                        rng.pick(NON_ASCII),
                        if rng.chance(0.5) {
                            "Full Access"
                        } else {
                            "No Access"
                        },
                        rng.below(1 << 20)
                    );
                }
                s.push('}');
            }
            _ => {
                let n = rng.size(30_000.0, 100, 400_000);
                #[allow(clippy::cast_possible_truncation)]
                let raw: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                s = b64(&raw);
            }
        }
        s
    }

    fn jwt(&mut self) -> String {
        let header = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = b64url(
            format!(
                r#"{{"sub":"{}","exp":{}}}"#,
                self.rng.uuid(),
                1_700_000_000 + self.rng.below(1_000_000)
            )
            .as_bytes(),
        );
        let sig = b64url(self.rng.hex(64).as_bytes());
        format!("{header}.{payload}.{sig}")
    }

    fn timestamp(&mut self, ms: i64, style: u64) -> String {
        let us = ms * 1000 + i64::try_from(self.rng.below(1000)).unwrap_or(0);
        let utc = crate::sink::text::format_timestamp_us(us); // YYYY-MM-DDTHH:MM:SS.ffffffZ
        match style {
            0 => format!("{}Z", &utc[..23]),
            1 => {
                // +09:00 local time
                let local = crate::sink::text::format_timestamp_us(us + 9 * 3_600_000_000);
                format!("{}+09:00", &local[..23])
            }
            2 => {
                let local = crate::sink::text::format_timestamp_us(us - 7 * 3_600_000_000);
                format!("{}-07:00", &local[..23])
            }
            _ => format!("{}+00:00", &utc[..26]),
        }
    }

    fn phase(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.rng.unit()
    }

    fn headers(&mut self, out: &mut String, list: &[(String, String)], ind: &str) {
        out.push('[');
        for (i, (n, v)) in list.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{ind}  {{\"name\":");
            jstr(out, n);
            out.push_str(",\"value\":");
            jstr(out, v);
            out.push('}');
        }
        let _ = write!(out, "{ind}]");
    }

    #[allow(clippy::too_many_lines)]
    fn entry(&mut self, out: &mut String, page: &str, style: u64) {
        let nl = if self.opts.pretty { "\n        " } else { "" };
        let host = (*self.rng.pick(HOSTS)).to_owned();
        let scheme = if self.rng.chance(0.9) {
            "https"
        } else {
            "http"
        };
        let kind = self.rng.below(MIMES.len() as u64);
        #[allow(clippy::cast_possible_truncation)]
        let (rtype, mime, ext) = MIMES[kind as usize];
        let mut path = format!(
            "/{}/{}/{}",
            self.rng.pick(WORDS),
            self.rng.uuid(),
            self.rng.pick(WORDS)
        );
        if self.rng.chance(0.1) {
            path.push('/');
            path.push_str(self.rng.word(NON_ASCII));
        }
        let mut query = format!("v={}&q={}", self.rng.below(100), self.rng.pick(WORDS));
        if self.rng.chance(0.1) {
            let _ = write!(query, "&access_token={}", self.rng.hex(40));
        }
        if self.rng.chance(0.05) {
            let _ = write!(
                query,
                "&code={}&state={}",
                self.rng.hex(20),
                self.rng.hex(8)
            );
        }
        let url = format!("{scheme}://{host}{path}.{ext}?{query}");
        let failed = self.rng.chance(0.01);
        let (status, status_text) = if failed {
            (0, "")
        } else {
            *self.rng.pick(STATUSES)
        };
        let method = if rtype == "xhr" && self.rng.chance(0.3) {
            "POST"
        } else {
            "GET"
        };
        let tracking = format!("WEBEX_{}_{}", self.rng.uuid(), self.rng.below(100));
        let mut req_h: Vec<(String, String)> = vec![
            (":authority".into(), host.clone()),
            (":method".into(), method.into()),
            (":path".into(), format!("{path}.{ext}?{query}")),
            (":scheme".into(), scheme.into()),
            ("accept".into(), "*/*".into()),
            ("accept-encoding".into(), "gzip, deflate, br".into()),
            ("accept-language".into(), "en-US,en;q=0.9,ko;q=0.8".into()),
            ("user-agent".into(), "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36".into()),
            ("sec-ch-ua".into(), "\"Chromium\";v=\"120\", \"Not?A_Brand\";v=\"8\"".into()),
            ("sec-fetch-mode".into(), "cors".into()),
            ("referer".into(), format!("https://www.example.com/{}", self.rng.pick(WORDS))),
        ];
        if self.rng.chance(0.5) {
            req_h.push(("authorization".into(), format!("Bearer {}", self.jwt())));
        }
        if self.rng.chance(0.6) {
            req_h.push((
                "cookie".into(),
                format!(
                    "SESSIONID={}; _ga=GA1.2.{}; lang=ko",
                    self.rng.hex(32),
                    self.rng.below(1 << 30)
                ),
            ));
        }
        if self.rng.chance(0.7) {
            req_h.push(("TrackingID".into(), tracking.clone()));
        }
        for _ in 0..self.rng.below(14) {
            let (n, v) = *self.rng.pick(EXTRA_REQUEST_HEADERS);
            req_h.push((n.into(), v.into()));
        }
        if self.rng.chance(0.3) {
            req_h.push(("x-client-request-id".into(), self.rng.uuid()));
        }
        let mut resp_h: Vec<(String, String)> = Vec::new();
        if !failed {
            resp_h.push(("content-type".into(), format!("{mime}; charset=utf-8")));
            resp_h.push(("date".into(), "Tue, 14 Nov 2023 22:13:20 GMT".into()));
            resp_h.push(("server".into(), "envoy".into()));
            resp_h.push(("cache-control".into(), "private, max-age=0".into()));
            if self.rng.chance(0.3) {
                resp_h.push((
                    "set-cookie".into(),
                    format!(
                        "sid={}; Path=/; Secure; HttpOnly; SameSite=Lax",
                        self.rng.hex(24)
                    ),
                ));
            }
            if self.rng.chance(0.5) {
                resp_h.push(("trackingid".into(), tracking.clone()));
            }
            if self.rng.chance(0.3) {
                resp_h.push(("x-request-id".into(), self.rng.uuid()));
            }
            for _ in 0..self.rng.below(16) {
                let (n, v) = *self.rng.pick(EXTRA_RESPONSE_HEADERS);
                resp_h.push((n.into(), v.into()));
            }
            resp_h.push(("content-length".into(), self.rng.below(200_000).to_string()));
            if self.rng.chance(0.5) {
                resp_h.push(("etag".into(), format!("W/\"{}\"", self.rng.hex(16))));
            }
        }
        // Timings: ssl nested in connect, time = sum of the non-negative phases (not ssl).
        let reused = self.rng.chance(0.7);
        let blocked = self.phase(0.1, 30.0);
        let (dns, connect, ssl) = if reused || failed {
            (-1.0, -1.0, -1.0)
        } else {
            let dns = self.phase(0.5, 80.0);
            let ssl = if scheme == "https" {
                self.phase(5.0, 60.0)
            } else {
                -1.0
            };
            let connect = self.phase(1.0, 50.0) + ssl.max(0.0);
            (dns, connect, ssl)
        };
        let (send, wait, receive) = if failed {
            (0.0, -1.0, -1.0)
        } else {
            (
                self.phase(0.0, 1.0),
                self.phase(5.0, 900.0),
                self.phase(0.1, 200.0),
            )
        };
        let time: f64 = [blocked, dns, connect, send, wait, receive]
            .iter()
            .filter(|x| **x >= 0.0)
            .sum();
        let queueing = blocked * self.phase(0.0, 1.0);
        let started = self.timestamp(self.clock_ms, style);
        self.clock_ms += i64::try_from(self.rng.range(1, 400)).unwrap_or(1);
        let body = match self.opts.bodies {
            Bodies::None => None,
            Bodies::Text if matches!(ext, "png" | "woff2") => None,
            _ if failed || status == 304 || status == 204 => None,
            _ => {
                let candidates: Vec<usize> = (0..self.pool.len())
                    .filter(|&i| self.pool[i].0 == mime)
                    .collect();
                #[allow(clippy::cast_possible_truncation)]
                let pick = candidates[self.rng.below(candidates.len() as u64) as usize];
                Some(pick)
            }
        };
        let content_size = body.map_or(0, |i| self.pool[i].1.len());
        let i2 = if self.opts.pretty { "\n          " } else { "" };
        let _ = write!(
            out,
            "{{{nl}\"_initiator\":{{\"type\":\"{}\"}},{nl}\"_priority\":\"{}\",{nl}\"_resourceType\":\"{rtype}\",{nl}\"cache\":{{}},",
            self.rng.pick(&["parser", "script", "other", "preflight"]),
            self.rng.pick(&["VeryHigh", "High", "Medium", "Low"])
        );
        let _ = write!(
            out,
            "{nl}\"connection\":\"{}\",{nl}\"pageref\":",
            self.rng.range(1000, 99_999)
        );
        jstr(out, page);
        let _ = write!(
            out,
            ",{nl}\"request\":{{{i2}\"method\":\"{method}\",{i2}\"url\":"
        );
        jstr(out, &url);
        let _ = write!(
            out,
            ",{i2}\"httpVersion\":\"{}\",{i2}\"headers\":",
            if self.rng.chance(0.7) {
                "http/2.0"
            } else {
                "HTTP/1.1"
            }
        );
        self.headers(out, &req_h, i2);
        let _ = write!(
            out,
            ",{i2}\"queryString\":[{{\"name\":\"v\",\"value\":\"1\"}}],{i2}\"cookies\":[],{i2}\"headersSize\":-1,{i2}\"bodySize\":{}",
            if method == "POST" { 120 } else { 0 }
        );
        if method == "POST" {
            let _ = write!(
                out,
                ",{i2}\"postData\":{{\"mimeType\":\"application/json\",\"text\":"
            );
            jstr(
                out,
                &format!(
                    "{{\"username\":\"user{}\",\"password\":\"{}\",\"note\":\"{}\"}}",
                    self.rng.below(1000),
                    self.rng.hex(12),
                    self.rng.pick(NON_ASCII)
                ),
            );
            out.push('}');
        }
        let _ = write!(
            out,
            "{nl}}},{nl}\"response\":{{{i2}\"status\":{status},{i2}\"statusText\":\"{status_text}\",{i2}\"httpVersion\":\"{}\",{i2}\"headers\":",
            if failed { "" } else { "http/2.0" }
        );
        self.headers(out, &resp_h, i2);
        let _ = write!(
            out,
            ",{i2}\"cookies\":[],{i2}\"content\":{{\"size\":{content_size},\"mimeType\":\"{}\"",
            if failed { "x-unknown" } else { mime }
        );
        if let Some(i) = body {
            out.push_str(",\"text\":");
            if mime.starts_with("image/png") || mime.starts_with("font/") {
                out.push('"');
                out.push_str(&self.pool[i].1);
                out.push_str("\",\"encoding\":\"base64\"");
            } else {
                let text = self.pool[i].1.clone();
                jstr(out, &text);
            }
        }
        let transfer = if failed { 0 } else { content_size / 3 + 300 };
        let _ = write!(
            out,
            "}},{i2}\"redirectURL\":\"\",{i2}\"headersSize\":-1,{i2}\"bodySize\":{},{i2}\"_transferSize\":{transfer},{i2}\"_error\":",
            if failed {
                -1
            } else {
                i64::try_from(content_size / 3).unwrap_or(0)
            }
        );
        if failed {
            jstr(out, self.rng.word(ERRORS));
        } else {
            out.push_str("null");
        }
        let _ = write!(
            out,
            "{nl}}},{nl}\"serverIPAddress\":\"{}\",{nl}\"startedDateTime\":\"{started}\",{nl}\"time\":{time:?},",
            if failed {
                String::new()
            } else {
                format!(
                    "10.{}.{}.{}",
                    self.rng.below(256),
                    self.rng.below(256),
                    self.rng.below(256)
                )
            }
        );
        let _ = write!(
            out,
            "{nl}\"timings\":{{\"blocked\":{blocked:?},\"dns\":{dns:?},\"ssl\":{ssl:?},\"connect\":{connect:?},\"send\":{send:?},\"wait\":{wait:?},\"receive\":{receive:?},\"_blocked_queueing\":{queueing:?}}}"
        );
        if self.opts.pretty {
            out.push_str("\n      }");
        } else {
            out.push('}');
        }
    }
}

/// Writes a HAR to `w`.
///
/// # Errors
/// When writing fails.
pub fn generate(opts: &SynthOptions, w: &mut dyn Write) -> io::Result<SynthSummary> {
    let mut g = Gen::new(opts.clone());
    let mut summary = SynthSummary::default();
    let pretty = opts.pretty;
    let (nl, ind) = if pretty { ("\n", "  ") } else { ("", "") };
    let mut head = String::new();
    let _ = write!(
        head,
        "{{{nl}{ind}\"log\":{{{nl}{ind}{ind}\"version\":\"1.2\",{nl}{ind}{ind}\"creator\":{{\"name\":\"WebInspector\",\"version\":\"537.36\"}},{nl}{ind}{ind}\"pages\":["
    );
    // Pages are written up front, so their count is fixed by the entry budget estimate.
    let est_entries = opts.entries.unwrap_or_else(|| {
        let per = match opts.bodies {
            Bodies::None => 4_500,
            Bodies::Text => 20_000,
            Bodies::Base64 => 37_000,
        };
        usize::try_from(opts.target_bytes / per).unwrap_or(1).max(1)
    });
    let per_page = opts.entries_per_page.max(1);
    let n_pages = est_entries.div_ceil(per_page).max(1);
    let mut page_starts = Vec::with_capacity(n_pages);
    let mut page_ids = Vec::with_capacity(n_pages);
    let mut clock = g.clock_ms;
    for p in 0..n_pages {
        let style = g.rng.below(4);
        let started = g.timestamp(clock, style);
        page_starts.push((clock, style));
        clock += i64::try_from(per_page as u64 * 210).unwrap_or(0);
        let id = format!("page_{}", p + 1);
        if p > 0 {
            head.push(',');
        }
        let _ = write!(
            head,
            "{nl}{ind}{ind}{ind}{{\"startedDateTime\":\"{started}\",\"id\":\"{id}\",\"title\":"
        );
        let title = format!(
            "https://www.example.com/{}/{}",
            g.rng.pick(WORDS),
            g.rng.pick(NON_ASCII)
        );
        jstr(&mut head, &title);
        let _ = write!(
            head,
            ",\"pageTimings\":{{\"onContentLoad\":{:?},\"onLoad\":{:?}}}}}",
            g.phase(100.0, 3000.0),
            g.phase(200.0, 9000.0)
        );
        page_ids.push(id);
    }
    let _ = write!(head, "{nl}{ind}{ind}],{nl}{ind}{ind}\"entries\":[");
    w.write_all(head.as_bytes())?;
    summary.bytes += head.len() as u64;
    summary.pages = n_pages;
    let mut buf = String::with_capacity(1 << 20);
    let mut i = 0usize;
    loop {
        let done = match opts.entries {
            Some(n) => i >= n,
            None => summary.bytes >= opts.target_bytes,
        };
        if done {
            break;
        }
        buf.clear();
        if i > 0 {
            buf.push(',');
        }
        if pretty {
            buf.push_str("\n      ");
        }
        let page = (i / per_page).min(n_pages - 1);
        if i.is_multiple_of(per_page) {
            // A page starts when the previous one has finished at the earliest: entries stay
            // in start order, as browsers export them.
            g.clock_ms = g.clock_ms.max(page_starts[page].0);
        }
        let style = page_starts[page].1;
        g.entry(&mut buf, &page_ids[page], style);
        w.write_all(buf.as_bytes())?;
        summary.bytes += buf.len() as u64;
        i += 1;
    }
    let tail = format!("{nl}{ind}{ind}]{nl}{ind}}}{nl}}}{nl}");
    w.write_all(tail.as_bytes())?;
    summary.bytes += tail.len() as u64;
    summary.entries = i;
    Ok(summary)
}
