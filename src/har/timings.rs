//! Timing semantics: HAR 1.2 nests `ssl` inside `connect`; Firefox, Playwright and
//! mitmproxy count it apart. Detected per entry.

/// The phases of one entry as written (`-1` already mapped to `None`).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Phases {
    /// `timings.blocked`
    pub blocked: Option<f64>,
    /// `timings.dns`
    pub dns: Option<f64>,
    /// `timings.connect`
    pub connect: Option<f64>,
    /// `timings.ssl`
    pub ssl: Option<f64>,
    /// `timings.send`
    pub send: Option<f64>,
    /// `timings.wait`
    pub wait: Option<f64>,
    /// `timings.receive`
    pub receive: Option<f64>,
}

/// What [`derive`] concludes about one entry.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Derived {
    /// Whether `ssl` is counted inside `connect`; `None` when there is no TLS phase.
    pub ssl_in_connect: Option<bool>,
    /// `connect` without TLS.
    pub tcp: Option<f64>,
    /// Sum of the phases, TLS counted once.
    pub total: Option<f64>,
}

/// Whether a producer counts `ssl` apart from `connect` when an entry's own numbers do
/// not tell (Firefox, Playwright and mitmproxy do).
pub fn producer_ssl_additive(creator_name: &str) -> bool {
    let n = creator_name.to_ascii_lowercase();
    n.contains("firefox") || n.contains("playwright") || n.contains("mitmproxy")
}

fn pos(v: Option<f64>) -> f64 {
    v.filter(|x| *x > 0.0).unwrap_or(0.0)
}

/// Derives `ssl_in_connect`, `tcp_ms` and `total_ms` for one entry.
///
/// With a TLS phase (`ssl > 0`), the entry's `time` decides: if it equals the sum of the
/// non-negative phases without `ssl` (within max(1 ms, 0.2 %)), `ssl` is nested; if it
/// equals that sum plus `ssl`, it is additive. Otherwise `connect < ssl` means additive
/// (a nested `ssl` cannot exceed `connect`), and failing that the producer's habit decides.
pub fn derive(p: &Phases, time: Option<f64>, producer_additive: bool) -> Derived {
    let parts = [p.blocked, p.dns, p.connect, p.send, p.wait, p.receive];
    let any = parts.iter().any(Option::is_some) || p.ssl.is_some();
    let sum_excl: f64 = parts.iter().map(|v| pos(*v)).sum();
    let ssl = pos(p.ssl);
    let ssl_in_connect = if ssl > 0.0 {
        let tol = |t: f64| (t.abs() * 0.002).max(1.0);
        let by_time = time.filter(|t| *t >= 0.0).and_then(|t| {
            if (t - sum_excl).abs() <= tol(t) {
                Some(true)
            } else if (t - sum_excl - ssl).abs() <= tol(t) {
                Some(false)
            } else {
                None
            }
        });
        Some(by_time.unwrap_or_else(|| {
            if p.connect.is_some_and(|c| c < ssl) {
                false
            } else {
                !producer_additive
            }
        }))
    } else {
        None
    };
    let tcp = match (p.connect, ssl_in_connect) {
        (Some(c), Some(true)) => Some((c - ssl).max(0.0)),
        (c, _) => c,
    };
    let total = any.then(|| {
        if ssl_in_connect == Some(false) {
            sum_excl + ssl
        } else {
            sum_excl
        }
    });
    Derived {
        ssl_in_connect,
        tcp,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph(c: f64, s: f64) -> Phases {
        Phases {
            blocked: Some(1.0),
            dns: Some(2.0),
            connect: Some(c),
            ssl: Some(s),
            send: Some(1.0),
            wait: Some(10.0),
            receive: Some(5.0),
        }
    }

    #[test]
    fn nested_when_time_matches_sum_without_ssl() {
        let d = derive(&ph(30.0, 20.0), Some(49.0), true);
        assert_eq!(d.ssl_in_connect, Some(true));
        assert_eq!(d.tcp, Some(10.0));
        assert_eq!(d.total, Some(49.0));
    }

    #[test]
    fn additive_when_time_includes_ssl() {
        let d = derive(&ph(10.0, 20.0), Some(49.0), false);
        assert_eq!(d.ssl_in_connect, Some(false));
        assert_eq!(d.tcp, Some(10.0));
        assert_eq!(d.total, Some(49.0));
    }

    #[test]
    fn fallbacks() {
        // time says nothing: connect < ssl means additive.
        assert_eq!(
            derive(&ph(5.0, 20.0), None, false).ssl_in_connect,
            Some(false)
        );
        // connect >= ssl: producer habit.
        assert_eq!(
            derive(&ph(30.0, 20.0), None, true).ssl_in_connect,
            Some(false)
        );
        assert_eq!(
            derive(&ph(30.0, 20.0), None, false).ssl_in_connect,
            Some(true)
        );
        // No TLS phase.
        let d = derive(&ph(30.0, 0.0), Some(49.0), false);
        assert_eq!((d.ssl_in_connect, d.tcp), (None, Some(30.0)));
        assert_eq!(derive(&Phases::default(), None, false).total, None);
    }
}
