"""`make bench`: national-scale figures and the targets of issue 13 point 2, in one run.

Seeds two PostgreSQL databases (bench_10k and bench_100k, from a migrated template) with
bench.seed_scale, serves each with gunicorn (debug off, two workers) and loads it with wrk from a
second process; then measures in-process: queries per request, compliance evaluations and stored
checks per second (a rule-set edit, then the re-check of every lot), packing-list PDFs, and tasks
enqueued through the outbox with a private Redis. Prints a table and writes bench/results.json.

    make bench                       # everything
    BENCH_REUSE=1 make bench         # keep already seeded databases (same seeder and migrations)
    BENCH_SECONDS=5 make bench       # seconds of load per endpoint (default 3)
    BENCH_SKIP=compliance,pdf make bench   # leave phases out while working on another one

Static files are collected once into BENCH_STATIC_ROOT (default ~/.cache/sfiec-bench/static),
in the background while the databases are seeded, and kept while their sources are unchanged.

Not part of `make test` or CI. PostgreSQL from BENCH_PG (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
WORK = Path(tempfile.mkdtemp(prefix="sfiec-bench-"))
SCALES = {"bench_10k": 0.1, "bench_100k": 1.0}
RESULTS = ROOT / "bench" / "results.json"
STATIC_ROOT = Path(
    os.environ.get("BENCH_STATIC_ROOT")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sfiec-bench" / "static"
)
SKIP = {name.strip() for name in os.environ.get("BENCH_SKIP", "").split(",") if name.strip()}


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def env_for(db: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(
        DATABASE_URL=f"{PG}/{db}",
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_SECURE_SSL_REDIRECT="0",
        MEDIA_ROOT=str(WORK / "media"),
        BENCH_STATIC_ROOT=str(STATIC_ROOT),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


SECRET = secrets.token_urlsafe(50)


def sh(args, env=None, capture=True, timeout=900) -> str:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=capture, text=True, timeout=timeout
    )
    if result.returncode:
        sys.exit(f"failed: {' '.join(map(str, args))}\n{(result.stderr or '')[-4000:]}")
    return result.stdout


def psql(sql: str, db: str = "postgres") -> str:
    return sh(["psql", f"{PG}/{db}", "-Atq", "-c", sql])


def db_exists(db: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'").strip() == "1"


def fingerprint() -> str:
    """Seeder, models and migrations: a seeded database is reused only while these are equal."""
    digest = hashlib.sha256()
    paths = [ROOT / "bench" / "seed_scale.py"] + sorted(ROOT.glob("*/migrations/*.py"))
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def databases() -> tuple[dict, float | None]:
    """Migrate a template once, then copy and seed one database per scale."""
    mark = fingerprint()
    seeded = {}
    reuse = os.environ.get("BENCH_REUSE") == "1"
    for db, scale in SCALES.items():
        if reuse and db_exists(db):
            comment = psql(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                f" WHERE datname = '{db}'"
            )
            if comment.strip() == mark:
                log(f"{db}: reused (seeded with this seeder and these migrations)")
                continue
        seeded[db] = scale
    if not seeded:
        return {}, None
    started = time.perf_counter()
    psql("DROP DATABASE IF EXISTS bench_template")
    psql("CREATE DATABASE bench_template")
    sh([PYTHON, "manage.py", "migrate", "--noinput"], env=env_for("bench_template"))
    migrated = round(time.perf_counter() - started, 1)
    log(f"template migrated in {migrated:.0f} s")
    timings = {}
    for db, scale in seeded.items():
        psql(f"DROP DATABASE IF EXISTS {db}")
        psql(f"CREATE DATABASE {db} TEMPLATE bench_template")
        out = sh([PYTHON, "-m", "bench.seed_scale", "--scale", str(scale)], env=env_for(db))
        info = json.loads(out.strip().splitlines()[-1])
        psql(f"COMMENT ON DATABASE {db} IS '{mark}'")
        timings[db] = info
        log(f"{db}: seeded {info['rows']['lots']:,} lots in {info['seconds']} s")
    return timings, migrated


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def phase(name: str, db: str, **extra) -> dict:
    """Run one in-process phase (bench.phases) in its own interpreter; returns its JSON."""
    if name in SKIP:
        log(f"{name}: skipped (BENCH_SKIP)")
        return {"skipped": "BENCH_SKIP"}
    out = sh([PYTHON, "-m", "bench.phases", name], env=env_for(db, **extra), timeout=900)
    return json.loads(out.strip().splitlines()[-1])


class Background:
    """A phase run in its own process while the main one goes on (collectstatic while seeding)."""

    def __init__(self, name: str, db: str):
        self.name = name
        self.out = (WORK / f"{name}.out").open("w+")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "bench.phases", name],
            cwd=ROOT,
            env=env_for(db),
            stdout=self.out,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def result(self) -> dict:
        code = self.process.wait(timeout=900)
        self.out.seek(0)
        text = self.out.read()
        if code:
            sys.exit(f"failed: bench.phases {self.name}\n{text[-4000:]}")
        return json.loads(text.strip().splitlines()[-1])


class Steps:
    """Wall seconds and the machine's load average over each step of the run."""

    def __init__(self):
        self.figures: dict = {}

    def __call__(self, name: str):
        steps = self

        class _Step:
            def __enter__(self):
                self.started = time.perf_counter()
                self.load = os.getloadavg()[0]

            def __exit__(self, *exc):
                steps.figures[name] = {
                    "seconds": round(time.perf_counter() - self.started, 1),
                    "load_average": [round(self.load, 2), round(os.getloadavg()[0], 2)],
                }

        return _Step()


