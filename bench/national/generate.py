#!/usr/bin/env python3
"""The national-scale dataset of issue #11, written straight into a seeded Retning database.

Run it after `retning seed --demo` made and seeded the database (the binary owns the schema; this
only adds rows shaped like the seeded ones):

  - the 98 Danish municipalities (the seed has 8; the other 90 are added with their real codes,
    names and regions),
  - per municipality four organisational units and STRATEGIES strategies (public, active), each
    with 50 nodes (10 areas of 4 goals) and 60 targets (20 goals carry two), 20-40 quarterly
    measurements per target (about 530,000 at 3 strategies), node and target themes drawn from
    the seeded themes, units, baselines, target values and deadlines,
  - 150,000 placement measures in Vejle over 2016-2025 (the demo's measures count towards them;
    the rest are generated here, marked synthetic), realistic kinds, staircase steps, legal
    bases, providers, costs and evidence programmes.

Deterministic: every random draw comes from an RNG seeded by the row's place (municipality slug,
strategy number), so every run writes the same rows, on both backends.

usage: generate.py sqlite PATH/retning.db  [--first-strategy K] [--strategies N] [--no-measures]
       generate.py postgres DBNAME          (same options; psql on 127.0.0.1:5432 as postgres)
--first-strategy K --strategies N adds strategies K+1 .. K+N per municipality (the default 0 / 3;
`--first-strategy 3 --strategies 3 --no-measures` grows a generated dataset to 6 per municipality).
Prints one line of counts.
"""
import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time

