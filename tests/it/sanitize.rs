//! Property test of the sanitizer: random HARs (random formatting, escapes, key order)
//! with secrets planted in random places. Every secret must be gone and every byte outside
//! the redacted string tokens must be identical.

use harx::sanitize::engine::Policy;
use harx::sanitize::rules::Rules;
use harx::sanitize::{Outcome, run_source};
use harx::source::Source;
use proptest::prelude::*;
use std::path::Path;

/// A secret: 20 characters of letters and digits, starting with an upper-case letter so
/// it can never occur inside the lower-case plain values.
fn secret() -> impl Strategy<Value = String> {
    "[A-Z][A-Za-z0-9]{19}"
}

/// A plain value: short lower-case words, spaces, punctuation and non-ASCII.
fn plain() -> impl Strategy<Value = String> {
    "[a-z é中/:.,=-]{0,7}"
}

#[derive(Debug, Clone)]
enum Plant {
    Bearer,
    CookieHeader,
    CookieArray,
    Query,
    JsonBody,
    NestedResponse,
    SetCookie,
    FormBody,
    CamelQuery,
    OddHeader,
    RailsForm,
    XssiBody,
    JsonpBody,
    SoapBody,
    ScriptBody,
    HashRoute,
    SetCookieJoined,
    OktaValue,
    Base64Octet,
    PollyCookie,
    PollySetCookie,
    PollyCookieArray,
    ObjectCookie,
}

#[derive(Debug, Clone)]
struct Entry {
    plants: Vec<(Plant, String)>,
    plain_headers: Vec<(String, String)>,
    status: i64,
    wait: f64,
}

fn entry() -> impl Strategy<Value = Entry> {
    let plant = prop_oneof![
        Just(Plant::Bearer),
        Just(Plant::CookieHeader),
        Just(Plant::CookieArray),
        Just(Plant::Query),
        Just(Plant::JsonBody),
        Just(Plant::NestedResponse),
        Just(Plant::SetCookie),
        Just(Plant::FormBody),
        Just(Plant::CamelQuery),
        Just(Plant::OddHeader),
        Just(Plant::RailsForm),
        Just(Plant::XssiBody),
        Just(Plant::JsonpBody),
        Just(Plant::SoapBody),
        Just(Plant::ScriptBody),
        Just(Plant::HashRoute),
        Just(Plant::SetCookieJoined),
        Just(Plant::OktaValue),
        Just(Plant::Base64Octet),
        Just(Plant::PollyCookie),
        Just(Plant::PollySetCookie),
        Just(Plant::PollyCookieArray),
        Just(Plant::ObjectCookie),
    ];
    (
        prop::collection::vec((plant, secret()), 0..4),
        prop::collection::vec(("[a-z]{1,6}", plain()), 0..4),
        prop_oneof![Just(0i64), Just(200), Just(404), Just(503)],
        0.0f64..5000.0,
    )
        .prop_map(|(plants, plain_headers, status, wait)| Entry {
            plants,
            plain_headers: plain_headers
                .into_iter()
                .map(|(n, v)| (format!("x-{n}"), v))
                .collect(),
            status,
            wait: (wait * 1000.0).round() / 1000.0,
        })
}

/// Writes JSON with a chosen style: indentation width (0 = compact), whether non-ASCII is
/// written as `\u` escapes, and whether `/` is escaped.
struct Style {
    indent: usize,
    ascii: bool,
    escape_slash: bool,
}

enum J {
    S(String),
    N(String),
    O(Vec<(String, J)>),
    A(Vec<J>),
}

fn write_str(out: &mut String, s: &str, st: &Style) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if st.escape_slash => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if st.ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write(out: &mut String, j: &J, st: &Style, depth: usize) {
    let nl = |out: &mut String, d: usize| {
        if st.indent > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(st.indent * d));
        }
    };
    match j {
        J::S(s) => write_str(out, s, st),
        J::N(n) => out.push_str(n),
        J::O(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                write_str(out, k, st);
                out.push_str(if st.indent > 0 { ": " } else { ":" });
                write(out, v, st, depth + 1);
            }
            if !m.is_empty() {
                nl(out, depth);
            }
            out.push('}');
        }
        J::A(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                write(out, v, st, depth + 1);
            }
            if !a.is_empty() {
                nl(out, depth);
            }
            out.push(']');
        }
    }
}

