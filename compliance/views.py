from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from donations.models import MaterialLot
from sfiec.decorators import action_required, staff_required
from sfiec.exceptions import DomainError
from sfiec.roles import user_may

from . import selectors, services
from .forms import OverrideForm
from .models import ComplianceCheck


def _lot_or_404(reference: str) -> MaterialLot:
    return get_object_or_404(
        MaterialLot.objects.select_related("offer__donor", "standard", "preferred_city"),
        reference=reference,
    )


@require_http_methods(["GET"])
@staff_required
def lot_compliance(request, reference):
    """Staff: a lot's stored checks (with overrides) and where it could go. Any staff role reads."""
    lot = _lot_or_404(reference)
    return render(
        request,
        "compliance/lot_compliance.html",
        {
            "lot": lot,
            "checks": selectors.checks_current_for_lot(lot_id=lot.pk),
            "destinations": services.lot_destinations(lot=lot),
            "can_override": user_may(request.user, "check.override"),
            "can_run_check": user_may(request.user, "check.run"),
            "override_form": OverrideForm(),
        },
    )


@require_POST
@action_required("check.run")
def lot_check_run(request, reference):
    """Staff who may run checks (not the viewer): run a lot's check for one country now."""
    lot = _lot_or_404(reference)
    country = request.POST.get("country", "").upper()
    if country not in {city.country for city in selectors.active_cities()}:
        messages.error(request, _("Choose a sister city's country."))
    else:
        services.lot_check_for_country(lot=lot, country=country)
        messages.success(request, _("Checked for %(country)s.") % {"country": country})
    return redirect("compliance:lot", reference=lot.reference)


@require_POST
@action_required("check.override")
def check_override(request, pk):
    """Compliance officers: accept a failing or warning check with a written justification."""
    check = get_object_or_404(ComplianceCheck.objects.select_related("lot"), pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.check_override(
                check=check, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Override recorded."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, " ".join(form.errors["reason"]))
    return redirect("compliance:lot", reference=check.lot.reference)