# The 98 municipalities: code, slug (ASCII: æ -> ae, ø -> oe, å -> aa), name, region.
MUNICIPALITIES = [
    ("101", "koebenhavn", "Københavns Kommune", "Region Hovedstaden"),
    ("147", "frederiksberg", "Frederiksberg Kommune", "Region Hovedstaden"),
    ("151", "ballerup", "Ballerup Kommune", "Region Hovedstaden"),
    ("153", "broendby", "Brøndby Kommune", "Region Hovedstaden"),
    ("155", "dragoer", "Dragør Kommune", "Region Hovedstaden"),
    ("157", "gentofte", "Gentofte Kommune", "Region Hovedstaden"),
    ("159", "gladsaxe", "Gladsaxe Kommune", "Region Hovedstaden"),
    ("161", "glostrup", "Glostrup Kommune", "Region Hovedstaden"),
    ("163", "herlev", "Herlev Kommune", "Region Hovedstaden"),
    ("165", "albertslund", "Albertslund Kommune", "Region Hovedstaden"),
    ("167", "hvidovre", "Hvidovre Kommune", "Region Hovedstaden"),
    ("169", "hoeje-taastrup", "Høje-Taastrup Kommune", "Region Hovedstaden"),
    ("173", "lyngby-taarbaek", "Lyngby-Taarbæk Kommune", "Region Hovedstaden"),
    ("175", "roedovre", "Rødovre Kommune", "Region Hovedstaden"),
    ("183", "ishoej", "Ishøj Kommune", "Region Hovedstaden"),
    ("185", "taarnby", "Tårnby Kommune", "Region Hovedstaden"),
    ("187", "vallensbaek", "Vallensbæk Kommune", "Region Hovedstaden"),
    ("190", "furesoe", "Furesø Kommune", "Region Hovedstaden"),
    ("201", "alleroed", "Allerød Kommune", "Region Hovedstaden"),
    ("210", "fredensborg", "Fredensborg Kommune", "Region Hovedstaden"),
    ("217", "helsingoer", "Helsingør Kommune", "Region Hovedstaden"),
    ("219", "hilleroed", "Hillerød Kommune", "Region Hovedstaden"),
    ("223", "hoersholm", "Hørsholm Kommune", "Region Hovedstaden"),
    ("230", "rudersdal", "Rudersdal Kommune", "Region Hovedstaden"),
    ("240", "egedal", "Egedal Kommune", "Region Hovedstaden"),
    ("250", "frederikssund", "Frederikssund Kommune", "Region Hovedstaden"),
    ("253", "greve", "Greve Kommune", "Region Sjælland"),
    ("259", "koege", "Køge Kommune", "Region Sjælland"),
    ("260", "halsnaes", "Halsnæs Kommune", "Region Hovedstaden"),
    ("265", "roskilde", "Roskilde Kommune", "Region Sjælland"),
    ("269", "solroed", "Solrød Kommune", "Region Sjælland"),
    ("270", "gribskov", "Gribskov Kommune", "Region Hovedstaden"),
    ("306", "odsherred", "Odsherred Kommune", "Region Sjælland"),
    ("316", "holbaek", "Holbæk Kommune", "Region Sjælland"),
    ("320", "faxe", "Faxe Kommune", "Region Sjælland"),
    ("326", "kalundborg", "Kalundborg Kommune", "Region Sjælland"),
    ("329", "ringsted", "Ringsted Kommune", "Region Sjælland"),
    ("330", "slagelse", "Slagelse Kommune", "Region Sjælland"),
    ("336", "stevns", "Stevns Kommune", "Region Sjælland"),
    ("340", "soroe", "Sorø Kommune", "Region Sjælland"),
    ("350", "lejre", "Lejre Kommune", "Region Sjælland"),
    ("360", "lolland", "Lolland Kommune", "Region Sjælland"),
    ("370", "naestved", "Næstved Kommune", "Region Sjælland"),
    ("376", "guldborgsund", "Guldborgsund Kommune", "Region Sjælland"),
    ("390", "vordingborg", "Vordingborg Kommune", "Region Sjælland"),
    ("400", "bornholm", "Bornholms Regionskommune", "Region Hovedstaden"),
    ("410", "middelfart", "Middelfart Kommune", "Region Syddanmark"),
    ("420", "assens", "Assens Kommune", "Region Syddanmark"),
    ("430", "faaborg-midtfyn", "Faaborg-Midtfyn Kommune", "Region Syddanmark"),
    ("440", "kerteminde", "Kerteminde Kommune", "Region Syddanmark"),
    ("450", "nyborg", "Nyborg Kommune", "Region Syddanmark"),
    ("461", "odense", "Odense Kommune", "Region Syddanmark"),
    ("479", "svendborg", "Svendborg Kommune", "Region Syddanmark"),
    ("480", "nordfyns", "Nordfyns Kommune", "Region Syddanmark"),
    ("482", "langeland", "Langeland Kommune", "Region Syddanmark"),
    ("492", "aeroe", "Ærø Kommune", "Region Syddanmark"),
    ("510", "haderslev", "Haderslev Kommune", "Region Syddanmark"),
    ("530", "billund", "Billund Kommune", "Region Syddanmark"),
    ("540", "soenderborg", "Sønderborg Kommune", "Region Syddanmark"),
    ("550", "toender", "Tønder Kommune", "Region Syddanmark"),
    ("561", "esbjerg", "Esbjerg Kommune", "Region Syddanmark"),
    ("563", "fanoe", "Fanø Kommune", "Region Syddanmark"),
    ("573", "varde", "Varde Kommune", "Region Syddanmark"),
    ("575", "vejen", "Vejen Kommune", "Region Syddanmark"),
    ("580", "aabenraa", "Aabenraa Kommune", "Region Syddanmark"),
    ("607", "fredericia", "Fredericia Kommune", "Region Syddanmark"),
    ("615", "horsens", "Horsens Kommune", "Region Midtjylland"),
    ("621", "kolding", "Kolding Kommune", "Region Syddanmark"),
    ("630", "vejle", "Vejle Kommune", "Region Syddanmark"),
    ("657", "herning", "Herning Kommune", "Region Midtjylland"),
    ("661", "holstebro", "Holstebro Kommune", "Region Midtjylland"),
    ("665", "lemvig", "Lemvig Kommune", "Region Midtjylland"),
    ("671", "struer", "Struer Kommune", "Region Midtjylland"),
    ("706", "syddjurs", "Syddjurs Kommune", "Region Midtjylland"),
    ("707", "norddjurs", "Norddjurs Kommune", "Region Midtjylland"),
    ("710", "favrskov", "Favrskov Kommune", "Region Midtjylland"),
    ("727", "odder", "Odder Kommune", "Region Midtjylland"),
    ("730", "randers", "Randers Kommune", "Region Midtjylland"),
    ("740", "silkeborg", "Silkeborg Kommune", "Region Midtjylland"),
    ("741", "samsoe", "Samsø Kommune", "Region Midtjylland"),
    ("746", "skanderborg", "Skanderborg Kommune", "Region Midtjylland"),
    ("751", "aarhus", "Aarhus Kommune", "Region Midtjylland"),
    ("756", "ikast-brande", "Ikast-Brande Kommune", "Region Midtjylland"),
    ("760", "ringkoebing-skjern", "Ringkøbing-Skjern Kommune", "Region Midtjylland"),
    ("766", "hedensted", "Hedensted Kommune", "Region Midtjylland"),
    ("773", "morsoe", "Morsø Kommune", "Region Nordjylland"),
    ("779", "skive", "Skive Kommune", "Region Midtjylland"),
    ("787", "thisted", "Thisted Kommune", "Region Nordjylland"),
    ("791", "viborg", "Viborg Kommune", "Region Midtjylland"),
    ("810", "broenderslev", "Brønderslev Kommune", "Region Nordjylland"),
    ("813", "frederikshavn", "Frederikshavn Kommune", "Region Nordjylland"),
    ("820", "vesthimmerlands", "Vesthimmerlands Kommune", "Region Nordjylland"),
    ("825", "laesoe", "Læsø Kommune", "Region Nordjylland"),
    ("840", "rebild", "Rebild Kommune", "Region Nordjylland"),
    ("846", "mariagerfjord", "Mariagerfjord Kommune", "Region Nordjylland"),
    ("849", "jammerbugt", "Jammerbugt Kommune", "Region Nordjylland"),
    ("851", "aalborg", "Aalborg Kommune", "Region Nordjylland"),
    ("860", "hjoerring", "Hjørring Kommune", "Region Nordjylland"),
]
assert len(MUNICIPALITIES) == 98 and len({m[1] for m in MUNICIPALITIES}) == 98