fn s(v: &str) -> J {
    J::S(v.to_owned())
}

fn nv(n: &str, v: &str) -> J {
    J::O(vec![("name".into(), s(n)), ("value".into(), s(v))])
}

/// A name with its values as an array (Polly's repeated fields, outside the spec).
fn nva(n: &str, v: &[&str]) -> J {
    J::O(vec![
        ("name".into(), s(n)),
        ("value".into(), J::A(v.iter().map(|v| s(v)).collect())),
    ])
}

/// The parts of one request and response that a plant puts a secret in.
struct Parts {
    req_h: Vec<J>,
    resp_h: Vec<J>,
    cookies: Vec<J>,
    query: Vec<J>,
    url: String,
    post: Option<(String, String)>,
    content: String,
    content_mime: String,
    encoding: Option<&'static str>,
    redirect: String,
}

fn plant(x: &mut Parts, p: &Plant, sec: &str) {
    match p {
        Plant::Bearer => x.req_h.push(nv("Authorization", &format!("Bearer {sec}"))),
        Plant::CookieHeader => x.req_h.push(nv("Cookie", &format!("a={sec}; theme=x"))),
        Plant::CookieArray => x.cookies.push(nv("sid", sec)),
        Plant::Query => {
            x.url.push_str(&format!("&access_token={sec}"));
            x.query.push(nv("access_token", sec));
        }
        Plant::JsonBody => {
            x.post = Some((
                "application/json".into(),
                format!("{{\"user\": \"bob\", \"password\": \"{sec}\"}}"),
            ));
        }
        Plant::NestedResponse => {
            (x.content_mime, x.encoding) = ("application/json".into(), None);
            x.content = format!(
                "{{\"data\": {{\"items\": [1, 2], \"auth\": {{\"refresh_token\": \"{sec}\"}}}}}}"
            );
        }
        Plant::SetCookie => x
            .resp_h
            .push(nv("Set-Cookie", &format!("sid={sec}; Path=/; HttpOnly"))),
        Plant::FormBody => {
            x.post = Some((
                "application/x-www-form-urlencoded".into(),
                format!("user=bob&password={sec}"),
            ));
        }
        Plant::CamelQuery => {
            x.url.push_str(&format!("&accessToken={sec}"));
            x.query.push(nv("accessToken", sec));
        }
        Plant::OddHeader => x.req_h.push(nv("X-Parse-REST-API-Key", sec)),
        Plant::RailsForm => {
            x.post = Some((
                "application/x-www-form-urlencoded".into(),
                format!("user%5Bemail%5D=b%40x.org&user%5Bpassword%5D={sec}"),
            ));
        }
        Plant::XssiBody => {
            x.content = format!(")]}}'\n{{\"access_token\": \"{sec}\"}}");
            (x.content_mime, x.encoding) = ("application/json".into(), None);
        }
        Plant::JsonpBody => {
            x.content = format!("cb({{\"token\": \"{sec}\"}});");
            (x.content_mime, x.encoding) = ("application/javascript".into(), None);
        }
        Plant::SoapBody => {
            x.content = format!(
                "<soap:Envelope><wsse:Password Type=\"t\">{sec}</wsse:Password></soap:Envelope>"
            );
            x.content_mime = "text/xml".into();
            x.encoding = None;
        }
        Plant::ScriptBody => {
            x.content = format!("var cfg = {{apiKey: '{sec}', n: 1}};");
            x.content_mime = "application/javascript".into();
            x.encoding = None;
        }
        Plant::HashRoute => {
            x.redirect = format!("https://app.example.com/#/auth?token={sec}&x=1");
        }
        Plant::SetCookieJoined => x.resp_h.push(nv(
            "Set-Cookie",
            &format!("lang=en; Expires=Wed, 21 Oct 2026 07:28:00 GMT, session={sec}; Path=/"),
        )),
        Plant::OktaValue => {
            x.post = Some((
                "application/json".into(),
                format!("{{\"credentials\": {{\"password\": {{\"value\": \"{sec}\"}}}}}}"),
            ));
        }
        Plant::PollyCookie => x
            .req_h
            .push(nva("Cookie", &["theme=x", &format!("sid={sec}")])),
        Plant::PollySetCookie => x.resp_h.push(nva(
            "Set-Cookie",
            &[
                "lang=en; Path=/",
                &format!("session={sec}; Path=/; HttpOnly"),
            ],
        )),
        Plant::PollyCookieArray => x.cookies.push(nva("sid", &[sec])),
        // a value nested in an object (no producer's, but JSON allows it)
        Plant::ObjectCookie => x.req_h.push(J::O(vec![
            ("name".into(), s("Cookie")),
            (
                "value".into(),
                J::O(vec![("v".into(), s(&format!("sid={sec}; theme=x")))]),
            ),
        ])),
        Plant::Base64Octet => {
            let json = format!("{{\"password\": \"{sec}\"}}");
            x.content = b64(json.as_bytes());
            x.content_mime = "application/octet-stream".into();
            x.encoding = Some("base64");
        }
    }
}

