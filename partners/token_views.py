"""Account → API tokens: staff and partners make, see and revoke their own tokens."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from partners.api_tokens import api_token_create, api_token_list, api_token_revoke
from partners.models import ApiToken, Organisation
from sfiec.decorators import _require
from sfiec.exceptions import DomainError
from sfiec.roles import user_is_staff_member

# Staff of any role and partner users; nobody else has an API to call.
staff_or_partner_required = _require(
    lambda user: user_is_staff_member(user) or hasattr(user, "partner_membership")
)
SHOWN_KEY = "sfiec_new_api_token"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses it, e.g. “warehouse scanner”."),
    )
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=ApiToken.Scope.choices)
    carrier = forms.ModelChoiceField(
        label=gettext_lazy("Carrier"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CARRIER, is_active=True),
        required=False,
        help_text=gettext_lazy("For a tracking token: the carrier whose shipments it reports."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        max_days = settings.API_TOKEN_MAX_AGE_DAYS
        self.fields["days"] = forms.IntegerField(
            label=_("Expires after (days)"), min_value=1, max_value=max_days, initial=max_days
        )
        if not user_is_staff_member(user):
            self.fields["scope"].choices = [
                c for c in ApiToken.Scope.choices if c[0] != ApiToken.Scope.TRACKING
            ]
            del self.fields["carrier"]

    def clean(self):
        data = super().clean()
        if data.get("scope") == ApiToken.Scope.TRACKING and not data.get("carrier"):
            self.add_error("carrier", _("Choose the carrier this token reports for."))
        return data


@never_cache
@require_http_methods(["GET", "POST"])
@staff_or_partner_required
def token_list(request):
    """List my tokens and make a new one; the new key is shown once, on the next page load."""
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, key = api_token_create(
                user=request.user,
                name=data["name"],
                scope=data["scope"],
                carrier=data.get("carrier"),
                days=data["days"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            request.session[SHOWN_KEY] = {"id": token.pk, "key": key}
            return redirect("partners:account-tokens")
    new = request.session.pop(SHOWN_KEY, None)
    return render(
        request,
        "account/tokens.html",
        {
            "form": form,
            "tokens": api_token_list(user=request.user),
            "new": new,
            "now": timezone.now(),
            "docs": reverse("api-docs"),
        },
    )


@require_POST
@staff_or_partner_required
def token_revoke(request, pk: int):
    """Revoke one of my own tokens (someone else's is a 404)."""
    token = get_object_or_404(api_token_list(user=request.user), pk=pk)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("partners:account-tokens")