# Fixed timestamps, so that the rows are the same every run.
CREATED = dt.datetime(2026, 1, 5, 8, 0, 0)
LAST_QUARTER = dt.date(2026, 9, 30)  # the newest generated measurement
MEASURE_FROM, MEASURE_TO = dt.date(2016, 1, 1), dt.date(2025, 12, 31)
BARNETS_LOV_FROM = dt.date(2024, 1, 1)
VEJLE_MEASURES = 150_000
AREAS, GOALS, TARGETS = 10, 4, 60

UNITS = [
    ("nat-myndighed", "Børne- og familierådgivningen (myndighed)", "afdeling"),
    ("nat-familiecenter", "Familiecentret", "afdeling"),
    ("nat-ppr", "Pædagogisk Psykologisk Rådgivning", "afdeling"),
    ("nat-sundhedspleje", "Sundhedsplejen", "afdeling"),
]
STRATEGY_TITLES = [
    ("Børne- og ungepolitik", 2016, 2027),
    ("Strategi for udsatte børn og unge", 2018, 2028),
    ("Handleplan for tidlig indsats", 2020, 2029),
    ("Sammenhængende børnepolitik", 2019, 2030),
    ("Strategi for indsatstrappen", 2021, 2030),
    ("Handleplan for anbringelsesområdet", 2022, 2031),
]
AREA_TITLES = [
    "Tidlig opsporing i dagtilbud og skole",
    "Forebyggende indsatser i familien",
    "Flere børn anbragt i familiepleje og netværk",
    "Skolegang og uddannelse for anbragte børn",
    "Inddragelse af børn, unge og forældre",
    "Tværfagligt samarbejde om barnet",
    "Kvalitet og rettidighed i sagsbehandlingen",
    "Evidensbaserede programmer",
    "Økonomisk balance på det specialiserede område",
    "Data og opfølgning",
]
GOAL_TITLES = [
    "Vi sætter tidligere ind",
    "Vi følger op på effekten",
    "Vi samarbejder på tværs",
    "Vi styrker netværket omkring barnet",
]
# Indicator, unit, typical baseline range.
INDICATORS = [
    ("Andel anbragte i plejefamilie", "percent", (40, 70)),
    ("Andel anbragte i netværkspleje", "percent", (5, 20)),
    ("Andel underretninger behandlet inden for 24 timer", "percent", (60, 95)),
    ("Andel anbragte børn med afgangsprøve i dansk og matematik", "percent", (20, 55)),
    ("Andel børnefaglige undersøgelser afsluttet inden for fire måneder", "percent", (50, 90)),
    ("Antal helårsanbringelser", "count", (40, 600)),
    ("Antal forebyggende foranstaltninger", "count", (80, 1200)),
    ("Antal familier i evidensbaserede programmer", "count", (10, 150)),
    ("Udgifter til anbringelser (kr.)", "dkk", (20_000_000, 400_000_000)),
    ("Udgifter til forebyggende foranstaltninger (kr.)", "dkk", (5_000_000, 120_000_000)),
    ("Underretninger pr. 1.000 børn", "ratio", (20, 60)),
    ("Anbringelser pr. 1.000 børn", "ratio", (5, 15)),
]

