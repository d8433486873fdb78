//! Inputs in object storage and on the web: `s3://bucket/key.har`, `s3://bucket/prefix/`,
//! glob patterns under a prefix (`s3://bucket/cases/*/2026-*.har.gz`), and `https://` (or
//! explicitly given `http://`) URLs of single HARs, through the object_store crate.
//!
//! Listing follows the store's pagination to the end; the objects are then fetched in
//! order, several at a time, on a small tokio runtime of their own while the engine
//! parses the ones already here. Each object streams into a bounded spool (memory up to
//! [`SPILL_BYTES`], then an unlinked 0600 temporary file that is mapped), so memory stays
//! bounded whatever the object's size; what it holds is then sniffed and opened exactly
//! as a local file is (plain, gzip, zlib, zstd, zip, SAZ).
//!
//! Credentials, region and endpoint come from the standard `AWS_*` variables and, for
//! what they leave unset, from the shared config files' profile (`AWS_PROFILE`, else
//! `default`). An `http://` endpoint or URL is used only when the user gives it. No
//! message ever carries a credential: URLs are shown without their user information and
//! query (a presigned URL's signature), and store errors are scrubbed the same way.

use super::{Limits, Source, Spool};
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::http::HttpBuilder;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, GetOptions, ObjectStore, ObjectStoreExt};
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

/// Bytes of one download kept in memory before it spills to a temporary file (several
/// downloads are in flight at once).
pub const SPILL_BYTES: usize = 4 * 1024 * 1024;
/// Objects fetched at once.
pub const CONCURRENCY: usize = 8;

/// Drives object_store futures from synchronous code, also when that code is itself
/// called from async code (a service's handler): blocking a runtime's worker in place
/// panics, so there the future runs on a scoped thread of its own.
#[derive(Debug)]
pub struct Rt(tokio::runtime::Runtime);

impl Rt {
    /// A single-threaded runtime with I/O and timers.
    ///
    /// # Errors
    /// When the runtime cannot be built.
    pub fn new() -> io::Result<Self> {
        Ok(Self(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
        ))
    }

    /// Runs `f` to completion.
    pub fn block_on<F>(&self, f: F) -> F::Output
    where
        F: std::future::Future + Send,
        F::Output: Send,
    {
        if tokio::runtime::Handle::try_current().is_err() {
            return self.0.block_on(f);
        }
        std::thread::scope(|s| {
            s.spawn(|| self.0.block_on(f))
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(brief(&scrub(&e.to_string())))
}

/// A store's error without the XML document S3 answers with: its code and message kept.
fn brief(msg: &str) -> String {
    let Some(at) = msg.find("<?xml").or_else(|| msg.find("<Error>")) else {
        return msg.to_owned();
    };
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = msg[at..].find(&open)? + at + open.len();
        let end = msg[start..].find('<')? + start;
        Some(msg[start..end].to_owned())
    };
    let head = msg[..at].trim_end().trim_end_matches(':');
    match (tag("Code"), tag("Message")) {
        (Some(c), Some(m)) => format!("{head}: {c}: {m}"),
        (Some(c), None) => format!("{head}: {c}"),
        _ => head.to_owned(),
    }
}

/// `msg` with the user information and the query of every URL in it removed (they may
/// carry passwords and presigned signatures).
pub fn scrub(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | ','))
            .unwrap_or(after.len());
        out.push_str(&display_rest(&after[..end]));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The part of a URL after `scheme://`, without user information, query or fragment.
fn display_rest(rest: &str) -> String {
    let cut = rest.find(['?', '#']);
    let (main, tail) = cut.map_or((rest, ""), |i| rest.split_at(i));
    let host_end = main.find('/').unwrap_or(main.len());
    let authority = &main[..host_end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut s = format!("{authority}{}", &main[host_end..]);
    if tail.starts_with('?') {
        s.push_str("?…");
    }
    s
}

/// How rows and messages name `url`: without user information or query.
pub fn display_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", display_rest(rest)),
        None => url.to_owned(),
    }
}

/// One object to read.
#[derive(Clone)]
pub struct Object {
    /// How rows (`source_file`) and messages name it: `s3://bucket/key`, or the URL
    /// without user information or query.
    pub name: String,
    /// Its size, when the listing (or a `HEAD`) said.
    pub size: Option<u64>,
    /// Its entity tag, when the store gives one.
    pub etag: Option<String>,
    /// Named by the user (always read) rather than found under a prefix.
    pub explicit: bool,
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Object")
            .field("name", &self.name)
            .field("size", &self.size)
            .field("etag", &self.etag)
            .finish_non_exhaustive()
    }
}

