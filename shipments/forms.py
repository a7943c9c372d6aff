"""Forms of the staff shipment workspace. They check the shape of input; the services decide."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, Organisation, SisterCity

from .models import Shipment
from .tracking import MAX_LIFETIME_DAYS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
PLANNING_FIELDS = [
    "mode",
    "carrier",
    "carrier_reference",
    "transport_number",
    "planned_departure_on",
    "expected_arrival_on",
    "freight_cost",
    "freight_currency",
    "freight_paid_by",
    "chargeable_weight_kg",
    "notes",
]


class ShipmentFilter(django_filters.FilterSet):
    """The list page's filters; all of them live in the URL so a filtered list can be shared."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    city = django_filters.ModelChoiceFilter(
        queryset=SisterCity.objects.order_by("name"),
        to_field_name="slug",
        label=_("Sister city"),
        empty_label=_("All cities"),
    )
    status = django_filters.ChoiceFilter(
        choices=Shipment.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    mode = django_filters.ChoiceFilter(
        choices=Shipment.Mode.choices, label=_("Mode"), empty_label=_("Any mode")
    )
    departure_from = django_filters.DateFilter(
        field_name="planned_departure_on",
        lookup_expr="gte",
        label=_("Departure from"),
        widget=DATE,
    )
    departure_to = django_filters.DateFilter(
        field_name="planned_departure_on",
        lookup_expr="lte",
        label=_("Departure until"),
        widget=DATE,
    )

    class Meta:
        model = Shipment
        fields = ["q", "city", "status", "mode", "departure_from", "departure_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(carrier_reference__icontains=value)
            | Q(transport_number__icontains=value)
            | Q(consignee__name__icontains=value)
        )


class _PlanningForm(forms.ModelForm):
    """Mode, carrier and freight. Weights, volume and value are not here: lines give them."""

    class Meta:
        model = Shipment
        fields = ["consignee_contact", *PLANNING_FIELDS]
        widgets = {
            "planned_departure_on": DATE,
            "expected_arrival_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"freight_currency": _("Freight currency")}
        help_texts = {
            "chargeable_weight_kg": _(
                "As billed by the carrier; leave 0 to use the gross weight of the lines."
            ),
        }

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["carrier"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.CARRIER, is_active=True
        ).order_by("name")
        contact = self.fields["consignee_contact"]
        contact.queryset = contacts if contacts is not None else Contact.objects.none()
        contact.label = _("Consignee contact")
        contact.help_text = _("Receives the receipt request.")
        contact.label_from_instance = lambda c: f"{c.name} · {c.organisation.name} · {c.email}"

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


def recipients_in(city: SisterCity):
    return Organisation.objects.filter(
        kind=Organisation.Kind.RECIPIENT, city=city, is_active=True
    ).order_by("name")


class ShipmentCreateForm(_PlanningForm):
    """A new shipment to ``city``: the consignee and its contact come from that city only."""

    class Meta(_PlanningForm.Meta):
        fields = ["consignee", "consignee_contact", *PLANNING_FIELDS]

    def __init__(self, *args, city: SisterCity, **kwargs):
        recipients = recipients_in(city)
        contacts = (
            Contact.objects.filter(organisation__in=recipients)
            .select_related("organisation")
            .order_by("organisation__name", "name")
        )
        super().__init__(*args, contacts=contacts, **kwargs)
        self.fields["consignee"].queryset = recipients
        self.fields["consignee"].help_text = _("A recipient organisation in %(city)s.") % {
            "city": city.name
        }

    def clean(self):
        data = super().clean()
        contact, consignee = data.get("consignee_contact"), data.get("consignee")
        if contact and consignee and contact.organisation_id != consignee.pk:
            self.add_error("consignee_contact", _("Choose a contact of the consignee."))
        return data

    def values(self) -> dict:
        values = super().values()
        values.pop("consignee")
        return values


class ShipmentUpdateForm(_PlanningForm):
    def __init__(self, *args, instance: Shipment, **kwargs):
        contacts = Contact.objects.filter(organisation=instance.consignee).select_related(
            "organisation"
        )
        super().__init__(*args, instance=instance, contacts=contacts, **kwargs)


class LotSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find lots"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Reference, product or donor")}),
    )


class LineAddForm(forms.Form):
    lot = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Units"), min_value=1, max_value=100_000_000)
    cartons = forms.IntegerField(
        label=_("Cartons"),
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text=_("Empty: worked out from the lot's units per carton."),
    )


class MoveForm(forms.Form):
    """A status move. Each move asks only for what it needs (see ``MOVE_NEEDS``)."""

    target = forms.ChoiceField(choices=Shipment.Status.choices, widget=forms.HiddenInput)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=DATETIME,
        help_text=_("Empty means now."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, target: str, **kwargs):
        # Several move forms share the page: their ids carry the target.
        super().__init__(*args, initial={"target": target}, auto_id=f"id_{target}_%s", **kwargs)
        self.move_target = target
        asks = MOVE_NEEDS.get(target, {"note": False})
        for name in ("location", "occurred_at", "note"):
            if name not in asks:
                del self.fields[name]
            else:
                self.fields[name].required = asks[name]

    def clean_target(self):
        if self.cleaned_data["target"] != self.move_target:
            raise forms.ValidationError(_("This form is for another move."))
        return self.move_target

    def values(self) -> dict:
        return {
            "location": self.cleaned_data.get("location", ""),
            "note": self.cleaned_data.get("note", ""),
            "occurred_at": self.cleaned_data.get("occurred_at"),
        }


# target -> {field: required}: where the goods are matters once they move; a cancellation
# or a step back needs its reason.
MOVE_NEEDS: dict[str, dict[str, bool]] = {
    "ready": {"note": False},
    "draft": {"note": True},
    "booked": {"occurred_at": False, "note": False},
    "in_transit": {"location": True, "occurred_at": False, "note": False},
    "arrived": {"location": True, "occurred_at": False, "note": False},
    "delivered": {"location": True, "occurred_at": False, "note": False},
    "receipt_confirmed": {"occurred_at": False, "note": False},
    "closed": {"note": False},
    "cancelled": {"occurred_at": False, "note": True},
}


class TrackingTokenForm(forms.Form):
    label = forms.CharField(
        label=_("Who will use it"),
        max_length=120,
        help_text=_("For example the carrier's tracking system."),
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_LIFETIME_DAYS, initial=30
    )
