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

/// Whether one word of a name (lower-case) makes it secret: `x-session-token` is secret,
/// `author` and `keyboard` are not.
fn secret_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"token"
            | b"secret"
            | b"password"
            | b"passwd"
            | b"pwd"
            | b"apikey"
            | b"credential"
            | b"credentials"
            | b"signature"
            | b"sig"
            | b"jwt"
            | b"session"
            | b"sessionid"
            | b"sid"
            | b"auth"
            | b"csrf"
            | b"xsrf"
            | b"csrftoken"
            | b"xsrftoken"
            | b"assertion"
            | b"samlresponse"
            | b"samlrequest"
            | b"otp"
            | b"pin"
    )
}

fn words_secret(lower: &[u8]) -> bool {
    lower
        .split(|c| matches!(c, b'-' | b'_' | b'.' | b' '))
        .any(secret_word)
}

/// Lower-cases `name` into `buf` (names longer than the buffer are cut; every rule name
/// is shorter).
fn lower<'b>(name: &str, buf: &'b mut [u8; 64]) -> &'b [u8] {
    let b = name.as_bytes();
    let n = b.len().min(buf.len());
    for (d, s) in buf.iter_mut().zip(&b[..n]) {
        *d = s.to_ascii_lowercase();
    }
    &buf[..n]
}

/// The class of a header name.
pub fn header_class(name: &str) -> HeaderClass {
    let mut buf = [0u8; 64];
    let l = lower(name, &mut buf);
    match l {
        b"authorization" | b"proxy-authorization" => HeaderClass::Credentials,
        b"cookie" => HeaderClass::Cookie,
        b"set-cookie" | b"set-cookie2" => HeaderClass::SetCookie,
        b":path" | b"referer" | b"location" | b"content-location" | b"refresh" => HeaderClass::Url,
        b"x-api-key"
        | b"api-key"
        | b"x-amz-security-token"
        | b"x-goog-api-key"
        | b"x-vault-token"
        | b"private-token"
        | b"x-functions-key"
        | b"ocp-apim-subscription-key"
        | b"x-csrftoken"
        | b"x-client-data"
        | b"x-amzn-oidc-accesstoken"
        | b"x-amzn-oidc-data"
        | b"x-rapidapi-key"
        | b"cf-access-token"
        | b"x-forwarded-access-token"
        | b"x-auth-request-access-token" => HeaderClass::Secret,
        _ if words_secret(l) => HeaderClass::Secret,
        _ => HeaderClass::Plain,
    }
}

/// Whether a header's value is secret as a whole or in part (cookies, credentials).
pub fn is_secret_header(name: &str) -> bool {
    !matches!(header_class(name), HeaderClass::Plain | HeaderClass::Url)
}

/// URL and form parameter names that are secret beyond the word rules (OAuth/OIDC, SAML,
/// pre-signed URLs, one-time links).
const SECRET_PARAMS: &[&[u8]] = &[
    b"code",
    b"key",
    b"access_token",
    b"id_token",
    b"refresh_token",
    b"client_secret",
    b"api_key",
    b"x-amz-signature",
    b"x-amz-credential",
    b"x-amz-security-token",
    b"x-goog-signature",
    b"x-goog-credential",
    b"sv",
    b"session_state",
    b"nonce",
    b"id_token_hint",
    b"client_assertion",
    b"device_code",
    b"user_code",
    b"login_hint_token",
    b"mfa_token",
    b"samlrequest",
    b"samlresponse",
    b"signature",
    b"sigalg",
    b"sessiontoken",
    b"statetoken",
    b"key-pair-id",
    b"policy",
    b"ticket",
    b"ott",
    b"magic",
    b"invite",
    b"reset_token",
    b"pass",
    b"code_verifier",
];

/// Names that contain a secret word but name no secret (OAuth metadata).
const NOT_SECRET_PARAMS: &[&[u8]] = &[
    b"token_type",
    b"grant_type",
    b"response_type",
    b"token_endpoint",
    b"auth_time",
    b"authuser",
    b"token_type_hint",
];

