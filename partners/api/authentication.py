"""Authentication by personal API token (``Authorization: Bearer sfiec_…``), with its scope.

The scope is enforced here, before any view code, so every endpoint present and future obeys it:

* ``read_only``: only GET, HEAD and OPTIONS, anywhere.
* ``tracking``: only operations a view lists in ``tracking_token_actions``; the view's objects
  are narrowed to the token's carrier by ``tracking_scope_field`` (see sfiec.api.filters).
* ``full``: whatever the owner's role allows.

Tokens of ``rest_framework.authtoken`` (``Authorization: Token <40 hex>``) still work.
"""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from partners.api_tokens import KEY_PREFIX, api_token_resolve
from partners.models import ApiToken

KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() not in KEYWORDS:
            return None
        try:
            key = parts[1].decode()
        except UnicodeError:
            return None
        if not key.startswith(KEY_PREFIX):
            return None  # a legacy DRF token: TokenAuthentication reads it
        token = api_token_resolve(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown, revoked or expired token."))
        scope_check(token, request)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def scope_check(token: ApiToken, request) -> None:
    if token.scope == ApiToken.Scope.READ_ONLY and request.method not in SAFE_METHODS:
        raise exceptions.PermissionDenied(_("This token is read-only."))
    if token.scope == ApiToken.Scope.TRACKING:
        view_class, action = _view_action(request)
        allowed = getattr(view_class, "tracking_token_actions", ())
        if action not in allowed or not getattr(view_class, "tracking_scope_field", None):
            raise exceptions.PermissionDenied(
                _("This token may only report tracking for its carrier.")
            )


def _view_action(request):
    match = getattr(request._request, "resolver_match", None)
    func = getattr(match, "func", None)
    view_class = getattr(func, "cls", None)
    actions = getattr(func, "actions", None) or {}
    method = request.method.lower()
    return view_class, actions.get(method, method)


def token_carrier_id(request) -> int | None:
    """The carrier a tracking token is limited to, else None."""
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken) and token.scope == ApiToken.Scope.TRACKING:
        return token.carrier_id
    return None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token made under Account → API tokens: "
            "`Authorization: Bearer sfiec_…`.",
        }
