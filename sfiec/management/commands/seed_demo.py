"""Demo data that tells the foundation's 2020 story; running it again changes nothing."""

import datetime as dt
from decimal import Decimal

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
from shipments.workflows import SHIPMENT_WORKFLOW

DEMO_PASSWORD = "sfiec-demo-2026"

CITIES = [
    # slug, name, name_zh, country, recipient, recipient_zh, contact, email, language
    (
        "milan",
        "Milan",
        "米兰",
        "IT",
        "Comune di Milano — Protezione Civile",
        "米兰市政府民防局",
        "Giulia Rossi",
        "giulia.rossi@comune.milano.example",
        "en",
    ),
    (
        "turin",
        "Turin",
        "都灵",
        "IT",
        "Città di Torino — International Relations",
        "都灵市政府国际关系处",
        "Marco Bianchi",
        "marco.bianchi@comune.torino.example",
        "en",
    ),
    (
        "busan",
        "Busan",
        "釜山",
        "KR",
        "Busan Metropolitan City — International Cooperation Division",
        "釜山广域市国际合作科",
        "Kim Min-jun",
        "minjun.kim@busan.example",
        "en",
    ),
    (
        "gwangyang",
        "Gwangyang",
        "光阳",
        "KR",
        "Gwangyang City Public Health Center",
        "光阳市保健所",
        "Lee Seo-yeon",
        "seoyeon.lee@gwangyang.example",
        "en",
    ),
    (
        "incheon",
        "Incheon",
        "仁川",
        "KR",
        "Incheon Metropolitan City — Disaster Safety Headquarters",
        "仁川广域市灾难安全本部",
        "Park Ji-ho",
        "jiho.park@incheon.example",
        "en",
    ),
    (
        "phnom-penh",
        "Phnom Penh",
        "金边",
        "KH",
        "Phnom Penh Capital Administration — Health Department",
        "金边市政府卫生局",
        "Sok Dara",
        "dara.sok@phnompenh.example",
        "en",
    ),
]

DONORS = [
    # key, name, name_zh, contact, email, language
    (
        "charity",
        "Shenzhen Charity Federation",
        "深圳市慈善会",
        "王丽",
        "wangli@szcf.example",
        "zh-hans",
    ),
    (
        "redcross",
        "Shenzhen Red Cross Society",
        "深圳市红十字会",
        "陈刚",
        "chengang@szrc.example",
        "zh-hans",
    ),
    (
        "devices",
        "Shenzhen Medical Device Industry Association",
        "深圳市医疗器械行业协会",
        "Li Na",
        "lina@szmdia.example",
        "en",
    ),
    (
        "chaoshan",
        "Shenzhen Chaoshan Chamber of Commerce",
        "深圳市潮汕商会",
        "林志明",
        "linzm@chaoshan.example",
        "zh-hans",
    ),
    (
        "volunteers",
        "Nanshan Volunteers Association",
        "南山区义工联合会",
        "黄敏",
        "huangmin@nsvolunteer.example",
        "zh-hans",
    ),
    (
        "overseas",
        "Shenzhen Overseas Chinese Business Association",
        "深圳市侨商国际联合会",
        "Zhang Wei",
        "zhangwei@szocba.example",
        "en",
    ),
]

STAFF = [
    ("coordinator", "Chen", "Coordinator", Role.COORDINATOR),
    ("logistics", "Liu", "Logistics", Role.LOGISTICS),
    ("compliance", "Zhao", "Compliance", Role.COMPLIANCE),
    ("manager", "Sun", "Manager", Role.MANAGER),
    ("viewer", "Guest", "Viewer", Role.VIEWER),
]


def _lot(
    category,
    product,
    manufacturer,
    standard,
    batch,
    quantity,
    cartons,
    per_carton,
    gross,
    net,
    volume,
    made,
    expires,
    value,
    unit="piece",
    **extra,
):
    return {
        "category": category,
        "product": product,
        "manufacturer": manufacturer,
        "standard": Standard.objects.filter(slug=standard).first() if standard else None,
        "batch_number": batch,
        "unit": unit,
        "quantity_offered": quantity,
        "cartons": cartons,
        "units_per_carton": per_carton,
        "gross_weight_kg": Decimal(gross),
        "net_weight_kg": Decimal(net),
        "volume_m3": Decimal(volume),
        "manufactured_on": made,
        "expires_on": expires,
        "unit_value": Decimal(value),
        **extra,
    }


