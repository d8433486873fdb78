"""An attacker's HAR: one planted secret (a canary) for every class of leak the redaction
issue lists, in every field and body format harx reads, and a search that finds a canary
in any output however it was encoded (raw, percent-encoded once or twice, HTML entities,
JSON \\u escapes, base64 of any run of the output).

The canaries are distinct, high-entropy strings; none is shaped like a vendor key unless
its class is about vendor keys, so a canary that disappears was removed by the rule for its
class, not by a token pattern."""

import base64
import hashlib
import html
import json
import re
from urllib.parse import quote, unquote


def canary(name, n=22):
    """A deterministic, mixed-case, digit-bearing secret for class `name`."""
    d = base64.b64encode(hashlib.sha256(name.encode()).digest()).decode()
    d = re.sub(r"[^A-Za-z0-9]", "", d)
    return "Zq9" + d[: n - 3]


JWT_REQID = ("eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(b'{"sub":"reqid-canary-77"}').decode().rstrip("=")
             + ".c2lnUmVxSWRDYW5hcnk")
GOOGLE_KEY = "AIza" + canary("googlekey", 35)
AKIA = "AKIA" + "Q7X2M4P9R3T6W8Y1"

CLASSES = [
    # names
    "q_accessToken", "q_api_key_dash", "q_subscription_key", "q_algolia", "qs_authToken",
    "h_api_key", "h_X_Api_Key", "h_algolia", "h_parse_rest", "h_x_authorization",
    "h_forwarded_authorization", "h_remapped_authorization", "h_authentication", "h_spaces",
    "form_rails_password", "multipart_rails_password", "json_clientSecret", "json_apiToken",
    "json_confirmPassword", "json_apiSecret", "json_SecretAccessKey", "json_SecretKey",
    # context
    "okta_password_value", "okta_answer", "new_password_value", "old_password_value",
    # cookies
    "setcookie_joined", "cookie_nameless",
    # body formats
    "xssi", "jsonp", "ndjson", "soap_password", "xml_password", "html_password_input",
    "oidc_code", "oidc_id_token", "oidc_session_state", "js_accessToken", "js_apiKey",
    "graphql_inline", "stomp_passcode", "b64_octet", "b64_latin1", "ws_binary",
    # URLs
    "jsessionid", "hash_router", "nested_double", "semicolon_query", "link_header",
    "appsync_header", "data_url", "userinfo_key", "oauth_state", "oauth_nonce", "reset_path",
    # export-only gaps
    "page_url_token", "body_then_header",
    # backward propagation
    "backward",
    # custom member
    "custom_member",
]
C = {k: canary(k) for k in CLASSES}
NUMERIC = {"otp_number": 73920461, "numeric_header": 5550123987}
VENDOR = {"js_escape_google": GOOGLE_KEY, "reqid_jwt": JWT_REQID, "connection_akia": AKIA,
          "server_ip_ghp": "ghp_" + canary("ghp", 36)}

# What must survive (the over-redaction guards).
KEEP = ["TRK_ATTACK_0001", "invalid_user_password", "The password you entered is wrong",
        "/api/v2/orders", "orders.example.com", "E_LOGIN_FAILED"]


def hdr(n, v):
    return {"name": n, "value": v}


def entry(url, *, method="GET", req_headers=(), resp_headers=(), query=(), post=None, status=200,
          body=None, mime="application/json", encoding=None, started="2026-03-01T10:00:00.000Z",
          extra=None, cookies=()):
    content = {"size": len(body or ""), "mimeType": mime}
    if body is not None:
        content["text"] = body
    if encoding:
        content["encoding"] = encoding
    e = {"startedDateTime": started, "time": 30,
         "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                     "headers": list(req_headers), "queryString": list(query), "cookies": list(cookies),
                     "headersSize": -1, "bodySize": -1},
         "response": {"status": status, "statusText": "OK" if status < 400 else "Error",
                      "httpVersion": "HTTP/1.1", "headers": list(resp_headers), "cookies": [],
                      "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
         "cache": {}, "timings": {"blocked": 1, "dns": -1, "connect": -1, "ssl": -1, "send": 1, "wait": 20,
                                  "receive": 8}}
    if post is not None:
        e["request"]["postData"] = post
    if extra:
        e.update(extra)
    return e


