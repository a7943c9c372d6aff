from compliance.models import ComplianceCheck
from tests import factories


def test_staff_see_checks_and_destinations(client, kn95_lot, viewer):
    factories.SisterCityFactory(slug="busan", name="Busan", name_zh="釜山", country="KR")
    client.force_login(viewer)
    page = client.get(f"/staff/lots/{kn95_lot.reference}/compliance/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "EU-RESPIRATOR" in html and "Busan" in html and "Milan" in html
    assert "Record the override" not in html  # a viewer may not override


def test_partners_and_anonymous_users_cannot_see_the_page(client, kn95_lot, partner):
    url = f"/staff/lots/{kn95_lot.reference}/compliance/"
    assert client.get(url).status_code == 302
    client.force_login(partner)
    assert client.get(url).status_code == 403


def test_a_compliance_officer_overrides_from_the_page_and_the_reason_is_shown(
    client, kn95_lot, compliance_officer
):
    check = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    client.force_login(compliance_officer)
    page = client.get(f"/staff/lots/{kn95_lot.reference}/compliance/")
    assert "Record the override" in page.content.decode()

    response = client.post(
        f"/staff/checks/{check.pk}/override/",
        {"reason": "Milan civil protection accepts KN95"},
        follow=True,
    )
    assert "Override recorded" in response.content.decode()
    assert "Milan civil protection accepts KN95" in response.content.decode()
    check.refresh_from_db()
    assert check.overridden_by == compliance_officer


def test_others_cannot_override_from_the_page(client, kn95_lot, coordinator):
    check = ComplianceCheck.objects.get(lot=kn95_lot, is_current=True)
    client.force_login(coordinator)
    response = client.post(f"/staff/checks/{check.pk}/override/", {"reason": "x" * 30})
    assert response.status_code == 403
    check.refresh_from_db()
    assert not check.is_overridden


def test_staff_can_run_a_check_for_another_city(client, kn95_lot, coordinator):
    factories.SisterCityFactory(slug="busan", name="Busan", name_zh="釜山", country="KR")
    client.force_login(coordinator)
    client.post(f"/staff/lots/{kn95_lot.reference}/compliance/run/", {"country": "KR"})
    assert ComplianceCheck.objects.filter(lot=kn95_lot, country="KR", is_current=True).exists()
    response = client.post(
        f"/staff/lots/{kn95_lot.reference}/compliance/run/", {"country": "ZZ"}, follow=True
    )
    assert "Choose a sister city" in response.content.decode()