/// What the remote arguments name.
#[derive(Debug, Default)]
pub struct Listing {
    /// Objects to read, in argument order, each prefix's objects sorted by key.
    pub objects: Vec<Object>,
    /// Arguments that could not be listed, or match nothing, with why.
    pub errors: Vec<(String, String)>,
    /// Objects under a prefix whose names are not HARs or archives.
    pub ignored: usize,
}

/// Names of objects found under a prefix that are read: HARs (plain or compressed), zip
/// archives, Fiddler archives and JSON files.
fn input_name(key: &str) -> bool {
    let n = key.to_ascii_lowercase();
    [
        ".har", ".har.gz", ".zhar", ".har.zst", ".harp", ".zip", ".saz", ".json", ".json.gz",
    ]
    .iter()
    .any(|ext| n.ends_with(ext))
}

/// Hidden objects (`.name`) and those of tools' bookkeeping (`_SUCCESS`, harx's own
/// `_harx_manifest/`) are not inputs.
fn hidden(key: &str) -> bool {
    key.split('/').any(|seg| seg.starts_with(['.', '_']))
}

/// Lists `targets` (all remote, see [`super::remote_arg`]).
pub fn list(targets: &[String]) -> Listing {
    let mut out = Listing::default();
    let rt = match Rt::new() {
        Ok(rt) => rt,
        Err(e) => {
            for t in targets {
                out.errors.push((display_url(t), e.to_string()));
            }
            return out;
        }
    };
    let mut stores: HashMap<String, Arc<dyn ObjectStore>> = HashMap::new();
    for target in targets {
        if let Err(e) = list_one(&rt, target, &mut stores, &mut out) {
            out.errors.push((display_url(target), e.to_string()));
        }
    }
    out
}

fn list_one(
    rt: &Rt,
    target: &str,
    stores: &mut HashMap<String, Arc<dyn ObjectStore>>,
    out: &mut Listing,
) -> io::Result<()> {
    let Some(rest) = target.strip_prefix("s3://") else {
        let obj = http_object(rt, target)?;
        out.objects.push(obj);
        return Ok(());
    };
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "s3:// URL without a bucket",
        ));
    }
    let store = match stores.get(bucket) {
        Some(s) => Arc::clone(s),
        None => {
            let s: Arc<dyn ObjectStore> = Arc::new(s3_store(bucket)?);
            stores.insert(bucket.to_owned(), Arc::clone(&s));
            s
        }
    };
    let object = |meta: object_store::ObjectMeta, explicit: bool| Object {
        name: format!("s3://{bucket}/{}", meta.location),
        size: Some(meta.size),
        etag: meta.e_tag,
        explicit,
        store: Arc::clone(&store),
        path: meta.location,
    };
    if let Some(glob_at) = key.find(['*', '?', '[']) {
        let pattern = glob::Pattern::new(key).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid glob pattern: {e}"),
            )
        })?;
        let prefix = &key[..key[..glob_at].rfind('/').map_or(0, |i| i + 1)];
        // as a shell's: `*` stays within one level and does not match hidden names
        let opts = glob::MatchOptions {
            require_literal_separator: true,
            require_literal_leading_dot: true,
            ..glob::MatchOptions::default()
        };
        let found = list_prefix(rt, &store, prefix)?;
        let before = out.objects.len();
        for meta in found {
            if pattern.matches_with(meta.location.as_ref(), opts) {
                out.objects.push(object(meta, true));
            }
        }
        if out.objects.len() == before {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the pattern matches no object",
            ));
        }
        return Ok(());
    }
    if !key.is_empty() && !key.ends_with('/') {
        let path = ObjectPath::from(key);
        match rt.block_on(store.head(&path)) {
            Ok(meta) => {
                out.objects.push(object(meta, true));
                return Ok(());
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(other(e)),
        }
    }
    let prefix = if key.is_empty() || key.ends_with('/') {
        key.to_owned()
    } else {
        format!("{key}/")
    };
    let found = list_prefix(rt, &store, &prefix)?;
    if found.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no such object, and no object under this prefix",
        ));
    }
    for meta in found {
        let key = meta.location.as_ref();
        if hidden(&key[prefix.len().min(key.len())..]) {
            continue;
        }
        if input_name(key) {
            out.objects.push(object(meta, false));
        } else {
            out.ignored += 1;
        }
    }
    Ok(())
}

/// Every object under `prefix` (all pages of the listing), sorted by key.
fn list_prefix(
    rt: &Rt,
    store: &Arc<dyn ObjectStore>,
    prefix: &str,
) -> io::Result<Vec<object_store::ObjectMeta>> {
    let trimmed = prefix.trim_end_matches('/');
    let path = (!trimmed.is_empty()).then(|| ObjectPath::from(trimmed));
    let mut found = rt.block_on(async {
        let mut stream = store.list(path.as_ref());
        let mut found = Vec::new();
        while let Some(meta) = stream.next().await {
            found.push(meta.map_err(other)?);
        }
        Ok::<_, io::Error>(found)
    })?;
    found.retain(|m| m.location.as_ref().starts_with(prefix));
    found.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(found)
}

