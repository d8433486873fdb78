"""Type stubs of the native module (the Rust engine)."""

import os
from typing import IO, Any, List, Literal, Optional, Sequence, Union

__version__: str

Path = Union[str, "os.PathLike[str]"]
Source = Union[Path, Sequence[Path], bytes, bytearray, IO[bytes]]

class HarError(Exception):
    """A HAR input could not be read, and where."""

    path: Optional[str]
    entry_index: Optional[int]
    offset: Optional[int]
    line: Optional[int]
    column: Optional[int]

class Schema:
    """The entries' Arrow schema (`pyarrow.schema(harx.schema())`)."""

    def __arrow_c_schema__(self) -> Any: ...

class EntryReader:
    """Entries as a stream of Arrow record batches (the export schema).

    Pass it to `pyarrow.table`, `pyarrow.RecordBatchReader.from_stream`,
    `polars.from_arrow(pyarrow.table(r))` or name it in a DuckDB query. Paths, objects and
    bytes are read afresh by each consumer; a file object is read once.
    """

    def __arrow_c_schema__(self) -> Any: ...
    def __arrow_c_stream__(self, requested_schema: Optional[Any] = None) -> Any: ...

def read(
    source: Source,
    *,
    sanitize: bool = True,
    bodies: bool = False,
    tracking_headers: Optional[List[str]] = None,
    rules: Optional[Path] = None,
    threads: Optional[int] = None,
    on_error: Literal["skip", "fail"] = "skip",
    tenant: Optional[str] = None,
    tenant_from: Optional[str] = None,
    tenant_from_url: Optional[str] = None,
) -> EntryReader:
    """Reads HAR entries from `source`: a path (a file, a directory, a glob, an
    `s3://bucket/prefix/` or `https://` URL), a list of them, bytes, or a binary file
    object; plain, gzip, zlib, zstd, zip and Fiddler .saz containers alike.

    Secrets are redacted unless `sanitize=False`; `rules` is a TOML rules file (as
    `harx sanitize --rules`). `bodies=True` adds the response bodies (redacted too).
    Malformed entries are skipped and counted (`on_error="fail"` stops the stream).
    With `tenant`, `tenant_from` (a regex with a named group `tenant`, over each file's
    path) or `tenant_from_url` (over each entry's URL), a `tenant` column is added, told as
    `harx ingest` tells it. Raises `HarError` when an input cannot be opened or listed.
    """

def schema(*, tenant: bool = False) -> Schema:
    """The entries' schema, the same as `harx export`'s Parquet schema (plus `tenant`)."""

def list_inputs(source: Union[Path, Sequence[Path]]) -> List[tuple]:
    """`(name, size)` of every input `source` names (files in directories and globs,
    objects under `s3://` prefixes)."""

def summary(
    source: Union[Path, Sequence[Path]],
    *,
    top: int = 10,
    sanitize: bool = True,
    threads: Optional[int] = None,
) -> dict:
    """The `harx.summary/1` summary (as `harx summary --format json`) of `source`."""

def sanitize(
    src: Path,
    dst: Path,
    *,
    rules: Optional[Path] = None,
    report: Optional[Path] = None,
    pseudonymize: bool = False,
    threads: Optional[int] = None,
) -> dict:
    """Sanitizes the HAR `src` into `dst` (byte-preserving, atomic, 0600) as `harx
    sanitize`; returns the report (counts by rule and location, never a value), also
    written to `report` when given. Refuses a `dst` or `report` that names `src`."""

def verify(path: Path, *, rules: Optional[Path] = None, threads: Optional[int] = None) -> List[dict]:
    """The verifier's findings in `path` (`harx sanitize --verify --json`): entry, offset,
    line, column, location, confidence and what, never the value."""

def validate(source: Union[Path, Sequence[Path]], *, threads: Optional[int] = None) -> List[dict]:
    """HAR 1.2 lint of each file (`harx validate --format json`'s `files`)."""
