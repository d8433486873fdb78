//! `harx stats`: count, failure rate and latency percentiles per group, over HAR inputs,
//! harx Parquet files or a Hive-partitioned dataset, computed with arrow (no engine).

use super::quantile;
use super::record::ttfb_exclusion;
use crate::error::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One group's figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupStats {
    /// Group key values, in `--by` order; `None` where the value is null (a null column
    /// value, or a `__HIVE_DEFAULT_PARTITION__` directory).
    pub key: Vec<Option<String>>,
    /// Entries in the group.
    pub count: u64,
    /// Failed entries (4xx, 5xx, no response).
    pub failures: u64,
    /// `failures / count`.
    pub failure_rate: f64,
    /// Entries whose metric was counted (non-null and not excluded).
    pub n: u64,
    /// Median of the metric.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

/// Accumulates groups over batches.
#[derive(Debug)]
pub struct Stats {
    by: Vec<String>,
    metric: String,
    exclude: bool,
    groups: BTreeMap<Vec<Option<String>>, (u64, u64, Vec<f64>)>,
}

/// Columns `stats` reads besides the group keys and the metric.
const BASE_COLUMNS: [&str; 7] = [
    "status_class",
    "from_cache",
    "method",
    "status",
    "resource_type",
    "mime_type",
    "url",
];

fn value_text(a: &ArrayRef, i: usize) -> Option<String> {
    if a.is_null(i) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).to_owned(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Float64 => a.as_primitive::<Float64Type>().value(i).to_string(),
        DataType::Timestamp(..) => crate::sink::text::format_timestamp_us(
            a.as_primitive::<TimestampMicrosecondType>().value(i),
        ),
        DataType::Dictionary(..) => return arrow_cast_text(a, i),
        _ => return None,
    })
}

fn arrow_cast_text(a: &ArrayRef, i: usize) -> Option<String> {
    // Dictionary-encoded strings (as other writers produce them).
    let d = a.as_any_dictionary_opt()?;
    let keys = d.normalized_keys();
    keys.get(i).and_then(|k| value_text(d.values(), *k))
}

impl Stats {
    /// Groups by `by` (column names, or `date` for the UTC day of `started_at`, or any
    /// partition key), measuring `metric` (a float64 column, default `wait_ms`). With
    /// `exclude`, cache hits, WebSockets, server-sent events and tunnels are left out of
    /// the percentiles (the TTFB rule of `summary`).
    pub fn new(by: Vec<String>, metric: String, exclude: bool) -> Self {
        Self {
            by,
            metric,
            exclude,
            groups: BTreeMap::new(),
        }
    }

    /// The columns to read from Parquet.
    pub fn columns(&self) -> Vec<String> {
        let mut c: Vec<String> = BASE_COLUMNS.iter().map(|s| (*s).to_owned()).collect();
        c.push(self.metric.clone());
        c.push("started_at".to_owned());
        c.extend(self.by.iter().cloned());
        c.sort();
        c.dedup();
        c
    }

