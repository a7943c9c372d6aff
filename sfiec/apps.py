from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs):
    from .roles import roles_sync

    roles_sync()


class SfiecConfig(AppConfig):
    name = "sfiec"
    verbose_name = "SFIEC"

    def ready(self):
        # Groups must exist on every install, including the test database. Each app's
        # permissions are created by its own post_migrate, so the groups are synced after each.
        post_migrate.connect(_sync_roles, dispatch_uid="sfiec_sync_roles")
