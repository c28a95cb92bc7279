#!/usr/bin/env bash
# Benchmark of the offers module on a release build: the market query with a vacancy filter over
# OFFERS offers and REQUESTS place requests (generated through the API by bench/offers.py), and
# acceptances per second under contention on one offer.
# usage: bench/offers.sh [sqlite|postgres]   (writes bench/results-offers-<backend>.md)
# Needs wrk (apt-get install wrk). Traffic goes to 127.0.0.1 only; every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
port=18081
duration=${DURATION:-10s}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked -q -p retning-api
bin=${BIN:-target/release/retning}
work=$(mktemp -d)
trap 'cp "$work/server.log" "/tmp/offers-bench-server-$backend.log" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; [ -n "${pgdb:-}" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null' EXIT
args=(--data-dir "$work")
if [ "$backend" = postgres ]; then
  pgdb=retning_bench_offers_$$
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pgdb" >/dev/null
  args+=(--database "postgres://postgres@127.0.0.1:5432/$pgdb")
fi
export RUST_LOG=warn
"$bin" "${args[@]}" serve --bind 127.0.0.1:$port >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done

base="http://127.0.0.1:$port"
for slug in vejle randers skanderborg vordingborg faxe lolland naestved guldborgsund; do
  echo "bench-password-$slug" | "$bin" "${args[@]}" user create --municipality "$slug" --username "bench-$slug" --role editor --password-stdin >/dev/null
  token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"bench-$slug\",\"password\":\"bench-password-$slug\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  export "TOKEN_$slug=$token"
done
gen_start=$(date +%s.%N)
generated=$(python3 bench/offers.py "$base" generate)
gen_secs=$(python3 -c "import time; print(round(time.time() - $gen_start, 1))")

market="/api/v1/offers?vacant_from=2030-06-01&vacant_to=2030-08-31&vacant_places=1"
# What a buyer sees of the market: the page and how many offers match.
matched=$(curl -sf -H "authorization: Bearer $TOKEN_lolland" "$base$market" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"]), "on the first page,", d.get("total"), "in all")')
out=bench/results-offers-$backend.md
{
  echo "# Benchmark: offers, $backend"
  echo
  echo "Run: \`bench/offers.sh $backend\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(git rev-parse --short HEAD)."
  echo "Dataset: seed plus $generated, through the API (bench/offers.py) in ${gen_secs}s."
  echo "Load: wrk, 2 threads, 16 connections, $duration per query, as Lolland's editor (a buyer, so partners-only offers count), from the same machine (client and server share the cores)."
  echo
  echo "| query | requests/s | p50 | p99 | matches |"
  echo "| --- | --- | --- | --- | --- |"
} >"$out"
run() {
  local name=$1 path=$2 note=$3
  local res
  res=$(wrk -t2 -c16 -d"$duration" --latency -H "authorization: Bearer $TOKEN_lolland" "$base$path")
  local rps p50 p99
  rps=$(echo "$res" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$res" | awk '$1=="50%" {print $2}')
  p99=$(echo "$res" | awk '$1=="99%" {print $2}')
  if echo "$res" | grep -q "Non-2xx"; then echo "non-2xx answers for $path" >&2; echo "$res" >&2; exit 1; fi
  echo "| \`GET $path\` | $rps | $p50 | $p99 | $note |" >>"$out"
}
run "market, vacancy" "$market" "$matched"
run "market, no filter" "/api/v1/offers" "every offer the buyer may see"

attempts=${ATTEMPTS:-1000}
{
  echo
  echo "Contention: one offer, $attempts requests of one place over overlapping periods in 2031 (created first), then every one accepted at once by ${CLIENTS:-16} client threads (Python, one connection each); first with ${PLACES:-100} places (most attempts do not fit), then with $attempts (every one fits):"
  echo
  echo '```'
  python3 bench/offers.py "$base" contend
  PLACES=$attempts python3 bench/offers.py "$base" contend
  echo '```'
  echo
  echo "Every attempt takes the offer's lock (PostgreSQL: the offer's row \`FOR UPDATE\`; SQLite: the write transaction) and judges the fit in SQL; a refused attempt is the 409 of an acceptance that does not fit. \`vacant_on_busiest_day\` is the offer's vacancy on a day every period covers (0: booked to its places, never over). Latencies are per acceptance as the client saw it."
} >>"$out"
cat "$out"
