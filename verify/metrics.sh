#!/usr/bin/env bash
# /metrics of a release server (SQLite, started from an empty folder with metrics on and a token)
# read by Prometheus' reference parser, the official Python client's
# `prometheus_client.parser.text_string_to_metric_families` (pinned), after some traffic:
# requests per route template and status class, latency histograms, pool, indicators, build.
# usage: verify/metrics.sh   Environment: SKIP_BUILD=1 / RETNING_BIN=PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
pc_version=0.26.0
verify_venv metrics-venv "prometheus-client==$pc_version"
verify_binary
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port=18140
base=http://127.0.0.1:$port
RUST_LOG=warn RETNING__METRICS__ENABLED=true RETNING__METRICS__TOKEN=verify-metrics-token \
  "$bin" --data-dir "$work" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
verify_wait_ready "$base" "$work/server.log"
for _ in 1 2 3; do curl -sf "$base/api/v1/municipalities/vordingborg/targets" >/dev/null; done
sid=$(curl -sf "$base/api/v1/municipalities/vejle/strategies" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
curl -sf "$base/api/v1/municipalities/vejle/strategies/$sid/tree" >/dev/null
curl -s "$base/api/v1/municipalities/nowhere/targets" >/dev/null
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")" = 401 ] || { echo "FAIL /metrics answers without its token" >&2; exit 1; }
curl -sf -H 'authorization: Bearer verify-metrics-token' "$base/metrics" >"$work/metrics.txt"
"$venv/bin/python" - "$work/metrics.txt" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
families = {f.name: f for f in text_string_to_metric_families(text)}
fails = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fails.append(what)
targets = "/api/v1/municipalities/{municipality}/targets"
req = families.get("retning_http_requests")
samples = {(s.labels.get("route"), s.labels.get("method"), s.labels.get("status")): s.value for s in req.samples} if req else {}
check(req is not None and req.type == "counter", "retning_http_requests_total is a counter")
check(samples.get((targets, "GET", "2xx")) == 3.0, f"3 answered target lists (2xx): {samples.get((targets, 'GET', '2xx'))}")
check(samples.get((targets, "GET", "4xx")) == 1.0, "1 unknown municipality (4xx)")
check(not any("vejle" in (k[0] or "") or "nowhere" in (k[0] or "") for k in samples), "labels are route templates, never paths")
hist = families.get("retning_http_request_duration_seconds")
check(hist is not None and hist.type == "histogram", "latency is a histogram")
buckets = [s for s in hist.samples if s.name.endswith("_bucket") and s.labels.get("route") == targets and s.labels.get("status") == "2xx"]
check(len(buckets) >= 10 and buckets[-1].labels["le"] == "+Inf" and buckets[-1].value == 3.0, f"{len(buckets)} buckets up to +Inf = 3")
pool = families.get("retning_db_pool_connections")
check(pool is not None and {s.labels["state"] for s in pool.samples} == {"in_use", "idle"}, "pool connections in use and idle")
check("retning_db_pool_wait_seconds" in families and families["retning_db_pool_wait_seconds"].type == "histogram", "pool waits")
ind = families.get("retning_indicator_compute_seconds")
check(ind is not None and any(s.name.endswith("_count") and s.value >= 1 for s in ind.samples), "computed-indicator time (Vejle's tree computes)")
build = families.get("retning_build_info")
check(build is not None and build.samples[0].labels.get("backend") == "sqlite" and build.samples[0].value == 1, "build info")
print(f"{len(families)} metric families, {sum(len(f.samples) for f in families.values())} samples parsed")
sys.exit(1 if fails else 0)
PY
echo "metrics: ok"
