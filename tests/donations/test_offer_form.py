import datetime as dt
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from donations.models import Attachment, DonationOffer, MaterialLot
from partners.models import Organisation
from tests import factories

from .conftest import offer_data, pdf_file, png_bytes

URL = reverse("donations:offer-new")


def _nothing_saved():
    return (
        not DonationOffer.objects.exists()
        and not MaterialLot.objects.exists()
        and not Attachment.objects.exists()
        and not Organisation.objects.filter(kind="donor").exists()
    )


@pytest.mark.django_db
def test_form_page_renders_with_one_lot_and_a_fresh_key(client, standard, city):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="lots-0-category"' in html
    assert 'name="lots-1-category"' not in html
    assert re.search(r'name="submission_key" value="[0-9a-f]{32}"', html)
    assert 'data-country="IT"' in html  # destinations carry their country for the what-if
    assert "The foundation decides" in html


@pytest.mark.django_db
def test_submit_makes_one_offer_with_lots_and_attachments(
    client, standard, city, django_capture_on_commit_callbacks, coordinator
):
    data = offer_data(lots=2, preferred_city=str(city.pk))
    data["lots-0-certificates"] = pdf_file()
    data["lots-1-photos"] = SimpleUploadedFile("goods.png", png_bytes(), "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, data)
    offer = DonationOffer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("donations:offer-thanks", args=[offer.reference])
    assert offer.status == "submitted"
    assert offer.preferred_city == city
    assert offer.donor.name == "Guangming Charity Association"
    assert offer.contact.language == "zh-hans"
    lots = list(offer.lots.order_by("id"))
    assert [lot.product for lot in lots] == ["KN95 model 0", "KN95 model 1"]
    assert all(lot.preferred_city == city for lot in lots)
    certificate = lots[0].attachments.get()
    assert certificate.kind == "ce_certificate"
    assert certificate.original_name == "certificate.pdf"
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", certificate.file.name)
    assert lots[1].attachments.get().kind == "photo"

    page = client.get(response["Location"])
    assert offer.reference in page.content.decode()

    to_contact = [m for m in mail.outbox if m.to == ["li.wei@example.org"]]
    assert len(to_contact) == 1
    assert offer.reference in to_contact[0].subject
    assert "已收到" in to_contact[0].subject  # the contact chose Chinese
    assert any(coordinator.email in m.to for m in mail.outbox)  # staff are told


@pytest.mark.django_db
def test_email_goes_out_in_english_for_an_english_contact(
    client, standard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, offer_data(contact_language="en"))
    message = next(m for m in mail.outbox if m.to == ["li.wei@example.org"])
    assert message.subject.startswith("Your donation offer")
    assert "Dear Li Wei" in message.body


@pytest.mark.django_db
def test_confirmation_page_is_only_for_the_submitting_session(client, standard):
    response = client.post(URL, offer_data())
    offer = DonationOffer.objects.get()
    other = client.__class__()
    assert other.get(response["Location"]).status_code == 404
    assert client.get(response["Location"]).status_code == 200
    assert offer.reference


def _later(days):
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


BAD_LOTS = [
    ("missing product", {"product": ""}, "product"),
    ("missing category", {"category": ""}, "category"),
    ("zero quantity", {"quantity_offered": "0"}, "quantity_offered"),
    ("negative quantity", {"quantity_offered": "-5"}, "quantity_offered"),
    ("huge quantity", {"quantity_offered": "100000000"}, "quantity_offered"),
    ("zero cartons", {"cartons": "0"}, "cartons"),
    ("too many cartons", {"cartons": "1000000"}, "cartons"),
    (
        "made after expiry",
        {"manufactured_on": _later(-10), "expires_on": _later(-20)},
        "expires_on",
    ),
    ("made in the future", {"manufactured_on": _later(5)}, "manufactured_on"),
    ("already expired", {"expires_on": _later(-1)}, "expires_on"),
    ("standard for another category", {"category": "gloves"}, "standard"),
    ("cartons do not hold the quantity", {"units_per_carton": "100"}, "units_per_carton"),
    ("cartons far too big", {"units_per_carton": "5000"}, "units_per_carton"),
    ("negative value", {"unit_value": "-1"}, "unit_value"),
    ("no currency", {"currency": ""}, "currency"),
    ("unknown currency", {"currency": "XYZ"}, "currency"),
    ("net above gross", {"net_weight_kg": "200"}, "net_weight_kg"),
    ("not a date", {"expires_on": "soon"}, "expires_on"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("label,overrides,field", BAD_LOTS, ids=[b[0] for b in BAD_LOTS])
def test_bad_lot_input_gets_its_error_and_saves_nothing(client, standard, label, overrides, field):
    data = offer_data(lots=2, lot_overrides={1: overrides})
    data["lots-0-certificates"] = pdf_file()
    response = client.post(URL, data)
    assert response.status_code == 200
    assert _nothing_saved()
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert f'id="id_lots-1-{field}_error"' in html
    # The page says which files must be chosen again.
    assert "attach these files again" in html
    assert "Lot 1, Certificates:" in html and "certificate.pdf" in html


BAD_OFFERS = [
    ("no organisation", {"organisation_name": ""}, "organisation_name"),
    ("no contact name", {"contact_name": ""}, "contact_name"),
    ("bad email", {"contact_email": "not-an-email"}, "contact_email"),
    ("unknown city", {"preferred_city": "999999"}, "preferred_city"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("label,overrides,field", BAD_OFFERS, ids=[b[0] for b in BAD_OFFERS])
def test_bad_offer_input_gets_its_error_and_saves_nothing(
    client, standard, label, overrides, field
):
    response = client.post(URL, offer_data(**overrides))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _nothing_saved()


@pytest.mark.django_db
def test_an_offer_without_lots_is_refused(client, standard):
    data = offer_data(lots=1)
    data["lots-0-DELETE"] = "True"
    response = client.post(URL, data)
    assert response.status_code == 200
    assert _nothing_saved()


@pytest.mark.django_db
def test_a_forged_submission_key_is_refused(client, standard):
    response = client.post(URL, offer_data(key="../../etc"))
    assert 'id="id_submission_key_error"' not in response.content.decode()  # hidden field
    assert "reload the page" in response.content.decode()
    assert _nothing_saved()


@pytest.mark.django_db
def test_double_submit_makes_one_offer(client, standard, django_capture_on_commit_callbacks):
    data = offer_data()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, data)
    data["lots-0-certificates"] = pdf_file()
    second = client.post(URL, {**offer_data()})
    assert first["Location"] == second["Location"]
    assert DonationOffer.objects.count() == 1
    assert MaterialLot.objects.count() == 1
    assert len([m for m in mail.outbox if m.to == ["li.wei@example.org"]]) == 1


@pytest.mark.django_db
def test_resubmitted_files_are_stored_once(client, standard):
    from donations import services
    from sfiec.uploads import upload_check

    lot = factories.LotFactory()
    upload = upload_check(pdf_file())
    services.attachment_add(lot=lot, kind="ce_certificate", upload=upload)
    services.attachment_add(lot=lot, kind="ce_certificate", upload=upload)
    assert lot.attachments.count() == 1


@pytest.mark.django_db
def test_honeypot_saves_nothing_but_looks_like_success(client, standard):
    response = client.post(URL, offer_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert _nothing_saved()


@pytest.mark.django_db
@override_settings(
    REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": {"offer_submit": "3/hour"}},
)
def test_over_the_rate_limit_the_answer_is_429(client, standard):
    for attempt in range(3):
        response = client.post(URL, offer_data(key=f"{attempt:032x}", contact_name=""))
        assert response.status_code == 200
    response = client.post(URL, offer_data(key="f" * 32))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert not DonationOffer.objects.exists()
    # Another address is not affected.
    other = client.post(URL, offer_data(key="e" * 32), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


@pytest.mark.django_db
@override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": {"offer_submit": "1/hour"}})
def test_adding_a_lot_without_javascript_does_not_count_against_the_limit(client, standard):
    for _ in range(3):
        response = client.post(URL, {**offer_data(), "add_lot": "1"})
        assert response.status_code == 200
    assert client.post(URL, offer_data()).status_code == 302


@pytest.mark.django_db
def test_add_and_remove_lot_work_without_javascript(client, standard):
    response = client.post(URL, {**offer_data(lots=1), "add_lot": "1"})
    html = response.content.decode()
    assert 'name="lots-1-category"' in html
    assert 'value="KN95 model 0"' in html  # what was typed is kept
    assert "Nothing was saved" not in html  # no errors for the empty new lot yet
    assert not DonationOffer.objects.exists()

    response = client.post(URL, {**offer_data(lots=2), "remove_lot": "0"})
    html = response.content.decode()
    assert 'value="KN95 model 1"' in html
    assert 'value="KN95 model 0"' not in html
    assert 'name="lots-1-category"' not in html


@pytest.mark.django_db
def test_signed_in_partner_offers_for_its_own_organisation(client, standard, partner, login):
    organisation = partner.partner_membership.organisation
    login(partner)
    page = client.get(URL).content.decode()
    assert organisation.name in page
    response = client.post(URL, offer_data(organisation_name="Someone Else Ltd"))
    assert response.status_code == 302
    offer = DonationOffer.objects.get()
    assert offer.donor == organisation
    assert offer.submitted_by == partner
    assert not Organisation.objects.filter(name="Someone Else Ltd").exists()


@pytest.mark.django_db
def test_anonymous_offer_never_changes_an_existing_organisation(client, standard):
    existing = factories.OrganisationFactory(name="Guangming Charity Association", phone="1")
    factories.ContactFactory(organisation=existing, email="li.wei@example.org", name="Old name")
    client.post(URL, offer_data(contact_phone="999"))
    existing.refresh_from_db()
    assert existing.phone == "1"
    assert existing.contacts.get(email="li.wei@example.org").name == "Old name"
    # The typed name does not make the offer the known organisation's (issue 8.7).
    assert DonationOffer.objects.get().donor.is_pending
