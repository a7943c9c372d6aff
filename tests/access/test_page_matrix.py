"""Who may open and post to every page: each URL pattern outside /admin/ and /api/, for every
persona, with GET and with POST.

Each page has an entry in ``PAGES``: the rule it declares (``sfiec.decorators``; for actions the
roles come from ``sfiec.roles.ACTION_ROLES``), what an allowed GET and an allowed POST answer,
and a POST body that really does something for someone allowed to do it. The patterns are read
from the URL resolver, so a page added later without an entry here fails
``test_every_page_is_in_the_matrix``.

Every cell runs in a savepoint that is rolled back, so all cells see the same objects, built
once. Every SQL statement of a cell is captured: a refused request (any method) and an allowed
GET must not write a row (the session table aside); an allowed POST with its body must.
"""

import copy
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from compliance.models import ComplianceCheck
from dashboard.lists import KINDS
from donations import services as donation_services
from donations.need_links import need_link_token
from partners import services as partner_services
from partners.api_tokens import api_token_create
from partners.tokens import invite_token_make
from sfiec.roles import ACTION_ROLES, MANAGER_EXCLUDED, Role
from sfiec.uploads import upload_check
from shipments import receipts, tracking
from shipments import services as shipment_services
from shipments.forms import ShipmentUpdateForm
from tests import factories
from tests.shipments.documents_helpers import received_lot

PERSONAS = {
    "anonymous": None,
    "partner_a": None,
    "partner_b": None,
    "viewer": Role.VIEWER,
    "coordinator": Role.COORDINATOR,
    "logistics": Role.LOGISTICS,
    "compliance": Role.COMPLIANCE,
    "manager": Role.MANAGER,
}
ANONYMOUS, PARTNER_A, PARTNER_B = "anonymous", "partner_a", "partner_b"
PARTNERS = {PARTNER_A, PARTNER_B}
STAFF = {name for name, role in PERSONAS.items() if role}
LOGIN = "302 to login"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- the rules a page declares: persona -> None (allowed) or the refusal it gets --------------


@dataclass(frozen=True)
class Rule:
    name: str
    refusal: Callable[[str], object]

    def __repr__(self):
        return self.name


def may(persona: str, action: str) -> bool:
    """What ``sfiec.roles`` says, read from its table (the views ask ``user_may``)."""
    role = PERSONAS[persona]
    if role == Role.MANAGER:
        return action not in MANAGER_EXCLUDED
    return role in ACTION_ROLES[action]


def _signed_in(then):
    return lambda persona: LOGIN if persona == ANONYMOUS else then(persona)


PUBLIC = Rule("public", lambda persona: None)
# Public, but the secret in the address (a signed link, a QR code's token) is the key.
LINK = Rule("anyone holding the link", lambda persona: None)
SIGNED_IN = Rule("signed in", _signed_in(lambda persona: None))
STAFF_OR_PARTNER = Rule("staff or partner", _signed_in(lambda persona: None))
STAFF_ONLY = Rule("staff", _signed_in(lambda persona: None if persona in STAFF else 403))
PARTNER = Rule("partner", _signed_in(lambda persona: None if persona in PARTNERS else 403))
# Partner A's own object: partner B is told it does not exist.
PARTNER_OWN = Rule(
    "partner, own organisation",
    _signed_in(lambda p: None if p == PARTNER_A else 404 if p == PARTNER_B else 403),
)
# Partner A's own API token: anyone else signed in is told it does not exist.
OWN_TOKEN = Rule("the token's owner", _signed_in(lambda p: None if p == PARTNER_A else 404))
# A lot's file: staff, or the partner whose organisation owns the lot; to anyone else a 404.
STAFF_OR_OWNER = Rule(
    "staff or the owning partner, else 404",
    lambda p: None if p in STAFF or p == PARTNER_A else 404,
)
# Only the browser session that submitted the offer sees its confirmation: nobody here did.
SUBMITTING_SESSION = Rule("the submitting session", lambda persona: 404)


def action(name: str) -> Rule:
    assert name in ACTION_ROLES, name
    return Rule(
        f"action {name}",
        _signed_in(lambda p: None if p in STAFF and may(p, name) else 403),
    )


# Adding documents to a lot: staff who may ``attachment.upload``, or the owning partner (while
# the offer is undecided); other staff 403; anonymous and other partners are told 404.
ATTACHMENT_UPLOAD = Rule(
    "attachment.upload or the owning partner",
    lambda p: (
        None
        if p == PARTNER_A or (p in STAFF and may(p, "attachment.upload"))
        else 403
        if p in STAFF
        else 404
    ),
)


