"""Who may use an endpoint. Every viewset names one of these (or a combination)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from sfiec.roles import user_has_role, user_is_staff_member, user_may


class IsStaffMember(BasePermission):
    """Foundation staff of any role, read-only viewers included."""

    message = "Only foundation staff may use this endpoint."

    def has_permission(self, request, view):
        return user_is_staff_member(request.user)


class IsPartner(BasePermission):
    """A user linked to a partner organisation."""

    def has_permission(self, request, view):
        return hasattr(request.user, "partner_membership")


class ActionPermission(BasePermission):
    """Staff may read; a write needs the permission the view's ``action_permissions`` names for
    it (``{"allocate": "shipment.allocate"}``, see ``sfiec.roles.ACTION_ROLES``). A write the
    map does not name is refused, so a new endpoint is closed until someone decides who may."""

    message = "Your role may not change this."

    def has_permission(self, request, view):
        if not user_is_staff_member(request.user):
            return False
        needed = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if needed is not None:
            return user_may(request.user, needed)
        return request.method in SAFE_METHODS


def may(action: str) -> type[BasePermission]:
    """A permission class for one named action (for views whose doors are combined with |)."""

    class May(BasePermission):
        message = "Your role may not change this."

        def has_permission(self, request, view):
            return user_may(request.user, action)

    May.__name__ = f"May_{action.replace('.', '_')}"
    return May


def staff_with_roles(*roles: str) -> type[BasePermission]:
    """Staff may read; only the given roles (or a manager) may write.

    Prefer ``ActionPermission``: it asks the one permission model the admin and pages ask.
    """

    class StaffWithRoles(BasePermission):
        message = "Your role may not change this."

        def has_permission(self, request, view):
            if not user_is_staff_member(request.user):
                return False
            return request.method in SAFE_METHODS or user_has_role(request.user, *roles)

    StaffWithRoles.__name__ = f"StaffWith_{'_'.join(roles)}"
    return StaffWithRoles
