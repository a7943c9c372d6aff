"""The recipient portal: no account, reached only through the signed link of a receipt email.

Public with a valid link; an altered, expired or superseded link shows a page that says so
(404) and nothing about any shipment. Mobile first: one column, large touch targets.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sfiec.exceptions import DomainError
from sfiec.throttling import rate_limit
from sfiec.uploads import request_too_large, upload_batch_check

from . import receipts
from .models import ReceiptRequest
from .receipt_forms import (
    DISTRIBUTION_ROWS_SHOWN,
    DistributionFormSet,
    ReceiptUploadForm,
    ReportForm,
)

PORTAL = "shipments/receipts/portal.html"


def _private(response):
    # The token is in the address: it must not leak to other sites through the Referer
    # header, nor stay in caches. "same-origin", not "no-referrer": with no-referrer the
    # browser sends "Origin: null" on the form's POST and the CSRF check refuses it.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _with_request(view):
    """Resolve the token to its receipt request, or answer 404 with the invalid-link page."""

    @functools.wraps(view)
    def wrapper(request, token):
        receipt = receipts.receipt_request_for_token(token)
        if receipt is None:
            return _private(render(request, "shipments/receipts/link_invalid.html", status=404))
        if request.method == "POST" and request_too_large(request):
            messages.error(
                request,
                _("Nothing was saved: the files together may be at most %(max)s.")
                % {"max": filesizeformat(settings.UPLOAD_MAX_REQUEST_BYTES)},
            )
            return _private(redirect("shipments:receipt-portal", token=token))
        return _private(view(request, receipt, token))

    return wrapper


@require_http_methods(["GET", "POST"])
@rate_limit("receipt_upload", template="donations/rate_limited.html")
@_with_request
def receipt_portal(request, receipt: ReceiptRequest, token: str):
    """Public with a valid link: upload the signed receipt, then the distribution report."""
    lines = list(receipt.shipment.lines.filter(released_at=None).select_related("lot"))
    stage = {
        ReceiptRequest.Status.SENT: "receipt",
        ReceiptRequest.Status.RECEIPT_VERIFIED: "report",
    }.get(receipt.status, "")
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    receipt_form = ReceiptUploadForm(data, files, prefix="receipt")
    report_form = ReportForm(data, files, prefix="report")
    formset = DistributionFormSet(data, prefix="rows", form_kwargs={"lines": lines})
    batch_errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("stage") != stage:
            messages.info(request, _("This step is already done; here is where things stand."))
            return redirect("shipments:receipt-portal", token=token)
        try:
            upload_batch_check(
                upload for key in request.FILES for upload in request.FILES.getlist(key)
            )
        except ValidationError as error:
            batch_errors = error.messages
        form = receipt_form if stage == "receipt" else report_form
        valid = form.is_valid() and (stage == "receipt" or formset.is_valid())
        if valid and not batch_errors:
            try:
                receipts.receipt_upload(
                    request=receipt,
                    files=form.cleaned_data["files"],
                    note=form.cleaned_data["note"],
                    distribution=formset.rows() if stage == "report" else None,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Thank you: we received your upload and will check it.")
                )
                return redirect("shipments:receipt-portal", token=token)
    return render(
        request,
        PORTAL,
        {
            "receipt": receipt,
            "shipment": receipt.shipment,
            "lines": lines,
            "stage": stage,
            "receipt_form": receipt_form,
            "report_form": report_form,
            "formset": formset,
            "rows_shown": DISTRIBUTION_ROWS_SHOWN,
            "batch_errors": batch_errors,
            "evidence": list(receipt.evidence.order_by("uploaded_at")),
        },
    )
