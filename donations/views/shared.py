"""Lookups the audiences share, and the one page staff and the owning partner both reach."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sfiec.exceptions import DomainError
from sfiec.roles import user_is_staff_member, user_may
from sfiec.uploads import download_response, request_too_large, upload_batch_check

from .. import selectors, services
from ..forms import LotAttachmentForm
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


@require_POST
def lot_attachments_add(request, reference):
    """Add or replace a lot's documents from its offer page.

    The owning partner while the offer is undecided; staff who may ``attachment.upload``
    (``sfiec.roles``) at any time, other staff get 403. Anyone else gets 404.
    """
    if not request.user.is_authenticated:
        raise Http404
    staff = user_is_staff_member(request.user)
    if staff and not user_may(request.user, "attachment.upload"):
        raise PermissionDenied
    lot = lot_or_404(request.user, reference)
    name = "donations:review-detail" if staff else "donations:partner-offer-detail"
    back = reverse(name, args=[lot.offer.reference]) + f"#{lot.reference}"
    if request_too_large(request):
        messages.error(request, _("The files are too large to upload at once."))
        return redirect(back)
    form = LotAttachmentForm(request.POST, request.FILES)
    try:
        upload_batch_check(request.FILES.getlist("files"))
    except ValidationError as error:
        form.add_error("files", error)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{lot.reference}: {error}")
        return redirect(back)
    try:
        services.lot_attachments_add(
            lot=lot,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            uploads=form.cleaned_data["files"],
            replace=form.cleaned_data["replace"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Documents added to %(lot)s; its compliance check will run again.")
            % {"lot": lot.reference},
        )
    return redirect(back)
