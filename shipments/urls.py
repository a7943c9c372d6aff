from django.urls import path  # noqa: F401

from .document_urls import urlpatterns as document_urlpatterns

app_name = "shipments"
urlpatterns: list = [*document_urlpatterns]
