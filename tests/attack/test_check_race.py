"""Two processes checking the same lot for the same country at once: a worker refreshing a
lot just received while staff run its shipment's checks (what ``seed_demo`` does against a
real worker). The second must wait for the first and replace its check, not fail on the one
current check a lot may have per country."""

import threading

import pytest
from django.db import connection, transaction

from compliance import services
from compliance.models import ComplianceCheck
from tests.attack.test_lock_order import _until_waiting
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_checking_a_lot_twice_at_once_leaves_one_current_check(received_lot):
    require_postgres()
    export, arrival = services.default_dates()
    item = (received_lot.pk, "IT", export, arrival)
    # Its findings are stored already, as most are: only the checks can collide.
    services.checks_run(items=[item])
    ComplianceCheck.objects.filter(lot=received_lot).delete()
    checked, release = threading.Event(), threading.Event()
    errors: dict[str, BaseException | None] = {}

    def first():
        try:
            with transaction.atomic():
                services.checks_run(items=[item])
                checked.set()
                release.wait(20)
            errors["first"] = None
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors["first"] = error
        finally:
            connection.close()

    def second():
        try:
            services.checks_run(items=[item])
            errors["second"] = None
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert checked.wait(10)
    threads.append(threading.Thread(target=second))
    threads[1].start()
    _until_waiting(1)
    release.set()
    for thread in threads:
        thread.join(30)

    assert errors == {"first": None, "second": None}
    current = ComplianceCheck.objects.filter(lot=received_lot, country="IT", is_current=True)
    assert current.count() == 1


def test_a_worker_stores_a_lot_s_check_while_staff_allocate_the_lot(
    received_lot, shipment_to_milan, logistics_officer
):
    """Staff hold the lot (an allocation, in a transaction that goes on to store the
    shipment's checks, as seed_demo's does); the worker's check of that lot references the lot
    and must not wait for them: a wait the other way round (on a finding both store) would
    close a deadlock."""
    require_postgres()
    from shipments import services as shipment_services

    export, arrival = services.default_dates()
    item = (received_lot.pk, "IT", export, arrival)
    services.checks_run(items=[item])
    ComplianceCheck.objects.filter(lot=received_lot).delete()
    holding, release, stored = threading.Event(), threading.Event(), threading.Event()

    def staff():
        try:
            with transaction.atomic():
                shipment_services.shipment_allocate(
                    shipment=shipment_to_milan,
                    lot=received_lot,
                    quantity=100,
                    actor=logistics_officer,
                )
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    def worker():
        try:
            services.checks_run(items=[item])
            stored.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=staff), threading.Thread(target=worker)]
    threads[0].start()
    assert holding.wait(10)
    threads[1].start()
    finished_while_held = stored.wait(10)
    release.set()
    for thread in threads:
        thread.join(30)

    assert finished_while_held, "the worker waited for the staff member's transaction"