/// A single HAR at an `https://` (or explicitly given `http://`) URL; its size and entity
/// tag from a `HEAD` when the server answers one.
fn http_object(rt: &Rt, url: &str) -> io::Result<Object> {
    let options = ClientOptions::new().with_allow_http(url.starts_with("http://"));
    let store: Arc<dyn ObjectStore> = Arc::new(
        HttpBuilder::new()
            .with_url(url)
            .with_client_options(options)
            .build()
            .map_err(other)?,
    );
    let path = ObjectPath::default();
    let head = rt.block_on(store.head(&path)).ok();
    Ok(Object {
        name: display_url(url),
        size: head.as_ref().map(|m| m.size),
        etag: head.and_then(|m| m.e_tag),
        explicit: true,
        store,
        path,
    })
}

/// An S3 client for `bucket`: credentials, region and endpoint from the `AWS_*`
/// variables, then from the profile in the shared config files for what they leave
/// unset; an `http://` endpoint is allowed because it was given.
///
/// # Errors
/// When the client cannot be configured.
pub fn s3_store(bucket: &str) -> io::Result<AmazonS3> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let profile = Profile::load();
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if env("AWS_ACCESS_KEY_ID").is_none()
        && let (Some(id), Some(secret)) = (
            profile.get("aws_access_key_id"),
            profile.get("aws_secret_access_key"),
        )
    {
        builder = builder
            .with_access_key_id(id)
            .with_secret_access_key(secret);
        if let Some(token) = profile.get("aws_session_token") {
            builder = builder.with_token(token);
        }
    }
    let endpoint = env("AWS_ENDPOINT_URL_S3")
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .or_else(|| env("AWS_ENDPOINT"))
        .or_else(|| profile.get("endpoint_url").map(str::to_owned));
    if let Some(ep) = endpoint {
        builder = builder
            .with_endpoint(&ep)
            .with_allow_http(ep.starts_with("http://"));
    }
    if env("AWS_REGION").is_none() && env("AWS_DEFAULT_REGION").is_none() {
        builder = builder.with_region(profile.get("region").unwrap_or("us-east-1"));
    }
    builder.build().map_err(other)
}

/// The settings of one profile of the AWS shared config files (`~/.aws/credentials`,
/// `~/.aws/config`, or `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`).
#[derive(Debug, Default)]
struct Profile(HashMap<String, String>);

impl Profile {
    fn load() -> Self {
        let name = std::env::var("AWS_PROFILE")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "default".to_owned());
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        let file = |var: &str, default: &str| {
            std::env::var_os(var)
                .map(std::path::PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
        };
        let mut out = Self::default();
        // the credentials file names sections `[name]`; the config file `[profile name]`
        // (and `[default]`); the credentials file wins
        if let Some(text) = file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
            .and_then(|p| std::fs::read_to_string(p).ok())
        {
            out.merge(&text, &name);
        }
        if let Some(text) =
            file("AWS_CONFIG_FILE", "config").and_then(|p| std::fs::read_to_string(p).ok())
        {
            out.merge(&text, &format!("profile {name}"));
            if name == "default" {
                out.merge(&text, "default");
            }
        }
        out
    }

    /// Adds the keys of section `[section]` of `text` not already set.
    fn merge(&mut self, text: &str, section: &str) {
        let mut inside = false;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with(['#', ';']) {
                continue;
            }
            if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                inside = s.trim() == section;
                continue;
            }
            if let (true, Some((k, v))) = (inside, line.split_once('=')) {
                self.0
                    .entry(k.trim().to_ascii_lowercase())
                    .or_insert_with(|| v.trim().to_owned());
            }
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// One fetched object: its bytes as read (decompression and archives are the opener's),
/// or why they could not be fetched.
#[derive(Debug)]
pub struct Fetched {
    /// The object.
    pub object: Object,
    /// Its bytes.
    pub source: io::Result<Source>,
}

/// Fetches objects in order, [`CONCURRENCY`] at a time, on a thread of its own; at most
/// a couple of finished ones wait for the consumer. Dropping it stops the downloads.
#[derive(Debug)]
pub struct Fetcher {
    rx: tokio::sync::mpsc::Receiver<Fetched>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Fetcher {
    /// Starts fetching `objects`, each spooled within `limits` (in memory up to
    /// [`SPILL_BYTES`]).
    pub fn start(objects: Vec<Object>, limits: &Limits) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let limits = Limits {
            spill_bytes: limits.spill_bytes.min(SPILL_BYTES),
            ..*limits
        };
        let thread = std::thread::Builder::new()
            .name("harx-fetch".to_owned())
            .spawn(move || {
                let Ok(rt) = Rt::new() else {
                    return;
                };
                rt.0.block_on(async move {
                    let mut results = futures_util::stream::iter(objects)
                        .map(|object| async move {
                            let source = fetch(&object, &limits).await;
                            Fetched { object, source }
                        })
                        .buffered(CONCURRENCY);
                    while let Some(f) = results.next().await {
                        if tx.send(f).await.is_err() {
                            break;
                        }
                    }
                });
            })
            .ok();
        Self { rx, thread }
    }
}

impl Iterator for Fetcher {
    type Item = Fetched;

