#!/usr/bin/env bash
# The reference dashboard at `/` in headless Chromium against a release server started from an
# empty folder with the demo data (`serve --demo`): the four strategies, progress, level names,
# suppressed statistics, comparison, programmes and offers read from the API must be what the page shows; no
# request leaves 127.0.0.1, no console error, keyboard reaches the key field and a strategy
# toggle, and with Vejle's API key its internal strategy and member-only figures appear (with
# Vordingborg's, its partnership).
# Screenshots at 1280x800 and 390x844 go to ${RETNING_VERIFY_OUT:-<temporary folder>}.
# usage: verify/dashboard.sh [sqlite|postgres|all]   (default sqlite)
# Environment: SKIP_BUILD=1 or RETNING_BIN=/path (no build), RETNING_VERIFY_OUT (screenshots),
#              DASHBOARD_PORT (default 18110; the dev proxy, when needed, uses the next port).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
verify_backends "${1:-sqlite}"
export CI=true

verify_browser
verify_binary

work=
pgdb=
pid=
proxy=
out=
cleanup() {
  for p in "$proxy" "$pid"; do
    if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  proxy=
  pid=
  verify_drop_database
  if [ -n "$work" ]; then
    # The screenshots stay when they were written into the temporary folder.
    if [ -n "${RETNING_VERIFY_OUT:-}" ]; then rm -rf "$work"; else rm -rf "$work/data"; fi
    work=
  fi
}
trap cleanup EXIT

export RUST_LOG=warn
port=${DASHBOARD_PORT:-18110}
base="http://127.0.0.1:$port"
status=0

for backend in "${backends[@]}"; do
  started=$(date +%s)
  work=$(mktemp -d)
  mkdir -p "$work/data"
  out=${RETNING_VERIFY_OUT:-$work}/$backend
  mkdir -p "$out"
  work=$work/data verify_server_args dashboard # the database and secret in data/, screenshots beside
  cd "$work/data"
  # A first start with the demo measures, as a new user runs it; the keys are made beside it.
  "$bin" "${args[@]}" serve --demo --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  pid=$!
  verify_wait_ready "$base" "$work/server.log"
  key=$("$bin" "${args[@]}" key create --municipality vejle --name dashboard-e2e --scope write | grep -o 'rtn_[A-Za-z0-9_-]*' | head -n 1)
  vkey=$("$bin" "${args[@]}" key create --municipality vordingborg --name dashboard-e2e --scope write | grep -o 'rtn_[A-Za-z0-9_-]*' | head -n 1)
  [ -n "$key" ] && [ -n "$vkey" ] || { echo "no API key from 'key create'" >&2; exit 1; }
  cd "$root"

  # The binary serves the embedded dashboard at `/`. A binary whose files differ from this tree's
  # (built before the embedding, or from another commit) gets the dev proxy in front
  # (verify/browser/devserver.mjs, serving dashboard/ from this tree with the binary's headers).
  page=$base/
  same=yes
  for f in index.html app.js style.css; do
    url=$base/dashboard/$f
    [ "$f" = index.html ] && url=$base/
    curl -sf "$url" | cmp -s - "dashboard/$f" || same=no
  done
  if [ "$same" = yes ]; then
    echo "dashboard ($backend): the binary serves this tree's dashboard at $page"
  else
    pport=$((port + 1))
    node verify/browser/devserver.mjs --port "$pport" --upstream "$base" >"$work/devserver.log" 2>&1 &
    proxy=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$pport/" >/dev/null && break; sleep 0.1; done
    page=http://127.0.0.1:$pport/
    echo "dashboard ($backend): the binary's files differ from dashboard/ (not embedded yet?); dev proxy at $page"
  fi

  set +e
  BASE_URL=$page API_URL=$base API_KEY=$key VORDINGBORG_KEY=$vkey OUT=$out timeout 300 node verify/browser/dashboard.mjs
  test_status=$?
  set -e
  if [ "$test_status" -ne 0 ]; then
    status=1
    echo "--- server log ($backend), last 40 lines:" >&2
    tail -n 40 "$work/server.log" >&2
  fi
  result=ok
  [ "$test_status" -eq 0 ] || result=FAILED
  echo "dashboard ($backend): $result in $(($(date +%s) - started)) s; screenshots in $out"
  cleanup
done
exit "$status"
