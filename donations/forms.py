"""Forms of the public offer page, the spreadsheet import, staff review and warehouse intake.

Forms check the shape and the rules on one lot's own fields; they never change state. Status
and ownership never come from a form: the views take them from the request and the services.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, SisterCity
from sfiec.choices import CURRENCIES, AttachmentKind, Category, Unit
from sfiec.uploads import DOCUMENT_TYPES, IMAGE_TYPES, upload_check
from standards.models import Standard

from .models import Need
from .rules import EARLIEST_DATE, latest_date, lot_problems
from .services import InspectionResult

MAX_QUANTITY = 10_000_000
MAX_CARTONS = 100_000
MAX_VALUE = Decimal("1000000")
MAX_WEIGHT = Decimal("1000000")
MAX_LOTS = 50

CERTIFICATE_KINDS = [
    (kind.value, kind.label)
    for kind in AttachmentKind
    if kind not in (AttachmentKind.TEST_REPORT, AttachmentKind.PHOTO)
]


class InstanceDataSelect(forms.Select):
    """A select whose options carry data-* attributes from their model instance (for the JS)."""

    def __init__(self, *args, data_for=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_for = data_for

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and self.data_for:
            option["attrs"].update(self.data_for(instance))
        return option


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content in ``clean``."""

    def __init__(self, *args, allowed=DOCUMENT_TYPES, **kwargs):
        self.allowed = allowed
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": _accept(allowed)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        checked, errors = [], []
        for upload in files:
            try:
                checked.append(upload_check(upload, allowed=self.allowed))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return checked


def _accept(allowed) -> str:
    extensions = {"application/pdf": ".pdf", "image/jpeg": ".jpg,.jpeg", "image/png": ".png"}
    return ",".join(extensions[t] for t in sorted(allowed) if t in extensions)


def standard_label(standard: Standard) -> str:
    """A standard's name in the active language: its (Chinese) title without the subtitle."""
    if standard is None:
        return ""
    chinese = (get_language() or "").startswith("zh")
    title = (standard.title_zh if chinese and standard.title_zh else standard.title) or ""
    return title.split(" — ")[0].strip() or standard.slug


class StandardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return standard_label(obj)


