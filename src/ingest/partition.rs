//! Hive-style partitions: `tenant=<percent-encoded>/date=YYYY-MM-DD/`, and the writers
//! that route each row of the `entries` table to its partition's current file, rolling
//! files at a target size.

use super::manifest::Published;
use super::store::Store;
use crate::error::{Error, Result};
use crate::sink::RunMeta;
use crate::sink::parquet::ParquetSink;
use crate::sink::schema::column_index;
use arrow_array::{Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt32Array};
use regex::Regex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The value Hive, Spark, DuckDB and Trino read as NULL in a partition directory.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// A partition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// The tenant.
    Tenant,
    /// The UTC date of `started_at`.
    Date,
}

impl Key {
    /// The directory key.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::Date => "date",
        }
    }
}

/// Parses `tenant,date` (any order, either alone, or `none`).
///
/// # Errors
/// On an unknown or repeated key.
pub fn parse_partition_by(s: &str) -> std::result::Result<Vec<Key>, String> {
    let mut keys = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let k = match part {
            "tenant" => Key::Tenant,
            "date" => Key::Date,
            "none" => continue,
            other => return Err(format!("unknown partition key {other:?} (tenant, date)")),
        };
        if keys.contains(&k) {
            return Err(format!("partition key {part:?} given twice"));
        }
        keys.push(k);
    }
    Ok(keys)
}

