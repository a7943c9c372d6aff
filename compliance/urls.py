from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("staff/lots/<str:reference>/compliance/", views.lot_compliance, name="lot"),
    path("staff/lots/<str:reference>/compliance/run/", views.lot_check_run, name="lot-run"),
    path("staff/checks/<int:pk>/override/", views.check_override, name="check-override"),
]
