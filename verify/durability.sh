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
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
verify_backends "${1:-all}"
verify_binary

work=
pgdb=
cleanup() {
  if [ -n "$work" ] && [ -f "$work/server.pid" ]; then
    kill -9 "$(cat "$work/server.pid")" 2>/dev/null || true
  fi
  verify_drop_database
  if [ -n "$work" ]; then rm -rf "$work"; work=; fi
}
trap cleanup EXIT

port=18290
status=0
for backend in "${backends[@]}"; do
  work=$(mktemp -d)
  verify_server_args durability
  if ! (cd "$work" && python3 "$root/verify/durability.py" "$backend" "$bin" "$work" "$port" "${args[@]}"); then
    status=1
    echo "--- server log ($backend), last 60 lines:" >&2
    tail -n 60 "$work/server.log" >&2 || true
  fi
  cleanup
done
exit "$status"
