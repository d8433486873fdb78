//! The command line: help, usage errors and exit codes.

use std::process::Command;

fn harx() -> Command {
    Command::new(env!("CARGO_BIN_EXE_harx"))
}

/// A generated HAR of `entries` entries, `g.har` in `dir`.
fn gen_har(dir: &std::path::Path, entries: u32) -> std::path::PathBuf {
    let har = dir.join("g.har");
    let st = harx()
        .args(["gen", "--entries", &entries.to_string(), "-o"])
        .arg(&har)
        .status()
        .expect("gen");
    assert!(st.success());
    har
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
fn a_missing_output_folder_is_named_not_the_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = gen_har(dir.path(), 3);
    let missing = dir.path().join("no-such-folder");
    for (cmd, out) in [("export", "o.parquet"), ("sanitize", "o.har")] {
        let out = harx()
            .arg(cmd)
            .arg(&har)
            .arg("-o")
            .arg(missing.join(out))
            .arg("-q")
            .output()
            .expect("run harx");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        let want = format!("the folder {} does not exist", missing.display());
        assert!(err.contains(&want), "{cmd}: {err}");
        assert!(
            !err.contains("harx-tmp"),
            "{cmd} names its temporary file: {err}"
        );
    }
}

#[test]
fn gen_then_export_ndjson_to_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = gen_har(dir.path(), 25);
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

/// Rows of `harx export FILE -o - --format ndjson`, as `(source_file, url)`.
fn export_rows(input: &std::path::Path) -> Vec<(String, String)> {
    let out = harx()
        .arg("export")
        .arg(input)
        .args(["-o", "-", "--format", "ndjson", "-q"])
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}: {}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_default();
            (
                v["source_file"].as_str().unwrap_or("").to_owned(),
                v["url"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_container_gives_the_plain_file_rows() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let har = dir.path().join("g.har");
    let st = harx()
        .args(["gen", "--entries", "40", "--seed", "5", "-o"])
        .arg(&har)
        .status()
        .expect("gen");
    assert!(st.success());
    let raw = std::fs::read(&har).expect("read");
    let urls = |rows: Vec<(String, String)>| rows.into_iter().map(|r| r.1).collect::<Vec<_>>();
    let want = urls(export_rows(&har));
    assert_eq!(want.len(), 40);

    let gz = dir.path().join("g.har.gz");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&raw).expect("gz");
    std::fs::write(&gz, e.finish().expect("gz")).expect("write");
    let zhar = dir.path().join("g.zhar");
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&raw).expect("zlib");
    std::fs::write(&zhar, e.finish().expect("zlib")).expect("write");
    let zst = dir.path().join("g.har.zst");
    std::fs::write(&zst, zstd::encode_all(&raw[..], 3).expect("zstd")).expect("write");
    // Names say nothing: containers are told by their magic bytes.
    let disguised = dir.path().join("capture.bin");
    std::fs::copy(&zst, &disguised).expect("copy");
    for input in [&gz, &zhar, &zst, &disguised] {
        assert_eq!(urls(export_rows(input)), want, "{}", input.display());
    }

    // A Playwright-style zip: har.har next to attached bodies, which are not HARs.
    let zip_path = dir.path().join("trace.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("zip"));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("har.har", opts).expect("zip");
    z.write_all(&raw).expect("zip");
    z.start_file("0a1b2c.json", opts).expect("zip");
    z.write_all(b"{\"body\": 1}").expect("zip");
    z.finish().expect("zip");
    let rows = export_rows(&zip_path);
    assert!(
        rows.iter().all(|r| r.0.ends_with("trace.zip!har.har")),
        "{rows:?}"
    );
    assert_eq!(urls(rows), want);
}

fn saz_with(path: &std::path::Path, opts: zip::write::SimpleFileOptions) {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).expect("saz"));
    z.start_file("raw/01_c.txt", opts).expect("saz");
    z.write_all(b"GET http://example.com/a HTTP/1.1\r\nHost: example.com\r\n\r\n")
        .expect("saz");
    z.start_file("raw/01_s.txt", opts).expect("saz");
    z.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
        .expect("saz");
    z.finish().expect("saz");
}

#[test]
fn password_protected_saz_needs_the_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, opts) in [
        (
            "aes.saz",
            base.with_aes_encryption(zip::AesMode::Aes256, "s3cret"),
        ),
        ("zipcrypto.saz", {
            use zip::unstable::write::FileOptionsExt;
            base.with_deprecated_encryption(b"s3cret")
                .expect("zipcrypto")
        }),
    ] {
        let saz = dir.path().join(name);
        saz_with(&saz, opts);
        let out = dir.path().join(format!("{name}.har"));
        let run = |password: Option<&str>| {
            let mut c = harx();
            c.arg("convert").arg(&saz).arg("-o").arg(&out);
            c.env_remove("HARX_SAZ_PASSWORD");
            if let Some(p) = password {
                c.args(["--saz-password", p]);
            }
            c.output().expect("convert")
        };
        let none = run(None);
        assert_eq!(none.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&none.stderr);
        assert!(
            err.contains("password-protected") && err.contains(name),
            "{err}"
        );
        assert!(!out.exists());
        let wrong = run(Some("nope"));
        assert_eq!(wrong.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&wrong.stderr);
        assert!(
            err.contains("wrong password") || err.contains("password"),
            "{err}"
        );
        assert!(!err.contains("s3cret") && !err.contains("nope"), "{err}");
        let ok = run(Some("s3cret"));
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let har: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&out).expect("har")).expect("json");
        assert_eq!(har["log"]["entries"][0]["response"]["status"], 204);
        // Export reads it too, with the password from the environment.
        let exp = harx()
            .arg("export")
            .arg(&saz)
            .args(["-o", "-", "--format", "ndjson", "-q"])
            .env("HARX_SAZ_PASSWORD", "s3cret")
            .output()
            .expect("export");
        assert!(exp.status.success());
        assert_eq!(String::from_utf8_lossy(&exp.stdout).lines().count(), 1);
    }
}
