"""Benchmark matching: candidate lots for one need among 100,000 lots, found by the database.

Run from the project root:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> .venv/bin/python bench/matching.py
Without DATABASE_URL a throw-away SQLite database is used. With it, the database must be a
scratch one: the script migrates it and adds its lots and checks (bulk_create), and removes
those of an earlier run of this script first. Target: under 200 ms per matching (median).
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
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--reuse", action="store_true", help="time again on the lots of the previous run"
    )
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

    from compliance import services as compliance_services
    from compliance.models import ComplianceCheck, RuleSet
    from donations.models import DonationOffer, MaterialLot, Need
    from partners.models import Organisation, SisterCity
    from shipments.models import NeedMatch
    from standards.models import Standard

    call_command("migrate", verbosity=0)
    compliance_services.rules_load()
    rule_set = RuleSet.objects.get(is_active=True)

    if args.reuse and Need.objects.filter(city__slug="bench-milan").exists():
        return _time(args, Need.objects.filter(city__slug="bench-milan").last(), 0.0)
    # forget an earlier run
    old = DonationOffer.objects.filter(reference__startswith="OFF-BMATCH")
    Need.objects.filter(city__slug="bench-milan").delete()
    NeedMatch.objects.filter(lot__offer__in=old).delete()
    ComplianceCheck.objects.filter(lot__offer__in=old).delete()
    MaterialLot.objects.filter(offer__in=old).delete()
    old.delete()

    donor, _ = Organisation.objects.get_or_create(kind="donor", name="Benchmark donor")
    city, _ = SisterCity.objects.get_or_create(
        slug="bench-milan", defaults={"name": "Bench Milan", "country": "IT"}
    )
    recipient, _ = Organisation.objects.get_or_create(
        kind="recipient", name="Benchmark hospital", defaults={"city": city, "country": "IT"}
    )
    offer = DonationOffer.objects.create(
        reference=f"OFF-BMATCH{time.time_ns() % 10**6}", donor=donor
    )
    standards = list(Standard.objects.filter(categories__contains="respirator_nonmedical"))
    if connection.vendor != "postgresql" or not standards:
        standards = list(Standard.objects.all())
    rng = random.Random(11)
    today = dt.date.today()
    categories = ["respirator_nonmedical", "medical_mask", "gloves", "protective_clothing"]
    started = time.perf_counter()
    lots = []
    for n in range(args.lots):
        received = rng.randint(0, 1000)
        lots.append(
            MaterialLot(
                offer=offer,
                reference=f"BM{offer.pk}-{n:06d}",
                category=rng.choice(categories),
                product="Bench product",
                manufacturer="Bench maker",
                standard=rng.choice(standards),
                quantity_offered=1000,
                quantity_received=received,
                quantity_allocated=rng.randint(0, received),
                status=rng.choice(["received"] * 8 + ["pledged", "rejected"]),
                is_quarantined=rng.random() < 0.05,
                manufactured_on=today - dt.timedelta(days=rng.randint(0, 700)),
                expires_on=today + dt.timedelta(days=rng.randint(1, 1500)),
            )
        )
    MaterialLot.objects.bulk_create(lots, batch_size=5000)
    lot_ids = list(MaterialLot.objects.filter(offer=offer).values_list("pk", flat=True))
    checks = [
        ComplianceCheck(
            lot_id=lot_id,
            country="IT",
            rule_set=rule_set,
            result=rng.choice(["pass", "pass", "warn", "fail"]),
            export_date=today,
            arrival_date=today + dt.timedelta(days=7),
            input_fingerprint="bench",
        )
        for lot_id in lot_ids
        if rng.random() < 0.9  # a tenth has no check yet
    ]
    ComplianceCheck.objects.bulk_create(checks, batch_size=5000)
    # other countries' checks, so the join has to pick the right one
    ComplianceCheck.objects.bulk_create(
        [
            ComplianceCheck(
                lot_id=lot_id,
                country="KR",
                rule_set=rule_set,
                result="pass",
                export_date=today,
                arrival_date=today + dt.timedelta(days=7),
                input_fingerprint="bench",
            )
            for lot_id in lot_ids[::2]
        ],
        batch_size=5000,
    )
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    need = Need.objects.create(
        recipient=recipient,
        city=city,
        category="respirator_nonmedical",
        quantity=50_000,
        needed_by=today + dt.timedelta(days=30),
    )
    need.accepted_standards.set(standards[:3])
    _time(args, need, seeded)


def _time(args, need, seeded: float) -> None:
    import statistics

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from donations.models import MaterialLot
    from shipments.selectors import need_candidates

    timings = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            found = list(need_candidates(need=need))
            timings.append(time.perf_counter() - began)
    ranks = {}
    for lot in found:
        ranks[lot.match_rank] = ranks.get(lot.match_rank, 0) + 1
    print(f"database: {connection.vendor}")
    lots = MaterialLot.objects.count()
    print(f"lots in the database: {lots:,} (seeded with bulk_create in {seeded:.1f} s)")
    print(f"candidates returned: {len(found)} (best first; ranks {ranks})")
    print(f"queries per matching: {len(queries)}")
    print(
        f"matching time: median {statistics.median(timings) * 1000:.1f} ms, "
        f"max {max(timings) * 1000:.1f} ms over {args.runs} runs (target < 200 ms)"
    )


if __name__ == "__main__":
    main()
