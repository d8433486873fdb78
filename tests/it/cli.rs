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

/// A HAR as Polly writes it: repeated header fields as one header whose value is an
/// array (outside the spec), with secrets in every such array.
fn polly_har(dir: &std::path::Path) -> (std::path::PathBuf, Vec<&'static str>) {
    let secrets = vec![
        "pollyCookieSecret4f9a2b7c",
        "pollySecondCookie8d1e6f0a",
        "pollySetCookieSecret3c5d7e9f",
        "pollySetCookieOther1a2b3c4d",
        "pollyCookieListSecret9e8d7c6b",
        "pollyApiKeyValue5a4b3c2d1e0f",
    ];
    let entry = serde_json::json!({
        "startedDateTime": "2024-05-01T10:00:00.000Z", "time": 10,
        "request": {"method": "GET", "url": "https://api.example.com/v1/me", "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": "Cookie", "value": [format!("sid={}", secrets[0]), format!("csrftoken={}", secrets[1])]},
                {"name": "Accept", "value": ["application/json", "text/plain"]},
                {"name": "X-Api-Key", "value": [secrets[5]]}
            ],
            "cookies": [{"name": "sid", "value": [secrets[4]]}],
            "queryString": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Set-Cookie", "value": [
                format!("session={}; Path=/; HttpOnly", secrets[2]),
                format!("remember={}; Max-Age=3600", secrets[3])]}],
            "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
            "redirectURL": "", "headersSize": -1, "bodySize": 2},
        "cache": {}, "timings": {"send": 1, "wait": 8, "receive": 1}
    });
    let doc = serde_json::json!({"log": {"version": "1.2",
        "creator": {"name": "Polly.JS", "version": "6.0.6"}, "entries": [entry]}});
    let path = dir.join("polly.har");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
    (path, secrets)
}

#[test]
fn polly_header_value_arrays_are_read_and_redacted_everywhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (har, secrets) = polly_har(dir.path());
    // --verify sees every planted secret in the raw capture
    let out = harx()
        .args(["sanitize", "--verify"])
        .arg(&har)
        .output()
        .expect("verify");
    assert_eq!(out.status.code(), Some(1));
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(report.matches("Cookie").count() >= 4, "{report}");
    // the sanitized copy holds none of them, is valid JSON, and verifies clean
    let clean = dir.path().join("clean.har");
    let st = harx()
        .args(["sanitize", "-q"])
        .arg(&har)
        .arg("-o")
        .arg(&clean)
        .status()
        .expect("sanitize");
    assert!(st.success());
    let text = std::fs::read_to_string(&clean).expect("read");
    for s in &secrets {
        assert!(!text.contains(s), "{s} survived sanitize");
    }
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let h = &doc["log"]["entries"][0]["request"]["headers"];
    assert_eq!(
        h[1]["value"],
        serde_json::json!(["application/json", "text/plain"])
    );
    let st = harx()
        .args(["sanitize", "--verify"])
        .arg(&clean)
        .output()
        .expect("verify");
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stdout)
    );
    // export: one header per element, each redacted alone; plain values kept
    let out = harx()
        .args(["export", "-q", "--format", "ndjson", "-o", "-"])
        .arg(&har)
        .output()
        .expect("export");
    assert!(out.status.success());
    let row: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ndjson row");
    let text = row.to_string();
    for s in &secrets {
        assert!(!text.contains(s), "{s} reached the export");
    }
    let req: Vec<(String, String)> = row["request_headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap_or("").to_owned(),
                h["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let accept: Vec<&str> = req
        .iter()
        .filter(|(n, _)| n == "Accept")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(accept, ["application/json", "text/plain"]);
    assert_eq!(req.iter().filter(|(n, _)| n == "Cookie").count(), 2);
    assert_eq!(row["response_headers"].as_array().map(Vec::len), Some(2));
    // validate warns (not an error: harx reads it)
    let out = harx().arg("validate").arg(&har).output().expect("validate");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("warning[value-array]"), "{text}");
}

