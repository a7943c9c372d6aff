from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The staff dashboard and lists: reads every other app, and nothing imports it."""

    name = "dashboard"
    verbose_name = _("Dashboard")
