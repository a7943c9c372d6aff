"""The partner area: a partner's own organisation's offers. Partners only."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sfiec.decorators import partner_required
from sfiec.exceptions import DomainError

from .. import selectors, services
from ..forms import LotAttachmentForm, WithdrawForm
from ..models import DonationOffer
from .shared import offer_or_404


@partner_required
@require_GET
def partner_offer_list(request):
    """Partners: their organisation's offers, counted by status, optionally one status only.

    A partner's home: the login lands here."""
    offers = selectors.offer_list(user=request.user)
    status = request.GET.get("status", "")
    if status in DonationOffer.Status.values:
        offers = offers.filter(status=status)
    else:
        status = ""
    page = Paginator(offers, 25).get_page(request.GET.get("page"))
    counts = selectors.offer_status_counts(user=request.user)
    return render(
        request,
        "donations/partner_offer_list.html",
        {"page": page, "counts": counts, "status": status},
    )


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
            "attach_form": LotAttachmentForm() if offer.status in selectors.OPEN_STATUSES else None,
        },
    )


@partner_required
@require_http_methods(["GET", "POST"])
def partner_offer_withdraw(request, reference):
    """Partners: withdraw one of their offers that has not been decided yet.

    A page asks first (GET, or a POST without ``confirm``); only a confirmed POST withdraws.
    """
    offer = offer_or_404(request.user, reference)
    form = WithdrawForm(request.POST or None)
    if request.method == "GET" or "confirm" not in request.POST:
        if offer.status not in selectors.OPEN_STATUSES:
            messages.error(
                request, _("This offer has been decided; it can no longer be withdrawn.")
            )
            return redirect("donations:partner-offer-detail", reference=offer.reference)
        initial = WithdrawForm(initial={"reason": request.POST.get("reason", "")})
        return render(
            request, "donations/partner_offer_withdraw.html", {"offer": offer, "form": initial}
        )
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.offer_withdraw(offer=offer, actor=request.user, reason=reason)
        messages.success(request, _("Offer %s withdrawn.") % offer.reference)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("donations:partner-offer-detail", reference=offer.reference)