class Command(BaseCommand):
    help = "Load idempotent demo data: sister cities, partners, offers, lots, shipments, users."

    def handle(self, *args, **options):
        roles_sync()
        compliance_services.rules_load()
        with transaction.atomic():
            self.today = timezone.localdate()
            users = self._users()
            cities = self._partners()
            self._needs(cities)
            lots = self._offers(users)
            self._shipments(cities, lots, users)
        self._report()

    # --- people and places -------------------------------------------------------------

    def _users(self):
        User = get_user_model()
        users = {}
        for username, first, last, role in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@sfiec.example",
                    "is_staff": True,
                },
            )
            if created:
                self._set_password(user)
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        partner, created = User.objects.get_or_create(
            username="partner", defaults={"email": "wangli@szcf.example", "first_name": "王丽"}
        )
        if created:
            self._set_password(partner)
        users["partner"] = partner
        return users

    def _set_password(self, user):
        if settings.DEBUG:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()

    def _partners(self):
        Organisation.objects.get_or_create(
            kind=Organisation.Kind.FOUNDATION,
            name="Shenzhen Foundation for International Exchange and Cooperation",
            defaults={"name_zh": "深圳市国际交流合作基金会", "email": "info@sfiec.example"},
        )
        for name, name_zh in [
            ("China Southern Airlines Cargo", "南方航空物流"),
            ("SF Express International", "顺丰国际"),
        ]:
            Organisation.objects.get_or_create(
                kind=Organisation.Kind.CARRIER, name=name, defaults={"name_zh": name_zh}
            )
        cities = {}
        for slug, name, name_zh, country, recipient, recipient_zh, contact, email, lang in CITIES:
            city, _ = SisterCity.objects.get_or_create(
                slug=slug, defaults={"name": name, "name_zh": name_zh, "country": country}
            )
            org, _ = Organisation.objects.get_or_create(
                kind=Organisation.Kind.RECIPIENT,
                name=recipient,
                defaults={
                    "name_zh": recipient_zh,
                    "country": country,
                    "city": city,
                    "email": email,
                },
            )
            Contact.objects.get_or_create(
                organisation=org,
                email=email,
                defaults={"name": contact, "language": lang, "is_primary": True},
            )
            cities[slug] = (city, org)
        self.donors = {}
        for key, name, name_zh, contact, email, lang in DONORS:
            org, _ = Organisation.objects.get_or_create(
                kind=Organisation.Kind.DONOR,
                name=name,
                defaults={"name_zh": name_zh, "country": "CN", "email": email},
            )
            person, _ = Contact.objects.get_or_create(
                organisation=org,
                email=email,
                defaults={"name": contact, "language": lang, "is_primary": True},
            )
            self.donors[key] = (org, person)
        return cities

    def _needs(self, cities):
        wanted = [
            (
                "milan",
                "medical_mask",
                1_000_000,
                "Surgical masks for hospitals and care homes",
                30,
                "open",
            ),
            (
                "busan",
                "protective_clothing",
                20_000,
                "Coveralls for screening clinics",
                45,
                "partly_met",
            ),
            (
                "phnom-penh",
                "test_kit",
                50_000,
                "PCR test kits for provincial hospitals",
                60,
                "open",
            ),
            (
                "incheon",
                "respirator_nonmedical",
                300_000,
                "Respirators for airport quarantine staff",
                20,
                "paused",
            ),
        ]
        for slug, category, quantity, description, days, status in wanted:
            city, recipient = cities[slug]
            need, created = Need.objects.get_or_create(
                city=city,
                recipient=recipient,
                category=category,
                description=description,
                defaults={"quantity": quantity, "needed_by": self.today + dt.timedelta(days=days)},
            )
            if created and status != "open":
                donation_services.need_transition(need=need, actor=None, target=status, note="Demo")

    # --- offers and lots ---------------------------------------------------------------

    def _offers(self, users):
        coordinator = users["coordinator"]
        t = self.today
        made, expires = t - dt.timedelta(days=60), t + dt.timedelta(days=3 * 365)
        offers = [
            (
                "demo-offer-1",
                "charity",
                "milan",
                "accepted",
                [
                    _lot(
                        "respirator_nonmedical",
                        "KN95 respirator, model KN-9501",
                        "Shenzhen Anke Protective Products Co.",
                        "CN_GB2626_KN95",
                        "AK20260315",
                        200_000,
                        200,
                        1000,
                        "1900",
                        "1600",
                        "24.000",
                        made,
                        expires,
                        "2.5000",
                        is_manufacturer_whitelisted=True,
                    ),
                    _lot(
                        "medical_mask",
                        "Disposable surgical mask, type IIR",
                        "Dongguan Huaxin Medical Co.",
                        "CN_YY0469",
                        "HX2026-0412",
                        500_000,
                        250,
                        2000,
                        "2100",
                        "1800",
                        "30.000",
                        made,
                        expires,
                        "0.6000",
                    ),
                ],
            ),
            (
                "demo-offer-2",
                "redcross",
                "busan",
                "accepted",
                [
                    _lot(
                        "protective_clothing",
                        "Medical protective coverall, size L",
                        "Jiangxi Hongda Medical Co.",
                        "CN_GB19082",
                        "HD-2026-03",
                        5_000,
                        100,
                        50,
                        "650",
                        "560",
                        "9.500",
                        made,
                        expires,
                        "45.0000",
                    ),
                    _lot(
                        "goggles",
                        "Medical isolation goggles",
                        "Shenzhen Clearview Optics Co.",
                        None,
                        "CV2604",
                        3_000,
                        30,
                        100,
                        "240",
                        "200",
                        "2.100",
                        made,
                        expires,
                        "12.0000",
                    ),
                ],
            ),
            (
                "demo-offer-3",
                "devices",
                "phnom-penh",
                "accepted",
                [
                    _lot(
                        "test_kit",
                        "SARS-CoV-2 PCR detection kit (48 tests)",
                        "Shenzhen Genebio Co.",
                        None,
                        "GB-PCR-2609",
                        10_000,
                        100,
                        100,
                        "500",
                        "420",
                        "6.000",
                        made,
                        t + dt.timedelta(days=400),
                        "96.0000",
                        unit="kit",
                    ),
                    _lot(
                        "thermometer",
                        "Infrared forehead thermometer",
                        "Shenzhen Thermo Tech Co.",
                        None,
                        "TT-IR-2603",
                        2_000,
                        40,
                        50,
                        "320",
                        "260",
                        "3.200",
                        made,
                        None,
                        "68.0000",
                        unit="unit",
                    ),
                ],
            ),
            (
                "demo-offer-4",
                "chaoshan",
                "incheon",
                "under_review",
                [
                    _lot(
                        "gloves",
                        "Nitrile examination gloves, powder-free, M",
                        "Guangdong Safeskin Co.",
                        None,
                        "SS-N-2610",
                        100_000,
                        100,
                        1000,
                        "800",
                        "700",
                        "8.000",
                        made,
                        expires,
                        "0.3500",
                        unit="pair",
                    ),
                ],
            ),
            (
                "demo-offer-5",
                "volunteers",
                "phnom-penh",
                "submitted",
                [
                    _lot(
                        "respirator_nonmedical",
                        "KN95 respirator, ear-loop",
                        "Shenzhen Kangrui Co.",
                        "CN_GB2626_KN95",
                        "KR-2610-07",
                        50_000,
                        50,
                        1000,
                        "480",
                        "400",
                        "6.000",
                        made,
                        expires,
                        "2.2000",
                    ),
                ],
            ),
            (
                "demo-offer-6",
                "overseas",
                "turin",
                "declined",
                [
                    _lot(
                        "medical_mask",
                        "Single-use medical mask",
                        "Foshan Meikang Co.",
                        "CN_YYT0969",
                        "MK-2411",
                        300_000,
                        150,
                        2000,
                        "1200",
                        "1000",
                        "18.000",
                        t - dt.timedelta(days=700),
                        t + dt.timedelta(days=150),
                        "0.3000",
                    ),
                ],
            ),
            (
                "demo-offer-7",
                "charity",
                None,
                "withdrawn",
                [
                    _lot(
                        "sanitiser",
                        "Hand sanitiser gel 500 ml",
                        "Guangzhou Lanjie Co.",
                        None,
                        "LJ-2609",
                        8_000,
                        400,
                        20,
                        "4400",
                        "4000",
                        "8.000",
                        made,
                        t + dt.timedelta(days=700),
                        "9.0000",
                        unit="bottle",
                    ),
                ],
            ),
        ]
        lots = {}
        for key, donor_key, city_slug, status, lot_values in offers:
            donor, contact = self.donors[donor_key]
            city = SisterCity.objects.get(slug=city_slug) if city_slug else None
            offer = donation_services.offer_create(
                donor=donor,
                contact=contact,
                preferred_city=city,
                lots=lot_values,
                submitted_by=users["partner"] if donor_key == "charity" else None,
                submission_key=key,
                notes="Demo data",
            )
            self._decide(offer, status, coordinator)
            lots[key] = list(offer.lots.order_by("id"))
        PartnerMembership.objects.get_or_create(
            user=users["partner"],
            defaults={
                "organisation": self.donors["charity"][0],
                "contact": self.donors["charity"][1],
            },
        )
        for key in ("demo-offer-1", "demo-offer-2"):
            for lot in lots[key]:
                self._receive(lot, coordinator, lot.quantity_offered)
        self._receive(
            lots["demo-offer-3"][1],
            coordinator,
            1_950,
            note="50 damaged in transit to the warehouse",
        )
        return lots

    def _decide(self, offer, status, actor):
        if offer.status == "submitted" and status != "submitted":
            if status == "withdrawn":
                donation_services.offer_withdraw(
                    offer=offer, actor=None, reason="Donor sent the goods directly"
                )
                return
            donation_services.offer_start_review(offer=offer, actor=actor)
        if offer.status == "under_review" and status == "accepted":
            donation_services.offer_accept(
                offer=offer, actor=actor, reason="Welcome donation, thank you"
            )
        if offer.status == "under_review" and status == "declined":
            donation_services.offer_decline(
                offer=offer,
                actor=actor,
                reason="The masks expire about five months after arrival; we need at least twelve.",
            )

    def _receive(self, lot, actor, quantity, note="Counted and inspected, cartons intact"):
        lot.refresh_from_db()
        if lot.status == MaterialLot.Status.PLEDGED:
            donation_services.lot_intake(
                lot=lot, actor=actor, result="accepted", quantity_received=quantity, note=note
            )

    # --- shipments ---------------------------------------------------------------------

    def _shipments(self, cities, lots, users):
        logistics = users["logistics"]
        air = Organisation.objects.get(kind="carrier", name="China Southern Airlines Cargo")
        express = Organisation.objects.get(kind="carrier", name="SF Express International")
        plans = [
            (
                "784-20261101",
                "milan",
                "delivered",
                air,
                "5200.00",
                "3900.00",
                [(lots["demo-offer-1"][0], 100_000), (lots["demo-offer-1"][1], 200_000)],
            ),
            (
                "784-20261118",
                "busan",
                "in_transit",
                air,
                "1300.00",
                "890.00",
                [(lots["demo-offer-2"][0], 5_000), (lots["demo-offer-2"][1], 1_500)],
            ),
            (
                "SF-PP-77120345",
                "phnom-penh",
                "booked",
                express,
                "330.00",
                "160.00",
                [(lots["demo-offer-3"][1], 1_000)],
            ),
            ("784-20261205", "turin", "draft", air, "0", "0", [(lots["demo-offer-1"][0], 50_000)]),
            (
                "SF-IC-77120999",
                "incheon",
                "cancelled",
                express,
                "0",
                "0",
                [(lots["demo-offer-2"][1], 500)],
            ),
        ]
        for awb, slug, status, carrier, weight, freight, lines in plans:
            city, consignee = cities[slug]
            shipment = Shipment.objects.filter(carrier_reference=awb).first()
            if shipment is None:
                shipment = shipment_services.shipment_create(
                    city=city,
                    consignee=consignee,
                    created_by=logistics,
                    mode="air" if carrier == air else "express",
                    carrier=carrier,
                    carrier_reference=awb,
                    gross_weight_kg=Decimal(weight),
                    chargeable_weight_kg=Decimal(weight),
                    freight_cost=Decimal(freight) * 7,
                    planned_departure_on=self.today + dt.timedelta(days=3),
                    expected_arrival_on=self.today + dt.timedelta(days=10),
                    consignee_contact=consignee.contacts.first(),
                )
                for lot, quantity in lines:
                    shipment_services.shipment_allocate(
                        shipment=shipment, lot=lot, quantity=quantity, actor=logistics
                    )
            if status not in ("draft", "cancelled") and shipment.status == "draft":
                self._clear_compliance(shipment, users["compliance"])
            self._advance(shipment, status, logistics)

    def _clear_compliance(self, shipment, officer):
        """Check the lines; record the officer's overrides the 2020 shipments relied on."""
        for check in shipment_services.shipment_checks_run(shipment=shipment):
            if check.result == "fail" and not check.is_overridden:
                compliance_services.check_override(
                    check=check,
                    actor=officer,
                    reason="Demo: the consignee's health authority accepted these goods for "
                    "public, non-surgical use under its emergency procedure (letter on file).",
                )

    def _advance(self, shipment, target, actor):
        path = ["draft", "ready", "booked", "in_transit", "arrived", "delivered"]
        places = {
            "in_transit": "Shenzhen Bao'an Airport",
            "arrived": "Destination airport",
            "delivered": "Consignee's warehouse",
        }
        if target == "cancelled":
            if shipment.status in ("draft", "ready", "booked"):
                shipment_services.shipment_transition(
                    shipment=shipment,
                    target="cancelled",
                    actor=actor,
                    note="Flight cancelled; goods re-planned",
                )
            return
        for status in path[path.index(shipment.status) + 1 : path.index(target) + 1]:
            assert status in SHIPMENT_WORKFLOW.allowed(shipment.status)
            shipment_services.shipment_transition(
                shipment=shipment,
                target=status,
                actor=actor,
                location=places.get(status, "Shenzhen"),
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
        if settings.DEBUG:
            self.stdout.write("Demo logins (development only), password for all: " + DEMO_PASSWORD)
            for username, *_rest, role in STAFF:
                self.stdout.write(f"  {username:<12} {role.label}")
            self.stdout.write("  partner      Partner user of the Shenzhen Charity Federation")
        else:
            self.stdout.write(
                "Passwords are not set outside development: use manage.py changepassword."
            )
