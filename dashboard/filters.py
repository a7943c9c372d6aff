"""The filters of the staff lists, read from the URL so a filtered list can be bookmarked.

Every FilterSet takes ``q`` (a search over its ``search_fields``) and ``sort`` (a column, ``-`` in
front for descending); the lists' columns name the sort keys.
"""

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import DateRangeWidget

from donations.models import DonationOffer, MaterialLot, Need
from partners.models import SisterCity
from sfiec.choices import Category
from shipments.models import ReceiptRequest, Shipment, ShipmentDocument

from .selectors import lot_failing_compliance_q, receipt_overdue_q

YES_NO = [("true", _("yes")), ("false", _("no"))]


def _cities():
    return SisterCity.objects.order_by("name")


class DateRange(DateRangeWidget):
    """Two date pickers, each named for screen readers ("Submitted: from"): the field's one
    label cannot point at both inputs."""

    def __init__(self, label, attrs=None):
        super().__init__(attrs)
        self.widgets = [
            forms.DateInput(
                format="%Y-%m-%d",
                attrs={"type": "date", "aria-label": format_lazy("{}: {}", label, word)},
            )
            for word in (_("from"), _("until"))
        ]


def _date_range(label, field_name):
    return filters.DateFromToRangeFilter(
        label=label, field_name=field_name, widget=DateRange(label)
    )


class ListFilterSet(filters.FilterSet):
    """``q`` searches ``search_fields`` (case-insensitive, any of them)."""

    search_fields: tuple[str, ...] = ()
    q = filters.CharFilter(label=_("Search"), method="search")

    def search(self, queryset, name, value):
        words = value.split()
        for word in words[:5]:
            match = Q()
            for field in self.search_fields:
                match |= Q(**{f"{field}__icontains": word})
            queryset = queryset.filter(match)
        return queryset


