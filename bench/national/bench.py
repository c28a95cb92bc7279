#!/usr/bin/env python3
"""Issue #11's national-scale benchmark: one backend, two binaries (BEFORE and AFTER), one dataset.

usage: bench.py sqlite|postgres   (run.sh calls it; settings from the environment, see README.md)

For the backend, it makes the dataset once (the BEFORE binary seeds with `seed --demo`,
generate.py adds the national rows, the BEFORE binary's CLI creates the users), then for each
binary copies it (SQLite: the data folder; PostgreSQL: CREATE DATABASE … TEMPLATE …), starts the
release server, and runs the workloads W1-W4 with wrk (16 connections) and sequential requests,
the pgbench floor of W1 (PostgreSQL), and reads the server's memory. Then it grows the dataset to
6 strategies per municipality and runs compare/overview against both binaries again. The figures
go to a JSON file and to this backend's section of bench/RESULTS.md (report.py).
Everything it makes (temp folder, databases, servers) is removed on exit.
"""
import datetime as dt
import hashlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import report  # noqa: E402

PORT = int(os.environ.get("PORT", "18190"))
BASE = f"http://127.0.0.1:{PORT}"
DURATION = int(os.environ.get("DURATION", "10").rstrip("s"))
SEQ_SECONDS = float(os.environ.get("SEQ_SECONDS", "8"))
SEQ_N = int(os.environ.get("SEQ_N", "200"))
CONNS = int(os.environ.get("CONNECTIONS", "16"))
THEME = os.environ.get("THEME", "placement-pattern")
YEAR = int(os.environ.get("YEAR", "2022"))
TREE_MUNICIPALITY = os.environ.get("TREE_MUNICIPALITY", "aarhus")
PG = {"host": os.environ.get("PGHOST", "127.0.0.1"), "port": os.environ.get("PGPORT", "5432"),
      "user": os.environ.get("PGUSER", "postgres")}
PGLOG = os.environ.get("PGLOG", "/var/log/postgresql/postgresql-15-main.log")
DB_PREFIX = "retning_nat_"
WRITERS = ["aarhus", "koebenhavn", "odense", "aalborg", "esbjerg", "randers", "kolding", "horsens",
           "vejle", "herning", "silkeborg", "roskilde", "naestved", "slagelse", "holbaek", "viborg"]
