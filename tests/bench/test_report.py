"""`make bench`'s targets: each one's `met` follows from the figures of the run."""

import pytest

from bench.report import report


def _http(rps, p95, status=200):
    return {"rps": rps, "p50_ms": p95 / 2, "p95_ms": p95, "status": status}


def _render(pages, lines):
    return {
        "lines": lines,
        "pages": pages,
        "seconds_per_page": 0.2,
        "cpu_seconds_per_page": 0.11,
        "base_rss_mb": 160.0,
        "peak_rss_mb": 470.0,
    }


def _figures(**changes):
    figures = {
        "seeding": {"bench_10k": {}, "bench_100k": {}},
        "http": {
            "bench_100k": {
                "floor (cities)": _http(100, 50),
                "lots list": _http(40, 120),
                "shipments list": _http(30, 150),
                "naive lots list": _http(5, 900),
                "naive shipments list": _http(4, 1200),
                "dashboard fast": _http(80, 90),
                "dashboard slow": _http(5, 450),
                "staff home /staff/": _http(20, 200),
            },
            "bench_10k": {"dashboard fast": _http(90, 60), "dashboard slow": _http(40, 100)},
        },
        "queries": {
            "bench_100k": {
                "lots list": {"page_size=10": (200, 5), "page_size=100": (200, 5)},
                "shipments list": {"page_size=10": (200, 7), "page_size=100": (200, 9)},
                "staff home /staff/": {"default": (200, 10)},
            }
        },
        "compliance": {
            "engine_evaluations": 10,
            "engine_evaluations_per_s": 100.0,
            "recheck": {
                "rechecked": 100_000,
                "seconds": 8.5,
                "checks_per_s": 11_765.0,
                "rss_base_mb": 200.0,
                "rss_peak_mb": 700.0,
            },
        },
        "pdf": {
            "cpu_seconds_per_page": 0.11,
            "cpu_linearity": 1.6,
            "lines_per_page": 8,
            "load_average": [1.0, 1.0],
            "hundred_pages": _render(100, 800),
            "ten_times_ten_pages": _render(110, 80),
            "plain_table": _render(48, 2000),
            "cpu_ratio_to_plain_table": 1.0,
        },
        "outbox": {"skipped": "BENCH_SKIP"},
        "seconds_total": 540.0,
        "machine": {"cpus": 2, "skipped": []},
    }
    figures.update(changes)
    return figures


@pytest.fixture
def quiet(monkeypatch):
    monkeypatch.setattr("bench.report._print", lambda *args: None)


def test_every_target_is_met_or_not_by_its_figure(capsys):
    targets = {t["name"]: t for t in report(_figures())["targets"]}
    table = capsys.readouterr().out

    assert all(set(t) == {"name", "value", "target", "met"} for t in targets.values())
    met = {name: t["met"] for name, t in targets.items()}
    assert met["lots list req/s ÷ floor req/s"] is True  # 0.4
    assert met["shipments list req/s ÷ floor req/s"] is False  # 0.3
    assert met["lots list req/s ÷ naive req/s"] is True  # 8
    assert met["shipments list req/s ÷ naive req/s"] is True  # 7.5
    assert met["shipments list queries at page sizes 10 / 100"] is False  # 7 then 9
    assert met["dashboard fast p95 at 100,000 lots (ms)"] is True
    assert met["dashboard fast p95 100,000 ÷ 10,000 lots"] is True  # 1.5
    assert met["dashboard slow p95 at 100,000 lots (ms)"] is False
    assert targets["dashboard slow p95 100,000 ÷ 10,000 lots"]["value"] == 4.5
    assert met["dashboard slow p95 100,000 ÷ 10,000 lots"] is False
    assert met["re-check of 100,000 lots after a rule-set edit (s)"] is True
    assert met["re-check peak resident memory (MB)"] is False
    assert met["packing list CPU seconds per page (100 pages; 10 x 10 pages)"] is True
    assert met["packing list 100 pages ÷ ten 10-page renders (CPU s per page)"] is False
    assert met["make bench wall time, both databases seeded in the run (s)"] is True
    assert "staff home /staff/" in table and "outbox: skipped" in table
    assert "a plain WeasyPrint table of 2,000 rows: 48 pages" in table
    assert sum(line.endswith(" NO") for line in table.splitlines()) == list(met.values()).count(
        False
    )


def test_a_list_loaded_in_turns_with_the_floor_is_judged_by_those_turns(capsys):
    figures = _figures()
    # Alone against the first floor: 30 ÷ 100. In turns with the floor: 120 ÷ 300.
    figures["http"]["bench_100k"]["shipments list"]["floor_paired"] = {
        "rounds": [{"floor_rps": 100, "rps": 40}, {"floor_rps": 200, "rps": 80}],
        "ratio": 0.4,
    }

    targets = {t["name"]: t for t in report(figures)["targets"]}

    target = targets["shipments list req/s ÷ floor req/s"]
    assert (target["value"], target["met"]) == (0.4, True)
    assert "req/s per round 40/100, 80/200" in capsys.readouterr().out


def test_a_run_on_reused_databases_or_with_a_phase_left_out_proves_no_total(quiet):
    reused = _figures(seeding={})
    skipped = _figures(
        compliance={"skipped": "BENCH_SKIP"}, machine={"cpus": 2, "skipped": ["compliance"]}
    )
    name = "make bench wall time, both databases seeded in the run (s)"

    for figures in (reused, skipped):
        targets = {t["name"]: t for t in report(figures)["targets"]}
        assert targets[name]["met"] is False
    targets = {t["name"]: t for t in report(skipped)["targets"]}
    recheck = [t for t in targets.values() if t["name"].startswith("re-check")]
    assert recheck and not any(t["met"] for t in recheck)
