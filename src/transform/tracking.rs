//! Correlation and tracking IDs: the first hit of a configurable list of headers.

/// The default correlation headers, in priority order.
pub const DEFAULT_TRACKING_HEADERS: &[&str] = &[
    "trackingid",
    "x-request-id",
    "x-correlation-id",
    "traceparent",
    "x-amzn-trace-id",
    "x-b3-traceid",
    "cf-ray",
];

/// Extracts the ID from a header value: the trace id field of a W3C `traceparent`
/// (`00-<trace-id>-<parent-id>-<flags>`), the `Root=` of `X-Amzn-Trace-Id`, or the
/// trimmed value.
pub fn id_from_value<'a>(name: &str, value: &'a str) -> Option<&'a str> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if name.eq_ignore_ascii_case("traceparent") {
        return v.split('-').nth(1).filter(|t| !t.is_empty());
    }
    if name.eq_ignore_ascii_case("x-amzn-trace-id")
        && let Some(root) = v.split(';').find_map(|p| p.trim().strip_prefix("Root="))
    {
        return Some(root);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(
            id_from_value(
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            ),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(
            id_from_value(
                "X-Amzn-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
            ),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(
            id_from_value("TrackingID", " WEBEX_abc_12 "),
            Some("WEBEX_abc_12")
        );
        assert_eq!(id_from_value("x-request-id", ""), None);
    }
}
