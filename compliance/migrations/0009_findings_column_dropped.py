"""The findings column goes, now that every check keeps its findings' ids (0008).

Its own migration: on PostgreSQL a table cannot be altered in the transaction that updated
its rows while their deferred foreign-key checks are pending.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("compliance", "0008_stored_findings")]

    operations = [
        migrations.RemoveField(model_name="compliancecheck", name="findings"),
        migrations.RemoveField(model_name="historicalcompliancecheck", name="findings"),
    ]
