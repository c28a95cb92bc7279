#!/usr/bin/env bash
# Generated clients, as a dashboard team would use them: from the committed openapi/openapi.json
# - TypeScript: openapi-typescript generates the types, openapi-fetch is the typed client,
#   verify/clients/ts/main.ts is compiled by TypeScript 7's tsc --strict and run with node;
# - Python: openapi-python-client generates the package `retning_client`, mypy --strict checks
#   it together with verify/clients/python/main.py, which is then run;
# each against a release server started from an empty folder with `seed --demo`: Vordingborg's
# targets read with at least one numeric progress, then a measurement PUT with an API key of
# Vordingborg (scope write), the created object checked and read back. Every generator version
# is pinned (verify/clients/ts/package-lock.json, verify/clients/python/requirements.txt);
# nothing generated is committed: it is generated here, in a temporary folder, on every run.
# The compiler output is printed; a compile or type error fails the script.
# usage: verify/clients.sh [sqlite|postgres|all]   (default all)
# Environment: SKIP_BUILD=1 / RETNING_BIN=PATH (see verify/common.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
verify_backends "${1:-all}"
export CI=${CI:-true}

cache=${XDG_CACHE_HOME:-$HOME/.cache}/retning-verify
ts_dir=$root/verify/clients/ts
py_dir=$root/verify/clients/python

# TypeScript tools: npm ci from the committed lock, redone only when the lock changes.
stamp=$(sha256sum "$ts_dir/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$ts_dir/node_modules/.retning-lock" 2>/dev/null || true)" != "$stamp" ]; then
  (cd "$ts_dir" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  echo "$stamp" >"$ts_dir/node_modules/.retning-lock"
fi
# Python tools: a venv of their own, reused while the pins match.
# (The pins are the requirements file's hash, so an edit of it reinstalls.)
verify_venv "clients-venv-$(sha256sum "$py_dir/requirements.txt" | cut -c1-16)" -r "$py_dir/requirements.txt"

work=
pgdb=
pid=
trap verify_cleanup EXIT
work=$(mktemp -d)
gen=$work/gen

# --- Generate and compile, once (the document is the committed file, not a server's).
mkdir -p "$gen/ts/generated" "$gen/py"
cp "$ts_dir/main.ts" "$ts_dir/tsconfig.json" "$ts_dir/package.json" "$gen/ts/"
ln -s "$ts_dir/node_modules" "$gen/ts/node_modules"
echo "== TypeScript: openapi-typescript $(node -p 'require(process.argv[1]).version' "$ts_dir/node_modules/openapi-typescript/package.json"), openapi-fetch $(node -p 'require(process.argv[1]).version' "$ts_dir/node_modules/openapi-fetch/package.json")"
"$ts_dir/node_modules/.bin/openapi-typescript" "$root/openapi/openapi.json" -o "$gen/ts/generated/api.d.ts" 2>&1
tsc=$ts_dir/node_modules/typescript7/bin/tsc
echo "\$ tsc --strict --noEmit false -p tsconfig.json   ($("$tsc" --version))"
if ! (cd "$gen/ts" && "$tsc" --strict --noEmit false -p tsconfig.json --listEmittedFiles 2>&1); then
  echo "tsc: compile errors (above)" >&2
  exit 1
fi
echo "tsc: no errors"

echo "== Python: openapi-python-client $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-python-client"))')"
"$venv/bin/openapi-python-client" generate --path "$root/openapi/openapi.json" --output-path "$gen/py/retning_client" \
  --meta none --config "$py_dir/generator.yaml" 2>&1 | grep -v '^$'
[ -f "$gen/py/retning_client/client.py" ] || { echo "openapi-python-client generated no package" >&2; exit 1; }
cp "$py_dir/main.py" "$gen/py/"
echo "\$ mypy --strict retning_client main.py   ($("$venv/bin/mypy" --version))"
if ! (cd "$gen/py" && "$venv/bin/mypy" --strict --cache-dir "$work/mypy-cache" retning_client main.py 2>&1); then
  echo "mypy: type errors (above)" >&2
  exit 1
fi

# --- Run both against a server per backend.
verify_binary
export RUST_LOG=warn
port=18210
base="http://127.0.0.1:$port"
for backend in "${backends[@]}"; do
  data=$work/data-$backend
  mkdir -p "$data"
  verify_server_args clients
  args[1]=$data # the server's folder, not the generated code's
  (cd "$data" && exec "$bin" "${args[@]}" serve --bind "127.0.0.1:$port") >"$data/server.log" 2>&1 &
  pid=$!
  verify_wait_ready "$base" "$data/server.log"
  (cd "$data" && "$bin" "${args[@]}" seed --demo) | sed 's/^/seed: /'
  key=$(cd "$data" && "$bin" "${args[@]}" key create --municipality vordingborg --name clients-verify --scope write)
  case "$key" in rtn_*) ;; *) echo "key create printed no key: $key" >&2; exit 1 ;; esac
  export RETNING_URL=$base RETNING_KEY=$key RETNING_KEY_NAME=clients-verify
  echo "== $backend: TypeScript client"
  if ! MEASUREMENT_DATE=$(date -u -d '2 days ago' +%F) MEASUREMENT_VALUE=41 node "$gen/ts/build/main.js"; then
    tail -n 30 "$data/server.log" >&2; exit 1
  fi
  echo "== $backend: Python client"
  if ! MEASUREMENT_DATE=$(date -u -d '3 days ago' +%F) MEASUREMENT_VALUE=43 PYTHONPATH="$gen/py" "$venv/bin/python" "$gen/py/main.py"; then
    tail -n 30 "$data/server.log" >&2; exit 1
  fi
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
  verify_drop_database
done
echo "clients: TypeScript and Python clients compiled and passed on ${backends[*]}"
