"""Forms of the recipient portal and the staff receipt pages.

Files go through the same checks as on the public offer form (``MultipleFileField`` runs
``sfiec.uploads.upload_check`` on each: content, size, re-encoded images).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from donations.forms import MultipleFileField, MultipleFileInput
from sfiec.uploads import DOCUMENT_TYPES, EVIDENCE_TYPES

RECEIPT_ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"
REPORT_ACCEPT = RECEIPT_ACCEPT + ",video/mp4,.mp4"
DISTRIBUTION_ROWS = 8
# Rows shown at first when JavaScript runs (it adds more on demand); all show without it.
DISTRIBUTION_ROWS_SHOWN = 2


class ReceiptUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Signed and stamped receipt"),
        allowed=DOCUMENT_TYPES,
        required=True,
        help_text=_("A photo of each page, or one PDF. JPG, PNG or PDF."),
        widget=MultipleFileInput(attrs={"accept": RECEIPT_ACCEPT}),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportForm(forms.Form):
    files = MultipleFileField(
        label=_("Photos, videos or documents of the distribution"),
        allowed=EVIDENCE_TYPES,
        help_text=_("JPG, PNG, MP4 or PDF."),
        widget=MultipleFileInput(attrs={"accept": REPORT_ACCEPT}),
    )
    note = forms.CharField(
        label=_("How were the goods used?"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DistributionRowForm(forms.Form):
    """One institution; every row is optional, but a row begun must be complete."""

    institution = forms.CharField(
        label=_("Name of the institution"), max_length=200, required=False
    )
    line = forms.TypedChoiceField(label=_("Goods"), coerce=int, empty_value=None, required=False)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=100_000_000, required=False
    )

    def clean(self):
        data = super().clean()
        if not self.has_changed():
            return data
        if not (data.get("institution") or "").strip() and "institution" not in self.errors:
            self.add_error("institution", _("Name the institution."))
        if data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", _("Say how many it received."))
        return data

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {line.pk: line for line in lines}
        self.fields["line"].choices = [("", _("All goods of the shipment"))] + [
            (line.pk, f"{line.lot.product} ({line.quantity})") for line in lines
        ]

    def row(self) -> dict:
        data = self.cleaned_data
        return {
            "institution": data["institution"],
            "quantity": data["quantity"],
            "line": self.lines.get(data.get("line")),
        }


class _DistributionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError(
                _("Please name at least one beneficiary institution and its quantity.")
            )

    def rows(self) -> list[dict]:
        return [form.row() for form in self.forms if form.has_changed()]


DistributionFormSet = forms.formset_factory(
    DistributionRowForm,
    formset=_DistributionFormSet,
    extra=DISTRIBUTION_ROWS,
    max_num=50,
    validate_max=True,
)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason, sent to the recipient"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
