"""Emails about matches of lots to needs, each in its reader's language.

Called from tasks after the transaction has committed; they only read.
"""

from partners.models import Contact
from partners.services import email_send_localised

from .models import NeedMatch


def need_recipient_contact(need) -> Contact | None:
    """The recipient organisation's primary contact, else its first one."""
    return (
        Contact.objects.filter(organisation_id=need.recipient_id)
        .order_by("-is_primary", "id")
        .first()
    )


def need_match_confirmed_notify(*, match_id: int) -> list[str]:
    """Tell the lot's donor and the need's recipient contact that a match was confirmed."""
    match = NeedMatch.objects.select_related(
        "need__city", "need__recipient", "lot__offer__contact", "lot__standard"
    ).get(pk=match_id)
    sent = []
    readers = [
        ("donor", match.lot.offer.contact),
        ("recipient", need_recipient_contact(match.need)),
    ]
    for role, contact in readers:
        if contact is None or not contact.email:
            continue
        email_send_localised(
            to=[contact.email],
            language=contact.language,
            template="need_match_confirmed",
            context={
                "match": match,
                "need": match.need,
                "lot": match.lot,
                "contact": contact,
                "role": role,
            },
        )
        sent.append(contact.email)
    return sent


def need_link_send(*, contact_id: int, city_id: int) -> str:
    """Email ``contact`` a signed, expiring link to record one need for the city."""
    from django.conf import settings
    from django.urls import reverse

    from donations.need_links import need_link_token
    from partners.models import SisterCity

    contact = Contact.objects.get(pk=contact_id)
    city = SisterCity.objects.get(pk=city_id)
    token = need_link_token(contact=contact, city=city)
    url = settings.SITE_URL + reverse("needs:link-record", args=[city.slug, token])
    email_send_localised(
        to=[contact.email],
        language=contact.language,
        template="need_link",
        context={
            "contact": contact,
            "city": city,
            "url": url,
            "days": settings.NEED_LINK_MAX_AGE_DAYS,
        },
    )
    return url
