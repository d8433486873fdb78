"""Redaction that holds: the attacker's HAR (attack.py: a secret for every class of leak,
in every field and body format) through every output harx writes or shows: sanitize,
export (Parquet read back by pyarrow, NDJSON, CSV; with and without bodies), ingest
tables, summary, find, report, diff, convert. Each output is searched raw and decoded
(percent, HTML entities, JSON escapes, base64). The over-redaction guards check that
what support engineers escalate with survives, and the verifier is checked against what
the sanitizer missed, independently."""

import base64
import json
import re
import subprocess
import zipfile

import pyarrow.parquet as pq
import pytest

import attack
from attack import C, KEEP, all_secrets, attack_har, leaks
from conftest import corpus_dir, run_harx

STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


@pytest.fixture()
def har(tmp_path):
    p = tmp_path / "attack.har"
    p.write_text(json.dumps(attack_har(), indent=1))
    return p


def parquet_text(path):
    t = pq.read_table(path)
    return json.dumps(t.to_pylist(), default=str)


def test_sanitize_removes_every_class_and_keeps_what_support_needs(har, tmp_path):
    out = tmp_path / "clean.har"
    p = run_harx("sanitize", har, "-o", out)
    text = out.read_text()
    assert leaks(text) == []
    assert leaks(p.stderr) == []
    for k in KEEP:
        assert k in text, k
    doc = json.loads(text)
    src = json.loads(har.read_text())
    assert len(doc["log"]["entries"]) == len(src["log"]["entries"])
    for a, b in zip(src["log"]["entries"], doc["log"]["entries"]):
        assert a["response"]["status"] == b["response"]["status"]
        assert a["timings"] == b["timings"]
        assert a["startedDateTime"] == b["startedDateTime"]
    # the JSON error body keeps its error code and message
    err = json.loads(doc["log"]["entries"][4]["response"]["content"]["text"])
    assert err == {"code": "invalid_user_password", "message": "The password you entered is wrong",
                   "errorCode": "E_LOGIN_FAILED"}
    # URLs stay URLs: an RFC 3986 parser accepts the redacted userinfo
    from urllib.parse import urlsplit
    for e in doc["log"]["entries"]:
        u = e["request"]["url"]
        if u.startswith("http"):
            urlsplit(u)  # raises on a bracket in the authority
    host = urlsplit(doc["log"]["entries"][21]["request"]["url"]).hostname
    assert host == "orders.example.com"


def test_sanitize_is_idempotent_byte_for_byte(har, tmp_path):
    a, b = tmp_path / "a.har", tmp_path / "b.har"
    run_harx("sanitize", har, "-o", a, "-q")
    run_harx("sanitize", a, "-o", b, "-q")
    assert a.read_bytes() == b.read_bytes()


def test_idempotent_on_every_corpus_file(tmp_path):
    d = corpus_dir()
    if not (d / "real").is_dir():
        pytest.skip(f"SKIPPED: HAR corpus not found at {d} (set HARX_CORPUS)")
    files = sorted((d / "real").glob("*.har")) + sorted((d / "real-2").glob("*.har")) \
        + sorted((d / "sanitize").glob("*/*.har"))
    assert len(files) > 50
    for f in files:
        a, b = tmp_path / "a.har", tmp_path / "b.har"
        run_harx("sanitize", f, "-o", a, "-q")
        run_harx("sanitize", a, "-o", b, "-q")
        assert a.read_bytes() == b.read_bytes(), f.name
        v = run_harx("sanitize", "--verify", a, "-q", check=False)
        assert v.returncode == 0, (f.name, v.stdout[:2000])


def test_allow_mode_keeps_only_what_it_allows(har, tmp_path):
    rules = tmp_path / "allow.toml"
    rules.write_text('mode = "allow"\n[headers]\nallow = ["accept", "trackingid"]\n')
    out = tmp_path / "allow.har"
    run_harx("sanitize", har, "-o", out, "--rules", rules)
    text = out.read_text()
    assert leaks(text) == []
    assert "TRK_ATTACK_0001" in text