fn har(entries: &[Entry], st: &Style) -> String {
    let mut list = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let mut x = Parts {
            req_h: e.plain_headers.iter().map(|(n, v)| nv(n, v)).collect(),
            resp_h: vec![nv("TrackingID", &format!("TRACK-{i}"))],
            cookies: Vec::new(),
            query: vec![nv("page", "2")],
            url: format!("https://api.example.com/v1/items/{i}?page=2"),
            post: None,
            content: "{\"ok\": true}".to_owned(),
            content_mime: "application/json".to_owned(),
            encoding: None,
            redirect: String::new(),
        };
        for (p, sec) in &e.plants {
            plant(&mut x, p, sec);
        }
        let Parts {
            req_h,
            resp_h,
            cookies,
            query,
            url,
            post,
            content,
            content_mime,
            encoding,
            redirect,
        } = x;
        let mut request = vec![
            ("method".to_owned(), s("POST")),
            ("url".to_owned(), J::S(url)),
            ("httpVersion".to_owned(), s("HTTP/1.1")),
            ("headers".to_owned(), J::A(req_h)),
            ("queryString".to_owned(), J::A(query)),
            ("cookies".to_owned(), J::A(cookies)),
            ("headersSize".to_owned(), J::N("-1".into())),
            ("bodySize".to_owned(), J::N("0".into())),
        ];
        if let Some((mime, text)) = post {
            request.push((
                "postData".into(),
                J::O(vec![
                    ("mimeType".into(), J::S(mime)),
                    ("text".into(), J::S(text)),
                ]),
            ));
        }
        list.push(J::O(vec![
            ("startedDateTime".into(), s("2026-01-01T00:00:00.000Z")),
            ("time".into(), J::N(format!("{}", e.wait + 1.5))),
            ("request".into(), J::O(request)),
            (
                "response".into(),
                J::O(vec![
                    ("status".into(), J::N(e.status.to_string())),
                    ("statusText".into(), s("")),
                    ("httpVersion".into(), s("HTTP/1.1")),
                    ("headers".into(), J::A(resp_h)),
                    ("cookies".into(), J::A(vec![])),
                    (
                        "content".into(),
                        J::O({
                            let mut c = vec![
                                ("size".into(), J::N("10".into())),
                                ("mimeType".into(), J::S(content_mime)),
                                ("text".into(), J::S(content)),
                            ];
                            if let Some(e) = encoding {
                                c.push(("encoding".into(), s(e)));
                            }
                            c
                        }),
                    ),
                    ("redirectURL".into(), J::S(redirect)),
                    ("headersSize".into(), J::N("-1".into())),
                    ("bodySize".into(), J::N("-1".into())),
                ]),
            ),
            ("cache".into(), J::O(vec![])),
            (
                "timings".into(),
                J::O(vec![
                    ("send".into(), J::N("0.5".into())),
                    ("wait".into(), J::N(format!("{}", e.wait))),
                    ("receive".into(), J::N("1.0e0".into())),
                ]),
            ),
        ]));
    }
    let doc = J::O(vec![(
        "log".into(),
        J::O(vec![
            ("version".into(), s("1.2")),
            (
                "creator".into(),
                J::O(vec![("name".into(), s("prop")), ("version".into(), s("1"))]),
            ),
            ("entries".into(), J::A(list)),
        ]),
    )]);
    let mut out = String::new();
    write(&mut out, &doc, st, 0);
    out
}

