"""Reads behind the staff dashboard: every KPI and chart in a fixed number of aggregate queries.

Each ``kpi_*`` / ``chart_*`` function returns a JSON-ready dict and makes the same number of
queries whatever the size of the data (tests/dashboard/test_query_counts.py holds them to it).
The filters that define a card (``*_q``) are shared with the staff lists, so a card's number is
the length of the list it links to. The goods and lead-time charts read the per-shipment rollups
that the shipments services keep as a shipment moves (``shipments.rollups``), not every shipped
line joined with its lot and its shipment's events.
"""

import datetime as dt
import math
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    Q,
    Sum,
    When,
)
from django.db.models.functions import TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from compliance.models import ComplianceCheck
from donations.models import DonationOffer, MaterialLot, Need
from donations.selectors import OPEN_STATUSES
from partners.models import SisterCity
from sfiec.choices import Category
from shipments.models import (
    ReceiptRequest,
    Shipment,
    ShipmentDocument,
    ShipmentGoods,
    ShipmentLeadTime,
)
from shipments.rollups import SHIPPED_STATUSES

from .geo import ORIGIN, city_position

UNMET_NEED_STATUSES = (Need.Status.OPEN, Need.Status.PARTLY_MET)
# Waiting on the recipient: the receipt (sent) or the distribution report (receipt verified).
RECEIPT_WAITING_STATUSES = (ReceiptRequest.Status.SENT, ReceiptRequest.Status.RECEIPT_VERIFIED)
# Lead-time milestones: the rollup column (shipments.rollups) of the days each took.
MILESTONES = {
    "dispatch": "dispatch_days",
    "delivery": "delivery_days",
    "receipt": "receipt_days",
}
WEEKS = 26


# --- the definitions shared with the lists -----------------------------------------------------


def lot_failing_compliance_q() -> Q:
    """A lot with a current failing check that no compliance officer has overridden."""
    failing = ComplianceCheck.objects.filter(
        is_current=True, result=ComplianceCheck.Result.FAIL, overridden_by__isnull=True
    ).values("lot_id")
    return Q(pk__in=failing)


def receipt_overdue_q(*, today: dt.date | None = None) -> Q:
    """Mirrors ReceiptRequest.is_overdue: waiting on the recipient past the due date."""
    return Q(status__in=RECEIPT_WAITING_STATUSES, due_on__lt=today or timezone.localdate())


def _list_url(kind: str, **params) -> str:
    url = reverse("dashboard:list", args=[kind])
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


# --- KPIs ----------------------------------------------------------------------------------------


def _kpi(name: str, label: str, value: int, url: str) -> dict:
    return {"name": name, "label": label, "value": value, "url": url}


def kpi_offers_awaiting_review() -> dict:
    value = DonationOffer.objects.filter(status__in=OPEN_STATUSES).count()
    url = _list_url("offers", status=list(OPEN_STATUSES))
    return _kpi("offers-awaiting-review", _("Offers awaiting review"), value, url)


def kpi_lots_in_quarantine() -> dict:
    value = MaterialLot.objects.filter(is_quarantined=True).count()
    url = _list_url("lots", is_quarantined="true")
    return _kpi("lots-in-quarantine", _("Lots in quarantine"), value, url)


def kpi_lots_failing_compliance() -> dict:
    value = MaterialLot.objects.filter(lot_failing_compliance_q()).count()
    url = _list_url("lots", compliance="failing")
    return _kpi("lots-failing-compliance", _("Lots failing compliance, not overridden"), value, url)


def kpi_documents_failed() -> dict:
    value = ShipmentDocument.objects.filter(state=ShipmentDocument.State.FAILED).count()
    url = _list_url("documents", state=ShipmentDocument.State.FAILED)
    return _kpi("documents-failed", _("Documents failed"), value, url)


