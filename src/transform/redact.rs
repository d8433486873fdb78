//! The built-in redaction rules applied to everything that reaches Parquet, NDJSON or CSV:
//! credential headers, cookies, secret query and fragment parameters, and URL passwords.
//! Names, order and structure stay; only values become [`REDACTED`].

use std::borrow::Cow;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// How a header's value is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderClass {
    /// Not secret.
    Plain,
    /// Holds a URL: secret parameters and passwords inside it are redacted.
    Url,
    /// `Authorization`-like: the scheme word stays.
    Credentials,
    /// `Cookie`: names stay.
    Cookie,
    /// `Set-Cookie`: the name and the attributes stay.
    SetCookie,
    /// The whole value is secret.
    Secret,
}

use super::names::{Words, is_credentials_name, is_secret_name, token_shaped, words_are_secret};

/// The class of a header name (stray spaces and case ignored; camelCase, `_` and `-`
/// read as word breaks, see [`super::names`]).
pub fn header_class(name: &str) -> HeaderClass {
    use super::names::{Memo, memo};
    const CLASSES: [HeaderClass; 6] = [
        HeaderClass::Plain,
        HeaderClass::Url,
        HeaderClass::Credentials,
        HeaderClass::Cookie,
        HeaderClass::SetCookie,
        HeaderClass::Secret,
    ];
    let i = memo(Memo::HeaderClass, name, || {
        let c = header_class_of(name);
        u8::try_from(CLASSES.iter().position(|x| *x == c).unwrap_or(0)).unwrap_or(0)
    });
    CLASSES[usize::from(i).min(5)]
}

fn header_class_of(name: &str) -> HeaderClass {
    let w = Words::of(name);
    let snake = w.snake();
    match snake.as_str() {
        "proxy_authorization" => return HeaderClass::Credentials,
        "cookie" | "x_cookie" | "cookies" => return HeaderClass::Cookie,
        "set_cookie" | "set_cookie2" | "x_set_cookie" => return HeaderClass::SetCookie,
        "path" | "referer" | "referrer" | "location" | "content_location" | "refresh" | "link"
        | "origin_url" | "x_original_url" | "x_rewrite_url" => return HeaderClass::Url,
        "x_client_data" | "x_amzn_oidc_data" | "private_token" | "x_functions_key"
        | "x_rapidapi_key" | "x_goog_api_key" | "x_vault_token" | "api_key" => {
            return HeaderClass::Secret;
        }
        _ => {}
    }
    if is_credentials_name(&w) {
        return HeaderClass::Credentials;
    }
    if words_are_secret(&w) {
        return HeaderClass::Secret;
    }
    HeaderClass::Plain
}

/// Whether a header's value is secret as a whole or in part (cookies, credentials).
pub fn is_secret_header(name: &str) -> bool {
    !matches!(header_class(name), HeaderClass::Plain | HeaderClass::Url)
}

/// URL and form parameter names (as `snake_case` words) that are secret beyond the word
/// rules (OAuth/OIDC, SAML, pre-signed URLs, one-time links).
const SECRET_PARAMS: &[&str] = &[
    "code",
    "key",
    "api_key",
    "x_amz_signature",
    "x_amz_credential",
    "x_amz_security_token",
    "x_goog_signature",
    "x_goog_credential",
    "sv",
    "session_state",
    "nonce",
    "id_token_hint",
    "client_assertion",
    "device_code",
    "user_code",
    "login_hint_token",
    "mfa_token",
    "sigalg",
    "key_pair_id",
    "policy",
    "ticket",
    "ott",
    "magic",
    "invite",
    "reset_token",
    "code_verifier",
    "code_challenge",
    "hash",
    "hmac",
    "sas",
    "se",
];

/// Parameter names secret only when the value looks like a credential (an OAuth `state`
/// is random; a filter's `state=open` is not).
const SECRET_IF_TOKEN_SHAPED: &[&str] = &["state", "s", "t", "k", "h", "auth_state", "relay_state"];

/// Whether a query, fragment or form parameter's value must be redacted, judged by its
/// name alone.
pub fn is_secret_param(name: &str) -> bool {
    use super::names::{Memo, memo};
    memo(Memo::SecretParam, name, || {
        let w = Words::of(name);
        u8::from(SECRET_PARAMS.contains(&w.snake().as_str()) || words_are_secret(&w))
    }) == 1
}

