import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from compliance import services as compliance_services
from donations import services
from tests import factories

from .conftest import png_bytes


@pytest.fixture
def offer(db):
    contact = factories.ContactFactory(language="zh-hans")
    lot = factories.LotFactory(offer__donor=contact.organisation, offer__contact=contact)
    return lot.offer


@pytest.mark.django_db
def test_review_queue_is_for_staff(client, login, partner, viewer, offer):
    url = reverse("donations:review-queue")
    assert client.get(url).status_code == 302
    login(partner)
    assert client.get(url).status_code == 403
    login(viewer)
    response = client.get(url)
    assert response.status_code == 200
    assert offer.reference in response.content.decode()


@pytest.mark.django_db
def test_review_queue_filters(client, login, coordinator, offer, django_assert_max_num_queries):
    declined = factories.LotFactory(category="gloves", standard=None).offer
    services.offer_decide(offer=declined, actor=coordinator, accept=False, reason="No")
    login(coordinator)
    url = reverse("donations:review-queue")
    open_page = client.get(url).content.decode()
    assert offer.reference in open_page and declined.reference not in open_page
    declined_page = client.get(url, {"status": "declined"}).content.decode()
    assert declined.reference in declined_page and offer.reference not in declined_page
    by_category = client.get(url, {"status": "", "category": "gloves"}).content.decode()
    assert declined.reference in by_category and offer.reference not in by_category
    by_text = client.get(url, {"status": "", "q": offer.donor.name}).content.decode()
    assert offer.reference in by_text and declined.reference not in by_text
    for _ in range(20):
        factories.LotFactory()
    with django_assert_max_num_queries(12):
        client.get(url)


@pytest.mark.django_db
def test_coordinator_accepts_and_partner_is_told_in_their_language(
    client, login, coordinator, offer, django_capture_on_commit_callbacks
):
    login(coordinator)
    detail = client.get(reverse("donations:review-detail", args=[offer.reference]))
    assert "Accept the offer" in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("donations:review-decide", args=[offer.reference]),
            {"accept-decision": "accept", "accept-reason": "Thank you"},
        )
    offer.refresh_from_db()
    assert offer.status == "accepted"
    assert offer.decision_reason == "Thank you"
    assert offer.decided_by == coordinator
    message = mail.outbox[-1]
    assert message.to == [offer.contact.email]
    assert offer.reference in message.subject
    assert "接受" in message.subject  # the contact reads Chinese


@pytest.mark.django_db
def test_declining_needs_a_reason(client, login, coordinator, offer):
    login(coordinator)
    url = reverse("donations:review-decide", args=[offer.reference])
    response = client.post(url, {"decline-decision": "decline", "decline-reason": " "}, follow=True)
    offer.refresh_from_db()
    assert offer.status == "submitted"
    assert "needs a reason" in response.content.decode()
    client.post(url, {"decline-decision": "decline", "decline-reason": "Wrong standard"})
    offer.refresh_from_db()
    assert offer.status == "declined" and offer.decision_reason == "Wrong standard"


@pytest.mark.django_db
def test_a_viewer_cannot_decide(client, login, viewer, offer):
    login(viewer)
    url = reverse("donations:review-decide", args=[offer.reference])
    assert client.post(url, {"accept-decision": "accept"}).status_code == 403
    offer.refresh_from_db()
    assert offer.status == "submitted"


@pytest.fixture
def accepted_lot(offer, coordinator):
    services.offer_decide(offer=offer, actor=coordinator, accept=True)
    return offer.lots.get()


@pytest.mark.django_db
def test_intake_accepts_a_lot_with_photos_and_runs_its_compliance_check(
    client, login, coordinator, accepted_lot, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued = []
    monkeypatch.setattr(
        compliance_services, "lot_checks_enqueue", lambda ids: enqueued.append(ids), raising=False
    )
    login(coordinator)
    url = reverse("donations:lot-intake", args=[accepted_lot.reference])
    assert client.get(url).status_code == 200
    photo = SimpleUploadedFile("pallet.png", png_bytes(), "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"result": "accepted", "quantity_received": "9500", "photos": [photo]}
        )
    assert response.status_code == 302
    accepted_lot.refresh_from_db()
    assert accepted_lot.status == "received"
    assert accepted_lot.quantity_received == 9500
    assert accepted_lot.inspection_result == "accepted"
    assert accepted_lot.attachments.get().kind == "photo"
    assert enqueued == [[accepted_lot.pk]]


@pytest.mark.django_db
def test_intake_quarantine_and_reject_need_a_reason(client, login, coordinator, accepted_lot):
    login(coordinator)
    url = reverse("donations:lot-intake", args=[accepted_lot.reference])
    response = client.post(url, {"result": "rejected", "note": ""})
    assert "Give the reason." in response.content.decode()
    response = client.post(url, {"result": "quarantined", "quantity_received": "100"})
    assert "Give the reason." in response.content.decode()
    client.post(url, {"result": "rejected", "note": "Mould in cartons"})
    accepted_lot.refresh_from_db()
    assert accepted_lot.inspection_result == "rejected"
    assert accepted_lot.inspection_note == "Mould in cartons"


@pytest.mark.django_db
def test_intake_refuses_more_than_offered_and_a_lot_of_an_open_offer(
    client, login, coordinator, offer
):
    login(coordinator)
    lot = offer.lots.get()
    url = reverse("donations:lot-intake", args=[lot.reference])
    response = client.post(url, {"result": "accepted", "quantity_received": "20000"})
    assert "More than the 10000 offered." in response.content.decode()
    response = client.post(url, {"result": "accepted", "quantity_received": "10"})
    assert "Only lots of an accepted offer can be received." in response.content.decode()
    lot.refresh_from_db()
    assert lot.status == "pledged"
