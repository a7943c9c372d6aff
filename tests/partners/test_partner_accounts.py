import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from partners import services
from partners.models import PartnerMembership, SignupRequest
from partners.tokens import invite_token_make, invite_token_user
from tests import factories


def _link(message) -> str:
    return re.search(r"http://\S+/partners/invite/\S+/", message.body).group(0)


@pytest.mark.django_db
def test_coordinator_invites_and_partner_sets_a_password(
    client, login, coordinator, django_capture_on_commit_callbacks
):
    organisation = factories.OrganisationFactory()
    login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("partners:invite"),
            {
                "organisation": organisation.pk,
                "name": "Wang Fang",
                "email": "Wang@Example.org",
                "language": "en",
            },
        )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="wang@example.org")
    assert not user.has_usable_password()
    assert user.partner_membership.organisation == organisation
    message = mail.outbox[-1]
    assert message.to == ["wang@example.org"]
    link = _link(message).removeprefix("http://127.0.0.1:8000")

    client.logout()
    assert client.get(link).status_code == 200
    response = client.post(
        link,
        {"new_password1": "a long secret 4 partner", "new_password2": "a long secret 4 partner"},
    )
    assert response.status_code == 302
    assert client.login(username="wang@example.org", password="a long secret 4 partner")
    # The link works once.
    client.logout()
    assert client.get(link).status_code == 400


@pytest.mark.django_db
def test_invitation_links_expire_and_cannot_be_forged(partner):
    partner.save()  # the factory leaves the password unsaved
    token = invite_token_make(partner)
    assert invite_token_user(token) == partner
    assert invite_token_user(token[:-2] + "xx") is None
    with override_settings(PARTNER_INVITE_MAX_AGE=-1):
        assert invite_token_user(token) is None


@pytest.mark.django_db
def test_inviting_an_existing_email_is_refused(client, login, coordinator, partner):
    login(coordinator)
    response = client.post(
        reverse("partners:invite"),
        {
            "organisation": factories.OrganisationFactory().pk,
            "name": "X",
            "email": partner.email,
            "language": "en",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.mark.django_db
def test_only_coordinators_invite(client, login, viewer, partner):
    login(viewer)
    assert client.get(reverse("partners:invite")).status_code == 403
    login(partner)
    assert client.get(reverse("partners:invite")).status_code == 403


@pytest.mark.django_db
def test_signup_request_approved_sends_an_invitation_in_the_chosen_language(
    client, login, coordinator, django_capture_on_commit_callbacks
):
    response = client.post(
        reverse("partners:signup"),
        {
            "organisation_name": "Bao'an Volunteers",
            "contact_name": "Chen Jing",
            "email": "chen@example.org",
            "language": "zh-hans",
            "website": "",
        },
    )
    assert response.status_code == 200
    signup = SignupRequest.objects.get()
    login(coordinator)
    assert "Bao&#x27;an Volunteers" in client.get(reverse("partners:signup-list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partners:signup-decide", args=[signup.pk]), {"decision": "approve"})
    signup.refresh_from_db()
    assert signup.status == "approved"
    membership = PartnerMembership.objects.get(user__email="chen@example.org")
    assert membership.organisation.name == "Bao'an Volunteers"
    message = mail.outbox[-1]
    assert message.to == ["chen@example.org"]
    assert "合作伙伴" in message.subject
    # Deciding twice is refused.
    client.post(reverse("partners:signup-decide", args=[signup.pk]), {"decision": "reject"})
    signup.refresh_from_db()
    assert signup.status == "approved"


@pytest.mark.django_db
def test_signup_honeypot_saves_nothing(client):
    client.post(
        reverse("partners:signup"),
        {
            "organisation_name": "Spam",
            "contact_name": "Bot",
            "email": "bot@example.org",
            "language": "en",
            "website": "http://spam",
        },
    )
    assert not SignupRequest.objects.exists()


@pytest.mark.django_db
def test_signup_reject(coordinator):
    signup = services.signup_request_create(
        organisation_name="X", contact_name="Y", email="y@example.org"
    )
    services.signup_request_reject(signup=signup, actor=coordinator)
    signup.refresh_from_db()
    assert signup.status == "rejected"
    assert not get_user_model().objects.filter(email="y@example.org").exists()
