"""Load the demo story of ``seed_demo.yaml``; running it again changes nothing.

Reference data (people, places, organisations) is found or made by its natural key; every
state change (offers and their decisions, intake, shipments and their moves, overrides) goes
through the services, as a person at the pages would.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from compliance import services as compliance_services
from compliance.models import Standard
from donations import services as donation_services
from donations.models import DonationOffer, MaterialLot, Need
from partners.models import Contact, Organisation, PartnerMembership, SisterCity
from sfiec.roles import Role, roles_sync
from shipments import services as shipment_services
from shipments.models import Shipment

DATA = Path(__file__).with_suffix(".yaml")
SHIPMENT_PATH = ["draft", "ready", "booked", "in_transit", "arrived", "delivered"]
DECIMALS = ("gross_weight_kg", "net_weight_kg", "volume_m3", "unit_value")


class Command(BaseCommand):
    help = "Load idempotent demo data: sister cities, partners, offers, lots, shipments, users."

    def handle(self, *args, **options):
        self.data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
        self.today = timezone.localdate()
        roles_sync()
        compliance_services.rules_load()
        with transaction.atomic():
            users = self._users()
            cities = self._places()
            self._needs(cities)
            lots = self._offers(users)
        # Intake queues the received lots' checks as it commits; the shipments check their
        # lines for their own dates after that, as when goods are received before they ship.
        with transaction.atomic():
            self._shipments(cities, lots, users)
        self._report()

    def _day(self, offset):
        return None if offset is None else self.today + dt.timedelta(days=offset)

    # --- people and places -------------------------------------------------------------

    def _users(self):
        users = {}
        for person in self.data["staff"]:
            user = self._user(
                person["username"],
                first_name=person["first_name"],
                last_name=person["last_name"],
                email=f"{person['username']}@sfiec.example",
                is_staff=True,
            )
            user.groups.add(Group.objects.get(name=person["role"]))
            users[person["username"]] = user
        partner = self.data["partner"]
        users["partner"] = self._user(
            partner["username"], email=partner["email"], first_name=partner["first_name"]
        )
        return users

    def _user(self, username, **defaults):
        user, created = get_user_model().objects.get_or_create(username=username, defaults=defaults)
        if created:
            if settings.DEBUG:
                user.set_password(self.data["password"])
            else:
                user.set_unusable_password()
            user.save()
        return user

    def _organisation(self, kind, name, **defaults):
        return Organisation.objects.get_or_create(kind=kind, name=name, defaults=defaults)[0]

    def _contact(self, organisation, contact):
        return Contact.objects.get_or_create(
            organisation=organisation,
            email=contact["email"],
            defaults={"name": contact["name"], "language": contact["language"], "is_primary": True},
        )[0]

    def _places(self):
        foundation = self.data["foundation"]
        self._organisation(
            Organisation.Kind.FOUNDATION,
            foundation["name"],
            name_zh=foundation["name_zh"],
            email=foundation["email"],
        )
        self.carriers = {
            key: self._organisation(Organisation.Kind.CARRIER, c["name"], name_zh=c["name_zh"])
            for key, c in self.data["carriers"].items()
        }
        cities = {}
        for c in self.data["cities"]:
            city, _ = SisterCity.objects.get_or_create(
                slug=c["slug"],
                defaults={"name": c["name"], "name_zh": c["name_zh"], "country": c["country"]},
            )
            recipient = self._organisation(
                Organisation.Kind.RECIPIENT,
                c["recipient"]["name"],
                name_zh=c["recipient"]["name_zh"],
                country=c["country"],
                city=city,
                email=c["contact"]["email"],
            )
            self._contact(recipient, c["contact"])
            cities[c["slug"]] = (city, recipient)
        self.donors = {}
        for key, d in self.data["donors"].items():
            donor = self._organisation(
                Organisation.Kind.DONOR,
                d["name"],
                name_zh=d["name_zh"],
                country="CN",
                email=d["contact"]["email"],
            )
            self.donors[key] = (donor, self._contact(donor, d["contact"]))
        return cities

    def _needs(self, cities):
        for n in self.data["needs"]:
            city, recipient = cities[n["city"]]
            need, created = Need.objects.get_or_create(
                city=city,
                recipient=recipient,
                category=n["category"],
                description=n["description"],
                defaults={"quantity": n["quantity"], "needed_by": self._day(n["needed_in_days"])},
            )
            if created and n["status"] != "open":
                donation_services.need_transition(
                    need=need, actor=None, target=n["status"], note="Demo"
                )

    # --- offers and lots ---------------------------------------------------------------

    def _lot_values(self, lot: dict) -> dict:
        dates = self.data["lot_dates"]
        values = {
            key: value
            for key, value in lot.items()
            if key not in ("received", "intake_note", "manufactured_in_days", "expires_in_days")
        }
        for name in DECIMALS:
            values[name] = Decimal(values[name])
        if values.get("standard"):
            values["standard"] = Standard.objects.get(slug=values["standard"])
        values["manufactured_on"] = self._day(
            lot.get("manufactured_in_days", dates["manufactured_in_days"])
        )
        values["expires_on"] = self._day(lot.get("expires_in_days", dates["expires_in_days"]))
        return values

    def _offers(self, users):
        coordinator, partner = users["coordinator"], users["partner"]
        lots = {}
        for o in self.data["offers"]:
            donor, contact = self.donors[o["donor"]]
            offer = donation_services.offer_create(
                donor=donor,
                contact=contact,
                preferred_city=SisterCity.objects.get(slug=o["city"]) if o["city"] else None,
                lots=[self._lot_values(lot) for lot in o["lots"]],
                submitted_by=partner if o["donor"] == self.data["partner"]["donor"] else None,
                submission_key=o["key"],
                notes="Demo data",
            )
            DonationOffer.objects.filter(pk=offer.pk).update(
                submitted_at=timezone.now() - dt.timedelta(days=o["submitted_days_ago"])
            )
            self._decide(offer, o["status"], coordinator, o.get("reason", ""))
            lots[o["key"]] = list(offer.lots.order_by("id"))
            for lot, values in zip(lots[o["key"]], o["lots"], strict=True):
                if values.get("received"):
                    self._receive(lot, coordinator, values)
        donor, contact = self.donors[self.data["partner"]["donor"]]
        PartnerMembership.objects.get_or_create(
            user=partner, defaults={"organisation": donor, "contact": contact}
        )
        return lots

    def _decide(self, offer, status, actor, reason):
        if offer.status != DonationOffer.Status.SUBMITTED or status == "submitted":
            return
        if status == "withdrawn":
            donation_services.offer_withdraw(offer=offer, actor=None, reason=reason)
        elif status == "under_review":
            donation_services.offer_start_review(offer=offer, actor=actor)
        else:
            donation_services.offer_decide(
                offer=offer, actor=actor, accept=status == "accepted", reason=reason
            )

    def _receive(self, lot, actor, values):
        lot.refresh_from_db()
        if lot.status != MaterialLot.Status.PLEDGED:
            return
        quantity = values["received"]
        donation_services.lot_intake(
            lot=lot,
            actor=actor,
            result=donation_services.InspectionResult.ACCEPTED,
            quantity_received=lot.quantity_offered if quantity == "all" else quantity,
            note=values.get("intake_note", self.data["intake_note"]),
        )

    # --- shipments ---------------------------------------------------------------------

    def _shipments(self, cities, lots, users):
        logistics = users["logistics"]
        for s in self.data["shipments"]:
            city, consignee = cities[s["city"]]
            shipment = Shipment.objects.filter(carrier_reference=s["awb"]).first()
            if shipment is None:
                weight = Decimal(s["gross_weight_kg"])
                shipment = shipment_services.shipment_create(
                    city=city,
                    consignee=consignee,
                    created_by=logistics,
                    mode=s["carrier"],
                    carrier=self.carriers[s["carrier"]],
                    carrier_reference=s["awb"],
                    gross_weight_kg=weight,
                    chargeable_weight_kg=weight,
                    freight_cost=Decimal(s["freight_cost"]),
                    planned_departure_on=self._day(3),
                    expected_arrival_on=self._day(10),
                    consignee_contact=consignee.contacts.first(),
                )
                for offer_key, index, quantity in s["lines"]:
                    shipment_services.shipment_allocate(
                        shipment=shipment,
                        lot=lots[offer_key][index],
                        quantity=quantity,
                        actor=logistics,
                    )
            if s["status"] not in ("draft", "cancelled") and shipment.status == "draft":
                self._clear_compliance(shipment, users["compliance"])
            self._advance(shipment, s["status"], logistics)

    def _clear_compliance(self, shipment, officer):
        """Check the lines; record the officer's overrides the 2020 shipments relied on."""
        for check in shipment_services.shipment_checks_run(shipment=shipment):
            if check.result == "fail" and not check.is_overridden:
                compliance_services.check_override(
                    check=check, actor=officer, reason=self.data["override_reason"]
                )

    def _advance(self, shipment, target, actor):
        if target == "cancelled":
            if shipment.status in ("draft", "ready", "booked"):
                shipment_services.shipment_transition(
                    shipment=shipment, target=target, actor=actor, note=self.data["cancel_note"]
                )
            return
        start = SHIPMENT_PATH.index(shipment.status) + 1
        for status in SHIPMENT_PATH[start : SHIPMENT_PATH.index(target) + 1]:
            shipment_services.shipment_transition(
                shipment=shipment,
                target=status,
                actor=actor,
                location=self.data["places"].get(status, "Shenzhen"),
            )

    def _report(self):
        counts = {
            "sister cities": SisterCity.objects.count(),
            "organisations": Organisation.objects.count(),
            "offers": DonationOffer.objects.count(),
            "lots": MaterialLot.objects.count(),
            "shipments": Shipment.objects.count(),
        }
        self.stdout.write("Demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        if not settings.DEBUG:
            self.stdout.write(
                "Passwords are not set outside development: use manage.py changepassword."
            )
            return
        self.stdout.write(
            "Demo logins (development only), password for all: " + self.data["password"]
        )
        for person in self.data["staff"]:
            self.stdout.write(f"  {person['username']:<12} {Role(person['role']).label}")
        partner = self.data["partner"]
        self.stdout.write(f"  {partner['username']:<12} {partner['about']}")
