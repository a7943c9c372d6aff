"""Admin helpers: transitions run through services, with a reason page when one is needed."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from sfiec.exceptions import DomainError
from sfiec.roles import user_is_staff_member, user_may

from .models import ReferenceSequence, StatusChange


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Recorded with the change and shown to the people it concerns."),
    )


# Django's bulk delete writes straight to the database; rows go through their services instead
# (e.g. "Remove from the shipment" deallocates), so it is offered nowhere.
admin.site.disable_action("delete_selected")


def service_action(label: str, call, *, action: str, needs_reason: bool = False):
    """Build an admin action that calls ``call(obj, user, reason)`` for each selected row.

    ``action`` names the permission (``sfiec.roles.ACTION_ROLES``): ``RoleAdminMixin`` offers
    the action only to users who may take it, and the action itself refuses anyone else.
    Each row is applied on its own: a refusal (DomainError) is reported and leaves that row
    unchanged, the others go ahead.
    """
    permission_name = action

    def action(modeladmin, request, queryset):
        if not user_may(request.user, permission_name):
            raise PermissionDenied
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
    action.permission_action = permission_name
    action.__name__ = "action_" + "".join(c if c.isalnum() else "_" for c in str(label).lower())
    return action


class RoleAdminMixin:
    """The admin asks ``sfiec.roles.user_may``, as the pages and the API do.

    Any staff role may look; adding, changing and deleting need ``write_action`` (or the
    per-operation ``add_action`` / ``change_action`` / ``delete_action``); without one, only a
    superuser writes. Actions built by ``service_action`` are offered only to users who may
    take them.
    """

    write_action: str | None = None
    add_action: str | None = None
    change_action: str | None = None
    delete_action: str | None = None

    def _may(self, request, operation: str) -> bool:
        name = getattr(self, f"{operation}_action", None) or self.write_action
        if name is None:
            return request.user.is_superuser
        return user_may(request.user, name)

    def has_view_permission(self, request, obj=None):
        return user_is_staff_member(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._may(request, "add") and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "delete") and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        return {
            name: entry
            for name, entry in super().get_actions(request).items()
            if self._action_allowed(request, getattr(entry[0], "permission_action", None))
        }

    @staticmethod
    def _action_allowed(request, name) -> bool:
        return user_may(request.user, name) if name else request.user.is_superuser


class ServiceAdminMixin:
    """A service's refusal on save shows as an error message; nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent, written only by services: every field read-only."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(RoleAdminMixin, admin.ModelAdmin):
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