def b64(s, enc="utf-8"):
    return base64.b64encode(s.encode(enc)).decode()


def attack_entries():
    c = C
    es = []
    # backward: used in a plain header before the entry that reveals it as a bearer token
    es.append(entry("https://orders.example.com/api/v2/orders?page=1",
                    req_headers=[hdr("X-Widget-Context", c["backward"]), hdr("TrackingID", "TRK_ATTACK_0001")]))
    # names in URLs, queryString and headers
    es.append(entry(
        f"https://orders.example.com/api/v2/orders?accessToken={c['q_accessToken']}&api-key={c['q_api_key_dash']}"
        f"&subscription-key={c['q_subscription_key']}&x-algolia-api-key={c['q_algolia']}&page=2",
        query=[{"name": "authToken", "value": c["qs_authToken"]}, {"name": "page", "value": "2"}],
        req_headers=[hdr("api_key", c["h_api_key"]), hdr("X-Api_Key", c["h_X_Api_Key"]),
                     hdr("X-Algolia-API-Key", c["h_algolia"]), hdr("X-Parse-REST-API-Key", c["h_parse_rest"]),
                     hdr("X-Authorization", "Bearer " + c["h_x_authorization"]),
                     hdr("X-Forwarded-Authorization", "Bearer " + c["h_forwarded_authorization"]),
                     hdr("x-amzn-Remapped-Authorization", "Bearer " + c["h_remapped_authorization"]),
                     hdr("Authentication", c["h_authentication"]), hdr(" X-Api-Key ", c["h_spaces"]),
                     {"name": "X-Api-Key", "value": NUMERIC["numeric_header"]},
                     hdr("Authorization", "Bearer " + c["backward"]),
                     hdr("TrackingID", "TRK_ATTACK_0001")]))
    # forms (Rails), multipart
    es.append(entry("https://orders.example.com/users/sign_in", method="POST", post={
        "mimeType": "application/x-www-form-urlencoded",
        "text": f"user%5Bemail%5D=a%40example.com&user%5Bpassword%5D={c['form_rails_password']}",
        "params": [{"name": "user[email]", "value": "a@example.com"},
                   {"name": "user[password]", "value": c["form_rails_password"]}]}))
    mp = ("--B0undary\r\nContent-Disposition: form-data; name=\"user[login]\"\r\n\r\nalice\r\n"
          f"--B0undary\r\nContent-Disposition: form-data; name=\"user[password]\"\r\n\r\n{c['multipart_rails_password']}\r\n"
          "--B0undary--\r\n")
    es.append(entry("https://orders.example.com/users", method="POST",
                    post={"mimeType": "multipart/form-data; boundary=B0undary", "text": mp}))
    # JSON names, numbers, context
    es.append(entry("https://orders.example.com/api/v2/settings", method="POST", post={
        "mimeType": "application/json",
        "text": json.dumps({"clientSecret": c["json_clientSecret"], "apiToken": c["json_apiToken"],
                            "confirmPassword": c["json_confirmPassword"], "apiSecret": c["json_apiSecret"],
                            "Credentials": {"SecretAccessKey": c["json_SecretAccessKey"]},
                            "SecretKey": c["json_SecretKey"], "otp": NUMERIC["otp_number"]})},
        status=400, body=json.dumps({"code": "invalid_user_password", "message": "The password you entered is wrong",
                                     "errorCode": "E_LOGIN_FAILED"})))
    es.append(entry("https://orders.example.com/api/v1/authn", method="POST", post={
        "mimeType": "application/json",
        "text": json.dumps({"username": "alice", "credentials": {
            "password": {"value": c["okta_password_value"]},
            "recovery_question": {"question": "First pet?", "answer": c["okta_answer"]}},
            "newPassword": {"value": c["new_password_value"]}, "oldPassword": {"value": c["old_password_value"]}})}))
    # cookies
    es.append(entry("https://orders.example.com/api/v2/cart", req_headers=[hdr("Cookie", c["cookie_nameless"] + "; theme=dark")],
                    resp_headers=[hdr("Set-Cookie", "lang=en; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT, "
                                                    f"session={c['setcookie_joined']}; Path=/; HttpOnly")]))
    # body formats
    es.append(entry("https://orders.example.com/api/xssi", body=")]}'\n" + json.dumps({"access_token": c["xssi"]})))
    es.append(entry("https://orders.example.com/api/jsonp?callback=cb", mime="application/javascript",
                    body="cb(" + json.dumps({"token": c["jsonp"], "ok": True}) + ");"))
    es.append(entry("https://orders.example.com/api/stream", mime="application/x-ndjson",
                    body=json.dumps({"n": 1}) + "\n" + json.dumps({"password": c["ndjson"]}) + "\n"))
    soap = ('<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
            f'<soap:Header><wsse:Security><wsse:UsernameToken><wsse:Username>alice</wsse:Username>'
            f'<wsse:Password Type="PasswordText">{c["soap_password"]}</wsse:Password></wsse:UsernameToken>'
            '</wsse:Security></soap:Header><soap:Body/></soap:Envelope>')
    es.append(entry("https://orders.example.com/soap", method="POST", post={"mimeType": "text/xml", "text": soap},
                    mime="application/xml", body=f"<user><name>alice</name><password>{c['xml_password']}</password></user>"))
    page = (f'<html><body><form><input type="password" name="pw" value="{c["html_password_input"]}"></form>'
            '<form method="post" action="https://orders.example.com/cb">'
            f'<input type="hidden" name="code" value="{c["oidc_code"]}"/>'
            f'<input type="hidden" name="id_token" value="{c["oidc_id_token"]}"/>'
            f'<input type="hidden" name="session_state" value="{c["oidc_session_state"]}"/></form>'
            f'<script>window.__CFG__ = {{"accessToken": "{c["js_accessToken"]}", other: 1}};'
            f"var cfg = {{apiKey: '{c['js_apiKey']}'}}; var g = \"\\x22{GOOGLE_KEY}\\x22\";</script></body></html>")
    es.append(entry("https://orders.example.com/login", mime="text/html", body=page))
    es.append(entry("https://orders.example.com/graphql", method="POST", post={
        "mimeType": "application/json",
        "text": json.dumps({"query": f'mutation {{ login(user: "alice", password: "{c["graphql_inline"]}") {{ ok }} }}'})}))
    es.append(entry("wss://orders.example.com/stomp", status=101, extra={"_webSocketMessages": [
        {"type": "send", "time": 1.0, "opcode": 1,
         "data": f"CONNECT\naccept-version:1.2\nhost:orders.example.com\nlogin:alice\npasscode:{c['stomp_passcode']}\n\n\x00"},
        {"type": "send", "time": 1.1, "opcode": 2, "data": b64(json.dumps({"token": c["ws_binary"]}))}]}))
    es.append(entry("https://orders.example.com/blob", mime="application/octet-stream", encoding="base64",
                    body=b64(json.dumps({"password": c["b64_octet"]}))))
    es.append(entry("https://orders.example.com/legacy", mime="text/plain; charset=iso-8859-1", encoding="base64",
                    body=b64(f"caf\u00e9 password={c['b64_latin1']}&x=1", "latin-1")))
    # URLs
    es.append(entry(f"https://orders.example.com/app;jsessionid={c['jsessionid']}/home"))
    es.append(entry("https://orders.example.com/spa", resp_headers=[
        hdr("Location", f"https://orders.example.com/#/auth?token={c['hash_router']}"),
        hdr("Link", f"<https://orders.example.com/api/v2/orders?page=3&token={c['link_header']}>; rel=\"next\"")]))
    inner = quote(quote(f"/cb?token={c['nested_double']}", safe=""), safe="")
    es.append(entry(f"https://orders.example.com/login?next={inner}&a=1;token={c['semicolon_query']}"))
    appsync = base64.b64encode(json.dumps({"host": "x.appsync-api.eu-west-1.amazonaws.com",
                                           "x-api-key": c["appsync_header"]}).encode()).decode()
    es.append(entry(f"wss://x.appsync-realtime-api.eu-west-1.amazonaws.com/graphql?header={quote(appsync)}&payload=e30%3D",
                    status=101))
    es.append(entry("data:application/json;base64," + b64(json.dumps({"password": c["data_url"]}))))
    es.append(entry(f"https://{c['userinfo_key']}:@orders.example.com/api/v2/orders"))
    es.append(entry(f"https://idp.example.com/authorize?client_id=app&state={c['oauth_state']}&nonce={c['oauth_nonce']}"
                    "&redirect_uri=https%3A%2F%2Forders.example.com%2Fcb&response_type=code"))
    es.append(entry(f"https://orders.example.com/reset/MQ/{c['reset_path']}/"))
    # export-only gaps
    es.append(entry("https://orders.example.com/api/v2/orders", req_headers=[hdr("X-Request-Id", JWT_REQID)],
                    extra={"serverIPAddress": VENDOR["server_ip_ghp"], "connection": AKIA,
                           "pageref": f"https://orders.example.com/?token={c['page_url_token']}"}))
    es.append(entry("https://orders.example.com/oauth/token", method="POST",
                    body=json.dumps({"access_token": c["body_then_header"], "token_type": "Bearer"})))
    es.append(entry("https://orders.example.com/api/v2/orders", req_headers=[hdr("X-Widget", c["body_then_header"])]))
    es.append(entry("https://orders.example.com/api/v2/orders", extra={"_authToken": c["custom_member"]}))
    for i, e in enumerate(es):
        e["startedDateTime"] = f"2026-03-01T10:00:{i:02d}.000Z"
    return es


