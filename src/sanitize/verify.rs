//! `sanitize --verify`: a check of a HAR that is *not* the sanitizer. It shares no rule
//! with [`super::rules`] or [`crate::transform`]: its own list of vendor token formats,
//! its own fuzzy reading of names (substrings, not words), and an entropy test for
//! secrets under names nobody would guess. It looks through the encodings a secret hides
//! in (percent, base64, JSON inside strings, HTML entities) and reports where, never what.
//!
//! Findings are `high` (a vendor token format, a credential-shaped value under a
//! secret-sounding name, a cookie value) or `possible` (high entropy, or a plain value
//! under a secret-sounding name): the first fail the check, the second are listed as the
//! false positives they may be.

use super::json::{self, Node};
use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// A secret by format or by name and shape: the check fails.
    High,
    /// May be a secret (entropy, or a word under a secret-sounding name): listed only.
    Possible,
}

/// One thing the verifier found in one JSON string of the HAR.
#[derive(Debug, Clone)]
pub struct Suspect {
    /// Span of the JSON string token in the input.
    pub span: Range<usize>,
    /// Which detector, and where inside the string (a name, never a value).
    pub what: String,
    /// How sure.
    pub confidence: Confidence,
    /// Field (`request.headers`, `response.content.text`…).
    pub location: String,
}

