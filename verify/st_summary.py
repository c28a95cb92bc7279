#!/usr/bin/env python3
"""Sums up one schemathesis run for verify/schemathesis.sh and decides whether it passed.

usage: st_summary.py BACKEND ROLE REPORT_JSON REPORT_NDJSON ST_EXIT_CODE README

A failure is excepted only when verify/README.md lists it in its "Exceptions" table: same check,
same operation (or `*`), and every field error of the problem the server answered listed in a row
for that check and operation, as `field: code` or `field: code (message)`, where `*` in the field
or the message matches any run of characters and a code `*` any code.
Anything else (a failure not listed, a schemathesis error, a run that did not complete) fails.
Prints `schemathesis <backend> <role>: <cases> cases, <failures> failures` (failures not excepted).
"""
import base64
import json
import re
import sys


def exceptions(readme):
    """Rows of the README's Exceptions table: (check, operation, [(field, code)])."""
    rows = []
    text = open(readme, encoding="utf-8").read()
    section = text.split("\n## Exceptions", 1)
    if len(section) < 2:
        return rows
    for line in section[1].split("\n## ", 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[0] in ("check", "") or set(cells[0]) <= {"-", " "}:
            continue
        check, operation = cells[0].strip("`"), cells[1].strip("`")
        errors = []
        for item in cells[2].split(","):
            item = item.strip().strip("`")
            m = re.fullmatch(r"(.+?):\s*(\S+)(?:\s+\((.*)\))?", item)
            if m:
                errors.append((m.group(1).strip(), m.group(2), m.group(3) or "*"))
        rows.append((check, operation, errors))
    return rows


def problem_errors(response):
    """The (field, code) pairs of a problem answer; None when the body is not a problem."""
    content = (response or {}).get("content") or {}
    raw = content.get("$base64")
    try:
        body = json.loads(base64.b64decode(raw)) if raw is not None else json.loads(content.get("string", ""))
    except (ValueError, TypeError):
        return None
    if not isinstance(body, dict) or "code" not in body:
        return None
    return sorted({(e.get("field", ""), e.get("code", ""), e.get("message", "")) for e in body.get("errors") or []})


def glob(pattern, text):
    """`*` matches any run of characters; everything else, brackets too, only itself."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), text, re.S) is not None


def excepted(check, operation, errors, rows):
    if not errors:
        return False
    allowed = [pairs for c, op, pairs in rows if c == check and op in ("*", operation)]
    allowed = [pair for pairs in allowed for pair in pairs]
    return all(
        any(
            glob(f, field) and (c == "*" or code == c) and glob(m, message)
            for f, c, m in allowed
        )
        for field, code, message in errors
    )


def main():
    backend, role, report, ndjson, st_exit, readme = sys.argv[1:7]
    rows = exceptions(readme)
    try:
        summary = json.load(open(report))
    except (OSError, ValueError) as e:
        print(f"schemathesis {backend} {role}: no report ({e}); exit code {st_exit}")
        return 1
    cases = summary["test_cases"]["generated"]
    failures, allowed = {}, {}
    for line in open(ndjson, encoding="utf-8"):
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                failure = (check.get("failure_info") or {}).get("failure") or {}
                operation = failure.get("operation") or recorder.get("label", "?")
                response = ((recorder.get("interactions") or {}).get(case_id) or {}).get("response")
                errors = problem_errors(response) or []
                status = (response or {}).get("status_code")
                key = (check["name"], operation, status, tuple(errors))
                target = allowed if excepted(check["name"], operation, errors, rows) else failures
                target.setdefault(key, failure.get("title", ""))
    for (name, operation, status, errors), title in sorted(failures.items(), key=str):
        fields = ", ".join(f"{f}: {c} ({m})" for f, c, m in errors) or "-"
        print(f"  FAILURE {name} ({title}) {operation} -> {status} [{fields}]")
    if allowed:
        print(f"  {len(allowed)} failures excepted in verify/README.md")
    problems = []
    if summary.get("errors"):
        problems.append(f"{len(summary['errors'])} schemathesis errors: {json.dumps(summary['errors'])[:2000]}")
    if not summary.get("complete", False):
        problems.append(f"the run did not complete ({summary.get('stop_reason')})")
    if st_exit not in ("0", "1"):
        problems.append(f"schemathesis exited with {st_exit}")
    if st_exit == "1" and not failures and not allowed:
        problems.append("schemathesis exited with 1 but reported no failure")
    for p in problems:
        print(f"  ERROR {p}")
    print(f"schemathesis {backend} {role}: {cases} cases, {len(failures)} failures")
    return 1 if failures or problems else 0


if __name__ == "__main__":
    sys.exit(main())
