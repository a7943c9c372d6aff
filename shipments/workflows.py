from sfiec.workflow import Workflow

from .models import ReceiptRequest, Shipment

CANCELLABLE = ("draft", "ready", "booked")
SHIPMENT_WORKFLOW = Workflow(
    "shipment",
    {
        "draft": {"ready", "cancelled"},
        "ready": {"booked", "draft", "cancelled"},
        # Back to draft when new dates fail the compliance gate (shipment_update).
        "booked": {"in_transit", "draft", "cancelled"},
        "in_transit": {"arrived"},
        "arrived": {"delivered"},
        "delivered": {"receipt_confirmed"},
        "receipt_confirmed": {"closed"},
    },
    dict(Shipment.Status.choices),
)
# What a carrier reports with a tracking token: the goods moving. Cancelling, stepping back to
# planning and confirming the receipt stay with staff.
CARRIER_STATUSES = ("booked", "in_transit", "arrived", "delivered")
# Lines can change only while the shipment is being planned.
EDITABLE_STATUSES = ("draft",)
# Statuses past the compliance gate but not yet departed: moving to one (or on to in transit)
# asks the gate again, and a date change while in one re-runs the checks at once.
GATED_STATUSES = ("ready", "booked")

# A rejected upload returns the request to the state before the upload.
RECEIPT_WORKFLOW = Workflow(
    "receipt request",
    {
        "sent": {"receipt_uploaded"},
        "receipt_uploaded": {"receipt_verified", "sent"},
        "receipt_verified": {"report_uploaded"},
        "report_uploaded": {"report_verified", "receipt_verified"},
    },
    dict(ReceiptRequest.Status.choices),
)
