from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sfiec.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Archive the database and the media folder; prints the archive's path last."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", default=settings.BACKUP_DIR, help="Where to write the archive."
        )

    def handle(self, *args, directory, **options):
        try:
            archive = backup_create(directory=Path(directory))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(archive.resolve()))
