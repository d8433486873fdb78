//! What the front ends say about a sanitizer run, in one place: the `_harx_sanitizer`
//! member written into the output, the `--report` JSON, and the verifier's findings.

use super::rules::{Replacement, Rules};
use super::{Finding, Outcome};
use serde_json::{Value, json};
use std::io::{self, Read};

/// A fresh random key for pseudonyms (from `/dev/urandom`).
///
/// # Errors
/// When `/dev/urandom` cannot be read.
pub fn random_key() -> io::Result<[u8; 32]> {
    let mut k = [0u8; 32];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut k))?;
    Ok(k)
}

/// `redact` or `pseudonym`.
pub fn mode(rules: &Rules) -> &'static str {
    match rules.replacement {
        Replacement::Redact => "redact",
        Replacement::Pseudonym => "pseudonym",
    }
}

/// Redactions by rule, and by location.
pub fn counts(o: &Outcome) -> (Value, Value) {
    let mut by_rule = serde_json::Map::new();
    let mut by_loc: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for (rule, locs) in &o.counts {
        by_rule.insert(rule.clone(), locs.values().sum::<u64>().into());
        for (l, n) in locs {
            *by_loc.entry(l.clone()).or_default() += n;
        }
    }
    (Value::Object(by_rule), json!(by_loc))
}

/// The `_harx_sanitizer` member of a sanitized HAR.
pub fn meta(o: &Outcome, rules: &Rules) -> String {
    let (by_rule, _) = counts(o);
    json!({
        "tool": "harx",
        "version": env!("CARGO_PKG_VERSION"),
        "rules_sha256": rules.sha256,
        "replacement": mode(rules),
        "redactions": o.total,
        "by_rule": by_rule,
    })
    .to_string()
}

/// The report of a run (`harx sanitize --report`, `harx.sanitize`): counts only, never a
/// value.
pub fn report(o: &Outcome, rules: &Rules, input: &str, output: &str) -> Value {
    let (by_rule, by_location) = counts(o);
    json!({
        "tool": "harx",
        "version": env!("CARGO_PKG_VERSION"),
        "input": input,
        "output": output,
        "rules_sha256": rules.sha256,
        "replacement": mode(rules),
        "entries": o.entries,
        "redactions": o.total,
        "strings_changed": o.findings.len(),
        "by_rule": by_rule,
        "by_location": by_location,
        "by_rule_and_location": o.counts,
    })
}

/// One finding of the verifier (`--verify --json`): where, the confidence and what kind of
/// secret, never the value.
pub fn finding(f: &Finding) -> Value {
    json!({
        "entry": f.entry,
        "offset": f.offset,
        "line": f.line,
        "column": f.column,
        "location": f.location,
        "confidence": f.rules.first().map_or("high", String::as_str),
        "what": f.rules.get(1).map_or("", String::as_str),
    })
}
