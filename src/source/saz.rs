//! Fiddler session archives (`.saz`) as HAR 1.2.
//!
//! A SAZ is a zip of `raw/<id>_c.txt` (the request as the client sent it), `raw/<id>_s.txt`
//! (the response as the server sent it: chunked, compressed), `raw/<id>_m.xml` (Fiddler's
//! timers and flags) and optionally `raw/<id>_w.txt` (WebSocket messages). Each session
//! becomes one HAR entry, written as JSON so that every reader of harx (export, ingest,
//! the views) takes it through the same pipeline as any HAR, and `harx convert` writes it.
//!
//! Timings come from the server-side `SessionTimers` (DNS, TCP connect and TLS handshake
//! durations, then send = request fully sent − Fiddler began sending, wait = first response
//! byte − request fully sent, receive = response fully read − first byte), not from the
//! client-side timers, which include Fiddler's own buffering. TLS is nested in `connect`
//! as HAR 1.2 says. Timers written as `0001-01-01…` are missing. CONNECT tunnels keep
//! method `CONNECT` and `_tunnel: true`, so latency statistics leave them out.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::io::{self, Read, Write};

pub use super::{SazOptions, SazStats};

#[derive(Default)]
struct Files {
    c: Option<usize>,
    s: Option<usize>,
    m: Option<usize>,
    w: Option<usize>,
}

fn err(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn read_member<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    password: Option<&str>,
    cap: u64,
) -> io::Result<Vec<u8>> {
    let encrypted = archive
        .by_index_raw(index)
        .map_err(io::Error::other)?
        .encrypted();
    let mut out = Vec::new();
    let file = match (encrypted, password) {
        (true, None) => {
            return Err(err(
                "password-protected Fiddler archive: give --saz-password (or set HARX_SAZ_PASSWORD)",
            ));
        }
        (true, Some(p)) => archive
            .by_index_decrypt(index, p.as_bytes())
            .map_err(|e| match e {
                zip::result::ZipError::InvalidPassword => err("wrong password for this archive"),
                e => io::Error::other(e),
            })?,
        (false, _) => archive.by_index(index).map_err(io::Error::other)?,
    };
    file.take(cap + 1).read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(err(format!(
            "a session member decompresses to more than {cap} bytes (the size cap)"
        )));
    }
    Ok(out)
}

/// The producer named in the archive's comment (`Fiddler (v5.0.20202.18177) Session
/// Archive…`), as `(name, version)`.
fn creator(comment: &[u8]) -> (String, String) {
    let c = String::from_utf8_lossy(comment);
    let name = if c.contains("Fiddler Everywhere") {
        "Fiddler Everywhere"
    } else {
        "Fiddler"
    };
    let version = c
        .find("(v")
        .and_then(|i| {
            let rest = &c[i + 2..];
            rest.find(')').map(|j| rest[..j].to_owned())
        })
        .unwrap_or_default();
    (name.to_owned(), version)
}

/// Converts the SAZ `archive` to a HAR document written to `out`.
///
/// # Errors
/// When the archive cannot be read (a password is needed or wrong) or `out` fails.
pub fn to_har<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    opts: &SazOptions,
    cap: u64,
    out: &mut dyn Write,
) -> io::Result<SazStats> {
    let mut sessions: BTreeMap<u64, Files> = BTreeMap::new();
    for i in 0..archive.len() {
        let name = archive
            .by_index_raw(i)
            .map_err(io::Error::other)?
            .name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        let Some(rest) = name.strip_prefix("raw/") else {
            continue;
        };
        let Some((id, kind)) = rest.split_once('_') else {
            continue;
        };
        let Ok(id) = id.parse::<u64>() else {
            continue;
        };
        let f = sessions.entry(id).or_default();
        match kind {
            "c.txt" => f.c = Some(i),
            "s.txt" => f.s = Some(i),
            "m.xml" => f.m = Some(i),
            "w.txt" => f.w = Some(i),
            _ => {}
        }
    }
    let (name, version) = creator(archive.comment());
    let password = opts.password.as_deref();
    let mut stats = SazStats::default();
    out.write_all(b"{\"log\":{\"version\":\"1.2\",\"creator\":")?;
    serde_json::to_writer(
        &mut *out,
        &json!({"name": name, "version": version,
                "comment": format!("converted from a Fiddler session archive by harx {}", env!("CARGO_PKG_VERSION"))}),
    )?;
    out.write_all(b",\"pages\":[],\"entries\":[\n")?;
    let mut first = true;
    for (id, f) in &sessions {
        let Some(c) = f.c else {
            stats
                .skipped
                .push(format!("session {id}: no request (_c.txt)"));
            continue;
        };
        let request = read_member(archive, c, password, cap)?;
        let response = match f.s {
            Some(s) => read_member(archive, s, password, cap)?,
            None => Vec::new(),
        };
        let meta = match f.m {
            Some(m) => read_member(archive, m, password, cap)?,
            None => Vec::new(),
        };
        let ws = match f.w {
            Some(w) => Some(read_member(archive, w, password, cap)?),
            None => None,
        };
        let entry = session(
            *id,
            &request,
            &response,
            &meta,
            ws.as_deref(),
            opts,
            &mut stats,
        );
        if !first {
            out.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut *out, &entry)?;
        stats.sessions += 1;
    }
    out.write_all(b"\n]}}\n")?;
    Ok(stats)
}

