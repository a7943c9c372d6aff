from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from .models import Contact, Organisation, SignupRequest


class InviteForm(forms.Form):
    """Staff invite a contact of a donor organisation to a partner account."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(
            kind=Organisation.Kind.DONOR, is_active=True, is_pending=False
        ),
    )
    name = forms.CharField(label=_("Contact name"), max_length=120)
    email = forms.EmailField(label=_("Email"))
    language = forms.ChoiceField(label=_("Language"), choices=Contact.Language.choices)


class SignupRequestForm(forms.ModelForm):
    """The public request for a partner account."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = SignupRequest
        fields = ["organisation_name", "contact_name", "email", "phone", "language", "message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class InviteAcceptForm(SetPasswordForm):
    """Choose a password (Django's validators apply)."""


class PendingLinkForm(forms.Form):
    """Staff choose the known organisation a pending one (from an anonymous offer) really is."""

    organisation = forms.ModelChoiceField(
        label=_("Known organisation"),
        queryset=Organisation.objects.filter(
            kind=Organisation.Kind.DONOR, is_active=True, is_pending=False
        ).order_by("name"),
        empty_label=_("— choose —"),
    )


class EmailLanguageForm(forms.Form):
    """The language of the notification emails a signed-in user is sent."""

    language = forms.ChoiceField(
        label=_("Language of your emails"), choices=Contact.Language.choices
    )
