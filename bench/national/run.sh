#!/usr/bin/env bash
# Issue #11's national-scale benchmark: BEFORE and AFTER release binaries, one run, one dataset
# per backend; writes bench/RESULTS.md (the backend's section). See bench/national/README.md.
# usage: BEFORE=/path/retning [AFTER=/path/retning] bench/national/run.sh [sqlite|postgres|both]
# Never builds anything. Traffic goes to 127.0.0.1 only; every load run is bounded (DURATION).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
which=${1:-both}
case $which in
  sqlite|postgres) backends=("$which") ;;
  both) backends=(postgres sqlite) ;;
  *) echo "usage: BEFORE=BIN [AFTER=BIN] $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
: "${BEFORE:=/work/bin/retning-before}"
[ -x "$BEFORE" ] || { echo "BEFORE=$BEFORE is not an executable (the release binary to measure)" >&2; exit 2; }
if [ -z "${AFTER:-}" ]; then
  echo "AFTER not set: measuring BEFORE twice (a dry run)" >&2
  AFTER=$BEFORE
fi
[ -x "$AFTER" ] || { echo "AFTER=$AFTER is not an executable" >&2; exit 2; }
export BEFORE AFTER

need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v python3 >/dev/null || need_apt+=(python3)
if [[ " ${backends[*]} " == *" postgres "* ]]; then
  command -v psql >/dev/null || need_apt+=(postgresql-client)
  command -v pgbench >/dev/null || need_apt+=(postgresql-contrib)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

export BENCH_COMMAND="${BENCH_COMMAND:-BEFORE=$BEFORE AFTER=$AFTER bench/national/run.sh $which}"
for b in "${backends[@]}"; do
  python3 "$here/bench.py" "$b"
done
echo "written: $(cd "$here/../.." && pwd)/bench/RESULTS.md" >&2
