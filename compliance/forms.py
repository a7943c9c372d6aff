from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MIN_OVERRIDE_REASON


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Justification"),
        min_length=MIN_OVERRIDE_REASON,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why these goods may go despite the findings; kept with the check and shown "
            "wherever it is shown."
        ),
    )
