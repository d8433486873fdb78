//! The `harx` Python module: a thin front end over the harx engine. Every reading, parsing
//! and redaction decision is the engine's; this crate converts arguments, hands Arrow
//! streams over through the Arrow PyCapsule interface, and turns errors into `HarError`.

use arrow_array::RecordBatchReader;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_schema::ffi::FFI_ArrowSchema;
use harx::engine::{Engine, Input, OnError, Options, Quiet};
use harx::error::Error;
use harx::ingest::partition::TenantRule;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyCapsule, PyList, PyTuple};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

// The engine allocates and frees many short-lived buffers across its worker threads; the
// harx binary uses mimalloc for that (docs/PERFORMANCE.md), and so does the extension. Only
// Rust's allocations go through it: Python and pyarrow keep their own allocators, and
// Arrow buffers handed over through the C interfaces are freed by our release callbacks.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pyo3::create_exception!(
    _harx,
    HarError,
    PyException,
    "A HAR input could not be read: `.path`, and where known `.entry_index`, `.offset`, \
     `.line` and `.column`."
);

/// The Python exception of an engine error, with where it happened as attributes.
fn har_error(py: Python<'_>, e: &Error) -> PyErr {
    let err = HarError::new_err(e.to_string());
    let value = err.value(py);
    let (path, index, offset, line, column) = match e {
        Error::Read { path, .. }
        | Error::Write { path, .. }
        | Error::Parquet { path, .. }
        | Error::ReadParquet { path, .. } => (Some(path), None, None, None, None),
        Error::NotHar {
            path,
            offset,
            line,
            column,
            ..
        } => (Some(path), None, Some(*offset), Some(*line), Some(*column)),
        Error::Entry {
            path,
            index,
            offset,
            line,
            column,
            ..
        } => (
            Some(path),
            Some(*index),
            Some(*offset),
            Some(*line),
            Some(*column),
        ),
        _ => (None, None, None, None, None),
    };
    let path = path.map(|p| p.display().to_string());
    let _ = value.setattr("path", path);
    let _ = value.setattr("entry_index", index);
    let _ = value.setattr("offset", offset);
    let _ = value.setattr("line", line);
    let _ = value.setattr("column", column);
    err
}

/// A binary file object read by the engine (on its own thread, taking the GIL per read).
struct PyReader(Py<PyAny>);

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Python::attach(|py| {
            let chunk = self
                .0
                .call_method1(py, "read", (buf.len(),))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            let chunk = chunk.bind(py);
            let bytes: &[u8] = if let Ok(b) = chunk.cast::<PyBytes>() {
                b.as_bytes()
            } else {
                return Err(std::io::Error::other(
                    "the file object's read() returned something other than bytes (open it in binary mode)",
                ));
            };
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            Ok(n)
        })
    }
}

/// One input as given, kept so that a reader can be read more than once where the input
/// allows it (paths, objects, bytes; a file object is read once).
enum Spec {
    Input(Input),
    Bytes(String, Arc<Vec<u8>>),
    Stream(String, Py<PyAny>),
}

impl Spec {
    fn again(&self) -> Option<Input> {
        match self {
            Self::Input(Input::Path(p)) => Some(Input::Path(p.clone())),
            #[allow(unreachable_patterns)]
            Self::Input(Input::Remote(o)) => Some(Input::Remote(o.clone())),
            Self::Bytes(name, b) => Some(Input::Bytes {
                name: name.clone(),
                bytes: b.as_ref().clone(),
            }),
            Self::Input(_) | Self::Stream(..) => None,
        }
    }
}

