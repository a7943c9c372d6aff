"""The standards catalogue moved from compliance to its own app without moving a row."""

import pytest

from standards.models import EquivalenceGroup, Standard
from tests.migrating import latest, migrate_to

BEFORE = [("compliance", "0002_initial"), ("donations", "0002_submission_key_per_submitter")]


@pytest.mark.django_db(transaction=True)
def test_rows_made_before_the_move_survive_it():
    old = migrate_to(BEFORE)
    OldStandard = old.get_model("compliance", "Standard")
    OldGroup = old.get_model("compliance", "EquivalenceGroup")
    kn95 = OldStandard.objects.create(
        slug="OLD_KN95",
        body="GB 2626",
        title="KN95",
        jurisdiction="CN",
        source="s",
        source_status="V",
        categories=["masks_respirator"],
    )
    group = OldGroup.objects.create(slug="old-group", name="Old", source="s", source_status="V")
    group.members.add(kn95)

    new = migrate_to(latest())

    NewStandard = new.get_model("standards", "Standard")
    assert NewStandard.objects.get(slug="OLD_KN95").pk == kn95.pk
    NewGroup = new.get_model("standards", "EquivalenceGroup")
    assert [s.slug for s in NewGroup.objects.get(slug="old-group").members.all()] == ["OLD_KN95"]
    # The real models read the same rows, and a lot can point at the moved standard.
    assert Standard.objects.get(slug="OLD_KN95").equivalence_groups.get().slug == "old-group"
    from tests import factories

    lot = factories.LotFactory(standard=Standard.objects.get(slug="OLD_KN95"))
    lot.refresh_from_db()
    assert lot.standard.slug == "OLD_KN95"


def test_the_tables_kept_their_names():
    assert Standard._meta.db_table == "compliance_standard"
    assert EquivalenceGroup._meta.db_table == "compliance_equivalencegroup"
    members = EquivalenceGroup._meta.get_field("members").remote_field.through._meta.db_table
    assert members == "compliance_equivalencegroup_members"


@pytest.mark.django_db
def test_the_admin_shows_standards_but_edits_none(client, django_user_model, catalogue):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    kn95 = Standard.objects.get(slug="CN_GB2626_KN95")
    group = EquivalenceGroup.objects.first()

    assert client.get("/admin/standards/standard/").status_code == 200
    page = client.get(f"/admin/standards/standard/{kn95.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get("/admin/standards/standard/add/").status_code == 403
    response = client.post(
        f"/admin/standards/standard/{kn95.pk}/change/", {"slug": "EDITED", "title": "x"}
    )
    assert response.status_code == 403
    assert client.get(f"/admin/standards/standard/{kn95.pk}/delete/").status_code == 403
    assert client.get(f"/admin/standards/equivalencegroup/{group.pk}/change/").status_code == 200
    assert client.get("/admin/standards/equivalencegroup/add/").status_code == 403
    kn95.refresh_from_db()
    assert kn95.slug == "CN_GB2626_KN95"