/// An HTTP/1.x message: start line, headers, body (framing removed).
struct Message {
    start: String,
    headers: Vec<(String, String)>,
    head_len: usize,
    /// Body as on the wire (de-chunked; still content-encoded).
    body: Vec<u8>,
    /// Bytes of the body on the wire (before de-chunking).
    wire_len: usize,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn parse_message(raw: &[u8], is_connect: bool) -> Message {
    let end = memchr::memmem::find(raw, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| memchr::memmem::find(raw, b"\n\n").map(|i| (i, i + 2)))
        .unwrap_or((raw.len(), raw.len()));
    let head = String::from_utf8_lossy(&raw[..end.0]);
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let start = lines.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        })
        .collect();
    let rest = &raw[end.1.min(raw.len())..];
    if is_connect {
        // Fiddler appends a text description of the TLS handshake: not a body.
        return Message {
            start,
            headers,
            head_len: end.1,
            body: Vec::new(),
            wire_len: 0,
        };
    }
    let chunked = header(&headers, "transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else if let Some(n) = header(&headers, "content-length").and_then(|v| v.parse::<usize>().ok())
    {
        rest[..n.min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    Message {
        start,
        headers,
        head_len: end.1,
        wire_len: if chunked { rest.len() } else { body.len() },
        body,
    }
}

/// Removes chunked transfer coding; a cut-off stream keeps what arrived.
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = memchr::memmem::find(b, b"\r\n") {
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            break;
        };
        b = &b[eol + 2..];
        if size == 0 {
            break;
        }
        let n = size.min(b.len());
        out.extend_from_slice(&b[..n]);
        b = &b[n..];
        if b.starts_with(b"\r\n") {
            b = &b[2..];
        }
        if n < size {
            break;
        }
    }
    out
}

/// Most bytes one body may decode to: 250 times its encoded size (what real text
/// compresses to, not what a decompression bomb expands to), at least 16 MiB and at most
/// 1 GiB, whatever the number of encodings stacked.
fn body_cap(encoded: usize) -> u64 {
    (encoded as u64)
        .saturating_mul(250)
        .clamp(16 << 20, 1 << 30)
}

/// Reads `r` to the end unless it yields more than `cap` bytes.
fn read_capped(r: impl Read, cap: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    r.take(cap + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= cap).then_some(out)
}

