#!/usr/bin/env bash
# Load test of the endpoints dashboards poll, on a release build with a generated dataset.
# usage: bench/run.sh [sqlite|postgres]   (writes bench/results-<backend>.md)
# Needs wrk (apt-get install wrk). Traffic goes to 127.0.0.1 only; every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
port=18080
duration=${DURATION:-10s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked -q -p retning-api
bin=target/release/retning
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; [ -n "${pgdb:-}" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null' EXIT
args=(--data-dir "$work")
if [ "$backend" = postgres ]; then
  pgdb=retning_bench_$$
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pgdb" >/dev/null
  args+=(--database "postgres://postgres@127.0.0.1:5432/$pgdb")
fi
export RUST_LOG=warn
"$bin" "${args[@]}" serve --bind 127.0.0.1:$port >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done

base="http://127.0.0.1:$port"
for slug in randers vejle skanderborg vordingborg; do
  echo "bench-password-$slug" | "$bin" "${args[@]}" user create --municipality "$slug" --username "bench-$slug" --role editor --password-stdin >/dev/null
  token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"bench-$slug\",\"password\":\"bench-password-$slug\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  export "TOKEN_$slug=$token"
done
gen_start=$(date +%s.%N)
generated=$(python3 bench/generate.py "$base")
gen_secs=$(python3 -c "import time; print(round(time.time() - $gen_start, 1))")

tree_id=$(curl -sf "$base/api/v1/municipalities/vejle/strategies?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
targets=$(curl -sf "$base/api/v1/municipalities/vejle/strategies/$tree_id/tree" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["targets"])')
out=bench/results-$backend.md
{
  echo "# Benchmark: $backend"
  echo
  echo "Run: \`bench/run.sh $backend\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(git rev-parse --short HEAD)."
  echo "Dataset: seed plus ${STRATEGIES:-5} strategies per municipality of the four, each $(( ${AREAS:-6} * (1 + ${GOALS:-5}) )) nodes and $(( ${AREAS:-6} * ${GOALS:-5} )) targets with ${QUARTERS:-8} measurements each ($generated through the API in ${gen_secs}s)."
  echo "Load: wrk, 2 threads, 16 connections, $duration per endpoint, from the same machine (so client and server share the 2 cores)."
  echo
  echo "| endpoint | requests/s | p50 | p99 |"
  echo "| --- | --- | --- | --- |"
} >"$out"
run() {
  local name=$1 path=$2
  local res
  res=$(wrk -t2 -c16 -d"$duration" --latency "$base$path")
  local rps p50 p99
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$res" | awk '$1=="50%" {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  if echo "$res" | grep -q "Non-2xx"; then echo "non-2xx answers for $path" >&2; echo "$res" >&2; exit 1; fi
  echo "| $name | $rps | $p50 | $p99 |" >>"$out"
}
run "GET /health/ready" "/health/ready"
run "GET /municipalities" "/api/v1/municipalities"
run "GET strategies list" "/api/v1/municipalities/vejle/strategies"
run "GET tree ($targets targets)" "/api/v1/municipalities/vejle/strategies/$tree_id/tree"
run "GET targets list (limit 50)" "/api/v1/municipalities/vejle/targets"
run "GET targets.csv" "/api/v1/municipalities/vejle/targets.csv"
run "GET compare?theme=placement-pattern" "/api/v1/compare?theme=placement-pattern"
run "GET compare/overview" "/api/v1/compare/overview"
echo >>"$out"
echo "Queries per request are fixed by construction and pinned by the test goals::strategies::tree_takes_a_fixed_number_of_queries; with RUST_LOG=retning_kernel=debug the server logs each request's query count." >>"$out"
cat "$out"