@dataclass(frozen=True)
class Page:
    """One URL pattern: its rule; what an allowed GET / POST answers (None: the method is not
    served, 405); the URL arguments and POST body from the world; whether that POST writes."""

    rule: Rule
    get: int | Callable[[str], int] | None = 200
    post: int | None = None
    args: Callable = lambda w: {}
    body: Callable = lambda w: {}
    writes: bool = False
    query: Callable = lambda w: ""
    variants: Callable | None = None  # several URL arguments for one pattern (lists, exports)


def _offer(name):
    return lambda w: {"reference": getattr(w, name).offer.reference}


def _ref(name):
    return lambda w: {"reference": getattr(w, name).reference}


def _pk(name, key="pk"):
    return lambda w: {key: getattr(w, name).pk}


def _staff_lands_on_the_dashboard(persona):
    return 302 if persona in STAFF else 200


PAGES: dict[str, Page] = {
    # --- the site, sign-in and account -----------------------------------------------------
    "home": Page(PUBLIC, get=_staff_lands_on_the_dashboard),
    "healthz": Page(PUBLIC),
    "set_language": Page(PUBLIC, get=302, post=302, body=lambda w: {"language": "zh-hans"}),
    "javascript-catalog": Page(PUBLIC),
    "login": Page(PUBLIC, post=200),
    "login-landing": Page(PUBLIC, get=302),
    "logout": Page(PUBLIC, get=None, post=302),
    "partners:account-tokens": Page(
        STAFF_OR_PARTNER,
        post=302,
        body=lambda w: {"name": "scanner", "scope": "read_only", "days": 30},
        writes=True,
    ),
    "partners:account-token-revoke": Page(
        OWN_TOKEN, get=None, post=302, args=_pk("api_token"), writes=True
    ),
    "partners:email-language": Page(
        SIGNED_IN, post=302, body=lambda w: {"language": "zh-hans"}, writes=True
    ),
    # --- partner accounts ---------------------------------------------------------------
    "partners:signup": Page(
        PUBLIC,
        post=200,
        body=lambda w: {
            "organisation_name": "Harbour Relief",
            "contact_name": "Ann",
            "email": "ann@example.org",
            "language": "en",
        },
        writes=True,
    ),
    "partners:invite-accept": Page(
        LINK,
        post=302,
        args=lambda w: {"token": w.invite_token},
        body=lambda w: {
            "new_password1": "a long new passphrase",
            "new_password2": "a long new passphrase",
        },
        writes=True,
    ),
    "partners:invite": Page(
        action("partner.invite"),
        post=302,
        body=lambda w: {
            "organisation": w.org_a.pk,
            "name": "Nina",
            "email": "nina@example.org",
            "language": "en",
        },
        writes=True,
    ),
    "partners:signup-list": Page(STAFF_ONLY),
    "partners:signup-decide": Page(
        action("signup.decide"),
        get=None,
        post=302,
        args=_pk("signup"),
        body=lambda w: {"decision": "approve"},
        writes=True,
    ),
    # --- offers: public, partner, staff -------------------------------------------------
    "donations:offer-new": Page(PUBLIC, post=200),
    "donations:offer-thanks": Page(SUBMITTING_SESSION, args=_offer("open_lot")),
    "donations:offer-import": Page(PUBLIC, post=200),
    "donations:offer-import-confirm": Page(PUBLIC, get=None, post=302),
    "donations:offer-import-template": Page(
        PUBLIC, variants=lambda w: [{"fmt": "csv"}, {"fmt": "xlsx"}]
    ),
    "donations:partner-offer-list": Page(PARTNER),
    "donations:partner-offer-detail": Page(PARTNER_OWN, args=_offer("open_lot")),
    "donations:partner-offer-withdraw": Page(
        PARTNER_OWN,
        post=302,
        args=_offer("open_lot"),
        body=lambda w: {"confirm": "1", "reason": "Sent elsewhere"},
        writes=True,
    ),
    "donations:review-queue": Page(STAFF_ONLY),
    "donations:review-detail": Page(STAFF_ONLY, args=_offer("open_lot")),
    "donations:review-decide": Page(
        action("offer.review"),
        get=None,
        post=302,
        args=_offer("open_lot"),
        body=lambda w: {"accept-decision": "accept", "accept-reason": "Welcome"},
        writes=True,
    ),
    "donations:review-link-donor": Page(
        action("offer.review"),
        get=None,
        post=302,
        args=lambda w: {"reference": w.pending_offer.reference},
        body=lambda w: {"confirm_new": "1"},
        writes=True,
    ),
    "donations:lot-intake": Page(
        action("lot.receive"),
        post=302,
        args=_ref("waiting_lot"),
        body=lambda w: {"result": "accepted", "quantity_received": 10_000},
        writes=True,
    ),
    "donations:lot-attachments-add": Page(
        ATTACHMENT_UPLOAD,
        get=None,
        post=302,
        args=_ref("open_lot"),
        body=lambda w: {
            "kind": "export_declaration",
            "files": [SimpleUploadedFile("declaration.pdf", PDF, "application/pdf")],
        },
        writes=True,
    ),
    "donations:attachment-download": Page(STAFF_OR_OWNER, args=_pk("attachment")),
    # --- compliance ---------------------------------------------------------------------
    "compliance:lot": Page(STAFF_ONLY, args=_ref("kn95_lot")),
    "compliance:lot-run": Page(
        action("check.run"),
        get=None,
        post=302,
        args=_ref("kn95_lot"),
        body=lambda w: {"country": "IT"},
    ),
    "compliance:check-override": Page(
        action("check.override"),
        get=None,
        post=302,
        args=_pk("failing_check"),
        body=lambda w: {"reason": "Accepted in writing by the consignee's health authority"},
        writes=True,
    ),
    # --- receipts, proof and trace --------------------------------------------------------
    "shipments:receipt-portal": Page(LINK, post=302, args=lambda w: {"token": w.receipt_token}),
    "shipments:receipt-list": Page(STAFF_ONLY),
    "shipments:receipt-evidence": Page(STAFF_ONLY, args=_pk("photo")),
    "shipments:receipt-evidence-publish": Page(
        action("receipt.verify"),
        get=None,
        post=302,
        args=_pk("photo"),
        body=lambda w: {"publish": "0"},
        writes=True,
    ),
    "shipments:receipt-detail": Page(STAFF_ONLY, args=_ref("delivered")),
    "shipments:receipt-verify": Page(
        action("receipt.verify"), get=None, post=302, args=_ref("awaiting"), writes=True
    ),
    "shipments:receipt-reject": Page(
        action("receipt.verify"),
        get=None,
        post=302,
        args=_ref("awaiting"),
        body=lambda w: {"reason": "The list is missing its second page."},
        writes=True,
    ),
    "shipments:receipt-resend": Page(
        action("receipt.verify"), get=None, post=302, args=_ref("delivered"), writes=True
    ),
    "shipments:offer-proof": Page(PARTNER_OWN, args=_offer("proven_lot")),
    "shipments:offer-naming": Page(
        PARTNER_OWN,
        get=None,
        post=302,
        args=_offer("proven_lot"),
        body=lambda w: {"is_named": "1"},
        writes=True,
    ),
    "shipments:offer-acknowledgement": Page(PARTNER_OWN, args=_offer("proven_lot")),
    "shipments:proof-evidence": Page(PARTNER_OWN, args=_pk("photo")),
    "shipments:trace": Page(LINK, args=lambda w: {"token": w.delivered.public_token}),
    "shipments:trace-photo": Page(
        LINK, args=lambda w: {"token": w.delivered.public_token, "pk": w.photo.pk}
    ),
    # --- the shipment workspace and its documents -----------------------------------------
    "shipments:documents-status": Page(STAFF_ONLY, args=_pk("draft", "id")),
    "shipments:documents-generate": Page(
        action("shipment.documents"),
        get=None,
        post=302,
        args=_pk("draft", "id"),
        writes=True,
    ),
    "shipments:document-download": Page(STAFF_ONLY, args=_pk("document")),
    "shipments:list": Page(STAFF_ONLY),
    "shipments:create": Page(
        action("shipment.plan"),
        post=302,
        query=lambda w: f"?city={w.milan.slug}",
        body=lambda w: {**w.planning, "consignee": w.consignee.pk},
        writes=True,
    ),
    "shipments:detail": Page(STAFF_ONLY, args=_ref("draft")),
    "shipments:edit": Page(
        action("shipment.plan"),
        post=302,
        args=_ref("draft"),
        body=lambda w: w.planning,
        writes=True,
    ),
    "shipments:line-add": Page(
        action("shipment.allocate"),
        get=302,  # a reload of a refused form goes back to the shipment page
        post=302,
        args=_ref("draft"),
        body=lambda w: {"lot": w.free_lot.pk, "quantity": 1000},
        writes=True,
    ),
    "shipments:line-remove": Page(
        action("shipment.deallocate"),
        get=None,
        post=302,
        args=lambda w: {"reference": w.draft.reference, "pk": w.line.pk},
        writes=True,
    ),
    "shipments:move": Page(
        action("shipment.transition"),
        get=302,  # a reload of a refused form goes back to the shipment page
        post=302,
        args=_ref("draft"),
        body=lambda w: {"target": "cancelled", "note": "The hospital was supplied locally."},
        writes=True,
    ),
    "shipments:token-create": Page(
        action("shipment.transition"),
        get=None,
        post=200,
        args=_ref("draft"),
        body=lambda w: {"label": "carrier", "valid_days": 30},
        writes=True,
    ),
    "shipments:token-revoke": Page(
        action("shipment.transition"),
        get=None,
        post=302,
        args=lambda w: {"reference": w.draft.reference, "pk": w.tracking_token.pk},
        writes=True,
    ),
    # --- the dashboard, its lists and exports ---------------------------------------------
    "dashboard:home": Page(STAFF_ONLY),
    "dashboard:list": Page(STAFF_ONLY, variants=lambda w: [{"kind": kind} for kind in KINDS]),
    "dashboard:list-export": Page(
        STAFF_ONLY,
        variants=lambda w: [{"kind": k, "fmt": f} for k in KINDS for f in ("csv", "xlsx")],
    ),
    # --- needs ----------------------------------------------------------------------------
    "needs:board": Page(STAFF_OR_PARTNER),
    "needs:link-record": Page(
        LINK,
        post=200,
        args=lambda w: {"city_slug": w.milan.slug, "token": w.need_link},
        body=lambda w: w.need_values,
        writes=True,
    ),
    "needs:link-edit": Page(
        LINK,
        post=200,
        args=lambda w: {"city_slug": w.milan.slug, "token": w.need_edit_link, "need_pk": w.need.pk},
        body=lambda w: w.need_values,
        writes=True,
    ),
    "needs:staff-list": Page(STAFF_ONLY),
    "needs:staff-link": Page(
        action("need.change"),
        get=None,
        post=302,
        args=lambda w: {"city_slug": w.milan.slug},
        body=lambda w: {"contact": w.contact.pk},
        writes=True,
    ),
    "needs:staff-new": Page(
        action("need.change"),
        post=302,
        args=lambda w: {"city_slug": w.milan.slug},
        body=lambda w: {**w.need_values, "recipient": w.consignee.pk},
        writes=True,
    ),
    "needs:staff-detail": Page(STAFF_ONLY, args=_pk("need")),
    "needs:staff-confirm": Page(
        action("need.match"),
        get=None,
        post=302,
        args=_pk("need"),
        body=lambda w: {"lot": w.proven_lot.pk, "quantity": 500},
        writes=True,
    ),
    "needs:staff-release": Page(
        action("need.match"),
        get=None,
        post=302,
        args=lambda w: {"pk": w.need.pk, "match_pk": w.match.pk},
        body=lambda w: {"reason": "The lot went to another city."},
        writes=True,
    ),
    "needs:staff-transition": Page(
        action("need.change"),
        get=None,
        post=302,
        args=_pk("need"),
        body=lambda w: {"status": "paused"},
        writes=True,
    ),
}


