"""harx sanitize: canary secrets of every class in sanitizers.md §2 never reach the output,
troubleshooting data survives, every byte outside a redacted string is unchanged (checked
by re-tokenizing both files), the output is valid JSON with the same structure (Python's
json module), --verify, the report, fail-closed behaviour, rules files, pseudonyms, gpg."""

import base64
import json
import os
import re
import shutil
import stat
import subprocess
import tomllib

import pytest

from conftest import run_harx

STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlLWNhbmFyeQ"
JWE = "eyJhbGciOiJSU0EtT0FFUCJ9.ZW5jcnlwdGVka2V5Y2FuYXJ5.aXZjYW5hcnk.Y2lwaGVydGV4dGNhbmFyeQ.dGFnY2FuYXJ5"
CANARIES = {
    "cookie": "CookieCanary1234567",
    "cookie2": "SecondCookieCanary99",
    "setcookie": "SetCookieCanary7654",
    "bearer": "BearerCanaryToken0001",
    "proxy": "UHJveHlDYW5hcnk6cGFzcw==",
    "apikey": "ApiKeyHeaderCanary42",
    "xclient": "XClientDataCanary5555",
    "query": "QueryTokenCanary3333",
    "fragment": "FragmentTokenCanary44",
    "userinfo": "UserinfoPassCanary",
    "amzsig": "AmzSignatureCanary00aa",
    "formpw": "FormPasswordCanary11",
    "jsonpw": "NestedPasscodeCanary",
    "graphql": "GraphqlPasswordCanary",
    "textplain": "BeaconSessionCanary1",
    "b64token": "Base64AccessTokenCanary",
    "saml": "PHNhbWxwOlJlc3BvbnNlIGNhbmFyeT0iMSIvPg==",
    "csrfmeta": "CsrfMetaCanary123456",
    "ws": "WebsocketTokenCanary",
    "sse": "SseSessionTokenCanary",
    "multipart": "MultipartPasswordCanary",
    "aws": "AKIAIOSFODNN7CANARY1",
    "github": "ghp_" + "C" * 36,
    "escaped": "EscapedAccessCanary9",
    "initiator": "InitiatorTokenCanary",
    "redirect": "RedirectCodeCanary7777",
    "pagetitle": "PageTitleTokenCanary",
    "k8s": "K8sBearerCanaryToken",
}
# Where each gap of sanitizers.md §3 is exercised:
#   G1 fragment + redirectURL: fragment, redirect · G2 pre-signed URL: amzsig · G3 _initiator URL
#   and stack: initiator · G4 nested JSON: jsonpw · G5 multipart and GraphQL: multipart, graphql
#   · G6 text/plain JSON: textplain · G7 token response: b64token · G8 SAML/CSRF in HTML: saml,
#   csrfmeta · G9 base64 body: b64token · G10 WebSocket and Socket.IO: ws · G11 SSE: sse · G12 JWE
#   and vendor keys: JWE, aws, github · G13 \u-escaped: escaped · G14 propagation: cookie echoed
#   in the beacon body · G15 Sec-WebSocket-Protocol: k8s · G16 Proxy-Authorization: proxy · G17
#   streaming: test_real_files_byte_preserving_and_valid and docs/PERFORMANCE.md · G18 fail closed,
#   0600: test_fails_closed · G19 report and verify: test_verify · G20 byte fidelity:
#   assert_byte_preserving on every file.
KEEP = ["TRACK-0001-keep", "/api/v1/users", "keyboard=qwerty", "Author Name Keep", "invalid_grant",
        "Path=/; HttpOnly; Secure; SameSite=Lax", "Bearer ", "session_id_name", "theme="]


