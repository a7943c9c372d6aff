"""Who reaches the document pack: the API action, the status JSON, the download, the page box."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from shipments import documents
from shipments.models import ShipmentDocument

from .documents_helpers import pdf_text, shipment_with_lines


@pytest.fixture
def shipment(catalogue, logistics_officer):
    return shipment_with_lines(logistics_officer, lines=1)


@pytest.fixture
def rendered(shipment, logistics_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        documents.shipment_documents_generate(shipment=shipment, actor=logistics_officer)
    return documents.shipment_documents_current(shipment)


def _url(shipment):
    return reverse("api:shipment-documents", args=[shipment.pk])


def test_anonymous_callers_are_refused(api_client, shipment):
    assert api_client.get(_url(shipment)).status_code in (401, 403)
    assert api_client.post(_url(shipment)).status_code in (401, 403)
    assert not ShipmentDocument.objects.exists()


def test_partners_are_refused(api_client, shipment, partner):
    api_client.force_authenticate(partner)

    assert api_client.get(_url(shipment)).status_code in (403, 404)
    assert api_client.post(_url(shipment)).status_code in (403, 404)
    assert not ShipmentDocument.objects.exists()


def test_staff_without_the_logistics_role_read_but_do_not_generate(api_client, shipment, viewer):
    api_client.force_authenticate(viewer)

    assert api_client.get(_url(shipment)).json() == {"results": []}
    assert api_client.post(_url(shipment)).status_code == 403
    assert not ShipmentDocument.objects.exists()


def test_a_logistics_officer_generates_and_lists_the_pack(
    api_client, login, shipment, logistics_officer, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(logistics_officer)

    with django_capture_on_commit_callbacks(execute=True):
        queued = api_client.post(_url(shipment))

    assert queued.status_code == 202
    assert {d["state"] for d in queued.json()["results"]} == {"queued"}
    listed = api_client.get(_url(shipment)).json()["results"]
    kinds = documents.pack_kinds(documents.pack_inputs(shipment))
    assert [d["kind"] for d in listed] == [str(kind) for kind in kinds]
    assert {(d["version"], d["state"]) for d in listed} == {(1, "ready")}
    download = login(logistics_officer).get(listed[0]["download_url"])
    assert download.status_code == 200
    assert shipment.reference in pdf_text(b"".join(download.streaming_content))


def test_generating_a_shipment_without_lines_is_a_conflict(api_client, logistics_officer):
    from tests import factories

    api_client.force_authenticate(logistics_officer)
    empty = factories.ShipmentFactory()

    response = api_client.post(_url(empty))

    assert response.status_code == 409


def test_the_download_is_for_staff_only(client, login, rendered, partner, viewer):
    url = reverse("shipments:document-download", args=[rendered[0].pk])

    assert client.get(url).status_code == 302  # to the login page
    assert login(partner).get(url).status_code == 403
    response = login(viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_a_document_not_rendered_yet_has_no_download(
    client, login, shipment, logistics_officer, viewer
):
    documents.shipment_documents_generate(shipment=shipment, actor=logistics_officer)
    queued = documents.shipment_documents_current(shipment)[0]

    response = login(viewer).get(reverse("shipments:document-download", args=[queued.pk]))

    assert response.status_code == 404


def test_the_status_json_reports_the_progress_of_the_pack(
    client, login, shipment, logistics_officer, viewer, partner
):
    documents.shipment_documents_generate(shipment=shipment, actor=logistics_officer)
    url = reverse("shipments:documents-status", args=[shipment.pk])

    assert client.get(url).status_code == 302
    assert login(partner).get(url).status_code == 403
    data = login(viewer).get(url).json()
    assert data["shipment"] == shipment.reference
    assert data["progress"] == {"ready": 0, "total": len(data["documents"]), "active": True}
    assert {d["state"] for d in data["documents"]} == {"queued"}


def test_the_page_form_generates_and_returns_to_the_page(
    client, login, shipment, logistics_officer, viewer, django_capture_on_commit_callbacks
):
    url = reverse("shipments:documents-generate", args=[shipment.pk])

    assert login(viewer).post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = login(logistics_officer).post(url, {"next": "/staff/shipments/1/"})

    assert response.status_code == 302 and response["Location"] == "/staff/shipments/1/"
    assert all(d.state == "ready" for d in documents.shipment_documents_current(shipment))
    evil = login(logistics_officer).post(url, {"next": "https://evil.example/"})
    assert evil["Location"] == reverse("home")


def test_the_page_box_shows_each_state_and_polls_without_inline_script(
    rendered, logistics_officer, viewer
):
    template = Template("{% load shipment_documents %}{% shipment_documents shipment %}")
    request = RequestFactory().get("/staff/shipments/1/")

    request.user = logistics_officer
    html = template.render(Context({"shipment": rendered[0].shipment, "request": request}))

    assert html.count('class="badge badge-ready"') == len(rendered)
    assert reverse("shipments:documents-status", args=[rendered[0].shipment.pk]) in html
    assert 'src="/static/js/shipment_documents.js"' in html
    assert "<script>" not in html
    assert reverse("shipments:documents-generate", args=[rendered[0].shipment.pk]) in html
    request.user = viewer
    html = template.render(Context({"shipment": rendered[0].shipment, "request": request}))
    assert "documents-generate" not in html and "/documents/generate/" not in html
