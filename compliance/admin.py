from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from sfiec.admin import RoleAdminMixin, service_action
from sfiec.exceptions import DomainError

from . import services
from .models import ComplianceCheck, RuleSet


class RuleSetForm(forms.ModelForm):
    notes = forms.CharField(
        label=_("What changed and why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Saving makes a new version; checks made under the old one keep it."),
    )

    class Meta:
        model = RuleSet
        fields = ["title", "rules", "notes"]
        widgets = {
            "rules": forms.Textarea(
                # Styled by static/css/admin.css: inline styles are refused by our CSP.
                attrs={"rows": 30, "class": "rules-editor"}
            )
        }

    def clean_rules(self):
        """Validate against the declared rule set format; one message per problem, named by
        its path (``rules[3].message_zh: Field required (rule 'CN-ANN5-NMPA')``)."""
        rules = self.cleaned_data["rules"]
        try:
            services.rule_set_validate(rules)
        except DomainError as error:
            raise forms.ValidationError(str(error.message).splitlines()) from error
        return rules


@admin.register(RuleSet)
class RuleSetAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    """Compliance officers edit rules here; every save is a new version (see save_model)."""

    form = RuleSetForm
    write_action = "rule_set.revise"
    list_display = ["version", "title", "is_active", "based_on", "created_by", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = [
        "version",
        "is_active",
        "based_on",
        "created_by",
        "created_at",
        "source_file",
    ]

    def has_add_permission(self, request):
        return False  # versions come from the shipped files or from editing one

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        base = RuleSet.objects.get(pk=obj.pk)
        new = services.rule_set_revise(
            base=base,
            rules=form.cleaned_data["rules"],
            title=form.cleaned_data["title"],
            notes=form.cleaned_data["notes"],
            actor=request.user,
        )
        obj.pk = new.pk
        obj.version = new.version
        self.message_user(
            request,
            _("Saved as version %(version)s; current checks are marked stale and re-run.")
            % {"version": new.version},
            messages.SUCCESS,
        )


@admin.register(ComplianceCheck)
class ComplianceCheckAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    write_action = "check.override"

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
        "findings_list",
        "export_date",
        "arrival_date",
        "is_current",
        "is_stale",
        "evaluated_at",
        "overridden_by",
        "overridden_at",
        "override_reason",
    ]
    exclude = ["finding_ids", "input_fingerprint"]
    actions = [
        service_action(
            _("Override with a justification"),
            lambda c, u, r: services.check_override(check=c, actor=u, reason=r),
            action="check.override",
            needs_reason=True,
        )
    ]

    @admin.display(description=_("findings"))
    def findings_list(self, obj):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong> [{}] {}<br>{}<br><small>{}</small></li>",
                (
                    (f["severity"], f["rule"], f["message"], f["message_zh"], f["source"])
                    for f in obj.findings
                ),
            ),
        )

    def has_add_permission(self, request):
        return False
