"""Benchmark stored checks: 10,000 lots checked for one destination in one bulk pass.

Run from the project root:  .venv/bin/python bench/compliance_db.py [--lots N]
Uses a throw-away SQLite database unless DATABASE_URL is set (then it must be a scratch
database: the script migrates it and adds its lots and checks).
"""

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--country", default="IT")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="sfiec-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["MEDIA_ROOT"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfiec.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from compliance import services
    from donations.models import DonationOffer, MaterialLot
    from partners.models import Organisation
    from sfiec.choices import Category
    from standards.models import Standard

    call_command("migrate", verbosity=0)
    services.rules_load()

    donor, _ = Organisation.objects.get_or_create(kind="donor", name="Benchmark donor")
    offer = DonationOffer.objects.create(
        reference=f"OFF-BENCH-{time.time_ns() % 10**6}", donor=donor
    )
    standards = list(Standard.objects.all())
    rng = random.Random(7)
    today = dt.date.today()
    lots = [
        MaterialLot(
            offer=offer,
            reference=f"B{offer.pk}-{n:06d}",
            category=rng.choice(Category.values),
            product="Bench product",
            manufacturer="Bench maker",
            standard=rng.choice(standards + [None]),
            quantity_offered=1000,
            manufactured_on=today - dt.timedelta(days=rng.randint(0, 700)),
            expires_on=today + dt.timedelta(days=rng.randint(1, 1500)),
            is_manufacturer_whitelisted=rng.random() < 0.5,
        )
        for n in range(args.lots)
    ]
    MaterialLot.objects.bulk_create(lots, batch_size=2000)
    lot_ids = list(MaterialLot.objects.filter(offer=offer).values_list("pk", flat=True))
    export, arrival = today, today + dt.timedelta(days=14)

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        checks = services.lots_check_for_destination(
            lot_ids=lot_ids, country=args.country, export_date=export, arrival_date=arrival
        )
        elapsed = time.perf_counter() - started
    results = {}
    for check in checks:
        results[check.result] = results.get(check.result, 0) + 1
    print(f"database: {connection.vendor}")
    print(f"lots checked and stored for {args.country}: {len(checks):,} {results}")
    print(
        f"time: {elapsed * 1000:.0f} ms  checks/s: {len(checks) / elapsed:,.0f}"
        f"  queries: {len(queries)}"
    )


if __name__ == "__main__":
    main()