THEMES_WEIGHTED = {  # the seeded themes; finer themes more often than the three pejlemærker
    "early-preventive-effort": 1, "coherent-effort": 1, "targeted-effort-effect": 1,
    "early-detection": 3, "placement-pattern": 3, "cross-professional-cooperation": 3,
    "involvement": 3, "learning-school": 3, "case-work-quality": 3, "evidence-effect": 3,
    "economy-steering": 3, "data-knowledge": 3,
}


def quarter_ends(last, n):
    out, y, q = [], last.year, (last.month - 1) // 3 + 1
    for _ in range(n):
        month = q * 3
        out.append(dt.date(y, month, {3: 31, 6: 30, 9: 30, 12: 31}[month]))
        q -= 1
        if q == 0:
            y, q = y - 1, 4
    return out[::-1]


def ts(t):
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


# ---------------------------------------------------------------------------------------------
# Backends: read a few lookups, bulk-insert rows (the same rows on both).


class Sqlite:
    def __init__(self, path):
        import sqlite3
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA busy_timeout = 5000")

    def query(self, sql):
        return [tuple(r) for r in self.db.execute(sql).fetchall()]

    def insert(self, table, cols, rows):
        if not rows:
            return
        conv = [[int(v) if isinstance(v, bool) else (ts(v) if isinstance(v, dt.datetime) else
                 (v.isoformat() if isinstance(v, dt.date) else v)) for v in r] for r in rows]
        self.db.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", conv)

    def begin(self):
        self.db.execute("BEGIN")

    def commit(self):
        self.db.commit()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()


class Postgres:
    def __init__(self, dbname):
        self.dbname = dbname
        self.tmp = tempfile.mkdtemp(prefix="retning-nat-gen-")
        self.loads = []

    def psql(self, *args, input=None):
        cmd = ["psql", "-h", os.environ.get("PGHOST", "127.0.0.1"), "-p", os.environ.get("PGPORT", "5432"),
               "-U", os.environ.get("PGUSER", "postgres"), "-d", self.dbname, "-v", "ON_ERROR_STOP=1", "-qAt", *args]
        return subprocess.run(cmd, input=input, capture_output=True, text=True, check=True).stdout

    def query(self, sql):
        out = self.psql("-F", "\t", "-c", sql)
        return [tuple(None if c == "" else c for c in line.split("\t")) for line in out.splitlines() if line]

    @staticmethod
    def field(v):
        if v is None:
            return r"\N"
        if isinstance(v, bool):
            return "t" if v else "f"
        if isinstance(v, dt.datetime):
            return ts(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        s = str(v)
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    def insert(self, table, cols, rows):
        if not rows:
            return
        path = os.path.join(self.tmp, f"{len(self.loads):02d}-{table}.tsv")
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                f.write("\t".join(self.field(v) for v in r))
                f.write("\n")
        self.loads.append((table, cols, path))

    def begin(self):
        pass

    def commit(self):
        script = ["BEGIN;"]
        tables = []
        for table, cols, path in self.loads:
            script.append(f"\\copy {table} ({', '.join(cols)}) FROM '{path}'")
            if table not in tables:
                tables.append(table)
        for t in tables:
            if "id" in dict(COLUMN_SETS)[t]:
                script.append(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}));")
        script.append("COMMIT;")
        script.append("ANALYZE;")
        self.psql("-f", "-", input="\n".join(script) + "\n")
        for _, _, path in self.loads:
            os.remove(path)
        os.rmdir(self.tmp)