/// Whether a parameter must be redacted, judged by its name and value.
pub fn is_secret_param_value(name: &str, value: &str) -> bool {
    if is_secret_param(name) {
        return true;
    }
    use super::names::{Memo, memo};
    let if_random = memo(Memo::IfRandom, name, || {
        u8::from(SECRET_IF_TOKEN_SHAPED.contains(&Words::of(name).snake().as_str()))
    }) == 1;
    if_random && (token_shaped(value) || value.len() >= 24)
}

/// Redacts a header value, keeping what is not secret: the scheme word of
/// `Authorization`, cookie names, `Set-Cookie` attributes, and the non-secret parts of
/// URLs in `Referer`, `Location` and `:path`.
pub fn header_value<'a>(name: &str, value: Cow<'a, str>) -> Cow<'a, str> {
    redact_header(header_class(name), value)
}

/// What replaces a secret value: the fixed marker, or (for the sanitizer) a keyed
/// pseudonym. Called once per redacted value, with that value.
pub type Marker<'m> = &'m mut dyn FnMut(&str) -> String;

/// Whether a parameter (name, value) is secret.
pub type ParamRule<'r> = &'r dyn Fn(&str, &str) -> bool;

/// Redacts a header value of a known class.
pub fn redact_header(class: HeaderClass, value: Cow<'_, str>) -> Cow<'_, str> {
    redact_header_with(class, value, &mut |_| REDACTED.to_owned())
}

/// [`redact_header`] with the replacement chosen by `mark`.
pub fn redact_header_with<'a>(
    class: HeaderClass,
    value: Cow<'a, str>,
    mark: Marker<'_>,
) -> Cow<'a, str> {
    redact_header_rules(class, value, &is_secret_param_value, &|_| false, mark)
}

/// [`redact_header_with`] with the parameter rule and the cookie keep-list given: the
/// one implementation of header redaction for every output.
pub fn redact_header_rules<'a>(
    class: HeaderClass,
    value: Cow<'a, str>,
    secret: ParamRule<'_>,
    keep_cookie: &dyn Fn(&str) -> bool,
    mark: Marker<'_>,
) -> Cow<'a, str> {
    if value.is_empty() || value.bytes().all(|c| c.is_ascii_whitespace()) {
        return value;
    }
    let owned = |o: Option<String>| o.map_or(Cow::Borrowed(""), Cow::Owned);
    let out = match class {
        HeaderClass::Plain | HeaderClass::Url if value.trim_start().starts_with(['{', '[']) => {
            // a header carrying JSON (`X-Meta: {"clientSecret": …}`): whole, when a
            // member is secret
            let secret_json = serde_json::from_str::<serde_json::Value>(&value)
                .is_ok_and(|j| json_has_secret_member(&j, 0));
            secret_json.then(|| mark(&value))
        }
        HeaderClass::Plain | HeaderClass::Url => {
            if class == HeaderClass::Url || may_hold_url(&value) {
                embedded_urls(&value, secret, mark)
            } else {
                None
            }
        }
        HeaderClass::Credentials => Some(credentials(&value, mark)),
        HeaderClass::Cookie => cookie_pairs(&value, keep_cookie, mark),
        HeaderClass::SetCookie => set_cookies(&value, keep_cookie, mark),
        HeaderClass::Secret => Some(mark(&value)),
    };
    match out {
        Some(o) if o != *value => owned(Some(o)),
        _ => value,
    }
}

/// `Scheme credential` → `Scheme [REDACTED]`; the scheme word stays when it is one.
fn credentials(value: &str, mark: Marker<'_>) -> String {
    let t = value.trim();
    match t.split_once(' ') {
        Some((scheme, cred))
            if scheme.len() <= 24
                && scheme
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-') =>
        {
            let cred = cred.trim();
            if cred.is_empty() {
                return value.to_owned();
            }
            format!("{scheme} {}", mark(cred))
        }
        _ => mark(t),
    }
}

/// `Cookie: a=1; b=2` → every value redacted (names kept); a pair with no `=` (a nameless
/// cookie) is a value too.
fn cookie_pairs(value: &str, keep: &dyn Fn(&str) -> bool, mark: Marker<'_>) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    for (k, pair) in value.split(';').enumerate() {
        if k > 0 {
            out.push(';');
        }
        match pair.split_once('=') {
            Some((n, v)) if !v.trim().is_empty() && !keep(n.trim()) => {
                out.push_str(n);
                out.push('=');
                out.push_str(&mark(v));
            }
            Some(_) => out.push_str(pair),
            None if pair.trim().is_empty() => out.push_str(pair),
            None => {
                let lead = pair.len() - pair.trim_start().len();
                out.push_str(&pair[..lead]);
                out.push_str(&mark(pair.trim()));
            }
        }
    }
    Some(out)
}

