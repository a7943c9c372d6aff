"""The staff shipment workspace: list, create, plan, allocate, move and track shipments.

Any staff member reads every page; logistics officers and managers write (``action_required``
answers 403 to anyone else, anonymous users go to the login page). State changes go through
``shipments.services`` and ``shipments.tracking``; their refusals are shown beside the form.
"""

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from donations.models import MaterialLot
from partners.models import SisterCity
from sfiec.decorators import action_required, staff_required
from sfiec.exceptions import DomainError
from sfiec.roles import user_may

from . import selectors, services, tracking
from .forms import (
    LineAddForm,
    LotSearchForm,
    MoveForm,
    ShipmentCreateForm,
    ShipmentFilter,
    ShipmentUpdateForm,
    TrackingTokenForm,
)
from .models import Shipment, ShipmentLine, TrackingToken
from .workflows import CANCELLABLE, EDITABLE_STATUSES, SHIPMENT_WORKFLOW

PAGE_SIZE = 25


def _to_detail(reference: str, section: str):
    return redirect(reverse("shipments:detail", args=[reference]) + f"#{section}")


def _shipment_or_404(reference: str) -> Shipment:
    shipment = selectors.shipment_get_by_reference(reference=reference)
    if shipment is None:
        raise Http404
    return shipment


def _refused(form) -> int:
    """409 when a service refused the change, 400 when the input itself was incomplete."""
    return 409 if getattr(form, "refused", False) else 400


def _show_refusal(form, error: Exception) -> None:
    """Put a service's refusal on the form: beside the field it names, else above the form."""
    form.refused = True
    fields = getattr(error, "error_dict", None)
    if fields and set(fields) <= set(form.fields):
        form.add_error(None, error)
    elif isinstance(error, DomainError):
        form.add_error(None, error.message)
    else:
        form.add_error(None, " ".join(error.messages))


@staff_required
@require_GET
def shipment_list(request):
    """Staff: every shipment, filtered by city, status, mode and departure dates."""
    filters = ShipmentFilter(request.GET or None, queryset=selectors.shipment_overview())
    shipments = filters.qs if filters.is_bound and filters.is_valid() else filters.queryset
    page = Paginator(shipments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "shipments/shipment_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_write": user_may(request.user, "shipment.plan"),
        },
    )


@action_required("shipment.plan")
@require_http_methods(["GET", "POST"])
def shipment_create(request):
    """Logistics officers: open a draft shipment to a sister city (chosen first, in the URL)."""
    city = SisterCity.objects.filter(slug=request.GET.get("city", ""), is_active=True).first()
    if city is None:
        cities = SisterCity.objects.filter(is_active=True).order_by("name")
        return render(request, "shipments/shipment_create.html", {"cities": cities})
    form = ShipmentCreateForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        try:
            shipment = services.shipment_create(
                city=city,
                consignee=form.cleaned_data["consignee"],
                created_by=request.user,
                **form.values(),
            )
        except (DomainError, ValidationError) as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("Shipment %s opened.") % shipment.reference)
            return redirect("shipments:detail", reference=shipment.reference)
    return render(request, "shipments/shipment_create.html", {"city": city, "form": form})


@action_required("shipment.plan")
@require_http_methods(["GET", "POST"])
def shipment_edit(request, reference):
    """Logistics officers: change mode, carrier, dates and freight until the goods leave."""
    shipment = _shipment_or_404(reference)
    form = ShipmentUpdateForm(request.POST or None, instance=shipment)
    if request.method == "POST" and form.is_valid():
        try:
            services.shipment_update(
                shipment=_shipment_or_404(reference), actor=request.user, **form.values()
            )
        except (DomainError, ValidationError) as error:
            _show_refusal(form, error)
        else:
            messages.success(request, _("Shipment %s updated.") % reference)
            return redirect("shipments:detail", reference=reference)
    return render(request, "shipments/shipment_edit.html", {"shipment": shipment, "form": form})


def _detail(request, shipment, *, line_form=None, line_lot=None, move_form=None, status=200):
    """Render the shipment page; a refused POST passes its bound form to show the errors."""
    can_write = user_may(request.user, "shipment.transition")
    is_draft = shipment.status in EDITABLE_STATUSES
    search = LotSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else request.POST.get("q", "")
    rows = selectors.shipment_lines(shipment=shipment)
    totals = selectors.shipment_totals(rows=rows)
    moves = []
    if can_write:
        for target in sorted(SHIPMENT_WORKFLOW.allowed(shipment.status), key=_move_order):
            form = move_form if move_form and move_form.move_target == target else None
            moves.append({"form": form or MoveForm(target=target), "label": _label(target)})
    receipt, evidence = selectors.shipment_receipt(shipment=shipment)
    context = {
        "shipment": shipment,
        "can_write": can_write,
        "can_edit": can_write and shipment.status in CANCELLABLE,
        "can_allocate": can_write and is_draft,
        "rows": rows,
        "totals": totals,
        "cost_per_kg": selectors.shipment_cost_per_kg(shipment=shipment, totals=totals),
        "search": search if search.is_bound else LotSearchForm(initial={"q": q}),
        "q": q,
        "lots": selectors.lots_allocatable(shipment=shipment, q=q)
        if can_write and is_draft
        else [],
        "line_form": line_form,
        "line_lot": line_lot,
        "moves": moves,
        "events": selectors.shipment_events(shipment=shipment),
        "tokens": shipment.tracking_tokens.select_related("created_by", "revoked_by"),
        "token_form": TrackingTokenForm(),
        "receipt": receipt,
        "evidence": evidence,
        "receipt_url": reverse("shipments:receipt-detail", args=[shipment.reference])
        if receipt
        else "",
    }
    return render(request, "shipments/shipment_detail.html", context, status=status)


