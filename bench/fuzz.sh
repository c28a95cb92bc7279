#!/usr/bin/env bash
# Property-based fuzzing of the whole API from its own OpenAPI document (schemathesis), as an
# admin of Vejle, against a fresh SQLite database: no request may get a 5xx, every response must
# match the document. Bounded: a fixed number of examples per operation, loopback only.
# usage: bench/fuzz.sh   (needs: pip install schemathesis)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v st >/dev/null || pip install -q schemathesis
cargo build -q -p retning-api
bin=target/debug/retning
work=$(mktemp -d)
port=18181
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
RUST_LOG=warn "$bin" --data-dir "$work" serve --bind 127.0.0.1:$port >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do curl -sf "127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
echo 'a long enough password' | "$bin" --data-dir "$work" user create --municipality vejle --username fuzz-admin --role admin --password-stdin >/dev/null
token=$(curl -sf -X POST "127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"fuzz-admin","password":"a long enough password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# positive_data_acceptance is left out: the API is stricter than a schema can say (cursors it
# issued, slugs that exist, periods that do not overlap) and answers those with 422 by design.
st run "http://127.0.0.1:$port/api-docs/openapi.json" -H "Authorization: Bearer $token" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "${EXAMPLES:-25}" --workers 2 --seed 1 \
  | tee "$work/st.log" | tail -30
if grep -q "Server error" "$work/st.log" || grep -q " 5[0-9][0-9] " "$work/server.log"; then
  echo "5xx found" >&2
  exit 1
fi