    fn next(&mut self) -> Option<Fetched> {
        let next = self.rx.blocking_recv();
        if next.is_none()
            && let Some(t) = self.thread.take()
        {
            let _ = t.join();
        }
        next
    }
}

/// Streams one object into a spool. An object whose first bytes do not look like a HAR
/// or an archive is refused at once when it was found under a prefix; one that changed
/// since it was listed (another entity tag) is refused, not read half old, half new.
async fn fetch(object: &Object, limits: &Limits) -> io::Result<Source> {
    let options = GetOptions {
        if_match: object.etag.clone(),
        ..GetOptions::default()
    };
    let got = object
        .store
        .get_opts(&object.path, options)
        .await
        .map_err(|e| match e {
            object_store::Error::NotFound { .. } => {
                io::Error::new(io::ErrorKind::NotFound, "the object no longer exists")
            }
            object_store::Error::Precondition { .. } => io::Error::other(
                "the object changed after it was listed (another entity tag); run again",
            ),
            e => other(e),
        })?;
    let mut stream = got.into_stream();
    let mut spool = Spool::raw(limits);
    let mut head: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            other(format!(
                "the download failed after {} bytes: {e}",
                spool.len()
            ))
        })?;
        if head.len() < 4096 {
            head.extend_from_slice(&chunk[..chunk.len().min(4096 - head.len())]);
            if head.len() >= 4096 {
                check_head(&head)?;
            }
        }
        spool.write_all(&chunk)?;
    }
    if head.len() < 4096 {
        check_head(&head)?;
    }
    spool.flush()?;
    spool.finish()
}

fn check_head(head: &[u8]) -> io::Result<()> {
    if head.iter().all(u8::is_ascii_whitespace) || super::inputs::looks_like_input(head) {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "the object does not start like a HAR (JSON), a compressed HAR or an archive",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials_or_queries() {
        assert_eq!(
            display_url("https://user:pa55@host.example:8443/a/b.har?X-Amz-Signature=abc#x"),
            "https://host.example:8443/a/b.har?…"
        );
        assert_eq!(display_url("s3://bucket/k.har"), "s3://bucket/k.har");
        let msg = "Error performing GET https://u:secret@h/x.har?sig=SECRET (status 403), again at http://h/y?t=SECRET2";
        let s = scrub(msg);
        assert!(!s.contains("SECRET") && !s.contains("secret"), "{s}");
        assert!(
            s.contains("https://h/x.har?…") && s.contains("http://h/y?…"),
            "{s}"
        );
    }

    #[test]
    fn s3_error_documents_are_cut_to_their_code_and_message() {
        let m = "Error performing GET http://h/b?… - Server returned non-2xx status code: 404 Not Found: <?xml version=\"1.0\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>X</RequestId></Error>";
        assert_eq!(
            brief(m),
            "Error performing GET http://h/b?… - Server returned non-2xx status code: 404 Not Found: NoSuchBucket: The specified bucket does not exist"
        );
        assert_eq!(brief("plain"), "plain");
    }

    #[test]
    fn profiles_are_read_by_section_and_the_first_setting_wins() {
        let mut p = Profile::default();
        p.merge(
            "[default]\naws_access_key_id = A\n[work]\naws_access_key_id=W\n region = eu-west-1\n# c\n",
            "work",
        );
        p.merge(
            "[profile work]\nregion = us-west-2\nendpoint_url=http://x\n",
            "profile work",
        );
        assert_eq!(p.get("aws_access_key_id"), Some("W"));
        assert_eq!(p.get("region"), Some("eu-west-1"));
        assert_eq!(p.get("endpoint_url"), Some("http://x"));
        assert_eq!(p.get("aws_secret_access_key"), None);
    }

    #[test]
    fn prefix_listings_read_har_names_and_skip_hidden_objects() {
        for k in ["a.har", "B.HAR.GZ", "x.zhar", "c.zip", "s.saz", "d.json"] {
            assert!(input_name(k), "{k}");
        }
        for k in ["part-0.parquet", "notes.txt", "har"] {
            assert!(!input_name(k), "{k}");
        }
        assert!(hidden("_harx_manifest/run.json"));
        assert!(hidden("x/.tmp.har"));
        assert!(!hidden("cases/a.har"));
    }
}
