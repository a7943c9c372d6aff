from django.urls import path

from . import document_views

urlpatterns = [
    path(
        "staff/shipments/<int:id>/documents/status/",
        document_views.documents_status,
        name="documents-status",
    ),
    path(
        "staff/shipments/<int:id>/documents/generate/",
        document_views.documents_generate,
        name="documents-generate",
    ),
    path(
        "staff/shipments/documents/<int:pk>/download/",
        document_views.document_download,
        name="document-download",
    ),
]
