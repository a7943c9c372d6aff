from django.core.management.base import BaseCommand

from sfiec.outbox import outbox_flush


class Command(BaseCommand):
    help = "Publish the tasks that a broker outage kept in the outbox."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=0, help="Seconds (default 0).")

    def handle(self, *args, older_than, **options):
        sent = outbox_flush(older_than_seconds=older_than)
        self.stdout.write(f"Published {sent} outbox messages.")