/// Decodes `Content-Encoding` (gzip, deflate, br; several in order) within
/// [`body_cap`]. `None` when an encoding is unknown, the data is damaged or it decodes to
/// more than the cap (the body is then kept as recorded).
fn decode(body: &[u8], encoding: Option<&str>) -> Option<Vec<u8>> {
    let mut cur = body.to_vec();
    let Some(enc) = encoding else {
        return Some(cur);
    };
    let cap = body_cap(body.len());
    for e in enc.split(',').map(|e| e.trim().to_ascii_lowercase()).rev() {
        cur = match e.as_str() {
            "" | "identity" => continue,
            "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(&cur[..]), cap)?,
            // zlib-wrapped as the spec says, or raw deflate as some servers send.
            "deflate" => read_capped(flate2::read::ZlibDecoder::new(&cur[..]), cap)
                .or_else(|| read_capped(flate2::read::DeflateDecoder::new(&cur[..]), cap))?,
            "br" => read_capped(brotli_decompressor::Decompressor::new(&cur[..], 4096), cap)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// `name="value"` attributes of the first `<tag …>` in `xml`.
fn attrs(xml: &str, tag: &str) -> Vec<(String, String)> {
    let open = format!("<{tag}");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open) {
        let start = from + i + open.len();
        // `<SessionFlag` must not match `<SessionFlags`.
        if xml[start..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            from = start;
            continue;
        }
        let end = xml[start..].find('>').map_or(xml.len(), |j| start + j);
        let mut s = &xml[start..end];
        while let Some(eq) = s.find("=\"") {
            let name = s[..eq].trim().trim_start_matches('/').trim().to_owned();
            let rest = &s[eq + 2..];
            let Some(close) = rest.find('"') else { break };
            out.push((name, unescape_xml(&rest[..close])));
            s = &rest[close + 1..];
        }
        break;
    }
    out
}

/// Every `<tag …/>` element's attributes.
fn all_attrs(xml: &str, tag: &str) -> Vec<Vec<(String, String)>> {
    let open = format!("<{tag} ");
    xml.match_indices(&open)
        .map(|(i, _)| attrs(&xml[i..], tag))
        .collect()
}

fn unescape_xml(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A .NET round-trip timestamp in microseconds; `0001-01-01…` (unset) is `None`.
fn timer(t: &BTreeMap<String, String>, name: &str) -> Option<i64> {
    let v = t.get(name)?;
    if v.starts_with("0001-01-01") {
        return None;
    }
    crate::har::time::parse_timestamp_us(v)
}

/// A number as Fiddler writes it in the user's locale (`133,189`, `133.189`, `133 189`).
fn locale_int(v: &str) -> Option<i64> {
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    (!digits.is_empty()
        && v.trim()
            .chars()
            .all(|c| c.is_ascii_digit() || ",. '\u{a0}\u{202f}".contains(c)))
    .then(|| digits.parse().ok())
    .flatten()
}

fn ms(a: Option<i64>, b: Option<i64>) -> Option<f64> {
    let (a, b) = (a?, b?);
    (b >= a).then(|| (b - a) as f64 / 1000.0)
}

fn nv(headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect(),
    )
}

fn body_text(bytes: &[u8], mime: &str) -> (String, Option<&'static str>) {
    let textual = mime.starts_with("text/")
        || mime.contains("json")
        || mime.contains("xml")
        || mime.contains("javascript")
        || mime.contains("x-www-form-urlencoded");
    match std::str::from_utf8(bytes) {
        Ok(s) if textual || !bytes.contains(&0) => (s.to_owned(), None),
        _ => (crate::transform::base64::encode(bytes), Some("base64")),
    }
}

/// The cookies of `Cookie` (`name` = "cookie") or `Set-Cookie` headers, as HAR lists.
fn cookies(h: &[(String, String)], name: &str) -> Vec<Value> {
    h.iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| {
            if name == "cookie" {
                v.split(';')
                    .filter_map(|c| {
                        let (n, v) = c.trim().split_once('=')?;
                        Some(json!({"name": n, "value": v}))
                    })
                    .collect::<Vec<_>>()
            } else {
                v.split(';')
                    .next()
                    .and_then(|c| c.trim().split_once('='))
                    .map(|(n, v)| vec![json!({"name": n, "value": v})])
                    .unwrap_or_default()
            }
        })
        .collect()
}

/// The HAR `request` of a session's raw request; whether it is a CONNECT tunnel.
fn request_object(request: &[u8], opts: &SazOptions) -> (Map<String, Value>, bool) {
    let req_line_end = memchr::memchr(b'\n', request).unwrap_or(request.len());
    let req_line = String::from_utf8_lossy(&request[..req_line_end]);
    let mut parts = req_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let req_version = parts.next().unwrap_or("HTTP/1.1").to_owned();
    let is_connect = method.eq_ignore_ascii_case("CONNECT");
    let req = parse_message(request, is_connect);
    let host = header(&req.headers, "host").unwrap_or("").to_owned();
    let url = if is_connect {
        format!("https://{target}")
    } else if target.starts_with("http://") || target.starts_with("https://") {
        target.clone()
    } else if target.starts_with('/') {
        format!("http://{host}{target}")
    } else {
        target.clone()
    };
    let query: Vec<Value> = url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or(""))
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            json!({"name": n, "value": v})
        })
        .collect();

    let mut req_obj = Map::new();
    req_obj.insert("method".into(), json!(method));
    req_obj.insert("url".into(), json!(url));
    req_obj.insert("httpVersion".into(), json!(req_version));
    req_obj.insert(
        "cookies".into(),
        Value::Array(cookies(&req.headers, "cookie")),
    );
    req_obj.insert("headers".into(), nv(&req.headers));
    req_obj.insert("queryString".into(), Value::Array(query));
    if !req.body.is_empty() {
        let mime = header(&req.headers, "content-type")
            .unwrap_or("")
            .to_owned();
        let decoded = decode(&req.body, header(&req.headers, "content-encoding"))
            .unwrap_or_else(|| req.body.clone());
        let mut pd = Map::new();
        pd.insert("mimeType".into(), json!(mime));
        if opts.bodies {
            let (text, _) = body_text(&decoded, &mime);
            pd.insert("text".into(), json!(text));
        }
        req_obj.insert("postData".into(), Value::Object(pd));
    }
    req_obj.insert("headersSize".into(), json!(req.head_len));
    req_obj.insert("bodySize".into(), json!(req.wire_len));
    (req_obj, is_connect)
}