def plain_named_har():
    """Values under names no rule calls secret, in every body format: deny mode keeps
    them, allow mode must not."""
    from attack import b64, entry, hdr
    v = {k: f"zq{k}Plain77" for k in
         ["q", "h1", "h2", "form", "j1", "j2", "x1", "x2", "ht1", "ht2", "t1", "b1", "nd", "mp", "js", "pt"]}
    e = [
        entry(f"https://h.example/p?color={v['q']}", method="POST",
              req_headers=[hdr("X-Weird", v["h1"]), hdr("Accept", "text/html")],
              resp_headers=[hdr("X-Other", v["h2"])], query=[{"name": "color", "value": v["q"]}],
              post={"mimeType": "application/x-www-form-urlencoded", "text": f"nick={v['form']}&age=3"},
              body=json.dumps({"note": v["j1"], "n": {"deep": v["j2"]}})),
        entry("https://h.example/x", mime="application/xml",
              body=f"<root><name>{v['x1']}</name><v a=\"{v['x2']}\"/></root>"),
        entry("https://h.example/y", mime="text/html",
              body=f"<html><input name=\"nick\" value=\"{v['ht1']}\"><p>{v['ht2']}</p></html>"),
        entry("https://h.example/z", mime="text/plain", body=f"plain words {v['t1']} here"),
        entry("https://h.example/b", mime="application/octet-stream", encoding="base64",
              body=b64(json.dumps({"foo": v["b1"]}))),
        entry("https://h.example/n", mime="application/x-ndjson", body=json.dumps({"a": v["nd"]}) + "\n"),
        entry("https://h.example/m", method="POST",
              post={"mimeType": "multipart/form-data; boundary=XX",
                    "text": f"--XX\r\nContent-Disposition: form-data; name=\"nick\"\r\n\r\n{v['mp']}\r\n--XX--\r\n"}),
        entry("https://h.example/js", mime="application/javascript", body=f"var cfg = {{nick: '{v['js']}'}};"),
    ]
    pages = [{"startedDateTime": "2026-03-01T10:00:00.000Z", "id": "p1",
              "title": f"https://h.example/?foo={v['pt']}", "pageTimings": {}}]
    return {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "pages": pages, "entries": e}}, v


def test_allow_mode_holds_in_every_format_and_output(tmp_path):
    doc, values = plain_named_har()
    src = tmp_path / "plain.har"
    src.write_text(json.dumps(doc, indent=1))
    rules = tmp_path / "allow.toml"
    rules.write_text('mode = "allow"\n[headers]\nallow = ["accept"]\n')
    out = tmp_path / "allow.har"
    run_harx("sanitize", src, "-o", out, "--rules", rules, "-q")
    texts = {"sanitize": out.read_text()}
    for fmt in ["ndjson", "csv", "parquet"]:
        o = tmp_path / f"allow.{fmt}"
        run_harx("export", src, "-o", o, "--format", fmt, "--bodies", "--rules", rules, "-q")
        texts[fmt] = parquet_text(o) if fmt == "parquet" else o.read_text()
    texts["summary"] = run_harx("summary", src, "--format", "json", "--rules", rules).stdout
    for name, text in texts.items():
        assert leaks(text, values) == [], name
    assert "text/html" in texts["sanitize"], "allowed header kept"
    # deny mode (the default) keeps them: the test can fail
    deny = tmp_path / "deny.har"
    run_harx("sanitize", src, "-o", deny, "-q")
    assert len(leaks(deny.read_text(), values)) >= 12


