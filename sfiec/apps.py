from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    # Each app's permissions are created by its own post_migrate, sent in INSTALLED_APPS
    # order: the groups are synced once, after the last app, when they all exist.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        from .roles import roles_sync

        roles_sync()


class SfiecConfig(AppConfig):
    name = "sfiec"
    verbose_name = "SFIEC"

    def ready(self):
        # Groups must exist on every install, including the test database.
        post_migrate.connect(_sync_roles, dispatch_uid="sfiec_sync_roles")
        # Any saved or deleted row makes the API's cached list counts out of date.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .api.pagination import data_version_bump

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(data_version_bump, dispatch_uid=f"sfiec_api_count_{id(signal)}")
