"""Benchmark the API lists: lots (page size 50) against cities, and a naive lots list.

Run from the project root, on a scratch PostgreSQL database (it is migrated and gets 10,000
lots; nothing is deleted):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> .venv/bin/python bench/api_lists.py

It seeds the lots with bulk_create, starts gunicorn (2 workers, debug off), and loads the
three lists one after the other with wrk from a second process (a Python thread-pool client
if wrk is not installed), printing req/s, p50/p95 and the ratios the issue asks for:
lots/cities >= 0.35 and lots/naive >= 5.
"""

import argparse
import concurrent.futures
import datetime as dt
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %d %d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.errors.status, summary.requests))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")

    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_BENCH_NAIVE": "1",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="sfiec-bench-"),
        "DJANGO_SETTINGS_MODULE": "sfiec.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    key = seed(args.lots)

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "sfiec.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(f"{base}/healthz")
        headers = {"Authorization": f"Bearer {key}"}
        urls = {
            "cities": f"{base}/api/v1/cities/",
            "lots": f"{base}/api/v1/lots/?page_size=50",
            "naive lots": f"{base}/api/v1/bench/naive-lots/?page_size=50",
        }
        for url in urls.values():  # warm both workers
            for _ in range(20):
                get(url, headers)
        results = {name: load(url, headers, args) for name, url in urls.items()}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    tool = "wrk" if shutil.which("wrk") else "python thread pool"
    print(
        f"{args.lots} lots, gunicorn 2 workers, {args.connections} connections, "
        f"{args.seconds}s each, {tool}"
    )
    print(f"{'list':<12}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'non-2xx':>10}")
    for name, (rps, p50, p95, bad) in results.items():
        print(f"{name:<12}{rps:>10.1f}{p50:>10.1f}{p95:>10.1f}{bad:>10}")
    lots, cities, naive = results["lots"][0], results["cities"][0], results["naive lots"][0]
    print(f"lots / cities = {lots / cities:.2f}  (target >= 0.35)")
    print(f"lots / naive  = {lots / naive:.2f}  (target >= 5)")


def seed(count: int) -> str:
    """Migrate, add ``count`` lots if there are fewer, and return a staff member's token key."""
    from django.core.management import call_command

    from compliance.models import Standard
    from donations.models import DonationOffer, MaterialLot
    from partners.api_tokens import api_token_create
    from partners.models import Organisation, SisterCity
    from sfiec.roles import Role, roles_sync

    call_command("migrate", verbosity=0)
    roles_sync()
    for slug, name, country in [
        ("milan", "Milan", "IT"),
        ("busan", "Busan", "KR"),
        ("siem-reap", "Siem Reap", "KH"),
    ]:
        SisterCity.objects.get_or_create(slug=slug, defaults={"name": name, "country": country})
    missing = count - MaterialLot.objects.count()
    if missing > 0:
        standard, _ = Standard.objects.get_or_create(
            slug="CN_GB2626_KN95",
            defaults={"body": "GB 2626-2019", "title": "KN95", "categories": [], "source": "S2"},
        )
        donor, _ = Organisation.objects.get_or_create(kind="donor", name="Benchmark donor")
        city = SisterCity.objects.get(slug="milan")
        stamp = time.time_ns() % 10**8
        offers = DonationOffer.objects.bulk_create(
            DonationOffer(reference=f"OFF-B{stamp}-{n:04d}", donor=donor, preferred_city=city)
            for n in range(missing // 50 + 1)
        )
        MaterialLot.objects.bulk_create(
            (
                MaterialLot(
                    offer=offers[n // 50],
                    reference=f"LOT-B{stamp}-{n:06d}",
                    category="respirator_nonmedical",
                    product=f"KN95 respirator, model {n % 97}",
                    manufacturer="Shenzhen Safety Products Co.",
                    standard=standard if n % 3 else None,
                    batch_number=f"B{n:06d}",
                    quantity_offered=1000 + n,
                    cartons=10,
                    units_per_carton=100,
                    gross_weight_kg=Decimal("55.50"),
                    net_weight_kg=Decimal("50.00"),
                    manufactured_on=dt.date(2026, 1, 1),
                    expires_on=dt.date(2029, 1, 1),
                    unit_value=Decimal("1.2000"),
                    preferred_city=city,
                )
                for n in range(missing)
            ),
            batch_size=2000,
        )
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.VIEWER))
    _token, key = api_token_create(user=user, name="bench", scope="read_only", days=1)
    return key


def load(url, headers, args):
    if shutil.which("wrk"):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        command = [
            "wrk",
            "-t",
            "2",
            "-c",
            str(args.connections),
            "-d",
            f"{args.seconds}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            url,
        ]
        for name, value in headers.items():
            command[1:1] = ["-H", f"{name}: {value}"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        rps, p50, p95, bad, _total = re.search(
            r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+)", output
        ).groups()
        return float(rps), float(p50), float(p95), int(bad)
    return load_with_threads(url, headers, args)


def load_with_threads(url, headers, args):
    deadline = time.monotonic() + args.seconds
    times, bad = [], 0

    def worker():
        nonlocal bad
        while time.monotonic() < deadline:
            start = time.perf_counter()
            status = get(url, headers)
            times.append((time.perf_counter() - start) * 1000)
            bad += status >= 300

    with concurrent.futures.ThreadPoolExecutor(args.connections) as pool:
        for _ in range(args.connections):
            pool.submit(worker)
    times.sort()
    return (len(times) / args.seconds, statistics.median(times), times[int(len(times) * 0.95)], bad)


def get(url, headers) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_up(url):
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
