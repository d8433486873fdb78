//! HAR 1.2 rules that need no I/O: timestamps, HTTP versions, URLs, timing semantics.

pub mod time;
pub mod timings;
pub mod url;

/// Normalizes a producer's `httpVersion` to "1.0", "1.1", "2" or "3".
pub fn normalize_http_version(raw: &str) -> Option<&'static str> {
    let v = raw.trim().to_ascii_lowercase();
    let v = v.strip_prefix("http/").unwrap_or(&v);
    match v {
        "1.0" | "1" => Some("1.0"),
        "1.1" => Some("1.1"),
        "2" | "2.0" | "h2" | "h2c" | "2 2" | "2 3" => Some("2"),
        "3" | "3.0" | "h3" => Some("3"),
        _ if v.starts_with("spdy") => Some("2"),
        _ if v.starts_with("h3-") || v.contains("quic") => Some("3"),
        _ => None,
    }
}

/// The status class of an HTTP status code; `None` when the producer wrote no response.
pub fn status_class(status: Option<i64>) -> &'static str {
    match status {
        Some(100..=199) => "1xx",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(500..=599) => "5xx",
        Some(s) if s > 0 => "other",
        _ => "no_response",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_versions() {
        for (raw, want) in [
            ("HTTP/1.1", Some("1.1")),
            ("http/1.0", Some("1.0")),
            ("h2", Some("2")),
            ("HTTP/2.0", Some("2")),
            ("2 2", Some("2")),
            ("spdy", Some("2")),
            ("h3", Some("3")),
            ("http/2.0+quic/46", Some("3")),
            ("h3-Q050", Some("3")),
            ("", None),
            ("unknown", None),
            ("us:", None),
            ("K", None),
        ] {
            assert_eq!(normalize_http_version(raw), want, "{raw}");
        }
    }

    #[test]
    fn classes() {
        assert_eq!(status_class(Some(204)), "2xx");
        assert_eq!(status_class(None), "no_response");
        assert_eq!(status_class(Some(503)), "5xx");
        assert_eq!(status_class(Some(999)), "other");
    }
}
