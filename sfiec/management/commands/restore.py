from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sfiec.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore an archive made by `backup` into the configured database and media folder."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Path of the .tar.gz archive.")

    def handle(self, *args, archive, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No backup archive at {path}.")
        try:
            manifest = backup_restore(archive=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored the {manifest['engine']} database and {len(manifest['media'])} media "
            f"files from {path} (made {manifest['created_at']})."
        )