def page_patterns() -> dict[str, str]:
    """Every URL pattern outside /admin/ and /api/, by its (namespaced) name: route."""
    found = {}

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(("admin/", "api/")):
                continue
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace
                walk(
                    pattern.url_patterns,
                    route,
                    f"{namespace}:{inner}" if namespace and inner else inner or namespace,
                )
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"(unnamed) {route}"
                found[f"{namespace}:{name}" if namespace else name] = route

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_page_is_in_the_matrix():
    patterns = page_patterns()
    assert len(patterns) >= 70
    missing = sorted(set(patterns) - set(PAGES))
    assert not missing, f"URL patterns with no entry in PAGES: {missing}"
    stale = sorted(set(PAGES) - set(patterns))
    assert not stale, f"entries in PAGES for no URL pattern: {stale}"


# --- the objects the pages show, built once ---------------------------------------------------


def _checked(name, data):
    return upload_check(SimpleUploadedFile(name, data), allowed=receipts.EVIDENCE_TYPES)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (180, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def world(
    db,
    partner,
    coordinator,
    logistics_officer,
    kn95_lot,
    milan,
    clear_compliance,
    django_capture_on_commit_callbacks,
):
    """Partner A's offers (one open with a document, one whose goods reached Milan and are
    proven), a delivery whose receipt waits for staff, a draft shipment with a line, a document
    and a tracking token, a need with a match, a sign-up request, signed links and tokens."""
    w = SimpleNamespace(milan=milan, kn95_lot=kn95_lot)
    w.org_a = partner.partner_membership.organisation
    logistics = logistics_officer

    w.open_lot = factories.LotFactory(
        offer=factories.OfferFactory(donor=w.org_a, preferred_city=milan)
    )
    (w.attachment,) = donation_services.lot_attachments_add(
        lot=w.open_lot,
        actor=partner,
        kind="test_report",
        uploads=[upload_check(SimpleUploadedFile("report.pdf", PDF))],
    )
    waiting = factories.LotFactory()
    donation_services.offer_start_review(offer=waiting.offer, actor=coordinator)
    donation_services.offer_accept(offer=waiting.offer, actor=coordinator)
    w.waiting_lot = waiting
    w.pending_offer = factories.OfferFactory(donor=factories.OrganisationFactory(is_pending=True))
    w.failing_check = ComplianceCheck.objects.get(
        lot=kn95_lot, country="IT", is_current=True, result="fail"
    )

    # Partner A's goods delivered to Milan, the receipt and the report verified, a photo of
    # the report on the trace page; and a second delivery whose receipt waits for staff.
    w.consignee = factories.RecipientFactory(city=milan)
    w.contact = factories.ContactFactory(organisation=w.consignee)
    w.proven_lot = received_lot(
        coordinator, offer=factories.OfferFactory(donor=w.org_a, preferred_city=milan)
    )

    def deliver(quantity):
        shipment = shipment_services.shipment_create(
            city=milan, consignee=w.consignee, created_by=logistics, consignee_contact=w.contact
        )
        shipment_services.shipment_allocate(
            shipment=shipment, lot=w.proven_lot, quantity=quantity, actor=logistics
        )
        clear_compliance(shipment)
        for target in ("ready", "booked", "in_transit", "arrived", "delivered"):
            with django_capture_on_commit_callbacks(execute=True):
                shipment_services.shipment_transition(
                    shipment=shipment, target=target, actor=logistics, location="Milan"
                )
        shipment.refresh_from_db()
        receipts.receipt_upload(
            request=shipment.receipt_request, files=[_checked("receipt.pdf", PDF)]
        )
        return shipment

    w.delivered = deliver(4000)
    receipt = w.delivered.receipt_request
    receipts.receipt_verify(request=receipt, actor=logistics)
    receipts.receipt_upload(
        request=receipt,
        files=[_checked("ward.png", _png())],
        note="Handed over with the health office.",
        distribution=[
            {"institution": "Ospedale Sacco", "quantity": 4000, "line": w.delivered.lines.get()}
        ],
    )
    receipts.receipt_verify(request=receipt, actor=logistics)
    w.photo = receipt.evidence.get(kind="photo")
    receipts.receipt_evidence_publish(evidence=w.photo, actor=logistics, is_published=True)
    w.receipt_token = receipts.receipt_token_make(receipt)
    w.awaiting = deliver(1000)

    # A draft shipment with one line, a rendered document and a tracking token.
    w.draft = shipment_services.shipment_create(
        city=milan, consignee=w.consignee, created_by=logistics
    )
    line_lot = received_lot(coordinator)
    w.line = shipment_services.shipment_allocate(
        shipment=w.draft, lot=line_lot, quantity=1000, actor=logistics
    )
    clear_compliance(w.draft)
    w.free_lot = received_lot(coordinator)
    w.tracking_token, _secret = tracking.tracking_token_create(
        shipment=w.draft, actor=logistics, label="carrier", valid_days=30
    )
    w.document = factories.ShipmentDocumentFactory(shipment=w.draft)
    form = ShipmentUpdateForm(instance=w.draft)
    w.planning = {
        name: form[name].value() for name in form.fields if form[name].value() is not None
    }
    w.planning["notes"] = "Two pallets, stackable."

    # A need of the Milan hospital, partly matched; the signed links of its contact.
    w.need = donation_services.need_create(
        recipient=w.consignee,
        city=milan,
        actor=coordinator,
        category="respirator_nonmedical",
        quantity=5000,
    )
    w.match = shipment_services.need_match_confirm(
        need=w.need, lot=line_lot, quantity=1000, actor=coordinator
    )
    w.need_values = {
        "category": "respirator_nonmedical",
        "quantity": 3000,
        "priority": 2,
        "needed_by": str(timezone.localdate() + dt.timedelta(days=60)),
        "description": "For the wards",
    }
    w.need_link = need_link_token(contact=w.contact, city=milan)
    w.need_edit_link = need_link_token(contact=w.contact, city=milan, need=w.need)

    w.signup = partner_services.signup_request_create(
        organisation_name="Harbour Relief", contact_name="Ann", email="ann@example.org"
    )
    invited = partner_services.partner_invite(
        organisation=w.org_a, email="ivy@example.org", name="Ivy", actor=coordinator
    )
    w.invite_token = invite_token_make(invited.user)
    w.api_token, _key = api_token_create(
        user=partner, name="partner's scanner", scope="read_only", carrier=None, days=30
    )
    return w


@pytest.fixture
def personas(partner, viewer, coordinator, logistics_officer, compliance_officer, manager):
    return {
        ANONYMOUS: None,
        PARTNER_A: partner,
        PARTNER_B: factories.PartnerUserFactory(username="pab"),
        "viewer": viewer,
        "coordinator": coordinator,
        "logistics": logistics_officer,
        "compliance": compliance_officer,
        "manager": manager,
    }


# --- one cell: a request in a savepoint that is rolled back, every statement captured --------

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


class _RolledBack(Exception):
    pass


def _request(client, method, url, body):
    """The response and the statements that wrote a row (sessions aside), then roll back."""
    cache.clear()  # rate limits count per client address: every cell starts afresh
    cookies = copy.deepcopy(client.cookies)  # a logout or a language choice must not stick
    connection.queries_log.clear()  # a full log (9,000 statements) would capture nothing
    try:
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, body)
            if response.streaming:
                # Read exports and downloads to the end, in the savepoint: their rows are
                # queried as they stream, and the end closes the file without closing the
                # test's database connection.
                b"".join(response.streaming_content)
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        client.cookies = cookies
    writes = [
        q["sql"][:120]
        for q in queries.captured_queries
        if WRITE.match(q["sql"]) and "django_session" not in q["sql"]
    ]
    return response, writes


