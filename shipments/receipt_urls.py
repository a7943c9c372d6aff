"""Addresses of the receipt loop, the donor's proof and the public trace page."""

from django.urls import path

from . import portal_views, proof_views, receipt_views

urlpatterns = [
    path("receipt/<str:token>/", portal_views.receipt_portal, name="receipt-portal"),
    path("staff/receipts/", receipt_views.receipt_list, name="receipt-list"),
    path(
        "staff/receipts/evidence/<int:pk>/",
        receipt_views.evidence_download,
        name="receipt-evidence",
    ),
    path(
        "staff/receipts/evidence/<int:pk>/publish/",
        receipt_views.evidence_publish_view,
        name="receipt-evidence-publish",
    ),
    path("staff/receipts/<str:reference>/", receipt_views.receipt_detail, name="receipt-detail"),
    path(
        "staff/receipts/<str:reference>/verify/",
        receipt_views.receipt_verify_view,
        name="receipt-verify",
    ),
    path(
        "staff/receipts/<str:reference>/reject/",
        receipt_views.receipt_reject_view,
        name="receipt-reject",
    ),
    path(
        "staff/receipts/<str:reference>/resend/",
        receipt_views.receipt_resend_view,
        name="receipt-resend",
    ),
    path("partner/offers/<str:reference>/proof/", proof_views.offer_proof, name="offer-proof"),
    path(
        "partner/offers/<str:reference>/proof/naming/",
        proof_views.offer_naming_set,
        name="offer-naming",
    ),
    path(
        "partner/offers/<str:reference>/acknowledgement.pdf",
        proof_views.offer_acknowledgement,
        name="offer-acknowledgement",
    ),
    path("partner/evidence/<int:pk>/", proof_views.proof_evidence, name="proof-evidence"),
    path("trace/<str:token>/", proof_views.trace, name="trace"),
    path("trace/<str:token>/photos/<int:pk>/", proof_views.trace_photo, name="trace-photo"),
]