PASSWORD = "national-bench-password"
MEMBER = "nat-member-vejle"


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def psql(sql, db="postgres", check=True):
    r = subprocess.run(["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", db, "-qAt",
                        "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True)
    if check and r.returncode:
        raise RuntimeError(f"psql {sql!r}: {r.stderr.strip()}")
    return r.stdout


def pg_url(db):
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{db}"


def drop_db(db):
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def drop_our_dbs():
    for db in psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{DB_PREFIX}%'").split():
        drop_db(db)


# ---------------------------------------------------------------------------------------------
# CPU accounting: the machine is shared, so each load run records who used the cores.

CLK = os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid, db=None):
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    total, idle = sum(v[:8]), v[3] + v[4]
    server = database = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                st = f.read()
            rest = st[st.rfind(")") + 2:].split()
            j = int(rest[11]) + int(rest[12])
            if int(p) == server_pid:
                server = j
            elif db and st[st.find("(") + 1:st.rfind(")")].startswith("postgres"):
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    if f" {db} ".encode() in f.read().replace(b"\0", b" ") + b" ":
                        database += j
        except (OSError, ValueError, IndexError):
            continue
    # The load generator: wrk (a child) or this process (sequential requests).
    ru, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return {"t": time.perf_counter(), "busy": total - idle, "server": server, "database": database,
            "client": ru.ru_utime + ru.ru_stime + me.ru_utime + me.ru_stime}


def cpu_delta(a, b):
    """Cores used between two snapshots: server, its database sessions, load generator, the rest."""
    el = max(1e-6, b["t"] - a["t"])
    server = (b["server"] - a["server"]) / CLK / el
    database = (b["database"] - a["database"]) / CLK / el
    client = (b["client"] - a["client"]) / el
    busy = (b["busy"] - a["busy"]) / CLK / el
    return {"server": round(server, 2), "database": round(database, 2), "client": round(client, 2),
            "other": round(max(0.0, busy - server - database - client), 2), "machine": round(busy, 2)}


# ---------------------------------------------------------------------------------------------
# The server


def http_get(path, token=None, timeout=120, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    h = dict(headers or {})
    if token:
        h["authorization"] = f"Bearer {token}"
    c.request("GET", path, headers=h)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body, dict(r.getheaders())


class Server:
    def __init__(self, binary, args, logfile):
        self.binary, self.args, self.logfile = binary, args, logfile
        self.proc = None

    def start(self):
        env = dict(os.environ, RUST_LOG=os.environ.get("SERVER_LOG", "warn"))
        out = open(self.logfile, "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([self.binary, *self.args, "serve", "--bind", f"127.0.0.1:{PORT}"],
                                     stdout=out, stderr=out, env=env)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.logfile}:\n"
                                   + open(self.logfile, errors="replace").read()[-2000:])
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                c.request("GET", "/health/ready")
                if c.getresponse().status == 200:
                    c.close()
                    break
                c.close()
            except OSError:
                pass
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("server not ready after 120 s")
            time.sleep(0.002)
        self.start_ms = (time.perf_counter() - t0) * 1000
        return self

    def quiesce(self, db=None, limit=120):
        """Waits until the server (and, on PostgreSQL, its database sessions) use next to no CPU:
        requests still running after a load run ended would otherwise slow the next run (or make
        it wait for a connection). Returns the seconds waited."""
        t0 = time.perf_counter()
        calm = 0
        while time.perf_counter() - t0 < limit:
            a = cpu_snapshot(self.proc.pid, db)
            time.sleep(0.25)
            d = cpu_delta(a, cpu_snapshot(self.proc.pid, db))
            calm = calm + 1 if d["server"] + d["database"] < 0.05 else 0
            if calm >= 2:
                break
        return round(time.perf_counter() - t0, 1)

    def memory(self):
        """VmRSS and VmHWM in MiB."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = round(int(v.split()[0]) / 1024, 1)
        return out

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def login(user):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    c.request("POST", "/api/v1/auth/login", body=json.dumps({"username": user, "password": PASSWORD}),
              headers={"content-type": "application/json"})
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        raise RuntimeError(f"POST /api/v1/auth/login as {user}: {r.status} {body[:300]!r}")
    return json.loads(body)["access_token"]


# ---------------------------------------------------------------------------------------------
# Load: sequential requests (one connection) and wrk


def sequential(path, token=None, n=None, seconds=None):
    """Requests one after the other on one keep-alive connection: at most n, for at most
    `seconds` (at least one). Latency per request as the client sees it."""
    n, seconds = n or SEQ_N, seconds or SEQ_SECONDS
    headers = {"authorization": f"Bearer {token}"} if token else {}
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=300)
    lat, statuses, size, sample = [], {}, None, None
    c0 = cpu_snapshot(ACTIVE[0].proc.pid, ACTIVE[1])
    t_end = time.perf_counter() + seconds
    while len(lat) < n and (not lat or time.perf_counter() < t_end):
        t = time.perf_counter()
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        statuses[r.status] = statuses.get(r.status, 0) + 1
        size = len(body)
        if r.status >= 300 and sample is None:
            sample = f"{r.status} {body[:300].decode(errors='replace')}"
    conn.close()
    cpu = cpu_delta(c0, cpu_snapshot(ACTIVE[0].proc.pid, ACTIVE[1]))
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]  # noqa: E731
    return {"kind": "sequential", "path": path, "auth": bool(token), "requests": len(lat),
            "p50_ms": round(statistics.median(lat), 2), "p90_ms": round(q(0.9), 2), "max_ms": round(lat[-1], 2),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}, "bytes": size, "sample": sample,
            "cpu": cpu}


ACTIVE = None  # (the server under load, its PostgreSQL database or None): for the CPU figures

UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return round(float(m.group(1)) * UNIT_MS[m.group(2)], 2) if m else None


def wrk(path, token=None, conns=None, threads=2, script="status.lua", args=(), warm=True):
    conns = conns or CONNS
    if warm:
        http_get(path, token)  # one warm-up request, not counted
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{DURATION}s", "--timeout", "60s", "--latency",
           "-s", os.path.join(HERE, script)]
    if token:
        cmd += ["-H", f"authorization: Bearer {token}"]
    cmd.append(BASE + path)
    if args:
        cmd += ["--", *args]
    c0 = cpu_snapshot(ACTIVE[0].proc.pid, ACTIVE[1])
    out = sh(cmd)
    cpu = cpu_delta(c0, cpu_snapshot(ACTIVE[0].proc.pid, ACTIVE[1]))
    res = {"kind": "wrk", "path": path, "auth": bool(token), "connections": conns, "seconds": DURATION,
           "statuses": {}, "samples": [], "cpu": cpu}
    for line in out.splitlines():
        s = line.split()
        if not s:
            continue
        if s[0] == "Requests/sec:":
            res["rps"] = float(s[1])
        elif s[0] in ("50%", "90%", "99%"):
            res[f"p{s[0][:-1]}_ms"] = ms(s[1])
        elif s[0] == "Latency" and len(s) >= 4:
            res["max_ms"] = ms(s[3])
        elif len(s) > 3 and s[1] == "requests" and s[2] == "in":
            res["requests"] = int(s[0])
        elif line.strip().startswith("Socket errors:"):
            res["socket_errors"] = line.split(":", 1)[1].strip()
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            res["non_2xx"] = int(s[-1])
        elif s[0] == "status":
            res["statuses"][s[1]] = int(s[2])
        elif s[0] == "sample":
            res["samples"].append(line[7:])
    res["raw"] = out
    # Requests still running when wrk stopped would slow the next run: wait them out.
    res["drain_s"] = ACTIVE[0].quiesce(ACTIVE[1])
    return res


# ---------------------------------------------------------------------------------------------
# The pgbench floor of W1: the statements the server sends for one tree request, from the log.

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*)@(\S*) ([A-Z]+):  (.*)$")
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")


def parse_log(text, db):
    """Entries of the database's sessions: (pid, level, message), continuation lines joined."""
    entries = []
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            entries.append([m.group(1), m.group(3), m.group(4), m.group(5)])
        elif entries:
            entries[-1][3] += "\n" + line
    return [(pid, level, msg) for pid, d, level, msg in entries if d == db]


