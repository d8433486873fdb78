//! Splitting a URL into the parts the Parquet schema carries. Lenient: anything that is not
//! `scheme://authority/path?query#fragment` keeps what can be recognised.

/// The parts of a URL.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// Scheme as written (`https`), or `None`.
    pub scheme: Option<&'a str>,
    /// Host as written, without brackets or port.
    pub host: Option<&'a str>,
    /// Explicit port, or the scheme's default.
    pub port: Option<i32>,
    /// Path (may be empty).
    pub path: Option<&'a str>,
    /// Query without the `?`.
    pub query: Option<&'a str>,
}

/// Splits `url` into its parts.
pub fn split_url(url: &str) -> UrlParts<'_> {
    let mut parts = UrlParts::default();
    let (scheme, rest) = match url.find(':') {
        Some(i)
            if i > 0
                && url[..i]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            (Some(&url[..i]), &url[i + 1..])
        }
        _ => (None, url),
    };
    parts.scheme = scheme;
    let rest = rest.split_once('#').map_or(rest, |(a, _)| a);
    let (before_query, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    parts.query = query;
    if let Some(after) = before_query.strip_prefix("//") {
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        parts.path = Some(path);
        let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            match v6.split_once(']') {
                Some((h, tail)) => (h, tail.strip_prefix(':')),
                None => (v6, None),
            }
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        parts.host = (!host.is_empty()).then_some(host);
        parts.port = port.and_then(|p| p.parse::<i32>().ok()).or_else(|| {
            match scheme.map(str::to_ascii_lowercase).as_deref() {
                Some("http" | "ws") => Some(80),
                Some("https" | "wss") => Some(443),
                Some("ftp") => Some(21),
                _ => None,
            }
        });
    } else {
        parts.path = Some(before_query);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let u = split_url("https://user:pw@Example.com:8443/a/b?x=1&y=2#frag");
        assert_eq!(u.scheme, Some("https"));
        assert_eq!(u.host, Some("Example.com"));
        assert_eq!(u.port, Some(8443));
        assert_eq!(u.path, Some("/a/b"));
        assert_eq!(u.query, Some("x=1&y=2"));
        let u = split_url("http://[::1]/");
        assert_eq!((u.host, u.port), (Some("::1"), Some(80)));
        let u = split_url("wss://h");
        assert_eq!((u.host, u.port, u.path), (Some("h"), Some(443), Some("")));
        let u = split_url("data:image/png;base64,AAAA");
        assert_eq!(
            (u.scheme, u.host, u.path),
            (Some("data"), None, Some("image/png;base64,AAAA"))
        );
        let u = split_url("/relative?q");
        assert_eq!(
            (u.scheme, u.path, u.query),
            (None, Some("/relative"), Some("q"))
        );
    }
}