class LotFieldsForm(forms.Form):
    """One lot's data and the rules between its fields; shared by the page and the import."""

    category = forms.ChoiceField(label=_("Category"), choices=[("", "—")] + Category.choices)
    product = forms.CharField(
        label=_("Product"), max_length=200, help_text=_("Brand and model, e.g. “Acme KN95 9501”.")
    )
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200)
    standard = StandardChoiceField(
        label=_("Standard"),
        queryset=Standard.objects.order_by("slug"),
        to_field_name="slug",
        required=False,
        empty_label=_("— not known —"),
        help_text=_("The standard the product is certified to."),
        widget=InstanceDataSelect(data_for=lambda s: {"data-categories": " ".join(s.categories)}),
    )
    batch_number = forms.CharField(label=_("Batch number"), max_length=64, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.PIECE)
    quantity_offered = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)
    cartons = forms.IntegerField(label=_("Cartons"), min_value=1, max_value=MAX_CARTONS)
    units_per_carton = forms.IntegerField(
        label=_("Units per carton"),
        min_value=1,
        max_value=MAX_QUANTITY,
        required=False,
        help_text=_("Only the last carton may be partly filled."),
    )
    gross_weight_kg = forms.DecimalField(
        label=_("Gross weight (kg)"),
        min_value=0,
        max_value=MAX_WEIGHT,
        decimal_places=2,
        required=False,
    )
    net_weight_kg = forms.DecimalField(
        label=_("Net weight (kg)"),
        min_value=0,
        max_value=MAX_WEIGHT,
        decimal_places=2,
        required=False,
    )
    manufactured_on = forms.DateField(
        label=_("Manufacture date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expiry date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    unit_value = forms.DecimalField(
        label=_("Declared value per unit"),
        min_value=0,
        max_value=MAX_VALUE,
        decimal_places=4,
        initial=0,
        help_text=_("For the customs papers; 0 if unknown."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="CNY")
    is_manufacturer_whitelisted = forms.BooleanField(
        label=_("The manufacturer is on the export whitelist"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's date picker offers the plausible range the rules allow.
        latest = latest_date(timezone.localdate()).isoformat()
        for name in ("manufactured_on", "expires_on"):
            self.fields[name].widget.attrs.update(min=EARLIEST_DATE.isoformat(), max=latest)

    def clean(self):
        data = super().clean()
        # A field that failed its own checks is not compared with the others.
        facts = {name: data.get(name) for name in RULE_FIELDS if name not in self.errors}
        for field, messages in lot_problems(**facts, offered=True).items():
            for message in messages:
                self.add_error(field, message)
        return data

    def lot_values(self) -> dict:
        """The cleaned data as ``donations.services.lot_add`` takes it."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in LOT_VALUE_FIELDS}
        for name in ("units_per_carton",):
            values[name] = values[name] or 0
        for name in ("gross_weight_kg", "net_weight_kg"):
            values[name] = values[name] if values[name] is not None else Decimal("0")
        return values


LOT_VALUE_FIELDS = [name for name in LotFieldsForm.base_fields]
RULE_FIELDS = (
    "category",
    "standard",
    "quantity_offered",
    "cartons",
    "units_per_carton",
    "gross_weight_kg",
    "net_weight_kg",
    "manufactured_on",
    "expires_on",
)


class LotForm(LotFieldsForm):
    """A lot on the offer page, with its files by kind."""

    certificate_kind = forms.ChoiceField(
        label=_("Kind of certificate"),
        choices=CERTIFICATE_KINDS,
        initial=AttachmentKind.CE_CERTIFICATE,
        required=False,
    )
    certificates = MultipleFileField(
        label=_("Certificates"), help_text=_("PDF, JPEG or PNG; several files allowed.")
    )
    test_reports = MultipleFileField(label=_("Test reports"), help_text=_("PDF, JPEG or PNG."))
    photos = MultipleFileField(
        label=_("Photos"), allowed=IMAGE_TYPES, help_text=_("JPEG or PNG of the goods and cartons.")
    )

    FILE_FIELDS = ("certificates", "test_reports", "photos")

    def attachments(self) -> list[tuple[str, object]]:
        data = self.cleaned_data
        kind = data.get("certificate_kind") or AttachmentKind.CE_CERTIFICATE
        return (
            [(kind, upload) for upload in data.get("certificates", [])]
            + [(AttachmentKind.TEST_REPORT, upload) for upload in data.get("test_reports", [])]
            + [(AttachmentKind.PHOTO, upload) for upload in data.get("photos", [])]
        )


class BaseLotFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": _("Describe at least one lot."),
        "too_many_forms": _("At most %(num)d lots can be offered at once; use the import."),
    }

    def live_forms(self):
        return [form for form in self.forms if not self._should_delete_form(form)]


LotFormSet = forms.formset_factory(
    LotForm,
    formset=BaseLotFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_LOTS,
    validate_max=True,
    can_delete=True,
)


def _city_data(city: SisterCity) -> dict:
    return {"data-country": city.country}


class OfferForm(forms.Form):
    """Who offers, for where: the top of the offer page and of the import."""

    organisation_name = forms.CharField(label=_("Organisation"), max_length=200)
    organisation_name_zh = forms.CharField(
        label=_("Organisation name in Chinese"), max_length=200, required=False
    )
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=64,
        required=False,
        help_text=_("Unified social credit code or charity registration, if any."),
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=120)
    contact_email = forms.EmailField(label=_("Email"))
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    contact_language = forms.ChoiceField(
        label=_("Language for our emails"), choices=Contact.Language.choices
    )
    preferred_city = forms.ModelChoiceField(
        label=_("Preferred destination"),
        queryset=SisterCity.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("The foundation decides"),
        widget=InstanceDataSelect(data_for=_city_data),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )
    # A field people never see; bots fill every field in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # "Offer against this need" from the needs board; refused if the need or its city is paused.
    need = forms.ModelChoiceField(
        queryset=Need.objects.select_related("city"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_language"].initial = (
            "zh-hans" if (get_language() or "").startswith("zh") else "en"
        )
        self.fields["preferred_city"].label_from_instance = city_label
        membership = getattr(user, "partner_membership", None) if user else None
        if membership is not None:
            organisation = membership.organisation
            contact = membership.contact
            for name, value in (
                ("organisation_name", organisation.name),
                ("organisation_name_zh", organisation.name_zh),
                ("registration_number", organisation.registration_number),
            ):
                # The organisation of a signed-in partner is not the form's to choose.
                self.fields[name].initial = value
                self.fields[name].disabled = True
            self.fields["contact_name"].initial = contact.name if contact else user.get_full_name()
            self.fields["contact_email"].initial = contact.email if contact else user.email
            if contact:
                self.fields["contact_phone"].initial = contact.phone
                self.fields["contact_language"].initial = contact.language

    def clean_submission_key(self):
        key = self.cleaned_data["submission_key"]
        if not re.fullmatch(r"[0-9a-f]{32}", key):
            raise ValidationError(_("The form is out of date; please reload the page."))
        return key

    def is_bot(self) -> bool:
        return bool(self.data.get(self.add_prefix("website")))

    def donor_values(self) -> dict:
        data = self.cleaned_data
        return {
            "organisation_name": data["organisation_name"],
            "organisation_name_zh": data.get("organisation_name_zh", ""),
            "registration_number": data.get("registration_number", ""),
            "contact_name": data["contact_name"],
            "contact_email": data["contact_email"],
            "contact_phone": data.get("contact_phone", ""),
            "contact_language": data["contact_language"],
        }


def city_label(city: SisterCity | None) -> str:
    """A sister city's name in the active language, with its country code."""
    if city is None:
        return ""
    if (get_language() or "").startswith("zh") and city.name_zh:
        return f"{city.name_zh} ({city.country})"
    return str(city)


class OfferImportForm(OfferForm):
    spreadsheet = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("The filled-in template, as .xlsx or .csv."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class OfferFilterForm(forms.Form):
    """Filters of the staff review queue (GET)."""

    STATUS_CHOICES = [
        ("open", _("To review (submitted or under review)")),
        ("", _("All")),
    ]

    status = forms.ChoiceField(label=_("Status"), required=False)
    city = forms.ModelChoiceField(
        label=_("Destination"),
        queryset=SisterCity.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All"))] + Category.choices, required=False
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import DonationOffer

        self.fields["status"].choices = self.STATUS_CHOICES + list(DonationOffer.Status.choices)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text=_("The partner will see it. Required to decline."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error(
                "reason", _("Declining an offer needs a reason; the partner will see it.")
            )
        return data


class LotAttachmentForm(forms.Form):
    """Documents for a lot already offered (from the offer page), checked by content."""

    kind = forms.ChoiceField(
        label=_("Kind of document"),
        choices=CERTIFICATE_KINDS
        + [(AttachmentKind.TEST_REPORT, AttachmentKind.TEST_REPORT.label)],
    )
    files = MultipleFileField(label=_("Files (PDF, JPEG or PNG)"), allowed=DOCUMENT_TYPES)
    replace = forms.BooleanField(
        label=_("Replace the lot's earlier files of this kind"), required=False
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if not files:
            raise ValidationError(_("Choose at least one file."))
        return files


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw it? (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class IntakeForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Inspection result"),
        widget=forms.RadioSelect,
        choices=[
            (InspectionResult.ACCEPTED, _("Accepted")),
            (InspectionResult.QUARANTINED, _("Quarantined")),
            (InspectionResult.REJECTED, _("Rejected")),
        ],
    )
    quantity_received = forms.IntegerField(
        label=_("Received quantity"), min_value=0, max_value=MAX_QUANTITY, required=False
    )
    note = forms.CharField(
        label=_("Note or reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text=_("Required when quarantining or rejecting."),
    )
    photos = MultipleFileField(label=_("Photos"), allowed=IMAGE_TYPES)

    def __init__(self, *args, lot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lot = lot
        if lot is not None:
            self.fields["quantity_received"].initial = lot.quantity_offered

    def clean(self):
        data = super().clean()
        result = data.get("result")
        if result in (InspectionResult.ACCEPTED, InspectionResult.QUARANTINED):
            quantity = data.get("quantity_received")
            if not quantity:
                self.add_error("quantity_received", _("Enter the quantity that arrived."))
            elif self.lot is not None and quantity > self.lot.quantity_offered:
                self.add_error(
                    "quantity_received",
                    _("More than the %(offered)d offered.")
                    % {"offered": self.lot.quantity_offered},
                )
        if (
            result in (InspectionResult.QUARANTINED, InspectionResult.REJECTED)
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", _("Give the reason."))
        return data
