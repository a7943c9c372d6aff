"""Schemathesis against the API's own schema, through the WSGI app, as staff and as a partner.

Fixed seed (derandomized), a bounded number of examples per operation. Any server error, or a
response the schema does not declare (status, content type or body), fails the test.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partners.api_tokens import api_token_create
from tests import factories

MAX_EXAMPLES = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db):
    # As Django's test client does: a request must not close the test's database connection
    # (on PostgreSQL the test runs inside that connection's transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def some_data(db, partner, received_lot, logistics_officer):
    """A little of everything, so that reads return rows to check against the schema."""
    from shipments import services

    organisation = partner.partner_membership.organisation
    factories.LotFactory(offer=factories.OfferFactory(donor=organisation))
    factories.ContactFactory(organisation=organisation)
    recipient = factories.RecipientFactory()
    services.shipment_create(city=recipient.city, consignee=recipient, created_by=logistics_officer)


def run_every_operation(api_schema, key):
    headers = {"Authorization": f"Bearer {key}"}
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @seed(20_260_101)
        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_schemathesis_as_staff(api_schema, some_data, manager):
    _token, key = api_token_create(user=manager, name="schemathesis", scope="full")
    run_every_operation(api_schema, key)


@pytest.mark.django_db
def test_schemathesis_as_partner(api_schema, some_data, partner):
    _token, key = api_token_create(user=partner, name="schemathesis", scope="full")
    run_every_operation(api_schema, key)
