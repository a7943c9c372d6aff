"""Staff pages: the review queue, an offer's review and decision, and warehouse intake."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners.forms import PendingLinkForm
from sfiec.decorators import action_required, staff_required
from sfiec.exceptions import DomainError
from sfiec.roles import Role, user_has_role, user_may

from .. import selectors, services
from ..forms import DecisionForm, IntakeForm, LotAttachmentForm, OfferFilterForm
from ..models import DonationOffer
from .shared import lot_or_404, offer_or_404


@staff_required
@require_GET
def review_queue(request):
    """Staff: offers to review, oldest first, with filters."""
    filters = OfferFilterForm(request.GET or {"status": "open"})
    criteria = filters.cleaned_data if filters.is_valid() else {"status": "open"}
    offers = selectors.offer_review_queue(
        user=request.user,
        status=criteria.get("status", "open"),
        city=criteria.get("city"),
        category=criteria.get("category", ""),
        q=criteria.get("q", ""),
    )
    page = Paginator(offers, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "donations/review_queue.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@staff_required
@require_GET
def review_detail(request, reference):
    """Staff: an offer with its lots and attachment previews; coordinators decide here."""
    offer = offer_or_404(request.user, reference)
    is_coordinator = user_has_role(request.user, Role.COORDINATOR)
    return render(
        request,
        "donations/review_detail.html",
        {
            "offer": offer,
            "can_decide": offer.status in selectors.OPEN_STATUSES and is_coordinator,
            "can_intake": offer.status == DonationOffer.Status.ACCEPTED and is_coordinator,
            "accept_form": DecisionForm(initial={"decision": "accept"}, prefix="accept"),
            "decline_form": DecisionForm(initial={"decision": "decline"}, prefix="decline"),
            "attach_form": LotAttachmentForm()
            if user_may(request.user, "attachment.upload")
            else None,
        },
    )


@action_required("offer.review")
@require_POST
def review_decide(request, reference):
    """Coordinators: accept or decline an offer with a reason the partner is told."""
    offer = offer_or_404(request.user, reference)
    prefix = "decline" if "decline-decision" in request.POST else "accept"
    form = DecisionForm(request.POST, prefix=prefix)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("donations:review-detail", reference=reference)
    try:
        services.offer_decide(
            offer=offer,
            actor=request.user,
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Decision recorded; the partner has been told."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("donations:review-detail", reference=reference)


@action_required("offer.review")
@require_POST
def review_link_donor(request, reference):
    """Coordinators: link an anonymous offer's pending donor to a known organisation, or
    confirm it as new."""
    offer = offer_or_404(request.user, reference)
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


@action_required("lot.receive")
@require_http_methods(["GET", "POST"])
def lot_intake(request, reference):
    """Coordinators: record a lot's arrival and inspection at the warehouse."""
    lot = lot_or_404(request.user, reference)
    form = IntakeForm(request.POST or None, request.FILES or None, lot=lot)
    if request.method == "POST" and form.is_valid():
        try:
            services.lot_intake(
                lot=lot,
                actor=request.user,
                result=form.cleaned_data["result"],
                quantity_received=form.cleaned_data.get("quantity_received") or 0,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Intake of %s recorded.") % lot.reference)
            return redirect("donations:review-detail", reference=lot.offer.reference)
    return render(request, "donations/lot_intake.html", {"lot": lot, "form": form})