def secrets_har():
    C = CANARIES
    b64 = base64.b64encode(json.dumps({"access_token": C["b64token"], "token_type": "Bearer", "expires_in": 3600}).encode()).decode()
    html = (f'<html><head><meta name="csrf-token" content="{C["csrfmeta"]}"></head><body><form method="post">'
            f'<input type="hidden" name="SAMLResponse" value="{C["saml"]}"/></form></body></html>')
    multipart = ("--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n"
                 f"--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{C['multipart']}\r\n--XyZ--\r\n")
    def hdr(n, v):
        return {"name": n, "value": v}
    entries = [
        {"startedDateTime": "2026-01-01T00:00:00.000Z", "time": 12.5,
         "_initiator": {"type": "script", "url": f"https://cdn.example.com/a.js?token={C['initiator']}",
                        "stack": {"callFrames": [{"url": f"https://cdn.example.com/b.js?access_token={C['initiator']}"}]}},
         "request": {"method": "POST",
                     "url": f"https://user:{C['userinfo']}@api.example.com/api/v1/users?access_token={C['query']}&page=2&keyboard=qwerty#id_token={C['fragment']}",
                     "httpVersion": "HTTP/2",
                     "headers": [hdr(":path", f"/api/v1/users?access_token={C['query']}&page=2"),
                                 hdr("Authorization", f"Bearer {C['bearer']}"),
                                 hdr("proxy-authorization", f"Basic {C['proxy']}"),
                                 hdr("Cookie", f"sid={C['cookie']}; theme=dark; other={C['cookie2']}"),
                                 hdr("X-Api-Key", C["apikey"]), hdr("x-client-data", C["xclient"]),
                                 hdr("Author", "Author Name Keep"),
                                 hdr("Sec-WebSocket-Protocol", f"base64url.bearer.authorization.k8s.io.{C['k8s']}"),
                                 hdr("Referer", f"https://app.example.com/cb?code={C['redirect']}")],
                     "queryString": [{"name": "access_token", "value": C["query"]}, {"name": "page", "value": "2"},
                                     {"name": "keyboard", "value": "qwerty"}],
                     "cookies": [{"name": "sid", "value": C["cookie"]}, {"name": "session_id_name", "value": C["cookie2"]}],
                     "postData": {"mimeType": "application/x-www-form-urlencoded",
                                  "text": f"username=alice&password={C['formpw']}&keyboard=qwerty",
                                  "params": [{"name": "username", "value": "alice"}, {"name": "password", "value": C["formpw"]}]},
                     "headersSize": -1, "bodySize": 50},
         "response": {"status": 400, "statusText": "Bad Request", "httpVersion": "HTTP/2",
                      "headers": [hdr("Set-Cookie", f"sid={C['setcookie']}; Path=/; HttpOnly; Secure; SameSite=Lax"),
                                  hdr("TrackingID", "TRACK-0001-keep"),
                                  hdr("Location", f"https://app.example.com/cb#access_token={C['fragment']}")],
                      "cookies": [{"name": "sid", "value": C["setcookie"], "path": "/", "httpOnly": True}],
                      "content": {"size": 60, "mimeType": "application/json",
                                  "text": json.dumps({"error": "invalid_grant", "error_description": "The code expired",
                                                      "user": {"credentials": {"passcode": C["jsonpw"]}}, "detail": "issued " + JWT})},
                      "redirectURL": f"https://app.example.com/cb?code={C['redirect']}&state=ok",
                      "headersSize": -1, "bodySize": -1},
         "cache": {}, "timings": {"blocked": 1, "dns": -1, "connect": -1, "ssl": -1, "send": 0.5, "wait": 10, "receive": 1}},
        {"startedDateTime": "2026-01-01T00:00:01.000Z", "time": 5,
         "request": {"method": "POST", "url": "https://api.example.com/graphql", "httpVersion": "HTTP/2",
                     "headers": [], "queryString": [], "cookies": [],
                     "postData": {"mimeType": "application/json",
                                  "text": json.dumps({"query": "mutation Login($password: String!) { login }",
                                                      "variables": {"user": "alice", "password": C["graphql"]}})},
                     "headersSize": -1, "bodySize": 10},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2", "headers": [], "cookies": [],
                      "content": {"size": 80, "mimeType": "application/json", "encoding": "base64", "text": b64},
                      "redirectURL": "", "headersSize": -1, "bodySize": -1},
         "cache": {}, "timings": {"send": 1, "wait": 3, "receive": 1}},
        {"startedDateTime": "2026-01-01T00:00:02.000Z", "time": 5,
         "request": {"method": "POST", "url": "https://telemetry.example.com/beacon", "httpVersion": "HTTP/1.1",
                     "headers": [], "queryString": [], "cookies": [],
                     "postData": {"mimeType": "text/plain;charset=UTF-8",
                                  "text": json.dumps({"event": "load", "session_token": C["textplain"],
                                                      "echo": f"cookie was {C['cookie']}"})},
                     "headersSize": -1, "bodySize": 10},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                      "content": {"size": 10, "mimeType": "text/html", "text": html},
                      "redirectURL": "", "headersSize": -1, "bodySize": -1},
         "cache": {}, "timings": {"send": 1, "wait": 3, "receive": 1},
         "_webSocketMessages": [{"type": "send", "time": 1.0, "opcode": 1,
                                 "data": json.dumps({"type": "connection_init", "payload": {"token": C["ws"]}})},
                                {"type": "receive", "time": 1.1, "opcode": 1, "data": '42["auth",{"access_token":"' + C["ws"] + '"}]'}]},
        {"startedDateTime": "2026-01-01T00:00:03.000Z", "time": 5,
         "request": {"method": "POST", "url": "https://upload.example.com/form", "httpVersion": "HTTP/1.1",
                     "headers": [], "queryString": [], "cookies": [],
                     "postData": {"mimeType": "multipart/form-data; boundary=XyZ", "text": multipart},
                     "headersSize": -1, "bodySize": 10},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                      "content": {"size": 10, "mimeType": "text/event-stream",
                                  "text": f'event: hello\ndata: {{"session_token": "{C["sse"]}", "n": 1}}\n\n'},
                      "redirectURL": "", "headersSize": -1, "bodySize": -1},
         "cache": {}, "timings": {"send": 1, "wait": 3, "receive": 1},
         "comment": f"keys: {C['aws']} {C['github']} {JWE} presigned https://b.s3.amazonaws.com/k?X-Amz-Signature={C['amzsig']}&X-Amz-Expires=300"},
    ]
    doc = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                   "pages": [{"startedDateTime": "2026-01-01T00:00:00.000Z", "id": "page_1",
                              "title": f"https://app.example.com/?token={C['pagetitle']}", "pageTimings": {}}],
                   "entries": entries}}
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    # a \u-escaped secret, as some producers write `=`
    text = text.replace('"comment": "keys:', '"comment": "access_token\\u003d' + C["escaped"] + ' keys:')
    return text


