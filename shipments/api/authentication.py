"""Authentication of carriers and partner systems that push tracking events with a token."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from sfiec.roles import user_is_staff_member
from shipments import tracking
from shipments.models import TrackingToken
from shipments.workflows import CARRIER_STATUSES, SHIPMENT_WORKFLOW


class TrackingTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer trk_…``: the request acts for no user, only with the token.

    The token grants nothing by itself; ``TrackingTokenForShipment`` decides what it may do.
    Any other authorization scheme is left to the other authentication classes.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Give the tracking token after “Bearer ” and nothing else.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("The tracking token is not valid.") from None
        token = tracking.tracking_token_get(secret=secret)
        if token is None:
            raise AuthenticationFailed("The tracking token is unknown, expired or revoked.")
        return AnonymousUser(), token

    def authenticate_header(self, request):
        return 'Bearer realm="tracking"'


class StaffReads(BasePermission):
    """Any staff member may read (viewers included); writing needs another permission."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS and user_is_staff_member(request.user)


class TrackingTokenForShipment(BasePermission):
    """A tracking token may only add events (POST) to the one shipment it was made for, and
    only the goods' moves (``CARRIER_STATUSES``)."""

    message = "This tracking token may only add events to its own shipment."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, TrackingToken) or request.method != "POST":
            return False
        if str(token.shipment_id) != str(view.kwargs.get("pk")):
            return False
        # Raised, not returned: the composed permission would lose the message.
        carrier_move_check(request.data.get("status") if hasattr(request.data, "get") else None)
        return True


def carrier_move_check(target) -> None:
    """A carrier (a shipment's tracking token, or an API token scoped to tracking) reports the
    goods' moves only: never a cancellation or a step back to draft, which give lots back."""
    if target not in CARRIER_STATUSES:
        labels = ", ".join(str(SHIPMENT_WORKFLOW.labels[s]) for s in CARRIER_STATUSES)
        raise PermissionDenied(f"A tracking token may only report these moves: {labels}.")


class TrackingTokenScheme(OpenApiAuthenticationExtension):
    """Describes the tracking token in the OpenAPI schema."""

    target_class = TrackingTokenAuthentication
    name = "trackingToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A shipment's tracking token (trk_…); it may only add that "
            "shipment's events.",
        }
