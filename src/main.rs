//! The `harx` binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;

mod cli;

// The command-line front end names the library's modules as `crate::…`.
use harx::{
    analyze, engine, error, ingest, parse, pipeline, sanitize, sink, source, synth, validate,
};
use std::process::ExitCode;

// The sanitizer and the parsers allocate and free many short-lived buffers (unescaped
// strings, decoded bodies) across threads; mimalloc's per-thread free lists make that
// cheaper than glibc's malloc (measured in docs/PERFORMANCE.md). Built without transparent
// huge pages (`no_thp`): same speed, and fresh 2 MiB pages are not zeroed and held for
// small heaps.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Interrupted (Ctrl-C, SIGTERM): no half-written output stays behind. Exit status
    // 130, as a shell reports a process killed by SIGINT.
    let _ = ctrlc::set_handler(|| {
        harx::sink::remove_temporaries();
        eprintln!("harx: interrupted; partial outputs removed");
        std::process::exit(130);
    });
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            for cause in err.chain() {
                if let Some(io) = cause.downcast_ref::<std::io::Error>()
                    && io.kind() == std::io::ErrorKind::BrokenPipe
                {
                    return ExitCode::SUCCESS;
                }
            }
            // each cause once: a message that already quotes its cause is not repeated
            let mut msg = err.to_string();
            for cause in err.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg.push_str(": ");
                    msg.push_str(&c);
                }
            }
            eprintln!("harx: error: {msg}");
            let status = if cli::is_usage(&err) {
                cli::ExitStatus::Usage
            } else {
                cli::ExitStatus::Failure
            };
            ExitCode::from(status.code())
        }
    }
}
