"""One JSON error shape for the whole API:

    {"error": {"status": 409, "code": "conflict", "message": "...", "fields": {...}}}

``fields`` appears on validation errors and maps each field to its messages.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sfiec.exceptions import DomainError
from sfiec.uploads import too_many_files_message

logger = logging.getLogger("django.request")


def error_body(*, status_code: int, code: str, message: str, fields=None, details=None) -> dict:
    body = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    if details:
        body["details"] = details
    return {"error": body}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(
            error_body(
                status_code=status.HTTP_409_CONFLICT,
                code="conflict",
                message=exc.message,
                details=exc.details,
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, TooManyFilesSent):
        exc = exceptions.ValidationError({"non_field_errors": [too_many_files_message()]})
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(str(exc))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        if settings.DEBUG:
            return None  # the developer's traceback page
        # Anything unexpected is still answered in the API's shape, and logged as Django would.
        logger.error("Internal Server Error in the API", exc_info=exc)
        return Response(
            error_body(
                status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
                code="server_error",
                message="Internal server error.",
            ),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = _first_message(fields)
        response.data = error_body(
            status_code=response.status_code,
            code="invalid",
            message=first,
            fields=fields,
        )
    else:
        detail = getattr(exc, "detail", "")
        response.data = error_body(
            status_code=response.status_code,
            code=getattr(detail, "code", None) or getattr(exc, "default_code", "error"),
            message=str(detail),
        )
    return response


def _first_message(fields) -> str:
    for name, messages in fields.items():
        if isinstance(messages, dict):
            return _first_message(messages)
        if isinstance(messages, list) and messages:
            message = messages[0]
            if isinstance(message, dict):
                return _first_message(message)
            return f"{name}: {message}" if name != "non_field_errors" else str(message)
    return "Invalid input."


def not_found(request, exception=None):
    """Django's 404 handler: under /api/ in the API's JSON shape, elsewhere the HTML page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        body = error_body(status_code=404, code="not_found", message="Not found.")
        return JsonResponse(body, status=404)
    return page_not_found(request, exception)