def attack_har():
    page_id = f"https://orders.example.com/?token={C['page_url_token']}"
    return {"log": {"version": "1.2", "creator": {"name": "attacker", "version": "1"},
                    "pages": [{"startedDateTime": "2026-03-01T10:00:00.000Z", "id": page_id, "title": "Orders",
                               "pageTimings": {}}],
                    "entries": attack_entries()}}


def all_secrets():
    """Every planted secret as text (numbers too)."""
    out = dict(C)
    out.update({k: str(v) for k, v in NUMERIC.items()})
    out.update(VENDOR)
    return out


_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def decodings(text):
    """The text and what an attacker gets by decoding it: percent (twice), HTML entities,
    JSON escapes, base64 of every long enough run."""
    forms = [text, unquote(text), unquote(unquote(text)), html.unescape(text)]
    try:
        forms.append(json.loads('"' + text.replace('"', '\\"').replace("\n", "\\n") + '"'))
    except Exception:
        forms.append(re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text))
    forms.append(text.replace("\\/", "/").replace('\\"', '"').replace("\\x22", '"'))
    for m in _B64_RUN.finditer(text):
        run = m.group(0)
        for cand in (run, run + "=" * (-len(run) % 4)):
            try:
                forms.append(base64.b64decode(cand.replace("-", "+").replace("_", "/"), validate=False)
                             .decode("latin-1"))
                break
            except Exception:
                pass
    return forms


def leaks(text, secrets=None):
    """The classes whose secret is found in `text` in any decoding."""
    secrets = secrets or all_secrets()
    forms = decodings(text)
    return sorted(k for k, v in secrets.items() if any(v in f for f in forms))
