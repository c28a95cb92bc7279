#!/usr/bin/env bash
# Times a 100,000-row CSV import of measures (all or nothing, one transaction) on a release build.
# usage: bench/import.sh [sqlite|postgres]   (writes bench/results-import-<backend>.md)
# ROWS overrides the row count. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
rows=${ROWS:-100000}
port=18081
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked -q -p retning-api
bin=target/release/retning
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; [ -n "${pgdb:-}" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null' EXIT
args=(--data-dir "$work")
if [ "$backend" = postgres ]; then
  pgdb=retning_bench_import_$$
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pgdb" >/dev/null
  args+=(--database "postgres://postgres@127.0.0.1:5432/$pgdb")
fi
export RUST_LOG=warn
"$bin" "${args[@]}" serve --bind 127.0.0.1:$port >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"
echo "bench-import-password" | "$bin" "${args[@]}" user create --municipality vejle --username bench-import --role editor --password-stdin >/dev/null
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"bench-import","password":"bench-import-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# A deterministic file: every column, placements and support measures in turn.
python3 - "$rows" >"$work/measures.csv" <<'PY'
import sys
n = int(sys.argv[1])
kinds = [("placement", "almen_plejefamilie", "SEL", "52", "3", "7", "true"), ("placement", "opholdssted", "SEL", "58", "1", "", "false"),
         ("support", "familiebehandling", "SEL", "52", "3", "3", ""), ("support", "aflastning", "SEL", "52", "3", "5", "")]
print("child_ref,birth_year,category,kind,start_date,end_date,step,legal_law,legal_paragraph,legal_stk,legal_nr,consent,provider_type,provider_name,provider_municipality,yearly_cost_dkk,evidence_programme,note")
for i in range(n):
    cat, kind, law, par, stk, nr, consent = kinds[i % 4]
    year = 2010 + i % 13
    start = f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    end = "" if i % 3 == 0 else f"{year + 1}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    print(f"BENCH-{i:07d},{year - 6 - i % 10},{cat},{kind},{start},{end},,{law},{par},{stk},{nr},{consent},own,Familieplejen,,{100000 + i % 500 * 1000},,bench row {i}")
PY
bytes=$(stat -c %s "$work/measures.csv")
rss_before=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
start=$(date +%s.%N)
status=$(curl -s -o "$work/answer.json" -w '%{http_code}' -X POST "$base/api/v1/municipalities/vejle/measures/import" \
  -H "authorization: Bearer $token" -H 'content-type: text/csv' --data-binary @"$work/measures.csv")
secs=$(python3 -c "import time; print(round(time.time() - $start, 1))")
rss_after=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
[ "$status" = 201 ] || { echo "import answered $status: $(head -c 2000 "$work/answer.json")" >&2; exit 1; }
imported=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["imported"])' "$work/answer.json")

# The all-or-nothing refusal of the same file with one bad row at the end.
printf 'BENCH-BAD,20x0,support,aflastning,2016-01-01,,,,,,,,,,,,,\n' >>"$work/measures.csv"
start=$(date +%s.%N)
bad=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/municipalities/vejle/measures/import" \
  -H "authorization: Bearer $token" -H 'content-type: text/csv' --data-binary @"$work/measures.csv")
bad_secs=$(python3 -c "import time; print(round(time.time() - $start, 1))")
[ "$bad" = 422 ] || { echo "the refused import answered $bad" >&2; exit 1; }

stats_start=$(date +%s.%N)
curl -sf "$base/api/v1/municipalities/vejle/placements/statistics?year=2016" -H "authorization: Bearer $token" >/dev/null
stats_ms=$(python3 -c "import time; print(round((time.time() - $stats_start) * 1000))")

out=bench/results-import-$backend.md
{
  echo "# CSV import benchmark: $backend"
  echo
  echo "Run: \`bench/import.sh $backend\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(git rev-parse --short HEAD), release build."
  echo
  echo "| what | figure |"
  echo "| --- | --- |"
  echo "| rows imported (one transaction) | $imported |"
  echo "| file size | $((bytes / 1024 / 1024)) MiB |"
  echo "| import, request to 201 | ${secs} s |"
  echo "| refusal of the same file plus one bad last row (422, nothing imported) | ${bad_secs} s |"
  echo "| server peak RSS before → after | $((rss_before / 1024)) → $((rss_after / 1024)) MiB |"
  echo "| statistics of a year over the imported rows (member view) | ${stats_ms} ms |"
} >"$out"
cat "$out"
