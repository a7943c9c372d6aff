"""Names, not codes, for a lot's vocabulary in templates."""

from django import template

from donations.forms import standard_label

register = template.Library()


@register.filter
def standard_name(standard) -> str:
    """A standard's title in the active language (``—`` if none)."""
    return standard_label(standard) if standard else "—"
