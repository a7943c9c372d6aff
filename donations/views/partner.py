"""The partner area: a partner's own organisation's offers. Partners only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sfiec.decorators import partner_required
from sfiec.exceptions import DomainError

from .. import selectors, services
from ..forms import WithdrawForm
from .shared import offer_or_404


@partner_required
@require_GET
def partner_offer_list(request):
    """Partners: their organisation's offers."""
    offers = selectors.offer_list(user=request.user)
    page = Paginator(offers, 25).get_page(request.GET.get("page"))
    return render(request, "donations/partner_offer_list.html", {"page": page})


@partner_required
@require_GET
def partner_offer_detail(request, reference):
    """Partners: one of their organisation's offers, its lots and the decision with its reason."""
    offer = offer_or_404(request.user, reference)
    return render(
        request,
        "donations/partner_offer_detail.html",
        {
            "offer": offer,
            "withdraw_form": WithdrawForm(),
            "can_withdraw": offer.status in selectors.OPEN_STATUSES,
        },
    )


@partner_required
@require_POST
def partner_offer_withdraw(request, reference):
    """Partners: withdraw one of their offers that has not been decided yet."""
    offer = offer_or_404(request.user, reference)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.offer_withdraw(offer=offer, actor=request.user, reason=reason)
        messages.success(request, _("Offer %s withdrawn.") % offer.reference)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("donations:partner-offer-detail", reference=offer.reference)