class YesNoFilter(filters.ChoiceFilter):
    """``true`` / ``false`` in the URL, with an empty choice meaning either."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=YES_NO, **kwargs)

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        return super().filter(qs, value == "true")


def _sort(**keys):
    """The ``sort`` parameter: ``key=(model field path, label)``; ``-key`` sorts descending."""
    return filters.OrderingFilter(
        fields={path: key for key, (path, _label) in keys.items()},
        field_labels={path: label for path, label in keys.values()},
        label=_("Sort"),
    )


class OfferFilterSet(ListFilterSet):
    search_fields = ("reference", "donor__name", "donor__name_zh", "notes")
    status = filters.MultipleChoiceFilter(label=_("Status"), choices=DonationOffer.Status.choices)
    city = filters.ModelChoiceFilter(
        label=_("Preferred city"),
        field_name="preferred_city",
        queryset=_cities(),
        to_field_name="slug",
    )
    category = filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, method="with_category"
    )
    submitted = _date_range(_("Submitted"), "submitted_at")
    sort = _sort(
        reference=("reference", _("Reference")),
        donor=("donor__name", _("Donor")),
        status=("status", _("Status")),
        submitted=("submitted_at", _("Submitted")),
    )

    class Meta:
        model = DonationOffer
        fields = []

    def with_category(self, queryset, name, value):
        return queryset.filter(pk__in=MaterialLot.objects.filter(category=value).values("offer_id"))


class LotFilterSet(ListFilterSet):
    search_fields = ("reference", "product", "manufacturer", "batch_number", "offer__reference")
    status = filters.MultipleChoiceFilter(label=_("Status"), choices=MaterialLot.Status.choices)
    category = filters.MultipleChoiceFilter(label=_("Category"), choices=Category.choices)
    is_quarantined = YesNoFilter(label=_("Quarantined"), field_name="is_quarantined")
    compliance = filters.ChoiceFilter(
        label=_("Compliance"),
        choices=[("failing", _("failing, not overridden"))],
        method="with_compliance",
    )
    city = filters.ModelChoiceFilter(
        label=_("Preferred city"),
        field_name="offer__preferred_city",
        queryset=_cities(),
        to_field_name="slug",
    )
    expires_before = filters.DateFilter(
        label=_("Expires before"), field_name="expires_on", lookup_expr="lt"
    )
    sort = _sort(
        reference=("reference", _("Reference")),
        category=("category", _("Category")),
        product=("product", _("Product")),
        offered=("quantity_offered", _("Offered")),
        received=("quantity_received", _("Received")),
        kg=("gross_weight_kg", _("Gross weight (kg)")),
        expires=("expires_on", _("Expires")),
        status=("status", _("Status")),
    )

    class Meta:
        model = MaterialLot
        fields = []

    def with_compliance(self, queryset, name, value):
        return queryset.filter(lot_failing_compliance_q()) if value == "failing" else queryset


class NeedFilterSet(ListFilterSet):
    search_fields = ("description", "recipient__name", "recipient__name_zh", "city__name")
    status = filters.MultipleChoiceFilter(label=_("Status"), choices=Need.Status.choices)
    category = filters.MultipleChoiceFilter(label=_("Category"), choices=Category.choices)
    city = filters.ModelChoiceFilter(
        label=_("City"), field_name="city", queryset=_cities(), to_field_name="slug"
    )
    sort = _sort(
        city=("city__name", _("City")),
        category=("category", _("Category")),
        quantity=("quantity", _("Quantity")),
        needed_by=("needed_by", _("Needed by")),
        status=("status", _("Status")),
        created=("created_at", _("Created")),
    )

    class Meta:
        model = Need
        fields = []


class ShipmentFilterSet(ListFilterSet):
    search_fields = ("reference", "carrier_reference", "consignee__name", "city__name", "notes")
    status = filters.MultipleChoiceFilter(label=_("Status"), choices=Shipment.Status.choices)
    city = filters.ModelChoiceFilter(
        label=_("City"), field_name="city", queryset=_cities(), to_field_name="slug"
    )
    mode = filters.MultipleChoiceFilter(label=_("Mode"), choices=Shipment.Mode.choices)
    created = _date_range(_("Created"), "created_at")
    sort = _sort(
        reference=("reference", _("Reference")),
        city=("city__name", _("City")),
        status=("status", _("Status")),
        mode=("mode", _("Mode")),
        kg=("gross_weight_kg", _("Gross weight (kg)")),
        freight=("freight_cost", _("Freight cost")),
        departure=("planned_departure_on", _("Planned departure")),
        created=("created_at", _("Created")),
    )

    class Meta:
        model = Shipment
        fields = []


class DocumentFilterSet(ListFilterSet):
    search_fields = ("shipment__reference", "error")
    state = filters.MultipleChoiceFilter(label=_("State"), choices=ShipmentDocument.State.choices)
    kind = filters.MultipleChoiceFilter(label=_("Kind"), choices=ShipmentDocument.Kind.choices)
    city = filters.ModelChoiceFilter(
        label=_("City"), field_name="shipment__city", queryset=_cities(), to_field_name="slug"
    )
    sort = _sort(
        shipment=("shipment__reference", _("Shipment")),
        kind=("kind", _("Kind")),
        state=("state", _("State")),
        requested=("requested_at", _("Requested")),
        rendered=("rendered_at", _("Rendered")),
    )

    class Meta:
        model = ShipmentDocument
        fields = []


class ReceiptFilterSet(ListFilterSet):
    search_fields = ("shipment__reference", "contact__name", "contact__email")
    status = filters.MultipleChoiceFilter(label=_("Status"), choices=ReceiptRequest.Status.choices)
    overdue = YesNoFilter(label=_("Overdue"), method="with_overdue")
    city = filters.ModelChoiceFilter(
        label=_("City"), field_name="shipment__city", queryset=_cities(), to_field_name="slug"
    )
    sort = _sort(
        shipment=("shipment__reference", _("Shipment")),
        status=("status", _("Status")),
        due=("due_on", _("Due on")),
        sent=("sent_at", _("Sent")),
        reminded=("last_reminder_at", _("Last reminder")),
    )

    class Meta:
        model = ReceiptRequest
        fields = []

    def with_overdue(self, queryset, name, value):
        overdue = receipt_overdue_q()
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)
