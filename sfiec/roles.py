"""Staff roles are Django groups; each grants model permissions used by the admin and the API."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinator")
    LOGISTICS = "logistics_officer", _("Logistics officer")
    COMPLIANCE = "compliance_officer", _("Compliance officer")
    MANAGER = "manager", _("Manager")
    VIEWER = "viewer", _("Read-only viewer")


ALL_ACTIONS = ("view", "add", "change", "delete")

# role -> {app_label: actions}; every staff role may view everything.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.COORDINATOR: {"partners": ALL_ACTIONS, "donations": ALL_ACTIONS},
    Role.LOGISTICS: {"shipments": ALL_ACTIONS, "donations": ("view", "change")},
    Role.COMPLIANCE: {"compliance": ALL_ACTIONS},
    Role.MANAGER: {
        app: ALL_ACTIONS for app in ("partners", "donations", "compliance", "shipments")
    },
    Role.VIEWER: {},
}
VIEWABLE_APPS = ("partners", "standards", "donations", "compliance", "shipments", "sfiec")


def roles_sync() -> None:
    """Create or update one group per role with exactly its permissions."""
    from django.contrib.auth.models import Group, Permission

    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        grants = Permission.objects.filter(
            content_type__app_label__in=VIEWABLE_APPS, codename__startswith="view_"
        )
        for app_label, actions in ROLE_PERMISSIONS[role].items():
            for action in actions:
                grants = grants | Permission.objects.filter(
                    content_type__app_label=app_label, codename__startswith=f"{action}_"
                )
        group.permissions.set(grants.distinct())


def user_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    if not hasattr(user, "_sfiec_roles"):
        names = set(user.groups.values_list("name", flat=True))
        user._sfiec_roles = names & set(Role.values)
        if user.is_superuser:
            user._sfiec_roles = set(Role.values)
    return user._sfiec_roles


def user_has_role(user, *roles: str) -> bool:
    """True if the user holds any of ``roles`` (a manager or superuser holds them all)."""
    held = user_roles(user)
    return bool(held & (set(roles) | {Role.MANAGER}))


def user_is_staff_member(user) -> bool:
    return bool(user_roles(user))
