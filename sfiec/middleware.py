"""Request-level guards that must answer before any view (or the CSRF check) reads the body."""

from django.core.exceptions import TooManyFilesSent
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sfiec.uploads import request_too_large, too_many_files_message


class TooManyFilesMiddleware:
    """More files than ``DATA_UPLOAD_MAX_NUMBER_FILES`` get our "at most N files" page.

    Django refuses such a body while parsing it, which the CSRF check does first; its bare
    400 page tells the sender nothing. Pages get ours here; the API answers the same message
    in its JSON shape from ``sfiec.api.errors``. Place it before CsrfViewMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.content_type == "multipart/form-data"
            and not request.path.startswith("/api/")
            and not request_too_large(request)  # the view refuses those before reading them
        ):
            try:
                request.POST  # noqa: B018 (parses the body, as the CSRF check would)
            except TooManyFilesSent:
                return render(
                    request,
                    "errors/too_many_files.html",
                    {"message": too_many_files_message()},
                    status=400,
                )
        return self.get_response(request)


NUL = "\x00"


def _has_nul(request) -> bool:
    if NUL in request.path:
        return True
    if any(
        NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
    ):
        return True
    # Form bodies of pages, as the CSRF check reads them; not one too large (the view refuses
    # it unread). The API's bodies go through DRF's fields, which refuse NUL themselves.
    return (
        request.method == "POST"
        and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        and not request.path.startswith("/api/")
        and not request_too_large(request)
        and any(
            NUL in key or any(NUL in value for value in values)
            for key, values in request.POST.lists()
        )
    )


class NulCharacterMiddleware:
    """A NUL character (``%00``) in the address, the query or a page's form is a 400.

    PostgreSQL can neither store nor compare text holding NUL: a lookup by such a value (a
    reference in the address, a filter in the query) raises ValueError, which was a 500 on
    every page and API endpoint. Forms refuse NUL in their fields; this covers the rest.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _has_nul(request):
            return self.get_response(request)
        message = _("The request contains a NUL character (%00), which no field accepts.")
        if request.path.startswith("/api/"):
            from sfiec.api.errors import error_body

            return JsonResponse(
                error_body(status_code=400, code="invalid", message=message), status=400
            )
        return render(request, "errors/bad_request.html", {"message": message}, status=400)