/// `Set-Cookie`: cookies folded with newlines (Chrome) or joined with `, ` (some
/// producers and proxies); each one's value redacted, its name and attributes kept.
fn set_cookies(value: &str, keep: &dyn Fn(&str) -> bool, mark: Marker<'_>) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    for (k, line) in value.split('\n').enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let mut bounds = vec![0];
        bounds.extend(set_cookie_starts(line));
        bounds.push(line.len());
        for w in bounds.windows(2) {
            let seg = &line[w[0]..w[1]];
            let (seg, comma) = match seg.strip_suffix(',') {
                Some(t) if w[1] != line.len() => (t, ","),
                _ => (seg, ""),
            };
            let (first, attrs) = seg
                .split_once(';')
                .map_or((seg, None), |(a, b)| (a, Some(b)));
            match first.split_once('=') {
                Some((n, v)) if !keep(n.trim()) && !v.trim().is_empty() => {
                    out.push_str(n);
                    out.push('=');
                    out.push_str(&mark(v));
                }
                Some(_) => out.push_str(first),
                None if first.trim().is_empty() => out.push_str(first),
                None => out.push_str(&mark(first)),
            }
            if let Some(a) = attrs {
                out.push(';');
                out.push_str(a);
            }
            out.push_str(comma);
        }
    }
    Some(out)
}

/// Where cookies joined with `,` start again in one `Set-Cookie` line: after a comma
/// followed by `name=` (the comma of an `Expires` date is followed by a day number and a
/// space, never by `=`).
fn set_cookie_starts(line: &str) -> Vec<usize> {
    let b = line.as_bytes();
    let mut starts = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        if c != b',' {
            continue;
        }
        let mut j = i + 1;
        while b.get(j) == Some(&b' ') {
            j += 1;
        }
        let name_start = j;
        while b
            .get(j)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
        {
            j += 1;
        }
        if j > name_start && b.get(j) == Some(&b'=') {
            starts.push(i + 1);
        }
    }
    starts
}

/// Whether a plain header value may hold a URL worth redacting.
fn may_hold_url(v: &str) -> bool {
    v.contains("://") || (v.starts_with('/') && v.contains(['?', ';', '#']))
}

/// Redacts every URL inside `s` (`Link: <https://…?token=…>; rel=next`, a bare path with
/// a query); `None` when nothing changed.
pub fn embedded_urls(s: &str, secret: ParamRule<'_>, mark: Marker<'_>) -> Option<String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut changed = false;
    let mut i = 0;
    let stop = |c: u8| c.is_ascii_whitespace() || b"\"'<>`,()[]{}\\".contains(&c);
    while i < b.len() {
        let start = if i == 0 && b[0] == b'/' {
            Some(0)
        } else if b[i..].starts_with(b"://") {
            // back to the scheme
            let mut k = i;
            while k > 0
                && (b[k - 1].is_ascii_alphanumeric() || matches!(b[k - 1], b'+' | b'.' | b'-'))
            {
                k -= 1;
            }
            (k < i && k >= last).then_some(k)
        } else {
            None
        };
        let Some(st) = start else {
            i += 1;
            continue;
        };
        let mut end = if st == 0 && b[0] == b'/' { 0 } else { i + 3 };
        while end < b.len() && !stop(b[end]) {
            end += 1;
        }
        // `[` and `]` stay inside a URL's authority (`https://[::1]/`)
        if let Cow::Owned(o) = url_with_rule(&s[st..end], secret, mark) {
            out.push_str(&s[last..st]);
            out.push_str(&o);
            last = end;
            changed = true;
        }
        i = end.max(i + 1);
    }
    if !changed {
        return None;
    }
    out.push_str(&s[last..]);
    Some(out)
}
/// Redacts the values of secret parameters in an `a=1&b=2` (or `a=1;b=2`) string;
/// `None` when nothing changed. Values that are URLs, or encoded URLs, or parameter
/// strings themselves are redacted inside, down to three levels of encoding.
pub fn params_with(s: &str, secret: ParamRule<'_>, mark: Marker<'_>) -> Option<String> {
    params_depth(s, secret, mark, 0)
}

