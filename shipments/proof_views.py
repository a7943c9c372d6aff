"""The donor's proof (partner area) and the public trace page of a shipment.

Donations never import shipments, so the proof of an offer lives here and the partner's offer
page links to it by URL name.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.models import DonationOffer
from sfiec.decorators import partner_required
from sfiec.uploads import IMAGE_TYPES, download_response

from . import receipt_selectors
from .models import ReceiptEvidence


def _offer_or_404(user, reference) -> DonationOffer:
    """The partner's own offer; any other organisation's offer is a 404, as if it did not exist."""
    try:
        return donation_selectors.offer_get(user=user, reference=reference)
    except DonationOffer.DoesNotExist:
        raise Http404 from None


@partner_required
@require_GET
def offer_proof(request, reference):
    """Partners: where one of their offers' lots went, the receipts and distribution evidence."""
    offer = _offer_or_404(request.user, reference)
    proofs = receipt_selectors.offer_proof(offer=offer)
    return render(
        request,
        "shipments/receipts/proof.html",
        {
            "offer": offer,
            "proofs": proofs,
            "can_acknowledge": any(proof.receipt_verified for proof in proofs),
        },
    )


@partner_required
@require_POST
def offer_naming_set(request, reference):
    """Partners: say whether the public trace pages may name them as the donor of this offer."""
    offer = _offer_or_404(request.user, reference)
    named = request.POST.get("is_named") == "1"
    donation_services.offer_public_naming_set(offer=offer, actor=request.user, is_named=named)
    messages.success(
        request,
        _("Your name may now appear on the public trace pages.")
        if named
        else _("You stay anonymous on the public trace pages."),
    )
    return redirect("shipments:offer-proof", reference=reference)


@partner_required
@require_GET
def offer_acknowledgement(request, reference):
    """Partners: the acknowledgement PDF of an offer whose goods reached their city."""
    offer = _offer_or_404(request.user, reference)
    proofs = [p for p in receipt_selectors.offer_proof(offer=offer) if p.receipt_verified]
    if not proofs:
        raise Http404
    pdf = acknowledgement_render(offer=offer, proofs=proofs)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="acknowledgement-{offer.reference}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def acknowledgement_render(*, offer: DonationOffer, proofs: list) -> bytes:
    """The acknowledgement as PDF bytes, rendered by WeasyPrint from its own template."""
    from weasyprint import HTML  # heavy; loaded only when a PDF is asked for

    html = render_to_string(
        "documents/acknowledgement.html",
        {"offer": offer, "proofs": proofs, "today": timezone.localdate()},
    )
    return HTML(string=html).write_pdf()


@partner_required
@require_GET
def proof_evidence(request, pk):
    """Partners: a verified file of a shipment that carried their goods; else 404."""
    evidence = receipt_selectors.proof_evidence_list(user=request.user).filter(pk=pk).first()
    if evidence is None:
        raise Http404
    return download_response(
        evidence.file,
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.content_type,
    )


@require_GET
def trace(request, token):
    """Public: a shipment's trace, reached from the QR codes; only what is approved for it."""
    try:
        found = receipt_selectors.trace_get(token=token)
    except receipt_selectors.Shipment.DoesNotExist:
        raise Http404 from None
    response = render(request, "shipments/receipts/trace.html", {"trace": found})
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def trace_photo(request, token, pk):
    """Public: a photo staff approved for a shipment's trace page."""
    evidence = ReceiptEvidence.objects.filter(
        pk=pk,
        request__shipment__public_token=token,
        is_published=True,
        verified_at__isnull=False,
        content_type__in=IMAGE_TYPES,
    ).first()
    if evidence is None:
        raise Http404
    return download_response(
        evidence.file,
        filename=f"photo-{evidence.pk}.{evidence.file.name.rsplit('.', 1)[-1]}",
        content_type=evidence.content_type,
    )
