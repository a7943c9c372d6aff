"""Staff review of an anonymous offer's pending donor: link it to a known organisation."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partners.forms import PendingLinkForm
from sfiec.decorators import role_required
from sfiec.exceptions import DomainError
from sfiec.roles import Role

from . import selectors, services
from .models import DonationOffer


@role_required(Role.COORDINATOR)
@require_POST
def review_link_donor(request, reference):
    """Coordinators: link the pending donor to a known organisation, or confirm it as new."""
    try:
        offer = selectors.offer_get(user=request.user, reference=reference)
    except DonationOffer.DoesNotExist:
        raise Http404 from None
    try:
        if request.POST.get("confirm_new"):
            services.offer_donor_confirm(offer=offer, actor=request.user)
            messages.success(request, _("The donor is confirmed as a new organisation."))
        else:
            form = PendingLinkForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a known organisation."))
                return redirect("donations:review-detail", reference=reference)
            services.offer_donor_link(
                offer=offer, organisation=form.cleaned_data["organisation"], actor=request.user
            )
            messages.success(request, _("The donor is linked to %s.") % offer.donor.name)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("donations:review-detail", reference=reference)
