"""A deterministic large data set, written in bulk (COPY on PostgreSQL, bulk_create elsewhere).

Reusable by any benchmark::

    from bench.seed_scale import Sizes, seed
    counts = seed(Sizes.national())          # 100,000 lots, 5,000 organisations, ...
    counts = seed(Sizes.scaled(0.1))         # a tenth of it

or from the shell (Django settings from the environment, database already migrated)::

    .venv/bin/python -m bench.seed_scale --scale 1.0

Nothing goes through the services: rows are built in memory with a fixed random seed, with ids
assigned here (so relations need no read-back), and every NOT NULL field and constraint is
filled as the models require: received never above offered, allocated equal to the active
lines, net weight never above gross, one current check per lot and country, one line per lot
and shipment. Evidence files all point at one small shared file under MEDIA_ROOT.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
from dataclasses import asdict, dataclass
from decimal import Decimal

SEED = 20200125

CITIES = [
    ("milan", "Milan", "米兰", "IT"),
    ("turin", "Turin", "都灵", "IT"),
    ("busan", "Busan", "釜山", "KR"),
    ("gwangyang", "Gwangyang", "光阳", "KR"),
    ("incheon", "Incheon", "仁川", "KR"),
    ("phnom-penh", "Phnom Penh", "金边", "KH"),
]
# Shipment statuses in the order a shipment moves through them.
FLOW = [
    "draft",
    "ready",
    "booked",
    "in_transit",
    "arrived",
    "delivered",
    "receipt_confirmed",
    "closed",
]
# Half the shipments have been delivered or later (they carry a receipt request).
STATUS_WEIGHTS = {
    "draft": 4,
    "ready": 4,
    "booked": 6,
    "in_transit": 10,
    "arrived": 6,
    "delivered": 20,
    "receipt_confirmed": 15,
    "closed": 25,
    "cancelled": 10,
}
EVIDENCE_FILE = "evidence/bench/shared-receipt.jpg"
EVIDENCE_BYTES = b"\xff\xd8\xff\xe0bench shared evidence\xff\xd9"


@dataclass(frozen=True)
class Sizes:
    lots: int = 100_000
    organisations: int = 5_000
    shipments: int = 10_000
    lines_per_shipment: int = 3
    evidence: int = 20_000
    lots_per_offer: int = 4
    needs: int = 1_000

    @classmethod
    def national(cls) -> Sizes:
        return cls()

    @classmethod
    def scaled(cls, factor: float) -> Sizes:
        base = cls()
        return cls(
            lots=max(int(base.lots * factor), 20),
            organisations=max(int(base.organisations * factor), 12),
            shipments=max(int(base.shipments * factor), 4),
            evidence=max(int(base.evidence * factor), 4),
            needs=max(int(base.needs * factor), 2),
        )


class _Writer:
    """Writes model instances with their ids set: COPY on PostgreSQL, bulk_create otherwise."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.touched = []

    def next_id(self, model) -> int:
        from django.db.models import Max

        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def write(self, model, objects: list) -> None:
        if not objects:
            return
        self.touched.append(model)
        if not self.postgres:
            model.objects.bulk_create(objects, batch_size=500)
            return
        fields = list(model._meta.concrete_fields)
        cells = [self._converter(f) for f in fields]
        buffer = io.StringIO()
        writerow = csv.writer(buffer, lineterminator="\n").writerow
        for obj in objects:
            writerow([cell(obj) for cell in cells])
        buffer.seek(0)
        columns = ", ".join(self.connection.ops.quote_name(f.column) for f in fields)
        table = self.connection.ops.quote_name(model._meta.db_table)
        with self.connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )

    def _converter(self, field):
        """One function per column turning an instance into its COPY cell, chosen once per field.

        The built-in field types are written directly (Django's per-value preparation, run for
        every one of millions of cells, was most of the seeding time); any other field type goes
        through the field's own pre_save and get_db_prep_save.
        """
        from django.db import models
        from django.utils import timezone

        attname = field.attname
        kind = field.get_internal_type()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            now = timezone.now().isoformat()
            if field.auto_now:
                return lambda obj: now

            def stamped(obj):  # a creation time the seeder set stays
                value = getattr(obj, attname)
                return now if value is None else _text(value)

            return stamped

        if isinstance(field, models.JSONField):
            encoder = field.encoder

            def cell(obj):
                value = getattr(obj, attname)
                return "\\N" if value is None else json.dumps(value, cls=encoder)

            return cell
        if isinstance(field, models.FileField):
            return lambda obj: getattr(obj, attname).name or ""
        if type(field).__module__.startswith("django.db.models.fields") and kind not in (
            "GenericIPAddressField",
        ):
            return lambda obj: _text(getattr(obj, attname))

        def slow(obj):
            value = field.get_db_prep_save(field.pre_save(obj, True), self.connection)
            return _text(value)

        return slow

    def reset_sequences(self) -> None:
        from django.core.management.color import no_style

        sql = self.connection.ops.sequence_reset_sql(no_style(), self.touched)
        with self.connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def _text(value) -> str:
    """A COPY cell of a prepared value (None is NULL)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dt.date):  # dates and (aware) datetimes
        return value.isoformat()
    return str(value)


def seed(sizes: Sizes = Sizes(), *, seed_value: int = SEED, today: dt.date | None = None) -> dict:
    """Add the data set to the current database; returns the row count written per table.

    Needs a migrated database with the standards catalogue and rule sets loaded (``migrate``
    does it). Cities are reused when they exist; everything else is added.
    """
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from compliance.models import ComplianceCheck, StoredFinding
    from compliance.selectors import rule_set_active
    from donations.models import DonationOffer, MaterialLot, Need
    from partners.models import Contact, Organisation, SisterCity
    from sfiec.choices import Category, Unit
    from shipments.models import (
        ReceiptEvidence,
        ReceiptRequest,
        Shipment,
        ShipmentLine,
        TrackingEvent,
    )
    from standards.models import Standard

    rng = random.Random(seed_value)
    today = today or timezone.localdate()
    now = timezone.now()
    w = _Writer(connection)
    counts: dict[str, int] = {}

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    def moment(offset_days: float) -> dt.datetime:
        return now + dt.timedelta(days=offset_days)

    evidence_path = settings.MEDIA_ROOT / EVIDENCE_FILE
    evidence_path.parent.mkdir(parents=True, exist_ok=True)
    evidence_path.write_bytes(EVIDENCE_BYTES)
    evidence_sha = hashlib.sha256(EVIDENCE_BYTES).hexdigest()

    with transaction.atomic():
        cities = []
        for slug, name, name_zh, country in CITIES:
            city, _created = SisterCity.objects.get_or_create(
                slug=slug, defaults={"name": name, "name_zh": name_zh, "country": country}
            )
            cities.append(city)
        rule_set = rule_set_active()
        standards = list(Standard.objects.all())
        categories = list(Category.values)
        by_category = {c: [s for s in standards if c in (s.categories or [])] for c in categories}
        tag = f"{seed_value % 10_000:04d}"

        # --- organisations and contacts -------------------------------------------------
        n_org = sizes.organisations
        kinds = (
            ["recipient"] * max(n_org // 8, len(cities))
            + ["carrier"] * max(n_org // 50, 2)
            + ["foundation"]
        )
        kinds += ["donor"] * max(n_org - len(kinds), 1)
        org_id, contact_id = w.next_id(Organisation), w.next_id(Contact)
        orgs, contacts = [], []
        for i, kind in enumerate(kinds):
            city = cities[i % len(cities)] if kind == "recipient" else None
            orgs.append(
                Organisation(
                    id=org_id + i,
                    kind=kind,
                    name=f"Bench {kind} {tag}-{i:05d}",
                    name_zh=f"测试{i}" if kind == "donor" else "",
                    country=city.country if city else "CN",
                    city=city,
                    email=f"org{i}@bench.example.org",
                )
            )
            contacts.append(
                Contact(
                    id=contact_id + i,
                    organisation_id=org_id + i,
                    name=f"Contact {i}",
                    email=f"contact{i}@bench.example.org",
                    language=rng.choice(["en", "zh-hans"]),
                    is_primary=True,
                )
            )
        w.write(Organisation, orgs)
        w.write(Contact, contacts)
        donors = [o for o in orgs if o.kind == "donor"]
        carriers = [o for o in orgs if o.kind == "carrier"]
        recipients_by_city: dict[int, list] = {}
        for o in orgs:
            if o.kind == "recipient":
                recipients_by_city.setdefault(o.city.pk, []).append(o)
        contact_of = {c.organisation_id: c for c in contacts}
        counts["organisations"], counts["contacts"] = len(orgs), len(contacts)

        # --- needs ----------------------------------------------------------------------
        need_id = w.next_id(Need)
        needs = []
        for i in range(sizes.needs):
            city = rng.choice(cities)
            needs.append(
                Need(
                    id=need_id + i,
                    recipient=rng.choice(recipients_by_city[city.pk]),
                    city=city,
                    category=rng.choice(categories),
                    quantity=rng.randint(100, 50_000),
                    needed_by=day(rng.randint(-30, 120)),
                    status=rng.choice(["open", "open", "partly_met", "met", "closed"]),
                )
            )
        w.write(Need, needs)
        counts["needs"] = len(needs)

        # --- offers and lots ------------------------------------------------------------
        n_offers = -(-sizes.lots // sizes.lots_per_offer)
        offer_id, lot_id = w.next_id(DonationOffer), w.next_id(MaterialLot)
        offers = []
        for i in range(n_offers):
            status = rng.choices(
                ["submitted", "under_review", "accepted", "declined", "withdrawn"],
                weights=[5, 5, 80, 5, 5],
            )[0]
            offers.append(
                DonationOffer(
                    id=offer_id + i,
                    reference=f"BO{tag}-{i:07d}",
                    donor=rng.choice(donors),
                    preferred_city=rng.choice(cities + [None]),
                    status=status,
                    submitted_at=moment(-rng.uniform(1, 700)),
                )
            )
        w.write(DonationOffer, offers)
        counts["offers"] = len(offers)

        lots = []
        for i in range(sizes.lots):
            offer = offers[i // sizes.lots_per_offer]
            category = rng.choice(categories)
            offered = rng.randint(1, 200) * 100
            received = offer.status == "accepted" and rng.random() < 0.9
            per_carton = rng.choice([10, 20, 25, 50, 100, 200, 400])
            cartons = -(-offered // per_carton)  # only the last carton partly filled
            gross = Decimal(rng.randint(100, 500_000)) / 100
            made = day(-rng.randint(30, 900))
            lots.append(
                MaterialLot(
                    id=lot_id + i,
                    offer_id=offer.pk,
                    reference=f"BL{tag}-{i:07d}",
                    category=category,
                    product=f"Product {rng.randint(1, 5000)}",
                    manufacturer=f"Maker {rng.randint(1, 800)}",
                    standard=rng.choice(by_category.get(category) or [None]),
                    batch_number=f"B{rng.randint(1, 10**6)}",
                    unit=Unit.PIECE,
                    quantity_offered=offered,
                    quantity_received=offered if received else 0,
                    cartons=cartons,
                    units_per_carton=per_carton,
                    gross_weight_kg=gross,
                    net_weight_kg=(gross * Decimal("0.9")).quantize(Decimal("0.01")),
                    volume_m3=Decimal(rng.randint(1, 50_000)) / 1000,
                    manufactured_on=made,
                    expires_on=made + dt.timedelta(days=rng.randint(180, 1800)),
                    unit_value=Decimal(rng.randint(1, 100_000)) / 100,
                    is_manufacturer_whitelisted=rng.random() < 0.6,
                    preferred_city=offer.preferred_city,
                    status="received" if received else "pledged",
                    is_quarantined=received and rng.random() < 0.03,
                    received_at=moment(-rng.uniform(1, 600)) if received else None,
                )
            )
        received_lots = [lot for lot in lots if lot.status == "received" and not lot.is_quarantined]
        rng.shuffle(received_lots)

        # --- shipments, lines, events ---------------------------------------------------
        ship_id, line_id = w.next_id(Shipment), w.next_id(ShipmentLine)
        event_id = w.next_id(TrackingEvent)
        shipments, lines, events = [], [], []
        lot_country: dict[int, tuple[str, dt.date, dt.date]] = {}
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        pool = iter(received_lots)
        for i in range(sizes.shipments):
            city = cities[i % len(cities)]
            status = rng.choices(statuses, weights=weights)[0]
            consignee = rng.choice(recipients_by_city[city.pk])
            departure = day(rng.randint(-600, 30))
            arrival = departure + dt.timedelta(days=rng.randint(2, 40))
            created = moment((departure - today).days - rng.randint(3, 30))
            mode = rng.choice(["air", "sea", "rail", "road", "express"])
            gross = Decimal(rng.randint(1000, 2_000_000)) / 100
            shipment = Shipment(
                id=ship_id + i,
                reference=f"BS{tag}-{i:06d}",
                city=city,
                consignee=consignee,
                consignee_contact_id=contact_of[consignee.pk].pk,
                status=status,
                mode=mode,
                carrier=rng.choice(carriers),
                carrier_reference=f"{rng.randint(100, 999)}-{rng.randint(10**7, 10**8 - 1)}",
                gross_weight_kg=gross,
                chargeable_weight_kg=gross,
                freight_cost=Decimal(rng.randint(1000, 5_000_000)) / 100,
                planned_departure_on=departure,
                expected_arrival_on=arrival,
                created_at=created,
            )
            shipments.append(shipment)
            for _n in range(sizes.lines_per_shipment):
                lot = next(pool, None)
                if lot is None:
                    break
                quantity = max(lot.quantity_received // rng.choice([1, 2, 4]), 1)
                cancelled = status == "cancelled"
                if not cancelled:
                    lot.quantity_allocated = quantity
                lines.append(
                    ShipmentLine(
                        id=line_id + len(lines),
                        shipment_id=shipment.pk,
                        lot_id=lot.pk,
                        quantity=quantity,
                        cartons=max(lot.cartons * quantity // lot.quantity_received, 1),
                        released_at=created + dt.timedelta(days=2) if cancelled else None,
                    )
                )
                lot_country[lot.pk] = (city.country, departure, arrival)
            steps = FLOW[: FLOW.index(status) + 1] if status in FLOW else ["draft", "cancelled"]
            previous = ""
            for n, step in enumerate(steps[1:], start=1):
                at = created + dt.timedelta(days=n * (arrival - departure).days / len(steps))
                events.append(
                    TrackingEvent(
                        id=event_id + len(events),
                        shipment_id=shipment.pk,
                        from_status=previous or "draft",
                        status=step,
                        location=city.name if step in ("arrived", "delivered") else "Shanghai",
                        occurred_at=at,
                        source="staff",
                    )
                )
                previous = step
        w.write(MaterialLot, lots)
        w.write(Shipment, shipments)
        w.write(ShipmentLine, lines)
        w.write(TrackingEvent, events)
        counts.update(lots=len(lots), shipments=len(shipments))
        counts.update(shipment_lines=len(lines), tracking_events=len(events))

        # --- compliance checks: one current check per lot ------------------------------
        check_id = w.next_id(ComplianceCheck)
        checks = []
        default_export, default_arrival = today, day(14)
        finding_ids = {}
        for result in ("pass", "warn", "fail"):
            findings = (
                []
                if result == "pass"
                else [
                    {
                        "rule": "bench.rule",
                        "severity": result,
                        "message": "Seeded finding.",
                        "message_zh": "种子数据。",
                        "source": "bench",
                    }
                ]
            )
            finding_ids[result] = StoredFinding.objects.ids_for(findings)
        for lot in lots:
            country, export, arrival = lot_country.get(
                lot.pk,
                (
                    (lot.preferred_city or cities[lot.pk % len(cities)]).country,
                    default_export,
                    default_arrival,
                ),
            )
            result = rng.choices(["pass", "warn", "fail"], weights=[70, 15, 15])[0]
            checks.append(
                ComplianceCheck(
                    id=check_id + len(checks),
                    lot_id=lot.pk,
                    country=country,
                    rule_set=rule_set,
                    result=result,
                    finding_ids=finding_ids[result],
                    export_date=export,
                    arrival_date=arrival,
                    input_fingerprint=hashlib.sha256(f"{lot.pk}:{country}".encode()).hexdigest(),
                )
            )
        w.write(ComplianceCheck, checks)
        counts["compliance_checks"] = len(checks)

        # --- receipt requests and evidence ----------------------------------------------
        delivered = [
            s for s in shipments if s.status in ("delivered", "receipt_confirmed", "closed")
        ]
        request_id, evidence_id = w.next_id(ReceiptRequest), w.next_id(ReceiptEvidence)
        requests = []
        for s in delivered:
            status = {
                "delivered": rng.choice(["sent", "receipt_uploaded"]),
                "receipt_confirmed": "receipt_verified",
                "closed": "report_verified",
            }[s.status]
            requests.append(
                ReceiptRequest(
                    id=request_id + len(requests),
                    shipment_id=s.pk,
                    contact_id=s.consignee_contact_id,
                    status=status,
                    due_on=s.expected_arrival_on + dt.timedelta(days=30),
                    sent_at=moment((s.expected_arrival_on - today).days + 1),
                )
            )
        evidence = []
        kinds = ["signed_receipt", "distribution_report", "photo", "photo", "video"]
        for n in range(sizes.evidence if requests else 0):
            request = requests[n % len(requests)]
            evidence.append(
                ReceiptEvidence(
                    id=evidence_id + n,
                    request_id=request.pk,
                    kind=kinds[n // len(requests) % len(kinds)],
                    file=EVIDENCE_FILE,
                    original_name=f"receipt-{n}.jpg",
                    sha256=evidence_sha,
                    content_type="image/jpeg",
                    size=len(EVIDENCE_BYTES),
                )
            )
        w.write(ReceiptRequest, requests)
        w.write(ReceiptEvidence, evidence)
        counts.update(receipt_requests=len(requests), receipt_evidence=len(evidence))
        w.reset_sequences()
        # The per-shipment rollups the dashboard reads, which the shipments services keep as a
        # shipment moves: the rows above were written in bulk, past the services.
        from shipments.models import ShipmentGoods, ShipmentLeadTime
        from shipments.rollups import shipment_rollups_rebuild

        rollups = shipment_rollups_rebuild()
        counts.update(shipment_goods=rollups["goods"], shipment_lead_times=rollups["lead_times"])
        w.touched += [ShipmentGoods, ShipmentLeadTime]
    if w.postgres:
        # Statistics for the planner and, outside a transaction (not in tests), a visibility map
        # too, as a live database has: autovacuum would otherwise do it in the middle of the
        # measurements.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in w.touched:
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    return counts


def main() -> None:
    import argparse
    import os
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 lots")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sfiec.settings")
    import django

    django.setup()
    sizes = Sizes.national() if args.scale == 1.0 else Sizes.scaled(args.scale)
    started = time.perf_counter()
    counts = seed(sizes, seed_value=args.seed)
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - started, 1),
                "sizes": asdict(sizes),
                "rows": counts,
            }
        )
    )


if __name__ == "__main__":
    main()
