"""Factories build valid defaults; tests reach other states through the services."""

import datetime as dt
import hashlib
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from donations.models import DonationOffer, MaterialLot
from partners.models import Contact, Organisation, PartnerMembership, SisterCity
from sfiec.references import reference_next
from shipments.models import Shipment, ShipmentDocument
from standards.models import Standard


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.is_staff = True
            self.save(update_fields=["is_staff"])
            self.groups.add(*Group.objects.filter(name__in=extracted))


class SisterCityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SisterCity
        django_get_or_create = ["slug"]

    slug = "milan"
    name = "Milan"
    name_zh = "米兰"
    country = "IT"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.DONOR
    name = factory.Sequence(lambda n: f"Donor Association {n}")
    name_zh = factory.Sequence(lambda n: f"捐赠协会{n}")
    country = "CN"
    email = factory.Sequence(lambda n: f"donor{n}@example.org")


class RecipientFactory(OrganisationFactory):
    kind = Organisation.Kind.RECIPIENT
    name = factory.Sequence(lambda n: f"Municipal Hospital {n}")
    city = factory.SubFactory(SisterCityFactory)
    country = factory.SelfAttribute("city.country")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    language = Contact.Language.ENGLISH
    is_primary = True


class PartnerUserFactory(UserFactory):
    @factory.post_generation
    def organisation(self, create, extracted, **kwargs):
        if create:
            PartnerMembership.objects.create(
                user=self, organisation=extracted or OrganisationFactory()
            )


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard
        django_get_or_create = ["slug"]

    slug = "CN_GB2626_KN95"
    body = "GB 2626-2019 (SAC)"
    title = "Respiratory protection — non-powered air-purifying particle respirator"
    categories = ["respirator_nonmedical"]
    jurisdiction = "CN"
    source = "S2"
    source_status = "V"


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DonationOffer

    reference = factory.LazyFunction(lambda: reference_next(prefix="OFF", digits=5))
    donor = factory.SubFactory(OrganisationFactory)
    status = DonationOffer.Status.SUBMITTED


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaterialLot

    offer = factory.SubFactory(OfferFactory)
    reference = factory.LazyFunction(lambda: reference_next(prefix="LOT", digits=5))
    category = "respirator_nonmedical"
    product = "KN95 respirator, model 9501"
    manufacturer = "Shenzhen Safety Products Co."
    standard = factory.SubFactory(StandardFactory)
    batch_number = factory.Sequence(lambda n: f"B2026{n:04d}")
    quantity_offered = 10_000
    cartons = 20
    units_per_carton = 500
    gross_weight_kg = Decimal("120.00")
    net_weight_kg = Decimal("100.00")
    volume_m3 = Decimal("1.200")
    manufactured_on = dt.date(2026, 3, 1)
    expires_on = dt.date(2029, 2, 28)
    unit_value = Decimal("1.2000")
    currency = "CNY"


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    reference = factory.LazyFunction(lambda: reference_next(prefix="SHP", digits=4))
    city = factory.SubFactory(SisterCityFactory)
    consignee = factory.SubFactory(RecipientFactory, city=factory.SelfAttribute("..city"))


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ShipmentDocumentFactory(factory.django.DjangoModelFactory):
    """A rendered version of one customs document (no render: a stored minimal PDF)."""

    class Meta:
        model = ShipmentDocument

    shipment = factory.SubFactory(ShipmentFactory)
    kind = ShipmentDocument.Kind.PACKING_LIST
    state = ShipmentDocument.State.READY
    file = factory.django.FileField(filename="packing-list.pdf", data=MINIMAL_PDF)
    sha256 = hashlib.sha256(MINIMAL_PDF).hexdigest()
    pages = 1
