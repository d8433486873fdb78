"""The 20 columns the SQL peers (DuckDB, chDB) select from each entry `e`, in one place so
that both do exactly the same job. The same text runs in both engines: field access with
dots, and `coalesce`/`nullIf` (DuckDB's function names are case-insensitive)."""


def _nul(x):
    return f"nullIf({x}, -1)"


COLUMNS = f"""
    e.startedDateTime AS started_at_raw, e.pageref AS page_id, e.request.method AS method,
    e.request.url AS url,
    coalesce(nullIf(e.response.httpVersion, ''), e.request.httpVersion) AS http_version_raw,
    e.response.status AS status, e.response.content.mimeType AS mime_type,
    e.serverIPAddress AS server_ip, {_nul('e.response.content.size')} AS content_size,
    {_nul('e.response._transferSize')} AS transfer_size, {_nul('e.time')} AS time_ms,
    {_nul('e.timings.blocked')} AS blocked_ms, {_nul('e.timings.dns')} AS dns_ms,
    {_nul('e.timings.connect')} AS connect_ms, {_nul('e.timings.ssl')} AS ssl_ms,
    {_nul('e.timings.send')} AS send_ms, {_nul('e.timings.wait')} AS wait_ms,
    {_nul('e.timings.receive')} AS receive_ms,
    e.request.headers AS request_headers, e.response.headers AS response_headers
"""