/// The HAR `response` of a session's raw response, and the entry's error when the
/// session has none or Fiddler answered it itself.
fn response_object(
    response: &[u8],
    is_connect: bool,
    flags: &BTreeMap<String, String>,
    opts: &SazOptions,
    stats: &mut SazStats,
) -> (Map<String, Value>, Option<String>) {
    let aborted = response.iter().all(u8::is_ascii_whitespace);
    let mut resp_obj = Map::new();
    let mut error = None;
    if aborted {
        stats.aborted += 1;
        error = Some("no response recorded (the session was aborted)".to_owned());
        resp_obj.insert("status".into(), json!(0));
        resp_obj.insert("statusText".into(), json!(""));
        resp_obj.insert("httpVersion".into(), json!(""));
        resp_obj.insert("cookies".into(), json!([]));
        resp_obj.insert("headers".into(), json!([]));
        resp_obj.insert("content".into(), json!({"size": 0, "mimeType": ""}));
        resp_obj.insert("redirectURL".into(), json!(""));
        resp_obj.insert("headersSize".into(), json!(-1));
        resp_obj.insert("bodySize".into(), json!(-1));
    } else {
        let resp = parse_message(response, is_connect);
        let mut sp = resp.start.splitn(3, ' ');
        let version = sp.next().unwrap_or("").to_owned();
        let status: i64 = sp.next().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        let status_text = sp.next().unwrap_or("").trim().to_owned();
        let mime = header(&resp.headers, "content-type")
            .unwrap_or("")
            .to_owned();
        let decoded = decode(&resp.body, header(&resp.headers, "content-encoding"));
        let mut content = Map::new();
        content.insert(
            "size".into(),
            json!(decoded.as_ref().map_or(resp.body.len(), Vec::len)),
        );
        content.insert("mimeType".into(), json!(mime));
        if let Some(d) = &decoded {
            let saved =
                i64::try_from(d.len()).unwrap_or(0) - i64::try_from(resp.body.len()).unwrap_or(0);
            if saved != 0 {
                content.insert("compression".into(), json!(saved));
            }
        }
        if opts.bodies && !resp.body.is_empty() {
            let (text, enc) = match &decoded {
                Some(d) => body_text(d, &mime),
                None => (crate::transform::base64::encode(&resp.body), Some("base64")),
            };
            content.insert("text".into(), json!(text));
            if let Some(e) = enc {
                content.insert("encoding".into(), json!(e));
            }
        }
        let body_size = flags
            .get("x-responsebodytransferlength")
            .and_then(|v| locale_int(v))
            .unwrap_or(i64::try_from(resp.wire_len).unwrap_or(-1));
        resp_obj.insert("status".into(), json!(status));
        resp_obj.insert("statusText".into(), json!(status_text));
        resp_obj.insert("httpVersion".into(), json!(version));
        resp_obj.insert(
            "cookies".into(),
            Value::Array(cookies(&resp.headers, "set-cookie")),
        );
        resp_obj.insert("headers".into(), nv(&resp.headers));
        resp_obj.insert("content".into(), Value::Object(content));
        resp_obj.insert(
            "redirectURL".into(),
            json!(header(&resp.headers, "location").unwrap_or("")),
        );
        resp_obj.insert("headersSize".into(), json!(resp.head_len));
        resp_obj.insert(
            "bodySize".into(),
            json!(if is_connect { 0 } else { body_size }),
        );
        // Fiddler answers some failures itself (502 "Fiddler - Connection Failed", 504).
        if resp
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("fiddlergateway"))
            && !is_connect
            && status >= 500
        {
            error = Some(format!("Fiddler reported {status} {status_text}"));
        }
    }
    (resp_obj, error)
}

