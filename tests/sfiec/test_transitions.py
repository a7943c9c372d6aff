"""The whole transition table of every workflow: legal moves apply and are recorded, the rest
are refused with one error type and change nothing."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from donations.models import DonationOffer, MaterialLot, Need
from donations.workflows import LOT_WORKFLOW, NEED_WORKFLOW, OFFER_WORKFLOW
from sfiec.exceptions import InvalidTransition
from sfiec.models import StatusChange
from sfiec.workflow import transition_apply
from shipments.models import ReceiptRequest, Shipment, TrackingEvent
from shipments.workflows import RECEIPT_WORKFLOW, SHIPMENT_WORKFLOW
from tests import factories


def _need():
    recipient = factories.RecipientFactory()
    return Need.objects.create(
        recipient=recipient, city=recipient.city, category="gloves", quantity=5
    )


def _receipt_request():
    shipment = factories.ShipmentFactory()
    contact = factories.ContactFactory(organisation=shipment.consignee)
    import datetime

    return ReceiptRequest.objects.create(
        shipment=shipment, contact=contact, due_on=datetime.date(2026, 12, 31)
    )


SUBJECTS = {
    "need": (NEED_WORKFLOW, _need),
    "offer": (OFFER_WORKFLOW, lambda: factories.OfferFactory()),
    "lot": (LOT_WORKFLOW, lambda: factories.LotFactory()),
    "receipt": (RECEIPT_WORKFLOW, _receipt_request),
}


def _all_pairs(workflow):
    return [(s, t) for s in workflow.labels for t in workflow.labels if s != t]


LEGAL = [(name, s, t) for name, (wf, _) in SUBJECTS.items() for s, t in wf.pairs()]
ILLEGAL = [
    (name, s, t)
    for name, (wf, _) in SUBJECTS.items()
    for s, t in _all_pairs(wf)
    if t not in wf.allowed(s)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("subject", "source", "target"), LEGAL)
def test_every_legal_transition_applies_and_is_recorded(subject, source, target, coordinator):
    workflow, make = SUBJECTS[subject]
    obj = make()
    type(obj).objects.filter(pk=obj.pk).update(status=source)
    obj.refresh_from_db()

    transition_apply(instance=obj, workflow=workflow, target=target, actor=coordinator, note="why")

    obj.refresh_from_db()
    assert obj.status == target
    change = StatusChange.objects.get(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        source,
        target,
        coordinator,
        "why",
    )
    assert obj.history.first().history_change_reason == "why"


@pytest.mark.django_db
@pytest.mark.parametrize(("subject", "source", "target"), ILLEGAL)
def test_every_illegal_transition_is_refused_and_changes_nothing(subject, source, target):
    workflow, make = SUBJECTS[subject]
    obj = make()
    type(obj).objects.filter(pk=obj.pk).update(status=source)
    obj.refresh_from_db()

    with pytest.raises(InvalidTransition, match=f"cannot move from “{source}” to “{target}”"):
        transition_apply(instance=obj, workflow=workflow, target=target)

    obj.refresh_from_db()
    assert obj.status == source
    assert not StatusChange.objects.filter(object_id=obj.pk, to_status=target).exists()


SHIPMENT_LEGAL = SHIPMENT_WORKFLOW.pairs()
SHIPMENT_ILLEGAL = [
    ("draft", "in_transit"),
    ("draft", "delivered"),
    ("in_transit", "cancelled"),
    ("arrived", "cancelled"),
    ("delivered", "in_transit"),
    ("closed", "draft"),
    ("cancelled", "draft"),
    ("receipt_confirmed", "delivered"),
    ("booked", "ready"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), SHIPMENT_LEGAL)
def test_every_legal_shipment_move_writes_one_tracking_event(
    source, target, received_lot, logistics_officer, clear_compliance
):
    from shipments import services

    shipment = factories.ShipmentFactory()
    services.shipment_allocate(
        shipment=shipment, lot=received_lot, quantity=10, actor=logistics_officer
    )
    clear_compliance(shipment)
    Shipment.objects.filter(pk=shipment.pk).update(status=source)
    if target == "receipt_confirmed":  # needs the recipient's verified receipt
        ReceiptRequest.objects.create(
            shipment=shipment,
            contact=factories.ContactFactory(organisation=shipment.consignee),
            status=ReceiptRequest.Status.RECEIPT_VERIFIED,
            due_on=dt.date(2026, 12, 31),
        )

    services.shipment_transition(
        shipment=shipment, target=target, actor=logistics_officer, location="Shenzhen", note="n"
    )

    shipment.refresh_from_db()
    assert shipment.status == target
    event = TrackingEvent.objects.get(shipment=shipment)
    assert (event.from_status, event.status, event.location, event.recorded_by) == (
        source,
        target,
        "Shenzhen",
        logistics_officer,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), SHIPMENT_ILLEGAL)
def test_illegal_shipment_moves_are_refused_without_an_event(source, target, logistics_officer):
    from shipments import services

    shipment = factories.ShipmentFactory()
    Shipment.objects.filter(pk=shipment.pk).update(status=source)

    with pytest.raises(InvalidTransition):
        services.shipment_transition(shipment=shipment, target=target, actor=logistics_officer)

    shipment.refresh_from_db()
    assert shipment.status == source
    assert not TrackingEvent.objects.filter(shipment=shipment).exists()


@pytest.mark.django_db
def test_an_unknown_status_is_refused_with_its_name():
    offer = factories.OfferFactory()
    with pytest.raises(InvalidTransition, match="“shipped” is not a donation offer status"):
        transition_apply(instance=offer, workflow=OFFER_WORKFLOW, target="shipped")


@pytest.mark.django_db
def test_offer_review_flow_through_services_records_the_decision(coordinator):
    from donations import services

    offer = factories.OfferFactory()
    services.offer_start_review(offer=offer, actor=coordinator)
    services.offer_decline(offer=offer, actor=coordinator, reason="Expired goods")
    offer.refresh_from_db()
    assert offer.status == DonationOffer.Status.DECLINED
    assert offer.decision_reason == "Expired goods"
    assert offer.decided_by == coordinator and offer.decided_at is not None


@pytest.mark.django_db
def test_declining_without_a_reason_is_refused(coordinator):
    from donations import services
    from sfiec.exceptions import DomainError

    offer = factories.OfferFactory(status="under_review")
    with pytest.raises(DomainError, match="needs a reason"):
        services.offer_decline(offer=offer, actor=coordinator, reason="  ")
    offer.refresh_from_db()
    assert offer.status == "under_review"


@pytest.mark.django_db
def test_lots_of_an_undecided_offer_cannot_be_received(coordinator):
    from donations import services
    from sfiec.exceptions import DomainError

    lot = factories.LotFactory()
    with pytest.raises(DomainError, match="accepted offer"):
        services.lot_intake(lot=lot, actor=coordinator, result="accepted", quantity_received=10)
    lot.refresh_from_db()
    assert lot.status == MaterialLot.Status.PLEDGED and lot.quantity_received == 0


@pytest.mark.django_db
def test_receiving_more_than_offered_is_refused(coordinator):
    from donations import services
    from sfiec.exceptions import DomainError

    lot = factories.LotFactory(offer=factories.OfferFactory(status="accepted"))
    with pytest.raises(DomainError, match="more than the 10000 offered"):
        services.lot_intake(lot=lot, actor=coordinator, result="accepted", quantity_received=10_001)
    lot.refresh_from_db()
    assert lot.status == "pledged"


@pytest.mark.django_db
def test_rejecting_an_upload_returns_to_the_previous_state_with_the_reason():
    from shipments import services

    request = _receipt_request()
    services.receipt_request_transition(request=request, target="receipt_uploaded")
    services.receipt_request_transition(request=request, target="sent", reason="No stamp")
    request.refresh_from_db()
    assert (request.status, request.rejection_reason) == ("sent", "No stamp")