/// Vendor and protocol token formats (the verifier's own list).
const FORMATS: &[(&str, &str)] = &[
    (
        "jwt",
        r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
    ),
    (
        "aws-key-id",
        r"(?:A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}",
    ),
    (
        "github",
        r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})",
    ),
    ("gitlab", r"glpat-[A-Za-z0-9_-]{20,}"),
    ("slack", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    (
        "slack-webhook",
        r"hooks\.slack\.com/services/[A-Za-z0-9/]{20,}",
    ),
    ("stripe", r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"),
    ("google-api-key", r"AIza[0-9A-Za-z_-]{35}"),
    ("google-oauth", r"ya29\.[0-9A-Za-z_-]{20,}"),
    ("npm", r"npm_[A-Za-z0-9]{36}"),
    ("sendgrid", r"SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
    ("twilio", r"\bSK[0-9a-fA-F]{32}\b"),
    ("openai", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"),
    ("pem-private-key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    ("okta-ssws", r"SSWS\s+[0-9A-Za-z_-]{20,}"),
    ("shopify", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("mailgun", r"\bkey-[0-9a-f]{32}\b"),
    ("square", r"sq0(?:atp|csp)-[0-9A-Za-z_-]{20,}"),
    ("azure-sas", r"[?&]sig=[A-Za-z0-9%+/=]{20,}"),
    (
        "url-password",
        r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@\[%]+@",
    ),
    (
        "credential-scheme",
        r"(?i)\b(?:bearer|basic|digest|token|ssws|apikey)\s+[A-Za-z0-9._~+/=-]{12,}",
    ),
];

fn formats() -> &'static [(String, Regex)] {
    static F: OnceLock<Vec<(String, Regex)>> = OnceLock::new();
    F.get_or_init(|| {
        FORMATS
            .iter()
            .filter_map(|(n, p)| Regex::new(p).ok().map(|r| ((*n).to_owned(), r)))
            .collect()
    })
}

/// `name=value` / `name: value` pairs in free text (the verifier's own pattern).
fn pairs() -> Option<&'static Regex> {
    static P: OnceLock<Option<Regex>> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(
            r#"([A-Za-z0-9_$.\[\]-]{2,64})["']?(?:\s{0,3}:\s{0,3}|=|%3[dD])["']?([^\s"'&;,<>(){}\[\]\\/]{4,})"#,
        )
        .ok()
    })
    .as_ref()
}

/// Substrings of a name (lower-case, letters and digits only) that make it sound secret.
const NAME_HINTS: &[&str] = &[
    "token",
    "secret",
    "passw",
    "pwd",
    "passcode",
    "passphrase",
    "apikey",
    "accesskey",
    "privatekey",
    "signingkey",
    "subscriptionkey",
    "auth",
    "session",
    "sessid",
    "cookie",
    "credential",
    "signature",
    "otp",
    "csrf",
    "xsrf",
    "saml",
    "jwt",
    "bearer",
    "ticket",
    "nonce",
    "clientkey",
    "masterkey",
    "licensekey",
];

/// Whole names (same normalisation) that sound secret on their own.
const NAME_EXACT: &[&str] = &[
    "sid", "pin", "code", "state", "key", "sig", "pass", "hash", "ott", "magic", "sv", "se",
];

/// Of those, the ones that name ordinary things as often (`key` in a script, an error
/// `code`): a finding under them is `possible` unless the value is random.
const NAME_WEAK: &[&str] = &[
    "code", "state", "key", "hash", "sv", "se", "sig", "magic", "nonce",
];

/// Whether a (normalised) name says a number under it is a secret: a one-time code, a
/// PIN, a numeric key (`otp`, `mfaCode`, `X-Api-Key`), not a metric that mentions one.
fn numeric_secret_name(n: &str) -> bool {
    [
        "otp", "pin", "passcode", "password", "passwd", "secret", "token", "apikey", "mfacode",
        "totp",
    ]
    .iter()
    .any(|e| n.ends_with(e))
}

/// How sure a credential-shaped value under `name` makes a finding.
fn under_name(name: &str, value: &str) -> Confidence {
    let n = norm(name);
    // a CSP nonce is random and public once the page is served
    if n == "nonce" || NAME_WEAK.contains(&n.as_str()) && !runs(value).any(random_run) {
        Confidence::Possible
    } else {
        Confidence::High
    }
}

/// Names that sound secret but are protocol words.
const NAME_BENIGN: &[&str] = &[
    "authority",
    "wwwauthenticate",
    "secwebsocketkey",
    "secwebsocketaccept",
    "authuser",
    "xgoogauthuser",
    "author",
    "authorname",
    "tokentype",
    "granttype",
    "responsetype",
    "authtime",
    "sessionexpires",
    "keyboard",
    "accesscontrolallowcredentials",
    "accesscontrolallowheaders",
    "accesscontrolexposeheaders",
    "accesscontrolrequestheaders",
    "xoauthscopes",
    "xacceptedoauthscopes",
    "statustext",
    "hashchange",
];

fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a name sounds like it holds a secret (substrings: generous on purpose).
pub fn suspicious_name(name: &str) -> bool {
    let mut n = norm(name);
    if n.contains("author") && !n.contains("authoriz") {
        // `authorId`, `ParseAuthorStyleSheet`: a writer, not a credential
        n = n.replace("author", "");
    }
    if n.is_empty() || NAME_BENIGN.contains(&n.as_str()) || n.starts_with("accesscontrol") {
        return false;
    }
    NAME_EXACT.contains(&n.as_str()) || NAME_HINTS.iter().any(|h| n.contains(h))
}

/// Whether `v` is a redaction marker (plain, with a pseudonym, percent-encoded).
fn marker_at(s: &str, i: usize) -> Option<usize> {
    let rest = &s[i..];
    for (open, close) in [("[REDACTED", "]"), ("%5BREDACTED", "%5D")] {
        if let Some(r) = rest.strip_prefix(open) {
            return r
                .find(close)
                .filter(|&e| e <= 10)
                .map(|e| open.len() + e + close.len());
        }
    }
    None
}

/// `s` without its redaction markers.
fn without_markers(s: &str) -> String {
    if !s.contains("REDACTED") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if let Some(n) = marker_at(s, i) {
            i += n;
            continue;
        }
        let c = s[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn classes(s: &str) -> u8 {
    u8::from(s.bytes().any(|c| c.is_ascii_lowercase()))
        + u8::from(s.bytes().any(|c| c.is_ascii_uppercase()))
        + u8::from(s.bytes().any(|c| c.is_ascii_digit()))
}

/// Runs of credential characters in `s`.
fn runs(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || "._~+/=-".contains(c)))
        .filter(|r| !r.is_empty())
}

/// Whether a run looks minted: long, mixed, random.
fn random_run(r: &str) -> bool {
    let r = r.trim_matches(['.', '=', '-', '/']);
    r.len() >= 20
        && classes(r) >= 3
        && entropy(r) >= 3.6
        && !r.contains("..")
        && r.bytes().filter(|&c| c == b'/').count() < 2
}

/// Whether a value (markers removed) holds something credential-shaped.
fn credential_shaped(v: &str) -> bool {
    runs(v).any(|r| {
        let scheme = ["bearer", "basic", "digest", "token", "negotiate", "ntlm"]
            .iter()
            .any(|s| r.eq_ignore_ascii_case(s));
        let digit = r.bytes().any(|c| c.is_ascii_digit());
        let alpha = r.bytes().any(|c| c.is_ascii_alphabetic());
        !scheme
            && (r.len() >= 8 && digit && alpha
                || r.len() >= 16 && classes(r) == 3
                || r.len() >= 32 && entropy(r) >= 3.5)
    })
}

/// A value worth a look under a suspicious name (not a flag, a number of seconds, a
/// scheme word).
fn non_trivial(v: &str) -> bool {
    let t = v.trim();
    !(t.len() < 4
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "none" | "undefined" | "bearer" | "basic" | "yes" | "no"
        ))
}

