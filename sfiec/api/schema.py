"""The OpenAPI schema every endpoint gets without asking (DRF's DEFAULT_SCHEMA_CLASS).

* Every operation documents the API's error responses (400, 401, 403, 404, 429; 409 and 415
  on the ones that change something) with the shared ``Error`` component and an example.
* A tag per resource: the first path segment after ``/api/v1/`` (``lots``, ``shipments``).
* A read-only field whose source crosses a nullable relation (``Lot.standard``,
  ``Organisation.city``) is marked nullable, as it is returned as null.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(
        help_text="Machine-readable: invalid, not_authenticated, authentication_failed, "
        "permission_denied, not_found, conflict, throttled, unsupported_media_type, ..."
    )
    message = serializers.CharField(help_text="Human-readable, in the request's language.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Validation errors: each field or query parameter and its list of messages "
        "(nested objects for nested input, e.g. one entry per lot).",
    )
    details = serializers.DictField(
        required=False, help_text="Conflicts: what the rule that refused the change looked at."
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the whole API."""

    error = ErrorBodySerializer()

    class Meta:
        ref_name = "Error"


def _example(status: int, code: str, message: str, **extra) -> OpenApiExample:
    body = {"status": status, "code": code, "message": message, **extra}
    return OpenApiExample(code, value={"error": body}, response_only=True, status_codes=[status])


ERRORS = {
    400: (
        "Invalid input: a body field, or an unknown query parameter, ordering or filter value.",
        _example(
            400,
            "invalid",
            "is_quarantined: Give true or false.",
            fields={"is_quarantined": ["Give true or false."]},
        ),
    ),
    401: (
        "No credentials, or an unknown, revoked or expired token.",
        _example(401, "not_authenticated", "Authentication credentials were not provided."),
    ),
    403: (
        "Signed in, but this role or token scope may not do this.",
        _example(403, "permission_denied", "Your role may not change this."),
    ),
    404: (
        "No such object, or not one this user may see (a partner sees only its own).",
        _example(404, "not_found", "Not found."),
    ),
    409: (
        "The change is not allowed in the object's current state; the message says why.",
        _example(409, "conflict", "A shipment cannot go from draft to delivered."),
    ),
    415: (
        "The body's content type is not one this operation reads.",
        _example(415, "unsupported_media_type", 'Unsupported media type "text/plain" in request.'),
    ),
    429: (
        "Too many requests; retry after the number of seconds in Retry-After.",
        _example(429, "throttled", "Request was throttled. Expected available in 42 seconds."),
    ),
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = [400, 401, 403, 404, 429]
        if self.method in UNSAFE:
            codes += [409, 415]
        for code in codes:
            if str(code) in responses:
                continue
            description, example = ERRORS[code]
            responses[str(code)] = self._get_response_for_code(
                OpenApiResponse(ErrorSerializer, description=description, examples=[example]),
                str(code),
                ["application/json"],
                direction,
            )
        return responses

    def _resolve_path_parameters(self, variables):
        # Django's <int:...> and our ids match no minus sign: say so, so no client sends one.
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "integer" and "minimum" not in schema:
                schema["minimum"] = 0
        return parameters

    def get_tags(self):
        tags = super().get_tags()
        return [tag.replace("-", " ").capitalize() for tag in tags] if tags else tags

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only and not field.allow_null and _source_is_nullable(field):
            field.allow_null = True
        return super()._map_serializer_field(field, direction, bypass_extensions)


def _source_is_nullable(field) -> bool:
    """True if following the field's source from its serializer's model meets a null."""
    parent = getattr(field, "parent", None)
    if isinstance(parent, serializers.ListSerializer):
        return False
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is None or field.source == "*":
        return False
    for attr in field.source_attrs:
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if model_field.null and not model_field.many_to_many:
            return True
        if not model_field.is_relation or model_field.many_to_many or model_field.one_to_many:
            return False
        model = model_field.related_model
    return False
