"""Take over the Standard and EquivalenceGroup models from compliance, state only.

The tables keep their names (compliance_standard, compliance_equivalencegroup and the members
table), so no data moves: compliance 0003 removes the models from compliance's state without
touching the database, and this migration adds them to the standards app's state the same way.
"""

from django.db import migrations, models

MOVED = ("standard", "equivalencegroup")


def content_types_follow(apps, schema_editor):
    """Keep the content types (and so the permissions and admin log) of the moved models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="compliance", model__in=MOVED).update(
        app_label="standards"
    )


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="standards", model__in=MOVED).update(
        app_label="compliance"
    )

SOURCE_STATUS = [
    ("V", "seen in a retrieved source"),
    ("P", "partial or secondary source"),
    ("I", "inference"),
    ("NF", "searched, not found"),
]


class Migration(migrations.Migration):
    initial = True

    # The tables were created by compliance's first migrations.
    dependencies = [
        ("compliance", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Standard",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "slug",
                            models.SlugField(
                                help_text="e.g. CN_GB2626_KN95", max_length=40, unique=True
                            ),
                        ),
                        ("body", models.CharField(max_length=200, verbose_name="standard / body")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        (
                            "title_zh",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="Chinese title"
                            ),
                        ),
                        (
                            "categories",
                            models.JSONField(
                                default=list,
                                help_text="Category slugs this standard applies to.",
                                verbose_name="categories",
                            ),
                        ),
                        (
                            "protection_class",
                            models.CharField(blank=True, max_length=200, verbose_name="class"),
                        ),
                        ("jurisdiction", models.CharField(max_length=8, verbose_name="jurisdiction")),
                        ("key_criteria", models.TextField(blank=True, verbose_name="key criteria")),
                        ("source", models.TextField(verbose_name="source")),
                        ("source_status", models.CharField(choices=SOURCE_STATUS, max_length=2)),
                    ],
                    options={
                        "verbose_name": "standard",
                        "ordering": ["slug"],
                        "db_table": "compliance_standard",
                    },
                ),
                migrations.CreateModel(
                    name="EquivalenceGroup",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("slug", models.SlugField(max_length=60, unique=True)),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("basis", models.TextField(blank=True, verbose_name="basis")),
                        ("source", models.TextField(verbose_name="source")),
                        ("source_status", models.CharField(choices=SOURCE_STATUS, max_length=2)),
                        (
                            "members",
                            models.ManyToManyField(
                                related_name="equivalence_groups", to="standards.standard"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "equivalence group",
                        "ordering": ["slug"],
                        "db_table": "compliance_equivalencegroup",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
