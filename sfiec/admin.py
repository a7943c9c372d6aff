"""Admin helpers: transitions run through services, with a reason page when one is needed."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from sfiec.exceptions import DomainError

from .models import ReferenceSequence, StatusChange


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded with the change and shown to the people it concerns."),
    )


def service_action(label: str, call, *, needs_reason: bool = False, permission: str = "change"):
    """Build an admin action that calls ``call(obj, user, reason)`` for each selected row.

    Each row is applied on its own: a refusal (DomainError) is reported and leaves that row
    unchanged, the others go ahead.
    """

    def action(modeladmin, request, queryset):
        reason = ""
        if needs_reason:
            form = ReasonForm(request.POST if "apply" in request.POST else None)
            if not form.is_valid():
                return TemplateResponse(
                    request,
                    "admin/sfiec/reason_form.html",
                    {
                        **modeladmin.admin_site.each_context(request),
                        "title": label,
                        "form": form,
                        "objects": queryset,
                        "action_name": request.POST.get("action"),
                        "opts": modeladmin.model._meta,
                    },
                )
            reason = form.cleaned_data["reason"]
        done = 0
        for obj in queryset:
            try:
                call(obj, request.user, reason)
                done += 1
            except DomainError as error:
                modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
            except PermissionDenied as error:
                modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
        if done:
            modeladmin.message_user(
                request, _("%(label)s: %(count)d done.") % {"label": label, "count": done}
            )
        return None

    action.short_description = label
    action.allowed_permissions = (permission,)
    action.__name__ = "action_" + "".join(c if c.isalnum() else "_" for c in str(label).lower())
    return action


class ServiceAdminMixin:
    """A service's refusal on save shows as an error message; nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records written only by services (events, status changes)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "content_type", "object_id", "from_status", "to_status", "actor"]
    list_filter = ["content_type", "to_status"]
    search_fields = ["note", "actor__username"]
    date_hierarchy = "changed_at"


@admin.register(ReferenceSequence)
class ReferenceSequenceAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "year", "last_number"]