@pytest.mark.parametrize("fmt", ["parquet", "ndjson", "csv"])
@pytest.mark.parametrize("bodies", [False, True])
def test_export_every_format(har, tmp_path, fmt, bodies):
    out = tmp_path / f"out.{fmt}"
    args = ["export", har, "-o", out, "--format", fmt, "-q"] + (["--bodies"] if bodies else [])
    p = run_harx(*args, check=False)
    assert p.returncode in (0, 3), p.stderr
    text = parquet_text(out) if fmt == "parquet" else out.read_text()
    # backward occurrences (before the entry that reveals a secret) are the sanitizer's
    # second pass; export is one streaming pass
    assert [k for k in leaks(text) if k != "backward"] == []
    for k in ["TRK_ATTACK_0001", "/api/v2/orders", "orders.example.com"]:
        assert k in text, k
    if bodies:
        assert "invalid_user_password" in text and "E_LOGIN_FAILED" in text


def test_export_tracking_id_never_a_credential(har, tmp_path):
    out = tmp_path / "t.parquet"
    run_harx("export", har, "-o", out, "-q", check=False)
    rows = pq.read_table(out, columns=["tracking_id", "server_ip", "connection", "page_id"]).to_pylist()
    ids = [r["tracking_id"] for r in rows if r["tracking_id"]]
    assert "TRK_ATTACK_0001" in ids
    assert not any(attack.JWT_REQID in (i or "") for i in ids)
    assert not any(attack.VENDOR["server_ip_ghp"] in (r["server_ip"] or "") for r in rows)


def test_csv_cells_cannot_be_formulas(tmp_path):
    doc = attack_har()
    doc["log"]["entries"] = doc["log"]["entries"][:1]
    doc["log"]["entries"][0]["response"]["statusText"] = "=HYPERLINK(\"https://evil.example/\",\"x\")"
    doc["log"]["entries"][0]["request"]["headers"].append({"name": "X-Note", "value": "@SUM(A1:A9)"})
    src = tmp_path / "f.har"
    src.write_text(json.dumps(doc))
    out = tmp_path / "f.csv"
    run_harx("export", src, "-o", out, "--format", "csv", "-q")
    import csv
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["status_text"].startswith("'=")
    for row in rows:
        for cell in row.values():
            assert not (cell or " ")[0] in "=+@\t\r" or cell.startswith("'"), cell


def test_ingest_tables(har, tmp_path):
    ds = tmp_path / "ds"
    run_harx("ingest", har, "--dataset", ds, "--tenant", "t1", check=False)
    files = sorted(ds.rglob("*.parquet"))
    assert files
    text = "".join(parquet_text(f) for f in files)
    assert [k for k in leaks(text) if k != "backward"] == []
    assert "TRK_ATTACK_0001" in text


def test_views(har, tmp_path):
    outs = {}
    for fmt in ["text", "json", "markdown"]:
        outs[f"summary-{fmt}"] = run_harx("summary", har, "--format", fmt, check=False).stdout
    for fmt in ["table", "ndjson"]:
        outs[f"find-{fmt}"] = run_harx("find", har, "--slower-than", "0", "--format", fmt, check=False).stdout
    for fmt in ["text", "json"]:
        outs[f"validate-{fmt}"] = run_harx("validate", har, "--format", fmt, check=False).stdout
    rep = tmp_path / "r.html"
    run_harx("report", har, "-o", rep, check=False)
    outs["report"] = rep.read_text()
    for name, text in outs.items():
        assert text, name
        assert [k for k in leaks(text) if k != "backward"] == [], name
    assert "TRK_ATTACK_0001" in outs["find-ndjson"]


