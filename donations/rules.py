"""The rules between a lot's own fields, in one place for every door.

The offer page and the spreadsheet import (``LotFieldsForm``), the API (which runs that form),
the admin and the services (``MaterialLot.clean``, run by ``full_clean``) and the compliance
what-if endpoint all call ``lot_validate``; each refusal names the field it is about, in the
lot's own field names unless the caller maps them to its own (``names``).

The rules on how fields relate hold for every lot at any time. Two more hold only when goods
are offered (``offered=True``): the goods were made already, and they have not expired yet;
an older lot may expire while it waits, and that is the compliance checks' business.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sfiec.choices import Category

EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_YEARS_AHEAD = 10


def latest_date(today: dt.date) -> dt.date:
    """The latest plausible date: ten years from today (29 February falls back a day)."""
    try:
        return today.replace(year=today.year + LATEST_YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + LATEST_YEARS_AHEAD, day=28)


def lot_problems(
    *,
    category: str | None = None,
    standard=None,
    quantity_offered: int | None = None,
    cartons: int | None = None,
    units_per_carton: int | None = None,
    gross_weight_kg: Decimal | None = None,
    net_weight_kg: Decimal | None = None,
    manufactured_on: dt.date | None = None,
    expires_on: dt.date | None = None,
    export_date: dt.date | None = None,
    arrival_date: dt.date | None = None,
    offered: bool = False,
    today: dt.date | None = None,
) -> dict[str, list[str]]:
    """Every broken rule, by the lot field it concerns; empty if the lot is sound.

    A value that is missing (None) is not checked against the others. ``standard`` is anything
    with a ``slug`` and the ``categories`` it covers. ``export_date`` and ``arrival_date`` are
    those of a planned shipment (the what-if endpoint); a lot alone has none.
    """
    today = today or timezone.localdate()
    latest = latest_date(today)
    problems: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    dates = {
        "manufactured_on": manufactured_on,
        "expires_on": expires_on,
        "export_date": export_date,
        "arrival_date": arrival_date,
    }
    for field, value in dates.items():
        if value is not None and not EARLIEST_DATE <= value <= latest:
            refuse(
                field,
                _("Enter a date between %(earliest)s and %(latest)s.")
                % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
            )
    # An implausible date is not compared with the others.
    plausible = {field: None if field in problems else value for field, value in dates.items()}
    made, expires = plausible["manufactured_on"], plausible["expires_on"]
    export, arrival = plausible["export_date"], plausible["arrival_date"]

    if offered and made and made > today:
        refuse("manufactured_on", _("The manufacture date is in the future."))
    if made and export and made > export:
        refuse("manufactured_on", _("The manufacture date is after the export date."))
    if export and arrival and arrival < export:
        refuse("arrival_date", _("The arrival date is before the export date."))
    if made and expires and expires <= made:
        refuse("expires_on", _("The expiry date must be after the manufacture date."))
    elif offered and expires and expires <= today:
        refuse("expires_on", _("These goods have already expired."))

    if standard is not None and category and category not in (standard.categories or ()):
        refuse(
            "standard",
            _("%(standard)s does not cover the category “%(category)s”.")
            % {"standard": standard.slug, "category": _category_label(category)},
        )

    if quantity_offered and cartons and units_per_carton:
        if not (cartons - 1) * units_per_carton < quantity_offered <= cartons * units_per_carton:
            refuse(
                "units_per_carton",
                _(
                    "%(cartons)d cartons of %(per)d hold up to %(total)d units, "
                    "but the quantity is %(quantity)d; only the last carton may be "
                    "partly filled."
                )
                % {
                    "cartons": cartons,
                    "per": units_per_carton,
                    "total": cartons * units_per_carton,
                    "quantity": quantity_offered,
                },
            )

    if gross_weight_kg and net_weight_kg is not None and net_weight_kg > gross_weight_kg:
        refuse("net_weight_kg", _("The net weight is more than the gross weight."))
    return problems


def lot_validate(*, names: dict[str, str] | None = None, **facts) -> None:
    """Raise a ValidationError by field if any rule of ``lot_problems`` is broken.

    ``names`` maps a lot field to the caller's name for it (the what-if endpoint says
    ``manufacture_date`` where a lot says ``manufactured_on``).
    """
    problems = lot_problems(**facts)
    if problems:
        names = names or {}
        raise ValidationError(
            {names.get(field, field): messages for field, messages in problems.items()}
        )


def _category_label(category: str) -> str:
    try:
        return str(Category(category).label)
    except ValueError:
        return category
