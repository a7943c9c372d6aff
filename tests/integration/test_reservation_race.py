"""Ten confirmations racing to reserve the last units of one lot, each on its own connection."""

import datetime as dt
import threading

import pytest
from django.db import connection

from compliance.models import ComplianceCheck, RuleSet
from donations import services as donation_services
from donations.models import MaterialLot
from sfiec.exceptions import DomainError
from shipments import services
from shipments.models import NeedMatch
from tests import factories
from tests.services import require_postgres

RACERS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_confirmations_never_reserve_more_than_is_available(
    received_lot, coordinator, logistics_officer
):
    require_postgres()
    city = factories.SisterCityFactory()
    recipient = factories.RecipientFactory(city=city)
    ComplianceCheck.objects.create(
        lot=received_lot,
        country=city.country,
        rule_set=RuleSet.objects.filter(is_active=True).first()
        or RuleSet.objects.create(version="t1", title="test", is_active=True),
        result="pass",
        export_date=dt.date(2026, 12, 1),
        arrival_date=dt.date(2026, 12, 8),
        input_fingerprint="x",
    )
    needs = [
        donation_services.need_create(
            recipient=recipient, city=city, category=received_lot.category, quantity=5000
        )
        for _ in range(RACERS)
    ]
    # 10,000 received, 9,000 on a shipment: 1,000 left; each racer asks for 300.
    MaterialLot.objects.filter(pk=received_lot.pk).update(quantity_allocated=9000)
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def race(need):
        try:
            start.wait()
            services.need_match_confirm(
                need=need, lot=received_lot, quantity=300, actor=logistics_officer
            )
            outcomes.append("reserved")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(need,)) for need in needs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    lot = MaterialLot.objects.get(pk=received_lot.pk)
    reserved = list(
        NeedMatch.objects.filter(lot=lot, status="confirmed").values_list("quantity", flat=True)
    )
    assert outcomes.count("reserved") == 3 and outcomes.count("refused") == RACERS - 3
    assert lot.quantity_reserved == sum(reserved) == 900
    assert lot.quantity_available == 100