/// The inputs `source` names: a path (`str` or `os.PathLike`; a directory, a glob, an
/// `s3://` or `https://` URL), a list or tuple of them, `bytes`, or a binary file object.
fn specs(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Vec<Spec>> {
    if let Ok(b) = source.cast::<PyBytes>() {
        return Ok(vec![Spec::Bytes(
            "<bytes>".to_owned(),
            Arc::new(b.as_bytes().to_vec()),
        )]);
    }
    if let Ok(b) = source.cast::<PyByteArray>() {
        return Ok(vec![Spec::Bytes(
            "<bytes>".to_owned(),
            Arc::new(b.to_vec()),
        )]);
    }
    if source.is_instance_of::<PyList>() || source.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for item in source.try_iter()? {
            out.extend(specs(py, &item?)?);
        }
        return Ok(out);
    }
    if source.hasattr("read")? && !source.is_instance_of::<pyo3::types::PyString>() {
        let name = source
            .getattr("name")
            .ok()
            .and_then(|n| n.extract::<String>().ok())
            .unwrap_or_else(|| "<stream>".to_owned());
        return Ok(vec![Spec::Stream(name, source.clone().unbind())]);
    }
    let path: PathBuf = source.extract().map_err(|_| {
        PyTypeError::new_err(
            "source must be a path, a list of paths, a glob, an s3:// or https:// URL, bytes, or a binary file object",
        )
    })?;
    let text = path.to_string_lossy().into_owned();
    if harx::source::remote_arg(&text) {
        let (inputs, failed) = py.detach(|| harx::engine::resolve_paths(&[path]));
        if let Some((_, e)) = failed.first() {
            return Err(har_error(py, e));
        }
        return Ok(inputs.into_iter().map(Spec::Input).collect());
    }
    local(py, &path)
}

/// A local path: a file as it is, a directory walked and a glob expanded as `harx ingest`
/// does (files found by walking are read when their first bytes look like a HAR).
fn local(py: Python<'_>, path: &std::path::Path) -> PyResult<Vec<Spec>> {
    let found = harx::source::inputs::discover(&[path.to_path_buf()]);
    if let Some((p, why)) = found.errors.first() {
        let e = Error::Read {
            path: p.clone(),
            source: std::io::Error::other(why.clone()),
        };
        return Err(har_error(py, &e));
    }
    Ok(found
        .files
        .into_iter()
        .filter(|f| {
            f.explicit
                || harx::source::inputs::head(&f.path, 64)
                    .is_ok_and(|h| harx::source::inputs::looks_like_input(&h))
        })
        .map(|f| Spec::Input(Input::Path(f.path)))
        .collect())
}

/// A path or a list of paths (a `str` is one path, not a sequence of characters).
fn paths_of(source: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    if source.is_instance_of::<PyList>() || source.is_instance_of::<PyTuple>() {
        return source.extract();
    }
    Ok(vec![source.extract()?])
}

fn engine_for(
    sanitize: bool,
    bodies: bool,
    tracking_headers: Option<Vec<String>>,
    rules: Option<PathBuf>,
    threads: Option<usize>,
    on_error: &str,
) -> PyResult<Engine> {
    let mut options = Options {
        threads: threads.unwrap_or(0),
        on_error: match on_error {
            "skip" => OnError::Skip,
            "fail" => OnError::Fail,
            other => {
                return Err(PyValueError::new_err(format!(
                    "on_error must be \"skip\" or \"fail\", not {other:?}"
                )));
            }
        },
        ..Options::default()
    };
    options.parse.bodies = bodies;
    options.parse.sanitize = sanitize;
    if let Some(h) = tracking_headers {
        options.parse.tracking_headers = h.iter().map(|h| h.to_ascii_lowercase()).collect();
    }
    if let Some(path) = rules {
        if !sanitize {
            return Err(PyValueError::new_err(
                "rules= needs sanitize=True (the rules say what is redacted)",
            ));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| PyValueError::new_err(format!("{}: {e}", path.display())))?;
        let r = harx::sanitize::rules::Rules::load(Some(&text))
            .map_err(|e| PyValueError::new_err(format!("{}: {e}", path.display())))?;
        options.parse.rules = Some(Arc::new(r));
    }
    Engine::new(options).map_err(|e| PyException::new_err(e.to_string()))
}

/// Entries of HAR inputs as a stream of Arrow record batches (the export schema).
///
/// Implements the Arrow PyCapsule stream protocol: `pyarrow.table(r)`,
/// `pyarrow.RecordBatchReader.from_stream(r)`, `polars.from_arrow(...)` and DuckDB read
/// it without a copy. Batches are produced on the engine's threads while the consumer
/// reads, a few at a time, so memory stays bounded whatever the input size. Inputs that
/// can be read again (paths, objects, bytes) are read afresh by each stream taken from
/// it; a file object is read once.
#[pyclass(module = "harx", name = "EntryReader")]
struct EntryReader {
    engine: Arc<Engine>,
    specs: Mutex<Vec<Spec>>,
    taken: Mutex<bool>,
    tenant: Option<Arc<TenantRule>>,
}

/// Batches of a run with the `tenant` column added.
struct WithTenant {
    inner: harx::engine::EntryReader,
    rule: Arc<TenantRule>,
}

