from django.urls import path  # noqa: F401

from .receipt_urls import urlpatterns as receipt_urlpatterns

app_name = "shipments"
urlpatterns: list = [*receipt_urlpatterns]