COLUMN_SETS = [
    ("municipalities", ["id", "slug", "code", "name", "region", "created_at", "updated_at"]),
    ("units", ["id", "municipality_id", "key", "name", "kind", "parent_id", "created_at"]),
    ("strategies", ["id", "municipality_id", "key", "title", "summary", "visibility", "status", "period_start",
                    "period_end", "adopted_by", "adopted_on", "source_file", "source_title", "source_published",
                    "source_notes", "level_names", "follow_up_rhythm", "created_at", "updated_at", "archived_at"]),
    ("strategy_follow_ups", ["id", "municipality_id", "strategy_id", "date", "label"]),
    ("nodes", ["id", "municipality_id", "strategy_id", "parent_id", "position", "kind", "code", "title", "body",
               "unit_id", "created_at", "updated_at"]),
    ("node_themes", ["node_id", "theme_id", "municipality_id"]),
    ("targets", ["id", "municipality_id", "strategy_id", "node_id", "key", "position", "title", "indicator", "unit",
                 "direction", "baseline_value", "baseline_date", "target_value", "deadline", "frequency",
                 "owner_unit_id", "source", "computed_indicator", "created_at", "updated_at"]),
    ("target_themes", ["target_id", "theme_id", "municipality_id"]),
    ("measurements", ["id", "municipality_id", "target_id", "date", "value", "note", "recorded_by", "recorded_at",
                      "superseded_at", "superseded_by"]),
    ("placement_measures", ["id", "municipality_id", "child_ref", "birth_year", "category", "kind", "step_id",
                            "standard_step", "legal_law", "legal_paragraph", "legal_stk", "legal_nr", "consent",
                            "start_date", "end_date", "provider_type", "provider_name", "provider_municipality_id",
                            "yearly_cost_dkk", "evidence_programme_id", "note", "synthetic", "created_at",
                            "updated_at", "place_request_id"]),
]


class Ids:
    """Hands out ids after the largest one each table holds."""

    def __init__(self, db):
        self.next = {}
        for table, cols in COLUMN_SETS:
            if "id" in cols:
                (m,) = db.query(f"SELECT coalesce(max(id), 0) FROM {table}")[0]
                self.next[table] = int(m) + 1

    def __call__(self, table):
        i = self.next[table]
        self.next[table] += 1
        return i


# ---------------------------------------------------------------------------------------------
# Goals: municipalities, units, strategies, nodes, targets, measurements.


def series(rng, unit, lo_hi, direction, n):
    """Baseline, target value and n values walking from the baseline towards the target."""
    lo, hi = lo_hi
    base = rng.uniform(lo, hi)
    change = rng.uniform(0.1, 0.35)
    if direction == "increase":
        target = base * (1 + change)
    elif direction == "decrease":
        target = base * (1 - change)
    else:
        target = base
    reach = rng.uniform(0.2, 1.2)  # how far along the way the newest value is
    noise = abs(target - base) * 0.15 + base * 0.02
    values = []
    for i in range(n):
        v = base + (target - base) * reach * i / max(1, n - 1) + rng.gauss(0, noise)
        values.append(v)

    def fit(v):
        if unit == "percent":
            return round(min(100.0, max(0.0, v)), 1)
        if unit == "count":
            return float(max(0, round(v)))
        if unit == "dkk":
            return float(max(0, round(v / 1000) * 1000))
        return round(max(0.0, v), 2)

    return fit(base), fit(target), [fit(v) for v in values]


