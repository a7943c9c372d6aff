"""Who may call a page view, stated on the view itself."""

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from sfiec.roles import ACTION_ROLES, user_has_role, user_is_staff_member, user_may


def _require(check):
    """Anonymous users go to the login page; signed-in users who fail ``check`` get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _require(user_is_staff_member)
partner_required = _require(lambda user: hasattr(user, "partner_membership"))


def role_required(*roles):
    """Staff holding one of ``roles`` (a manager holds them all)."""
    return _require(lambda user: user_has_role(user, *roles))


def action_required(action: str):
    """Staff who may perform ``action`` (see ``sfiec.roles.ACTION_ROLES``); others get 403."""
    if action not in ACTION_ROLES:
        raise KeyError(action)
    return _require(lambda user: user_may(user, action))
