#!/usr/bin/env python3
"""Crash durability of acknowledged writes: concurrent writers against a release server that is
SIGKILLed at random moments and restarted on the same data; at the end every write the server
acknowledged (2xx) must read back present and unchanged.

Driven by verify/durability.sh, which makes the empty folder, the database and the cleanup.

usage: durability.py BACKEND BIN WORK PORT [GLOBAL-ARGS...]
  GLOBAL-ARGS are passed before the command (--data-dir ..., --database ...).
Environment: KILLS (default 8, plus one before the read-back), WRITERS (default 8), SEED (default: random, printed).

Writes (all with an editor token of Vejle):
  - PUT  .../targets/{id}/measurements/{date}   a new date, or a new value for a date already
                                                acknowledged (the last acknowledged value must win)
  - POST .../strategies/{id}/nodes              a node with a unique title and body
A write whose answer was lost to the kill may or may not have been kept; it is never counted as
lost, but where it overwrote a value both the old and the new value are accepted for that key
until a later write to the key is acknowledged.
"""
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

BACKEND, BIN, WORK, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
GLOBAL_ARGS = sys.argv[5:]
KILLS = int(os.environ.get("KILLS", "8"))
WRITERS = int(os.environ.get("WRITERS", "8"))
SEED = int(os.environ.get("SEED") or random.SystemRandom().randrange(1, 10**9))
ROOT = "/api/v1/municipalities/vejle"
USER, PASSWORD = "durability-editor", "durability passphrase, long enough"
LOG = os.path.join(WORK, "server.log")
PIDFILE = os.path.join(WORK, "server.pid")