def goals(db, ids, first, count, muni_ids, theme_ids, out):
    themes = sorted(theme_ids)
    weights = [THEMES_WEIGHTED.get(t, 1) for t in themes]
    units_of = {}
    existing_units = {(int(m), k): int(i) for i, m, k in db.query("SELECT id, municipality_id, key FROM units")}
    for code, slug, _, _ in MUNICIPALITIES:
        mid = muni_ids[slug]
        us = []
        for key, name, kind in UNITS:
            uid = existing_units.get((mid, key))
            if uid is None:
                uid = ids("units")
                out["units"].append((uid, mid, key, name, kind, None, CREATED))
            us.append(uid)
        units_of[slug] = us
    for code, slug, name, _ in MUNICIPALITIES:
        mid = muni_ids[slug]
        units = units_of[slug]
        for s in range(first, first + count):
            rng = random.Random(f"retning-national:{slug}:{s}")
            title, y0, y1 = STRATEGY_TITLES[s % len(STRATEGY_TITLES)]
            sid = ids("strategies")
            start, end = dt.date(y0, 1, 1), dt.date(y1, 12, 31)
            out["strategies"].append((
                sid, mid, f"nat-strategi-{s + 1}", f"{title} {y0}-{y1}",
                f"{name}s {title.lower()} for {y0}-{y1} (benchmark data, bench/national).",
                "public", "active", start, end, "Byrådet", start - dt.timedelta(days=rng.randint(20, 90)),
                None, None, None, None, '["indsatsområde","mål"]', "quarterly", CREATED, CREATED, None))
            for label, d in (("Halvårlig opfølgning", dt.date(2025, 6, 30)), ("Årlig status", dt.date(2025, 12, 31))):
                out["strategy_follow_ups"].append((ids("strategy_follow_ups"), mid, sid, d, label))
            goal_nodes = []
            for a in range(AREAS):
                aid = ids("nodes")
                out["nodes"].append((aid, mid, sid, None, a, "indsatsområde", str(a + 1), AREA_TITLES[a],
                                     None if rng.random() < 0.5 else f"Indsatsområde {a + 1} i {title.lower()}.",
                                     units[a % len(units)] if rng.random() < 0.6 else None, CREATED, CREATED))
                for t in sorted(set(rng.choices(themes, weights, k=rng.randint(1, 2)))):
                    out["node_themes"].append((aid, theme_ids[t], mid))
                for g in range(GOALS):
                    gid = ids("nodes")
                    out["nodes"].append((gid, mid, sid, aid, g, "mål", f"{a + 1}.{g + 1}",
                                         f"{GOAL_TITLES[g]} ({AREA_TITLES[a].lower()})", None, None, CREATED, CREATED))
                    if rng.random() < 0.5:
                        out["node_themes"].append((gid, theme_ids[rng.choices(themes, weights)[0]], mid))
                    goal_nodes.append((gid, a, g))
            # 60 targets on the 40 goals: the first 20 goals carry two.
            for i, (gid, a, g) in enumerate(goal_nodes):
                for k in range(2 if i < TARGETS - len(goal_nodes) else 1):
                    indicator, unit, lo_hi = INDICATORS[rng.randrange(len(INDICATORS))]
                    direction = rng.choices(["increase", "decrease", "keep"], [0.45, 0.45, 0.1])[0]
                    n = rng.randint(20, 40)
                    dates = quarter_ends(LAST_QUARTER, n)
                    base, target, values = series(rng, unit, lo_hi, direction, n)
                    deadline = dt.date(y1 - rng.randint(0, 2), 12, 31)
                    tid = ids("targets")
                    verb = {"increase": "øges", "decrease": "nedbringes", "keep": "fastholdes"}[direction]
                    out["targets"].append((
                        tid, mid, sid, gid, f"nat-s{s + 1}-{a + 1}-{g + 1}-{k + 1}", k,
                        f"{indicator} {verb} til {target:g} inden {deadline.year}", indicator, unit, direction,
                        base, dates[0], target, deadline, "quarterly",
                        units[rng.randrange(len(units))] if rng.random() < 0.5 else None,
                        "manual", None, CREATED, CREATED))
                    if rng.random() < 0.6:
                        out["target_themes"].append((tid, theme_ids[rng.choices(themes, weights)[0]], mid))
                    for d, v in zip(dates, values):
                        out["measurements"].append((
                            ids("measurements"), mid, tid, d, v,
                            "Foreløbigt tal" if rng.random() < 0.03 else None, "nat-bench",
                            dt.datetime.combine(d + dt.timedelta(days=15), dt.time(9, 0)), None, None))


# ---------------------------------------------------------------------------------------------
# Placements: Vejle's measures, shaped like the demo's (modules/placements/src/demo.rs).

SUPPORT_KINDS = [("tidlig_indsats", 0.08), ("raadgivning", 0.16), ("kontaktperson", 0.16),
                 ("forebyggende_indsats", 0.10), ("praktisk_paedagogisk_stoette", 0.18),
                 ("familiebehandling", 0.20), ("aflastning", 0.09), ("doegnophold_familie", 0.03)]
STEP = {"netvaerksplejefamilie": 4, "almen_plejefamilie": 5, "forstaerket_plejefamilie": 5,
        "specialiseret_plejefamilie": 5, "kommunal_plejefamilie": 5, "eget_vaerelse": 6, "opholdssted": 6,
        "doegninstitution": 6, "sikret_doegninstitution": 6, "boerne_og_ungehjem": 6, "efterskole": 6,
        "skibsprojekt": 6, "tidlig_indsats": 1, "raadgivning": 2, "kontaktperson": 2, "forebyggende_indsats": 2,
        "praktisk_paedagogisk_stoette": 3, "familiebehandling": 3, "doegnophold_familie": 3, "aflastning": 3,
        "anden_stoette": 3}
