from django.contrib import admin

from sfiec.admin import ReadOnlyAdmin

from .models import EquivalenceGroup, Standard


@admin.register(Standard)
class StandardAdmin(ReadOnlyAdmin):
    """Read-only: the rows come from compliance/data/standards.yaml (compliance's catalogue sync).

    Editing them here would let the table and the file the engine reads disagree.
    """

    list_display = ["slug", "body", "title", "jurisdiction", "protection_class", "source_status"]
    list_filter = ["jurisdiction", "source_status"]
    search_fields = ["slug", "body", "title", "title_zh"]


@admin.register(EquivalenceGroup)
class EquivalenceGroupAdmin(ReadOnlyAdmin):
    """Read-only, like the standards: the groups come from the catalogue file."""

    list_display = ["slug", "name", "source_status"]