/// Deepest nesting of URLs inside parameter values that is followed.
const MAX_URL_NESTING: usize = 4;

fn params_depth(s: &str, secret: ParamRule<'_>, mark: Marker<'_>, depth: usize) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    loop {
        let cut = rest.find(['&', ';']).unwrap_or(rest.len());
        let pair = &rest[..cut];
        match pair.split_once('=') {
            Some((n, v)) if !v.is_empty() => {
                let name = percent_decode_lossy(n);
                let value = percent_decode_lossy(v);
                if !is_marker_text(&value) && (secret(&name, &value) || base64_json_secret(&value))
                {
                    changed = true;
                    out.push_str(n);
                    out.push('=');
                    out.push_str(&mark(v));
                } else if let Some(inner) = nested_value(v, secret, mark, depth) {
                    changed = true;
                    out.push_str(n);
                    out.push('=');
                    out.push_str(&inner);
                } else {
                    out.push_str(pair);
                }
            }
            _ => out.push_str(pair),
        }
        if cut == rest.len() {
            break;
        }
        out.push_str(&rest[cut..=cut]);
        rest = &rest[cut + 1..];
    }
    changed.then_some(out)
}

/// A parameter value that is itself a URL or a parameter string, plain or
/// percent-encoded once or more (`next=%252Fcb%253Ftoken%253D…`): redacted inside and
/// encoded again as many times.
fn nested_value(v: &str, secret: ParamRule<'_>, mark: Marker<'_>, depth: usize) -> Option<String> {
    if depth >= MAX_URL_NESTING || v.len() < 4 {
        return None;
    }
    let mut levels = 0;
    let mut cur = v.to_owned();
    while cur.contains('%') && levels < 3 {
        let d = percent_decode_lossy(&cur).into_owned();
        if d == cur {
            break;
        }
        cur = d;
        levels += 1;
    }
    if cur.trim_start().starts_with(['{', '[']) {
        // JSON in a parameter: redacted whole when a member is secret
        let secret_json = serde_json::from_str::<serde_json::Value>(&cur)
            .is_ok_and(|j| json_has_secret_member(&j, 0));
        return secret_json.then(|| mark(v));
    }
    if !cur.contains(['=', '?', '#', '@', ';']) {
        return None;
    }
    let inner = if cur.contains("://") || cur.starts_with('/') {
        match url_depth(&cur, secret, mark, depth + 1) {
            Cow::Owned(o) => Some(o),
            Cow::Borrowed(_) => None,
        }
    } else {
        params_depth(&cur, secret, mark, depth + 1)
    }?;
    let mut enc = inner;
    for _ in 0..levels {
        enc = percent_encode_component(&enc);
    }
    Some(enc)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode_component(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c as char);
        } else {
            let _ = write!(out, "%{c:02X}");
        }
    }
    out
}

/// A marker as it may stand inside a URL's userinfo or path: `%5BREDACTED%5D` keeps the
/// URL valid for RFC 3986 parsers where brackets are not allowed.
pub fn url_safe(marker: &str) -> String {
    marker.replace('[', "%5B").replace(']', "%5D")
}

/// Whether `v` is a redaction marker, plain or percent-encoded.
pub fn is_marker_text(v: &str) -> bool {
    let v = v.trim();
    v == REDACTED
        || v == "%5BREDACTED%5D"
        || (v.starts_with("[REDACTED:") && v.ends_with(']') && v.len() == 19)
        || (v.starts_with("%5BREDACTED:") && v.ends_with("%5D") && v.len() == 23)
}

/// Whether a value is base64 (or base64url) of a JSON object with a secret-named member:
/// AppSync's realtime `header=` parameter carries the API key or token that way.
fn base64_json_secret(v: &str) -> bool {
    if v.len() < 16 || !v.starts_with("ey") {
        return false;
    }
    let Some(bytes) = super::base64::decode(v) else {
        return false;
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return false;
    };
    json_has_secret_member(&json, 0)
}