def test_diff_shows_that_a_secret_changed_never_the_secret(tmp_path):
    def doc(token, passcode, key, nested):
        body = json.dumps({"accessToken": token, "passcode": passcode, "aws": key,
                           "inner": json.dumps({"user": {"password": nested}}), "plan": "gold"})
        e = attack.entry("https://orders.example.com/api/v2/me", body=body)
        return {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [e]}}
    a_keys = [attack.canary("diff-a1"), attack.canary("diff-a2"), "AKIA" + "A1B2C3D4E5F6G7H8", attack.canary("diff-a3")]
    b_keys = [attack.canary("diff-b1"), attack.canary("diff-b2"), "AKIA" + "Z9Y8X7W6V5U4T3S2", attack.canary("diff-b3")]
    a, b = tmp_path / "a.har", tmp_path / "b.har"
    a.write_text(json.dumps(doc(*a_keys)))
    b.write_text(json.dumps(doc(*b_keys)))
    secrets = {f"k{i}": v for i, v in enumerate(a_keys + b_keys)}
    for fmt in ["text", "json"]:
        p = run_harx("diff", a, b, "--format", fmt, check=False)
        assert leaks(p.stdout, secrets) == [] and leaks(p.stderr, secrets) == [], fmt
    j = json.loads(run_harx("diff", a, b, "--format", "json", check=False).stdout)
    changes = {c["path"]: c for d in j["body_diffs"] for c in d["changes"]}
    assert changes["$.accessToken"]["kind"] == "changed"
    assert "REDACTED" in changes["$.accessToken"]["a"] and "REDACTED" in changes["$.accessToken"]["b"]


def saz_with_secrets(path):
    c = C
    with zipfile.ZipFile(path, "w") as z:
        z.comment = b"Fiddler (v5.0.20211.51073) Session Archive. See https://fiddler2.com"
        z.writestr("raw/01_c.txt", (
            f"POST https://orders.example.com/login?accessToken={c['q_accessToken']} HTTP/1.1\r\n"
            f"Host: orders.example.com\r\nCookie: sid={c['cookie_nameless']}\r\n"
            f"X-Api_Key: {c['h_X_Api_Key']}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
            + json.dumps({"password": c["json_confirmPassword"]})).encode())
        z.writestr("raw/01_s.txt", (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Set-Cookie: session={c['setcookie_joined']}; Path=/\r\n\r\n"
            + json.dumps({"access_token": c["xssi"]})).encode())
        z.writestr("raw/01_m.xml", '<?xml version="1.0"?><Session SID="1"><SessionTimers /></Session>')
    return {k: c[k] for k in ["q_accessToken", "cookie_nameless", "h_X_Api_Key", "json_confirmPassword",
                              "setcookie_joined", "xssi"]}


def test_convert_sanitizes_by_default(tmp_path):
    saz = tmp_path / "case.saz"
    secrets = saz_with_secrets(saz)
    out = tmp_path / "case.har"
    run_harx("convert", saz, "-o", out, "-q")
    assert leaks(out.read_text(), secrets) == []
    assert out.stat().st_mode & 0o077 == 0
    assert not [p for p in tmp_path.iterdir() if "harx" in p.name]
    raw = tmp_path / "raw.har"
    run_harx("convert", saz, "-o", raw, "--no-sanitize", "-q")
    assert leaks(raw.read_text(), secrets) == sorted(secrets)
    stdout = run_harx("convert", saz, "-o", "-", "-q").stdout
    assert leaks(stdout, secrets) == [] and json.loads(stdout)["log"]["entries"]


def string_spans(text):
    return [(m.start(), m.end()) for m in STRING.finditer(text)]


