from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ComplianceCheck, EquivalenceGroup, RuleSet, Standard


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["slug", "body", "title", "jurisdiction", "protection_class", "source_status"]
    list_filter = ["jurisdiction", "source_status"]
    search_fields = ["slug", "body", "title", "title_zh"]


@admin.register(EquivalenceGroup)
class EquivalenceGroupAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "source_status"]
    filter_horizontal = ["members"]


@admin.register(RuleSet)
class RuleSetAdmin(SimpleHistoryAdmin):
    list_display = ["version", "title", "is_active", "created_by", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["based_on", "created_by", "created_at", "source_file"]


@admin.register(ComplianceCheck)
class ComplianceCheckAdmin(SimpleHistoryAdmin):
    list_display = [
        "lot",
        "country",
        "result",
        "rule_set",
        "is_current",
        "is_stale",
        "overridden_by",
        "evaluated_at",
    ]
    list_filter = ["result", "country", "is_current", "is_stale", "rule_set"]
    search_fields = ["lot__reference", "lot__product"]
    list_select_related = ["lot", "rule_set", "overridden_by"]
    readonly_fields = [
        "lot",
        "country",
        "rule_set",
        "result",
        "findings",
        "export_date",
        "arrival_date",
        "input_fingerprint",
        "is_current",
        "is_stale",
        "evaluated_at",
        "overridden_by",
        "overridden_at",
        "override_reason",
    ]

    def has_add_permission(self, request):
        return False
