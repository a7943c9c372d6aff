from sfiec.workflow import Workflow

from .models import ReceiptRequest, Shipment

CANCELLABLE = ("draft", "ready", "booked")
SHIPMENT_WORKFLOW = Workflow(
    "shipment",
    {
        "draft": {"ready", "cancelled"},
        "ready": {"booked", "draft", "cancelled"},
        "booked": {"in_transit", "cancelled"},
        "in_transit": {"arrived"},
        "arrived": {"delivered"},
        "delivered": {"receipt_confirmed"},
        "receipt_confirmed": {"closed"},
    },
    dict(Shipment.Status.choices),
)
# Lines can change only while the shipment is being planned.
EDITABLE_STATUSES = ("draft",)

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
