"""Benchmark the staff list exports: 100,000 lots as CSV and Excel, in bounded memory.

Run from the project root:  .venv/bin/python bench/exports.py [--rows N]
Uses a throw-away SQLite database unless DATABASE_URL is set (then it must be a scratch
database: the script migrates it and adds its rows).

Prints, per format, the seconds, the bytes written and the peak of Python memory allocated
while exporting (tracemalloc), beside the same rows built in memory first (the naive way) for
comparison. The streamed exports' peak should stay flat as --rows grows.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _measure(label, run):
    tracemalloc.start()
    started = time.perf_counter()
    size = run()
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {seconds:7.2f} s  {size / 1e6:8.1f} MB out  peak {peak / 1e6:7.1f} MB")
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-naive", action="store_true", help="only the streamed exports")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="sfiec-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["MEDIA_ROOT"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfiec.settings")

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import RequestFactory

    from dashboard.exports import export_rows
    from dashboard.lists import KINDS, staff_list_rows
    from dashboard.views import staff_list_export
    from donations.models import DonationOffer, MaterialLot
    from partners.models import Organisation
    from sfiec.roles import roles_sync
    from sfiec.spreadsheets import csv_bytes, xlsx_bytes

    call_command("migrate", verbosity=0)
    roles_sync()
    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.set(type(user).groups.field.related_model.objects.filter(name="viewer"))

    donor, _ = Organisation.objects.get_or_create(kind="donor", name="Benchmark donor")
    tag = time.time_ns() % 10**6
    started = time.perf_counter()
    offers = DonationOffer.objects.bulk_create(
        DonationOffer(reference=f"OB{tag}-{n:04d}", donor=donor) for n in range(1000)
    )
    batch = []
    for n in range(args.rows):
        batch.append(
            MaterialLot(
                offer=offers[n % len(offers)],
                reference=f"LB{tag}-{n:06d}",
                category="medical_mask",
                product=f"Mask model {n} =cmd" if n % 1000 == 0 else f"Mask model {n}",
                manufacturer="Shenzhen Benchmark Co.",
                quantity_offered=1000 + n % 500,
                cartons=10,
                gross_weight_kg=Decimal("12.50"),
                unit_value=Decimal("0.8000"),
            )
        )
        if len(batch) == 5000:
            MaterialLot.objects.bulk_create(batch)
            batch = []
    MaterialLot.objects.bulk_create(batch)
    print(f"made {args.rows:,} lots in {time.perf_counter() - started:.1f} s")

    kind = KINDS["lots"]
    request = RequestFactory().get(f"/staff/lists/lots/export.csv?q=LB{tag}")
    request.user = user

    def streamed(fmt):
        def run():
            response = staff_list_export(request, kind="lots", fmt=fmt)
            size = 0
            for chunk in response.streaming_content:
                size += len(chunk)
            response.close()
            return size

        return run

    def naive(fmt):
        def run():
            _filters, rows = staff_list_rows(kind=kind, user=user, params=request.GET)
            cells = list(export_rows(kind, rows))
            header = [str(column.label) for column in kind.columns]
            if fmt == "csv":
                return len(csv_bytes(header, cells))
            return len(xlsx_bytes({"Lots": [header, *cells]}))

        return run

    print(f"exporting {args.rows:,} lots ({len(kind.columns)} columns)")
    _measure("CSV, streamed", streamed("csv"))
    _measure("Excel, write-only to a temp file", streamed("xlsx"))
    if not args.skip_naive:
        _measure("CSV, built in memory (naive)", naive("csv"))
        _measure("Excel, built in memory (naive)", naive("xlsx"))


if __name__ == "__main__":
    main()
