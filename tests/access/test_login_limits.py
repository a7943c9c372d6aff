"""Logins are rate-limited per account and per address on the page, the admin and the token
endpoint (django-axes)."""

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories

LIMIT = settings.AXES_FAILURE_LIMIT
RIGHT = "correct horse battery"


def _page(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _admin(client, username, password, address):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _token(client, username, password, address):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


DOORS = {"page": _page, "admin": _admin, "token": _token}


def _signed_in(door, response) -> bool:
    if door == "token":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS)
def test_the_right_password_works_when_nobody_failed(client, door):
    factories.UserFactory(username="cora", is_staff=True)
    assert _signed_in(door, DOORS[door](client, "cora", RIGHT, "10.0.0.1"))


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS)
def test_repeated_failures_lock_the_account_whatever_the_address(client, door):
    factories.UserFactory(username="cora", is_staff=True)
    attempt = DOORS[door]
    for n in range(LIMIT):
        assert not _signed_in(door, attempt(client, "cora", "wrong", f"10.0.1.{n}"))
    response = attempt(client, "cora", RIGHT, "10.0.2.1")
    assert response.status_code == 429
    assert not _signed_in(door, response)


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS)
def test_repeated_failures_lock_the_address_whatever_the_account(client, door):
    factories.UserFactory(username="cora", is_staff=True)
    attempt = DOORS[door]
    for n in range(LIMIT):
        attempt(client, f"guess{n}", "wrong", "10.0.3.1")
    response = attempt(client, "cora", RIGHT, "10.0.3.1")
    assert response.status_code == 429
    # The same account from another address still gets in.
    assert _signed_in(door, attempt(client, "cora", RIGHT, "10.0.3.2"))


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_locked(client, settings):
    settings.THROTTLE_TRUSTED_PROXIES = 1
    factories.UserFactory(username="cora", is_staff=True)
    for n in range(LIMIT):
        client.post(
            reverse("login"),
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    other_client = client.post(
        reverse("login"),
        {"username": "cora", "password": RIGHT},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.6",
    )
    assert other_client.status_code == 302
