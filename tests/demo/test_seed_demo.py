import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from donations.models import DonationOffer
from shipments.models import Shipment

STORY_MODELS = [
    "partners.SisterCity",
    "partners.Organisation",
    "partners.Contact",
    "partners.PartnerMembership",
    "donations.Need",
    "donations.DonationOffer",
    "donations.MaterialLot",
    "shipments.Shipment",
    "shipments.ShipmentLine",
    "shipments.TrackingEvent",
    "sfiec.StatusChange",
    "auth.User",
]


def _counts():
    return {label: apps.get_model(label).objects.count() for label in STORY_MODELS}


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_counts():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert _counts() == first


@pytest.mark.django_db
def test_seed_demo_tells_the_whole_story(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "coordinator" in output and "sfiec-demo-2026" in output

    cities = set(apps.get_model("partners.SisterCity").objects.values_list("name", flat=True))
    assert cities >= {"Milan", "Turin", "Busan", "Gwangyang", "Incheon", "Phnom Penh"}
    donors = apps.get_model("partners.Organisation").objects.filter(kind="donor")
    assert donors.count() >= 5 and all(d.name_zh for d in donors)
    assert set(DonationOffer.objects.values_list("status", flat=True)) == set(
        DonationOffer.Status.values
    )
    categories = set(
        apps.get_model("donations.MaterialLot").objects.values_list("category", flat=True)
    )
    assert categories >= {
        "medical_mask",
        "respirator_nonmedical",
        "protective_clothing",
        "gloves",
        "goggles",
        "test_kit",
        "thermometer",
    }
    statuses = set(Shipment.objects.values_list("status", flat=True))
    assert len(statuses) >= 4
    delivered = Shipment.objects.get(status="delivered")
    assert list(delivered.events.values_list("status", flat=True)) == [
        "draft",
        "ready",
        "booked",
        "in_transit",
        "arrived",
        "delivered",
    ]
    roles = {
        g
        for u in apps.get_model("auth.User").objects.all()
        for g in u.groups.values_list("name", flat=True)
    }
    assert roles == {"coordinator", "logistics_officer", "compliance_officer", "manager", "viewer"}


@pytest.mark.django_db
def test_seed_demo_prints_no_password_outside_development(capsys, settings):
    settings.DEBUG = False
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "sfiec-demo-2026" not in output
    user = apps.get_model("auth.User").objects.get(username="coordinator")
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_seed_demo_receives_lots_through_intake_which_queues_their_checks(
    django_capture_on_commit_callbacks,
):
    """Lots received by the demo get the checks intake queues (leaving today), not only the
    checks their shipments run for their own dates (leaving in three days)."""
    from django.utils import timezone

    from compliance.models import ComplianceCheck
    from donations.models import MaterialLot

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    received = MaterialLot.objects.filter(status="received")
    assert received.count() == 5
    today = timezone.localdate()
    for lot in received:
        current = ComplianceCheck.objects.filter(lot=lot, is_current=True)
        if lot.shipment_lines.exists():
            # Intake's refresh re-runs a check on its own dates: a lot already checked for
            # its shipment keeps the shipment's dates for that country.
            assert current.exists(), lot
        else:
            assert current.filter(export_date=today).exists(), lot


@pytest.mark.django_db
def test_the_demo_dashboard_shows_lead_times_of_days_not_zero(api_client, viewer):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    cache.clear()
    api_client.force_authenticate(viewer)

    response = api_client.get(reverse("api:dashboard-lead-times"))

    assert response.status_code == 200
    items = {item["key"]: item for item in response.json()["items"]}
    # The Milan shipment (delivered) and the Busan one (in transit) carry offers of 26 and
    # 12 days ago; both left today.
    assert (items["dispatch"]["count"], items["delivery"]["count"]) == (2, 1)
    assert items["dispatch"]["median"] == pytest.approx(19, abs=0.1)
    assert items["delivery"]["median"] == pytest.approx(26, abs=0.1)
