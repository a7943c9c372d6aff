"""Who may use an endpoint. Every viewset names one of these (or a combination)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from sfiec.roles import user_has_role, user_is_staff_member


class IsStaffMember(BasePermission):
    """Foundation staff of any role, read-only viewers included."""

    message = "Only foundation staff may use this endpoint."

    def has_permission(self, request, view):
        return user_is_staff_member(request.user)


class IsPartner(BasePermission):
    """A user linked to a partner organisation."""

    def has_permission(self, request, view):
        return hasattr(request.user, "partner_membership")


def staff_with_roles(*roles: str) -> type[BasePermission]:
    """Staff may read; only the given roles (or a manager) may write."""

    class StaffWithRoles(BasePermission):
        message = "Your role may not change this."

        def has_permission(self, request, view):
            if not user_is_staff_member(request.user):
                return False
            return request.method in SAFE_METHODS or user_has_role(request.user, *roles)

    StaffWithRoles.__name__ = f"StaffWith_{'_'.join(roles)}"
    return StaffWithRoles
