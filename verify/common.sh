# Shared by the verify scripts (sourced): the backends named by the first argument, the release
# binary, and a scratch PostgreSQL database per run.
# shellcheck shell=bash disable=SC2034,SC2154 # sets and reads the variables of the script that sources it

# Sets `backends` from "sqlite", "postgres" or "all" (default all).
verify_backends() {
  case "${1:-all}" in
    sqlite | postgres) backends=("$1") ;;
    all) backends=(sqlite postgres) ;;
    *) echo "usage: $0 [sqlite|postgres|all]" >&2; exit 2 ;;
  esac
}

# Builds the release binary unless SKIP_BUILD is set; sets `bin`. RETNING_BIN names another
# binary to use as it is (no build).
verify_binary() {
  [ -n "${SKIP_BUILD:-}${RETNING_BIN:-}" ] || cargo build --release --locked -q -p retning-api
  bin=${RETNING_BIN:-$root/target/release/retning}
  [ -x "$bin" ] || { echo "no release binary at $bin" >&2; exit 1; }
}

# Sets `args` for a server on `work` and `backend`; on PostgreSQL creates the database `pgdb`
# (named after $1) that verify_drop_database removes.
verify_server_args() {
  args=(--data-dir "$work")
  if [ "$backend" = postgres ]; then
    pgdb=retning_$1_$$
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pgdb" >/dev/null
    args+=(--database "postgres://postgres@127.0.0.1:5432/$pgdb")
  fi
}

verify_drop_database() {
  if [ -n "${pgdb:-}" ]; then
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null || true
    pgdb=
  fi
}

# The browser tests' tools, installed once: Debian's chromium (playwright-core downloads no
# browser) and the playwright-core pinned in verify/browser/package-lock.json (npm ci, redone
# when the lock file changes).
verify_browser() {
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null >/dev/null
  fi
  local dir=$root/verify/browser stamp
  stamp=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$dir/node_modules/.retning-lock" 2>/dev/null || true)" != "$stamp" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error \
      --cache "${XDG_CACHE_HOME:-$HOME/.cache}/retning-verify/npm" </dev/null)
    echo "$stamp" >"$dir/node_modules/.retning-lock"
  fi
}
