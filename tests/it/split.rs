//! The splitter against serde_json as the oracle: for random HARs (escaped quotes,
//! backslashes, braces and brackets inside strings, unicode, BOM, any key order, long
//! strings), the entry ranges harx finds are exactly the entries serde_json parses, and the
//! parsed rows carry the same strings.

use harx::parse::{EntryParser, FileInput, ParseConfig};
use harx::sink::schema::{EntryBatchBuilder, FileContext};
use harx::split::{self, SplitStop};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,8}",
        r#"[\{\}\[\]"\\,:/ a-zé😀\n\t]{0,40}"#,
        // long strings exercise the long-string path of the splitter and the parser
        (r#"[\{\}\[\]"\\a-z0-9+/=]{1,16}"#, 20usize..80).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn json_value(depth: u32) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        tricky_string().prop_map(Value::String),
        any::<i64>().prop_map(|i| json!(i)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    prop_oneof![
        3 => leaf,
        1 => prop::collection::vec(json_value(depth - 1), 0..4).prop_map(Value::Array),
        1 => prop::collection::vec((tricky_string(), json_value(depth - 1)), 0..4)
            .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
    ]
    .boxed()
}

fn entry() -> impl Strategy<Value = Value> {
    (
        tricky_string(),
        tricky_string(),
        prop::collection::vec((tricky_string(), tricky_string()), 0..5),
        json_value(2),
        tricky_string(),
        any::<bool>(),
    )
        .prop_map(|(url, method, headers, extra, body, rev)| {
            let hs: Vec<Value> = headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
            let mut m = Map::new();
            let mut parts = vec![
                ("request", json!({"method": method, "url": url, "headers": hs})),
                ("response", json!({"status": 200, "content": {"size": body.len(), "text": body}, "headers": []})),
                ("_extra", extra),
                ("timings", json!({"wait": 1.5, "receive": -1})),
            ];
            if rev {
                parts.reverse();
            }
            for (k, v) in parts {
                m.insert(k.to_owned(), v);
            }
            Value::Object(m)
        })
}

fn har() -> impl Strategy<Value = (Vec<u8>, Vec<Value>)> {
    (
        prop::collection::vec(entry(), 0..12),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(entries, pretty, bom, pages_last)| {
            let mut log = Map::new();
            if !pages_last {
                log.insert("pages".into(), json!([]));
            }
            log.insert("creator".into(), json!({"name": "prop", "version": "1"}));
            log.insert("entries".into(), Value::Array(entries.clone()));
            if pages_last {
                log.insert("pages".into(), json!([]));
            }
            log.insert("version".into(), json!("1.2"));
            let doc = json!({ "log": Value::Object(log) });
            let mut bytes = if bom {
                vec![0xEF, 0xBB, 0xBF]
            } else {
                Vec::new()
            };
            let text = if pretty {
                serde_json::to_string_pretty(&doc)
            } else {
                serde_json::to_string(&doc)
            }
            .unwrap_or_default();
            bytes.extend_from_slice(text.as_bytes());
            (bytes, entries)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn split_ranges_equal_serde_entries((bytes, entries) in har()) {
        let bom = harx::source::bom_len(&bytes);
        let layout = split::locate(&bytes[bom..]).map_err(|e| TestCaseError::fail(e.message))?;
        let start = layout.entries_body.map(|p| p + bom).ok_or_else(|| TestCaseError::fail("no entries"))?;
        let mut spans = Vec::new();
        let mut longs = Vec::new();
        let stop = split::split_entries(&bytes, start, 0, usize::MAX, &mut spans, &mut longs);
        prop_assert!(matches!(stop, SplitStop::End(_)));
        prop_assert_eq!(spans.len(), entries.len());
        for (span, want) in spans.iter().zip(&entries) {
            let got: Value = serde_json::from_slice(&bytes[span.start..span.end])
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&got, want);
        }
        // The parse stage recovers every string, long ones included.
        let pages = HashMap::new();
        let input = FileInput { buf: &bytes, longs: &longs, pages: &pages, producer_ssl_additive: false };
        let mut parser = EntryParser::new();
        let mut builder = EntryBatchBuilder::new();
        let config = ParseConfig { sanitize: false, ..ParseConfig::default() };
        for span in &spans {
            parser.parse_into(&input, &FileContext::default(), &config, span, &mut builder)
                .map_err(|e| TestCaseError::fail(e.message))?;
        }
        let batch = builder.finish().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let urls = batch.column_by_name("url").ok_or_else(|| TestCaseError::fail("url"))?;
        let urls = arrow_array::cast::AsArray::as_string::<i32>(urls);
        for (i, want) in entries.iter().enumerate() {
            prop_assert_eq!(Some(urls.value(i)), want["request"]["url"].as_str());
        }
    }

    #[test]
    fn truncated_input_yields_complete_entries_only((bytes, entries) in har(), cut in 0.0f64..1.0) {
        let bom = harx::source::bom_len(&bytes);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let cut = bom + ((bytes.len() - bom) as f64 * cut) as usize;
        let bytes = &bytes[..cut];
        let Ok(layout) = split::locate(&bytes[bom..]) else { return Ok(()); };
        let Some(start) = layout.entries_body.map(|p| p + bom) else { return Ok(()); };
        let mut spans = Vec::new();
        let mut longs = Vec::new();
        split::split_entries(bytes, start, 0, usize::MAX, &mut spans, &mut longs);
        prop_assert!(spans.len() <= entries.len());
        for (span, want) in spans.iter().zip(&entries) {
            let got: Value = serde_json::from_slice(&bytes[span.start..span.end])
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&got, want);
        }
    }
}

#[test]
fn windows_resume_at_entry_boundaries() {
    let mut text = String::from(r#"{"log":{"pages":[],"creator":{},"entries":["#);
    for i in 0..500 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(r#"{{"n":{i},"s":"{}"}}"#, "x\\\"".repeat(i % 150)));
    }
    text.push_str("]}}");
    let bytes = text.as_bytes();
    let start = split::locate(bytes)
        .ok()
        .and_then(|l| l.entries_body)
        .unwrap_or(0);
    let mut all = Vec::new();
    let mut pos = start;
    let mut next = 0;
    loop {
        let mut spans = Vec::new();
        let mut longs = Vec::new();
        let stop = split::split_entries(bytes, pos, next, 997, &mut spans, &mut longs);
        next += spans.len();
        all.extend(spans);
        match stop {
            SplitStop::Budget(p) => pos = p,
            SplitStop::End(_) => break,
            SplitStop::Truncated => panic!("truncated"),
        }
    }
    assert_eq!(all.len(), 500);
    for (i, s) in all.iter().enumerate() {
        assert_eq!(s.index, i);
        let v: Value = serde_json::from_slice(&bytes[s.start..s.end]).unwrap_or_default();
        assert_eq!(v["n"], json!(i));
    }
}