class Server:
    def __init__(self):
        self.proc = None
        self.starts = 0

    def start(self):
        with open(LOG, "ab") as log:
            log.write(f"--- start {self.starts + 1}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [BIN, *GLOBAL_ARGS, "serve", "--bind", f"127.0.0.1:{PORT}"],
                cwd=WORK, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "RUST_LOG": "warn"})
        with open(PIDFILE, "w") as f:
            f.write(str(self.proc.pid))
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"server exited with {self.proc.returncode} on start {self.starts}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/health/ready")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        sys.exit("server not ready within 60 s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.kill()


class Client:
    def __init__(self, token=None):
        self.token = token
        self.conn = None

    def call(self, method, path, body=None):
        """(status, parsed body); raises OSError/HTTPException when the server is gone."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        try:
            self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        return resp.status, (json.loads(data) if data else None)

    def must(self, method, path, body=None):
        status, data = self.call(method, path, body)
        if status >= 300:
            sys.exit(f"{method} {path}: {status} {data}")
        return data


class Entry:
    def __init__(self):
        self.acked = None  # the value of the last acknowledged PUT
        self.pending = set()  # values sent after it whose answer never came


class Ledger:
    """What the server acknowledged, per key, with the values a read may show."""

    def __init__(self):
        self.lock = threading.Lock()
        self.measurements = {}  # (target, date) -> Entry
        self.nodes = {}  # id -> (kind, title, body)
        self.acknowledged = 0
        self.unanswered = 0
        self.refused = {}  # status -> count (answered but not 2xx)
        self.refusals = []  # the first few refused writes, to print

    def ack(self):
        with self.lock:
            self.acknowledged += 1

    def refuse(self, status, what, answer):
        with self.lock:
            self.refused[status] = self.refused.get(status, 0) + 1
            if len(self.refusals) < 5:
                self.refusals.append(f"{what} -> {status} {answer}")


def writer(n, token, strategy_id, target_id, ledger, stop, seed):
    rng = random.Random(seed)
    c = Client(token)
    day = 0
    acked_dates = []
    while not stop.is_set():
        op = rng.random()
        try:
            if op < 0.25:
                # Letters, not digits: a run of ten digits can look like a CPR number, which the
                # screen refuses (rightly) with 422.
                title = f"w{n} node {''.join(rng.choice('abcdefghjkmnpqrstuvwxyz') for _ in range(10))}"
                body = {"kind": "delmål", "title": title, "body": f"body of {title} æøå"}
                status, data = c.call("POST", f"{ROOT}/strategies/{strategy_id}/nodes", body)
                if 200 <= status < 300:
                    with ledger.lock:
                        ledger.nodes[data["id"]] = ("delmål", title, body["body"])
                    ledger.ack()
                else:
                    ledger.refuse(status, f"POST node {body}", data)
            else:
                overwrite = op < 0.4 and acked_dates
                if overwrite:
                    date = rng.choice(acked_dates)
                else:
                    date = time.strftime("%Y-%m-%d", time.gmtime(946684800 + 86400 * day))
                    day += 1
                value = round(rng.uniform(0, 1000), 3)
                with ledger.lock:
                    entry = ledger.measurements.setdefault((target_id, date), Entry())
                    entry.pending.add(value)  # sent: a read may show it even if the answer is lost
                status, answer = c.call("PUT", f"{ROOT}/targets/{target_id}/measurements/{date}",
                                        {"value": value, "note": f"w{n}"})
                with ledger.lock:
                    if 200 <= status < 300:
                        entry.acked, entry.pending = value, set()  # the last acknowledged value wins
                    else:
                        entry.pending.discard(value)
                if 200 <= status < 300:
                    ledger.ack()
                    if not overwrite:
                        acked_dates.append(date)
                else:
                    ledger.refuse(status, f"PUT target {target_id} {date} {value}", answer)
        except (OSError, http.client.HTTPException):
            with ledger.lock:
                ledger.unanswered += 1
            time.sleep(0.05)


def main():
    rng = random.Random(SEED)
    server = Server()
    server.start()
    create = subprocess.run(
        [BIN, *GLOBAL_ARGS, "user", "create", "--municipality", "vejle", "--username", USER,
         "--role", "editor", "--password-stdin"], cwd=WORK, input=PASSWORD + "\n", text=True,
        capture_output=True)
    if create.returncode != 0:
        sys.exit(f"user create failed: {create.stderr}")
    token = Client().must("POST", "/api/v1/auth/login", {"username": USER, "password": PASSWORD})["access_token"]
    c = Client(token)
    ledger = Ledger()
    strategy = c.must("POST", f"{ROOT}/strategies", {"title": f"Durability {BACKEND} {SEED}", "level_names": ["mål"]})
    ledger.ack()
    targets = []
    for n in range(WRITERS):
        node = c.must("POST", f"{ROOT}/strategies/{strategy['id']}/nodes",
                      {"kind": "mål", "title": f"writer {n}", "body": None})
        ledger.nodes[node["id"]] = ("mål", f"writer {n}", None)
        target = c.must("POST", f"{ROOT}/nodes/{node['id']}/targets", {
            "title": f"writer {n} target", "indicator": "Antal", "unit": "count", "direction": "increase",
            "frequency": "irregular"})
        ledger.acknowledged += 2
        targets.append(target["id"])

    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(n, token, strategy["id"], targets[n], ledger, stop, rng.random()))
               for n in range(WRITERS)]
    for t in threads:
        t.start()
    kills = 0
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.5, 3.0))
            server.kill()
            kills += 1
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join()

    # Read back on a server that has been killed once more, so the last writes face a kill too.
    server.kill()
    kills += 1
    server.start()
    c = Client(token)  # a new connection: the old one died with the server
    lost = changed = 0
    problems = []
    by_target = {}
    for (target_id, date), entry in ledger.measurements.items():
        by_target.setdefault(target_id, {})[date] = entry
    for target_id, expected in by_target.items():
        rows = {m["date"]: m for m in c.must("GET", f"{ROOT}/targets/{target_id}/measurements")}
        for date, entry in expected.items():
            row = rows.get(date)
            if entry.acked is None:
                continue  # never acknowledged: nothing was promised
            if row is None:
                lost += 1
                problems.append(f"lost: measurement target {target_id} {date} = {entry.acked}")
            elif row["value"] != entry.acked and row["value"] not in entry.pending:
                changed += 1
                problems.append(f"changed: measurement target {target_id} {date} = {row['value']},"
                                f" acknowledged {entry.acked}")
    tree = c.must("GET", f"{ROOT}/strategies/{strategy['id']}/tree")
    seen = {}
    stack = list(tree["nodes"])
    while stack:
        node = stack.pop()
        seen[node["id"]] = (node["kind"], node["title"], node.get("body"))
        stack.extend(node["children"])
    for node_id, content in ledger.nodes.items():
        if node_id not in seen:
            lost += 1
            problems.append(f"lost: node {node_id} {content}")
        elif seen[node_id] != content:
            changed += 1
            problems.append(f"changed: node {node_id} {seen[node_id]}, acknowledged {content}")
    server.stop()
    for p in problems[:20] + ledger.refusals:
        print(p, file=sys.stderr)
    refused = ", ".join(f"{k}: {v}" for k, v in sorted(ledger.refused.items())) or "none"
    print(f"seed {SEED}; {server.starts} starts; {ledger.unanswered} writes unanswered (in flight at a kill"
          f" or while down); answered but refused: {refused}", file=sys.stderr)
    print(f"durability {BACKEND}: {kills} kills, {ledger.acknowledged} writes acknowledged, {lost} lost, {changed} changed")
    # 503 is the documented "busy, retry" answer; any other refusal is a bug (ours or the server's).
    return 1 if lost or changed or set(ledger.refused) - {503} else 0


if __name__ == "__main__":
    sys.exit(main())