/// The HAR `timings` of a session, from Fiddler's server-side timers; and the total.
fn timings_object(
    timers: &BTreeMap<String, String>,
    reused: bool,
    is_connect: bool,
) -> (Map<String, Value>, f64) {
    // Timings (§ module docs).
    let t = |n: &str| timer(timers, n);
    let dur = |n: &str| {
        timers
            .get(n)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| *v >= 0.0)
    };
    let (dns, tcp, tls, gateway) = (
        dur("DNSTime"),
        dur("TCPConnectTime"),
        dur("HTTPSHandshakeTime"),
        dur("GatewayTime"),
    );
    let begin = t("FiddlerBeginRequest");
    let got = t("ServerGotRequest");
    let first = t("ServerBeginResponse");
    let done = t("ServerDoneResponse");
    let mut timings = Map::new();
    let phase = |v: Option<f64>| v.map_or(json!(-1), |x| json!(round3(x)));
    let (dns_v, connect_v, ssl_v) = if reused {
        (None, None, None)
    } else {
        let tls = tls.filter(|x| *x > 0.0);
        let connect = match (tcp, tls) {
            (Some(a), Some(b)) => Some(a + b),
            (Some(a), None) => Some(a),
            (None, Some(b)) => Some(b),
            (None, None) => None,
        };
        (dns, connect, tls)
    };
    let blocked = match gateway.filter(|g| *g > 0.0) {
        Some(g) => Some(g),
        None => ms(t("ClientDoneRequest"), begin)
            .map(|gap| (gap - dns_v.unwrap_or(0.0) - connect_v.unwrap_or(0.0)).max(0.0)),
    };
    let tunnel = is_connect;
    let (send, wait, receive) = if tunnel {
        (Some(0.0), Some(0.0), Some(0.0))
    } else {
        (
            ms(begin, got).or(Some(0.0)),
            ms(got, first).or(Some(0.0)),
            ms(first, done).or(Some(0.0)),
        )
    };
    timings.insert("blocked".into(), phase(blocked));
    timings.insert("dns".into(), phase(dns_v));
    timings.insert("connect".into(), phase(connect_v));
    timings.insert("ssl".into(), phase(ssl_v));
    timings.insert("send".into(), phase(send));
    timings.insert("wait".into(), phase(wait));
    timings.insert("receive".into(), phase(receive));
    let total: f64 = [blocked, dns_v, connect_v, send, wait, receive]
        .iter()
        .flatten()
        .sum();
    (timings, total)
}

