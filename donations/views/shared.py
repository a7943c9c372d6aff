"""Lookups the audiences share, and the one page staff and the owning partner both reach."""

from django.http import Http404
from django.views.decorators.http import require_GET

from sfiec.uploads import download_response

from .. import selectors
from ..models import DonationOffer, MaterialLot


def offer_or_404(user, reference) -> DonationOffer:
    """The offer if ``user`` may see it (staff: any; a partner: its organisation's), else 404."""
    try:
        return selectors.offer_get(user=user, reference=reference)
    except DonationOffer.DoesNotExist:
        raise Http404 from None


def lot_or_404(user, reference) -> MaterialLot:
    lot = selectors.lot_list(user=user).filter(reference=reference).first()
    if lot is None:
        raise Http404
    return lot


@require_GET
def attachment_download(request, pk):
    """Signed-in staff, or the partner whose organisation owns the lot; anyone else gets 404."""
    if not request.user.is_authenticated:
        raise Http404
    attachment = selectors.attachment_list(user=request.user).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return download_response(
        attachment.file,
        filename=attachment.original_name or attachment.file.name.rsplit("/", 1)[-1],
        content_type=attachment.content_type,
    )
