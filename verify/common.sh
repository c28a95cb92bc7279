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

# A Python venv of the verify tools, named NAME under the cache, reused while its pins (the
# remaining arguments, given to pip as they are) are unchanged; sets `venv`.
verify_venv() {
  local name=$1
  shift
  venv=${XDG_CACHE_HOME:-$HOME/.cache}/retning-verify/$name
  local want="$*"
  if [ "$(cat "$venv/.pins" 2>/dev/null || true)" != "$want" ]; then
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --disable-pip-version-check --no-input -q "$@" </dev/null
    echo "$want" >"$venv/.pins"
  fi
}

# Waits up to 20 s for the server at BASE to answer ready; otherwise prints LOG and exits.
verify_wait_ready() {
  local base=$1 log=$2
  for _ in $(seq 1 100); do curl -sf "$base/health/ready" >/dev/null && return 0; sleep 0.2; done
  cat "$log" >&2
  exit 1
}

# The usual end of a script (trap verify_cleanup EXIT): stops the server `pid`, drops the
# scratch database, removes the folder `work`.
verify_cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi
  verify_drop_database
  if [ -n "${work:-}" ]; then rm -rf "$work"; work=; fi
}
