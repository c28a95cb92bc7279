#!/usr/bin/env bash
# The status report printed to PDF in headless Chromium (verify/browser/report.mjs), from a
# release server started from an empty folder with the demo data, on SQLite: Vejle's strategy
# with two follow-up dates and a measurement since the earlier one. The PDF's own text
# (pdftotext, Debian's poppler-utils) must hold the title, every target and the change.
# usage: verify/report.sh   Environment: SKIP_BUILD=1 / RETNING_BIN=PATH, RETNING_VERIFY_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
export CI=${CI:-true}
verify_browser
if ! command -v pdftotext >/dev/null; then
  apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils </dev/null >/dev/null
fi
verify_binary

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work/data"
}
trap cleanup EXIT
out=${RETNING_VERIFY_OUT:-$work}
mkdir -p "$out"
port=18130
base=http://127.0.0.1:$port
export RUST_LOG=warn
started=$(date +%s)
"$bin" --data-dir "$work/data" serve --demo --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
verify_wait_ready "$base" "$work/server.log"
key=$("$bin" --data-dir "$work/data" key create --municipality vejle --name report --scope write | grep -o 'rtn_[A-Za-z0-9_-]*')
echo 'a long passphrase for the report check' | "$bin" --data-dir "$work/data" user create \
  --municipality vejle --username report-admin --role admin --password-stdin >/dev/null
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"report-admin","password":"a long passphrase for the report check"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
m=$base/api/v1/municipalities/vejle
sid=$(curl -sf "$m/strategies?sort=-period_start" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
curl -sf -X PATCH "$m/strategies/$sid" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"follow_ups":[{"date":"2026-01-15","label":"Børne- og Familieudvalget, januar 2026"},{"date":"2026-07-15","label":"Børne- og Familieudvalget, juli 2026"}]}' >/dev/null
tree=$(curl -sf "$m/strategies/$sid/tree?as_of=2026-06-30")
tid=$(python3 -c 'import json,sys
d=json.loads(sys.argv[1]); out=[]
def walk(ns):
    for n in ns:
        out.extend(n["targets"]); walk(n["children"])
walk(d["nodes"])
print(next(t["id"] for t in out if t["source"]=="manual" and t["unit"]=="count" and t["deadline"] is None))' "$tree")
for dv in 2025-12-31:1 2026-05-31:2; do
  curl -sf -X PUT "$m/targets/$tid/measurements/${dv%%:*}" -H "x-api-key: $key" \
    -H 'content-type: application/json' -d "{\"value\": ${dv##*:}}" >/dev/null
done
expect=$(python3 -c 'import json,sys
d=json.loads(sys.argv[1]); out=[]
def walk(ns):
    for n in ns:
        out.extend(t["title"] for t in n["targets"]); walk(n["children"])
walk(d["nodes"])
print(json.dumps({"title": d["strategy"]["title"], "targets": out, "as_of": "2026-06-30"}))' "$tree")

REPORT_URL="$m/strategies/$sid/report?as_of=2026-06-30" OUT=$out EXPECT=$expect node verify/browser/report.mjs
# The printed PDF itself: its text holds the title, the change and the previous follow-up.
pdftotext -layout "$out/report.pdf" "$work/report.txt"
title=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["title"])' "$expect")
status=0
for want in "$title" "Ændringer siden forrige opfølgning" "Børne- og Familieudvalget, januar 2026" "1 (2025-12-31)" "2 (2026-05-31)"; do
  if tr -s ' \n' ' ' <"$work/report.txt" | grep -qF -- "$want"; then echo "ok   the PDF's text holds \"$want\""; else echo "FAIL the PDF's text lacks \"$want\""; status=1; fi
done
echo "report: $([ $status -eq 0 ] && echo ok || echo FAILED) in $(($(date +%s) - started)) s; $(wc -c <"$out/report.pdf") bytes of PDF in $out"
exit "$status"