def _expected(page: Page, persona: str, method: str):
    """(codes, refused): what the cell must answer, and whether it is a refusal."""
    refusal = page.rule.refusal(persona)
    served = page.get if method == "GET" else page.post
    if callable(served):
        served = served(persona)
    if refusal is not None:
        # Whether the method check or the rule answers first depends on the decorators' order.
        return ({refusal} if served is not None else {refusal, 405}), True
    return ({served} if served is not None else {405}), False


def _answer(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login") + "?"):
        return LOGIN
    return response.status_code


def _urls(page: Page, name: str, w) -> list[str]:
    variants = page.variants(w) if page.variants else [page.args(w)]
    return [reverse(name, kwargs=kwargs) + page.query(w) for kwargs in variants]


@override_settings(NEEDS_BOARD_PUBLIC=False)
def test_every_page_answers_every_persona_as_its_rule_says(client, world, personas):
    failures = []
    for persona, user in personas.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for name, page in PAGES.items():
            for url in _urls(page, name, world):
                for method in ("GET", "POST"):
                    expected, refused = _expected(page, persona, method)
                    cell = f"{persona:<11} {method:<4} {url} ({page.rule})"
                    try:
                        response, writes = _request(client, method, url, page.body(world))
                    except Exception as error:  # noqa: BLE001 - a 500: report every cell
                        failures.append(f"{cell}: raised {type(error).__name__}: {error}")
                        continue
                    answer = _answer(response)
                    if answer not in expected:
                        failures.append(f"{cell}: {answer}, expected {sorted(map(str, expected))}")
                    elif refused or method == "GET" or answer == 405:
                        if writes:
                            failures.append(f"{cell}: answered {answer} but wrote {writes}")
                    elif page.writes and not writes:
                        failures.append(f"{cell}: allowed, but its POST wrote nothing")
    assert not failures, f"{len(failures)} cells:\n" + "\n".join(failures)