/// The verifier's walk over one entry (or the pages array).
pub struct Check {
    /// What it found.
    pub suspects: Vec<Suspect>,
    span: Range<usize>,
    loc: String,
}

impl Check {
    /// A check with nothing found yet.
    pub fn new() -> Self {
        Self {
            suspects: Vec::new(),
            span: 0..0,
            loc: String::new(),
        }
    }

    fn flag(&mut self, what: String, confidence: Confidence) {
        if self
            .suspects
            .iter()
            .any(|s| s.span == self.span && s.what == what)
        {
            return;
        }
        self.suspects.push(Suspect {
            span: self.span.clone(),
            what,
            confidence,
            location: self.loc.clone(),
        });
    }

    /// Checks every string of `n`. `loc`: the field path so far.
    pub fn walk(&mut self, n: &Node<'_>, loc: &str) {
        match n {
            Node::Obj(m) => {
                // {name, value} objects (headers, cookies, params): the value is judged by
                // the name; the last `name` counts, as JSON.parse takes it
                let name = n.get("name").and_then(Node::as_str).map(str::to_owned);
                for (k, v) in m {
                    let child = child_loc(loc, k);
                    let label = match (k.as_ref(), &name) {
                        ("value", Some(nm)) => Some(nm.clone()),
                        ("name", Some(_)) => None,
                        _ => Some(k.to_string()),
                    };
                    self.member(v, &child, label.as_deref());
                }
            }
            Node::Arr(a) => {
                for v in a {
                    self.walk(v, loc);
                }
            }
            _ => self.member(n, loc, None),
        }
    }

    fn member(&mut self, v: &Node<'_>, loc: &str, name: Option<&str>) {
        match v {
            Node::Str(span, s) => {
                self.span = span.clone();
                self.loc = loc.to_owned();
                self.string(s, name, 0);
            }
            Node::Num(span) => {
                let n = name.map(norm).unwrap_or_default();
                let strong = numeric_secret_name(&n);
                if strong || n == "code" {
                    self.span = span.clone();
                    self.loc = loc.to_owned();
                    let conf = if strong {
                        Confidence::High
                    } else {
                        Confidence::Possible
                    };
                    self.flag(format!("number under {}", name.unwrap_or("")), conf);
                }
            }
            Node::Obj(_) => self.walk(v, loc),
            // an array's strings are judged under the array's name too: Polly writes a
            // repeated header as `{"name": "Cookie", "value": ["a=…", "b=…"]}`
            Node::Arr(items) => {
                for item in items {
                    self.member(item, loc, name);
                }
            }
            Node::Deep(span) => {
                // too deep to walk: what it holds is unknown
                self.span = span.clone();
                self.loc = loc.to_owned();
                self.flag(
                    "a value nested deeper than 256 levels (not inspected)".to_owned(),
                    Confidence::Possible,
                );
            }
            Node::Other => {}
        }
    }

    /// One string: judged under its name, then looked into (decoded) for more.
    fn string(&mut self, s: &str, name: Option<&str>, depth: usize) {
        if depth > 4 || s.is_empty() {
            return;
        }
        let clean = without_markers(s);
        for (fmt, re) in formats() {
            if re.is_match(&clean) {
                self.flag(format!("{fmt} format"), Confidence::High);
            }
        }
        if let Some(n) = name {
            self.named(n, &clean);
        }
        self.inside(s, &clean, name, depth);
    }