impl Iterator for WithTenant {
    type Item = Result<arrow_array::RecordBatch, arrow_schema::ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = self.inner.next()?;
        Some(batch.and_then(|b| {
            harx::ingest::partition::with_tenant(&b, &self.rule)
                .map_err(|e| arrow_schema::ArrowError::ExternalError(Box::new(e)))
        }))
    }
}

impl RecordBatchReader for WithTenant {
    fn schema(&self) -> arrow_schema::SchemaRef {
        harx::ingest::partition::schema_with_tenant()
    }
}

impl EntryReader {
    fn inputs(&self) -> PyResult<Vec<Input>> {
        let mut specs = self
            .specs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut taken = self
            .taken
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut inputs = Vec::new();
        for s in specs.iter_mut() {
            if let Some(i) = s.again() {
                inputs.push(i);
                continue;
            }
            if *taken {
                return Err(PyValueError::new_err(
                    "this reader's file object was already read (a stream is read once)",
                ));
            }
            let placeholder = Spec::Input(Input::Bytes {
                name: String::new(),
                bytes: Vec::new(),
            });
            match std::mem::replace(s, placeholder) {
                Spec::Stream(name, obj) => inputs.push(Input::Reader {
                    name,
                    reader: Box::new(PyReader(obj)),
                }),
                Spec::Input(i) => inputs.push(i),
                Spec::Bytes(..) => {}
            }
        }
        *taken = true;
        Ok(inputs)
    }
}

#[pymethods]
impl EntryReader {
    /// The entries' Arrow schema, as an `arrow_schema` PyCapsule.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, self.tenant.is_some())
    }

    /// A new Arrow C stream of the entries, as an `arrow_array_stream` PyCapsule.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // the stream's own schema is the only one offered (a consumer casts if it wants)
        let _ = requested_schema;
        let inputs = self.inputs()?;
        let reader = self.engine.read(inputs, 4);
        let boxed: Box<dyn RecordBatchReader + Send> = match &self.tenant {
            Some(rule) => Box::new(WithTenant {
                inner: reader,
                rule: Arc::clone(rule),
            }),
            None => Box::new(reader),
        };
        let stream = FFI_ArrowArrayStream::new(boxed);
        PyCapsule::new(py, stream, Some(c"arrow_array_stream".to_owned()))
    }

    fn __repr__(&self) -> String {
        let n = self
            .specs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        format!("<harx.EntryReader over {n} input(s)>")
    }
}

fn schema_capsule(py: Python<'_>, tenant: bool) -> PyResult<Bound<'_, PyCapsule>> {
    let schema = if tenant {
        harx::ingest::partition::schema_with_tenant()
    } else {
        Engine::schema()
    };
    let ffi = FFI_ArrowSchema::try_from(schema.as_ref())
        .map_err(|e| PyException::new_err(e.to_string()))?;
    PyCapsule::new(py, ffi, Some(c"arrow_schema".to_owned()))
}

/// The entries' schema (the export schema) as an object with `__arrow_c_schema__`:
/// `pyarrow.schema(harx.schema())` makes a `pyarrow.Schema` of it.
#[pyclass(module = "harx", name = "Schema")]
struct Schema {
    tenant: bool,
}

#[pymethods]
impl Schema {
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, self.tenant)
    }
}

/// The entries' schema, the same as `harx export`'s Parquet schema (names, types, field
/// metadata); `tenant=True` adds the `tenant` column.
#[pyfunction]
#[pyo3(signature = (*, tenant = false))]
fn schema(tenant: bool) -> Schema {
    Schema { tenant }
}

/// How tenants are told, as `harx ingest`'s `--tenant`, `--tenant-from` and
/// `--tenant-from-url`; `None` when none is given.
fn tenant_rule(
    tenant: Option<String>,
    tenant_from: Option<&str>,
    tenant_from_url: Option<&str>,
) -> PyResult<Option<Arc<TenantRule>>> {
    if tenant.is_none() && tenant_from.is_none() && tenant_from_url.is_none() {
        return Ok(None);
    }
    let compile = |p: Option<&str>| {
        p.map(TenantRule::pattern)
            .transpose()
            .map_err(PyValueError::new_err)
    };
    Ok(Some(Arc::new(TenantRule {
        fixed: tenant,
        from_path: compile(tenant_from)?,
        from_url: compile(tenant_from_url)?,
    })))
}

