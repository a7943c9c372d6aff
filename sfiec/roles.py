"""Staff roles are Django groups; each grants model permissions used by the admin and the API."""

import functools

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
    """The roles the user holds, read once per request (kept on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if not hasattr(user, "_sfiec_roles"):
        names = {name for (name,) in _group_names().rows([user.pk])}
        user._sfiec_roles = names & set(Role.values)
        if user.is_superuser:
            user._sfiec_roles = set(Role.values)
    return user._sfiec_roles


@functools.cache
def _group_names():
    """The names of the groups of a user, by the user's key: the one query every staff API
    request makes for its permission check, compiled once (sfiec.keyed_queries)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from sfiec.keyed_queries import RowsByKeys

    member = get_user_model()._meta.get_field("groups").related_query_name()
    return RowsByKeys(
        Group, lambda ids: Group.objects.filter(**{f"{member}__in": ids}).values_list("name")
    )


def user_has_role(user, *roles: str) -> bool:
    """True if the user holds any of ``roles`` (a manager or superuser holds them all)."""
    held = user_roles(user)
    return bool(held & (set(roles) | {Role.MANAGER}))


def user_is_staff_member(user) -> bool:
    return bool(user_roles(user))


# --- who may call each service --------------------------------------------------------------
# One table for every door: the admin (actions, add/change/delete), the staff pages
# (``sfiec.decorators.action_required``) and the API (``sfiec.api.permissions.ActionPermission``)
# all ask ``user_may``. Any staff role may read; the viewer holds no action at all.
ACTION_ROLES: dict[str, frozenset[str]] = {
    # intake
    "offer.review": frozenset({Role.COORDINATOR}),  # start review, accept, decline
    "offer.withdraw": frozenset({Role.COORDINATOR}),  # on the donor's behalf
    "lot.receive": frozenset({Role.COORDINATOR}),  # receive, reject
    "lot.quarantine": frozenset({Role.COORDINATOR}),
    "lot.update": frozenset({Role.COORDINATOR, Role.LOGISTICS}),  # correct a lot's details
    "attachment.upload": frozenset({Role.COORDINATOR}),
    "need.change": frozenset({Role.COORDINATOR}),  # record, correct, pause, close
    "need.match": frozenset({Role.COORDINATOR, Role.LOGISTICS}),  # confirm, release reservations
    "partner.invite": frozenset({Role.COORDINATOR}),
    "signup.decide": frozenset({Role.COORDINATOR}),
    "organisation.change": frozenset({Role.COORDINATOR}),
    # compliance
    "check.run": frozenset({Role.COORDINATOR, Role.LOGISTICS, Role.COMPLIANCE}),
    "check.override": frozenset({Role.COMPLIANCE}),
    "rule_set.revise": frozenset({Role.COMPLIANCE}),
    "standard.change": frozenset({Role.COMPLIANCE}),
    # shipments
    "shipment.plan": frozenset({Role.LOGISTICS}),  # create, edit
    "shipment.allocate": frozenset({Role.LOGISTICS}),
    "shipment.deallocate": frozenset({Role.LOGISTICS}),
    "shipment.transition": frozenset({Role.LOGISTICS}),
    "shipment.documents": frozenset({Role.LOGISTICS}),  # (re)generate the customs pack
    "receipt.verify": frozenset({Role.LOGISTICS, Role.COORDINATOR}),
    # reference data only a manager changes
    "city.change": frozenset(),
}
# Segregation of duties: a manager holds every action except these.
MANAGER_EXCLUDED = frozenset({"check.override"})


def user_may(user, action: str) -> bool:
    """True if ``user`` may perform ``action`` (a key of ACTION_ROLES) through any door."""
    if action not in ACTION_ROLES:
        raise KeyError(f"Unknown action {action!r}; add it to sfiec.roles.ACTION_ROLES.")
    held = user_roles(user)
    if Role.MANAGER in held and action not in MANAGER_EXCLUDED:
        return True
    return bool(held & ACTION_ROLES[action])