    /// Adds a batch; `partitions` are the `key=value` pairs of its file's path.
    ///
    /// # Errors
    /// When the metric column is missing or not a float64 column.
    pub fn add(
        &mut self,
        batch: &RecordBatch,
        partitions: &[(String, Option<String>)],
    ) -> Result<()> {
        let schema = batch.schema();
        let get = |name: &str| schema.index_of(name).ok().map(|i| batch.column(i).clone());
        let metric = get(&self.metric).ok_or_else(|| {
            Error::Usage(format!(
                "metric column `{}` is not in the data",
                self.metric
            ))
        })?;
        let metric = metric
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "metric column `{}` is not numeric (float64)",
                    self.metric
                ))
            })?
            .clone();
        let keys: Vec<KeySource> = self
            .by
            .iter()
            .map(|k| {
                if let Some((_, v)) = partitions.iter().find(|(pk, _)| pk == k) {
                    KeySource::Const(v.clone())
                } else if let Some(c) = get(k) {
                    KeySource::Column(c)
                } else if k == "date" {
                    KeySource::Date(get("started_at"))
                } else if k == "tenant" {
                    KeySource::Const(Some("unknown".to_owned()))
                } else {
                    KeySource::Missing(k.clone())
                }
            })
            .collect();
        if let Some(KeySource::Missing(k)) =
            keys.iter().find(|k| matches!(k, KeySource::Missing(_)))
        {
            return Err(Error::Usage(format!(
                "group key `{k}` is not a column or partition key"
            )));
        }
        let class = get("status_class");
        let class = class.as_ref().and_then(|c| c.as_string_opt::<i32>());
        let cache = get("from_cache");
        let cache = cache.as_ref().and_then(|c| c.as_boolean_opt());
        let method = get("method");
        let method = method.as_ref().and_then(|c| c.as_string_opt::<i32>());
        let status = get("status");
        let status = status
            .as_ref()
            .and_then(|c| c.as_primitive_opt::<Int32Type>());
        let rtype = get("resource_type");
        let rtype = rtype.as_ref().and_then(|c| c.as_string_opt::<i32>());
        let mime = get("mime_type");
        let mime = mime.as_ref().and_then(|c| c.as_string_opt::<i32>());
        let url = get("url");
        let url = url.as_ref().and_then(|c| c.as_string_opt::<i32>());
        for i in 0..batch.num_rows() {
            let key: Vec<Option<String>> = keys.iter().map(|k| k.value(i)).collect();
            let g = self.groups.entry(key).or_default();
            g.0 += 1;
            let cls = sv(class, i).unwrap_or("no_response");
            if matches!(cls, "4xx" | "5xx" | "no_response") {
                g.1 += 1;
            }
            if metric.is_null(i) {
                continue;
            }
            let v = metric.value(i);
            if v.is_nan() {
                continue;
            }
            if self.exclude
                && ttfb_exclusion(
                    cache.is_some_and(|a| a.is_valid(i) && a.value(i)),
                    sv(method, i).unwrap_or(""),
                    status.filter(|a| a.is_valid(i)).map(|a| a.value(i)),
                    sv(rtype, i),
                    sv(mime, i),
                    sv(url, i).unwrap_or(""),
                )
                .is_some()
            {
                continue;
            }
            g.2.push(v);
        }
        Ok(())
    }

    /// Every value counted in the percentiles, all groups together.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.groups.values().flat_map(|g| g.2.iter().copied())
    }

    /// The groups, sorted by key.
    pub fn finish(self) -> Vec<GroupStats> {
        self.groups
            .into_iter()
            .map(|(key, (count, failures, mut v))| {
                quantile::sort(&mut v);
                let [p50, p90, p99] = quantile::p50_p90_p99(&v);
                GroupStats {
                    key,
                    count,
                    failures,
                    failure_rate: if count > 0 {
                        failures as f64 / count as f64
                    } else {
                        0.0
                    },
                    n: v.len() as u64,
                    p50,
                    p90,
                    p99,
                }
            })
            .collect()
    }
}

fn sv(a: Option<&arrow_array::StringArray>, i: usize) -> Option<&str> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
}

enum KeySource {
    Const(Option<String>),
    Column(ArrayRef),
    Date(Option<ArrayRef>),
    Missing(String),
}

impl KeySource {
    fn value(&self, i: usize) -> Option<String> {
        match self {
            Self::Const(v) => v.clone(),
            Self::Column(c) => value_text(c, i),
            Self::Date(Some(c)) => value_text(c, i).and_then(|t| t.get(..10).map(str::to_owned)),
            Self::Date(None) | Self::Missing(_) => None,
        }
    }
}

/// A Parquet file of a dataset with its partition values.
#[derive(Debug, Clone)]
pub struct DatasetFile {
    /// The file.
    pub path: PathBuf,
    /// `key=value` directory names above the file (those of the path given too, as in
    /// `ds/entries/tenant=acme`), decoded; `None` for `__HIVE_DEFAULT_PARTITION__`.
    pub partitions: Vec<(String, Option<String>)>,
}

