"""Request-level guards that must answer before any view (or the CSRF check) reads the body."""

from django.core.exceptions import TooManyFilesSent
from django.shortcuts import render

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
