"""Session management (ASVS V3): new id at login, server-side logout and expiry, cookie flags."""

import datetime as dt

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

PASSWORD = "a-long-enough-password-2026"


def _login(client, user):
    user.set_password(PASSWORD)
    user.save()
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.50",
    )
    assert response.status_code == 302, response.content[:500]


def test_login_issues_a_new_session_id(client, manager):
    client.get("/accounts/login/")
    client.session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    _login(client, manager)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert before != after
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_ends_the_session_on_the_server(client, manager):
    _login(client, manager)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/logout/")

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get("/staff/offers/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_expired_session_is_refused_by_the_server(client, manager):
    _login(client, manager)
    assert client.get("/staff/offers/").status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get("/staff/offers/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sessions_are_short_lived_and_their_cookie_is_guarded(client, manager):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    _login(client, manager)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