/// Percent-encodes a partition value: `/ \ = % : # ? * " ' < > |`, space, `,` and
/// control bytes become `%XX` (what polars and Spark escape, so every engine decodes it
/// back); an empty value becomes [`NULL_PARTITION`].
pub fn encode_value(v: &str) -> String {
    if v.is_empty() {
        return NULL_PARTITION.to_owned();
    }
    let mut out: Vec<u8> = Vec::with_capacity(v.len());
    for b in v.bytes() {
        let escape = b < 0x20
            || b == 0x7f
            || matches!(
                b,
                b'/' | b'\\'
                    | b'='
                    | b'%'
                    | b':'
                    | b'#'
                    | b'?'
                    | b'*'
                    | b'"'
                    | b'\''
                    | b'<'
                    | b'>'
                    | b'|'
                    | b' '
                    | b','
                    | b'{'
                    | b'}'
                    | b'['
                    | b']'
                    | b'^'
            );
        if escape {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
    // Multi-byte UTF-8 passes through unchanged: the bytes escaped above are ASCII, and
    // a UTF-8 sequence never contains an ASCII byte.
    String::from_utf8(out).unwrap_or_default()
}

/// `YYYY-MM-DD` (UTC) of a timestamp in microseconds; [`NULL_PARTITION`] when absent.
pub fn date_of(us: Option<i64>) -> String {
    let Some(us) = us else {
        return NULL_PARTITION.to_owned();
    };
    let days = us.div_euclid(86_400_000_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// How each row's tenant is chosen: a match of `from_url` on the entry's URL, else the
/// file's tenant (a match of `from_path` on its path, else `fixed`, else `unknown`).
#[derive(Debug, Clone, Default)]
pub struct TenantRule {
    /// `--tenant`.
    pub fixed: Option<String>,
    /// `--tenant-from` (over the input path).
    pub from_path: Option<Regex>,
    /// `--tenant-from-url` (over each entry's URL).
    pub from_url: Option<Regex>,
}

/// The tenant when nothing matches.
pub const UNKNOWN_TENANT: &str = "unknown";

impl TenantRule {
    /// Compiles a pattern that must have a named group `tenant`.
    ///
    /// # Errors
    /// When the pattern is invalid or has no `tenant` group.
    pub fn pattern(p: &str) -> std::result::Result<Regex, String> {
        let re = Regex::new(p).map_err(|e| format!("invalid pattern {p:?}: {e}"))?;
        if !re.capture_names().any(|n| n == Some("tenant")) {
            return Err(format!(
                "pattern {p:?} has no named group `tenant`, as in '/cases/(?P<tenant>[^/]+)/'"
            ));
        }
        Ok(re)
    }

    fn capture(re: &Regex, s: &str) -> Option<String> {
        re.captures(s)
            .and_then(|c| c.name("tenant"))
            .map(|m| m.as_str().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// The tenant of a file at `path`.
    pub fn for_file(&self, path: &str) -> String {
        self.from_path
            .as_ref()
            .and_then(|re| Self::capture(re, path))
            .or_else(|| self.fixed.clone())
            .unwrap_or_else(|| UNKNOWN_TENANT.to_owned())
    }

    /// The tenant of an entry with `url`, in a file whose tenant is `file`.
    pub fn for_url<'a>(&self, url: Option<&str>, file: &'a str) -> std::borrow::Cow<'a, str> {
        match (&self.from_url, url) {
            (Some(re), Some(u)) => match Self::capture(re, u) {
                Some(t) => std::borrow::Cow::Owned(t),
                None => std::borrow::Cow::Borrowed(file),
            },
            _ => std::borrow::Cow::Borrowed(file),
        }
    }
}

/// The directory of a partition, e.g. `tenant=acme/date=2026-11-26`.
pub fn partition_dir(keys: &[Key], tenant: &str, date: &str) -> String {
    keys.iter()
        .map(|k| match k {
            Key::Tenant => format!("tenant={}", encode_value(tenant)),
            Key::Date => format!("date={date}"),
        })
        .collect::<Vec<_>>()
        .join("/")
}

struct PartFile {
    key: String,
    sink: ParquetSink,
    rows: u64,
    sources: Vec<(String, u64, Option<String>)>,
}

/// Writers of the `entries` table for one commit group: one open file per partition,
/// each behind its own lock so partitions encode in parallel.
pub struct EntryWriters<'a> {
    store: &'a Store,
    name_prefix: String,
    target_bytes: usize,
    memory_budget: usize,
    sanitized: bool,
    rules_sha256: Option<String>,
    open: Mutex<HashMap<String, Arc<Mutex<Option<PartFile>>>>>,
    done: Mutex<Vec<Published>>,
    counter: AtomicUsize,
}

impl std::fmt::Debug for EntryWriters<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryWriters")
            .field("name_prefix", &self.name_prefix)
            .finish_non_exhaustive()
    }
}

impl<'a> EntryWriters<'a> {
    /// Writers whose files are named `part-<name_prefix>-<n>.parquet`, rolled at
    /// `target_bytes`, holding at most about `memory_budget` bytes of buffered rows.
    pub fn new(
        store: &'a Store,
        name_prefix: String,
        target_bytes: usize,
        memory_budget: usize,
        sanitized: bool,
        rules_sha256: Option<String>,
    ) -> Self {
        Self {
            store,
            name_prefix,
            target_bytes,
            memory_budget,
            sanitized,
            rules_sha256,
            open: Mutex::new(HashMap::new()),
            done: Mutex::new(Vec::new()),
            counter: AtomicUsize::new(0),
        }
    }

    fn meta(&self, sources: &[(String, u64, Option<String>)]) -> RunMeta {
        RunMeta {
            sources: sources.to_vec(),
            sanitized: self.sanitized,
            rules_sha256: self.rules_sha256.clone(),
        }
    }

    fn close(&self, part: PartFile) -> Result<()> {
        let meta = self.meta(&part.sources);
        let kept = part.sink.close(&meta)?.keep()?;
        let bytes = std::fs::metadata(&kept).map(|m| m.len()).unwrap_or(0);
        lock(&self.done).push(Published {
            key: part.key,
            staged: kept.display().to_string(),
            rows: part.rows,
            bytes,
        });
        Ok(())
    }

    /// Appends `batch` (rows of one input, `source`) to the partition at `dir`.
    ///
    /// # Errors
    /// When the file cannot be created or written.
    pub fn write(
        &self,
        dir: &str,
        batch: &RecordBatch,
        source: &(String, u64, Option<String>),
    ) -> Result<()> {
        let (slot, open_count) = {
            let mut open = lock(&self.open);
            let slot = open
                .entry(dir.to_owned())
                .or_insert_with(|| Arc::new(Mutex::new(None)))
                .clone();
            (slot, open.len())
        };
        let mut guard = lock(&slot);
        if guard.is_none() {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let key = if dir.is_empty() {
                format!("entries/part-{}-{n:05}.parquet", self.name_prefix)
            } else {
                format!("entries/{dir}/part-{}-{n:05}.parquet", self.name_prefix)
            };
            let path = self
                .store
                .staging_path(&key)
                .map_err(|source| Error::Write {
                    path: key.clone().into(),
                    source,
                })?;
            *guard = Some(PartFile {
                key,
                sink: ParquetSink::create(&path)?,
                rows: 0,
                sources: Vec::new(),
            });
        }
        let Some(part) = guard.as_mut() else {
            return Ok(());
        };
        if part.sources.last() != Some(source) {
            part.sources.push(source.clone());
        }
        part.rows += batch.num_rows() as u64;
        let _always_continue = crate::sink::Sink::write(&mut part.sink, batch)?;
        // Many partitions open at once share the memory budget: each flushes its rows as
        // a (smaller) row group when it holds more than its share.
        let share = (self.memory_budget / open_count.max(1)).max(1 << 20);
        if part.sink.buffered_bytes() > share {
            part.sink.flush()?;
        }
        if part.sink.bytes_written() + part.sink.buffered_bytes() >= self.target_bytes
            && let Some(full) = guard.take()
        {
            self.close(full)?;
        }
        Ok(())
    }

    /// Closes every open file; returns all files written since [`EntryWriters::new`].
    ///
    /// # Errors
    /// When a file cannot be completed.
    pub fn finish(self) -> Result<Vec<Published>> {
        let open = std::mem::take(&mut *lock(&self.open));
        let mut dirs: Vec<_> = open.into_iter().collect();
        dirs.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, slot) in dirs {
            if let Some(part) = lock(&slot).take() {
                self.close(part)?;
            }
        }
        let mut done = std::mem::take(&mut *lock(&self.done));
        done.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(done)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Splits a batch of `entries` rows by partition directory: `(dir, rows)` pairs, and the
/// tenant each row got (for the file's pages).
///
/// # Errors
/// When the rows cannot be taken apart.
pub fn route(
    batch: &RecordBatch,
    keys: &[Key],
    rule: &TenantRule,
    file_tenant: &str,
    tenant_counts: &mut HashMap<String, usize>,
) -> Result<Vec<(String, RecordBatch)>> {
    let urls = column_index("url").and_then(|i| {
        batch
            .column(i)
            .as_any()
            .downcast_ref::<StringArray>()
            .cloned()
    });
    let started = column_index("started_at").and_then(|i| {
        batch
            .column(i)
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .cloned()
    });
    let mut groups: Vec<(String, Vec<u32>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in 0..batch.num_rows() {
        let url = urls
            .as_ref()
            .and_then(|a| a.is_valid(row).then(|| a.value(row)));
        let tenant = rule.for_url(url, file_tenant);
        *tenant_counts.entry(tenant.to_string()).or_default() += 1;
        let date = date_of(
            started
                .as_ref()
                .and_then(|a| a.is_valid(row).then(|| a.value(row))),
        );
        let dir = partition_dir(keys, &tenant, &date);
        let g = *index.entry(dir.clone()).or_insert_with(|| {
            groups.push((dir, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(u32::try_from(row).unwrap_or(u32::MAX));
    }
    if groups.len() == 1 {
        let (dir, _) = groups.pop().unwrap_or_default();
        return Ok(vec![(dir, batch.clone())]);
    }
    groups
        .into_iter()
        .map(|(dir, rows)| {
            let taken = arrow_select::take::take_record_batch(batch, &UInt32Array::from(rows))?;
            Ok((dir, taken))
        })
        .collect()
}

/// The schema of entries with a `tenant` column after the export columns.
pub fn schema_with_tenant() -> arrow_schema::SchemaRef {
    let base = crate::engine::Engine::schema();
    let mut fields: Vec<arrow_schema::FieldRef> = base.fields().iter().cloned().collect();
    fields.push(std::sync::Arc::new(arrow_schema::Field::new(
        "tenant",
        arrow_schema::DataType::Utf8,
        false,
    )));
    std::sync::Arc::new(arrow_schema::Schema::new_with_metadata(
        fields,
        base.metadata().clone(),
    ))
}

/// `batch` (entries) with its `tenant` column, told by `rule` as `harx ingest` tells it:
/// from each row's `source_file` (the archive's name for a zip member), then its URL.
///
/// # Errors
/// When the batch is not an entries batch.
pub fn with_tenant(batch: &RecordBatch, rule: &TenantRule) -> Result<RecordBatch> {
    let strings = |name: &str| {
        column_index(name).and_then(|i| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<StringArray>()
                .cloned()
        })
    };
    let (files, urls) = (strings("source_file"), strings("url"));
    let mut tenants = arrow_array::builder::StringBuilder::with_capacity(batch.num_rows(), 0);
    let mut last: Option<(String, String)> = None;
    for row in 0..batch.num_rows() {
        let file = files
            .as_ref()
            .and_then(|a| a.is_valid(row).then(|| a.value(row)))
            .unwrap_or("");
        let file = file.split_once('!').map_or(file, |(archive, _)| archive);
        if last.as_ref().is_none_or(|(f, _)| f != file) {
            last = Some((file.to_owned(), rule.for_file(file)));
        }
        let file_tenant = last.as_ref().map_or("", |(_, t)| t.as_str());
        let url = urls
            .as_ref()
            .and_then(|a| a.is_valid(row).then(|| a.value(row)));
        tenants.append_value(rule.for_url(url, file_tenant));
    }
    let mut columns = batch.columns().to_vec();
    columns.push(std::sync::Arc::new(tenants.finish()));
    Ok(RecordBatch::try_new(schema_with_tenant(), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date_of(Some(0)), "1970-01-01");
        assert_eq!(date_of(Some(-1)), "1969-12-31");
        // 2024-02-29T23:59:59.999999Z
        assert_eq!(date_of(Some(1_709_251_199_999_999)), "2024-02-29");
        assert_eq!(date_of(Some(1_709_251_200_000_000)), "2024-03-01");
        assert_eq!(date_of(None), NULL_PARTITION);
    }

    #[test]
    fn values_are_percent_encoded() {
        assert_eq!(encode_value("acme"), "acme");
        assert_eq!(encode_value("glo%bex/x"), "glo%25bex%2Fx");
        assert_eq!(encode_value("a b=c:d"), "a%20b%3Dc%3Ad");
        assert_eq!(encode_value("zürich"), "zürich");
        assert_eq!(encode_value(""), NULL_PARTITION);
    }

    #[test]
    fn tenant_patterns_need_the_group() {
        assert!(TenantRule::pattern("cases/([^/]+)/").is_err());
        let rule = TenantRule {
            fixed: Some("fallback".into()),
            from_path: TenantRule::pattern("cases/(?P<tenant>[^/]+)/").ok(),
            from_url: TenantRule::pattern("/customers/(?P<tenant>[^/]+)/").ok(),
        };
        assert_eq!(rule.for_file("/x/cases/acme/a.har"), "acme");
        assert_eq!(rule.for_file("/x/other/a.har"), "fallback");
        assert_eq!(
            rule.for_url(Some("https://h/customers/org1/users"), "acme"),
            "org1"
        );
        assert_eq!(rule.for_url(Some("https://h/other"), "acme"), "acme");
    }

    #[test]
    fn partition_keys_parse() {
        assert_eq!(
            parse_partition_by("tenant,date"),
            Ok(vec![Key::Tenant, Key::Date])
        );
        assert_eq!(parse_partition_by("date"), Ok(vec![Key::Date]));
        assert!(parse_partition_by("tenant,tenant").is_err());
        assert!(parse_partition_by("host").is_err());
        assert_eq!(
            partition_dir(&[Key::Tenant, Key::Date], "a/b", "2026-01-02"),
            "tenant=a%2Fb/date=2026-01-02"
        );
    }
}
