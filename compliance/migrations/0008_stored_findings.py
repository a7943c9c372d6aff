"""Findings move to ``StoredFinding``: each distinct finding stored once, checks keep ids.

Existing checks (and their history) get the ids of the findings they held; 0009 drops the
findings column. Backwards, each check gets its findings back.
"""

import hashlib

from django.db import migrations, models

CHUNK = 2_000
FIELDS = ("rule", "severity", "message", "message_zh", "source")


def _digest(finding) -> str:
    # The same as compliance.models.finding_digest, frozen here as migrations must be.
    text = "".join(f"{finding[name]}\0" for name in FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()


def _ids_fill(apps, schema_editor):
    alias = schema_editor.connection.alias
    StoredFinding = apps.get_model("compliance", "StoredFinding")
    ids: dict[str, int] = {}
    for name in ("ComplianceCheck", "HistoricalComplianceCheck"):
        model = apps.get_model("compliance", name)
        key = "pk" if name == "ComplianceCheck" else "history_id"
        rows = model.objects.using(alias).values_list(key, "findings").iterator(chunk_size=CHUNK)
        changed = []
        for pk, findings in rows:
            finding_ids = []
            for finding in findings or []:
                finding = {field: str(finding.get(field) or "") for field in FIELDS}
                digest = _digest(finding)
                if digest not in ids:
                    ids[digest] = (
                        StoredFinding.objects.using(alias).create(digest=digest, **finding).pk
                    )
                finding_ids.append(ids[digest])
            if finding_ids:
                changed.append(model(**{key: pk, "finding_ids": finding_ids}))
            if len(changed) >= CHUNK:
                model.objects.using(alias).bulk_update(changed, ["finding_ids"])
                changed = []
        model.objects.using(alias).bulk_update(changed, ["finding_ids"])


def _ids_unfill(apps, schema_editor):
    alias = schema_editor.connection.alias
    StoredFinding = apps.get_model("compliance", "StoredFinding")
    stored = {
        row["pk"]: {field: row[field] for field in FIELDS}
        for row in StoredFinding.objects.using(alias).values("pk", *FIELDS)
    }
    for name in ("ComplianceCheck", "HistoricalComplianceCheck"):
        model = apps.get_model("compliance", name)
        key = "pk" if name == "ComplianceCheck" else "history_id"
        rows = model.objects.using(alias).values_list(key, "finding_ids")
        changed = [
            model(**{key: pk, "findings": [stored[i] for i in finding_ids]})
            for pk, finding_ids in rows.iterator(chunk_size=CHUNK)
            if finding_ids
        ]
        model.objects.using(alias).bulk_update(changed, ["findings"], batch_size=CHUNK)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0007_failing_current_check_index")]

    operations = [
        migrations.CreateModel(
            name="StoredFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                ("rule", models.CharField(editable=False, max_length=100, verbose_name="rule")),
                (
                    "severity",
                    models.CharField(editable=False, max_length=8, verbose_name="severity"),
                ),
                ("message", models.TextField(editable=False, verbose_name="message")),
                (
                    "message_zh",
                    models.TextField(editable=False, verbose_name="message (Chinese)"),
                ),
                ("source", models.TextField(editable=False, verbose_name="source")),
            ],
            options={"verbose_name": "finding"},
        ),
        migrations.AddField(
            model_name="compliancecheck",
            name="finding_ids",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.AddField(
            model_name="historicalcompliancecheck",
            name="finding_ids",
            field=models.JSONField(default=list, editable=False),
        ),
        migrations.RunPython(_ids_fill, _ids_unfill),
    ]