fn session(
    id: u64,
    request: &[u8],
    response: &[u8],
    meta: &[u8],
    websocket: Option<&[u8]>,
    opts: &SazOptions,
    stats: &mut SazStats,
) -> Value {
    let meta = String::from_utf8_lossy(meta);
    let meta = meta.trim_start_matches('\u{feff}');
    let timers: BTreeMap<String, String> = attrs(meta, "SessionTimers").into_iter().collect();
    let flags: BTreeMap<String, String> = all_attrs(meta, "SessionFlag")
        .into_iter()
        .filter_map(|a| {
            let n = a.iter().find(|(k, _)| k == "N").map(|(_, v)| v.clone())?;
            let v = a
                .iter()
                .find(|(k, _)| k == "V")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            Some((n.to_ascii_lowercase(), v))
        })
        .collect();
    let pipe: BTreeMap<String, String> = attrs(meta, "PipeInfo").into_iter().collect();
    let reused = pipe
        .get("Reused")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));

    let (req_obj, is_connect) = request_object(request, opts);
    let (resp_obj, error) = response_object(response, is_connect, &flags, opts, stats);
    let (timings, total) = timings_object(&timers, reused, is_connect);
    let tunnel = is_connect;
    let t = |n: &str| timer(&timers, n);
    let done = t("ServerDoneResponse");

    let started = timers
        .get("ClientBeginRequest")
        .filter(|v| !v.starts_with("0001-01-01"))
        .or_else(|| {
            timers
                .get("ClientConnected")
                .filter(|v| !v.starts_with("0001-01-01"))
        })
        .cloned()
        .unwrap_or_default();
    let mut e = Map::new();
    e.insert("startedDateTime".into(), json!(started));
    e.insert("time".into(), json!(round3(total)));
    e.insert("request".into(), Value::Object(req_obj));
    e.insert("response".into(), Value::Object(resp_obj));
    e.insert("cache".into(), json!({}));
    e.insert("timings".into(), Value::Object(timings));
    if let Some(ip) = flags.get("x-hostip").filter(|v| !v.is_empty()) {
        e.insert("serverIPAddress".into(), json!(ip));
    }
    if let Some(port) = flags.get("x-egressport").filter(|v| !v.is_empty()) {
        e.insert("connection".into(), json!(port));
    }
    e.insert("_sid".into(), json!(id));
    if tunnel {
        stats.tunnels += 1;
        e.insert("_tunnel".into(), json!(true));
    }
    if let Some(p) = flags.get("x-processinfo").filter(|v| !v.is_empty()) {
        e.insert("_process".into(), json!(p));
    }
    if let Some(overhead) = ms(done, t("ClientDoneResponse")) {
        e.insert("_fiddler_client_overhead".into(), json!(round3(overhead)));
    }
    if let Some(err) = error {
        e.insert("_error".into(), json!(err));
    }
    if let Some(ws) = websocket
        && opts.bodies
    {
        e.insert(
            "_webSocketMessagesRaw".into(),
            json!(String::from_utf8_lossy(ws)),
        );
    }
    Value::Object(e)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_and_encoded_bodies_decode() {
        assert_eq!(
            dechunk(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"),
            b"hello world"
        );
        assert_eq!(dechunk(b"5\r\nhel"), b"hel");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = gz.write_all(b"{\"a\":1}");
        let gz = gz.finish().unwrap_or_default();
        assert_eq!(
            decode(&gz, Some("gzip")).as_deref(),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(decode(b"x", Some("compress")), None);
        // a bomb: 64 MiB of zeros gzip to some 64 KiB, past 250x; kept as recorded
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut e, &vec![0u8; 64 << 20]).unwrap_or_else(|e| panic!("{e}"));
        let bomb = e.finish().unwrap_or_else(|e| panic!("{e}"));
        assert!(body_cap(bomb.len()) < 64 << 20);
        assert_eq!(decode(&bomb, Some("gzip")), None);
        // an identity layer stacked on it changes nothing
        assert_eq!(decode(&bomb, Some("gzip, identity")), None);
    }

    #[test]
    fn locale_numbers_and_sentinels() {
        assert_eq!(locale_int("133,189"), Some(133_189));
        assert_eq!(locale_int("133.189"), Some(133_189));
        assert_eq!(locale_int("1\u{a0}024"), Some(1024));
        assert_eq!(locale_int("n/a"), None);
        let mut t = BTreeMap::new();
        t.insert("A".to_owned(), "0001-01-01T00:00:00".to_owned());
        t.insert(
            "B".to_owned(),
            "2020-09-01T13:57:52.5308842-06:00".to_owned(),
        );
        assert_eq!(timer(&t, "A"), None);
        assert_eq!(timer(&t, "B"), Some(1_598_990_272_530_884));
    }

    #[test]
    fn xml_attributes() {
        let x = r#"<Session SID="1"><SessionTimers A="1" B="x&amp;y" /><SessionFlags><SessionFlag N="x-hostip" V="1.2.3.4" /><SessionFlag N="x-egressport" V="53003" /></SessionFlags></Session>"#;
        let a = attrs(x, "SessionTimers");
        assert_eq!(
            a,
            vec![("A".into(), "1".into()), ("B".into(), "x&y".into())]
        );
        let f = all_attrs(x, "SessionFlag");
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[1],
            vec![
                ("N".into(), "x-egressport".into()),
                ("V".into(), "53003".into())
            ]
        );
    }
}
