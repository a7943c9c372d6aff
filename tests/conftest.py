import datetime as dt
import os

import pytest
from rest_framework.test import APIClient

from compliance import services as compliance_services
from donations import services as donation_services
from sfiec.roles import Role

from . import factories

# Tests marked with these need a real service; CI sets the variable so none may be skipped.
REQUIRE_SERVICES = os.environ.get("SFIEC_REQUIRE_SERVICES", "") == "1"
SERVICE_MARKERS = ("postgres", "redis", "worker", "browser", "server")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped service test is a failure: the service was supposed to be there."""
    outcome = yield
    report = outcome.get_result()
    if (
        REQUIRE_SERVICES
        and report.skipped
        and any(item.get_closest_marker(m) for m in SERVICE_MARKERS)
    ):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"SFIEC_REQUIRE_SERVICES=1 but this service test was skipped: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections(django_db_setup, django_db_blocker):
    """Close sessions that outlived their test before the test database is dropped.

    Playwright's sync API runs test code in greenlets, which get connections of their own
    that nothing closes; on PostgreSQL they would keep the test database from being dropped.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and other cached state must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def coordinator(db):
    return factories.UserFactory(username="cora", roles=[Role.COORDINATOR])


@pytest.fixture
def logistics_officer(db):
    return factories.UserFactory(username="leo", roles=[Role.LOGISTICS])


@pytest.fixture
def compliance_officer(db):
    return factories.UserFactory(username="coco", roles=[Role.COMPLIANCE])


@pytest.fixture
def manager(db):
    return factories.UserFactory(username="mona", roles=[Role.MANAGER])


@pytest.fixture
def viewer(db):
    return factories.UserFactory(username="vic", roles=[Role.VIEWER])


@pytest.fixture
def partner(db):
    return factories.PartnerUserFactory(username="pat")


@pytest.fixture
def outsider(db):
    """Signed in, but neither staff nor partner."""
    return factories.UserFactory(username="olly")


@pytest.fixture
def login(client):
    """Sign ``user`` in on the test client (or on ``on``, another client) and return it."""

    def sign_in(user, on=None):
        (on or client).force_login(user)
        return on or client

    return sign_in


@pytest.fixture
def staff_client(api_client, coordinator):
    api_client.force_authenticate(coordinator)
    return api_client


@pytest.fixture
def received_lot(db, coordinator):
    """A lot of an accepted offer, received in full (10,000 units) at the warehouse."""
    lot = factories.LotFactory()
    donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
    donation_services.offer_accept(offer=lot.offer, actor=coordinator)
    return donation_services.lot_intake(
        lot=lot, actor=coordinator, result="accepted", quantity_received=lot.quantity_offered
    )


@pytest.fixture
def clear_compliance(db, compliance_officer):
    """Check a shipment's lines and have the compliance officer accept any failing check."""
    from shipments import services as shipment_services

    def clear(shipment):
        for check in shipment_services.shipment_checks_run(shipment=shipment):
            if check.result == "fail" and not check.is_overridden:
                compliance_services.check_override(
                    check=check,
                    actor=compliance_officer,
                    reason="Accepted in writing by the consignee's health authority",
                )

    return clear


@pytest.fixture
def catalogue(db):
    compliance_services.rules_load()


@pytest.fixture
def milan(db):
    return factories.SisterCityFactory()


@pytest.fixture
def kn95_lot(catalogue, coordinator, milan, django_capture_on_commit_callbacks):
    """A received KN95 lot without any certificate: fails for Italy after the 2020 windows.

    Received through intake, so its check for Italy has run.
    """
    from standards.models import Standard

    lot = factories.LotFactory(
        standard=Standard.objects.get(slug="CN_GB2626_KN95"),
        offer=factories.OfferFactory(preferred_city=milan),
        manufactured_on=dt.date(2026, 1, 1),
        expires_on=dt.date(2030, 1, 1),
    )
    donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
    donation_services.offer_accept(offer=lot.offer, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        return donation_services.lot_intake(
            lot=lot, actor=coordinator, result="accepted", quantity_received=lot.quantity_offered
        )
