from django.core.management.base import BaseCommand

from compliance import services


class Command(BaseCommand):
    help = (
        "Load the shipped standards catalogue and rule set files (idempotent); the newest "
        "becomes active if none is. migrate runs this too."
    )

    def handle(self, *args, **options):
        active = services.rules_load()
        self.stdout.write(f"Active rule set: {active.version}")
