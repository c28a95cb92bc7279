#!/usr/bin/env bash
# The verification suite, after the test suite (.ci/run calls it): builds the release binary once,
# then on both backends the API against its own OpenAPI document (schemathesis.sh) and crash
# durability of acknowledged writes (durability.sh); then what a dashboard team meets in its first
# hour: the reference dashboard in headless Chromium (dashboard.sh), Swagger UI's "Try it out"
# (swagger.sh), clients generated from the spec, compiled and run (clients.sh), /metrics read by
# Prometheus' reference parser (metrics.sh), the status report printed to PDF (report.sh), and the
# container files against the Compose schema and hadolint (container.sh). See verify/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}${RETNING_BIN:-}" ] || cargo build --release --locked -q -p retning-api
status=0
for step in "schemathesis.sh all" "durability.sh all" "dashboard.sh all" "swagger.sh" \
  "clients.sh all" "metrics.sh" "report.sh" "container.sh"; do
  started=$(date +%s)
  # shellcheck disable=SC2086 # the step is a script and its argument
  if SKIP_BUILD=1 bash verify/$step; then result=ok; else result=FAILED; status=1; fi
  echo "verify/$step: $result in $(($(date +%s) - started)) s"
done
exit "$status"
