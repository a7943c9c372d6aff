import pytest
from django.contrib.auth.models import Group


def _codenames(role):
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_migrate_gives_each_staff_role_its_permissions():
    assert {"change_ruleset", "change_compliancecheck"} <= _codenames("compliance_officer")
    assert "change_ruleset" not in _codenames("coordinator")
    assert {"change_donationoffer", "change_organisation"} <= _codenames("coordinator")
    assert {"add_shipment", "change_shipment", "view_materiallot"} <= _codenames(
        "logistics_officer"
    )
    assert {"change_shipment", "change_ruleset", "change_donationoffer"} <= _codenames("manager")
    viewer = _codenames("viewer")
    assert "view_shipment" in viewer and all(code.startswith("view_") for code in viewer)
