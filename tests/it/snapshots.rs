//! Snapshot tests (insta) of what a person reads: every `--help`, the error messages of
//! bad inputs and bad arguments, and the text views. The snapshots live in
//! `tests/it/snapshots/`; a change to any of these texts shows up as a diff to review
//! (`INSTA_UPDATE=always cargo test --test it snapshots`, then `git diff`).
//!
//! Every command runs in a scratch directory with relative paths, so the texts do not
//! depend on where the test runs.

use std::fs;
use std::path::Path;
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

const COMMANDS: &[&str] = &[
    "export",
    "ingest",
    "schema",
    "validate",
    "convert",
    "sanitize",
    "summary",
    "find",
    "diff",
    "report",
    "stats",
    "gen",
    "completions",
    "man",
];

/// Runs harx in `dir` and renders its exit status, stdout and stderr as one text.
fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_harx"))
        .args(args)
        .current_dir(dir)
        // fixed help width, no colour, no progress bars
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env_remove("HARX_FAILPOINT")
        .output()
        .expect("run harx");
    let mut text = format!("$ harx {}\nexit: {:?}\n", args.join(" "), out.status.code());
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if !bytes.is_empty() {
            let body = String::from_utf8_lossy(bytes);
            text.push_str(&format!("--- {name}\n{}", without_timing(&body)));
        }
    }
    text
}

/// The closing line's elapsed time and speed (`… 0.0 MB in 0.01 s (0 MB/s) -> out`)
/// differ from run to run: they become `in [time]`.
fn without_timing(text: &str) -> String {
    text.lines()
        .map(|line| match (line.find(" MB in "), line.find(" MB/s)")) {
            (Some(a), Some(b)) if a < b => {
                format!("{} MB in [time]{}", &line[..a], &line[b + " MB/s)".len()..])
            }
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["troubleshoot-a.har", "troubleshoot-b.har"] {
        fs::copy(Path::new(FIXTURES).join(f), dir.path().join(f)).expect("copy fixture");
    }
    dir
}

#[test]
fn help_of_every_command() {
    let dir = scratch();
    insta::assert_snapshot!("help", run(dir.path(), &["--help"]));
    for cmd in COMMANDS {
        insta::assert_snapshot!(format!("help-{cmd}"), run(dir.path(), &[cmd, "--help"]));
    }
}

/// A small HAR of three entries whose middle one is damaged as a hand edit leaves it.
fn damaged_har() -> String {
    let entry = |i: u32| {
        format!(
            r#"{{"startedDateTime":"2026-03-02T10:00:0{i}.000Z","time":10,"request":{{"method":"GET","url":"https://app.example.com/{i}","httpVersion":"HTTP/1.1","headers":[],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":0}},"response":{{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"content":{{"size":0,"mimeType":"text/plain"}},"redirectURL":"","headersSize":-1,"bodySize":0}},"cache":{{}},"timings":{{"send":1,"wait":8,"receive":1}}}}"#
        )
    };
    let broken = entry(1).replace(r#""method":"GET""#, r#""method":"GET"#);
    format!(
        "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"t\",\"version\":\"1\"}},\"entries\":[\n{},\n{},\n{}\n]}}}}\n",
        entry(0),
        broken,
        entry(2)
    )
}

#[test]
fn error_messages() {
    let dir = scratch();
    let d = dir.path();
    fs::write(d.join("damaged.har"), damaged_har()).expect("write");
    let full = fs::read_to_string(d.join("troubleshoot-a.har")).expect("read");
    fs::write(d.join("cut.har"), &full[..full.len() * 2 / 3]).expect("write");
    fs::write(d.join("notes.har"), "these are my notes, not a HAR\n").expect("write");
    fs::create_dir(d.join("cases")).expect("mkdir");
    let cases: &[(&str, &[&str])] = &[
        ("missing-input", &["export", "nope.har", "-o", "o.parquet"]),
        ("directory-input", &["export", "cases", "-o", "o.parquet"]),
        ("not-a-har", &["export", "notes.har", "-o", "o.parquet"]),
        (
            "damaged-entry",
            &["export", "damaged.har", "-o", "o.parquet"],
        ),
        ("truncated", &["export", "cut.har", "-o", "o.parquet"]),
        (
            "output-is-input",
            &["sanitize", "troubleshoot-a.har", "-o", "troubleshoot-a.har"],
        ),
        (
            "report-is-output",
            &[
                "sanitize",
                "troubleshoot-a.har",
                "-o",
                "s.har",
                "--report",
                "s.har",
            ],
        ),
        (
            "bad-partition",
            &[
                "ingest",
                "cases",
                "--dataset",
                "lake",
                "--partition-by",
                "tenant,dat",
            ],
        ),
        (
            "bad-tenant-pattern",
            &[
                "ingest",
                "cases",
                "--dataset",
                "lake",
                "--tenant-from",
                "cases/(.*)/",
            ],
        ),
        (
            "stats-bad-group",
            &["stats", "troubleshoot-a.har", "--by", "tenat"],
        ),
        ("stats-empty-folder", &["stats", "cases"]),
        (
            "find-bad-duration",
            &["find", "troubleshoot-a.har", "--slower-than", "2h"],
        ),
        (
            "missing-output-folder",
            &["export", "troubleshoot-a.har", "-o", "no/such/o.parquet"],
        ),
        ("no-subcommand", &["export"]),
        ("validate-damaged", &["validate", "damaged.har"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("error-{name}"), run(d, args));
    }
    // The refused outputs left the capture as it was, and no temp file behind.
    assert_eq!(
        fs::read_to_string(d.join("troubleshoot-a.har")).expect("read"),
        full
    );
    for e in fs::read_dir(d).expect("list") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(!name.contains("harx-tmp"), "{name} left behind");
    }
}

#[test]
fn text_views() {
    let dir = scratch();
    let d = dir.path();
    let views: &[(&str, &[&str])] = &[
        ("summary-a", &["summary", "troubleshoot-a.har"]),
        ("summary-b", &["summary", "troubleshoot-b.har"]),
        (
            "brief-b",
            &["summary", "troubleshoot-b.har", "--format", "markdown"],
        ),
        (
            "find-b-failures",
            &["find", "troubleshoot-b.har", "--status", "4xx,5xx"],
        ),
        (
            "diff-a-b",
            &["diff", "troubleshoot-a.har", "troubleshoot-b.har"],
        ),
        ("validate-a", &["validate", "troubleshoot-a.har"]),
    ];
    for (name, args) in views {
        insta::assert_snapshot!(format!("view-{name}"), run(d, args));
    }
}
