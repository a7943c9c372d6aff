"""Staff pages of the receipt loop: the list (overdue first), one request, its decisions.

Any staff member reads; logistics officers and coordinators (and managers) verify, reject and
approve photos for publication; a viewer sees no buttons and is refused (403) if it posts.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sfiec.decorators import action_required, staff_required
from sfiec.exceptions import DomainError
from sfiec.roles import user_may
from sfiec.uploads import download_response

from . import receipt_selectors, receipts
from .models import ReceiptEvidence, ReceiptRequest
from .receipt_forms import RejectForm

FILTERS = [
    ("", _("all")),
    ("overdue", _("overdue")),
    ("to_check", _("to check")),
    *ReceiptRequest.Status.choices,
]


def _request_or_404(reference) -> ReceiptRequest:
    try:
        return receipt_selectors.receipt_request_get(reference=reference)
    except ReceiptRequest.DoesNotExist:
        raise Http404 from None


@staff_required
@require_GET
def receipt_list(request):
    """Staff: receipt requests, overdue first, filtered by status."""
    status = request.GET.get("status", "")
    if status not in dict(FILTERS):
        status = ""
    page = Paginator(receipt_selectors.receipt_request_list(status=status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "shipments/receipts/staff_list.html",
        {
            "page": page,
            "filters": FILTERS,
            "status": status,
            "query": f"status={status}" if status else "",
        },
    )


@staff_required
@require_GET
def receipt_detail(request, reference):
    """Staff: one request, its evidence and distribution rows; deciders see the buttons."""
    receipt = _request_or_404(reference)
    return render(
        request,
        "shipments/receipts/staff_detail.html",
        {
            "receipt": receipt,
            "shipment": receipt.shipment,
            "can_decide": user_may(request.user, "receipt.verify"),
            "awaiting_decision": receipt.status in receipt_selectors.AWAITING_STAFF,
            "reject_form": RejectForm(),
        },
    )


@action_required("receipt.verify")
@require_POST
def receipt_verify_view(request, reference):
    """Logistics officers and coordinators: accept the upload; the recipient is told."""
    receipt = _request_or_404(reference)
    try:
        receipts.receipt_verify(request=receipt, actor=request.user)
        messages.success(request, _("Verified; the recipient has been told."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("shipments:receipt-detail", reference=reference)


@action_required("receipt.verify")
@require_POST
def receipt_reject_view(request, reference):
    """Logistics officers and coordinators: refuse the upload with a reason for the recipient."""
    receipt = _request_or_404(reference)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rejecting an upload needs a reason for the recipient."))
        return redirect("shipments:receipt-detail", reference=reference)
    try:
        receipts.receipt_reject(
            request=receipt, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Rejected; the recipient has been told why."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("shipments:receipt-detail", reference=reference)


@action_required("receipt.verify")
@require_POST
def receipt_resend_view(request, reference):
    """Logistics officers and coordinators: email the recipient a fresh link, optionally
    revoking every link sent before."""
    receipt = _request_or_404(reference)
    revoke = request.POST.get("revoke") == "1"
    receipts.receipt_link_resend(request=receipt, actor=request.user, revoke=revoke)
    messages.success(
        request,
        _("A new link has been sent; the old ones no longer work.")
        if revoke
        else _("A new link has been sent."),
    )
    return redirect("shipments:receipt-detail", reference=reference)


@action_required("receipt.verify")
@require_POST
def evidence_publish_view(request, pk):
    """Logistics officers and coordinators: approve a verified photo for the trace page."""
    evidence = ReceiptEvidence.objects.select_related("request__shipment").filter(pk=pk).first()
    if evidence is None:
        raise Http404
    try:
        receipts.receipt_evidence_publish(
            evidence=evidence, actor=request.user, is_published=request.POST.get("publish") == "1"
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("shipments:receipt-detail", reference=evidence.request.shipment.reference)


@staff_required
@require_GET
def evidence_download(request, pk):
    """Staff: one uploaded file, as a download that no browser renders."""
    evidence = ReceiptEvidence.objects.filter(pk=pk).first()
    if evidence is None:
        raise Http404
    return download_response(
        evidence.file,
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.content_type,
    )
