#!/usr/bin/env python3
"""Fills a running Retning with a dashboard-sized dataset through its own API.

Per municipality (randers, vejle, skanderborg, vordingborg): STRATEGIES strategies, each with
AREAS top-level nodes of GOALS goals, one target per goal, and QUARTERS quarterly measurements
per target. Deterministic (no randomness), so runs compare.

usage: generate.py BASE_URL TOKEN_PREFIX   (tokens read from env TOKEN_<slug>)
"""
import http.client
import json
import os
import sys
import urllib.parse

STRATEGIES = int(os.environ.get("STRATEGIES", "5"))
AREAS = int(os.environ.get("AREAS", "6"))
GOALS = int(os.environ.get("GOALS", "5"))
QUARTERS = int(os.environ.get("QUARTERS", "8"))
THEMES = ["early-detection", "placement-pattern", "evidence-effect", "learning-school", "data-knowledge"]


class Client:
    def __init__(self, base, token):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port)
        self.token = token
        self.count = 0

    def call(self, method, path, body=None):
        headers = {"authorization": f"Bearer {self.token}", "content-type": "application/json"}
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        self.count += 1
        if resp.status >= 300:
            raise SystemExit(f"{method} {path}: {resp.status} {data[:300]!r}")
        return json.loads(data) if data else None


def quarter_ends(n):
    dates = []
    year, q = 2023, 1
    for _ in range(n):
        month, day = [(3, 31), (6, 30), (9, 30), (12, 31)][q - 1]
        dates.append(f"{year}-{month:02d}-{day:02d}")
        q += 1
        if q == 5:
            year, q = year + 1, 1
    return dates


def main():
    base = sys.argv[1]
    total = 0
    for slug in ["randers", "vejle", "skanderborg", "vordingborg"]:
        c = Client(base, os.environ[f"TOKEN_{slug}"])
        root = f"/api/v1/municipalities/{slug}"
        for s in range(STRATEGIES):
            strategy = c.call("POST", f"{root}/strategies", {
                "title": f"Benchmark-strategi {s + 1}", "visibility": "public",
                "period_start": "2023-01-01", "period_end": "2026-12-31", "level_names": ["område", "mål"]})
            for a in range(AREAS):
                area = c.call("POST", f"{root}/strategies/{strategy['id']}/nodes", {
                    "kind": "område", "title": f"Område {a + 1}", "themes": [THEMES[a % len(THEMES)]]})
                for g in range(GOALS):
                    goal = c.call("POST", f"{root}/strategies/{strategy['id']}/nodes", {
                        "kind": "mål", "title": f"Mål {a + 1}.{g + 1}", "parent_id": area["id"]})
                    target = c.call("POST", f"{root}/nodes/{goal['id']}/targets", {
                        "title": f"Andel {a + 1}.{g + 1}", "indicator": "Andel", "unit": "percent",
                        "direction": "increase", "baseline_value": 20, "baseline_date": "2023-01-01",
                        "target_value": 60, "deadline": "2026-12-31", "frequency": "quarterly",
                        "themes": [THEMES[(a + g) % len(THEMES)]]})
                    for i, date in enumerate(quarter_ends(QUARTERS)):
                        c.call("PUT", f"{root}/targets/{target['id']}/measurements/{date}",
                               {"value": 20 + (i * (g + 1)) % 40, "note": "benchmark"})
        total += c.count
    print(f"{total} requests")


if __name__ == "__main__":
    main()
