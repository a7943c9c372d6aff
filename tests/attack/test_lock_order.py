"""Reservations and shipment lines touch the same rows (a match, its need, its lot) from
different doors. Each door must lock them in one order, or two staff members working on the
same lot at the same moment deadlock and one of them gets a server error.

A third connection holds a row (the lot, the need), so both doors queue on it in a known
order; once it lets go, both must finish."""

import threading
import time

import pytest
from django.db import connection, transaction

from compliance.models import ComplianceCheck
from donations import services as donation_services
from donations.models import MaterialLot, Need
from shipments import services
from shipments.models import NeedMatch, ShipmentLine
from tests.services import require_postgres
from tests.shipments.test_matching import _check

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _until_waiting(count: int) -> None:
    deadline = time.monotonic() + 10
    while _waiting_on_locks() < count:
        assert time.monotonic() < deadline, f"expected {count} waiting on a lock"
        time.sleep(0.05)


def _in_turn(row, *doors):
    """Hold ``row``; start each door once the previous one waits on a lock; let go; return
    what each door raised (None when it finished)."""
    held, release = threading.Event(), threading.Event()
    errors: dict[int, BaseException | None] = {}

    def hold():
        try:
            with transaction.atomic():
                type(row).objects.select_for_update().get(pk=row.pk)
                held.set()
                release.wait(20)
        finally:
            connection.close()

    def run(index, door):
        try:
            door()
            errors[index] = None
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors[index] = error
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    threads = []
    for index, door in enumerate(doors):
        thread = threading.Thread(target=run, args=(index, door))
        thread.start()
        threads.append(thread)
        _until_waiting(index + 1)
    release.set()
    for thread in [holder, *threads]:
        thread.join(30)
    return [errors.get(index, "did not finish") for index in range(len(doors))]


def test_allocating_reserved_units_while_the_reservation_is_released_both_finish(
    need, passing_lot, coordinator, logistics_officer, shipment_to_milan
):
    require_postgres()
    match = services.need_match_confirm(
        need=need, lot=passing_lot, actor=coordinator, quantity=3000
    )

    errors = _in_turn(
        passing_lot,
        # 7,000 are free: 1,000 more come out of the reservation.
        lambda: services.shipment_allocate(
            shipment=shipment_to_milan, lot=passing_lot, quantity=8000, actor=logistics_officer
        ),
        lambda: services.need_match_release(match=match, actor=coordinator, reason="Not needed"),
    )

    assert errors == [None, None]
    lot = MaterialLot.objects.get(pk=passing_lot.pk)
    match.refresh_from_db()
    assert (match.status, match.quantity_allocated) == ("released", 1000)
    assert (lot.quantity_allocated, lot.quantity_reserved) == (8000, 0)


def test_removing_a_line_of_reserved_units_while_the_need_takes_more_both_finish(
    need, passing_lot, coordinator, logistics_officer, shipment_to_milan
):
    require_postgres()
    services.need_match_confirm(need=need, lot=passing_lot, actor=coordinator, quantity=3000)
    line = services.shipment_allocate(
        shipment=shipment_to_milan, lot=passing_lot, quantity=8000, actor=logistics_officer
    )
    # The allocation ran the lot's real checks (it fails for Italy): passing again.
    ComplianceCheck.objects.filter(lot=passing_lot).delete()
    _check(passing_lot, "pass")

    errors = _in_turn(
        passing_lot,
        lambda: services.shipment_deallocate(line=line, actor=logistics_officer),
        lambda: services.need_match_confirm(
            need=need, lot=passing_lot, actor=coordinator, quantity=1000
        ),
    )

    assert errors == [None, None]
    assert not ShipmentLine.objects.exists()
    lot = MaterialLot.objects.get(pk=passing_lot.pk)
    assert (lot.quantity_allocated, lot.quantity_reserved) == (0, 4000)
    assert sorted(NeedMatch.objects.values_list("quantity", flat=True)) == [1000, 3000]


def test_closing_a_need_while_one_of_its_matches_is_released_both_finish(
    need, passing_lot, coordinator
):
    require_postgres()
    match = services.need_match_confirm(
        need=need, lot=passing_lot, actor=coordinator, quantity=3000
    )

    errors = _in_turn(
        need,
        lambda: donation_services.need_transition(
            need=need, actor=coordinator, target=Need.Status.CLOSED
        ),
        lambda: services.need_match_release(match=match, actor=coordinator, reason="Not needed"),
    )

    assert errors == [None, None]
    need.refresh_from_db()
    match.refresh_from_db()
    assert (need.status, match.status) == ("closed", "released")
    assert MaterialLot.objects.get(pk=passing_lot.pk).quantity_reserved == 0