def kpi_receipts_overdue() -> dict:
    value = ReceiptRequest.objects.filter(receipt_overdue_q()).count()
    url = _list_url("receipts", overdue="true")
    return _kpi("receipts-overdue", _("Receipts overdue"), value, url)


def kpi_unmet_needs() -> dict:
    value = Need.objects.filter(status__in=UNMET_NEED_STATUSES).count()
    url = _list_url("needs", status=list(UNMET_NEED_STATUSES))
    return _kpi("unmet-needs", _("Unmet needs"), value, url)


def kpi_shipments_by_status() -> dict:
    """One count per shipment status (zero included), each linking to its list."""
    counts = dict(
        Shipment.objects.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    items = [
        {
            "status": status,
            "label": str(label),
            "value": counts.get(status, 0),
            "url": _list_url("shipments", status=status),
        }
        for status, label in Shipment.Status.choices
    ]
    return {
        "name": "shipments-by-status",
        "label": _("Shipments by status"),
        "value": sum(counts.values()),
        "url": _list_url("shipments"),
        "by_status": items,
    }


# --- charts --------------------------------------------------------------------------------------


def _money(value) -> float:
    return float(round(Decimal(value or 0), 2))


def _goods_rows(group_by: str) -> list[dict]:
    """Goods shipped, grouped by ``group_by``: sums of the per-shipment rollup rows that
    shipments keeps for every shipment that has left (shipments.rollups), not of the lines."""
    rows = (
        ShipmentGoods.objects.order_by()
        .values(group_by, "currency")
        .annotate(
            units=Sum("units"),
            cartons=Sum("cartons"),
            kg=Sum("kg"),
            value=Sum("value"),
        )
        .order_by(group_by, "currency")
    )
    merged: dict[str, dict] = {}
    for row in rows:
        key = row[group_by]
        entry = merged.setdefault(key, {"units": 0, "cartons": 0, "kg": 0.0, "value": {}})
        entry["units"] += row["units"] or 0
        entry["cartons"] += row["cartons"] or 0
        entry["kg"] = round(entry["kg"] + float(row["kg"] or 0), 2)
        currency = row["currency"]
        entry["value"][currency] = round(
            entry["value"].get(currency, 0.0) + _money(row["value"]), 2
        )
    return [{"key": key, **values} for key, values in merged.items()]


def chart_goods_by_city() -> dict:
    """Goods shipped to each sister city: units, cartons, kg (the lines' share of the lot's
    gross weight) and declared value per currency. Two queries."""
    rows = {row["key"]: row for row in _goods_rows("shipment__city_id")}
    cities = SisterCity.objects.filter(Q(is_active=True) | Q(pk__in=list(rows))).order_by("name")
    zh = (get_language() or "").startswith("zh")
    return {
        "name": "goods-by-city",
        "title": _("Goods shipped by city"),
        "currencies": sorted({c for row in rows.values() for c in row["value"]}),
        "items": [
            {
                "key": city.slug,
                "label": (city.name_zh if zh and city.name_zh else city.name),
                "units": rows.get(city.pk, {}).get("units", 0),
                "cartons": rows.get(city.pk, {}).get("cartons", 0),
                "kg": rows.get(city.pk, {}).get("kg", 0.0),
                "value": rows.get(city.pk, {}).get("value", {}),
                "url": _list_url("shipments", city=city.slug),
            }
            for city in cities
        ],
    }


def chart_goods_by_category() -> dict:
    """Goods shipped per product category, in the same measures as by city. One query."""
    rows = {row["key"]: row for row in _goods_rows("category")}
    labels = dict(Category.choices)
    return {
        "name": "goods-by-category",
        "title": _("Goods shipped by category"),
        "currencies": sorted({c for row in rows.values() for c in row["value"]}),
        "items": [
            {
                "key": key,
                "label": str(labels.get(key, key)),
                "units": row["units"],
                "cartons": row["cartons"],
                "kg": row["kg"],
                "value": row["value"],
                "url": _list_url("lots", category=key),
            }
            for key, row in sorted(rows.items())
        ],
    }


def chart_freight_cost_per_kg() -> dict:
    """Freight cost per kilogram by mode (and currency), over shipments that are not cancelled
    and have a cost and a weight. Chargeable weight when known, else gross. One query."""
    weight = Case(
        When(chargeable_weight_kg__gt=0, then=F("chargeable_weight_kg")),
        default=F("gross_weight_kg"),
    )
    rows = (
        Shipment.objects.exclude(status=Shipment.Status.CANCELLED)
        .filter(freight_cost__gt=0)
        .filter(Q(chargeable_weight_kg__gt=0) | Q(gross_weight_kg__gt=0))
        .order_by()
        .values("mode", "freight_currency")
        .annotate(cost=Sum("freight_cost"), kg=Sum(weight), shipments=Count("id"))
        .order_by("mode", "freight_currency")
    )
    modes = dict(Shipment.Mode.choices)
    return {
        "name": "freight-cost-per-kg",
        "title": _("Freight cost per kg by mode"),
        "items": [
            {
                "key": row["mode"],
                "label": str(modes.get(row["mode"], row["mode"])),
                "currency": row["freight_currency"],
                "cost": _money(row["cost"]),
                "kg": _money(row["kg"]),
                "per_kg": _money(Decimal(row["cost"]) / Decimal(row["kg"])),
                "shipments": row["shipments"],
            }
            for row in rows
        ],
    }


def percentile_cont(sorted_values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont (linear interpolation) over already sorted values."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _lead_times_postgres() -> dict:
    # One sort per milestone, both fractions from it.
    columns = []
    for column in MILESTONES.values():
        columns.append(
            f'percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY "{column}")'
            f' FILTER (WHERE "{column}" IS NOT NULL)'
        )
        columns.append(f'COUNT("{column}")')
    table = connection.ops.quote_name(ShipmentLeadTime._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
        row = cursor.fetchone()
    result = {}
    for i, name in enumerate(MILESTONES):
        median, p90 = row[2 * i] or (None, None)
        result[name] = {"median": median, "p90": p90, "count": row[2 * i + 1]}
    return result


def _lead_times_python() -> dict:
    durations: dict[str, list[float]] = {name: [] for name in MILESTONES}
    rows = ShipmentLeadTime.objects.order_by().values_list(*MILESTONES.values())
    for row in rows.iterator(chunk_size=5000):
        for name, days in zip(MILESTONES, row, strict=True):
            if days is not None:
                durations[name].append(days)
    result = {}
    for name, values in durations.items():
        values.sort()
        result[name] = {
            "median": percentile_cont(values, 0.5),
            "p90": percentile_cont(values, 0.9),
            "count": len(values),
        }
    return result


def chart_lead_times() -> dict:
    """Days from offer to dispatch, delivery and receipt: median and 90th percentile over
    (offer, shipment) pairs, read from the rollup shipments keeps (one row per pair whose
    shipment reached a milestone). One query: percentiles in the database on PostgreSQL, over
    the fetched durations elsewhere (SQLite has no percentile function)."""
    if connection.vendor == "postgresql":
        stats = _lead_times_postgres()
    else:
        stats = _lead_times_python()
    labels = {
        "dispatch": _("Offer to dispatch"),
        "delivery": _("Offer to delivery"),
        "receipt": _("Offer to receipt"),
    }
    return {
        "name": "lead-times",
        "title": _("Lead times (days)"),
        "items": [
            {
                "key": name,
                "label": str(labels[name]),
                "median": None if stat["median"] is None else round(float(stat["median"]), 1),
                "p90": None if stat["p90"] is None else round(float(stat["p90"]), 1),
                "count": stat["count"],
            }
            for name, stat in stats.items()
        ],
    }


def chart_weekly() -> dict:
    """Offers received and shipments dispatched per week over the last 26 weeks. Two queries."""
    today = timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    first_monday = this_monday - dt.timedelta(weeks=WEEKS - 1)
    since = timezone.make_aware(dt.datetime.combine(first_monday, dt.time.min))
    offers = dict(
        DonationOffer.objects.filter(submitted_at__gte=since)
        .order_by()
        .annotate(week=TruncWeek("submitted_at"))
        .values("week")
        .annotate(n=Count("id"))
        .values_list("week", "n")
    )
    shipments = dict(
        Shipment.objects.filter(
            events__status=Shipment.Status.IN_TRANSIT, events__occurred_at__gte=since
        )
        .order_by()
        .annotate(week=TruncWeek("events__occurred_at"))
        .values("week")
        .annotate(n=Count("id", distinct=True))
        .values_list("week", "n")
    )

    def by_date(counts):
        return {
            timezone.localtime(week).date() if isinstance(week, dt.datetime) else week: n
            for week, n in counts.items()
        }

    offers, shipments = by_date(offers), by_date(shipments)
    weeks = [first_monday + dt.timedelta(weeks=i) for i in range(WEEKS)]
    return {
        "name": "weekly",
        "title": _("Offers and shipments per week"),
        "items": [
            {
                "week": week.isoformat(),
                "offers": offers.get(week, 0),
                "shipments": shipments.get(week, 0),
            }
            for week in weeks
        ],
    }


def chart_flows() -> dict:
    """The map: each sister city with the shipments that left Shenzhen for it. Two queries."""
    counts = {
        row["city_id"]: row
        for row in Shipment.objects.exclude(status=Shipment.Status.CANCELLED)
        .order_by()
        .values("city_id")
        .annotate(
            shipments=Count("id"),
            shipped=Count("id", filter=Q(status__in=SHIPPED_STATUSES)),
            in_transit=Count("id", filter=Q(status=Shipment.Status.IN_TRANSIT)),
        )
    }
    cities = SisterCity.objects.filter(Q(is_active=True) | Q(pk__in=list(counts))).order_by("name")
    zh = (get_language() or "").startswith("zh")
    items = []
    for city in cities:
        row = counts.get(city.pk, {})
        items.append(
            {
                "key": city.slug,
                "label": city.name_zh if zh and city.name_zh else city.name,
                "country": city.country,
                "coords": city_position(city.slug),
                "shipments": row.get("shipments", 0),
                "shipped": row.get("shipped", 0),
                "in_transit": row.get("in_transit", 0),
                "url": _list_url("shipments", city=city.slug),
            }
        )
    return {
        "name": "flows",
        "title": _("Flows from Shenzhen to the sister cities"),
        "origin": {"label": _("Shenzhen"), "coords": ORIGIN},
        "items": items,
    }


# --- the registry the endpoints and the page read ----------------------------------------------

KPIS = {
    "offers-awaiting-review": kpi_offers_awaiting_review,
    "lots-in-quarantine": kpi_lots_in_quarantine,
    "lots-failing-compliance": kpi_lots_failing_compliance,
    "shipments-by-status": kpi_shipments_by_status,
    "documents-failed": kpi_documents_failed,
    "receipts-overdue": kpi_receipts_overdue,
    "unmet-needs": kpi_unmet_needs,
}
CHARTS = {
    "goods-by-city": chart_goods_by_city,
    "goods-by-category": chart_goods_by_category,
    "freight-cost-per-kg": chart_freight_cost_per_kg,
    "lead-times": chart_lead_times,
    "weekly": chart_weekly,
    "flows": chart_flows,
}
PANELS = {**KPIS, **CHARTS}


def dashboard_panel(*, name: str) -> dict:
    """One card or chart, computed at most once per ``DASHBOARD_CACHE_SECONDS`` and language
    (in Redis when set); 0 computes it on every request."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return PANELS[name]()
    key = f"dashboard:{name}:{get_language() or 'en'}"
    data = cache.get(key)
    if data is None:
        data = PANELS[name]()
        cache.set(key, data, seconds)
    return data
