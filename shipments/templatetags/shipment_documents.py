"""``{% shipment_documents shipment %}``: the document pack box of the staff shipment page."""

from django import template

from sfiec.roles import user_may
from shipments import documents
from shipments.document_views import pack_progress

register = template.Library()


@register.inclusion_tag("shipments/includes/documents.html", takes_context=True)
def shipment_documents(context, shipment):
    """The current documents with their states; logistics officers also get the button."""
    docs = documents.shipment_documents_current(shipment)
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "shipment": shipment,
        "documents": docs,
        "progress": pack_progress(docs),
        "can_generate": bool(user) and user_may(user, "shipment.documents"),
        "next": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }
