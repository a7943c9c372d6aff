"""The token endpoint: staff and partners exchange a password for their API token."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response


class TokenObtainView(ObtainAuthToken):
    """Public: exchange a username and password for your API token.

    Repeated failures lock the account and the client address out for a while (django-axes,
    as on the login page and the admin): the answer is then 429.
    """

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(detail=_("Too many failed logins; try again later."))
            raise exceptions.ValidationError(serializer.errors)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