def test_verify_finds_every_planted_secret_and_passes_sanitized_output(har, tmp_path):
    raw = har.read_text()
    p = run_harx("sanitize", "--verify", har, "--json", check=False)
    assert p.returncode == 1
    findings = [json.loads(line) for line in p.stdout.splitlines()]
    assert leaks(p.stdout) == [] and leaks(p.stderr) == []
    spans = string_spans(raw)
    starts = {}
    for f in findings:
        starts.setdefault(f["offset"], []).append(f)
    missed = []
    for name, value in all_secrets().items():
        at = raw.find(value)
        if at < 0:
            at = raw.find(json.dumps(value)[1:-1])
        if at < 0:
            # planted inside base64 or percent-encoding: the string holding it is searched
            continue
        covering = [s for s, e in spans if s <= at < e] or [at]  # a number: its own offset
        if not any(s in starts for s in covering):
            missed.append(name)
    assert missed == []
    # a secret under a name no rule knows is still found (as a possible secret)
    doc = attack_har()
    doc["log"]["entries"][0]["request"]["headers"].append({"name": "X-Widget-Blob", "value": "q8Vf3kLm9PzR2tWx7YbN4sD"})
    odd = tmp_path / "odd.har"
    odd.write_text(json.dumps(doc))
    out = tmp_path / "odd.clean.har"
    run_harx("sanitize", odd, "-o", out, "-q")
    v = run_harx("sanitize", "--verify", out, "--json", check=False)
    assert v.returncode == 0, v.stdout
    got = [json.loads(line) for line in v.stdout.splitlines()]
    assert any(f["confidence"] == "possible" and f["location"] == "request.headers" and f["entry"] == 0 for f in got)
    assert "q8Vf3kLm9PzR2tWx7YbN4sD" not in v.stdout


def test_verify_sees_what_the_sanitizer_missed(har, tmp_path):
    """Take the sanitized output and put back, one at a time, secrets in shapes the
    sanitizer's rules do not name: the verifier must fail each file."""
    out = tmp_path / "clean.har"
    run_harx("sanitize", har, "-o", out, "-q")
    base = json.loads(out.read_text())
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ2ZXJpZnkifQ.dmVyaWZ5LXNpZ25hdHVyZQ"
    plants = [
        ("header", lambda e: e["request"]["headers"].append({"name": "X-Tkn", "value": "Bearer " + attack.canary("v1")})),
        ("cookie", lambda e: e["request"]["headers"].append({"name": "Cookie", "value": "a=" + attack.canary("v2")})),
        ("jwt-in-comment", lambda e: e.__setitem__("comment", "see " + jwt)),
        ("base64-json", lambda e: e["response"]["content"].update(
            text=base64.b64encode(json.dumps({"sessionKey": attack.canary("v3")}).encode()).decode(), encoding="base64")),
        ("percent-url", lambda e: e["request"].__setitem__(
            "url", "https://h.example/?next=" + "%2Fcb%3Fmy_tkn_secret%3D" + attack.canary("v4"))),
        ("otp-number", lambda e: e["request"].__setitem__(
            "postData", {"mimeType": "application/json", "text": json.dumps({"mfa": {"otp": 123456}})})),
    ]
    for name, plant in plants:
        doc = json.loads(json.dumps(base))
        plant(doc["log"]["entries"][1])
        f = tmp_path / f"{name}.har"
        f.write_text(json.dumps(doc))
        v = run_harx("sanitize", "--verify", f, check=False)
        assert v.returncode == 1, (name, v.stdout[-2000:])


def test_rules_file_applies_to_every_command_and_is_recorded(tmp_path):
    doc = attack_har()
    e = doc["log"]["entries"][0]
    custom = attack.canary("custom-header")
    ssn = attack.canary("custom-json")
    e["request"]["headers"].append({"name": "X-Tenant-Blob", "value": custom})
    e["response"]["content"]["text"] = json.dumps({"ssn": ssn, "ok": True})
    src = tmp_path / "r.har"
    src.write_text(json.dumps(doc))
    rules = tmp_path / "rules.toml"
    rules.write_text('[headers]\nadd = ["X-Tenant-Blob"]\n[json_keys]\nadd = ["ssn"]\n')
    secrets = {"custom": custom, "ssn": ssn}
    # without the rules file the custom names are kept (the rules file is what removes them)
    plain = tmp_path / "plain.ndjson"
    run_harx("export", src, "-o", plain, "--bodies", "-q", check=False)
    assert leaks(plain.read_text(), secrets) == ["custom", "ssn"]
    out = tmp_path / "r.parquet"
    run_harx("export", src, "-o", out, "--bodies", "--rules", rules, "-q", check=False)
    assert leaks(parquet_text(out), secrets) == []
    clean = tmp_path / "r.clean.har"
    run_harx("sanitize", src, "-o", clean, "--rules", rules, "-q")
    assert leaks(clean.read_text(), secrets) == []
    meta = pq.read_metadata(out).metadata
    sha = json.loads(clean.read_text())["log"]["_harx_sanitizer"]["rules_sha256"]
    assert meta[b"harx.rules_sha256"].decode() == sha
    for cmd in (["summary", src, "--format", "json"], ["find", src, "--slower-than", "0", "--format", "ndjson"]):
        p = run_harx(*cmd, "--rules", rules, check=False)
        assert p.returncode in (0, 3), p.stderr
        assert leaks(p.stdout, secrets) == []
    bad = tmp_path / "bad.toml"
    bad.write_text("colour = 1\n")
    p = run_harx("export", src, "-o", tmp_path / "x.parquet", "--rules", bad, check=False)
    assert p.returncode != 0 and "bad.toml" in p.stderr


