"""harx: HAR (HTTP Archive) files as Arrow streams, in bounded memory, secrets redacted.

    import harx, pyarrow as pa
    table = pa.table(harx.read("cases/**/*.har"))      # or polars.from_arrow, DuckDB

Everything is done by the harx engine (Rust); this package only exposes it.
"""

from ._harx import (
    EntryReader,
    HarError,
    Schema,
    __version__,
    list_inputs,
    read,
    sanitize,
    schema,
    summary,
    validate,
    verify,
)

__all__ = ["EntryReader", "HarError", "Schema", "__version__", "list_inputs", "read", "sanitize",
           "schema", "summary", "validate", "verify"]
