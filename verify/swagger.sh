#!/usr/bin/env bash
# Swagger UI "Try it out" on every tag, in Debian's headless Chromium: verify/browser/swagger.mjs
# (see there) against a release server started from an empty folder (SQLite), with the token of
# an admin of Vejle made by the CLI. Prints a table operation -> status and keeps a screenshot of
# one executed operation in OUT_DIR (default verify/browser/out, gitignored).
# usage: verify/swagger.sh
# Environment: SKIP_BUILD=1 / RETNING_BIN=PATH (see verify/common.sh), OUT_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
export CI=${CI:-true}

verify_browser
verify_binary
out=${OUT_DIR:-$root/verify/browser/out}
mkdir -p "$out"

work=
pgdb=
pid=
trap verify_cleanup EXIT

export RUST_LOG=warn
port=18220
base="http://127.0.0.1:$port"
backend=sqlite
work=$(mktemp -d)
verify_server_args swagger
(cd "$work" && exec "$bin" "${args[@]}" serve --bind "127.0.0.1:$port") >"$work/server.log" 2>&1 &
pid=$!
verify_wait_ready "$base" "$work/server.log"
password="swagger admin passphrase, long enough"
echo "$password" | (cd "$work" && "$bin" "${args[@]}" user create --municipality vejle --username swagger-admin \
  --role admin --password-stdin) >/dev/null
token=$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"swagger-admin\",\"password\":\"$password\"}" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("token") or d["access_token"])')

if ! RETNING_URL=$base RETNING_TOKEN=$token OUT_DIR=$out node "$root/verify/browser/swagger.mjs"; then
  echo "--- server log, last 40 lines:" >&2
  tail -n 40 "$work/server.log" >&2
  exit 1
fi
