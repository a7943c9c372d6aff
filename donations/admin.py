from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from sfiec.admin import ReadOnlyInline, RoleAdminMixin, ServiceAdminMixin, service_action

from . import services
from .models import Attachment, DonationOffer, MaterialLot, Need


class LotInline(ReadOnlyInline):
    model = MaterialLot
    fields = [
        "reference",
        "category",
        "product",
        "standard",
        "quantity_offered",
        "quantity_received",
        "quantity_allocated",
        "expires_on",
        "status",
        "is_quarantined",
    ]
    show_change_link = True


@admin.register(DonationOffer)
class DonationOfferAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    write_action = "offer.review"

    list_display = ["reference", "donor", "preferred_city", "status", "submitted_at", "decided_at"]
    list_filter = ["status", "preferred_city", "donor__country"]
    search_fields = [
        "reference",
        "donor__name",
        "donor__name_zh",
        "contact__email",
        "lots__product",
    ]
    list_select_related = ["donor", "preferred_city"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "reference",
        "status",
        "decision_reason",
        "decided_by",
        "decided_at",
        "submitted_by",
        "submitted_at",
    ]
    autocomplete_fields = ["donor", "contact"]
    inlines = [LotInline]
    actions = [
        service_action(
            _("Start review"),
            lambda o, u, r: services.offer_start_review(offer=o, actor=u),
            action="offer.review",
        ),
        service_action(
            _("Accept"),
            lambda o, u, r: services.offer_accept(offer=o, actor=u, reason=r),
            action="offer.review",
        ),
        service_action(
            _("Decline with a reason"),
            lambda o, u, r: services.offer_decline(offer=o, actor=u, reason=r),
            action="offer.review",
            needs_reason=True,
        ),
        service_action(
            _("Withdraw"),
            lambda o, u, r: services.offer_withdraw(offer=o, actor=u, reason=r),
            action="offer.withdraw",
            needs_reason=True,
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # decline, withdraw or reject instead; the record stays

    def has_add_permission(self, request):
        # Offers come in through the offer form or the API, which number and validate them.
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MaterialLot)
class MaterialLotAdmin(RoleAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    write_action = "lot.update"

    list_display = [
        "reference",
        "product",
        "category",
        "standard",
        "offer",
        "quantity_offered",
        "quantity_received",
        "quantity_allocated",
        "expires_on",
        "status",
        "is_quarantined",
    ]
    list_filter = ["status", "category", "is_quarantined", "standard", "preferred_city"]
    search_fields = ["reference", "product", "manufacturer", "batch_number", "offer__reference"]
    list_select_related = ["offer", "standard"]
    readonly_fields = [
        "reference",
        "offer",
        "status",
        "quantity_received",
        "quantity_allocated",
        "is_quarantined",
        "inspection_note",
        "received_at",
        "received_by",
    ]
    inlines = [AttachmentInline]
    actions = [
        service_action(
            _("Receive the full offered quantity"),
            lambda lot, u, r: services.lot_intake(
                lot=lot,
                actor=u,
                result=services.InspectionResult.ACCEPTED,
                quantity_received=lot.quantity_offered,
                note=r,
            ),
            action="lot.receive",
        ),
        service_action(
            _("Reject with a reason"),
            lambda lot, u, r: services.lot_intake(
                lot=lot, actor=u, result=services.InspectionResult.REJECTED, note=r
            ),
            action="lot.receive",
            needs_reason=True,
        ),
        service_action(
            _("Quarantine"),
            lambda lot, u, r: services.lot_set_quarantine(
                lot=lot, actor=u, is_quarantined=True, note=r
            ),
            action="lot.quarantine",
            needs_reason=True,
        ),
        service_action(
            _("Release from quarantine"),
            lambda lot, u, r: services.lot_set_quarantine(
                lot=lot, actor=u, is_quarantined=False, note=r
            ),
            action="lot.quarantine",
            needs_reason=True,
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # decline, withdraw or reject instead; the record stays

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        changed = [name for name in form.changed_data if name in services.LOT_FIELDS]
        values = {name: form.cleaned_data[name] for name in changed}
        services.lot_update(lot=obj, actor=request.user, **values)


@admin.register(Attachment)
class AttachmentAdmin(RoleAdminMixin, admin.ModelAdmin):
    change_action = "attachment.upload"

    list_display = ["lot", "kind", "original_name", "content_type", "size", "uploaded_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["lot__reference", "original_name", "sha256"]
    list_select_related = ["lot"]
    readonly_fields = [
        "lot",
        "file",
        "sha256",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Need)
class NeedAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    write_action = "need.change"

    list_display = [
        "city",
        "recipient",
        "category",
        "quantity",
        "quantity_matched",
        "quantity_delivered",
        "needed_by",
        "status",
    ]
    list_filter = ["status", "category", "city"]
    search_fields = ["recipient__name", "description"]
    list_select_related = ["city", "recipient"]
    readonly_fields = ["status", "quantity_matched", "quantity_delivered"]
    filter_horizontal = ["accepted_standards"]
    actions = [
        service_action(
            label,
            lambda n, u, r, target=target: services.need_transition(
                need=n, actor=u, target=target, note=r
            ),
            action="need.change",
        )
        for target, label in [
            ("paused", _("Pause")),
            ("open", _("Resume")),
            ("closed", _("Close")),
        ]
    ]