/// Standard base64.
fn b64(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Whether a rewritten string token carries a marker (in base64 too).
fn marked(token: &str) -> bool {
    if token.contains("[REDACTED]") || token.contains("%5BREDACTED%5D") {
        return true;
    }
    let inner = token.trim_matches('"');
    harx::transform::base64::decode(inner)
        .is_some_and(|d| String::from_utf8_lossy(&d).contains("[REDACTED]"))
}

/// The JSON string tokens of `text`, and the text with each replaced by `""`.
fn tokens(text: &str) -> (Vec<&str>, String) {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut skeleton = String::with_capacity(text.len());
    let mut i = 0;
    let mut last = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i;
            i += 1;
            while b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            skeleton.push_str(&text[last..start]);
            skeleton.push_str("\"\"");
            toks.push(&text[start..i]);
            last = i;
        } else {
            i += 1;
        }
    }
    skeleton.push_str(&text[last..]);
    (toks, skeleton)
}

fn sanitize(input: &str) -> (String, Outcome) {
    let rules = Rules::load(None).unwrap_or_else(|e| panic!("{e}"));
    let policy = Policy {
        rules: &rules,
        key: [7; 32],
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let bytes = input.as_bytes().to_vec();
    let len = bytes.len() as u64;
    let source = Source::from_bytes(bytes, len, &harx::source::Limits::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let o = run_source(
        Path::new("prop.har"),
        &source,
        &policy,
        &pool,
        Some(&mut out),
        &|_| "{}".to_owned(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (String::from_utf8(out).unwrap_or_else(|e| panic!("{e}")), o)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn planted_secrets_go_and_every_other_byte_stays(
        entries in prop::collection::vec(entry(), 1..6),
        indent in 0usize..4,
        ascii in any::<bool>(),
        escape_slash in any::<bool>(),
    ) {
        let st = Style { indent, ascii, escape_slash };
        let input = har(&entries, &st);
        let (output, outcome) = sanitize(&input);
        let planted: Vec<&String> = entries.iter().flat_map(|e| e.plants.iter().map(|(_, s)| s)).collect();
        for sec in &planted {
            prop_assert!(!output.contains(sec.as_str()), "secret {} survived", sec);
        }
        prop_assert_eq!(outcome.entries, entries.len());
        // the inserted provenance member is the only addition
        let marker = ", \"_harx_sanitizer\": {}";
        prop_assert_eq!(output.matches(marker).count(), 1);
        let output = output.replacen(marker, "", 1);
        let (a, ska) = tokens(&input);
        let (b, skb) = tokens(&output);
        prop_assert_eq!(ska, skb);
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            if x != y {
                prop_assert!(marked(y), "{} became {}", x, y);
            }
        }
        for i in 0..entries.len() {
            let tracking = format!("TRACK-{i}");
            prop_assert!(output.contains(&tracking));
        }
        prop_assert!(serde_json::from_str::<serde_json::Value>(&output).is_ok());
    }
}
