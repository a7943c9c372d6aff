"""Uploaded files: checked by content, re-encoded when they are images, stored under names we make.

A file's name and the browser's Content-Type are never trusted: ``upload_check`` reads the
magic bytes (the ``filetype`` package), insists that a PDF starts with ``%PDF-``, and decodes
every image with Pillow and writes it again, which drops anything hidden after the pixels
(an HTML page behind a PNG header does not survive). Files are served back only through
``download_response``, from a view that has checked who is asking.
"""

import hashlib
import io
import uuid
import warnings
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
MP4 = "video/mp4"

EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", MP4: "mp4"}
DOCUMENT_TYPES = frozenset({PDF, JPEG, PNG})
IMAGE_TYPES = frozenset({JPEG, PNG})
# For recipients' distribution evidence (video of the hand-over).
EVIDENCE_TYPES = frozenset({PDF, JPEG, PNG, MP4})

_HEAD_BYTES = 8192


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed ``upload_check``: its (re-encoded) bytes and what it really is."""

    data: bytes
    content_type: str
    original_name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    def as_content_file(self) -> ContentFile:
        """The bytes under a fresh server-made name; the uploader's name is kept only as data."""
        return ContentFile(self.data, name=f"{uuid.uuid4().hex}.{self.extension}")


def allowed_types_label(allowed) -> str:
    return ", ".join(sorted(EXTENSIONS[t].upper() for t in allowed))


def upload_check(upload, *, allowed=DOCUMENT_TYPES, max_bytes: int | None = None) -> CheckedUpload:
    """Check one uploaded file by its content and return it ready to store.

    Raises ValidationError (with a message naming the file) when the file is empty, too big,
    not one of ``allowed`` by content, or an image Pillow cannot decode.
    """
    max_bytes = max_bytes or settings.UPLOAD_MAX_FILE_BYTES
    name = _display_name(upload)
    if not upload.size:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if upload.size > max_bytes:
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="too_big",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    upload.seek(0)
    if len(data) > max_bytes:
        raise ValidationError(_("“%(name)s” is too big.") % {"name": name}, code="too_big")
    kind = filetype.guess(data[:_HEAD_BYTES])
    content_type = kind.mime if kind else ""
    if content_type not in allowed:
        raise ValidationError(
            _("“%(name)s” is not an accepted file type; accepted are %(types)s.")
            % {"name": name, "types": allowed_types_label(allowed)},
            code="file_type",
        )
    if content_type == PDF and not data.startswith(b"%PDF-"):
        raise ValidationError(_("“%(name)s” is not a valid PDF.") % {"name": name}, code="pdf")
    if content_type in IMAGE_TYPES:
        data = _image_reencode(data, content_type=content_type, name=name)
    return CheckedUpload(
        data=data,
        content_type=content_type,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def upload_batch_check(uploads) -> None:
    """Refuse a request's files as a whole: too many of them, or too many bytes together."""
    uploads = list(uploads)
    if len(uploads) > settings.UPLOAD_MAX_FILES:
        raise ValidationError(
            _("You attached %(count)d files; at most %(max)d can be sent at once.")
            % {"count": len(uploads), "max": settings.UPLOAD_MAX_FILES},
            code="too_many_files",
        )
    total = sum(upload.size or 0 for upload in uploads)
    if total > settings.UPLOAD_MAX_REQUEST_BYTES:
        raise ValidationError(
            _("The files together are %(size)s; at most %(max)s can be sent at once.")
            % {
                "size": filesizeformat(total),
                "max": filesizeformat(settings.UPLOAD_MAX_REQUEST_BYTES),
            },
            code="too_big_total",
        )


def too_many_files_message() -> str:
    """What a sender of more than ``DATA_UPLOAD_MAX_NUMBER_FILES`` files (which Django will not
    even parse) is told, pages and API alike."""
    return _("You attached more than %(count)d files; at most %(max)d can be sent at once.") % {
        "count": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "max": settings.UPLOAD_MAX_FILES,
    }


def request_too_large(request) -> bool:
    """True when the declared body is beyond the per-request cap (checked before reading it)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    # Form fields travel with the files; allow them a little room on top of the file cap.
    return length > settings.UPLOAD_MAX_REQUEST_BYTES + 1024 * 1024


def download_response(fieldfile, *, filename: str, content_type: str) -> FileResponse:
    """Serve a stored file as a download that no browser will render or sniff.

    Call only from a view that has already decided the user may see the file.
    """
    response = FileResponse(
        fieldfile.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _display_name(upload) -> str:
    name = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1]
    return name[:200]


def _image_reencode(data: bytes, *, content_type: str, name: str) -> bytes:
    invalid = ValidationError(_("“%(name)s” is not a valid image.") % {"name": name}, code="image")
    too_many_pixels = ValidationError(
        _("“%(name)s” has more than %(max)s pixels; send a smaller image.")
        % {"name": name, "max": f"{settings.UPLOAD_MAX_IMAGE_PIXELS:,}"},
        code="image_pixels",
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns, then refuses, by its own cap; ours is lower and says so.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            if probe.width * probe.height > settings.UPLOAD_MAX_IMAGE_PIXELS:
                raise too_many_pixels
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            fmt = "PNG" if content_type == PNG else "JPEG"
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            # Re-encoding keeps only the pixels: no EXIF (GPS), comments or trailing payload.
            if fmt == "JPEG":
                image.save(out, format=fmt, quality=88, optimize=True)
            else:
                image.save(out, format=fmt, optimize=True)
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise invalid from None
    return out.getvalue()
