"""The staff lists, declared once each: rows, filters and columns.

One generic view (dashboard.views.staff_list) and one exporter (dashboard.exports) serve them
all. To show another field, add a Column; ``sort`` names the FilterSet's ordering key.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donations.models import DonationOffer, MaterialLot, Need
from donations.selectors import lot_list, offer_list
from shipments.models import ReceiptRequest, Shipment, ShipmentDocument

from . import filters


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]
    sort: str = ""  # the ``sort`` parameter's key for this column, if it can be sorted
    link: Callable[[Any], str] | None = None
    numeric: bool = False


@dataclass(frozen=True)
class ListKind:
    slug: str
    title: str
    rows: Callable[..., QuerySet]  # rows(user=...) -> every row the user may see
    filterset: type[filters.ListFilterSet]
    columns: tuple[Column, ...]
    default_sort: tuple[str, ...]


def _city_name(city) -> str:
    return city.name if city else ""


def _label(model, field: str):
    """A column value: the choice's label. Faster than get_FOO_display, which hashes every
    choice of the field on each call (seconds over 100,000 rows)."""
    labels = dict(model._meta.get_field(field).flatchoices)

    def value(obj):
        code = getattr(obj, field)
        return str(labels.get(code, code))

    return value


def _local(value):
    """Aware datetimes in the foundation's time zone, without tzinfo (spreadsheets lack it)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    return value


def _offers(*, user) -> QuerySet:
    return offer_list(user=user)


def _lots(*, user) -> QuerySet:
    return lot_list(user=user).select_related("offer__preferred_city")


def _needs(*, user) -> QuerySet:
    return Need.objects.select_related("city", "recipient")


def _shipments(*, user) -> QuerySet:
    return Shipment.objects.select_related("city", "consignee", "carrier")


def _documents(*, user) -> QuerySet:
    return ShipmentDocument.objects.select_related("shipment", "shipment__city")


def _receipts(*, user) -> QuerySet:
    return ReceiptRequest.objects.select_related("shipment", "shipment__city", "contact")


OFFERS = ListKind(
    slug="offers",
    title=_("Offers"),
    rows=_offers,
    filterset=filters.OfferFilterSet,
    default_sort=("-submitted_at", "-id"),
    columns=(
        Column(
            _("Reference"),
            lambda o: o.reference,
            sort="reference",
            link=lambda o: reverse("donations:review-detail", args=[o.reference]),
        ),
        Column(_("Donor"), lambda o: o.donor.name, sort="donor"),
        Column(_("Status"), _label(DonationOffer, "status"), sort="status"),
        Column(_("Preferred city"), lambda o: _city_name(o.preferred_city)),
        Column(_("Lots"), lambda o: o.lot_count, numeric=True),
        Column(_("Submitted at"), lambda o: _local(o.submitted_at), sort="submitted"),
    ),
)

LOTS = ListKind(
    slug="lots",
    title=_("Lots"),
    rows=_lots,
    filterset=filters.LotFilterSet,
    default_sort=("-created_at", "-id"),
    columns=(
        Column(
            _("Reference"),
            lambda lot: lot.reference,
            sort="reference",
            link=lambda lot: reverse("compliance:lot", args=[lot.reference]),
        ),
        Column(_("Offer"), lambda lot: lot.offer.reference),
        Column(_("Donor"), lambda lot: lot.offer.donor.name),
        Column(_("Category"), _label(MaterialLot, "category"), sort="category"),
        Column(_("Product"), lambda lot: lot.product, sort="product"),
        Column(_("Manufacturer"), lambda lot: lot.manufacturer),
        Column(_("Standard"), lambda lot: lot.standard.slug if lot.standard else ""),
        Column(_("Offered"), lambda lot: lot.quantity_offered, sort="offered", numeric=True),
        Column(_("Received"), lambda lot: lot.quantity_received, sort="received", numeric=True),
        Column(_("Allocated"), lambda lot: lot.quantity_allocated, numeric=True),
        Column(_("Cartons"), lambda lot: lot.cartons, numeric=True),
        Column(_("Gross kg"), lambda lot: lot.gross_weight_kg, sort="kg", numeric=True),
        Column(_("Unit value"), lambda lot: lot.unit_value, numeric=True),
        Column(_("Currency"), lambda lot: lot.currency),
        Column(_("Expires"), lambda lot: lot.expires_on, sort="expires"),
        Column(_("Status"), _label(MaterialLot, "status"), sort="status"),
        Column(_("Quarantined"), lambda lot: _("yes") if lot.is_quarantined else _("no")),
    ),
)

