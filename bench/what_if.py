"""Benchmark the offer form's what-if: a verdict and its fixes, as the endpoint computes them.

Run from the project root:  .venv/bin/python bench/what_if.py [--calls N]
Prints the time per call (median and slowest) for a KN95 bound for Milan, with no documents,
today (blocked: documents, standards and other cities are all tried) and in June 2020
(fixable by one document). Uses a throw-away SQLite database unless DATABASE_URL is set.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="sfiec-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/bench.sqlite3")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["MEDIA_ROOT"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfiec.settings")

    import django

    django.setup()
    from django.core.management import call_command

    from compliance import selectors, services
    from compliance.engine import LotFacts
    from partners.models import SisterCity

    call_command("migrate", verbosity=0)
    services.catalogue_sync()
    services.rule_set_sync_files()
    for slug, name, country in [
        ("milan", "Milan", "IT"),
        ("turin", "Turin", "IT"),
        ("busan", "Busan", "KR"),
        ("incheon", "Incheon", "KR"),
        ("phnom-penh", "Phnom Penh", "KH"),
    ]:
        SisterCity.objects.get_or_create(slug=slug, defaults={"name": name, "country": country})
    milan = SisterCity.objects.get(slug="milan")
    facts = LotFacts(
        category="respirator_nonmedical",
        standard="CN_GB2626_KN95",
        manufacture_date=dt.date(2020, 3, 1),
        expiry_date=dt.date(2030, 3, 1),
        attachments=frozenset(),
    )
    today = dt.date.today()
    for label, export in (("today (blocked)", today), ("June 2020 (fixable)", dt.date(2020, 6, 1))):
        times = []
        for _ in range(args.calls):
            started = time.perf_counter()
            answer = selectors.what_if_fixes(
                facts=facts,
                country="IT",
                city=milan,
                export_date=export,
                arrival_date=export + dt.timedelta(days=14),
            )
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"what-if {label}: {answer['state']}, {len(answer['fixes'])} fixes; "
            f"median {statistics.median(times):.1f} ms, slowest {max(times):.1f} ms "
            f"over {args.calls} calls"
        )


if __name__ == "__main__":
    main()
