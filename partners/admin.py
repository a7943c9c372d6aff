from django.contrib import admin

from sfiec.admin import RoleAdminMixin

from .models import Contact, Organisation, PartnerMembership, SisterCity


@admin.register(SisterCity)
class SisterCityAdmin(RoleAdminMixin, admin.ModelAdmin):
    write_action = "city.change"

    list_display = ["name", "name_zh", "country", "is_active"]
    list_filter = ["country", "is_active"]
    search_fields = ["name", "name_zh", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(RoleAdminMixin, admin.ModelAdmin):
    write_action = "organisation.change"

    list_display = ["name", "name_zh", "kind", "country", "city", "email", "is_active"]
    list_filter = ["kind", "country", "city", "is_active"]
    search_fields = ["name", "name_zh", "email", "registration_number"]
    list_select_related = ["city"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(RoleAdminMixin, admin.ModelAdmin):
    write_action = "organisation.change"

    list_display = ["name", "organisation", "email", "phone", "language", "is_primary"]
    list_filter = ["language", "is_primary", "organisation__kind"]
    search_fields = ["name", "email", "organisation__name", "organisation__name_zh"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(RoleAdminMixin, admin.ModelAdmin):
    write_action = "partner.invite"

    list_display = ["user", "organisation", "contact", "created_at"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    list_select_related = ["user", "organisation", "contact"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["user", "contact"]
