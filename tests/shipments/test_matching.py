"""Matching lots to needs: candidates found by the database, ranked by compliance; confirmed
matches reserve quantity; closing a need releases it."""

import datetime as dt

import pytest
from django.core import mail

from compliance import services as compliance_services
from compliance.models import ComplianceCheck, RuleSet
from donations import services as donation_services
from donations.models import MaterialLot, Need
from sfiec.exceptions import DomainError
from shipments import selectors, services
from shipments.models import NeedMatch
from tests import factories

pytestmark = pytest.mark.django_db


def _received(coordinator, **values):
    lot = factories.LotFactory(**values)
    donation_services.offer_start_review(offer=lot.offer, actor=coordinator)
    donation_services.offer_accept(offer=lot.offer, actor=coordinator)
    return donation_services.lot_intake(
        lot=lot, actor=coordinator, result="accepted", quantity_received=lot.quantity_offered
    )


def _check(lot, result, country="IT"):
    """A current check with ``result`` (the engine's verdicts are tested in compliance)."""
    rule_set = RuleSet.objects.filter(is_active=True).first() or RuleSet.objects.create(
        version="t1", title="test", is_active=True
    )
    return ComplianceCheck.objects.create(
        lot=lot,
        country=country,
        rule_set=rule_set,
        result=result,
        export_date=dt.date(2026, 12, 1),
        arrival_date=dt.date(2026, 12, 8),
        input_fingerprint="x",
    )


def test_candidates_rank_by_compliance_then_expiry_and_never_propose_a_plain_fail(
    need, coordinator, compliance_officer
):
    warn = _received(coordinator, expires_on=dt.date(2028, 6, 1))
    _check(warn, "warn")
    pass_late = _received(coordinator, expires_on=dt.date(2029, 6, 1))
    _check(pass_late, "pass")
    pass_early = _received(coordinator, expires_on=dt.date(2028, 3, 1))
    _check(pass_early, "pass")
    overridden = _received(coordinator)
    compliance_services.check_override(
        check=_check(overridden, "fail"),
        actor=compliance_officer,
        reason="Accepted in writing by the consignee's health authority",
    )
    plain_fail = _received(coordinator)
    _check(plain_fail, "fail")
    unchecked = _received(coordinator)
    fails_elsewhere_only = _received(coordinator)
    _check(fails_elsewhere_only, "fail", country="KR")
    _check(fails_elsewhere_only, "pass")
    too_short = _received(
        coordinator, manufactured_on=dt.date(2025, 1, 1), expires_on=dt.date(2027, 3, 1)
    )
    _check(too_short, "pass")
    quarantined = _received(coordinator)
    _check(quarantined, "pass")
    MaterialLot.objects.filter(pk=quarantined.pk).update(is_quarantined=True)
    gloves = _received(coordinator, category="gloves", standard=None)
    _check(gloves, "pass")
    pledged = factories.LotFactory()
    _check(pledged, "pass")

    ranked = list(selectors.need_candidates(need=need))

    assert [lot.pk for lot in ranked] == [
        pass_early.pk,
        fails_elsewhere_only.pk,  # expires 2029-02-28 (factory), between the two passes
        pass_late.pk,
        warn.pk,
        overridden.pk,
        unchecked.pk,
    ]
    assert [selectors.RANK_LABELS[lot.match_rank] for lot in ranked] == [
        "pass",
        "pass",
        "pass",
        "warn",
        "overridden",
        "unchecked",
    ]
    assert plain_fail.pk not in {lot.pk for lot in ranked}


def test_candidates_keep_to_the_accepted_standards(need, coordinator, catalogue):
    from standards.models import Standard

    ffp2 = Standard.objects.get(slug="EU_EN149_FFP2")
    need.accepted_standards.set([ffp2])
    kn95 = _received(coordinator)
    _check(kn95, "pass")
    eu = _received(coordinator, standard=ffp2)
    _check(eu, "pass")
    assert [lot.pk for lot in selectors.need_candidates(need=need)] == [eu.pk]


