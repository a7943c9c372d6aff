from django.db import transaction
from django.utils import timezone

from .models import ReferenceSequence


def reference_next(*, prefix: str, digits: int) -> str:
    """Hand out the next human-readable reference, e.g. ``OFF-2026-00042``.

    The sequence row is locked, so concurrent callers never get the same number; the unique
    constraint on the referencing model is the backstop.
    """
    year = timezone.localdate().year
    with transaction.atomic():
        ReferenceSequence.objects.get_or_create(prefix=prefix, year=year)
        sequence = ReferenceSequence.objects.select_for_update().get(prefix=prefix, year=year)
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{sequence.last_number:0{digits}d}"
