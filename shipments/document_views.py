"""Pages and JSON behind the document pack on the staff shipment page."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sfiec.decorators import action_required, staff_required
from sfiec.exceptions import DomainError
from sfiec.uploads import download_response

from . import documents
from .models import Shipment, ShipmentDocument


def document_payload(doc: ShipmentDocument, *, absolute=None) -> dict:
    """What the API and the status poller say about one document version."""
    url = ""
    if doc.state in (doc.State.READY, doc.State.SUPERSEDED) and doc.file:
        url = reverse("shipments:document-download", args=[doc.pk])
        url = absolute(url) if absolute else url
    return {
        "id": doc.pk,
        "kind": doc.kind,
        "kind_label": str(doc.get_kind_display()),
        "version": doc.version,
        "state": doc.state,
        "state_label": str(doc.get_state_display()),
        "error": doc.error,
        "pages": doc.pages,
        "sha256": doc.sha256,
        "inputs_fingerprint": doc.inputs_fingerprint,
        "requested_at": doc.requested_at.isoformat(),
        "rendered_at": doc.rendered_at.isoformat() if doc.rendered_at else None,
        "download_url": url,
    }


def pack_progress(docs) -> dict:
    total = len(docs)
    ready = sum(1 for d in docs if d.state == ShipmentDocument.State.READY)
    active = any(d.state in documents.ACTIVE_STATES for d in docs)
    return {"ready": ready, "total": total, "active": active}


@require_GET
@staff_required
def documents_status(request, id: int):  # noqa: A002 (the URL keyword of staff routes)
    """Staff only: the current documents of a shipment and the pack's progress, as JSON."""
    shipment = get_object_or_404(Shipment, pk=id)
    docs = documents.shipment_documents_current(shipment)
    return JsonResponse(
        {
            "shipment": shipment.reference,
            "progress": pack_progress(docs),
            "documents": [document_payload(d) for d in docs],
        },
        headers={"Cache-Control": "no-store"},
    )


@require_POST
@action_required("shipment.documents")
def documents_generate(request, id: int):  # noqa: A002
    """Logistics officers and managers: (re)generate the pack, then go back to the page."""
    shipment = get_object_or_404(Shipment, pk=id)
    try:
        documents.shipment_documents_generate(shipment=shipment, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The documents are being rendered; each shows here when it is ready.")
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return redirect(target)


@require_GET
@staff_required
def document_download(request, pk: int):
    """Staff only: download one rendered version (superseded ones too, for the record)."""
    doc = get_object_or_404(ShipmentDocument.objects.select_related("shipment"), pk=pk)
    if not doc.file or doc.state not in (doc.State.READY, doc.State.SUPERSEDED):
        raise Http404
    name = f"{doc.shipment.reference}-{doc.kind.replace('_', '-')}-v{doc.version}.pdf"
    return download_response(doc.file, filename=name, content_type="application/pdf")
