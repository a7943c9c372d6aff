"""A recipient contact records a need through a signed, expiring link emailed to them."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from donations.models import Need
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(milan):
    recipient = factories.RecipientFactory(city=milan)
    return factories.ContactFactory(organisation=recipient, email="ward@ospedale.example")


def _emailed_link(client, coordinator, contact, django_capture_on_commit_callbacks) -> str:
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("needs:staff-link", args=[contact.organisation.city.slug]),
            {"contact": contact.pk},
        )
    client.logout()
    (message,) = mail.outbox
    assert message.to == ["ward@ospedale.example"]
    return re.search(r"https?://\S+/needs/record/\S+/", message.body).group(0)


NEED = {"category": "gloves", "quantity": "4000", "priority": "2", "needed_by": "2027-02-01"}


def test_the_emailed_link_records_one_need_once(
    client, coordinator, contact, django_capture_on_commit_callbacks
):
    url = _emailed_link(client, coordinator, contact, django_capture_on_commit_callbacks)
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    response = client.post("/" + path, NEED)
    assert response.status_code == 200
    need = Need.objects.get()
    assert (need.city, need.recipient, need.quantity) == (
        contact.organisation.city,
        contact.organisation,
        4000,
    )
    again = client.post("/" + path, {**NEED, "quantity": "9999"})
    assert again.status_code == 403 and Need.objects.count() == 1


def test_the_link_is_refused_for_another_city_another_need_and_once_expired(
    client, coordinator, contact, django_capture_on_commit_callbacks, time_machine
):
    url = _emailed_link(client, coordinator, contact, django_capture_on_commit_callbacks)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    busan = factories.SisterCityFactory(slug="busan", name="Busan", country="KR")
    assert client.post(path.replace("/milan/", "/busan/"), NEED).status_code == 403
    other = Need.objects.create(
        recipient=contact.organisation,
        city=contact.organisation.city,
        category="gloves",
        quantity=10,
    )
    assert client.post(f"{path}{other.pk}/", NEED).status_code == 403
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=15))
    assert client.post(path, NEED).status_code == 403
    assert Need.objects.count() == 1 and busan.pk
