//! The built-in redaction rules applied to everything that reaches Parquet, NDJSON or CSV:
//! credential headers, cookies, secret query and fragment parameters, and URL passwords.
//! Names, order and structure stay; only values become [`REDACTED`].

use std::borrow::Cow;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Header names whose whole value is secret (compared case-insensitively).
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "set-cookie2",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "x-amz-security-token",
    "x-goog-api-key",
    "x-csrf-token",
    "x-xsrf-token",
    "x-csrftoken",
    "x-vault-token",
    "private-token",
    "x-functions-key",
    "ocp-apim-subscription-key",
];

/// Words that make a header or parameter name secret when they appear as a whole word
/// (split on `-`, `_`, `.` and case changes are not considered): `x-session-token` is
/// secret, `author` and `keyboard` are not.
const SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "apikey",
    "api_key",
    "credential",
    "credentials",
    "signature",
    "sig",
    "jwt",
    "session",
    "sessionid",
    "sid",
    "auth",
    "csrf",
    "xsrf",
    "assertion",
    "samlresponse",
    "samlrequest",
];

/// Query/fragment parameter names that are secret as a whole.
const SECRET_PARAMS: &[&str] = &[
    "code",
    "key",
    "access_token",
    "id_token",
    "refresh_token",
    "client_secret",
    "api_key",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "sv",
];

fn word_secret(name: &str) -> bool {
    name.split(['-', '_', '.', ' '])
        .any(|w| SECRET_WORDS.iter().any(|s| w.eq_ignore_ascii_case(s)))
}

/// Whether a header's value must be redacted.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) || word_secret(name)
}

/// Whether a query, fragment or form parameter's value must be redacted.
pub fn is_secret_param(name: &str) -> bool {
    // `sig`/`sv` belong to pre-signed URLs; whole-name and whole-word matches only.
    SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s)) || word_secret(name)
}

/// Redacts a header value, keeping what is not secret: the scheme word of
/// `Authorization`, cookie names, and `Set-Cookie` attributes.
pub fn header_value<'a>(name: &str, value: Cow<'a, str>) -> Cow<'a, str> {
    if !is_secret_header(name) {
        return value;
    }
    if value.is_empty() {
        return value;
    }
    let lname = name.to_ascii_lowercase();
    match lname.as_str() {
        "authorization" | "proxy-authorization" => match value.trim().split_once(' ') {
            Some((scheme, _)) => Cow::Owned(format!("{scheme} {REDACTED}")),
            None => Cow::Borrowed(REDACTED),
        },
        "cookie" => Cow::Owned(
            value
                .split(';')
                .map(|pair| match pair.split_once('=') {
                    Some((n, _)) => format!("{n}={REDACTED}"),
                    None => pair.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(";"),
        ),
        "set-cookie" | "set-cookie2" => Cow::Owned(
            // Several cookies may be folded into one value with newlines (Chrome does).
            value
                .split('\n')
                .map(|line| {
                    let (first, attrs) = line.split_once(';').map_or((line, None), |(a, b)| (a, Some(b)));
                    let first = match first.split_once('=') {
                        Some((n, _)) => format!("{n}={REDACTED}"),
                        None => REDACTED.to_owned(),
                    };
                    match attrs {
                        Some(a) => format!("{first};{a}"),
                        None => first,
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => Cow::Borrowed(REDACTED),
    }
}

/// Redacts secret parameters in a `a=1&b=2` string.
fn params(s: &str) -> Option<String> {
    let mut changed = false;
    let out: Vec<Cow<'_, str>> = s
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((n, v)) if !v.is_empty() && is_secret_param(&percent_decode_lossy(n)) => {
                changed = true;
                Cow::Owned(format!("{n}={REDACTED}"))
            }
            _ => Cow::Borrowed(pair),
        })
        .collect();
    changed.then(|| out.join("&"))
}

fn percent_decode_lossy(s: &str) -> Cow<'_, str> {
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

/// Redacts a URL: the password of its userinfo, and secret query and fragment parameters.
pub fn url(u: &str) -> Cow<'_, str> {
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
            if let Some((user, pw)) = userinfo.split_once(':') {
                if !pw.is_empty() {
                    out = Some(format!("{}{user}:{REDACTED}{}", &u[..after], &u[after + at..]));
                }
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
    let new_q = query.as_deref().and_then(params);
    let new_f = frag.as_deref().and_then(params);
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
        assert_eq!(header_value("authorization", "Bearer abc.def".into()), "Bearer [REDACTED]");
        assert_eq!(header_value("Cookie", "a=1; b=2".into()), "a=[REDACTED]; b=[REDACTED]");
        assert_eq!(
            header_value("set-cookie", "sid=xyz; Path=/; HttpOnly".into()),
            "sid=[REDACTED]; Path=/; HttpOnly"
        );
        assert_eq!(header_value("x-request-id", "abc".into()), "abc");
    }

    #[test]
    fn urls() {
        assert_eq!(url("https://h/p?a=1&token=xyz#access_token=q"), "https://h/p?a=1&token=[REDACTED]#access_token=[REDACTED]");
        assert_eq!(url("https://u:pw@h/p"), "https://u:[REDACTED]@h/p");
        assert_eq!(url("https://h/p?X-Amz-Signature=ab&x=1"), "https://h/p?X-Amz-Signature=[REDACTED]&x=1");
        assert!(matches!(url("https://h/p?a=1"), Cow::Borrowed(_)));
        assert_eq!(url("https://h/p?author=me"), "https://h/p?author=me");
    }
}
