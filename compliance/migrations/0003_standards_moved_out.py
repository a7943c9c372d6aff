"""Hand Standard and EquivalenceGroup over to the standards app, state only: no table changes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_initial"),
        ("standards", "0001_initial"),
        # The lots and needs point at standards.Standard before compliance forgets its own.
        ("donations", "0003_standard_moved_to_standards"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="EquivalenceGroup"),
                migrations.DeleteModel(name="Standard"),
            ],
            database_operations=[],
        )
    ]