    fn named(&mut self, name: &str, clean: &str) {
        let n = norm(name);
        if n.contains("cookie") {
            // `a=1; b=2` / `sid=1; Path=/`: every value must be gone
            for (i, pair) in clean.split([';', '\n', ',']).enumerate() {
                let Some((k, v)) = pair.split_once('=') else {
                    if i == 0 && non_trivial(pair) {
                        self.flag(format!("cookie value under {name}"), Confidence::High);
                    }
                    continue;
                };
                let attr = matches!(
                    k.trim().to_ascii_lowercase().as_str(),
                    "path"
                        | "domain"
                        | "expires"
                        | "max-age"
                        | "samesite"
                        | "priority"
                        | "partitioned"
                        | "version"
                        | "comment"
                        | "commenturl"
                        | "secure"
                        | "httponly"
                        | "port"
                        | "discard"
                );
                if !attr && !v.trim().is_empty() {
                    self.flag(format!("cookie value under {name}"), Confidence::High);
                }
            }
            return;
        }
        if !suspicious_name(name) || !non_trivial(clean) {
            return;
        }
        if credential_shaped(clean) {
            let conf = under_name(name, clean);
            self.flag(format!("credential-shaped value under {name}"), conf);
        } else {
            self.flag(format!("value under {name}"), Confidence::Possible);
        }
    }

    /// Looks inside a string: URL parameters and free-text pairs, encodings, nested JSON,
    /// random-looking runs.
    fn inside(&mut self, s: &str, clean: &str, name: Option<&str>, depth: usize) {
        if let Some(re) = pairs()
            && clean.len() <= 1 << 20
        {
            let mut at = 0;
            while let Some(c) = re.captures_at(clean, at) {
                let (Some(k), Some(v)) = (c.get(1), c.get(2)) else {
                    break;
                };
                // the next pair may start inside this one's value (`https://h/?tkn=…`)
                at = k.end().max(at + 1);
                let key = k
                    .as_str()
                    .rsplit(['?', '&', '.'])
                    .next()
                    .unwrap_or(k.as_str());
                if key.len() > 40 || random_run(key) {
                    // not a name: a random path segment before `=` padding
                    continue;
                }
                let first_ok = v.as_str().starts_with(|c: char| c.is_ascii_alphanumeric());
                if suspicious_name(key) && non_trivial(v.as_str()) && first_ok {
                    let conf = if credential_shaped(v.as_str()) {
                        under_name(key, v.as_str())
                    } else {
                        Confidence::Possible
                    };
                    self.flag(format!("pair {key}"), conf);
                }
            }
        }
        // decodings; random-looking runs are judged in the innermost form only
        let t = s.trim();
        let mut decoded = false;
        if t.contains('%') {
            let d = percent_decode(t);
            if d != t {
                decoded = true;
                self.string(&d, name, depth + 1);
            }
        }
        if t.contains("&#") || t.contains("&quot;") || t.contains("&amp;") {
            let d = html_unescape(t);
            if d != t {
                self.string(&d, name, depth + 1);
            }
        }
        if t.starts_with(['{', '[']) || t.starts_with(")]}") {
            let body = t
                .trim_start_matches(")]}'")
                .trim_start_matches([',', '\n', '\r', ' ']);
            if let Ok(node) = json::parse(body.as_bytes(), 0) {
                self.nested(&node, depth + 1);
            }
        }
        if !decoded
            && clean.len() <= 8192
            && !self.base64_text(t, name, depth)
            && !t.starts_with("data:")
        {
            for r in runs(clean).flat_map(|r| r.split('/')) {
                if random_run(r) {
                    self.flag("high-entropy run".to_owned(), Confidence::Possible);
                }
            }
        }
        self.data_url(t, name, depth);
    }

    /// A base64 string that decodes to text: checked as that text. Whether it did.
    fn base64_text(&mut self, t: &str, name: Option<&str>, depth: usize) -> bool {
        if t.len() >= 16
            && t.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"+/=_-\r\n".contains(&c))
            && let Some(bytes) = crate::transform::base64::decode(t)
        {
            let (text, sure) = if let Ok(u) = std::str::from_utf8(&bytes) {
                (u.to_owned(), true)
            } else {
                // text in an 8-bit encoding, or random bytes: looked into, and the base64
                // itself still judged as a possible random token
                let controls = bytes
                    .iter()
                    .filter(|&&c| c < 0x20 && !b"\t\r\n".contains(&c))
                    .count();
                if controls * 50 > bytes.len() {
                    return false;
                }
                (bytes.iter().map(|&c| char::from(c)).collect(), false)
            };
            self.string(&text, name, depth + 1);
            return sure;
        }
        false
    }

    fn data_url(&mut self, t: &str, name: Option<&str>, depth: usize) {
        if let Some(rest) = t.strip_prefix("data:")
            && let Some((meta, payload)) = rest.split_once(',')
        {
            if meta.ends_with(";base64") {
                if let Some(b) = crate::transform::base64::decode(payload) {
                    let text = String::from_utf8_lossy(&b).into_owned();
                    self.string(&text, name, depth + 1);
                }
            } else {
                self.string(&percent_decode(payload), name, depth + 1);
            }
        }
    }

    /// Strings of JSON found inside a string, judged under their own keys.
    fn nested(&mut self, n: &Node<'_>, depth: usize) {
        match n {
            Node::Obj(m) => {
                for (k, v) in m {
                    match v {
                        Node::Str(_, s) => self.string(s, Some(k), depth),
                        Node::Num(_) => {
                            let n = norm(k);
                            if matches!(n.as_str(), "otp" | "pin" | "passcode" | "totp") {
                                self.flag(format!("number under {k}"), Confidence::High);
                            } else if n == "code" {
                                self.flag(format!("number under {k}"), Confidence::Possible);
                            }
                        }
                        _ => self.nested(v, depth),
                    }
                }
            }
            Node::Arr(a) => {
                for v in a {
                    self.nested(v, depth);
                }
            }
            Node::Str(_, s) => self.string(s, None, depth),
            _ => {}
        }
    }
}

