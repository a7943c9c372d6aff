"""Benchmark the customs document renderer (WeasyPrint): seconds per page and peak memory.

Run from the project root:  .venv/bin/python bench/documents.py

Each case renders in a fresh child process, so the peak resident memory it reports (ru_maxrss)
belongs to that render alone; the time counts template rendering, layout and PDF writing,
not Python or Django start-up. The inputs are the snapshot shape ``pack_inputs`` produces,
built here without a database. Cases:

- packing list of 20 lines and of 1,000 lines;
- a packing list of about 100 pages against ten packing lists of about 10 pages each
  (one process renders the ten in a row, as a worker would).

- the issue's yardstick: a plain WeasyPrint table of 2,000 rows (about 0.07 s a page on the
  machines the targets were set on), so the packing list's cost reads as a ratio too.

Targets (issues 9 and 13): at most 0.15 s per page; 100 pages at most 1.5 x the ten 10-page
renders. ``measure()`` is what `make bench` (bench/phases.py pdf) reports.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfiec.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()


def synthetic_inputs(lines: int) -> dict:
    """A shipment snapshot with ``lines`` lines of varied products, as pack_inputs makes it."""
    products = [
        ("KN95 respirator, model 9501", "respirator_nonmedical", "CN_GB2626_KN95", "KN95", False),
        ("Surgical mask, type IIR", "medical_mask", "EU_EN14683", "Type IIR", True),
        ("Nitrile examination gloves", "gloves", "", "", False),
        ("Protective coverall, type 5-B", "protective_clothing", "CN_GB19082", "", True),
    ]
    rows, carton = [], 1
    for index in range(lines):
        product, category, standard, level, medical = products[index % len(products)]
        cartons = 3 + index % 5
        rows.append(
            {
                "lot": f"LOT-2026-{index:05d}",
                "product": product,
                "manufacturer": "Shenzhen Safety Products Co., Ltd. 深圳安全用品有限公司",
                "batch": f"B{index:06d}",
                "category": category,
                "category_label": category.replace("_", " "),
                "category_label_zh": "防护用品",
                "standard": standard,
                "standard_body": "SAC" if standard else "",
                "standard_title": "Standard title",
                "standard_title_zh": "标准名称",
                "protection_level": level,
                "intended_use": "medical use by healthcare workers"
                if medical
                else "non-medical, not for surgical use",
                "intended_use_zh": "医疗机构医用" if medical else "非医用，不得用于外科手术",
                "is_medical": medical,
                "is_non_medical_mask": category == "respirator_nonmedical",
                "hs_code": "6307.90",
                "cn_code": "6307900010" if medical else "",
                "unit": "pieces",
                "quantity": cartons * 500,
                "cartons": cartons,
                "carton_from": carton,
                "carton_to": carton + cartons - 1,
                "units_per_carton": 500,
                "gross_kg": "36.00",
                "net_kg": "30.00",
                "carton_gross_kg": "12.00",
                "carton_volume_m3": "0.060",
                "volume_m3": "0.180",
                "unit_value": "1.2",
                "currency": "CNY",
                "value": "1800.00",
                "manufactured_on": "2026-03-01",
                "expires_on": "2029-02-28",
                "donor": f"Donor Association {index % 7}",
                "donor_zh": f"捐赠协会{index % 7}",
            }
        )
        carton += cartons
    return {
        "shipment": {
            "reference": "SHP-2026-0042",
            "mode": "air freight",
            "carrier": "China Southern Airlines Cargo",
            "carrier_reference": "784-12345675",
            "planned_departure_on": "2026-12-01",
            "expected_arrival_on": "2026-12-08",
            "incoterm": "DAP",
            "port_of_loading": "Shenzhen, China",
            "city": "Milan",
            "city_zh": "米兰",
            "country": "IT",
            "country_name": "Italy",
            "country_name_zh": "意大利",
            "consignee": {
                "name": "Municipal Hospital of Milan",
                "name_zh": "米兰市立医院",
                "address": "Via Francesco Sforza 35",
                "country": "IT",
                "email": "",
                "phone": "",
                "registration_number": "",
            },
            "contact": {},
        },
        "consignor": {
            "name": "Shenzhen Foundation for International Exchange and Cooperation",
            "name_zh": "深圳市国际交流合作基金会",
            "address": "Shenzhen, Guangdong, China",
            "country": "CN",
            "email": "",
            "phone": "",
            "registration_number": "",
        },
        "lines": rows,
        "totals": {
            "quantity": sum(r["quantity"] for r in rows),
            "cartons": carton - 1,
            "gross_kg": "0",
            "net_kg": "0",
            "volume_m3": "0",
            "values": [{"currency": "CNY", "amount": "0"}],
        },
    }


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


PLAIN_TABLE = "plain_table"
PLAIN_TABLE_ROWS = 2000


def plain_table_pdf(rows: int) -> tuple[bytes, int]:
    """The issue's yardstick: a plain table of ``rows`` rows of four short columns, rendered
    by WeasyPrint with its default style; (PDF, pages)."""
    from weasyprint import HTML

    cells = "".join(
        f"<tr><td>{i}</td><td>LOT-2026-{i:05d}</td><td>{i * 7 % 1000}</td><td>carton</td></tr>"
        for i in range(rows)
    )
    document = HTML(string=f"<html><body><table>{cells}</table></body></html>").render()
    return document.write_pdf(), len(document.pages)


def _renderer(kind: str, lines: int):
    """(render, inputs, warm-up inputs) of a case: render(inputs) returns (PDF, pages)."""
    if kind == PLAIN_TABLE:
        return plain_table_pdf, lines, lines
    _setup_django()
    from shipments.documents import render_pdf

    return (lambda inputs: render_pdf(kind, inputs)), synthetic_inputs(lines), synthetic_inputs(2)


def run_case(kind: str, lines: int, repeat: int) -> dict:
    """In this process: render ``repeat`` documents of ``lines`` lines; time and memory."""
    render, inputs, warm_up = _renderer(kind, lines)
    render(warm_up)  # fonts and templates loaded once, as in a worker
    base_mb = _rss_mb()
    pages = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    for _ in range(repeat):
        _pdf, count = render(inputs)
        pages += count
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "kind": kind,
        "lines": lines,
        "documents": repeat,
        "pages": pages,
        "seconds": round(seconds, 3),
        "seconds_per_page": round(seconds / pages, 4),
        "cpu_seconds": round(cpu, 3),
        "cpu_seconds_per_page": round(cpu / pages, 4),
        "base_rss_mb": round(base_mb, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def child(kind: str, lines: int, repeat: int = 1) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(lines), str(repeat)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(calibration_lines: int = 100) -> dict:
    """The figures `make bench` reports: one packing list of about 100 pages against ten of
    about 10 pages rendered in a row by one process, each case in a fresh process.

    Seconds per page are given as wall time and as CPU time: rendering is single-threaded, so
    on an idle machine the two agree, and the CPU time stays the render's own cost when other
    work shares the cores (the load average is recorded alongside). Linearity compares seconds
    per page, since the two cases' page counts differ by a few pages.
    """
    load_before = os.getloadavg()[0]
    calibration = child("packing_list", calibration_lines, 1)
    lines_per_page = calibration_lines / calibration["pages"]
    ten = child("packing_list", max(1, round(10 * lines_per_page)), 10)
    hundred = child("packing_list", max(1, round(100 * lines_per_page)), 1)
    plain = child(PLAIN_TABLE, PLAIN_TABLE_ROWS, 1)
    worst = max(hundred["cpu_seconds_per_page"], ten["cpu_seconds_per_page"])
    return {
        "lines_per_page": round(lines_per_page, 2),
        "hundred_pages": hundred,
        "ten_times_ten_pages": ten,
        "seconds_per_page": max(hundred["seconds_per_page"], ten["seconds_per_page"]),
        "cpu_seconds_per_page": worst,
        "plain_table": plain,
        # The issue expects a plain table at about 0.07 s a page and allows the packing list
        # 0.15: about 2.1 times. This ratio is that comparison on the machine at hand.
        "cpu_ratio_to_plain_table": round(worst / plain["cpu_seconds_per_page"], 3),
        "linearity": round(hundred["seconds_per_page"] / ten["seconds_per_page"], 3),
        "cpu_linearity": round(hundred["cpu_seconds_per_page"] / ten["cpu_seconds_per_page"], 3),
        "peak_rss_mb": max(hundred["peak_rss_mb"], ten["peak_rss_mb"]),
        "base_rss_mb": hundred["base_rss_mb"],
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def _row(name: str, r: dict) -> None:
    print(
        f"{name:<32} {r['pages']:>6} {r['seconds']:>9.2f} {r['seconds_per_page']:>8.3f}"
        f" {r['cpu_seconds_per_page']:>11.3f} {r['peak_rss_mb']:>9.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("KIND", "LINES", "REPEAT"))
    args = parser.parse_args()
    if args.child:
        kind, lines, repeat = args.child
        print(json.dumps(run_case(kind, int(lines), int(repeat))))
        return

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("case                              pages   seconds   s/page  cpu s/page   peak MB")
    for name, lines in [("packing list, 20 lines", 20), ("packing list, 1,000 lines", 1000)]:
        _row(name, child("packing_list", lines, 1))
    m = measure()
    ten, hundred = m["ten_times_ten_pages"], m["hundred_pages"]
    _row(f"ten lists of {ten['lines']} lines", ten)
    _row(f"one list of {hundred['lines']} lines", hundred)
    print(
        f"\n100-page list / ten 10-page lists, per page: {m['linearity']:.2f} x wall,"
        f" {m['cpu_linearity']:.2f} x CPU (target <= 1.5 x)"
    )
    print(
        f"worst seconds per page: {m['seconds_per_page']:.3f} wall,"
        f" {m['cpu_seconds_per_page']:.3f} CPU (target <= 0.15)"
    )
    plain = m["plain_table"]
    _row(f"plain table of {plain['lines']:,} rows", plain)
    print(f"packing list ÷ plain table, CPU per page: {m['cpu_ratio_to_plain_table']:.2f} x")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
