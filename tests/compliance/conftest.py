import datetime as dt

import pytest

from compliance import services
from tests import factories


@pytest.fixture
def catalogue(db):
    services.catalogue_sync()
    services.rule_set_sync_files()


@pytest.fixture
def milan(db):
    return factories.SisterCityFactory()


@pytest.fixture
def kn95_lot(catalogue, coordinator, milan, django_capture_on_commit_callbacks):
    """A received KN95 lot without any certificate: fails for Italy after the 2020 windows.

    Received through intake, so its check for Italy has run.
    """
    from compliance.models import Standard
    from donations import services as donation_services

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