/// Whether a query, fragment or form parameter's value must be redacted.
pub fn is_secret_param(name: &str) -> bool {
    let mut buf = [0u8; 64];
    let l = lower(name, &mut buf);
    // `sig`/`sv` belong to pre-signed URLs; whole-name and whole-word matches only.
    if NOT_SECRET_PARAMS.contains(&l) {
        return false;
    }
    SECRET_PARAMS.contains(&l) || words_secret(l)
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

/// Redacts a header value of a known class.
pub fn redact_header(class: HeaderClass, value: Cow<'_, str>) -> Cow<'_, str> {
    if class == HeaderClass::Plain || value.is_empty() {
        return value;
    }
    redact_header_with(class, value, &mut |_| REDACTED.to_owned())
}

/// [`redact_header`] with the replacement chosen by `mark`.
pub fn redact_header_with<'a>(
    class: HeaderClass,
    value: Cow<'a, str>,
    mark: Marker<'_>,
) -> Cow<'a, str> {
    if class == HeaderClass::Plain || value.is_empty() {
        return value;
    }
    match class {
        HeaderClass::Plain => value,
        HeaderClass::Url => match url_with(&value, mark) {
            Cow::Owned(o) => Cow::Owned(o),
            Cow::Borrowed(_) => value,
        },
        HeaderClass::Credentials => match value.trim().split_once(' ') {
            Some((scheme, cred)) => Cow::Owned(format!("{scheme} {}", mark(cred.trim()))),
            None => Cow::Owned(mark(&value)),
        },
        HeaderClass::Cookie => {
            let mut out = String::with_capacity(value.len());
            for (k, pair) in value.split(';').enumerate() {
                if k > 0 {
                    out.push(';');
                }
                match pair.split_once('=') {
                    Some((n, v)) => {
                        out.push_str(n);
                        out.push('=');
                        out.push_str(&mark(v));
                    }
                    None => out.push_str(pair),
                }
            }
            Cow::Owned(out)
        }
        HeaderClass::SetCookie => {
            // Several cookies may be folded into one value with newlines (Chrome does).
            let mut out = String::with_capacity(value.len());
            for (k, line) in value.split('\n').enumerate() {
                if k > 0 {
                    out.push('\n');
                }
                let (first, attrs) = line
                    .split_once(';')
                    .map_or((line, None), |(a, b)| (a, Some(b)));
                match first.split_once('=') {
                    Some((n, v)) => {
                        out.push_str(n);
                        out.push('=');
                        out.push_str(&mark(v));
                    }
                    None => out.push_str(&mark(first)),
                }
                if let Some(a) = attrs {
                    out.push(';');
                    out.push_str(a);
                }
            }
            Cow::Owned(out)
        }
        HeaderClass::Secret => Cow::Owned(mark(&value)),
    }
}

/// Redacts the values of parameters for which `secret(name)` holds in an `a=1&b=2`
/// string; `None` when nothing changed.
pub fn params_with(s: &str, secret: &dyn Fn(&str) -> bool, mark: Marker<'_>) -> Option<String> {
    let mut changed = false;
    let out: Vec<Cow<'_, str>> = s
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((n, v)) if !v.is_empty() && secret(&percent_decode_lossy(n)) => {
                changed = true;
                Cow::Owned(format!("{n}={}", mark(v)))
            }
            _ => Cow::Borrowed(pair),
        })
        .collect();
    changed.then(|| out.join("&"))
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
    url_with_rule(u, &is_secret_param, mark)
}

/// [`url`] with the secret-parameter rule and the replacement given.
pub fn url_with_rule<'a>(
    u: &'a str,
    secret: &dyn Fn(&str) -> bool,
    mark: Marker<'_>,
) -> Cow<'a, str> {
    if !u.contains(['?', '#', '@']) {
        return Cow::Borrowed(u);
    }
    let mut out: Option<String> = None;
    let cur = |o: &Option<String>| o.clone().unwrap_or_else(|| u.to_owned());
    // userinfo password
    if let Some(after) = u.find("://").map(|i| i + 3) {
        let auth_end = u[after..]
            .find(['/', '?', '#'])
            .map_or(u.len(), |i| after + i);
        if let Some(at) = u[after..auth_end].rfind('@') {
            let userinfo = &u[after..after + at];
            if let Some((user, pw)) = userinfo.split_once(':')
                && !pw.is_empty()
            {
                out = Some(format!(
                    "{}{user}:{}{}",
                    &u[..after],
                    mark(pw),
                    &u[after + at..]
                ));
            }
        }
    }
    let s = cur(&out);
    let (base, frag) = match s.split_once('#') {
        Some((a, f)) => (a.to_owned(), Some(f.to_owned())),
        None => (s.clone(), None),
    };
    let (path, query) = match base.split_once('?') {
        Some((a, q)) => (a.to_owned(), Some(q.to_owned())),
        None => (base.clone(), None),
    };
    let new_q = query.as_deref().and_then(|q| params_with(q, secret, mark));
    let new_f = frag.as_deref().and_then(|f| params_with(f, secret, mark));
    if new_q.is_none() && new_f.is_none() {
        return out.map_or(Cow::Borrowed(u), Cow::Owned);
    }
    let mut r = path;
    if let Some(q) = new_q.or(query) {
        r.push('?');
        r.push_str(&q);
    }
    if let Some(f) = new_f.or(frag) {
        r.push('#');
        r.push_str(&f);
    }
    Cow::Owned(r)
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
    }

    #[test]
    fn urls() {
        assert_eq!(
            url("https://h/p?a=1&token=xyz#access_token=q"),
            "https://h/p?a=1&token=[REDACTED]#access_token=[REDACTED]"
        );
        assert_eq!(url("https://u:pw@h/p"), "https://u:[REDACTED]@h/p");
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