def test_confirm_reserves_moves_the_need_and_never_exceeds_availability(
    need, coordinator, logistics_officer, django_capture_on_commit_callbacks
):
    donor_contact = factories.ContactFactory(email="gift@donor.example", language="zh-hans")
    lot = _received(
        coordinator,
        offer=factories.OfferFactory(donor=donor_contact.organisation, contact=donor_contact),
    )
    _check(lot, "pass")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        match = services.need_match_confirm(
            need=need, lot=lot, quantity=3000, actor=logistics_officer
        )
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    lot.refresh_from_db()
    need.refresh_from_db()
    assert match.status == NeedMatch.Status.CONFIRMED and match.compliance_result == "pass"
    assert lot.quantity_reserved == 3000 and lot.quantity_available == 7000
    assert need.status == Need.Status.PARTLY_MET
    assert selectors.need_list().get(pk=need.pk).quantity_unmet == 2000
    # the donor and the recipient contact were told, once the confirmation committed
    assert sorted(m.to[0] for m in mail.outbox) == [
        "gift@donor.example",
        "ward@ospedale.example",
    ]
    assert "Milan" in mail.outbox[0].subject or "Milan" in mail.outbox[1].subject

    with pytest.raises(DomainError, match="lacks only 2000"):
        services.need_match_confirm(need=need, lot=lot, quantity=2500, actor=logistics_officer)
    services.need_match_confirm(need=need, lot=lot, actor=logistics_officer)  # the rest
    need.refresh_from_db()
    lot.refresh_from_db()
    assert need.status == Need.Status.MET and lot.quantity_reserved == 5000

    other = donation_services.need_create(
        recipient=need.recipient, city=need.city, category=need.category, quantity=9000
    )
    with pytest.raises(DomainError, match="Only 5000 units"):
        services.need_match_confirm(need=other, lot=lot, quantity=5001, actor=logistics_officer)
    # a reserved lot is no candidate for more than what is left of it
    assert next(iter(selectors.need_candidates(need=other))).quantity_free == 5000


def test_confirm_refuses_a_plain_fail_and_an_unchecked_lot(need, coordinator, logistics_officer):
    failing = _received(coordinator)
    _check(failing, "fail")
    with pytest.raises(DomainError, match="fails compliance"):
        services.need_match_confirm(need=need, lot=failing, actor=logistics_officer)
    unchecked = _received(coordinator)
    with pytest.raises(DomainError, match="no up-to-date compliance check"):
        services.need_match_confirm(need=need, lot=unchecked, actor=logistics_officer)
    assert not NeedMatch.objects.exists()
    assert MaterialLot.objects.filter(quantity_reserved__gt=0).count() == 0


def test_closing_a_need_releases_its_reservations(need, coordinator, logistics_officer):
    lot = _received(coordinator)
    _check(lot, "pass")
    services.need_match_confirm(need=need, lot=lot, quantity=4000, actor=logistics_officer)
    donation_services.need_transition(need=need, actor=coordinator, target=Need.Status.CLOSED)
    lot.refresh_from_db()
    assert lot.quantity_reserved == 0 and lot.quantity_available == 10_000
    assert NeedMatch.objects.get().status == NeedMatch.Status.RELEASED


def test_releasing_a_match_reopens_the_need(need, coordinator, logistics_officer):
    lot = _received(coordinator)
    _check(lot, "pass")
    match = services.need_match_confirm(need=need, lot=lot, actor=logistics_officer)
    need.refresh_from_db()
    assert need.status == Need.Status.MET
    services.need_match_release(match=match, actor=logistics_officer, reason="wrong size")
    need.refresh_from_db()
    lot.refresh_from_db()
    assert need.status == Need.Status.OPEN and lot.quantity_reserved == 0


def test_a_shipment_to_the_city_takes_its_reserved_units(need, coordinator, logistics_officer):
    lot = _received(coordinator)
    _check(lot, "pass")
    services.need_match_confirm(need=need, lot=lot, quantity=4000, actor=logistics_officer)
    other = factories.LotFactory()  # unrelated lot: not offered to the city first
    assert [each.pk for each in selectors.reserved_lots_for_city(need.city)] == [lot.pk]
    assert selectors.reserved_lots_for_city(need.city)[0].quantity_reserved_here == 4000
    to_milan = services.shipment_create(
        city=need.city, consignee=need.recipient, created_by=logistics_officer
    )
    services.shipment_allocate(shipment=to_milan, lot=lot, quantity=10_000, actor=logistics_officer)
    lot.refresh_from_db()
    assert (lot.quantity_allocated, lot.quantity_reserved, lot.quantity_available) == (10_000, 0, 0)
    assert NeedMatch.objects.get().quantity_allocated == 4000
    assert not selectors.reserved_lots_for_city(need.city).exists()
    assert other.pk  # used


def test_a_shipment_elsewhere_cannot_take_reserved_units(need, coordinator, logistics_officer):
    lot = _received(coordinator)
    _check(lot, "pass")
    services.need_match_confirm(need=need, lot=lot, quantity=4000, actor=logistics_officer)
    busan = factories.SisterCityFactory(slug="busan", name="Busan", country="KR")
    to_busan = services.shipment_create(
        city=busan, consignee=factories.RecipientFactory(city=busan), created_by=logistics_officer
    )
    with pytest.raises(DomainError, match="Only 6000 units"):
        services.shipment_allocate(
            shipment=to_busan, lot=lot, quantity=6001, actor=logistics_officer
        )
