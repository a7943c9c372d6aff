from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from sfiec.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    RoleAdminMixin,
    ServiceAdminMixin,
    service_action,
)

from . import receipts, services
from .models import (
    MatchAllocation,
    NeedMatch,
    ReceiptEvidence,
    ReceiptRequest,
    Shipment,
    ShipmentDocument,
    ShipmentLine,
    TrackingEvent,
)
from .workflows import CANCELLABLE, SHIPMENT_WORKFLOW


class LineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    fields = ["lot", "quantity", "cartons", "released_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    fields = ["occurred_at", "from_status", "status", "location", "note", "recorded_by", "source"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _transition_action(target: str):
    label = _("Move to “%s”") % SHIPMENT_WORKFLOW.labels[target]
    return service_action(
        label,
        lambda s, u, r: services.shipment_transition(shipment=s, target=target, actor=u, note=r),
        action="shipment.transition",
        needs_reason=target == "cancelled",
    )


@admin.register(Shipment)
class ShipmentAdmin(RoleAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "reference",
        "city",
        "consignee",
        "status",
        "mode",
        "carrier",
        "freight_cost",
        "planned_departure_on",
        "expected_arrival_on",
    ]
    list_filter = ["status", "city", "mode", "carrier"]
    search_fields = ["reference", "carrier_reference", "consignee__name", "lines__lot__reference"]
    list_select_related = ["city", "consignee", "carrier"]
    date_hierarchy = "created_at"
    readonly_fields = ["reference", "status", "created_by", "created_at"]
    autocomplete_fields = ["consignee", "carrier"]
    inlines = [LineInline, EventInline]
    write_action = "shipment.plan"
    actions = [
        _transition_action(target)
        for target in [
            "ready",
            "booked",
            "in_transit",
            "arrived",
            "delivered",
            "receipt_confirmed",
            "closed",
            "cancelled",
        ]
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        if obj.status not in CANCELLABLE:
            # Once it has left, a shipment's record only grows by tracking events.
            return [field.name for field in Shipment._meta.fields if field.name != "id"]
        return [*self.readonly_fields, "city", "consignee"]

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: cancelling releases the allocations

    def save_model(self, request, obj, form, change):
        values = {
            name: form.cleaned_data[name]
            for name in services.SHIPMENT_FIELDS
            if name in form.cleaned_data
        }
        if change:
            # The form already wrote the new values onto obj; the service compares with the row.
            current = Shipment.objects.get(pk=obj.pk)
            services.shipment_update(shipment=current, actor=request.user, **values)
        else:
            created = services.shipment_create(
                city=form.cleaned_data["city"],
                consignee=form.cleaned_data["consignee"],
                created_by=request.user,
                **values,
            )
            obj.pk = created.pk
            obj.reference = created.reference


@admin.register(ShipmentLine)
class ShipmentLineAdmin(RoleAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    """Adding a line here allocates through the allocation service (locks, limits); removing
    one, alone or in bulk, deallocates through the service."""

    add_action = change_action = "shipment.allocate"
    delete_action = "shipment.deallocate"
    actions = [
        service_action(
            _("Remove from the shipment (release the units)"),
            lambda line, u, r: services.shipment_deallocate(line=line, actor=u),
            action="shipment.deallocate",
        )
    ]

    list_display = ["shipment", "lot", "quantity", "cartons", "released_at"]
    list_filter = ["shipment__status", "shipment__city"]
    search_fields = ["shipment__reference", "lot__reference", "lot__product"]
    list_select_related = ["shipment", "lot"]
    raw_id_fields = ["shipment", "lot"]
    readonly_fields = ["released_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["shipment", "lot", "quantity", "released_at"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["cartons"])
            return
        line = services.shipment_allocate(
            shipment=obj.shipment,
            lot=obj.lot,
            quantity=obj.quantity,
            cartons=obj.cartons,
            actor=request.user,
        )
        obj.pk = line.pk

    def delete_model(self, request, obj):
        services.shipment_deallocate(line=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.shipment.status == "draft")


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdmin):
    list_display = ["shipment", "occurred_at", "from_status", "status", "location", "source"]
    list_filter = ["status", "source"]
    search_fields = ["shipment__reference", "location", "note"]
    list_select_related = ["shipment"]
    date_hierarchy = "occurred_at"


@admin.register(ShipmentDocument)
class ShipmentDocumentAdmin(ReadOnlyAdmin):
    list_display = ["shipment", "kind", "version", "state", "pages", "rendered_at"]
    list_filter = ["kind", "state"]
    search_fields = ["shipment__reference"]


class EvidenceInline(ReadOnlyInline):
    model = ReceiptEvidence
    fields = ["kind", "original_name", "size", "uploaded_at", "verified_at", "rejected_reason"]


@admin.register(ReceiptRequest)
class ReceiptRequestAdmin(RoleAdminMixin, SimpleHistoryAdmin):
    write_action = "receipt.verify"

    list_display = ["shipment", "contact", "status", "due_on", "sent_at", "last_reminder_at"]
    list_filter = ["status"]
    search_fields = ["shipment__reference", "contact__email"]
    list_select_related = ["shipment", "contact"]
    readonly_fields = ["shipment", "status", "token_version", "sent_at", "last_reminder_at"]
    inlines = [EvidenceInline]
    actions = [
        service_action(
            _("Verify the upload"),
            lambda rq, u, r: receipts.receipt_verify(request=rq, actor=u),
            action="receipt.verify",
        ),
        service_action(
            _("Reject the upload with a reason"),
            lambda rq, u, r: receipts.receipt_reject(request=rq, actor=u, reason=r),
            action="receipt.verify",
            needs_reason=True,
        ),
    ]

    def has_add_permission(self, request):
        return False


@admin.register(ReceiptEvidence)
class ReceiptEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "original_name", "size", "uploaded_at", "verified_at"]
    list_filter = ["kind"]
    search_fields = ["request__shipment__reference", "original_name"]


class MatchAllocationInline(ReadOnlyInline):
    model = MatchAllocation
    fields = ["line", "quantity"]


@admin.register(NeedMatch)
class NeedMatchAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Reservations are confirmed and released on the need's page (or the API), never here."""

    list_display = [
        "need",
        "lot",
        "quantity",
        "quantity_allocated",
        "status",
        "compliance_result",
        "confirmed_at",
    ]
    list_filter = ["status", "need__city"]
    search_fields = ["lot__reference", "need__recipient__name"]
    list_select_related = ["need__city", "lot"]
    inlines = [MatchAllocationInline]
