//! The command line: help, usage errors and exit codes.

use std::process::Command;

fn harx() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harx"))
}

#[test]
fn help_lists_subcommands() {
    let out = harx().arg("--help").output().expect("run harx");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("export") && text.contains("gen"), "{text}");
}

#[test]
fn usage_error_exits_2() {
    let out = harx().args(["export"]).output().expect("run harx");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_input_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = harx()
        .args(["export", "/nonexistent/x.har", "-o"])
        .arg(dir.path().join("o.parquet"))
        .output()
        .expect("run harx");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/x.har"), "{err}");
    assert!(!dir.path().join("o.parquet").exists());
}

#[test]
fn gen_then_export_ndjson_to_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = dir.path().join("g.har");
    let st = harx()
        .args(["gen", "--entries", "25", "-o"])
        .arg(&har)
        .status()
        .expect("gen");
    assert!(st.success());
    let out = harx()
        .arg("export")
        .arg(&har)
        .args(["-o", "-", "--format", "ndjson", "-q"])
        .output()
        .expect("export");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_default())
        .collect();
    assert_eq!(lines.len(), 25);
    assert!(lines.iter().all(|l| l["status_class"].is_string()));
}

#[test]
fn refuses_to_overwrite_an_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = dir.path().join("g.har");
    assert!(
        harx()
            .args(["gen", "--entries", "3", "-o"])
            .arg(&har)
            .status()
            .expect("gen")
            .success()
    );
    let before = std::fs::read(&har).expect("read");
    let out = harx()
        .arg("export")
        .arg(&har)
        .arg("-o")
        .arg(&har)
        .arg("--format")
        .arg("ndjson")
        .output()
        .expect("export");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would replace an input"));
    assert_eq!(std::fs::read(&har).expect("read"), before);
}

#[test]
fn empty_input_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = dir.path().join("empty.har");
    std::fs::write(&har, b"").expect("write");
    let out = harx()
        .arg("export")
        .arg(&har)
        .arg("-o")
        .arg(dir.path().join("o.parquet"))
        .output()
        .expect("export");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("empty.har") && err.contains("empty input"),
        "{err}"
    );
}
