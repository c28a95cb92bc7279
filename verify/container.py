"""Checks of the container files that no linter makes (run by verify/container.sh in its venv).

usage: container.py ROOT
- .dockerignore: the build context, computed with the Docker SDK's own .dockerignore matcher
  (docker.utils.build.exclude_paths) over a copy of the tracked files plus planted files, must
  leave out target/, data/, .env files, databases, keys, node_modules, .git and bench results,
  and must keep every file the build reads (the workspace's manifests and crates, migrations,
  seed, config).
- Dockerfile: the pinned bases, cargo-chef pinned, a non-root USER, the HEALTHCHECK by the binary.
- docker-compose.yml: the api's healthcheck is `retning healthcheck`, the database URL carries no
  password, and the password comes from its own required variable.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

from docker.utils.build import exclude_paths
from ruamel.yaml import YAML

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def dockerignore(root: str) -> None:
    with open(os.path.join(root, ".dockerignore"), encoding="utf-8") as f:
        patterns = [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
    tracked = subprocess.run(
        ["git", "-C", root, "ls-files", "-z"], check=True, capture_output=True, text=True
    ).stdout.split("\0")
    tracked = [t for t in tracked if t]
    planted = [
        "target/release/retning",
        "target/debug/build/x/out.rs",
        "data/retning.db",
        "data/jwt-secret",
        ".env",
        ".env.production",
        "api/.env",
        "retning.db",
        "retning.db-wal",
        "seed/local.sqlite",
        ".git/HEAD",
        ".git/config",
        "verify/browser/node_modules/playwright-core/package.json",
        "api/node_modules/x/index.js",
        "bench/results/tmp/run.json",
        "bench/national/big.csv",
        "secrets/postgres-password",
        "config/secrets/jwt",
        "server.key",
        "tls/cert.pem",
        "modules/goals/target/debug/x",
    ]
    must_exclude_prefixes = ("target/", "data/", ".env", ".git/", "bench/", "secrets/")
    with tempfile.TemporaryDirectory() as tmp:
        for rel in tracked + planted:
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write("x")
        context = set(exclude_paths(tmp, patterns, dockerfile="Dockerfile"))
    files = {p for p in context if p in set(tracked) | set(planted)}
    leaked = sorted(p for p in planted if p in files)
    check(not leaked, f".dockerignore leaves planted files out of the context (leaked: {leaked})")
    for prefix in must_exclude_prefixes:
        inside = sorted(p for p in files if p.startswith(prefix))
        check(not inside, f".dockerignore excludes {prefix} (in the context: {inside[:5]})")
    needed = [
        t
        for t in tracked
        if t in ("Cargo.toml", "Cargo.lock", "rust-toolchain.toml")
        or t.split("/")[0] in ("api", "modules", "tests", "migrations", "seed", "config")
    ]
    missing = sorted(t for t in needed if t not in files)
    check(not missing, f"the context keeps the {len(needed)} tracked files the build reads (missing: {missing[:5]})")
    print(f"     build context: {len(files)} of {len(tracked)} tracked files")


def dockerfile(root: str) -> None:
    with open(os.path.join(root, "Dockerfile"), encoding="utf-8") as f:
        text = f.read()
    # Join continuation lines, drop comments.
    lines = [l for l in re.sub(r"\\\n", " ", text).splitlines() if l.strip() and not l.lstrip().startswith("#")]
    froms = [l.split()[1] for l in lines if l.upper().startswith("FROM ")]
    check(froms[0].startswith("rust:1.95-bookworm"), f"the build stage is rust:1.95-bookworm ({froms[0]})")
    check(froms[-1].startswith("debian:bookworm-slim"), f"the image is debian:bookworm-slim ({froms[-1]})")
    check(
        any(re.search(r"cargo install cargo-chef --locked --version \d+\.\d+\.\d+", l) for l in lines),
        "cargo-chef is installed at a pinned version",
    )
    cook = [i for i, l in enumerate(lines) if "cargo chef cook" in l]
    copy_all = [i for i, l in enumerate(lines) if re.match(r"COPY \. \.", l)]
    check(bool(cook) and copy_all[-1] > cook[0], "dependencies are cooked before the sources are copied")
    final = lines[max(i for i, l in enumerate(lines) if l.upper().startswith("FROM ")) :]
    users = [l.split()[1] for l in final if l.upper().startswith("USER ")]
    check(bool(users) and users[-1].split(":")[0] not in ("root", "0"), f"the image runs as a non-root user ({users})")
    health = [l for l in final if l.upper().startswith("HEALTHCHECK")]
    check(
        len(health) == 1 and health[0].rstrip().endswith('CMD ["/usr/local/bin/retning", "healthcheck"]'),
        f"HEALTHCHECK CMD is the binary's own healthcheck ({health})",
    )


def compose(root: str) -> None:
    with open(os.path.join(root, "docker-compose.yml"), encoding="utf-8") as f:
        doc = YAML(typ="safe").load(f)
    api = doc["services"]["api"]
    env = api.get("environment", {})
    test = api.get("healthcheck", {}).get("test")
    check(
        isinstance(test, list) and test[0] == "CMD" and test[1:] == ["/usr/local/bin/retning", "healthcheck"],
        f"the api's healthcheck is `retning healthcheck` ({test})",
    )
    url = str(env.get("RETNING__DATABASE__URL", ""))
    userinfo = url.split("://", 1)[-1].split("@", 1)[0] if "@" in url else ""
    check(url.startswith("postgres://") and ":" not in userinfo, f"the database URL carries no password ({url})")
    password = str(env.get("RETNING__DATABASE__PASSWORD", ""))
    check(
        re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", password) is not None,
        f"RETNING__DATABASE__PASSWORD is the required ${{POSTGRES_PASSWORD}} ({password})",
    )
    db_password = str(doc["services"]["db"]["environment"].get("POSTGRES_PASSWORD", ""))
    check(db_password.startswith("${POSTGRES_PASSWORD:?"), "the database gets the same required password")


def main() -> None:
    root = sys.argv[1]
    dockerignore(root)
    dockerfile(root)
    compose(root)
    if failures:
        print(f"container checks: {len(failures)} failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
