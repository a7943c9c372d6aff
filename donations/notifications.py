"""Emails about offers: to the partner contact in their language, and to the foundation staff.

Called from tasks after the transaction has committed; they only read.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from partners.services import email_send_localised
from sfiec.roles import Role

from .models import DonationOffer


def staff_notification_addresses(roles=(Role.COORDINATOR, Role.MANAGER)) -> list[str]:
    """STAFF_NOTIFICATION_EMAILS plus every active user's email holding one of ``roles``."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=list(roles))
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(settings.STAFF_NOTIFICATION_EMAILS) | set(users))


def _offer_load(offer_id: int) -> DonationOffer:
    return (
        DonationOffer.objects.select_related("donor", "contact", "preferred_city")
        .prefetch_related("lots")
        .get(pk=offer_id)
    )


def offer_submitted_notify(*, offer_id: int) -> None:
    """Confirm a new offer to its contact and tell staff it awaits review."""
    offer = _offer_load(offer_id)
    context = {"offer": offer, "lots": list(offer.lots.all())}
    if offer.contact:
        email_send_localised(
            to=[offer.contact.email],
            language=offer.contact.language,
            template="offer_submitted",
            context={**context, "contact": offer.contact},
        )
    email_send_localised(
        to=staff_notification_addresses(),
        language=settings.LANGUAGE_CODE,
        template="offer_submitted_staff",
        context={
            **context,
            "review_url": settings.SITE_URL
            + reverse("donations:review-detail", kwargs={"reference": offer.reference}),
        },
    )


def offer_decision_notify(*, offer_id: int) -> None:
    """Tell the contact that their offer was accepted or declined, and why."""
    offer = _offer_load(offer_id)
    if offer.contact is None:
        return
    email_send_localised(
        to=[offer.contact.email],
        language=offer.contact.language,
        template="offer_decided",
        context={"offer": offer, "contact": offer.contact, "lots": list(offer.lots.all())},
    )