def statements(entries):
    """The SQL, with the logged parameters written in as literals, per backend process."""
    by_pid = {}
    for i, (pid, level, msg) in enumerate(entries):
        if level != "LOG":
            continue
        m = re.match(r"(statement|execute [^:]+): (.*)$", msg, re.S)
        if not m:
            continue
        sql = m.group(2).strip()
        if m.group(1) != "statement":
            params = {}
            if i + 1 < len(entries) and entries[i + 1][1] == "DETAIL" and entries[i + 1][2].startswith("parameters:"):
                params = {int(k): v for k, v in PARAM.findall(entries[i + 1][2])}
            sql = re.sub(r"\$(\d+)\b", lambda x: params.get(int(x.group(1)), x.group(0)), sql)
        by_pid.setdefault(pid, []).append(sql)
    return by_pid


def floor_script(db, offset, out_path):
    with open(PGLOG, errors="replace") as f:
        f.seek(offset)
        text = f.read()
    by_pid = statements(parse_log(text, db))
    if not by_pid:
        return None, "no statements logged (is PGLOG right?)"
    # The request's own connection: the one that read the nodes (a background session, if any, aside).
    pid = max(by_pid, key=lambda p: (any('"nodes"' in s or " nodes" in s for s in by_pid[p]), len(by_pid[p])))
    sql = by_pid[pid]
    note = "" if len(by_pid) == 1 else f"{len(by_pid) - 1} other session(s) logged in the same window, left out"
    with open(out_path, "w") as f:
        for s in sql:
            f.write(s.rstrip().rstrip(";") + ";\n")
    return sql, note


