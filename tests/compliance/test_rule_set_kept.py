"""A check's rule set has no foreign-key constraint (its per-row check cost the re-check an
eighth of its time); PostgreSQL still refuses to delete a rule set that checks use, by the
trigger of migration 0011, whoever asks. The ORM's PROTECT refuses on every database."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models import ProtectedError

from compliance import services
from compliance.models import RuleSet
from tests.services import require_postgres


def _delete_by_sql(rule_set_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM compliance_ruleset WHERE id = %s", [rule_set_id])


def test_a_rule_set_that_checks_use_is_not_deleted(received_lot):
    check = services.lot_check_for_country(lot=received_lot, country="IT")

    with pytest.raises(ProtectedError):
        RuleSet.objects.filter(pk=check.rule_set_id).delete()
    assert RuleSet.objects.filter(pk=check.rule_set_id).exists()


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_a_rule_set_that_checks_use(received_lot):
    require_postgres()
    check = services.lot_check_for_country(lot=received_lot, country="IT")

    with pytest.raises((IntegrityError, InternalError), match="compliance checks use"):
        _delete_by_sql(check.rule_set_id)

    assert RuleSet.objects.filter(pk=check.rule_set_id).exists()


def test_a_rule_set_no_check_uses_can_be_deleted(received_lot):
    active = services.rule_set_active()
    unused = RuleSet.objects.create(version="unused-1", title="Unused", rules=active.rules)

    _delete_by_sql(unused.pk)

    assert not RuleSet.objects.filter(pk=unused.pk).exists()