fn json_has_secret_member(v: &serde_json::Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    match v {
        serde_json::Value::Object(m) => m.iter().any(|(k, x)| {
            let scalar =
                matches!(x, serde_json::Value::String(s) if !s.is_empty()) || x.is_number();
            (scalar && (is_secret_name(k) || header_class(k) != HeaderClass::Plain))
                || json_has_secret_member(x, depth + 1)
        }),
        serde_json::Value::Array(a) => a.iter().any(|x| json_has_secret_member(x, depth + 1)),
        _ => false,
    }
}

/// Decodes `%XX` and `+` (form encoding), lossily.
pub fn percent_decode_lossy(s: &str) -> Cow<'_, str> {
    if !s.contains('%') && !s.contains('+') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// [`url`] for a value that is already a `Cow`: keeps the borrow when nothing is secret.
pub fn url_cow(u: Cow<'_, str>) -> Cow<'_, str> {
    let redacted = match url(&u) {
        Cow::Owned(o) => Some(o),
        Cow::Borrowed(_) => None,
    };
    redacted.map_or(u, Cow::Owned)
}

/// Redacts a URL: the password of its userinfo, and secret query and fragment parameters.
pub fn url(u: &str) -> Cow<'_, str> {
    url_with(u, &mut |_| REDACTED.to_owned())
}

/// [`url`] with the replacement chosen by `mark`.
pub fn url_with<'a>(u: &'a str, mark: Marker<'_>) -> Cow<'a, str> {
    url_with_rule(u, &is_secret_param_value, mark)
}

/// Path segments after which a long segment is a one-time token (`/reset/MQ/<token>/`).
const TOKEN_PATH_WORDS: &[&str] = &[
    "reset",
    "password-reset",
    "reset-password",
    "resetpassword",
    "verify",
    "verification",
    "confirm",
    "confirmation",
    "activate",
    "activation",
    "magic",
    "magic-link",
    "invite",
    "invitation",
    "token",
    "tokens",
    "unsubscribe",
    "otp",
    "share",
];

/// Redacts a URL: the userinfo (the password, or the user name when it stands alone: a
/// key given as `https://KEY:@host`), `;name=value` path parameters (`;jsessionid=`),
/// one-time tokens in paths, secret query and fragment parameters (also after a
/// hash-router `#/route?`), and URLs nested in parameter values.
pub fn url_with_rule<'a>(u: &'a str, secret: ParamRule<'_>, mark: Marker<'_>) -> Cow<'a, str> {
    url_depth(u, secret, mark, 0)
}

fn userinfo(userinfo: &str, mark: Marker<'_>) -> String {
    match userinfo.split_once(':') {
        Some((user, pw)) if !pw.is_empty() && !is_marker_text(pw) => {
            format!("{user}:{}", url_safe(&mark(pw)))
        }
        Some((user, pw)) if pw.is_empty() && !user.is_empty() && !is_marker_text(user) => {
            format!("{}:", url_safe(&mark(user)))
        }
        None if !userinfo.is_empty() && !is_marker_text(userinfo) => url_safe(&mark(userinfo)),
        _ => userinfo.to_owned(),
    }
}

fn url_depth<'a>(
    u: &'a str,
    secret: ParamRule<'_>,
    mark: Marker<'_>,
    depth: usize,
) -> Cow<'a, str> {
    if !u.contains(['?', '#', '@', ';']) && !has_token_path(u) {
        return Cow::Borrowed(u);
    }
    let (head, rest) = match u.find("://") {
        Some(i) => {
            let after = i + 3;
            let auth_end = u[after..]
                .find(['/', '?', '#'])
                .map_or(u.len(), |k| after + k);
            let authority = &u[after..auth_end];
            let head = match authority.rfind('@') {
                Some(at) => format!(
                    "{}{}{}",
                    &u[..after],
                    userinfo(&authority[..at], mark),
                    &authority[at..]
                ),
                None => u[..auth_end].to_owned(),
            };
            (head, &u[auth_end..])
        }
        None => (String::new(), u),
    };
    let (before_frag, frag) = match rest.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (rest, None),
    };
    let (path, query) = match before_frag.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_frag, None),
    };
    let new_path = path_params(path, secret, mark);
    let new_q =
        query.and_then(|q| json_query(q, mark).or_else(|| params_depth(q, secret, mark, depth)));
    let new_f = frag.and_then(|f| fragment(f, secret, mark, depth));
    let mut r = head;
    r.push_str(new_path.as_deref().unwrap_or(path));
    if let Some(q) = new_q.as_deref().or(query) {
        r.push('?');
        r.push_str(q);
    }
    if let Some(f) = new_f.as_deref().or(frag) {
        r.push('#');
        r.push_str(f);
    }
    if r == u {
        Cow::Borrowed(u)
    } else {
        Cow::Owned(r)
    }
}