# The floor: the four statements a tree needs at the least (the strategy, its nodes, its
# targets, the latest two current measurements per target), hand-written, the same for every
# binary, each its own round trip and transaction (no role, no row-level-security scope).
MINIMAL_FLOOR = """\\set sid {sid}
SELECT * FROM strategies WHERE id = :sid;
SELECT * FROM nodes WHERE strategy_id = :sid ORDER BY parent_id, position, id;
SELECT * FROM targets WHERE strategy_id = :sid ORDER BY node_id, position, id;
SELECT x.target_id, x.date, x.value, x.note FROM (SELECT m.target_id, m.date, m.value, m.note, ROW_NUMBER() OVER (PARTITION BY m.target_id ORDER BY m.date DESC) AS rn FROM measurements m JOIN targets t ON t.id = m.target_id WHERE t.strategy_id = :sid AND m.superseded_at IS NULL AND m.date <= CURRENT_DATE) x WHERE x.rn <= 2;
"""


def pgbench(db, script, clients=None, duration=None, transactions=None):
    cmd = ["pgbench", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-n", "-M", "prepared",
           "-f", script]
    if transactions:
        cmd += ["-c1", f"-t{transactions}"]
    else:
        cmd += [f"-c{clients or CONNS}", "-j2", f"-T{duration or DURATION}"]
    r = subprocess.run(cmd + [db], capture_output=True, text=True)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", r.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", r.stdout)
    return {"ok": r.returncode == 0 and tps is not None, "tps": float(tps.group(1)) if tps else None,
            "failed": int(failed.group(1)) if failed else None,
            "error": None if r.returncode == 0 else (r.stderr.strip()[-600:] or r.stdout[-600:])}


# ---------------------------------------------------------------------------------------------
# The run


class Backend:
    def __init__(self, name, work):
        self.name, self.work = name, work

    def args(self, inst):
        d = os.path.join(self.work, inst)
        os.makedirs(d, exist_ok=True)
        a = ["--data-dir", d]
        if self.name == "postgres":
            a += ["--database", pg_url(DB_PREFIX + inst)]
        return a

    def create(self, inst):
        if self.name == "postgres":
            drop_db(DB_PREFIX + inst)
            psql(f"CREATE DATABASE {DB_PREFIX + inst}")

    def copy(self, src, dst):
        if self.name == "sqlite":
            shutil.rmtree(os.path.join(self.work, dst), ignore_errors=True)
            shutil.copytree(os.path.join(self.work, src), os.path.join(self.work, dst))
        else:
            drop_db(DB_PREFIX + dst)
            psql(f"CREATE DATABASE {DB_PREFIX + dst} TEMPLATE {DB_PREFIX + src}")
            os.makedirs(os.path.join(self.work, dst), exist_ok=True)

    def drop(self, inst):
        shutil.rmtree(os.path.join(self.work, inst), ignore_errors=True)
        if self.name == "postgres":
            drop_db(DB_PREFIX + inst)

    def query(self, inst, sql):
        if self.name == "sqlite":
            import sqlite3
            c = sqlite3.connect(os.path.join(self.work, inst, "retning.db"))
            rows = [tuple(r) for r in c.execute(sql).fetchall()]
            c.close()
            return rows
        out = psql(sql, DB_PREFIX + inst).strip()
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def generate(self, inst, *extra):
        target = os.path.join(self.work, inst, "retning.db") if self.name == "sqlite" else DB_PREFIX + inst
        return sh([sys.executable, os.path.join(HERE, "generate.py"), self.name, target, *extra]).strip()