/// Runs `shell` with `args` on a completion script; the shell must exist (CI installs
/// bash, zsh and fish), so a missing one fails rather than passes silently.
fn shell_parses(shell: &str, args: &[&str], script: &std::path::Path) {
    let out = Command::new(shell)
        .args(args)
        .arg(script)
        .output()
        .unwrap_or_else(|e| panic!("{shell} is needed to check its completion script: {e}"));
    assert!(
        out.status.success(),
        "{shell} rejects the script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completion_scripts_parse_in_their_shells() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (shell, check, args) in [
        ("bash", "bash", &["-n"][..]),
        ("zsh", "zsh", &["-n"][..]),
        ("fish", "fish", &["--no-execute"][..]),
        ("elvish", "", &[][..]),
        ("powershell", "", &[][..]),
    ] {
        let out = harx()
            .args(["completions", shell])
            .output()
            .expect("completions");
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        // every subcommand is offered
        for sub in [
            "export",
            "ingest",
            "sanitize",
            "stats",
            "completions",
            "man",
        ] {
            assert!(text.contains(sub), "{shell} script lacks {sub}");
        }
        if !check.is_empty() {
            let script = dir.path().join(format!("harx.{shell}"));
            std::fs::write(&script, &out.stdout).expect("write");
            shell_parses(check, args, &script);
        }
    }
    let out = harx()
        .args(["completions", "tcsh"])
        .output()
        .expect("completions");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_pages_cover_every_subcommand() {
    let out = harx().arg("man").output().expect("man");
    assert!(out.status.success());
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH harx 1"), "{page}");
    let dir = tempfile::tempdir().expect("tempdir");
    let st = harx()
        .args(["man", "--dir"])
        .arg(dir.path())
        .status()
        .expect("man --dir");
    assert!(st.success());
    let help =
        String::from_utf8_lossy(&harx().arg("--help").output().expect("help").stdout).into_owned();
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"harx.1".to_owned()));
    for line in help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
    {
        if line.is_empty() {
            break;
        }
        // a command's line starts at column 2; wrapped descriptions are indented further
        if line.len() < 3 || line.as_bytes()[2] == b' ' {
            continue;
        }
        let Some(sub) = line.split_whitespace().next() else {
            break;
        };
        if sub == "help" {
            continue;
        }
        let file = format!("harx-{sub}.1");
        assert!(names.contains(&file), "no {file} in {names:?}");
        let text = std::fs::read_to_string(dir.path().join(&file)).expect("read page");
        assert!(
            text.contains(&format!(".TH harx-{sub} 1")),
            "{file}: {text}"
        );
    }
    assert!(!names.iter().any(|n| n == "harx-help.1"), "{names:?}");
}

#[test]
fn bad_values_are_usage_errors_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let har = gen_har(dir.path(), 2);
    let h = har.to_string_lossy().into_owned();
    let ds = dir.path().join("ds").to_string_lossy().into_owned();
    let cases: &[&[&str]] = &[
        &[
            "ingest",
            &h,
            "--dataset",
            &ds,
            "--partition-by",
            "tenant,dat",
        ],
        &[
            "ingest",
            &h,
            "--dataset",
            &ds,
            "--tenant-from",
            "cases/(.*)/",
        ],
        &["ingest", &h, "--dataset", &ds, "--tenant-from-url", "(["],
        &["schema", "--ddl", "duckdb", "--partition-by", "date,date"],
        &["stats", &h, "--by", "tenat"],
        &["find", &h, "--slower-than", "2 hours"],
        &["find", &h, "--status", "fast"],
        &["diff", &h, &h, "--slower-by", "soon"],
        &["export", &h, "-o", "-", "--format", "parquet"],
    ];
    for args in cases {
        let out = harx().args(*args).output().expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    assert!(!dir.path().join("ds").exists());
}

#[test]
fn stats_reads_folders_of_hars_and_partition_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = dir.path().join("cases");
    std::fs::create_dir(&cases).expect("mkdir");
    let har = gen_har(dir.path(), 7);
    std::fs::copy(&har, cases.join("a.har")).expect("copy");
    std::fs::write(cases.join("notes.txt"), "not a HAR").expect("write");
    // the first group (tenant, count) of `stats PATH --by tenant` as CSV
    let first_group = |path: &std::path::Path| {
        let out = harx()
            .arg("stats")
            .arg(path)
            .args(["--by", "tenant", "--format", "csv"])
            .output()
            .expect("stats");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let row = text.lines().nth(1).unwrap_or_default();
        row.split(',').take(2).collect::<Vec<_>>().join(",")
    };
    // a folder of captures: its HARs are read (7 entries), the text file ignored
    assert_eq!(first_group(&cases), "unknown,7");
    // a partition folder of a dataset keeps its tenant
    let ds = dir.path().join("ds");
    let st = harx()
        .args(["ingest", "-q", "--tenant", "acme", "--dataset"])
        .arg(&ds)
        .arg(&har)
        .status()
        .expect("ingest");
    assert!(st.success());
    let part = ds.join("entries").join("tenant=acme");
    assert_eq!(first_group(&part), "acme,7");
}