/// A query that is (percent-encoded) JSON rather than `name=value` pairs (analytics
/// beacons: `?{"event":{"sessionToken":…}}`): redacted whole when a member is secret.
fn json_query(q: &str, mark: Marker<'_>) -> Option<String> {
    let d = percent_decode_lossy(q);
    let t = d.trim_end_matches(';');
    if !t.starts_with(['{', '[']) {
        return None;
    }
    let j = serde_json::from_str::<serde_json::Value>(t).ok()?;
    json_has_secret_member(&j, 0).then(|| mark(q))
}

/// A fragment: `#access_token=…&…`, or a hash-router route with its own query
/// (`#/auth?token=…`).
fn fragment(f: &str, secret: ParamRule<'_>, mark: Marker<'_>, depth: usize) -> Option<String> {
    if let Some((route, q)) = f.split_once('?') {
        let new_route = path_params(route, secret, mark);
        let new_q = params_depth(q, secret, mark, depth);
        if new_route.is_none() && new_q.is_none() {
            return None;
        }
        return Some(format!(
            "{}?{}",
            new_route.as_deref().unwrap_or(route),
            new_q.as_deref().unwrap_or(q)
        ));
    }
    if f.contains('=') {
        return params_depth(f, secret, mark, depth);
    }
    path_params(f, secret, mark)
}

/// Whether a segment followed by another one is a token word (`/reset/…`).
fn has_token_path(u: &str) -> bool {
    u.rsplit('/').skip(1).any(|seg| {
        (3..=14).contains(&seg.len())
            && TOKEN_PATH_WORDS.iter().any(|w| seg.eq_ignore_ascii_case(w))
    })
}

/// Whether a path segment after a token word is the token.
fn path_token(seg: &str) -> bool {
    !is_marker_text(seg)
        && (token_shaped(seg) || seg.len() >= 20 && seg.bytes().any(|c| c.is_ascii_digit()))
}

