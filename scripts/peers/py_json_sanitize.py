#!/usr/bin/env python3
"""Peer: a structure-aware sanitizer as the surveyed Python/JS tools work (json.load the
whole HAR, redact cookie and credential header values, cookies[] and secret query
parameters, json.dump it back). Far fewer rules than harx; a lower bound of their cost."""
import json
import sys
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-csrf-token"}
SECRET_PARAMS = {"access_token", "id_token", "refresh_token", "code", "client_secret", "token", "password"}


def url(u):
    p = urlsplit(u)
    q = [(k, "[REDACTED]" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(p.query, keep_blank_values=True)]
    return urlunsplit((p.scheme, p.netloc, p.path, urlencode(q), p.fragment))


def main(src, dst):
    with open(src, "rb") as f:
        doc = json.loads(f.read().decode("utf-8-sig"))
    for e in doc["log"]["entries"]:
        for side in ("request", "response"):
            m = e.get(side) or {}
            for h in m.get("headers") or []:
                if h.get("name", "").lower() in SECRET_HEADERS:
                    h["value"] = "[REDACTED]"
            for c in m.get("cookies") or []:
                c["value"] = "[REDACTED]"
        req = e.get("request") or {}
        if isinstance(req.get("url"), str):
            req["url"] = url(req["url"])
        for q in req.get("queryString") or []:
            if q.get("name", "").lower() in SECRET_PARAMS:
                q["value"] = "[REDACTED]"
    with open(dst, "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