NEEDS = ListKind(
    slug="needs",
    title=_("Needs"),
    rows=_needs,
    filterset=filters.NeedFilterSet,
    default_sort=("needed_by", "id"),
    columns=(
        Column(_("City"), lambda n: n.city.name, sort="city"),
        Column(_("Recipient"), lambda n: n.recipient.name),
        Column(_("Category"), _label(Need, "category"), sort="category"),
        Column(_("Quantity"), lambda n: n.quantity, sort="quantity", numeric=True),
        Column(_("Needed by"), lambda n: n.needed_by, sort="needed_by"),
        Column(_("Status"), _label(Need, "status"), sort="status"),
        Column(_("Description"), lambda n: n.description),
    ),
)

SHIPMENTS = ListKind(
    slug="shipments",
    title=_("Shipments"),
    rows=_shipments,
    filterset=filters.ShipmentFilterSet,
    default_sort=("-created_at", "-id"),
    columns=(
        Column(_("Reference"), lambda s: s.reference, sort="reference"),
        Column(_("City"), lambda s: s.city.name, sort="city"),
        Column(_("Consignee"), lambda s: s.consignee.name),
        Column(_("Status"), _label(Shipment, "status"), sort="status"),
        Column(_("Mode"), _label(Shipment, "mode"), sort="mode"),
        Column(_("Carrier"), lambda s: s.carrier.name if s.carrier else ""),
        Column(_("AWB / B/L"), lambda s: s.carrier_reference),
        Column(_("Gross kg"), lambda s: s.gross_weight_kg, sort="kg", numeric=True),
        Column(_("Freight cost"), lambda s: s.freight_cost, sort="freight", numeric=True),
        Column(_("Currency"), lambda s: s.freight_currency),
        Column(_("Planned departure"), lambda s: s.planned_departure_on, sort="departure"),
        Column(_("Created at"), lambda s: _local(s.created_at), sort="created"),
    ),
)

DOCUMENTS = ListKind(
    slug="documents",
    title=_("Documents"),
    rows=_documents,
    filterset=filters.DocumentFilterSet,
    default_sort=("-requested_at", "-id"),
    columns=(
        Column(_("Shipment"), lambda d: d.shipment.reference, sort="shipment"),
        Column(_("City"), lambda d: d.shipment.city.name),
        Column(_("Kind"), _label(ShipmentDocument, "kind"), sort="kind"),
        Column(_("State"), _label(ShipmentDocument, "state"), sort="state"),
        Column(_("Requested at"), lambda d: _local(d.requested_at), sort="requested"),
        Column(_("Rendered at"), lambda d: _local(d.rendered_at), sort="rendered"),
        Column(_("Error"), lambda d: d.error),
    ),
)

RECEIPTS = ListKind(
    slug="receipts",
    title=_("Receipt requests"),
    rows=_receipts,
    filterset=filters.ReceiptFilterSet,
    default_sort=("due_on", "id"),
    columns=(
        Column(_("Shipment"), lambda r: r.shipment.reference, sort="shipment"),
        Column(_("City"), lambda r: r.shipment.city.name),
        Column(_("Contact"), lambda r: r.contact.name),
        Column(_("Email"), lambda r: r.contact.email),
        Column(_("Status"), _label(ReceiptRequest, "status"), sort="status"),
        Column(_("Due on"), lambda r: r.due_on, sort="due"),
        Column(_("Overdue"), lambda r: _("yes") if r.is_overdue else _("no")),
        Column(_("Sent at"), lambda r: _local(r.sent_at), sort="sent"),
        Column(_("Last reminder"), lambda r: _local(r.last_reminder_at), sort="reminded"),
    ),
)

KINDS = {kind.slug: kind for kind in (OFFERS, LOTS, NEEDS, SHIPMENTS, DOCUMENTS, RECEIPTS)}


def staff_list_rows(*, kind: ListKind, user, params) -> tuple[filters.ListFilterSet, QuerySet]:
    """The rows of one list as ``params`` (the URL's query) filter, search and sort them.

    Returns the bound FilterSet too, for its form and errors; an invalid filter gives no rows.
    """
    queryset = kind.rows(user=user).order_by(*kind.default_sort)
    filterset = kind.filterset(params, queryset=queryset)
    if not filterset.is_valid():
        return filterset, queryset.none()
    rows = filterset.qs
    if not rows.query.order_by:
        rows = rows.order_by(*kind.default_sort)
    elif "id" not in rows.query.order_by and "-id" not in rows.query.order_by:
        # A stable order so pages neither repeat nor skip rows that sort equal.
        rows = rows.order_by(*rows.query.order_by, "id")
    return filterset, rows
