#!/usr/bin/env bash
# Crash durability: concurrent writers (an editor of Vejle) against the release server, which is
# SIGKILLed at random moments and restarted on the same data; every write the server acknowledged
# must read back present and unchanged at the end. See verify/README.md.
# usage: verify/durability.sh [sqlite|postgres|all]   (default all)
# Environment: SKIP_BUILD=1 (use target/release/retning as built), KILLS (default 8 per backend, plus one before the read-back),
#              WRITERS (default 8), SEED (default random; printed, so a run can be repeated).
# Traffic goes to 127.0.0.1 only; every run is bounded (KILLS kills of at most 3.3 s apart).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
which=${1:-all}
case "$which" in
  sqlite | postgres) backends=("$which") ;;
  all) backends=(sqlite postgres) ;;
  *) echo "usage: $0 [sqlite|postgres|all]" >&2; exit 2 ;;
esac
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked -q -p retning-api
bin=$root/target/release/retning
[ -x "$bin" ] || { echo "no release binary at $bin" >&2; exit 1; }

work=
pgdb=
cleanup() {
  if [ -n "$work" ] && [ -f "$work/server.pid" ]; then
    kill -9 "$(cat "$work/server.pid")" 2>/dev/null || true
  fi
  if [ -n "$pgdb" ]; then
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null || true
    pgdb=
  fi
  if [ -n "$work" ]; then rm -rf "$work"; work=; fi
}
trap cleanup EXIT

port=18290
status=0
for backend in "${backends[@]}"; do
  work=$(mktemp -d)
  args=(--data-dir "$work")
  if [ "$backend" = postgres ]; then
    pgdb=retning_durability_$$
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pgdb" >/dev/null
    args+=(--database "postgres://postgres@127.0.0.1:5432/$pgdb")
  fi
  if ! (cd "$work" && python3 "$root/verify/durability.py" "$backend" "$bin" "$work" "$port" "${args[@]}"); then
    status=1
    echo "--- server log ($backend), last 60 lines:" >&2
    tail -n 60 "$work/server.log" >&2 || true
  fi
  cleanup
done
exit "$status"