impl Default for Check {
    fn default() -> Self {
        Self::new()
    }
}

fn child_loc(loc: &str, key: &str) -> String {
    match key {
        "request" | "response" | "content" | "postData" | "headers" | "cookies" | "queryString"
        | "params" | "text" | "url" | "redirectURL" | "_webSocketMessages" | "_initiator" => {
            if loc.is_empty() {
                key.to_owned()
            } else {
                format!("{loc}.{key}")
            }
        }
        _ => loc.to_owned(),
    }
}

fn percent_decode(s: &str) -> String {
    crate::transform::redact::percent_decode_lossy(s).into_owned()
}

fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let tail = &rest[p..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let ent = &tail[1..e];
            match ent {
                "quot" => Some('"'),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(doc: &str) -> Vec<(String, Confidence)> {
        let node = json::parse(doc.as_bytes(), 0).unwrap_or_else(|e| panic!("{e:?}"));
        let mut c = Check::new();
        c.walk(&node, "");
        c.suspects
            .into_iter()
            .map(|s| (s.what, s.confidence))
            .collect()
    }

    fn high(doc: &str) -> bool {
        check(doc).iter().any(|(_, c)| *c == Confidence::High)
    }

    #[test]
    fn finds_what_no_rule_names() {
        assert!(high(
            r#"{"headers":[{"name":"X-Tkn-Auth","value":"Zq9aB3cD4eF5gH6iJ7kL"}]}"#
        ));
        assert!(high(
            r#"{"text":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2ln"}"#
        ));
        // base64 of `apiKey="Zq9aB3cD4eF5gH6iJ7kL"`
        assert!(high(r#"{"v":"YXBpS2V5PSJacTlhQjNjRDRlRjVnSDZpSjdrTCI="}"#));
        assert!(high(r#"{"comment":"see https://u:hunter22@h/"}"#));
        assert!(high(
            r#"{"headers":[{"name":"Cookie","value":"a=1; b=xyz"}]}"#
        ));
        assert!(high(r#"{"otp": 918273}"#));
        let possible = check(r#"{"x":"q8Vf3kLm9PzR2tWx7YbN4sD"}"#);
        assert!(
            possible
                .iter()
                .any(|(w, c)| w == "high-entropy run" && *c == Confidence::Possible)
        );
    }

    #[test]
    fn markers_are_never_flagged() {
        for doc in [
            r#"{"headers":[{"name":"Authorization","value":"Bearer [REDACTED]"}]}"#,
            r#"{"headers":[{"name":"Cookie","value":"a=[REDACTED]; b=[REDACTED:0a1b2c3d]"}]}"#,
            r#"{"headers":[{"name":"Set-Cookie","value":"sid=[REDACTED]; Path=/; HttpOnly"}]}"#,
            r#"{"url":"https://u:%5BREDACTED%5D@h/p?token=[REDACTED]"}"#,
            r#"{"text":"PGlucHV0IG5hbWU9InN4c3JmIiB2YWx1ZT0iW1JFREFDVEVEXSI+"}"#,
            r#"{"headers":[{"name":":authority","value":"orders.example.com"}]}"#,
            r#"{"token_type":"Bearer","expires_in":3600,"code":"E42"}"#,
        ] {
            assert!(!high(doc), "{doc}: {:?}", check(doc));
        }
    }
}