/// `;name=value` parameters of path segments (`/app;jsessionid=…/x`) and one-time tokens
/// in the segments after `reset`, `verify`, `magic-link`…; `None` when nothing changed.
fn path_params(path: &str, secret: ParamRule<'_>, mark: Marker<'_>) -> Option<String> {
    if !path.contains(';') && !has_token_path(path) {
        return None;
    }
    let mut changed = false;
    let mut out = String::with_capacity(path.len());
    let mut after_token_word = 0usize;
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let (base, params) = seg
            .split_once(';')
            .map_or((seg, None), |(a, b)| (a, Some(b)));
        if after_token_word > 0 && path_token(base) {
            out.push_str(&url_safe(&mark(base)));
            changed = true;
        } else {
            out.push_str(base);
        }
        let word = TOKEN_PATH_WORDS
            .iter()
            .any(|w| base.eq_ignore_ascii_case(w));
        after_token_word = if word {
            3
        } else {
            after_token_word.saturating_sub(1)
        };
        let Some(p) = params else { continue };
        for kv in p.split(';') {
            out.push(';');
            match kv.split_once('=') {
                Some((n, v))
                    if !v.is_empty()
                        && !is_marker_text(v)
                        && secret(&percent_decode_lossy(n), v) =>
                {
                    out.push_str(n);
                    out.push('=');
                    out.push_str(&url_safe(&mark(v)));
                    changed = true;
                }
                _ => out.push_str(kv),
            }
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert!(is_secret_header("Authorization"));
        assert!(is_secret_header("X-Session-Token"));
        assert!(!is_secret_header("Author"));
        assert!(!is_secret_header("Keyboard"));
        assert!(!is_secret_header("TrackingID"));
        assert!(!is_secret_header("WWW-Authenticate"));
        assert_eq!(
            header_value("authorization", "Bearer abc.def".into()),
            "Bearer [REDACTED]"
        );
        assert_eq!(
            header_value("Cookie", "a=1; b=2".into()),
            "a=[REDACTED]; b=[REDACTED]"
        );
        assert_eq!(
            header_value("set-cookie", "sid=xyz; Path=/; HttpOnly".into()),
            "sid=[REDACTED]; Path=/; HttpOnly"
        );
        assert_eq!(header_value("x-request-id", "abc".into()), "abc");
        assert_eq!(
            header_value(":path", "/a?token=1&b=2".into()),
            "/a?token=[REDACTED]&b=2"
        );
        assert_eq!(header_value("X-Api-Key", "k".into()), "[REDACTED]");
        assert_eq!(header_value("X-Api_Key", "k".into()), "[REDACTED]");
        assert_eq!(
            header_value("X-Forwarded-Authorization", "Bearer abc".into()),
            "Bearer [REDACTED]"
        );
        assert_eq!(
            header_value("Cookie", "nameless; a=1".into()),
            "[REDACTED]; a=[REDACTED]"
        );
        assert_eq!(
            header_value(
                "Set-Cookie",
                "lang=en; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, session=s3cr3t; HttpOnly"
                    .into()
            ),
            "lang=[REDACTED]; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, session=[REDACTED]; HttpOnly"
        );
        assert_eq!(
            header_value("Link", "<https://h/p?token=t>; rel=\"next\"".into()),
            "<https://h/p?token=[REDACTED]>; rel=\"next\""
        );
        assert_eq!(
            header_value("Access-Control-Allow-Credentials", "true".into()),
            "true"
        );
    }

    #[test]
    fn urls() {
        assert_eq!(
            url("https://h/p?a=1&token=xyz#access_token=q"),
            "https://h/p?a=1&token=[REDACTED]#access_token=[REDACTED]"
        );
        assert_eq!(url("https://u:pw@h/p"), "https://u:%5BREDACTED%5D@h/p");
        assert_eq!(url("https://KEY123:@h/p"), "https://%5BREDACTED%5D:@h/p");
        assert_eq!(
            url("https://h/a;jsessionid=abc/b"),
            "https://h/a;jsessionid=%5BREDACTED%5D/b"
        );
        assert_eq!(
            url("https://h/#/auth?token=t1&x=1"),
            "https://h/#/auth?token=[REDACTED]&x=1"
        );
        assert_eq!(
            url("https://h/p?a=1;token=t2"),
            "https://h/p?a=1;token=[REDACTED]"
        );
        assert_eq!(
            url("https://h/l?next=%252Fcb%253Ftoken%253Dabc%2526x%253D1"),
            "https://h/l?next=%252Fcb%253Ftoken%253D%255BREDACTED%255D%2526x%253D1"
        );
        assert_eq!(
            url("https://h/reset/MQ/c3o2ub-4c8b0e8f6a1b2c3d4e5f/"),
            "https://h/reset/MQ/%5BREDACTED%5D/"
        );
        assert_eq!(url("https://h/a?state=open"), "https://h/a?state=open");
        assert_eq!(
            url("https://h/a?state=Zq9k3LmP0xYt7QwE2rVb"),
            "https://h/a?state=[REDACTED]"
        );
        assert_eq!(
            url("https://h/api/v1/users/42"),
            "https://h/api/v1/users/42"
        );
        assert_eq!(
            url("https://h/p?X-Amz-Signature=ab&x=1"),
            "https://h/p?X-Amz-Signature=[REDACTED]&x=1"
        );
        assert!(matches!(url("https://h/p?a=1"), Cow::Borrowed(_)));
        assert_eq!(url("https://h/p?author=me"), "https://h/p?author=me");
    }
}

/// FNV-1a: a tiny, fast hash for short keys such as header names.
#[derive(Debug, Clone, Copy)]
pub struct FnvHasher(u64);

/// The 64-bit FNV-1a hash of `bytes`.
pub fn fnv(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = FnvHasher::default();
    h.write(bytes);
    h.finish()
}

impl Default for FnvHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Remembers the class of each header name seen: a file has a few hundred distinct names
/// and millions of headers.
#[derive(Debug, Default)]
pub struct HeaderClassCache {
    map: std::collections::HashMap<Box<str>, HeaderClass, std::hash::BuildHasherDefault<FnvHasher>>,
}

impl HeaderClassCache {
    /// Most names a cache keeps (names are attacker-controlled; memory stays bounded).
    const MAX: usize = 4096;

    /// The class of `name`.
    pub fn get(&mut self, name: &str) -> HeaderClass {
        if let Some(c) = self.map.get(name) {
            return *c;
        }
        let c = header_class(name);
        if self.map.len() < Self::MAX {
            self.map.insert(name.into(), c);
        }
        c
    }
}
