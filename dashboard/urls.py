from django.urls import path, re_path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("staff/", views.dashboard_home, name="home"),
    path("staff/lists/<slug:kind>/", views.staff_list, name="list"),
    re_path(
        r"^staff/lists/(?P<kind>[-\w]+)/export\.(?P<fmt>csv|xlsx)$",
        views.staff_list_export,
        name="list-export",
    ),
]
