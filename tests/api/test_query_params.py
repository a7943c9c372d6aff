"""Every list is strict about its query parameters: a mistake is a 400 naming it."""

import pytest

from tests import factories


@pytest.fixture
def staff(api_client, viewer):
    api_client.force_authenticate(viewer)
    return api_client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, name",
    [
        ("is_quarantined=-1", "is_quarantined"),
        ("is_quarantined=maybe", "is_quarantined"),
        ("stauts=received", "stauts"),
        ("status=teleported", "status"),
        ("ordering=-secret", "ordering"),
        ("ordering=created_at,nope", "ordering"),
        ("page_size=0", "page_size"),
        ("page_size=many", "page_size"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(staff, query, name):
    response = staff.get(f"/api/v1/lots/?{query}")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {name}
    assert error["message"].startswith(f"{name}: ")


@pytest.mark.django_db
def test_good_parameters_filter(staff):
    lot = factories.LotFactory()
    factories.LotFactory(is_quarantined=True)
    response = staff.get("/api/v1/lots/?is_quarantined=false&ordering=-created_at&page_size=5")
    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [lot.reference]
    assert staff.get("/api/v1/lots/?is_quarantined=1").json()["count"] == 1


@pytest.mark.django_db
def test_search_and_ordering_only_where_the_list_offers_them(staff):
    # Attachments offer no search: "search" is not a parameter of that list.
    response = staff.get("/api/v1/attachments/?search=x")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"search"}
    # Equivalence groups offer no ordering.
    assert staff.get("/api/v1/equivalence-groups/?ordering=slug").status_code == 400
    assert staff.get("/api/v1/lots/?search=KN95").status_code == 200


@pytest.mark.django_db
def test_every_unknown_parameter_is_named(staff):
    response = staff.get("/api/v1/cities/?colour=red&size=xl&country=IT")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"colour", "size"}


@pytest.mark.django_db
def test_a_detail_url_is_strict_too(staff):
    lot = factories.LotFactory()
    assert staff.get(f"/api/v1/lots/{lot.reference}/").status_code == 200
    assert staff.get(f"/api/v1/lots/{lot.reference}/?expand=offer").status_code == 400


@pytest.mark.django_db
def test_contacts_staff_see_all_a_partner_its_own(api_client, viewer, partner):
    mine = factories.ContactFactory(organisation=partner.partner_membership.organisation)
    other = factories.ContactFactory()
    api_client.force_authenticate(viewer)
    assert {row["id"] for row in api_client.get("/api/v1/contacts/").json()["results"]} == {
        mine.pk,
        other.pk,
    }
    api_client.force_authenticate(partner)
    rows = api_client.get("/api/v1/contacts/").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert api_client.get(f"/api/v1/contacts/{other.pk}/").status_code == 404
