//! Fuzzes the structural splitter and the entry parser: any bytes, never a panic, and the
//! spans the splitter yields are ordered, inside the input, and containers are balanced.
#![no_main]

use harx::parse::{EntryParser, FileInput, ParseConfig};
use harx::sink::schema::{EntryBatchBuilder, FileContext};
use harx::split;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

fuzz_target!(|data: &[u8]| {
    let bom = harx::source::bom_len(data);
    let starts: Vec<usize> = match split::locate(&data[bom..]) {
        Ok(layout) => layout.entries_body.map(|p| p + bom).into_iter().collect(),
        // Not a HAR: still exercise the splitter from the first '[' if any.
        Err(_) => data.iter().position(|&b| b == b'[').map(|p| p + 1).into_iter().collect(),
    };
    for start in starts {
        let mut spans = Vec::new();
        let mut longs = Vec::new();
        let _ = split::split_entries(data, start, 0, 4096, &mut spans, &mut longs);
        let mut prev_end = start;
        for s in &spans {
            assert!(s.start >= prev_end && s.start < s.end && s.end <= data.len());
            if matches!(data[s.start], b'{' | b'[') {
                assert!(matches!(data[s.end - 1], b'}' | b']'));
            }
            assert!(s.longs.end <= longs.len());
            prev_end = s.end;
        }
        let pages = HashMap::new();
        let input = FileInput { buf: data, longs: &longs, pages: &pages, producer_ssl_additive: false };
        let mut parser = EntryParser::new();
        let mut builder = EntryBatchBuilder::new();
        for s in &spans {
            let _ = parser.parse_into(&input, &FileContext::default(), &ParseConfig::default(), s, &mut builder);
        }
        let _ = builder.finish();
    }
});
