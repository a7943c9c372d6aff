"""Reads of offers, lots and attachments, always scoped to who is asking."""

from collections.abc import Iterable

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest

from sfiec.roles import user_is_staff_member

from .models import Attachment, DonationOffer, MaterialLot, Need

OPEN_STATUSES = (DonationOffer.Status.SUBMITTED, DonationOffer.Status.UNDER_REVIEW)


def _partner_organisation_id(user) -> int | None:
    membership = getattr(user, "partner_membership", None) if user else None
    return membership.organisation_id if membership else None


def offer_list(*, user) -> QuerySet[DonationOffer]:
    """Staff see every offer; a partner only its organisation's; anyone else none."""
    # Meta.ordering does not apply to GROUP BY queries, hence the explicit order.
    offers = (
        DonationOffer.objects.select_related("donor", "contact", "preferred_city")
        .annotate(lot_count=Count("lots", distinct=True))
        .order_by("-submitted_at", "-id")
    )
    if user_is_staff_member(user):
        return offers
    organisation_id = _partner_organisation_id(user)
    if organisation_id is not None:
        return offers.filter(donor_id=organisation_id)
    return offers.none()


def offer_review_queue(
    *, user, status: str = "open", city=None, category: str = "", q: str = ""
) -> QuerySet[DonationOffer]:
    """The staff review queue, oldest first, with the filters of the queue page."""
    offers = offer_list(user=user)
    if status == "open":
        offers = offers.filter(status__in=OPEN_STATUSES)
    elif status:
        offers = offers.filter(status=status)
    if city is not None:
        offers = offers.filter(preferred_city=city)
    if category:
        offers = offers.filter(lots__category=category)
    if q:
        offers = offers.filter(
            Q(reference__icontains=q)
            | Q(donor__name__icontains=q)
            | Q(donor__name_zh__icontains=q)
            | Q(contact__email__icontains=q)
            | Q(lots__product__icontains=q)
        )
    return offers.distinct().order_by("submitted_at")


def offer_status_counts(*, user) -> list[dict]:
    """How many of the user's visible offers are in each status, every status listed."""
    visible = DonationOffer.objects.filter(pk__in=offer_list(user=user).values("pk"))
    counts = dict(visible.order_by().values_list("status").annotate(n=Count("id")))
    return [
        {"status": status, "label": label, "count": counts.get(status, 0)}
        for status, label in DonationOffer.Status.choices
    ]


def offer_get(*, user, reference: str) -> DonationOffer:
    """One offer with its lots and attachments; DoesNotExist (→ 404) if the user may not see it."""
    lots = MaterialLot.objects.select_related("standard", "preferred_city").prefetch_related(
        "attachments"
    )
    return (
        offer_list(user=user)
        .prefetch_related(Prefetch("lots", queryset=lots))
        .get(reference=reference)
    )


def donors_named_publicly(*, offers: Iterable[DonationOffer]) -> set[int]:
    """Ids of the donors of ``offers`` that may be named outside the foundation.

    The one rule for every page and paper that names donors (the public trace page, the
    donation certificate): a donor is named when at least one of the given offers carries its
    consent (``is_donor_named_publicly``, set by the donor itself); any other donor is only
    counted, as a donor who prefers not to be named. Reads the offers given, no query.
    """
    return {offer.donor_id for offer in offers if offer.is_donor_named_publicly}


def lot_list(*, user) -> QuerySet[MaterialLot]:
    lots = MaterialLot.objects.select_related("offer", "offer__donor", "standard", "preferred_city")
    if user_is_staff_member(user):
        return lots
    organisation_id = _partner_organisation_id(user)
    if organisation_id is not None:
        return lots.filter(offer__donor_id=organisation_id)
    return lots.none()


def attachment_list(*, user) -> QuerySet[Attachment]:
    attachments = Attachment.objects.select_related("lot", "lot__offer")
    if user_is_staff_member(user):
        return attachments
    organisation_id = _partner_organisation_id(user)
    if organisation_id is not None:
        return attachments.filter(lot__offer__donor_id=organisation_id)
    return attachments.none()


def unmet_needs_by_city_category() -> list[dict]:
    """Unmet need of the open, partly met and paused needs, by city and category (for the
    dashboard): ``[{"city", "city_name", "city_name_zh", "category", "needs", "quantity",
    "quantity_matched", "quantity_unmet"}]``, largest unmet first. One query."""
    rows = (
        Need.objects.filter(
            status__in=[Need.Status.OPEN, Need.Status.PARTLY_MET, Need.Status.PAUSED]
        )
        .values("city__slug", "city__name", "city__name_zh", "category")
        .annotate(
            needs=Count("id"),
            quantity_total=Sum("quantity"),
            matched_total=Sum("quantity_matched"),
            # Per need, never below zero: a paused need may have received more than it asked.
            unmet_total=Sum(Greatest(F("quantity") - F("quantity_matched"), Value(0))),
        )
        .order_by("-unmet_total", "city__name", "category")
    )
    return [
        {
            "city": row["city__slug"],
            "city_name": row["city__name"],
            "city_name_zh": row["city__name_zh"],
            "category": row["category"],
            "needs": row["needs"],
            "quantity": row["quantity_total"],
            "quantity_matched": row["matched_total"],
            "quantity_unmet": max(row["unmet_total"], 0),
        }
        for row in rows
        if row["unmet_total"] > 0
    ]
