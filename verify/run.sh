#!/usr/bin/env bash
# The verification suite on both backends: the API against its own OpenAPI document
# (schemathesis.sh), then crash durability of acknowledged writes (durability.sh). Builds the
# release binary once; .ci/run calls this after the test suite. See verify/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked -q -p retning-api
status=0
SKIP_BUILD=1 bash verify/schemathesis.sh all || status=1
SKIP_BUILD=1 bash verify/durability.sh all || status=1
exit "$status"
