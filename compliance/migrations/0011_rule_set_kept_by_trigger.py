"""The checks' rule set without a foreign-key constraint (see ``ComplianceCheck.rule_set``),
and in its place, on PostgreSQL, a trigger on the rule sets: the database refuses to delete one
that a check uses, as the constraint did.

Not on SQLite, the laptop default: its flush deletes table by table (a test database's, in any
order) and its table rebuilds drop triggers; there the ORM's PROTECT keeps them, as it does
everywhere."""

import django.db.models.deletion
from django.db import migrations, models

MESSAGE = "a rule set that compliance checks use cannot be deleted"

POSTGRESQL = (
    f"""
    CREATE FUNCTION compliance_rule_set_in_use() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM compliance_compliancecheck WHERE rule_set_id = OLD.id) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN OLD;
    END;
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER rule_set_in_use_kept BEFORE DELETE ON compliance_ruleset
        FOR EACH ROW EXECUTE FUNCTION compliance_rule_set_in_use();
    """,
    """
    DROP TRIGGER rule_set_in_use_kept ON compliance_ruleset;
    DROP FUNCTION compliance_rule_set_in_use();
    """,
)
def _run(schema_editor, index):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL[index])


def trigger_create(apps, schema_editor):
    _run(schema_editor, 0)


def trigger_drop(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0010_partial_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='compliancecheck',
            name='rule_set',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='checks', to='compliance.ruleset'),
        ),
        migrations.RunPython(trigger_create, trigger_drop),
    ]