def _label(target: str) -> str:
    return str(SHIPMENT_WORKFLOW.labels[target])


def _move_order(target: str) -> tuple[int, str]:
    # Forward moves first, cancelling and stepping back last.
    return (target in ("cancelled", "draft"), target)


@staff_required
@require_GET
def shipment_detail(request, reference):
    """Staff: the whole flow of one shipment, from lots and checks to receipt and evidence."""
    return _detail(request, _shipment_or_404(reference))


@action_required("shipment.allocate")
@require_http_methods(["GET", "POST"])
def shipment_line_add(request, reference):
    """Logistics officers: allocate part of an available lot, in cartons, to a draft shipment.

    A refused line is shown at this URL; reloading it (a GET) goes back to the lines.
    """
    shipment = _shipment_or_404(reference)
    if request.method == "GET":
        return _to_detail(reference, "add-lines")
    form = LineAddForm(request.POST)
    lot = None
    if form.is_valid():
        lot = MaterialLot.objects.filter(pk=form.cleaned_data["lot"]).first()
        if lot is None:
            form.add_error(None, _("This lot no longer exists."))
    if form.is_valid() and lot is not None:
        quantity = form.cleaned_data["quantity"]
        cartons = form.cleaned_data["cartons"]
        if cartons is None:
            cartons = selectors.lot_cartons_for(lot=lot, quantity=quantity)
        try:
            services.shipment_allocate(
                shipment=shipment, lot=lot, quantity=quantity, cartons=cartons, actor=request.user
            )
        except (DomainError, ValidationError) as error:
            _show_refusal(form, error)
        else:
            messages.success(
                request,
                _("%(quantity)s units of %(lot)s added in %(cartons)s cartons.")
                % {
                    "quantity": intcomma(quantity),
                    "lot": lot.reference,
                    "cartons": intcomma(cartons),
                },
            )
            return _to_detail(reference, "lines")
    return _detail(request, shipment, line_form=form, line_lot=lot, status=_refused(form))


@action_required("shipment.deallocate")
@require_POST
def shipment_line_remove(request, reference, pk):
    """Logistics officers: take a line off a draft shipment; its units become available again."""
    shipment = _shipment_or_404(reference)
    line = get_object_or_404(ShipmentLine, pk=pk, shipment=shipment, released_at=None)
    try:
        services.shipment_deallocate(line=line, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Line of %s removed.") % line.lot.reference)
    return redirect("shipments:detail", reference=reference)


@action_required("shipment.transition")
@require_http_methods(["GET", "POST"])
def shipment_move(request, reference):
    """Logistics officers: move the shipment to another status; each move is a tracking event.

    A refused move is shown at this URL; reloading it (a GET) goes back to the status.
    """
    shipment = _shipment_or_404(reference)
    if request.method == "GET":
        return _to_detail(reference, "status")
    target = request.POST.get("target", "")
    if target not in SHIPMENT_WORKFLOW.labels:
        raise Http404
    form = MoveForm(request.POST, target=target)
    if form.is_valid():
        try:
            services.shipment_transition(
                shipment=shipment, target=target, actor=request.user, **form.values()
            )
        except (DomainError, ValidationError) as error:
            _show_refusal(form, error)
        else:
            messages.success(
                request,
                _("%(reference)s is now “%(status)s”.")
                % {"reference": reference, "status": shipment.get_status_display()},
            )
            return _to_detail(reference, "tracking")
    if target not in SHIPMENT_WORKFLOW.allowed(shipment.status):
        # The form is no longer on the page (another tab moved it): say so at the top.
        messages.error(request, " ".join(form.non_field_errors()))
    return _detail(request, shipment, move_form=form, status=_refused(form))


@action_required("shipment.transition")
@require_POST
def tracking_token_create(request, reference):
    """Logistics officers: make a tracking token for this shipment; its secret is shown once."""
    shipment = _shipment_or_404(reference)
    form = TrackingTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("shipments:detail", reference=reference)
    try:
        token, secret = tracking.tracking_token_create(
            shipment=shipment,
            actor=request.user,
            label=form.cleaned_data["label"],
            valid_days=form.cleaned_data["valid_days"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("shipments:detail", reference=reference)
    response = render(
        request,
        "shipments/tracking_token_created.html",
        {"shipment": shipment, "token": token, "secret": secret},
    )
    response["Cache-Control"] = "no-store"
    return response


@action_required("shipment.transition")
@require_POST
def tracking_token_revoke(request, reference, pk):
    """Logistics officers: revoke a tracking token of this shipment at once."""
    shipment = _shipment_or_404(reference)
    token = get_object_or_404(TrackingToken, pk=pk, shipment=shipment)
    tracking.tracking_token_revoke(token=token, actor=request.user)
    messages.success(request, _("Tracking token “%s” revoked.") % token.label)
    return redirect("shipments:detail", reference=reference)
