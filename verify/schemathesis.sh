#!/usr/bin/env bash
# The whole API against its own OpenAPI document: the document must be valid OpenAPI 3.1, and
# schemathesis (every phase, every check) must find no failure, with an editor's and with an
# admin's token of Vejle, on a release server started from an empty folder on each backend.
# Failures written down in verify/README.md ("Exceptions") are reported but do not fail the run.
# usage: verify/schemathesis.sh [sqlite|postgres|all]   (default all)
# Environment: SKIP_BUILD=1 (use target/release/retning as built), EXAMPLES (max examples per
#              operation and phase, default 20), ST_SEED (default 8), ST_WORKERS (default 1).
# Traffic goes to 127.0.0.1 only; each run is bounded by EXAMPLES and by a hard timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
verify_backends "${1:-all}"

# Pinned tools, in a venv of their own, reused while the pins match.
st_version=4.32.5
osv_version=0.9.0
verify_venv venv "schemathesis==$st_version" "openapi-spec-validator==$osv_version"

"$venv/bin/openapi-spec-validator" --schema 3.1 openapi/openapi.json

verify_binary

work=
pgdb=
pid=
trap verify_cleanup EXIT

export RUST_LOG=warn
port=18291
base="http://127.0.0.1:$port"
examples=${EXAMPLES:-20}
seed=${ST_SEED:-8}
workers=${ST_WORKERS:-1}
status=0

login() {
  curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

for backend in "${backends[@]}"; do
  work=$(mktemp -d)
  verify_server_args schemathesis
  cd "$work"
  "$bin" "${args[@]}" serve --bind "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  pid=$!
  verify_wait_ready "$base" "$work/server.log"
  for role in editor admin; do
    echo "verify $role passphrase, long enough" | "$bin" "${args[@]}" user create --municipality vejle \
      --username "verify-$role" --role "$role" --password-stdin >/dev/null
  done
  # Both log in before any run: a run may spend the login attempts of this address.
  declare -A token
  token[editor]=$(login verify-editor "verify editor passphrase, long enough")
  token[admin]=$(login verify-admin "verify admin passphrase, long enough")
  cd "$root"

  for role in editor admin; do
    exclude=()
    # Self-destructive for the admin who runs it: a new password or "disabled" on its own user
    # ends its token (401 auth.token_revoked), and a role change takes its rights; every later
    # request would then test only the 401. The editor runs it (and gets 403).
    [ "$role" = admin ] && exclude=(--exclude-operation-id platform_update_user)
    report=$work/st-$role.json
    events=$work/st-$role.ndjson
    set +e
    # From the temporary folder, without an example database: nothing is left in the work tree,
    # and a run does not replay an earlier run's findings (the seed alone decides what is sent).
    (cd "$work" && timeout 300 "$venv/bin/st" --config-file "$root/verify/schemathesis.toml" run "$base/api-docs/openapi.json" \
      -H "Authorization: Bearer ${token[$role]}" \
      --phases examples,coverage,fuzzing,stateful --checks all "${exclude[@]}" \
      --max-examples "$examples" --seed "$seed" --workers "$workers" --request-timeout 10 \
      --continue-on-failure --no-color --report json,ndjson --report-json-path "$report" \
      --report-ndjson-path "$events" --generation-database none >"$work/st-$role.log" 2>&1)
    st_status=$?
    set -e
    if ! python3 "$root/verify/st_summary.py" "$backend" "$role" "$report" "$events" "$st_status" "$root/verify/README.md"; then
      status=1
      echo "--- schemathesis output ($backend, $role), last 150 lines:" >&2
      tail -n 150 "$work/st-$role.log" >&2
      echo "--- server log ($backend), last 60 lines:" >&2
      tail -n 60 "$work/server.log" >&2
    fi
  done
  verify_cleanup
done
exit "$status"
