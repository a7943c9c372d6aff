from django.conf import settings

from sfiec.roles import user_is_staff_member


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_URL": settings.SITE_URL,
        "is_staff_member": user_is_staff_member(user) if user else False,
        "is_partner": hasattr(user, "partner_membership") if user else False,
    }
