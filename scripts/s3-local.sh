#!/usr/bin/env bash
# Starts moto's S3-compatible server on 127.0.0.1 for the object-storage tests, in the
# background, and prints the environment the tests read:
#   eval "$(scripts/s3-local.sh start [PORT])"   ...   scripts/s3-local.sh stop
# (HARX_S3_ENDPOINT, and HARX_S3_LOG: the server's request log)
# Needs `moto[server]` from PyPI (scripts/setup-test-deps.sh installs it).
set -euo pipefail
cmd="${1:-start}"
port="${2:-${HARX_S3_PORT:-5055}}"
pidfile="${TMPDIR:-/tmp}/harx-moto-$port.pid"
# the server's request log: tests count the requests a run made (a re-run downloads nothing)
log="${TMPDIR:-/tmp}/harx-moto-$port.log"
up() {
  python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" \
    >/dev/null 2>&1
}
case "$cmd" in
  start)
    if ! up; then
      nohup python3 -m moto.server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
      echo $! >"$pidfile"
      for _ in $(seq 1 100); do
        up && break
        sleep 0.1
      done
      up || { echo "moto server did not start; see $log" >&2; exit 1; }
    fi
    echo "export HARX_S3_ENDPOINT=http://127.0.0.1:$port"
    echo "export HARX_S3_LOG=$log"
    ;;
  stop)
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; rm -f "$pidfile"; fi
    ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 2 ;;
esac
