"""The signed link of a receipt email: only an intact, unexpired link of this request works."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from shipments import receipts
from shipments.models import ReceiptRequest


def _portal(token):
    return reverse("shipments:receipt-portal", kwargs={"token": token})


def test_the_link_opens_the_portal_of_its_own_shipment(client, delivered):
    request = delivered.receipt_request
    response = client.get(_portal(receipts.receipt_token_make(request)))
    assert response.status_code == 200
    assert delivered.reference in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_a_tampered_link_is_refused(client, delivered):
    token = receipts.receipt_token_make(delivered.receipt_request)
    value, timestamp, signature = token.rsplit(":", 2)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for forged in (f"{value}:{timestamp}:{flipped}", token[:-3], "x" + token):
        response = client.get(_portal(forged))
        assert response.status_code == 404
        assert delivered.reference not in response.content.decode()


def test_an_expired_link_is_refused(client, delivered, settings):
    settings.RECEIPT_LINK_MAX_AGE = 30 * 24 * 3600
    with time_machine.travel(dt.datetime(2027, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        token = receipts.receipt_token_make(delivered.receipt_request)
    with time_machine.travel(dt.datetime(2027, 1, 30, 9, tzinfo=dt.UTC), tick=False):
        assert client.get(_portal(token)).status_code == 200
    with time_machine.travel(dt.datetime(2027, 2, 1, 9, tzinfo=dt.UTC), tick=False):
        response = client.get(_portal(token))
    assert response.status_code == 404
    assert "does not work" in response.content.decode()


def test_a_link_bound_to_another_shipment_is_refused(client, make_delivered, received_lot):
    first = make_delivered(received_lot, quantity=1000)
    second = make_delivered(received_lot, quantity=1000)
    request = first.receipt_request
    # Signed with the real key, but naming the other shipment: the binding is checked.
    crossed = signing.dumps(
        [request.pk, second.pk, request.token_version], salt="shipments.receipt", compress=True
    )
    assert client.get(_portal(crossed)).status_code == 404
    # The other shipment's own link opens only the other shipment.
    other = client.get(_portal(receipts.receipt_token_make(second.receipt_request)))
    assert second.reference in other.content.decode()
    assert first.reference not in other.content.decode()


def test_a_superseded_link_is_refused(client, delivered):
    request = delivered.receipt_request
    token = receipts.receipt_token_make(request)
    ReceiptRequest.objects.filter(pk=request.pk).update(token_version=2)
    assert client.get(_portal(token)).status_code == 404


@pytest.mark.parametrize("payload", [{"r": 1}, "text", [1, 2]])
def test_a_signed_payload_of_another_shape_is_refused(client, delivered, payload):
    token = signing.dumps(payload, salt="shipments.receipt")
    assert client.get(_portal(token)).status_code == 404


def test_a_partner_invitation_token_does_not_open_the_portal(client, delivered, partner):
    from partners.tokens import invite_token_make

    assert client.get(_portal(invite_token_make(partner))).status_code == 404


def test_staff_send_a_new_link_and_may_revoke_the_old_ones(
    client, login, delivered, logistics_officer, viewer, committed
):
    from django.core import mail

    from .conftest import portal_path

    old = portal_path(mail.outbox[-1])
    staff = login(logistics_officer, on=type(client)())
    url = reverse("shipments:receipt-resend", args=[delivered.reference])
    mail.outbox.clear()
    with committed():
        staff.post(url)
    [fresh] = mail.outbox
    assert client.get(portal_path(fresh)).status_code == 200
    assert client.get(old).status_code == 200
    mail.outbox.clear()
    with committed():
        staff.post(url, {"revoke": "1"})
    [newest] = mail.outbox
    assert client.get(old).status_code == 404
    assert client.get(portal_path(fresh)).status_code == 404
    assert client.get(portal_path(newest)).status_code == 200
    login(viewer, on=staff)
    assert staff.post(url).status_code == 403