/// The inputs `source` names, as `(name, size in bytes)` pairs (size 0 when unknown):
/// files found in directories and by globs, objects under `s3://` prefixes. What a Spark
/// source plans its partitions with.
#[pyfunction]
fn list_inputs(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for spec in specs(py, source)? {
        match spec {
            Spec::Input(Input::Path(p)) => {
                let size = std::fs::metadata(&p).map_or(0, |m| m.len());
                out.push((p.display().to_string(), size));
            }
            #[allow(unreachable_patterns)]
            Spec::Input(Input::Remote(o)) => out.push((o.name.clone(), o.size.unwrap_or(0))),
            _ => {
                return Err(PyTypeError::new_err(
                    "list_inputs takes paths, globs and URLs",
                ));
            }
        }
    }
    Ok(out)
}

/// Reads HAR entries from `source`: a path (a file, a directory, a glob, an
/// `s3://bucket/prefix/` or `https://` URL), a list of them, `bytes`, or a binary file
/// object; plain, gzip, zlib, zstd, zip and Fiddler `.saz` alike. Returns an
/// `EntryReader` (an Arrow stream). Secrets are redacted unless `sanitize=False`; `rules`
/// is a TOML rules file; `bodies=True` adds response bodies; malformed entries are skipped
/// (`on_error="fail"` stops the stream); `tenant`, `tenant_from` and `tenant_from_url` add
/// a `tenant` column. Raises `HarError` when an input cannot be opened or listed.
#[pyfunction]
#[pyo3(signature = (source, *, sanitize = true, bodies = false, tracking_headers = None,
                    rules = None, threads = None, on_error = "skip", tenant = None,
                    tenant_from = None, tenant_from_url = None))]
#[allow(clippy::too_many_arguments)]
fn read(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    sanitize: bool,
    bodies: bool,
    tracking_headers: Option<Vec<String>>,
    rules: Option<PathBuf>,
    threads: Option<usize>,
    on_error: &str,
    tenant: Option<String>,
    tenant_from: Option<&str>,
    tenant_from_url: Option<&str>,
) -> PyResult<EntryReader> {
    let tenant = tenant_rule(tenant, tenant_from, tenant_from_url)?;
    let engine = engine_for(sanitize, bodies, tracking_headers, rules, threads, on_error)?;
    let specs = specs(py, source)?;
    if specs.is_empty() {
        return Err(PyValueError::new_err("the source names no HAR input"));
    }
    Ok(EntryReader {
        engine: Arc::new(engine),
        specs: Mutex::new(specs),
        taken: Mutex::new(false),
        tenant,
    })
}

/// The `harx.summary/1` summary of `source` as a dict.
#[pyfunction]
#[pyo3(signature = (source, *, top = 10, sanitize = true, threads = None))]
fn summary(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    top: usize,
    sanitize: bool,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let engine = engine_for(sanitize, false, None, None, threads, "skip")?;
    let paths = paths_of(source)?;
    let result = py.detach(|| {
        harx::analyze::summary::summarize(&engine, &paths, top, &mut Quiet)
            .map(|(s, _)| serde_json::to_string(&s))
    });
    let text = match result {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return Err(PyException::new_err(e.to_string())),
        Err(e) => return Err(har_error(py, &e)),
    };
    let json = py.import("json")?;
    Ok(json.call_method1("loads", (text,))?.unbind())
}

fn json_to_py(py: Python<'_>, v: &serde_json::Value) -> PyResult<Py<PyAny>> {
    let json = py.import("json")?;
    Ok(json.call_method1("loads", (v.to_string(),))?.unbind())
}

fn pool(threads: Option<usize>) -> PyResult<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| PyException::new_err(e.to_string()))
}

fn load_rules(rules: Option<&PathBuf>) -> PyResult<harx::sanitize::rules::Rules> {
    let text = rules
        .map(|p| {
            std::fs::read_to_string(p)
                .map_err(|e| PyValueError::new_err(format!("{}: {e}", p.display())))
        })
        .transpose()?;
    harx::sanitize::rules::Rules::load(text.as_deref()).map_err(|e| {
        let name = rules.map_or_else(|| "rules".to_owned(), |p| p.display().to_string());
        PyValueError::new_err(format!("{name}: {e}"))
    })
}

