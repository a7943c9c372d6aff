from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .api.auth import TokenObtainView

api_v1 = [
    path("auth/token/", TokenObtainView.as_view(), name="token-obtain"),
    path("", include("partners.api.urls")),
    path("", include("donations.api.urls")),
    path("", include("compliance.api.urls")),
    path("", include("shipments.api.urls")),
    path("", include("dashboard.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/landing/", views.login_landing, name="login-landing"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("partners.urls")),
    path("", include("donations.urls")),
    path("", include("compliance.urls")),
    path("", include("shipments.urls")),
    path("", include("dashboard.urls")),
    path("", include("shipments.needs_urls")),
]

# A URL that matches nothing under /api/ (``/api/v1/lots/x/y/``) answers in the API's JSON shape.
handler404 = "sfiec.api.errors.not_found"