def variants(v):
    """A value as it might appear: raw, percent-encoded, JSON-escaped, base64."""
    from urllib.parse import quote
    return {v, quote(v, safe=""), json.dumps(v)[1:-1]}


def skeleton(text):
    return STRING.sub('""', text)


def strip_sanitizer_member(text):
    i = text.index(', "_harx_sanitizer": ')
    depth, j = 0, text.index("{", i)
    for k in range(j, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return text[:i] + text[k + 1:]
    raise AssertionError("unbalanced _harx_sanitizer")


def assert_byte_preserving(src_text, out_text):
    """Every byte outside string tokens is unchanged; every string token is unchanged
    unless it now carries a redaction marker."""
    out_text = strip_sanitizer_member(out_text)
    assert skeleton(out_text) == skeleton(src_text)
    a, b = STRING.findall(src_text), STRING.findall(out_text)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if x != y:
            assert marked(y) or marked(base64_text(json.loads(y))), (x[:80], y[:80])


def same_shape(a, b, path="$"):
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same_shape(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same_shape(x, y, f"{path}[{i}]")
    elif isinstance(a, str) and a != b:
        assert marked(b) or marked(base64_text(b)), (path, b[:80])


def marked(s):
    """Whether a string carries a redaction marker, plain or URL-safe (`%5BREDACTED%5D`,
    also encoded again inside a nested URL)."""
    return "[REDACTED" in s or "%5BREDACTED" in s or "%255BREDACTED" in s


def base64_text(s):
    try:
        return base64.b64decode(s, validate=True).decode()
    except Exception:
        return ""


@pytest.fixture()
def secrets(tmp_path):
    p = tmp_path / "secrets.har"
    p.write_text(secrets_har())
    return p


def test_every_canary_is_redacted_and_troubleshooting_data_stays(secrets, tmp_path):
    out = tmp_path / "clean.har"
    report = tmp_path / "report.json"
    p = run_harx("sanitize", secrets, "-o", out, "--report", report)
    text = out.read_text()
    doc = json.loads(text)
    decoded_bodies = " ".join(base64_text(e["response"]["content"].get("text", ""))
                              for e in doc["log"]["entries"])
    for name, value in CANARIES.items():
        for v in variants(value):
            assert v not in text, f"canary {name} leaked"
            assert v not in decoded_bodies, f"canary {name} leaked in a base64 body"
            assert v not in p.stderr
    for s in (JWT, JWE):
        assert s not in text
    for k in KEEP:
        assert k in text, f"{k!r} should survive"
    e0 = doc["log"]["entries"][0]
    auth = [h["value"] for h in e0["request"]["headers"] if h["name"] == "Authorization"][0]
    assert auth == "Bearer [REDACTED]"
    cookie = [h["value"] for h in e0["request"]["headers"] if h["name"] == "Cookie"][0]
    assert cookie == "sid=[REDACTED]; theme=[REDACTED]; other=[REDACTED]"
    assert e0["response"]["status"] == 400 and e0["timings"]["wait"] == 10
    assert [q["name"] for q in e0["request"]["queryString"]] == ["access_token", "page", "keyboard"]
    # provenance and counts: the report and the log member agree, never values
    meta = doc["log"]["_harx_sanitizer"]
    rep = json.loads(report.read_text())
    assert meta["redactions"] == rep["redactions"] == sum(rep["by_rule"].values()) == sum(rep["by_location"].values())
    assert doc["log"]["creator"] == {"name": "WebInspector", "version": "537.36"}
    for name, value in CANARIES.items():
        assert value not in report.read_text()
    for rule in ("authorization", "cookie-header", "set-cookie", "secret-header", "url-param", "query-param",
                 "form-param", "json-key", "multipart-field", "html-hidden-input", "html-csrf-meta", "jwt", "jwe",
                 "vendor-key", "text-param", "cookie", "propagated"):
        assert rep["by_rule"].get(rule, 0) > 0, rule
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert_byte_preserving(secrets.read_text(), text)
    same_shape(json.loads(secrets.read_text())["log"]["entries"], doc["log"]["entries"])


def test_verify(secrets, tmp_path):
    bad = run_harx("sanitize", "--verify", secrets, check=False)
    assert bad.returncode == 1
    for value in CANARIES.values():
        assert value not in bad.stdout and value not in bad.stderr
    assert re.search(r"entry 0, request\.headers: secret: credential-shaped value under Authorization \(byte \d+", bad.stdout)
    assert re.search(r"log\.pages, pages: (secret|possible secret).* \(byte \d+, line \d+, column \d+\)", bad.stdout)
    out = tmp_path / "clean.har"
    run_harx("sanitize", secrets, "-o", out)
    assert run_harx("sanitize", "--verify", out, check=False).returncode == 0
    # sanitizing sanitized output changes nothing, byte for byte
    again = tmp_path / "again.har"
    run_harx("sanitize", out, "-o", again)
    assert again.read_bytes() == out.read_bytes()


def test_fails_closed(secrets, tmp_path):
    text = secrets.read_text()
    cut = tmp_path / "cut.har"
    cut.write_text(text[: len(text) // 2])
    out = tmp_path / "out.har"
    p = run_harx("sanitize", cut, "-o", out, check=False)
    assert p.returncode == 1 and "truncated" in p.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.har*"))
    bad = tmp_path / "bad.har"
    bad.write_text(text.replace('"time": 5,', '"time": 5 "oops",', 1))
    p = run_harx("sanitize", bad, "-o", out, check=False)
    assert p.returncode == 1 and re.search(r"entry 1: .*byte \d+ \(line \d+, column \d+\)|byte \d+ \(line \d+, column \d+\): entry 1", p.stderr), p.stderr
    assert not out.exists()
    for value in CANARIES.values():
        assert value not in p.stderr


def test_pseudonyms_keep_equality(secrets, tmp_path):
    key = tmp_path / "key"
    key.write_bytes(b"support-team-key")
    out = tmp_path / "p.har"
    run_harx("sanitize", secrets, "-o", out, "--pseudonymize", "--key-file", key)
    doc = json.loads(out.read_text())
    e0 = doc["log"]["entries"][0]
    header_sid = [h["value"] for h in e0["request"]["headers"] if h["name"] == "Cookie"][0].split(";")[0].split("=", 1)[1]
    array_sid = e0["request"]["cookies"][0]["value"]
    other = e0["request"]["cookies"][1]["value"]
    assert re.fullmatch(r"\[REDACTED:[0-9a-f]{8}\]", header_sid)
    assert header_sid == array_sid != other
    out2 = tmp_path / "p2.har"
    run_harx("sanitize", secrets, "-o", out2, "--pseudonymize", "--key-file", key)
    assert out2.read_text() == out.read_text()
    for value in CANARIES.values():
        assert value not in out.read_text()


def test_rules_file(secrets, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[headers]\nadd = ["TrackingID"]\n[cookies]\nkeep = ["sid"]\n'
                     '[[patterns]]\nname = "ticket"\nregex = "keyboard=qwerty"\n')
    out = tmp_path / "r.har"
    run_harx("sanitize", secrets, "-o", out, "--rules", rules)
    text = out.read_text()
    assert "TRACK-0001-keep" not in text
    assert CANARIES["cookie"] in text  # kept on request
    assert "keyboard=qwerty" not in text
    allow = tmp_path / "allow.toml"
    allow.write_text('mode = "allow"\n[headers]\nallow = ["trackingid"]\n[params]\nallow = ["page"]\n')
    run_harx("sanitize", secrets, "-o", out, "--rules", allow)
    doc = json.loads(out.read_text())
    e0 = doc["log"]["entries"][0]
    assert [h["value"] for h in e0["response"]["headers"] if h["name"] == "TrackingID"] == ["TRACK-0001-keep"]
    assert [q["value"] for q in e0["request"]["queryString"]] == ["[REDACTED]", "2", "[REDACTED]"]
    assert [h["value"] for h in e0["request"]["headers"] if h["name"] == "Author"] == ["[REDACTED]"]
    bad = tmp_path / "bad.toml"
    bad.write_text('mode = "sometimes"\n')
    p = run_harx("sanitize", secrets, "-o", out, "--rules", bad, check=False)
    assert p.returncode == 1 and "mode" in p.stderr


def test_default_rules_print_and_round_trip(secrets, tmp_path):
    text = run_harx("sanitize", "--print-default-rules").stdout
    rules = tomllib.loads(text)
    assert rules["mode"] == "deny" and rules["replacement"] == "redact"
    f = tmp_path / "defaults.toml"
    f.write_text(text)
    a, b = tmp_path / "a.har", tmp_path / "b.har"
    run_harx("sanitize", secrets, "-o", a)
    run_harx("sanitize", secrets, "-o", b, "--rules", f)
    strip = lambda t: re.sub(r'"rules_sha256": "[0-9a-f]+"', "", t)
    assert strip(a.read_text()) == strip(b.read_text())


def test_real_files_byte_preserving_and_valid(corpus, tmp_path):
    files = sorted((corpus / "sanitize").glob("*/*.har")) + sorted((corpus / "real").glob("*.har"))
    assert len(files) > 40
    for f in files:
        out = tmp_path / (f.name + ".out")
        p = run_harx("sanitize", f, "-o", out, "-q", check=False)
        assert p.returncode == 0, (f.name, p.stderr)
        raw = f.read_bytes()
        src = raw.decode("utf-8-sig", errors="surrogatepass")
        got = out.read_bytes().decode("utf-8-sig", errors="surrogatepass")
        assert_byte_preserving(src, got)
        a, b = json.loads(src), json.loads(got)
        same_shape(a["log"]["entries"], b["log"]["entries"], f.name)
        assert run_harx("sanitize", "--verify", out, check=False).returncode == 0, f.name


def test_google_session_cookies_never_survive(corpus, tmp_path):
    f = corpus / "sanitize" / "mitmproxy" / "chrome.har"
    doc = json.loads(f.read_text())
    values = {c["value"] for e in doc["log"]["entries"] for c in e["request"].get("cookies", []) if len(c["value"]) >= 8}
    assert len(values) >= 15
    out = tmp_path / "c.har"
    run_harx("sanitize", f, "-o", out)
    text = out.read_text()
    for v in values:
        assert v not in text


@pytest.mark.skipif(shutil.which("gpg") is None, reason="SKIPPED: gpg not installed")
def test_encrypt_original(secrets, tmp_path):
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = dict(os.environ, GNUPGHOME=str(home))
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "support@example.com", "default", "default", "never"],
                   check=True, env=env, capture_output=True)
    pub = tmp_path / "support.asc"
    pub.write_bytes(subprocess.run(["gpg", "--armor", "--export", "support@example.com"], check=True, env=env,
                                   capture_output=True).stdout)
    original = secrets.read_bytes()
    out = tmp_path / "clean.har"
    run_harx("sanitize", secrets, "-o", out, "--encrypt-original-to", pub, "--delete-original")
    enc = tmp_path / "secrets.har.gpg"
    assert enc.exists() and not secrets.exists()
    assert stat.S_IMODE(enc.stat().st_mode) == 0o600
    plain = subprocess.run(["gpg", "--batch", "--decrypt", str(enc)], check=True, env=env, capture_output=True).stdout
    assert plain == original


def test_export_and_ingest_apply_the_sanitizer_everywhere(secrets, tmp_path):
    """The same rules run inside export and ingest: header values, URLs, error texts and
    bodies, token patterns, and later occurrences of a value found secret earlier (the
    beacon body echoing entry 0's cookie)."""
    import pyarrow.parquet as pq
    out = tmp_path / "e.parquet"
    run_harx("export", secrets, "-o", out, "--bodies", "-q")
    ds = tmp_path / "ds"
    run_harx("ingest", secrets, "--dataset", ds, "-q")
    texts = [json.dumps(pq.read_table(out).to_pylist(), default=str)]
    for f in sorted(ds.rglob("*.parquet")):
        texts.append(json.dumps(pq.read_table(f).to_pylist(), default=str))
    for text in texts:
        for name, value in CANARIES.items():
            for v in variants(value):
                assert v not in text, f"canary {name} reached Parquet"
        for s in (JWT, JWE):
            assert s not in text
    rows = pq.read_table(out).to_pylist()
    assert rows[0]["tracking_id"] == "TRACK-0001-keep"
    assert rows[0]["status"] == 400 and rows[0]["wait_ms"] == 10
    assert "page=2" in rows[0]["url"] and "keyboard=qwerty" in rows[0]["url"]
    beacon = json.loads(rows[2]["request_body"])
    assert beacon["echo"] == "cookie was [REDACTED]" and beacon["event"] == "load"
    # --no-sanitize keeps everything, and says so.
    raw = tmp_path / "raw.parquet"
    run_harx("export", secrets, "-o", raw, "--bodies", "--no-sanitize", "-q")
    assert CANARIES["cookie"] in json.dumps(pq.read_table(raw).to_pylist(), default=str)
    assert pq.read_metadata(raw).metadata[b"harx.sanitized"] == b"false"


def test_propagation_reaches_every_later_form_of_a_secret(tmp_path):
    """A secret found by a rule in one entry is redacted wherever the sanitizer reads text
    later: in the same entry, in later entries of the same parallel batch and of later
    batches, inside base64 bodies and behind JSON escapes (`\\/`)."""
    long_secret = "Zq7XvPq93mLkT0aBcDeF/gH1"   # long (strided index), with a '/'
    short_secret = "Qw3rTy9Z"                   # short (whole-token index)
    cookie = f"session={long_secret}; s2={short_secret}"

    def entry(i, headers, text, encoding=None):
        content = {"size": len(text), "mimeType": "text/plain", "text": text}
        if encoding:
            content["encoding"] = encoding
        return {"startedDateTime": f"2024-01-01T00:00:{i % 60:02d}Z", "time": 1,
                "request": {"method": "GET", "url": f"https://a.example/{i}", "httpVersion": "HTTP/1.1",
                            "headers": headers, "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                             "cookies": [], "content": content, "redirectURL": "", "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}

    echo = f"echo {long_secret} and {short_secret} end"
    entries = [entry(0, [{"name": "Cookie", "value": cookie}], "same entry " + echo)]
    entries.append(entry(1, [], base64.b64encode(echo.encode()).decode(), "base64"))
    entries.append(entry(2, [], echo))
    # filler pushes the last echoes into a later parallel batch (batches are 16 MiB)
    filler = "x" * (1 << 20)
    entries += [entry(3 + k, [], filler) for k in range(20)]
    entries.append(entry(23, [], base64.b64encode(echo.encode()).decode(), "base64"))
    entries.append(entry(24, [], echo))
    src = tmp_path / "prop.har"
    text = json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": entries}})
    src.write_text(text.replace(long_secret, long_secret.replace("/", "\\/")))
    assert long_secret.replace("/", "\\/") in src.read_text()
    out = tmp_path / "clean.har"
    run_harx("sanitize", src, "-o", out)
    doc = json.loads(out.read_text())
    for i, e in enumerate(doc["log"]["entries"]):
        c = e["response"]["content"]
        body = base64_text(c["text"]) if c.get("encoding") == "base64" else c["text"]
        for s in (long_secret, short_secret):
            assert s not in body, f"entry {i} keeps a secret found earlier"
            assert s not in json.dumps(e), f"entry {i}"
        if i in (0, 1, 2, 23, 24):
            assert body.count("[REDACTED]") == 2, (i, body)


def test_a_jsonp_wrapped_har_is_sanitized_in_place(tmp_path):
    """A `.harp` (the HAR inside `onInputData(…);`) is now read by sanitize: secrets in a
    lower-case `proxy-authorization` header and in a base64 JSON body inside it do not come
    out, and the wrapper's bytes stay as they were."""
    secret = "HarpPlantedSecret4417q"
    body = base64.b64encode(json.dumps({"session": {"refresh_token": secret}}).encode()).decode()
    doc = {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [{
        "startedDateTime": "2024-01-01T00:00:00Z", "time": 1,
        "request": {"method": "GET", "url": "https://a.example/", "httpVersion": "HTTP/1.1",
                    "headers": [{"name": "proxy-authorization", "value": f"Basic {secret}"}],
                    "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                     "cookies": [], "redirectURL": "", "headersSize": -1, "bodySize": 0,
                     "content": {"size": 10, "mimeType": "application/octet-stream",
                                 "encoding": "base64", "text": body}},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}]}}
    src = tmp_path / "cap.harp"
    src.write_text("onInputData(" + json.dumps(doc, indent=1) + ");\n")
    out = tmp_path / "clean.harp"
    p = run_harx("sanitize", src, "-o", out, check=False)
    assert p.returncode == 0, p.stderr
    text = out.read_text()
    assert secret not in text
    assert body not in text
    assert text.startswith("onInputData({") and text.endswith("});\n")
    inner = json.loads(text[len("onInputData("):-len(");\n")])
    assert inner["log"]["entries"][0]["request"]["headers"][0]["name"] == "proxy-authorization"
    out_body = inner["log"]["entries"][0]["response"]["content"]["text"]
    try:
        decoded = base64.b64decode(out_body).decode("utf-8", "replace")
    except ValueError:
        decoded = out_body
    assert secret not in decoded
