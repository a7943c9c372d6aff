from django.urls import path

from . import views
from .document_urls import urlpatterns as document_urlpatterns
from .receipt_urls import urlpatterns as receipt_urlpatterns

app_name = "shipments"
urlpatterns = [
    *receipt_urlpatterns,
    *document_urlpatterns,
    path("staff/shipments/", views.shipment_list, name="list"),
    path("staff/shipments/new/", views.shipment_create, name="create"),
    path("staff/shipments/<str:reference>/", views.shipment_detail, name="detail"),
    path("staff/shipments/<str:reference>/edit/", views.shipment_edit, name="edit"),
    path("staff/shipments/<str:reference>/lines/", views.shipment_line_add, name="line-add"),
    path(
        "staff/shipments/<str:reference>/lines/<int:pk>/remove/",
        views.shipment_line_remove,
        name="line-remove",
    ),
    path("staff/shipments/<str:reference>/move/", views.shipment_move, name="move"),
    path(
        "staff/shipments/<str:reference>/tracking-tokens/",
        views.tracking_token_create,
        name="token-create",
    ),
    path(
        "staff/shipments/<str:reference>/tracking-tokens/<int:pk>/revoke/",
        views.tracking_token_revoke,
        name="token-revoke",
    ),
]
