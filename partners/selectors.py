from django.db.models import QuerySet

from sfiec.roles import user_is_staff_member

from .models import Contact, Organisation, SisterCity


def sister_city_list(*, active_only: bool = True) -> QuerySet[SisterCity]:
    cities = SisterCity.objects.all()
    return cities.filter(is_active=True) if active_only else cities


def organisation_list_for(*, user) -> QuerySet[Organisation]:
    """Staff see every organisation; a partner sees only its own; anyone else none."""
    organisations = Organisation.objects.select_related("city").prefetch_related("contacts")
    if user_is_staff_member(user):
        return organisations
    membership = getattr(user, "partner_membership", None)
    if membership is not None:
        return organisations.filter(pk=membership.organisation_id)
    return organisations.none()


def contact_list_for(*, user) -> QuerySet[Contact]:
    """Staff see every contact; a partner only its own organisation's; anyone else none."""
    contacts = Contact.objects.select_related("organisation")
    if user_is_staff_member(user):
        return contacts
    membership = getattr(user, "partner_membership", None)
    if membership is not None:
        return contacts.filter(organisation_id=membership.organisation_id)
    return contacts.none()
