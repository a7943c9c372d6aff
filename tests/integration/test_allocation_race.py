"""Many workers racing for the last units of one lot, each on its own database connection."""

import threading

import pytest
from django.db import connection

from donations.models import MaterialLot
from sfiec.exceptions import DomainError
from shipments import services
from shipments.models import ShipmentLine
from tests import factories
from tests.services import require_postgres

RACERS = 12  # eleven racers plus the first allocation


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_allocations_never_exceed_what_is_available(received_lot, logistics_officer):
    require_postgres()
    city = factories.SisterCityFactory()
    shipments = [
        services.shipment_create(
            city=city, consignee=factories.RecipientFactory(city=city), created_by=logistics_officer
        )
        for _ in range(RACERS)
    ]
    # 10,000 received; 9,000 already gone, 1,000 left; each racer asks for 300.
    services.shipment_allocate(
        shipment=shipments[0], lot=received_lot, quantity=9000, actor=logistics_officer
    )
    start = threading.Barrier(RACERS - 1)
    outcomes: list[str] = []

    def race(shipment):
        try:
            start.wait()
            services.shipment_allocate(
                shipment=shipment, lot=received_lot, quantity=300, actor=logistics_officer
            )
            outcomes.append("allocated")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(s,)) for s in shipments[1:]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    lot = MaterialLot.objects.get(pk=received_lot.pk)
    lines = list(ShipmentLine.objects.filter(lot=lot).values_list("quantity", flat=True))
    assert outcomes.count("allocated") == 3 and outcomes.count("refused") == RACERS - 4
    assert lot.quantity_allocated == sum(lines) == 9900
    assert lot.quantity_available == 100