COST = {"netvaerksplejefamilie": (150, 250), "almen_plejefamilie": (300, 450), "kommunal_plejefamilie": (380, 600),
        "forstaerket_plejefamilie": (380, 600), "specialiseret_plejefamilie": (600, 900), "opholdssted": (550, 850),
        "doegninstitution": (700, 1100), "boerne_og_ungehjem": (700, 1100), "sikret_doegninstitution": (2500, 3500),
        "eget_vaerelse": (200, 350), "efterskole": (150, 250), "skibsprojekt": (800, 1200)}
SEL_SUPPORT = {"tidlig_indsats": ("11", 3, None), "forebyggende_indsats": ("11", 3, None),
               "raadgivning": ("52", 3, 1), "praktisk_paedagogisk_stoette": ("52", 3, 2),
               "familiebehandling": ("52", 3, 3), "doegnophold_familie": ("52", 3, 4), "aflastning": ("52", 3, 5),
               "kontaktperson": ("52", 3, 6)}


def placement_kind(rng, start):
    group = rng.choices([0, 1, 2], [0.10, 0.54, 0.36])[0]
    if group == 0:
        return "netvaerksplejefamilie"
    if group == 1:
        if start.year < 2019:
            return rng.choices(["almen_plejefamilie", "kommunal_plejefamilie"], [0.85, 0.15])[0]
        return rng.choices(["almen_plejefamilie", "forstaerket_plejefamilie", "specialiseret_plejefamilie",
                            "kommunal_plejefamilie"], [0.55, 0.25, 0.1, 0.1])[0]
    institution = "doegninstitution" if start < BARNETS_LOV_FROM else "boerne_og_ungehjem"
    return rng.choices(["opholdssted", institution, "eget_vaerelse", "efterskole", "sikret_doegninstitution",
                        "skibsprojekt"], [0.38, 0.38, 0.12, 0.07, 0.03, 0.02])[0]


def legal(category, kind, start, consent):
    sel = start < BARNETS_LOV_FROM
    if category == "placement":
        if sel:
            return ("SEL", "52", 3, 7, True) if consent else ("SEL", "58", 1, None, False)
        return ("BL", "46", 1, None, True) if consent else ("BL", "47", 1, None, False)
    if sel:
        p, stk, nr = SEL_SUPPORT.get(kind, ("52", 3, 9))
        return ("SEL", p, stk, nr, None)
    return ("BL", "32", 1, None, None)


