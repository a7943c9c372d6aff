"""Point the lot's and the need's standard at standards.Standard, state only.

The table behind the model did not change (compliance_standard), so neither do the columns.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0002_submission_key_per_submitter"),
        ("standards", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="materiallot",
                    name="standard",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="The standard the product is certified to.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lots",
                        to="standards.standard",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalmateriallot",
                    name="standard",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="The standard the product is certified to.",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="standards.standard",
                    ),
                ),
                migrations.AlterField(
                    model_name="need",
                    name="accepted_standards",
                    field=models.ManyToManyField(
                        blank=True, related_name="needs", to="standards.standard"
                    ),
                ),
            ],
            database_operations=[],
        )
    ]
