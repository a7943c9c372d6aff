"""The customs document pack of a shipment: what goes into each PDF, its versions, its rendering.

``shipment_documents_generate`` (staff, through the API or the shipment page) takes a snapshot
of the shipment for every document kind, fingerprints it and queues a render for each kind
whose fingerprint changed; ``shipment_document_render`` (the worker) renders one version from
its stored snapshot with WeasyPrint, outside any transaction, and writes it to a storage key
fixed per (shipment, kind, version), so a re-run after a killed worker overwrites instead of
adding a copy.
"""

import base64
import datetime as dt
import gc
import hashlib
import io
import json
import logging
import math
import subprocess
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from compliance.catalogue import shipped_catalogue
from donations.selectors import donors_named_publicly
from partners.models import Organisation
from sfiec.exceptions import DomainError
from sfiec.workflow import Workflow

from . import receipts
from .models import Shipment, ShipmentDocument

logger = logging.getLogger(__name__)

Kind = ShipmentDocument.Kind
State = ShipmentDocument.State

# Kinds of the customs pack, in the order staff print them. The joint exporter–importer
# declaration only exists when the shipment holds non-medical masks (Announcement No. 12).
PACK_KINDS = (
    Kind.PROFORMA_INVOICE,
    Kind.PACKING_LIST,
    Kind.DONATION_CERTIFICATE,
    Kind.DECLARATION_OF_CONFORMITY,
    Kind.JOINT_DECLARATION,
    Kind.CARTON_LABELS,
    Kind.RECEIPT_FORM,
)
NON_MEDICAL_MASK_CATEGORIES = ("respirator_nonmedical",)

# Which parts of the snapshot each document shows: a change elsewhere makes no new version.
KIND_INPUTS = {
    Kind.PROFORMA_INVOICE: ("shipment", "consignor", "lines", "totals"),
    Kind.PACKING_LIST: ("shipment", "consignor", "lines", "totals"),
    Kind.DONATION_CERTIFICATE: (
        "shipment",
        "consignor",
        "lines",
        "totals",
        "donors",
        "anonymous_donors",
        "trace_url",
    ),
    Kind.DECLARATION_OF_CONFORMITY: ("shipment", "consignor", "lines", "standards"),
    Kind.JOINT_DECLARATION: ("shipment", "consignor", "lines", "standards"),
    Kind.CARTON_LABELS: ("shipment", "consignor", "lines", "totals", "trace_url"),
    Kind.RECEIPT_FORM: ("shipment", "consignor", "lines", "totals", "receipt"),
}
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "documents"

# A document moves queued → rendering → ready; a killed worker leaves it rendering and the
# redelivered task renders it again (rendering → rendering). Failed versions can be queued
# again with the same inputs. Any non-superseded version is superseded by a newer one.
DOCUMENT_WORKFLOW = Workflow(
    "document",
    {
        State.QUEUED: {State.QUEUED, State.RENDERING, State.FAILED, State.SUPERSEDED},
        State.RENDERING: {
            State.QUEUED,
            State.RENDERING,
            State.READY,
            State.FAILED,
            State.SUPERSEDED,
        },
        State.READY: {State.SUPERSEDED},
        State.FAILED: {State.QUEUED, State.SUPERSEDED},
    },
    dict(State.choices),
)
ACTIVE_STATES = (State.QUEUED, State.RENDERING)


class DocumentRenderError(Exception):
    """Rendering cannot succeed however often it is retried (missing font, bad template)."""


# --- Links printed on the documents -------------------------------------------------------


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def trace_url(shipment: Shipment) -> str:
    """The public trace page of a shipment, which the QR codes on the pack point to."""
    return receipts.shipment_trace_url(shipment)


def receipt_portal_url(shipment: Shipment) -> str | None:
    """The recipient portal's signed link, or None when no receipt request exists yet.

    With None, the receipt form says that the link is sent by email on delivery.
    """
    request = getattr(shipment, "receipt_request", None)
    return receipts.receipt_portal_url(request) if request is not None else None


