#![allow(missing_docs)]
//! Criterion benchmarks of the pipeline stages on generated HARs, in bytes per second.
//!
//! `cargo bench --bench pipeline` (add `-- split` to run one group).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harx::parse::{EntryParser, FileInput, ParseConfig};
use harx::sink::Sink;
use harx::sink::schema::{EntryBatchBuilder, FileContext};
use harx::split::{self, SplitStop};
use harx::synth::{Bodies, SynthOptions, generate};
use std::collections::HashMap;
use std::hint::black_box;

fn input(bodies: Bodies, mb: u64) -> Vec<u8> {
    let opts = SynthOptions {
        entries: None,
        target_bytes: mb * 1_000_000,
        bodies,
        seed: 7,
        ..SynthOptions::default()
    };
    let mut out = Vec::new();
    generate(&opts, &mut out).expect("generate into memory");
    out
}

fn split_all(buf: &[u8]) -> (Vec<split::EntrySpan>, Vec<split::LongString>) {
    let layout = split::locate(buf).expect("generated HAR");
    let mut spans = Vec::new();
    let mut longs = Vec::new();
    let start = layout.entries_body.expect("entries");
    let stop = split::split_entries(buf, start, 0, usize::MAX, &mut spans, &mut longs);
    assert!(matches!(stop, SplitStop::End(_)));
    (spans, longs)
}

fn benches(c: &mut Criterion) {
    for (name, bodies, mb) in [
        ("bodies", Bodies::Base64, 64),
        ("nobodies", Bodies::None, 32),
    ] {
        let buf = input(bodies, mb);
        let (spans, longs) = split_all(&buf);
        let mut g = c.benchmark_group(format!("split/{name}"));
        g.throughput(Throughput::Bytes(buf.len() as u64));
        g.sample_size(10);
        g.bench_function("split_entries", |b| {
            let mut s = Vec::new();
            let mut l = Vec::new();
            b.iter(|| {
                s.clear();
                l.clear();
                let start = split::locate(&buf)
                    .ok()
                    .and_then(|l| l.entries_body)
                    .unwrap_or(0);
                black_box(split::split_entries(
                    &buf,
                    start,
                    0,
                    usize::MAX,
                    &mut s,
                    &mut l,
                ));
            });
        });
        g.finish();

        let pages = HashMap::new();
        let file_input = FileInput {
            buf: &buf,
            longs: &longs,
            pages: &pages,
            producer_ssl_additive: false,
        };
        let file = FileContext::default();
        let config = ParseConfig::default();
        let mut g = c.benchmark_group(format!("parse/{name}"));
        g.throughput(Throughput::Bytes(buf.len() as u64));
        g.sample_size(10);
        g.bench_function("parse_into_batches_1_thread", |b| {
            let mut parser = EntryParser::new();
            b.iter(|| {
                let mut builder = EntryBatchBuilder::new();
                for span in &spans {
                    parser
                        .parse_into(&file_input, &file, &config, span, &mut builder)
                        .expect("valid entry");
                }
                black_box(builder.finish().expect("batch"));
            });
        });
        g.finish();

        let mut parser = EntryParser::new();
        let mut builder = EntryBatchBuilder::new();
        for span in &spans {
            parser
                .parse_into(&file_input, &file, &config, span, &mut builder)
                .expect("valid entry");
        }
        let batch = builder.finish().expect("batch");
        let mut g = c.benchmark_group(format!("write/{name}"));
        g.throughput(Throughput::Bytes(buf.len() as u64));
        g.sample_size(10);
        let dir = tempfile::tempdir().expect("tempdir");
        g.bench_function("parquet_zstd", |b| {
            b.iter(|| {
                let mut sink =
                    harx::sink::parquet::ParquetSink::create(&dir.path().join("b.parquet"))
                        .expect("sink");
                let _continue = sink.write(&batch).expect("write");
                sink.finish(&harx::sink::RunMeta::default())
                    .expect("finish");
            });
        });
        g.finish();
    }
}

criterion_group! {
    name = pipeline;
    config = Criterion::default();
    targets = benches
}
criterion_main!(pipeline);