def placements(db, ids, muni_ids, out):
    vejle = muni_ids["vejle"]
    (have,) = db.query(f"SELECT count(*) FROM placement_measures WHERE municipality_id = {vejle}")[0]
    want = VEJLE_MEASURES - int(have)
    steps = {int(s): int(i) for s, i in db.query(
        f"SELECT standard_step, min(id) FROM placement_steps WHERE municipality_id = {vejle} GROUP BY standard_step")}
    programmes = {s: int(i) for s, i in db.query("SELECT short_name, id FROM evidence_programmes")}
    rng = random.Random("retning-national:vejle:placements")
    span = (MEASURE_TO - MEASURE_FROM).days
    child = 0
    made = 0
    while made < want:
        child += 1
        ref = f"SYN-NAT-{child:06d}"
        start = MEASURE_FROM + dt.timedelta(days=rng.randint(0, span))
        age = rng.randint(*rng.choices([(0, 5), (6, 11), (12, 14), (15, 17)], [0.22, 0.25, 0.18, 0.35])[0])
        birth = start.year - age
        category = "placement" if rng.random() < 0.38 else "support"
        for _ in range(rng.choices([1, 2, 3, 4], [0.5, 0.25, 0.15, 0.1])[0]):
            if made >= want or start > MEASURE_TO or start.year - birth > 17:
                break
            if category == "placement":
                kind = placement_kind(rng, start)
                days = rng.randint(*rng.choices([(30, 180), (181, 900), (901, 3000)], [0.25, 0.35, 0.40])[0])
            else:
                kind = rng.choices([k for k, _ in SUPPORT_KINDS], [w for _, w in SUPPORT_KINDS])[0]
                days = rng.randint(*rng.choices([(30, 180), (181, 540), (541, 1100)], [0.35, 0.45, 0.20])[0])
            programme = None
            if category == "support" and rng.random() < 0.03:
                kind = "familiebehandling"
                a = start.year - birth
                programme = programmes.get("de-utrolige-aar" if a <= 2 else rng.choice(["de-utrolige-aar", "pmto"])
                                           if a <= 8 else "pmto" if a <= 10 else rng.choice(["mst", "fft"]))
            elif category == "placement" and start.year - birth >= 15 and rng.random() < 0.05:
                kind, programme = "almen_plejefamilie", programmes.get("tfco-a")
            end = start + dt.timedelta(days=days - 1)
            end = min(end, max(start, dt.date(birth + 18, 12, 31)))
            law, paragraph, stk, nr, consent = legal(category, kind, start, rng.random() < 0.85)
            if kind in ("netvaerksplejefamilie", "almen_plejefamilie", "kommunal_plejefamilie",
                        "forstaerket_plejefamilie"):
                provider = ("own", "Familieplejen", None)
            elif kind in ("doegninstitution", "boerne_og_ungehjem"):
                provider = (("own", "Fårupgaard", None) if rng.random() < 0.6 else
                            ("municipality", "Døgninstitution (synthetic)", muni_ids["randers"]))
            elif category == "placement":
                provider = ("private", None, None)
            else:
                provider = ("own", "Familieafdelingen", None)
            lo, hi = COST.get(kind, (20, 200))
            step = STEP[kind]
            out["placement_measures"].append((
                ids("placement_measures"), vejle, ref, birth, category, kind, steps.get(step), step,
                law, paragraph, stk, nr, consent, start, None if end > MEASURE_TO else end, *provider,
                rng.randint(lo, hi) * 1000, programme,
                "Syntetiske benchmarkdata (bench/national), ikke et rigtigt barn", True,
                dt.datetime.combine(start, dt.time(10, 0)), dt.datetime.combine(start, dt.time(10, 0)), None))
            made += 1
            # The next measure of the same child: later, most often a step up the staircase.
            start = start + dt.timedelta(days=rng.randint(30, 540))
            if rng.random() < 0.5:
                category = "placement"
    return want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("backend", choices=["sqlite", "postgres"])
    ap.add_argument("target")
    ap.add_argument("--first-strategy", type=int, default=0)
    ap.add_argument("--strategies", type=int, default=3)
    ap.add_argument("--no-measures", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    db = Sqlite(args.target) if args.backend == "sqlite" else Postgres(args.target)
    ids = Ids(db)
    out = {t: [] for t, _ in COLUMN_SETS}
    muni_ids = {slug: int(i) for i, slug in db.query("SELECT id, slug FROM municipalities")}
    clash = db.query(f"SELECT count(*) FROM strategies WHERE key = 'nat-strategi-{args.first_strategy + 1}'")[0][0]
    if int(clash):
        sys.exit(f"generate.py: strategy nat-strategi-{args.first_strategy + 1} exists already in {args.target}")
    for code, slug, name, region in MUNICIPALITIES:
        if slug not in muni_ids:
            muni_ids[slug] = ids("municipalities")
            out["municipalities"].append((muni_ids[slug], slug, code, name, region, CREATED, CREATED))
    theme_ids = {slug: int(i) for i, slug in db.query("SELECT id, slug FROM themes")}
    missing = set(THEMES_WEIGHTED) - set(theme_ids)
    if missing:
        sys.exit(f"generate.py: the seed lacks themes {sorted(missing)}")
    goals(db, ids, args.first_strategy, args.strategies, muni_ids, theme_ids, out)
    measures = 0 if args.no_measures else placements(db, ids, muni_ids, out)
    t1 = time.time()
    db.begin()
    for table, cols in COLUMN_SETS:
        db.insert(table, cols, out[table])
    db.commit()
    print(f"{len(muni_ids)} municipalities, {len(out['strategies'])} strategies, {len(out['nodes'])} nodes, "
          f"{len(out['targets'])} targets, {len(out['measurements'])} measurements, "
          f"{measures} placement measures added in Vejle; generated in {t1 - t0:.1f}s, written in {time.time() - t1:.1f}s")


if __name__ == "__main__":
    main()
