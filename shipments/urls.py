from django.urls import path  # noqa: F401

from .document_urls import urlpatterns as document_urlpatterns
from .receipt_urls import urlpatterns as receipt_urlpatterns

app_name = "shipments"
urlpatterns: list = [*receipt_urlpatterns, *document_urlpatterns]
