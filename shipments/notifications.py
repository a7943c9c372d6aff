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