/// Decodes `%XX` escapes (Hive partition values).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// The Hive value of a directory name `key=value`, decoded; `None` as the value for the
/// null partition (`__HIVE_DEFAULT_PARTITION__`).
fn partition_dir(name: &str) -> Option<(String, Option<String>)> {
    let (k, v) = name.split_once('=')?;
    if k.is_empty() {
        return None;
    }
    let v = (v != crate::ingest::partition::NULL_PARTITION).then(|| percent_decode(v));
    Some((k.to_owned(), v))
}

/// The partition values of the path itself: its last components of the form
/// `key=value`, outermost first.
fn path_partitions(dir: &Path) -> Vec<(String, Option<String>)> {
    let mut parts: Vec<(String, Option<String>)> = dir
        .components()
        .rev()
        .map_while(|c| partition_dir(&c.as_os_str().to_string_lossy()))
        .collect();
    parts.reverse();
    parts
}

/// Every `.parquet` file under `root` (or `root` itself), in path order, skipping hidden
/// and `_`-prefixed names (temporary files, manifests) as Hive readers do.
///
/// # Errors
/// When a directory cannot be read.
pub fn dataset_files(root: &Path) -> Result<Vec<DatasetFile>> {
    let mut out = Vec::new();
    if root.is_file() {
        out.push(DatasetFile {
            path: root.to_path_buf(),
            partitions: path_partitions(root.parent().unwrap_or(Path::new(""))),
        });
        return Ok(out);
    }
    // An ingest dataset holds three tables: the views read `entries`.
    let entries = root.join("entries");
    let root = if root.join(crate::ingest::store::MANIFEST_DIR).is_dir() && entries.is_dir() {
        entries.as_path()
    } else {
        root
    };
    walk(root, &mut path_partitions(root), &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(
    dir: &Path,
    parts: &mut Vec<(String, Option<String>)>,
    out: &mut Vec<DatasetFile>,
) -> Result<()> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        let path = e.path();
        if path.is_dir() {
            let pushed = partition_dir(&name);
            let had = pushed.is_some();
            if let Some(p) = pushed {
                parts.push(p);
            }
            walk(&path, parts, out)?;
            if had {
                parts.pop();
            }
        } else if name.ends_with(".parquet") {
            out.push(DatasetFile {
                path,
                partitions: parts.clone(),
            });
        }
    }
    Ok(())
}

/// Reads the named columns (those present) of a Parquet file, batch by batch.
///
/// # Errors
/// When the file cannot be opened or decoded.
pub fn read_parquet(
    path: &Path,
    columns: &[String],
    f: &mut dyn FnMut(&RecordBatch) -> Result<()>,
) -> Result<()> {
    let bad = |e: &dyn std::fmt::Display| Error::ReadParquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(&e))?;
    let present: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|c| builder.schema().index_of(c).is_ok())
        .collect();
    let mask = ProjectionMask::columns(builder.parquet_schema(), present);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| bad(&e))?;
    for batch in reader {
        let batch = batch.map_err(|e| bad(&e))?;
        f(&batch)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_folders_of_the_path_itself_and_the_null_partition() {
        let p = path_partitions(Path::new(
            "/data/lake/entries/tenant=acme%2Fx/date=__HIVE_DEFAULT_PARTITION__",
        ));
        assert_eq!(
            p,
            vec![
                ("tenant".to_owned(), Some("acme/x".to_owned())),
                ("date".to_owned(), None)
            ]
        );
        assert!(path_partitions(Path::new("lake/entries")).is_empty());
        // only the trailing run counts: a `k=v` folder above the dataset is not a key
        assert!(path_partitions(Path::new("runs/env=prod/lake")).is_empty());
        assert_eq!(partition_dir("=x"), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("acme%2Fcorp%20x"), "acme/corp x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