def test_a_repeated_name_member_is_judged_by_the_last_one(tmp_path):
    """`{"name": "X-Debug", "name": "Authorization", "value": …}`: JSON.parse and Python
    take the last `name`, so the value is an Authorization header's."""
    doc = attack_har()
    doc["log"]["entries"] = doc["log"]["entries"][:1]
    secret = attack.canary("dup-name")
    doc["log"]["entries"][0]["request"]["headers"].append({"name": "X-Debug", "value": "PLACEHOLDER"})
    text = json.dumps(doc).replace('{"name": "X-Debug", "value": "PLACEHOLDER"}',
                                   '{"name": "X-Debug", "name": "Authorization", "value": "Bearer ' + secret + '"}')
    assert json.loads(text)["log"]["entries"][0]["request"]["headers"][-1]["name"] == "Authorization"
    src = tmp_path / "dup.har"
    src.write_text(text)
    out = tmp_path / "dup.clean.har"
    run_harx("sanitize", src, "-o", out, "-q")
    assert secret not in out.read_text()
    nd = tmp_path / "dup.ndjson"
    run_harx("export", src, "-o", nd, "-q")
    assert secret not in nd.read_text()
    assert run_harx("sanitize", "--verify", src, check=False).returncode == 1


def test_shapes_planted_at_review(tmp_path):
    """Shapes added after the classes above: an upper-case, underscored, space-padded
    header name; JSON in a plain header; JSON nested in a JSON string behind an XSSI
    prefix; a YAML request body; a percent-encoded name in a fragment."""
    s = {k: attack.canary(k) for k in ["odd", "nested", "yaml", "hdrjson", "frag"]}
    e = attack.entry(
        "https://orders.example.com/x#state=1&refresh%5Ftoken=" + s["frag"],
        req_headers=[{"name": "X_AUTH_TOKEN ", "value": s["odd"]},
                     {"name": "X-Meta", "value": json.dumps({"clientSecret": s["hdrjson"]})},
                     {"name": "TrackingID", "value": "TRK_ATTACK_0001"}],
        body=")]}'\n" + json.dumps({"data": json.dumps({"user": {"sessionKey": s["nested"]}})}),
        post={"mimeType": "application/x-yaml", "text": "user: bob\npassword: " + s["yaml"] + "\n"})
    src = tmp_path / "n.har"
    src.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [e]}}))
    out = tmp_path / "n.clean.har"
    run_harx("sanitize", src, "-o", out, "-q")
    assert leaks(out.read_text(), s) == []
    for bodies in ([], ["--bodies"]):
        nd = tmp_path / "n.ndjson"
        run_harx("export", src, "-o", nd, "--format", "ndjson", "-q", *bodies)
        text = nd.read_text()
        assert leaks(text, s) == [] and "TRK_ATTACK_0001" in text
    assert run_harx("sanitize", "--verify", src, check=False).returncode == 1
