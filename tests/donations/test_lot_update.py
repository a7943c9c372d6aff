import datetime as dt

import pytest

from compliance.models import ComplianceCheck
from donations import services
from sfiec.exceptions import DomainError
from tests import factories


def test_correcting_a_lot_makes_its_checks_stale_and_runs_them_again(
    kn95_lot, coordinator, django_capture_on_commit_callbacks
):
    before = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.lot_update(lot=kn95_lot, actor=coordinator, expires_on=dt.date(2027, 1, 1))
    before.refresh_from_db()
    after = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    assert before.is_stale and after.pk != before.pk
    assert "SHELF-SHORT-AT-ARRIVAL" in {f["rule"] for f in after.findings}


@pytest.mark.django_db
def test_a_correction_is_validated_and_saves_nothing_when_wrong(coordinator):
    lot = factories.LotFactory()
    with pytest.raises(Exception, match="expir|manufactur"):
        services.lot_update(lot=lot, actor=coordinator, manufactured_on=dt.date(2031, 1, 1))
    lot.refresh_from_db()
    assert lot.manufactured_on == dt.date(2026, 3, 1)
    with pytest.raises(DomainError, match="Unknown lot fields"):
        services.lot_update(lot=lot, actor=coordinator, status="received")
