"""Staff notification emails are written in each staff member's own language."""

import pytest
from django.core import mail
from django.urls import reverse

from partners import services
from partners.models import UserPreference
from tests import factories


@pytest.mark.django_db
def test_each_coordinator_gets_the_new_offer_email_in_their_language(
    coordinator, manager, django_capture_on_commit_callbacks, settings
):
    settings.STAFF_NOTIFICATION_EMAILS = ["desk@example.org"]
    services.user_language_set(user=coordinator, language="zh-hans")
    offer = factories.OfferFactory()
    from donations import notifications

    notifications.offer_submitted_notify(offer_id=offer.pk)
    staff = {address: m for m in mail.outbox for address in m.to}
    assert "来自" in staff[coordinator.email].subject
    assert offer.reference in staff[coordinator.email].subject
    assert staff[manager.email].subject.startswith("New offer")
    assert staff["desk@example.org"].subject.startswith("New offer")  # no account: site default
    # One email per language, never one per person.
    assert staff[manager.email] is staff["desk@example.org"]


@pytest.mark.django_db
def test_the_partner_request_email_follows_the_language_of_the_account_behind_the_address(
    coordinator, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_NOTIFICATION_EMAILS = [coordinator.email.upper(), "desk@example.org"]
    UserPreference.objects.create(user=coordinator, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_request_create(
            organisation_name="Nanshan Volunteers",
            contact_name="Wang Fang",
            email="wang@example.org",
        )
    subjects = {address.lower(): m.subject for m in mail.outbox for address in m.to}
    assert subjects[coordinator.email.lower()] == "Nanshan Volunteers 申请合作伙伴账户"
    assert subjects["desk@example.org"] == "Partner account requested for Nanshan Volunteers"


@pytest.mark.django_db
def test_a_signed_in_user_sets_the_language_of_their_emails(client, coordinator):
    url = reverse("partners:email-language")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    response = client.post(url, {"language": "zh-hans"})
    assert response.status_code == 302
    assert services.user_language(coordinator) == "zh-hans"
    response = client.post(url, {"language": "fr"})
    assert response.status_code == 200
    assert services.user_language(coordinator) == "zh-hans"
