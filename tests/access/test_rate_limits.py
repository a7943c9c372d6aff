"""Rate limits count what they are for."""

import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.mark.django_db
def test_staff_offer_actions_still_work_after_the_public_quota_is_spent(partner, coordinator):
    submitter = APIClient()
    submitter.force_authenticate(partner)
    codes = [
        submitter.post("/api/v1/offers/", {"lots": []}, format="json").status_code
        for _ in range(25)
    ]
    assert codes[:20] == [400] * 20 and codes[20:] == [429] * 5  # submissions are limited

    staff = APIClient()  # same client address as the submitter
    staff.force_authenticate(coordinator)
    first, second = factories.LotFactory().offer, factories.LotFactory().offer
    for offer, decision in ((first, "accept"), (second, "decline")):
        url = f"/api/v1/offers/{offer.reference}/"
        assert staff.post(url + "start-review/", {}, format="json").status_code == 200
        response = staff.post(url + f"{decision}/", {"reason": "Checked"}, format="json")
        assert response.status_code == 200, response.json()
