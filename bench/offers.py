#!/usr/bin/env python3
"""The offers module's benchmark data and its contention run, through the API of a running Retning.

usage: offers.py BASE_URL generate    fills the market: OFFERS offers (open, public but every tenth
                                      for partners only) spread over five providers, and REQUESTS
                                      one-place requests from three buyers, of which the provider
                                      accepts three in five, declines one in five (an acceptance
                                      that does not fit is refused and counted); prints a summary
       offers.py BASE_URL contend     one offer with PLACES places, ATTEMPTS requests of one place
                                      over the same year, then all accepted at once by CLIENTS
                                      threads, each with its own connection; prints the figures
Tokens are read from env TOKEN_<slug>. Deterministic (no randomness), so runs compare.
"""
import concurrent.futures
import datetime
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

OFFERS = int(os.environ.get("OFFERS", "300"))
REQUESTS = int(os.environ.get("REQUESTS", "5000"))
PLACES = int(os.environ.get("PLACES", "100"))
ATTEMPTS = int(os.environ.get("ATTEMPTS", "1000"))
CLIENTS = int(os.environ.get("CLIENTS", "16"))
PROVIDERS = ["vejle", "randers", "skanderborg", "vordingborg", "faxe"]
BUYERS = ["lolland", "naestved", "guldborgsund"]
TYPES = ["residential_institution", "residential_home", "foster_family", "relief_care", "home_based", "other"]
GROUPS = ["behavioural", "disability", "psychiatric", "substance", "young_mothers", "unaccompanied"]
DAY0 = datetime.date(2030, 1, 1)


class Client:
    def __init__(self, base, slug):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port)
        self.token = os.environ[f"TOKEN_{slug}"]
        self.count = 0

    def call(self, method, path, body=None, ok=(200, 201)):
        headers = {"authorization": f"Bearer {self.token}", "content-type": "application/json"}
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        self.count += 1
        if resp.status not in ok:
            raise SystemExit(f"{method} {path}: {resp.status} {data[:300]!r}")
        return resp.status, (json.loads(data) if data else None)


def day(n):
    return (DAY0 + datetime.timedelta(days=n)).isoformat()


def generate(base):
    clients = {s: Client(base, s) for s in PROVIDERS + BUYERS}
    offers = []
    for i in range(OFFERS):
        provider = PROVIDERS[i % len(PROVIDERS)]
        body = {
            "name": f"Bench-tilbud {i:04d}",
            "offer_type": TYPES[i % len(TYPES)],
            "status": "open",
            "approved_places": 4 + i % 12,
            "target_groups": [GROUPS[i % len(GROUPS)], GROUPS[(i + 2) % len(GROUPS)]],
            "age_min": i % 8,
            "age_max": 12 + i % 11,
        }
        if i % 10 == 9:
            body["visibility"] = "partners"
            body["partners"] = BUYERS[:2]
        _, o = clients[provider].call("POST", f"/api/v1/municipalities/{provider}/offers", body)
        offers.append((o["id"], provider, i % 10 == 9))
    accepted = refused = declined = 0
    for i in range(REQUESTS):
        buyer = BUYERS[i % len(BUYERS)]
        oid, provider, partners_only = offers[(i * 7) % len(offers)]
        if partners_only and buyer not in BUYERS[:2]:
            buyer = BUYERS[0]
        start = (i * 37) % 700
        length = 30 + (i * 13) % 150
        _, r = clients[buyer].call(
            "POST",
            f"/api/v1/municipalities/{buyer}/place-requests",
            {"offer_id": oid, "places": 1, "period_start": day(start), "period_end": day(start + length),
             "case_reference": f"BENCH-{i}"},
        )
        action = ["accept", "accept", "accept", "decline", None][i % 5]
        if action:
            status, _ = clients[provider].call(
                "POST", f"/api/v1/municipalities/{provider}/place-requests/{r['id']}/{action}", ok=(200, 409))
            if action == "decline":
                declined += 1
            elif status == 200:
                accepted += 1
            else:
                refused += 1
    calls = sum(c.count for c in clients.values())
    print(f"{OFFERS} offers and {REQUESTS} requests ({accepted} accepted, {refused} acceptances refused "
          f"for want of places, {declined} declined, the rest requested) in {calls} API calls")


def contend(base):
    vejle = Client(base, "vejle")
    _, o = vejle.call("POST", "/api/v1/municipalities/vejle/offers", {
        "name": f"Bench-kapacitet {int(time.time())}", "offer_type": "residential_institution",
        "status": "open", "approved_places": PLACES})
    buyers = {b: Client(base, b) for b in BUYERS}
    ids = []
    for i in range(ATTEMPTS):
        b = BUYERS[i % len(BUYERS)]
        # Overlapping periods, all within 2031: every acceptance competes for the same days.
        start = i % 90
        _, r = buyers[b].call("POST", f"/api/v1/municipalities/{b}/place-requests", {
            "offer_id": o["id"], "places": 1, "period_start": day(365 + start), "period_end": day(365 + 180 + start)})
        ids.append(r["id"])
    local = threading.local()
    outcomes = []

    def accept(rid):
        if not hasattr(local, "client"):
            local.client = Client(base, "vejle")
        t = time.perf_counter()
        # A 5xx is counted, not fatal: the figures show it (SQLite's busy timeout, see the results).
        status, _ = local.client.call("POST", f"/api/v1/municipalities/vejle/place-requests/{rid}/accept",
                                      ok=(200, 409, 500, 503))
        return status, time.perf_counter() - t

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        outcomes = list(pool.map(accept, ids))
    secs = time.perf_counter() - start
    ok = sum(1 for s, _ in outcomes if s == 200)
    failed = sum(1 for s, _ in outcomes if s >= 500)
    lat = sorted(d for _, d in outcomes)
    slowest = lat[-1] * 1000
    p50 = lat[len(lat) // 2] * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    # What the offer says afterwards: never more than its places booked on any day (a new
    # connection: the first one idled through the run).
    vejle = Client(base, "vejle")
    _, seen = vejle.call("GET", f"/api/v1/municipalities/vejle/offers/{o['id']}?vacancy_date={day(365 + 179)}")
    print(json.dumps({
        "attempts": ATTEMPTS, "clients": CLIENTS, "places": PLACES, "accepted": ok, "refused": ATTEMPTS - ok - failed, "failed_5xx": failed,
        "seconds": round(secs, 2), "attempts_per_s": round(ATTEMPTS / secs, 1),
        "accepted_per_s": round(ok / secs, 1), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1), "max_ms": round(slowest, 1),
        "vacant_on_busiest_day": seen.get("vacant_places"),
    }))


if __name__ == "__main__":
    {"generate": generate, "contend": contend}[sys.argv[2]](sys.argv[1])
