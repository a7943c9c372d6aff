from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    """The standards catalogue every app reads: below donations, above sfiec.

    The rows come from ``compliance/data/standards.yaml`` through compliance's catalogue sync;
    this app only holds the tables, so donations can point at a standard without importing
    compliance.
    """

    name = "standards"
    verbose_name = _("Standards")