/// Sanitizes the HAR `src` into `dst` (atomically, 0600; byte-preserving), as `harx
/// sanitize` does, and returns the report (counts by rule and location, never a value);
/// `report` also writes it to that path. `pseudonymize` replaces each secret by a stable
/// pseudonym instead of `[REDACTED]`.
#[pyfunction]
#[pyo3(signature = (src, dst, *, rules = None, report = None, pseudonymize = false,
                    threads = None))]
fn sanitize(
    py: Python<'_>,
    src: PathBuf,
    dst: PathBuf,
    rules: Option<PathBuf>,
    report: Option<PathBuf>,
    pseudonymize: bool,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let mut outputs = vec![dst.as_path()];
    outputs.extend(report.as_deref());
    harx::sink::check_outputs(&[src.as_path()], &outputs).map_err(PyValueError::new_err)?;
    let mut rules = load_rules(rules.as_ref())?;
    if pseudonymize {
        rules.replacement = harx::sanitize::rules::Replacement::Pseudonym;
    }
    let key = harx::sanitize::report::random_key()
        .map_err(|e| PyException::new_err(format!("reading /dev/urandom: {e}")))?;
    let pool = pool(threads)?;
    let result = py.detach(|| {
        let policy = harx::sanitize::engine::Policy { rules: &rules, key };
        let meta = |o: &harx::sanitize::Outcome| harx::sanitize::report::meta(o, &rules);
        harx::sanitize::write_sanitized(&src, &dst, &policy, &pool, &meta).map(|o| {
            harx::sanitize::report::report(
                &o,
                &rules,
                &src.display().to_string(),
                &dst.display().to_string(),
            )
        })
    });
    let value = result.map_err(|e| har_error(py, &e))?;
    if let Some(path) = &report {
        let write = || -> harx::error::Result<()> {
            let mut f = harx::sink::AtomicFile::create(path)?;
            let text = serde_json::to_string_pretty(&value).unwrap_or_default();
            std::io::Write::write_all(f.file(), text.as_bytes()).map_err(|source| {
                Error::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            f.commit()
        };
        write().map_err(|e| har_error(py, &e))?;
    }
    json_to_py(py, &value)
}

/// The independent verifier's findings in the HAR at `path` (`harx sanitize --verify
/// --json`): where each possible secret is, its confidence and kind, never its value. An
/// empty list: nothing found.
#[pyfunction]
#[pyo3(signature = (path, *, rules = None, threads = None))]
fn verify(
    py: Python<'_>,
    path: PathBuf,
    rules: Option<PathBuf>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let rules = load_rules(rules.as_ref())?;
    let key = harx::sanitize::report::random_key()
        .map_err(|e| PyException::new_err(format!("reading /dev/urandom: {e}")))?;
    let pool = pool(threads)?;
    let outcome = py.detach(|| {
        let policy = harx::sanitize::engine::Policy { rules: &rules, key };
        harx::sanitize::verify(&path, &policy, &pool)
    });
    let outcome = outcome.map_err(|e| har_error(py, &e))?;
    let list: Vec<serde_json::Value> = outcome
        .findings
        .iter()
        .map(harx::sanitize::report::finding)
        .collect();
    json_to_py(py, &serde_json::Value::Array(list))
}

/// Lints HARs against HAR 1.2 (`harx validate --format json`): one dict per file with
/// `valid`, counts and the findings (path, line, column, severity, code, message, hint).
#[pyfunction]
#[pyo3(signature = (source, *, threads = None))]
fn validate(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    threads: Option<usize>,
) -> PyResult<Py<PyAny>> {
    let paths = paths_of(source)?;
    let pool = pool(threads)?;
    let files = py.detach(|| {
        paths
            .iter()
            .map(|p| {
                let name = p.display().to_string();
                harx::source::Source::open(p)
                    .map(|s| harx::validate::validate(&s, &pool).to_json(&name))
                    .map_err(|source| Error::Read {
                        path: p.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<_>, Error>>()
    });
    let files = files.map_err(|e| har_error(py, &e))?;
    json_to_py(py, &serde_json::Value::Array(files))
}

#[pymodule]
fn _harx(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("HarError", m.py().get_type::<HarError>())?;
    m.add_class::<EntryReader>()?;
    m.add_class::<Schema>()?;
    m.add_function(wrap_pyfunction!(read, m)?)?;
    m.add_function(wrap_pyfunction!(schema, m)?)?;
    m.add_function(wrap_pyfunction!(summary, m)?)?;
    m.add_function(wrap_pyfunction!(sanitize, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(list_inputs, m)?)?;
    Ok(())
}
