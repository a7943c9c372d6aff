from sfiec.workflow import Workflow

from .models import DonationOffer, MaterialLot, Need

NEED_WORKFLOW = Workflow(
    "need",
    {
        "open": {"partly_met", "met", "paused", "closed"},
        # Back towards open when a confirmed match is released (shipments' matching service).
        "partly_met": {"open", "met", "paused", "closed"},
        # Resuming lands on what the figures say: met if the need was cut while paused.
        "paused": {"open", "partly_met", "met", "closed"},
        "met": {"open", "partly_met", "closed"},
    },
    dict(Need.Status.choices),
)
OFFER_WORKFLOW = Workflow(
    "donation offer",
    {
        "submitted": {"under_review", "withdrawn"},
        "under_review": {"accepted", "declined", "withdrawn"},
    },
    dict(DonationOffer.Status.choices),
)
LOT_WORKFLOW = Workflow(
    "material lot",
    {"pledged": {"received", "rejected"}},
    dict(MaterialLot.Status.choices),
)