class Server:
    def __init__(self, db: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = (WORK / f"gunicorn-{db}.log").open("w")
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "sfiec.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=env_for(db, SITE_URL=self.base),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        sys.exit("gunicorn did not answer /healthz in 90 s")

    def get(self, path: str, headers: dict) -> int:
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def warm(server: Server, path: str, headers: dict) -> int:
    """Two rounds of two requests at once, so that each of the two workers has served the path
    (its first-request costs stay out of the figures); returns the status."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        for _round in range(2):
            statuses = list(pool.map(lambda _n: server.get(path, headers), range(2)))
    return statuses[0]


def load(server: Server, path: str, headers: dict) -> dict:
    status = warm(server, path, headers)
    args = [
        "wrk",
        "-t2",
        "-c4",
        f"-d{SECONDS}s",
        "--timeout",
        "30s",
        "-s",
        str(ROOT / "bench" / "wrk_report.lua"),
    ]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = sh(args + [server.base + path])
    figures = json.loads(out.strip().splitlines()[-1])
    figures["status"] = status
    if not figures["requests"]:  # slower than the window: time one request on its own instead
        started = time.perf_counter()
        server.get(path, headers)
        ms = (time.perf_counter() - started) * 1000
        figures.update(rps=round(1000 / ms, 3), p50_ms=round(ms, 1), p95_ms=round(ms, 1))
        figures["note"] = "no request completed under load; one request timed alone"
    return figures


FLOOR = "floor (cities)"
# The lists whose targets are ratios to the floor; each is also loaded in turns with it.
FLOOR_PAIRED = ("lots list", "shipments list")
PAIRED_ROUNDS = 3


def _headers(auth: dict, kind: str) -> dict:
    if kind == "token":
        return {"Authorization": f"Token {auth['token']}"}
    return {"Cookie": f"{auth['session_cookie']}={auth['session']}"}


def floor_paired(server: Server, endpoint: tuple, floor: tuple) -> dict:
    """The endpoint and the floor loaded in turns, PAIRED_ROUNDS rounds of each: the ratio of
    their requests per second, both met under the same conditions. The floor measured once (the
    table's first row) gave 254 and 387 req/s in two runs an hour apart on this shared machine,
    the lists far less, so a single pairing moved their ratios by a quarter."""
    rounds = [
        (load(server, *floor)["rps"], load(server, *endpoint)["rps"]) for _ in range(PAIRED_ROUNDS)
    ]
    floor_rps = sum(f for f, _e in rounds)
    return {
        "rounds": [{"floor_rps": f, "rps": e} for f, e in rounds],
        "ratio": round(sum(e for _f, e in rounds) / floor_rps, 3) if floor_rps else None,
    }


def http_run(auths: dict) -> dict:
    """Every endpoint against the 100,000-lot server; each dashboard endpoint also against the
    10,000-lot one, right before it, so both sides of its growth ratio meet the same load; the
    lists of FLOOR_PAIRED also in turns with the floor (``floor_paired``)."""
    servers = {}
    try:
        for db in SCALES:
            servers[db] = Server(db)
        results: dict = {db: {} for db in SCALES}
        endpoints = auths["bench_100k"]["endpoints"]
        for name, (path, kind) in endpoints.items():
            for db in SCALES if name.startswith("dashboard") else ["bench_100k"]:
                headers = _headers(auths[db], kind)
                r = results[db][name] = {"path": path, **load(servers[db], path, headers)}
                log(
                    f"  {db:<10} {name:<34} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms"
                    f"  p95 {r['p95_ms']:7.1f} ms  status {r['status']}"
                )
                if name in FLOOR_PAIRED:
                    floor_path, floor_kind = endpoints[FLOOR]
                    r["floor_paired"] = floor_paired(
                        servers[db],
                        (path, headers),
                        (floor_path, _headers(auths[db], floor_kind)),
                    )
                    log(f"  {db:<10} {name:<34} ÷ floor in turns: {r['floor_paired']['ratio']}")
        return results
    finally:
        for server in servers.values():
            server.stop()


def redis_start() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def main() -> None:
    began = time.perf_counter()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    load_start = os.getloadavg()
    log(
        f"work folder {WORK}; load generator wrk (2 threads, 4 connections, {SECONDS} s each);"
        f" load average {load_start[0]:.2f} on {os.cpu_count()} CPUs"
    )
    steps = Steps()
    STATIC_ROOT.parent.mkdir(parents=True, exist_ok=True)
    with steps("seeding (static files collected alongside)"):
        collect = Background("static", "postgres")
        seeding, migrated = databases()
        static = collect.result()
    log(
        f"static files {'reused' if static['reused'] else 'collected'} in {STATIC_ROOT}"
        f" ({static['seconds']} s, alongside the seeding)"
    )

    figures: dict = {
        "seeding": seeding,
        "template_migrate_seconds": migrated,
        "static": static,
        "http": {},
        "load_generator": "wrk",
    }
    with steps("http (both databases)"):
        auths = {db: phase("prepare", db) for db in SCALES}
        figures["queries"] = {db: auth["queries"] for db, auth in auths.items()}
        log(f"{len(auths['bench_100k']['endpoints'])} endpoints under load (dashboard: both sizes)")
        figures["http"] = http_run(auths)

    with steps("compliance"):
        log("compliance: engine alone, then the re-check of every lot after a rule-set edit")
        figures["compliance"] = phase("compliance", "bench_100k")
    with steps("pdf"):
        log("pdf: packing lists of about 100 pages and ten of about 10")
        figures["pdf"] = phase("pdf", "bench_100k")
    with steps("outbox"):
        redis, redis_url = redis_start()
        try:
            figures["outbox"] = phase("outbox", "bench_100k", REDIS_URL=redis_url)
        finally:
            redis.terminate()
            redis.wait()
    figures["seconds_total"] = round(time.perf_counter() - began, 1)
    figures["steps"] = steps.figures
    figures["machine"] = {
        "cpus": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "skipped": sorted(SKIP),
    }

    from bench.report import report

    results = report(figures)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    log(f"wrote {RESULTS.relative_to(ROOT)} in {figures['seconds_total']:.0f} s")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