def binary_info(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    st = os.stat(path)
    return {"path": path, "sha256": h.hexdigest()[:12],
            "built": dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def build_dataset(b, before):
    t0 = time.time()
    b.create("tpl")
    seeded = sh([before, *b.args("tpl"), "seed", "--demo"])
    t1 = time.time()
    generated = b.generate("tpl")
    t2 = time.time()
    users = [(MEMBER, "vejle", "viewer")] + [(f"nat-editor-{m}", m, "editor") for m in WRITERS]
    for user, m, role in users:
        subprocess.run([before, *b.args("tpl"), "user", "create", "--municipality", m, "--username", user,
                        "--role", role, "--password-stdin"], input=PASSWORD + "\n", text=True, check=True,
                       capture_output=True)
    demo = ", ".join(line.split(" synthetic")[0] for line in seeded.splitlines() if "synthetic measures" in line)
    return {"seed_demo": demo, "generated": generated, "seed_seconds": round(t1 - t0, 1),
            "generate_seconds": round(t2 - t1, 1), "users_seconds": round(time.time() - t2, 1)}


def lookups(b):
    q = lambda sql: b.query("tpl", sql)  # noqa: E731
    tree = q(f"SELECT s.id FROM strategies s JOIN municipalities m ON m.id = s.municipality_id "
             f"WHERE m.slug = '{TREE_MUNICIPALITY}' AND s.key = 'nat-strategi-1'")[0][0]
    tree_b = q("SELECT t.strategy_id, count(*) FROM targets t JOIN municipalities m ON m.id = t.municipality_id "
               "WHERE m.slug = 'vejle' AND t.source = 'computed' GROUP BY t.strategy_id ORDER BY 2 DESC, 1")[0]
    writers = []
    for m in WRITERS:
        ids = [int(r[0]) for r in q(
            f"SELECT t.id FROM targets t JOIN municipalities m ON m.id = t.municipality_id "
            f"WHERE m.slug = '{m}' AND t.key LIKE 'nat-%' AND t.source = 'manual' ORDER BY t.id")]
        writers.append((m, ids))
    counts = {t: int(q(f"SELECT count(*) FROM {t}")[0][0]) for t in
              ("municipalities", "strategies", "nodes", "targets", "measurements")}
    counts["vejle_measures"] = int(q("SELECT count(*) FROM placement_measures p JOIN municipalities m "
                                     "ON m.id = p.municipality_id WHERE m.slug = 'vejle'")[0][0])
    return {"tree": int(tree), "tree_b": int(tree_b[0]), "tree_b_computed": int(tree_b[1]),
            "writers": writers, "counts": counts}


def write_dates():
    """The dates W4 writes: after the newest generated measurement (2026-09-30), up to today."""
    d, today, out = dt.date(2026, 10, 1), dt.date.today(), []
    while d <= today:
        out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out


def run_binary(b, label, binary, look, res):
    """The workloads against one binary on a fresh copy of the dataset."""
    inst = label
    b.copy("tpl", inst)
    args = b.args(inst)
    srv_log = os.path.join(b.work, f"server-{label}.log")
    r = res[label] = {"binary": binary_info(binary), "errors": []}
    tree = f"/api/v1/municipalities/{TREE_MUNICIPALITY}/strategies/{look['tree']}/tree"
    script = os.path.join(b.work, f"floor-{label}.sql")
    # A first start applies the binary's own migrations (AFTER adds some); on PostgreSQL this
    # start also logs the statements of one tree request for the pgbench floor.
    if b.name == "postgres":
        psql(f"ALTER DATABASE {DB_PREFIX + inst} SET log_statement = 'all'")
    s = Server(binary, args, srv_log).start()
    r["first_start_ms"] = round(s.start_ms, 1)
    try:
        if b.name == "postgres":
            http_get(tree)
            time.sleep(0.2)
            offset = os.path.getsize(PGLOG)
            status, _, _ = http_get(tree)
            time.sleep(0.5)
            s.stop()
            sql, note = floor_script(DB_PREFIX + inst, offset, script)
            r["floor_capture"] = {"status": status, "statements": len(sql or []), "note": note,
                                  "script": open(script).read() if sql else None}
            if sql:
                check = pgbench(DB_PREFIX + inst, script, transactions=1)
                if not check["ok"]:
                    r["floor_capture"]["error"] = check["error"]
    finally:
        s.stop()
        if b.name == "postgres":
            psql(f"ALTER DATABASE {DB_PREFIX + inst} RESET log_statement")

    global ACTIVE
    s = Server(binary, args, srv_log).start()
    ACTIVE = (s, DB_PREFIX + inst if b.name == "postgres" else None)
    try:
        r["start_ms"] = round(s.start_ms, 1)
        r["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
        r["memory_start"] = s.memory()
        member = login(MEMBER)
        editors = {m: login(f"nat-editor-{m}") for m in WRITERS}
        w = r["workloads"] = {}
        log(f"{b.name}/{label}: started in {s.start_ms:.0f} ms; W1")
        w["w1_seq"] = sequential(tree)
        w["w1_c16"] = wrk(tree)
        if b.name == "postgres" and r["floor_capture"].get("statements") and not r["floor_capture"].get("error"):
            log(f"{b.name}/{label}: pgbench floor")
            w["w1_floor"] = pgbench(DB_PREFIX + inst, script)
        if b.name == "postgres":
            minimal = os.path.join(b.work, f"floor-minimal-{label}.sql")
            with open(minimal, "w") as f:
                f.write(MINIMAL_FLOOR.replace("{sid}", str(look["tree"])))
            w["w1_floor_minimal"] = pgbench(DB_PREFIX + inst, minimal)
        log(f"{b.name}/{label}: W1b, targets list, W2")
        w["w1b_seq"] = sequential(f"/api/v1/municipalities/vejle/strategies/{look['tree_b']}/tree")
        w["targets_c16"] = wrk("/api/v1/municipalities/vejle/targets?limit=50")
        compare = f"/api/v1/compare?theme={THEME}"
        w["compare_seq"] = sequential(compare)
        st, body, headers = http_get(compare, headers={"accept-encoding": "gzip"})
        w["compare_seq"]["bytes_if_gzip_asked"] = len(body)
        w["compare_seq"]["content_encoding"] = headers.get("content-encoding") or headers.get("Content-Encoding")
        w["compare_c16"] = wrk(compare)
        w["overview_c16"] = wrk("/api/v1/compare/overview")
        log(f"{b.name}/{label}: W3, W4")
        stats = f"/api/v1/municipalities/vejle/placements/statistics?year={YEAR}"
        w["w3_member_seq"] = sequential(stats, member)
        w["w3_public_seq"] = sequential(stats)
        config = os.path.join(b.work, f"writers-{label}.lua")
        with open(config, "w") as f:
            f.write("return {\n  dates = {" + ", ".join(f'"{d}"' for d in write_dates()) + "},\n  writers = {\n")
            for m, ids in look["writers"]:
                f.write(f'    {{municipality = "{m}", token = "{editors[m]}", targets = {{{", ".join(map(str, ids))}}}}},\n')
            f.write("  },\n}\n")
        w["w4_c16"] = wrk(f"/api/v1/municipalities/{WRITERS[0]}/targets/{look['writers'][0][1][0]}",
                          threads=CONNS, script="writes.lua", args=(config,), warm=False)
        w["w4_c16"]["path"] = "PUT /api/v1/municipalities/{m}/targets/{id}/measurements/{date}"
        r["memory_end"] = s.memory()
        r["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    finally:
        s.stop()
    r["server_log_errors"] = log_problems(srv_log)
    b.drop(inst)


def log_problems(path, keep=20):
    """The server's ERROR and WARN lines (colours taken out), the first `keep` and how many."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in open(path, errors="replace")]
    bad = [line for line in lines if re.search(r"\b(ERROR|WARN)\b", line)]
    return {"count": len(bad), "first": [line[:500] for line in bad[:keep]]}


def run_overview6(b, label, binary, res):
    inst = f"{label}6"
    b.copy("tpl", inst)
    global ACTIVE
    s = Server(binary, b.args(inst), os.path.join(b.work, f"server-{inst}.log")).start()
    ACTIVE = (s, DB_PREFIX + inst if b.name == "postgres" else None)
    try:
        res[label]["workloads"]["overview6_seq"] = sequential("/api/v1/compare/overview", n=20)
        res[label]["workloads"]["overview6_c16"] = wrk("/api/v1/compare/overview")
    finally:
        s.stop()
    res[label]["server_log_errors6"] = log_problems(os.path.join(b.work, f"server-{inst}.log"))
    b.drop(inst)


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    pg = psql("SHOW server_version").strip() if shutil.which("psql") else None
    wrk_v = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("Copyright")[0].strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem / 1024 / 1024, 1),
            "kernel": os.uname().release, "postgres": pg, "wrk": wrk_v}


def git(*a, cwd=REPO):
    r = subprocess.run(["git", "-C", cwd, *a], capture_output=True, text=True)
    return r.stdout.strip() or None


def main():
    backend = sys.argv[1]
    before = os.path.abspath(os.environ["BEFORE"])
    after = os.path.abspath(os.environ.get("AFTER") or before)
    work = tempfile.mkdtemp(prefix=f"retning-national-{backend}-")
    b = Backend(backend, work)
    t0 = time.time()
    res = {"backend": backend, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "command": os.environ.get("BENCH_COMMAND", f"bench/national/run.sh {backend}"),
           "settings": {"duration_s": DURATION, "connections": CONNS, "seq_n": SEQ_N, "seq_seconds": SEQ_SECONDS,
                        "theme": THEME, "year": YEAR, "tree_municipality": TREE_MUNICIPALITY},
           "commits": {"bench": git("rev-parse", "--short", "HEAD"),
                       "main": git("rev-parse", "--short", "HEAD", cwd=os.environ.get("MAIN_REPO", "/work/main")),
                       "before": os.environ.get("BEFORE_COMMIT"), "after": os.environ.get("AFTER_COMMIT")},
           "same_binary": before == after, "machine": machine()}

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        if backend == "postgres":
            drop_our_dbs()
            if not os.access(PGLOG, os.R_OK):
                log(f"warning: cannot read {PGLOG} (set PGLOG): no pgbench floor")
        log(f"{backend}: building the dataset in {work}")
        res["dataset"] = build_dataset(b, before)
        look = lookups(b)
        res["dataset"].update({"counts": look["counts"], "tree_strategy": look["tree"],
                               "tree_b_strategy": look["tree_b"], "tree_b_computed_targets": look["tree_b_computed"]})
        log(f"{backend}: dataset {res['dataset']['generated']}")
        for label, binary in (("before", before), ("after", after)):
            run_binary(b, label, binary, look, res)
        log(f"{backend}: growing to 6 strategies per municipality")
        t = time.time()
        res["dataset"]["generated6"] = b.generate("tpl", "--first-strategy", "3", "--strategies", "3", "--no-measures")
        res["dataset"]["targets6"] = int(b.query("tpl", "SELECT count(*) FROM targets")[0][0])
        res["dataset"]["generate6_seconds"] = round(time.time() - t, 1)
        for label, binary in (("before", before), ("after", after)):
            run_overview6(b, label, binary, res)
    finally:
        res["total_seconds"] = round(time.time() - t0)
        out = os.environ.get("RESULTS_JSON", f"/tmp/retning-national-{backend}.json")
        with open(out, "w") as f:
            json.dump(res, f, indent=1)
        log(f"{backend}: raw figures in {out}")
        if backend == "postgres":
            drop_our_dbs()
        shutil.rmtree(work, ignore_errors=True)
    report.write(res, os.path.join(REPO, "bench", "RESULTS.md"))
    log(f"{backend}: done in {res['total_seconds']} s")


if __name__ == "__main__":
    main()
