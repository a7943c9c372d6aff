"""Who may sign in, and stay signed in: a partner of a deactivated organisation may not.

``AccountBackend`` answers for the login page, the admin login and the token endpoint (all call
``authenticate``) and, through ``get_user``, for every request of an existing session; the
token authentication asks the same question on every API request. Deactivating an
organisation therefore takes effect on its partners' next request.
"""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def account_usable(user) -> bool:
    """False for a partner whose organisation has been deactivated."""
    membership = getattr(user, "partner_membership", None)
    return membership is None or membership.organisation.is_active


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and account_usable(user)

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.select_related("partner_membership__organisation").get(
                pk=user_id
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class AccountTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing the tokens of a deactivated organisation's partners."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if not account_usable(user):
            raise exceptions.AuthenticationFailed(
                _("This organisation's access has been withdrawn.")
            )
        return user, token


class LoginRateLimitBackend(AxesStandaloneBackend):
    """django-axes' lockout for every login that comes through a door (page, admin, token).

    A call without a request (the shell, the test client's ``login``) is no door: it is
    neither counted nor refused here, and the password is checked as usual.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