# --- What each document shows -----------------------------------------------------------

MEDICAL_CATEGORIES = ("respirator_medical", "medical_mask", "test_kit", "ventilator")
MEDICAL_STANDARDS = (
    "CN_GB19083",
    "CN_YY0469",
    "CN_YYT0969",
    "CN_GB19082",
    "EU_EN14683",
    "US_ASTM_F2100",
)
INTENDED_USE = {
    True: ("medical use by healthcare workers", "医疗机构医用"),
    False: ("non-medical, not for surgical use", "非医用，不得用于外科手术"),
}


def _money(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _protection_level(product: str, standard) -> str:
    """The level named in the product (e.g. KN95) if the standard has it, else its classes."""
    if standard is None:
        return ""
    classes = standard.protection_class or ""
    upper = product.upper()
    for token in classes.replace(";", "/").replace("(", "/").replace(")", "/").split("/"):
        level = token.strip().split(" ")[0].strip()
        if len(level) >= 2 and level.upper() in upper:
            return level
    return classes


def _organisation(org) -> dict:
    if org is None:
        return {}
    return {
        "name": org.name,
        "name_zh": org.name_zh,
        "address": org.address,
        "country": org.country,
        "email": org.email,
        "phone": org.phone,
        "registration_number": org.registration_number,
    }


def _consignor() -> dict:
    foundation = Organisation.objects.filter(kind=Organisation.Kind.FOUNDATION).first()
    return _organisation(foundation) or {
        "name": "Shenzhen Foundation for International Exchange and Cooperation",
        "name_zh": "深圳市国际交流合作基金会",
        "address": "Shenzhen, Guangdong, China",
        "country": "CN",
        "email": "",
        "phone": "",
        "registration_number": "",
    }


def _line(line, catalogue, first_carton: int) -> dict:
    lot = line.lot
    standard = lot.standard
    category = catalogue.hs_codes.get(lot.category, {})
    is_medical = lot.category in MEDICAL_CATEGORIES or (
        standard is not None and standard.slug in MEDICAL_STANDARDS
    )
    base = lot.quantity_received or lot.quantity_offered or line.quantity
    share = Decimal(line.quantity) / Decimal(base)
    cartons = line.cartons
    if not cartons and lot.units_per_carton:
        cartons = math.ceil(line.quantity / lot.units_per_carton)
    lot_cartons = lot.cartons or cartons or 1
    value = _money(lot.unit_value * line.quantity)
    use_en, use_zh = INTENDED_USE[is_medical]
    return {
        "lot": lot.reference,
        "product": lot.product,
        "manufacturer": lot.manufacturer,
        "batch": lot.batch_number,
        "category": lot.category,
        "category_label": category.get("label", lot.get_category_display()),
        "category_label_zh": category.get("label_zh", ""),
        "standard": standard.slug if standard else "",
        "standard_body": standard.body if standard else "",
        "standard_title": standard.title if standard else "",
        "standard_title_zh": standard.title_zh if standard else "",
        "protection_level": _protection_level(lot.product, standard),
        "intended_use": use_en,
        "intended_use_zh": use_zh,
        "is_medical": is_medical,
        "is_non_medical_mask": lot.category in NON_MEDICAL_MASK_CATEGORIES,
        "hs_code": (lot.hs_code or category.get("hs") or "").strip(),
        "cn_code": category.get("cn") or "",
        "unit": lot.get_unit_display(),
        "quantity": line.quantity,
        "cartons": cartons,
        "carton_from": first_carton if cartons else 0,
        "carton_to": first_carton + cartons - 1 if cartons else 0,
        "units_per_carton": lot.units_per_carton
        or (math.ceil(line.quantity / cartons) if cartons else 0),
        "gross_kg": str(_money(lot.gross_weight_kg * share)),
        "net_kg": str(_money(lot.net_weight_kg * share)),
        "carton_gross_kg": str(_money(lot.gross_weight_kg / lot_cartons)),
        "carton_volume_m3": str(
            (lot.volume_m3 / lot_cartons).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        ),
        "volume_m3": str((lot.volume_m3 * share).quantize(Decimal("0.001"))),
        "unit_value": str(lot.unit_value.normalize()),
        "currency": lot.currency,
        "value": str(value),
        "manufactured_on": lot.manufactured_on.isoformat() if lot.manufactured_on else "",
        "expires_on": lot.expires_on.isoformat() if lot.expires_on else "",
        "donor": lot.offer.donor.name,
        "donor_zh": lot.offer.donor.name_zh,
    }


def pack_inputs(shipment: Shipment) -> dict:
    """A JSON-safe snapshot of everything the pack prints, in a stable order."""
    catalogue = shipped_catalogue()
    lines = list(
        shipment.lines.filter(released_at=None)
        .select_related("lot", "lot__standard", "lot__offer__donor")
        .order_by("id")
    )
    rows, next_carton = [], 1
    for line in lines:
        row = _line(line, catalogue, next_carton)
        next_carton += row["cartons"]
        rows.append(row)
    totals: dict = {
        "quantity": sum(r["quantity"] for r in rows),
        "cartons": sum(r["cartons"] for r in rows),
        "gross_kg": str(sum((Decimal(r["gross_kg"]) for r in rows), Decimal("0.00"))),
        "net_kg": str(sum((Decimal(r["net_kg"]) for r in rows), Decimal("0.00"))),
        "volume_m3": str(sum((Decimal(r["volume_m3"]) for r in rows), Decimal("0.000"))),
        "values": [],
    }
    for currency in sorted({r["currency"] for r in rows}):
        amount = sum(Decimal(r["value"]) for r in rows if r["currency"] == currency)
        totals["values"].append({"currency": currency, "amount": str(_money(amount))})
    standards = {}
    for row in rows:
        if row["standard"]:
            standards.setdefault(
                row["standard"],
                {
                    "slug": row["standard"],
                    "body": row["standard_body"],
                    "title": row["standard_title"],
                    "title_zh": row["standard_title_zh"],
                    "levels": [],
                },
            )
            if row["protection_level"] not in standards[row["standard"]]["levels"]:
                standards[row["standard"]]["levels"].append(row["protection_level"])
    # The certificate names only the donors who agreed to be named, as the trace page does;
    # the others are one row: how many they are and what they gave together.
    named_ids = donors_named_publicly(offers=[line.lot.offer for line in lines])
    donors, anonymous = {}, {}
    for line, row in zip(lines, rows, strict=True):
        donor = line.lot.offer.donor
        if donor.pk in named_ids:
            entry = donors.setdefault(
                donor.pk, {"name": donor.name, "name_zh": donor.name_zh, "quantity": 0}
            )
            entry["quantity"] += row["quantity"]
        else:
            anonymous[donor.pk] = anonymous.get(donor.pk, 0) + row["quantity"]
    city = shipment.city
    contact = shipment.consignee_contact
    request = getattr(shipment, "receipt_request", None)
    country = catalogue.countries.get(city.country, {})
    return {
        "shipment": {
            "reference": shipment.reference,
            "mode": shipment.get_mode_display(),
            "carrier": str(shipment.carrier) if shipment.carrier_id else "",
            "carrier_reference": shipment.carrier_reference,
            "planned_departure_on": _iso(shipment.planned_departure_on),
            "expected_arrival_on": _iso(shipment.expected_arrival_on),
            "incoterm": getattr(shipment, "incoterm", "") or settings.DOCUMENTS_DEFAULT_INCOTERM,
            "port_of_loading": settings.DOCUMENTS_PORT_OF_LOADING,
            "city": city.name,
            "city_zh": city.name_zh,
            "country": city.country,
            "country_name": country.get("name", city.country),
            "country_name_zh": country.get("name_zh", ""),
            "consignee": _organisation(shipment.consignee),
            "contact": {"name": contact.name, "email": contact.email, "phone": contact.phone}
            if contact
            else {},
        },
        "consignor": _consignor(),
        "lines": rows,
        "totals": totals,
        "standards": sorted(standards.values(), key=lambda s: s["slug"]),
        "donors": sorted(donors.values(), key=lambda d: d["name"]),
        "anonymous_donors": {
            "count": len(anonymous),
            "quantity": sum(anonymous.values()),
        },
        "trace_url": trace_url(shipment),
        # The signed portal link is made at render time (its token changes with every
        # signing); the request and its token version are what make a new receipt form.
        "receipt": {
            "request": request.pk if request else None,
            "token_version": request.token_version if request else None,
            "due_on": _iso(request.due_on) if request else "",
        },
    }


def _iso(value) -> str:
    return value.isoformat() if value else ""


@cache
def _template_hash(kind: str) -> str:
    """Changed templates are changed inputs: a deploy with a new layout makes new versions."""
    digest = hashlib.sha256()
    for name in ("base.html", f"{kind}.html"):
        digest.update((TEMPLATE_DIR / name).read_bytes())
    return digest.hexdigest()


def kind_inputs(snapshot: dict, kind: str) -> tuple[dict, str]:
    """The part of ``snapshot`` that ``kind`` prints, and its fingerprint."""
    inputs = {key: snapshot[key] for key in KIND_INPUTS[kind]}
    canonical = json.dumps(
        {"kind": kind, "template": _template_hash(kind), "inputs": inputs},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return inputs, hashlib.sha256(canonical.encode()).hexdigest()


def pack_kinds(snapshot: dict) -> list[str]:
    has_masks = any(line["is_non_medical_mask"] for line in snapshot["lines"])
    return [k for k in PACK_KINDS if k != Kind.JOINT_DECLARATION or has_masks]


# --- Services -------------------------------------------------------------------------------


def shipment_documents_generate(*, shipment: Shipment, actor) -> list[ShipmentDocument]:
    """Queue a render for every document of the pack whose inputs changed; return the current ones.

    Same inputs as the current version: nothing new (a failed version, or one whose render
    was lost for longer than a task may run, is queued again). Changed inputs: a new version,
    and the previous one is marked superseded but keeps its file, sha256 and fingerprint.
    Renders are recorded in this transaction's outbox and sent once it has committed.
    """
    to_render: list[int] = []
    with transaction.atomic():
        locked = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("city", "consignee", "consignee_contact", "carrier")
            .get(pk=shipment.pk)
        )
        if locked.status == Shipment.Status.CANCELLED:
            raise DomainError(_("A cancelled shipment has no documents."))
        snapshot = pack_inputs(locked)
        if not snapshot["lines"]:
            raise DomainError(_("Add at least one line before generating the documents."))
        now = timezone.now()
        current = {
            doc.kind: doc
            for doc in locked.documents.select_for_update().exclude(state=State.SUPERSEDED)
        }
        wanted = pack_kinds(snapshot)
        for kind in wanted:
            inputs, fingerprint = kind_inputs(snapshot, kind)
            doc = current.get(kind)
            if doc is not None and doc.inputs_fingerprint == fingerprint:
                if doc.state == State.FAILED or _is_lost(doc, now):
                    DOCUMENT_WORKFLOW.check(doc.state, State.QUEUED)
                    doc.state, doc.error, doc.requested_by = State.QUEUED, "", _user(actor)
                    doc.attempts = 0  # staff asked again: a fresh allowance of attempts
                    doc.save(
                        update_fields=["state", "error", "requested_by", "attempts", "updated_at"]
                    )
                    to_render.append(doc.pk)
                continue
            version = 1
            if doc is not None:
                _supersede(doc, now)
            last = locked.documents.filter(kind=kind).order_by("-version").first()
            if last is not None:
                version = last.version + 1
            new = ShipmentDocument.objects.create(
                shipment=locked,
                kind=kind,
                version=version,
                inputs=inputs,
                inputs_fingerprint=fingerprint,
                requested_by=_user(actor),
            )
            to_render.append(new.pk)
        for kind, doc in current.items():
            if kind not in wanted and kind in PACK_KINDS:
                _supersede(doc, now)  # e.g. no non-medical masks left: no joint declaration
        documents_enqueue(to_render)
    return list(shipment_documents_current(shipment))


def shipment_documents_current(shipment: Shipment):
    """The current (non-superseded) version of each document, in pack order."""
    order = {kind: index for index, kind in enumerate([*PACK_KINDS, Kind.ENTRUSTMENT_AGREEMENT])}
    docs = ShipmentDocument.objects.filter(shipment=shipment).exclude(state=State.SUPERSEDED)
    return sorted(docs.defer("inputs"), key=lambda d: order.get(d.kind, 99))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _is_lost(doc: ShipmentDocument, now: dt.datetime) -> bool:
    """Queued or rendering for longer than any task may run: its message is gone."""
    if doc.state not in ACTIVE_STATES:
        return False
    limit = dt.timedelta(seconds=settings.DOCUMENTS_LOST_AFTER_SECONDS)
    return doc.updated_at < now - limit


def _supersede(doc: ShipmentDocument, now: dt.datetime) -> None:
    DOCUMENT_WORKFLOW.check(doc.state, State.SUPERSEDED)
    doc.state, doc.superseded_at = State.SUPERSEDED, now
    doc.save(update_fields=["state", "superseded_at", "updated_at"])


def documents_enqueue(document_ids: list[int]) -> None:
    """Record one render task per document in the caller's transaction (the outbox).

    They reach the broker, routed to the PDF queue, once the transaction commits, or later
    through the outbox flush if the broker is down then: a committed request loses nothing.
    """
    from sfiec.outbox import outbox_enqueue

    from .document_tasks import shipment_document_render_task

    for document_id in document_ids:
        outbox_enqueue(shipment_document_render_task, document_id)


def shipment_document_render(*, document_id: int) -> ShipmentDocument:
    """Render one document version to its storage key and mark it ready (idempotent).

    Ready or superseded versions are left alone. A version a killed worker left "rendering"
    is rendered again to the same key. The render runs with no transaction open, so no row
    stays locked while WeasyPrint works.
    """
    with transaction.atomic():
        doc = ShipmentDocument.objects.select_for_update().get(pk=document_id)
        if doc.state in (State.READY, State.SUPERSEDED):
            return doc
        if doc.attempts >= settings.DOCUMENTS_MAX_ATTEMPTS:
            raise DocumentRenderError(
                _("Gave up after %(n)s render attempts; the last ones did not finish.")
                % {"n": doc.attempts}
            )
        DOCUMENT_WORKFLOW.check(doc.state, State.RENDERING)
        doc.state, doc.started_at, doc.error = State.RENDERING, timezone.now(), ""
        doc.attempts += 1
        doc.save(update_fields=["state", "started_at", "error", "attempts", "updated_at"])
    shipment = Shipment.objects.get(pk=doc.shipment_id)
    links = {}
    if (doc.inputs.get("receipt") or {}).get("request"):
        links["portal_url"] = receipt_portal_url(shipment)
    pdf, pages = render_pdf(doc.kind, doc.inputs, **links)
    key = storage_key(shipment.reference, doc.kind, doc.version)
    stored = store(key, pdf)
    with transaction.atomic():
        locked = ShipmentDocument.objects.select_for_update().get(pk=document_id)
        locked.file.name = stored
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.pages = pages
        locked.rendered_at = timezone.now()
        fields = ["file", "sha256", "pages", "rendered_at", "updated_at"]
        if locked.state != State.SUPERSEDED:
            DOCUMENT_WORKFLOW.check(locked.state, State.READY)
            locked.state, locked.error = State.READY, ""
            fields += ["state", "error"]
        locked.save(update_fields=fields)
    return locked


def shipment_document_mark_failed(*, document_id: int, error: str) -> None:
    """Record the final failure of a render, with the error staff see on the shipment page."""
    with transaction.atomic():
        doc = ShipmentDocument.objects.select_for_update().filter(pk=document_id).first()
        if doc is None or doc.state in (State.READY, State.SUPERSEDED, State.FAILED):
            return
        doc.state, doc.error = State.FAILED, error[:2000]
        doc.save(update_fields=["state", "error", "updated_at"])


def storage_key(reference: str, kind: str, version: int) -> str:
    return f"documents/{reference}/{kind}-v{version}.pdf"


def store(key: str, content: bytes) -> str:
    """Write ``content`` at exactly ``key``, replacing what an interrupted attempt left there."""
    if default_storage.exists(key):
        default_storage.delete(key)
    stored = default_storage.save(key, ContentFile(content))
    if stored != key:
        raise OSError(f"storage wrote {stored!r} instead of {key!r}")
    return stored


# --- Rendering ------------------------------------------------------------------------------

CJK_FONT_HELP = (
    "No CJK font is installed, so the Chinese text of the customs documents cannot be "
    "rendered. Install one and render again: apt-get install fonts-noto-cjk "
    "(Debian/Ubuntu; on macOS: brew install --cask font-noto-sans-cjk-sc)."
)


def cjk_font_check() -> None:
    """Raise DocumentRenderError unless fontconfig knows a font covering Chinese."""
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh", "family"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout.strip()
    except FileNotFoundError:
        found = ""
    if not found:
        raise DocumentRenderError(CJK_FONT_HELP)


@lru_cache(maxsize=64)
def _qr_data_uri(url: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def render_html(kind: str, inputs: dict, *, portal_url: str | None = None) -> str:
    """The HTML of one document; ``portal_url`` is the receipt form's signed link, if any."""
    context = {**inputs, "kind": kind, "title": dict(Kind.choices)[kind]}
    if inputs.get("trace_url"):
        context["trace_qr"] = _qr_data_uri(inputs["trace_url"])
    if portal_url:
        context["portal_url"] = portal_url
        context["portal_qr"] = _qr_data_uri(portal_url)
    if kind == Kind.CARTON_LABELS:
        context["labels"] = list(_labels(inputs))
    # The pack is bilingual on the page; the interface language must not change it.
    with translation.override("en"):
        return render_to_string(f"documents/{kind}.html", context)


def _labels(inputs: dict):
    total = inputs["totals"]["cartons"]
    for line in inputs["lines"]:
        for number in range(line["carton_from"], line["carton_to"] + 1):
            yield {"number": number, "total": total, "line": line}


@contextmanager
def _fewer_collections(first_generation: int = 10_000):
    """Run the cyclic garbage collector less often while WeasyPrint builds a long document.

    Layout allocates millions of short-lived objects; at the default threshold (700) the
    collector ran so often that it took about a sixth of a 60-page packing list's CPU time.
    At 10,000 the peak memory stays the same (bench/documents.py measures both).
    """
    before = gc.get_threshold()
    gc.set_threshold(first_generation, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def render_pdf(kind: str, inputs: dict, *, portal_url: str | None = None) -> tuple[bytes, int]:
    """Render one document to PDF bytes; returns them with the page count."""
    import weasyprint

    cjk_font_check()
    html = render_html(kind, inputs, portal_url=portal_url)
    with _fewer_collections():
        document = weasyprint.HTML(string=html, base_url=str(TEMPLATE_DIR)).render()
        return document.write_pdf(), len(document.pages)
