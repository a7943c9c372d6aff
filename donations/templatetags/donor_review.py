"""The staff review page's control for the pending donor of an anonymous offer."""

from django import template

from partners.forms import PendingLinkForm
from sfiec.roles import Role, user_has_role

register = template.Library()


@register.inclusion_tag("donations/includes/donor_link.html")
def donor_link(offer, user):
    """Coordinators see it while the offer's donor is a pending organisation."""
    donor = offer.donor
    shown = donor.is_pending and donor.is_active and user_has_role(user, Role.COORDINATOR)
    return {"offer": offer, "shown": shown, "form": PendingLinkForm() if shown else None}
