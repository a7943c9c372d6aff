"""Pages of the intake: the public offer form and import, the partner area, staff review and intake.

Each view states who may use it; state changes go through ``donations.services``.
"""

import functools
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sfiec.decorators import action_required, partner_required, staff_required
from sfiec.exceptions import DomainError
from sfiec.roles import Role, user_has_role
from sfiec.throttling import rate_limit
from sfiec.uploads import download_response, request_too_large, upload_batch_check

from . import imports, selectors, services
from .forms import (
    LOT_VALUE_FIELDS,
    DecisionForm,
    IntakeForm,
    LotForm,
    LotFormSet,
    OfferFilterForm,
    OfferForm,
    OfferImportForm,
    WithdrawForm,
)
from .models import DonationOffer, MaterialLot

SESSION_OFFERS = "intake_submitted_offers"
SESSION_IMPORTS = "intake_import_previews"
RATE_TEMPLATE = "donations/rate_limited.html"


def _evaluate_url() -> str:
    """The compliance what-if endpoint, if the compliance app provides it."""
    try:
        return reverse("api:compliance-evaluate")
    except NoReverseMatch:
        return ""


def _is_final_submit(request) -> bool:
    return not ({"add_lot", "remove_lot"} & set(request.POST))


def _new_key() -> str:
    return secrets.token_hex(16)


def _remember_offer(request, offer: DonationOffer) -> None:
    references = request.session.get(SESSION_OFFERS, [])[-19:]
    request.session[SESSION_OFFERS] = [*references, offer.reference]


def _lot_rows_from_post(data, *, drop: int | None = None, add: bool = False) -> LotFormSet:
    """Rebuild the lots of a posted form as an unbound formset, one row more or less.

    Lets "Add a lot" / "Remove" work without JavaScript, without showing errors yet.
    """
    try:
        total = min(int(data.get("lots-TOTAL_FORMS", 1)), LotFormSet.max_num)
    except ValueError:
        total = 1
    names = [*LOT_VALUE_FIELDS, "certificate_kind"]
    rows = [
        {name: data.get(f"lots-{index}-{name}", "") for name in names}
        for index in range(total)
        if index != drop and data.get(f"lots-{index}-DELETE") not in ("on", "True", "true")
    ]
    if add or not rows:
        rows.append({})
    return LotFormSet(prefix="lots", initial=rows[: LotFormSet.max_num])


def _files_to_reattach(request) -> list[dict]:
    """The files the browser sent, by lot: after an error they must be chosen again."""
    labels = {name: LotForm.base_fields[name].label for name in LotForm.FILE_FIELDS}
    found = []
    for key in sorted(request.FILES):
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "lots" and parts[2] in labels and parts[1].isdigit():
            names = [upload.name for upload in request.FILES.getlist(key)]
            found.append({"lot": int(parts[1]) + 1, "field": labels[parts[2]], "names": names})
    return found


def _body_capped(view):
    """Refuse a body over the request cap before anything reads it (the proxy caps it too)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and request_too_large(request):
            return _too_large(request)
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@_body_capped
@rate_limit("offer_submit", template=RATE_TEMPLATE, when=_is_final_submit)
def offer_new(request):
    """Public: anyone may offer a donation; a signed-in partner offers for its organisation."""
    user = request.user if request.user.is_authenticated else None
    context = {"evaluate_url": _evaluate_url(), "reattach": [], "batch_errors": []}
    if request.method == "GET":
        form = OfferForm(user=user, initial={"submission_key": _new_key()})
        formset = LotFormSet(prefix="lots")
    else:
        form = OfferForm(request.POST, user=user)
        if not _is_final_submit(request):
            drop = request.POST.get("remove_lot")
            formset = _lot_rows_from_post(
                request.POST,
                drop=int(drop) if drop and drop.isdigit() else None,
                add="add_lot" in request.POST,
            )
            form = OfferForm(user=user, initial=_form_initial(request.POST, form))
            context["reattach"] = _files_to_reattach(request)
            return render(
                request, "donations/offer_form.html", {**context, "form": form, "formset": formset}
            )
        if form.is_bot():
            # Answer a bot as if it had worked; it learns nothing and nothing is saved.
            return render(request, "donations/offer_thanks.html", {"offer": None})
        formset = LotFormSet(request.POST, request.FILES, prefix="lots")
        response = _offer_submit(request, form, formset, context, user)
        if response is not None:
            return response
    return render(
        request, "donations/offer_form.html", {**context, "form": form, "formset": formset}
    )


def _form_initial(data, form) -> dict:
    return {name: data.get(name, "") for name in form.fields if name != "website"}


def _offer_submit(request, form, formset, context, user):
    try:
        upload_batch_check(upload for key in request.FILES for upload in request.FILES.getlist(key))
    except ValidationError as error:
        context["batch_errors"] = error.messages
    if form.is_valid() and formset.is_valid() and not context["batch_errors"]:
        try:
            offer, _created = services.offer_submit(
                user=user,
                donor=form.donor_values(),
                lots=[
                    {"values": lot.lot_values(), "attachments": lot.attachments()}
                    for lot in formset.live_forms()
                ],
                preferred_city=form.cleaned_data["preferred_city"],
                notes=form.cleaned_data["notes"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            _remember_offer(request, offer)
            return redirect("donations:offer-thanks", reference=offer.reference)
    context["reattach"] = _files_to_reattach(request)
    return None


def _too_large(request):
    return render(
        request,
        "donations/too_large.html",
        {"max_bytes": settings.UPLOAD_MAX_REQUEST_BYTES},
        status=413,
    )


@require_GET
def offer_thanks(request, reference):
    """Public, but only the browser session that submitted the offer sees its confirmation."""
    if reference not in request.session.get(SESSION_OFFERS, []):
        raise Http404
    offer = DonationOffer.objects.select_related("contact").get(reference=reference)
    return render(request, "donations/offer_thanks.html", {"offer": offer})


# --- spreadsheet import -------------------------------------------------------------------


@require_GET
def import_template(request, fmt):
    """Public: the empty import template as .xlsx or .csv."""
    if fmt == "xlsx":
        content = imports.template_xlsx()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, content_type = imports.template_csv(), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="sfiec-offer-template.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _import_key(token: str) -> str:
    return f"offer-import:{token}"


@require_http_methods(["GET", "POST"])
@_body_capped
@rate_limit("offer_submit", template=RATE_TEMPLATE)
def offer_import(request):
    """Public: upload a filled-in template and see every row's errors before anything is saved."""
    user = request.user if request.user.is_authenticated else None
    if request.method == "GET":
        form = OfferImportForm(user=user, initial={"submission_key": _new_key()})
        return render(request, "donations/offer_import.html", {"form": form})
    form = OfferImportForm(request.POST, request.FILES, user=user)
    if form.is_bot():
        return render(request, "donations/offer_thanks.html", {"offer": None})
    if not form.is_valid():
        return render(request, "donations/offer_import.html", {"form": form})
    started = time.monotonic()
    try:
        rows = imports.rows_read(form.cleaned_data["spreadsheet"])
    except ValidationError as error:
        form.add_error("spreadsheet", error.messages)
        return render(request, "donations/offer_import.html", {"form": form})
    lots, errors = imports.rows_check(rows)
    token = form.cleaned_data["submission_key"]
    if not errors:
        # Raw rows wait in the cache for the confirmation; they are checked again then.
        cache.set(
            _import_key(token),
            {
                "rows": rows,
                "donor": form.donor_values(),
                "city": getattr(form.cleaned_data["preferred_city"], "pk", None),
                "notes": form.cleaned_data["notes"],
                "user": getattr(user, "pk", None),
            },
            timeout=settings.OFFER_IMPORT_PREVIEW_SECONDS,
        )
        # Only this browser session may confirm the preview.
        request.session[SESSION_IMPORTS] = [*request.session.get(SESSION_IMPORTS, [])[-4:], token]
    context = {
        "form": form,
        "rows": rows[:20],
        "row_count": len(rows),
        "lots": lots[:20],
        "errors": errors,
        "error_rows": len({error.row for error in errors}),
        "token": token,
        "seconds": round(time.monotonic() - started, 2),
    }
    return render(request, "donations/offer_import_preview.html", context)


@require_POST
@rate_limit("offer_submit", template=RATE_TEMPLATE)
def offer_import_confirm(request):
    """Public, with the token of a preview made by the same user: save the whole offer."""
    from partners.models import SisterCity

    token = request.POST.get("token", "")
    mine = token in request.session.get(SESSION_IMPORTS, [])
    pending = cache.get(_import_key(token)) if mine else None
    user = request.user if request.user.is_authenticated else None
    if pending is None or pending["user"] != getattr(user, "pk", None):
        existing = DonationOffer.objects.filter(submission_key=token).first() if token else None
        if existing is not None and existing.reference in request.session.get(SESSION_OFFERS, []):
            return redirect("donations:offer-thanks", reference=existing.reference)
        messages.error(request, _("This preview has expired; please upload the spreadsheet again."))
        return redirect("donations:offer-import")
    lots, errors = imports.rows_check([tuple(row) for row in pending["rows"]])
    if errors:
        messages.error(request, _("The rows are no longer valid; please upload them again."))
        return redirect("donations:offer-import")
    try:
        offer, _created = services.offer_submit(
            user=user,
            donor=pending["donor"],
            lots=[{"values": values} for values in lots],
            preferred_city=SisterCity.objects.filter(pk=pending["city"]).first(),
            notes=pending["notes"],
            submission_key=token,
        )
    except (ValidationError, DomainError) as error:
        messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
        return redirect("donations:offer-import")
    cache.delete(_import_key(token))
    _remember_offer(request, offer)
    return redirect("donations:offer-thanks", reference=offer.reference)


# --- partner area -------------------------------------------------------------------------


def _offer_or_404(user, reference):
    try:
        return selectors.offer_get(user=user, reference=reference)
    except DonationOffer.DoesNotExist:
        raise Http404 from None


@partner_required
@require_GET
def partner_offer_list(request):
    """Partners: their organisation's offers."""
    offers = selectors.offer_list(user=request.user)
    page = Paginator(offers, 25).get_page(request.GET.get("page"))
    return render(request, "donations/partner_offer_list.html", {"page": page})


@partner_required
@require_GET
def partner_offer_detail(request, reference):
    """Partners: one of their organisation's offers, its lots and the decision with its reason."""
    offer = _offer_or_404(request.user, reference)
    return render(
        request,
        "donations/partner_offer_detail.html",
        {"offer": offer, "withdraw_form": WithdrawForm(), "can_withdraw": _can_withdraw(offer)},
    )


def _can_withdraw(offer) -> bool:
    return offer.status in selectors.OPEN_STATUSES


@partner_required
@require_POST
def partner_offer_withdraw(request, reference):
    """Partners: withdraw one of their offers that has not been decided yet."""
    offer = _offer_or_404(request.user, reference)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.offer_withdraw(offer=offer, actor=request.user, reason=reason)
        messages.success(request, _("Offer %s withdrawn.") % offer.reference)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("donations:partner-offer-detail", reference=offer.reference)


# --- staff review and intake --------------------------------------------------------------


@staff_required
@require_GET
def review_queue(request):
    """Staff: offers to review, oldest first, with filters."""
    filters = OfferFilterForm(request.GET or {"status": "open"})
    criteria = filters.cleaned_data if filters.is_valid() else {"status": "open"}
    offers = selectors.offer_review_queue(
        user=request.user,
        status=criteria.get("status", "open"),
        city=criteria.get("city"),
        category=criteria.get("category", ""),
        q=criteria.get("q", ""),
    )
    page = Paginator(offers, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "donations/review_queue.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@staff_required
@require_GET
def review_detail(request, reference):
    """Staff: an offer with its lots and attachment previews; coordinators decide here."""
    offer = _offer_or_404(request.user, reference)
    return render(
        request,
        "donations/review_detail.html",
        {
            "offer": offer,
            "can_decide": offer.status in selectors.OPEN_STATUSES
            and user_has_role(request.user, Role.COORDINATOR),
            "can_intake": offer.status == DonationOffer.Status.ACCEPTED
            and user_has_role(request.user, Role.COORDINATOR),
            "accept_form": DecisionForm(initial={"decision": "accept"}, prefix="accept"),
            "decline_form": DecisionForm(initial={"decision": "decline"}, prefix="decline"),
        },
    )


@action_required("offer.review")
@require_POST
def review_decide(request, reference):
    """Coordinators: accept or decline an offer with a reason the partner is told."""
    offer = _offer_or_404(request.user, reference)
    prefix = "decline" if "decline-decision" in request.POST else "accept"
    form = DecisionForm(request.POST, prefix=prefix)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("donations:review-detail", reference=reference)
    try:
        services.offer_decide(
            offer=offer,
            actor=request.user,
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Decision recorded; the partner has been told."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("donations:review-detail", reference=reference)


@action_required("lot.receive")
@require_http_methods(["GET", "POST"])
def lot_intake(request, reference):
    """Coordinators: record a lot's arrival and inspection at the warehouse."""
    lot = _lot_or_404(request.user, reference)
    form = IntakeForm(request.POST or None, request.FILES or None, lot=lot)
    if request.method == "POST" and form.is_valid():
        try:
            services.lot_intake(
                lot=lot,
                actor=request.user,
                result=form.cleaned_data["result"],
                quantity_received=form.cleaned_data.get("quantity_received") or 0,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Intake of %s recorded.") % lot.reference)
            return redirect("donations:review-detail", reference=lot.offer.reference)
    return render(request, "donations/lot_intake.html", {"lot": lot, "form": form})


def _lot_or_404(user, reference) -> MaterialLot:
    lot = selectors.lot_list(user=user).filter(reference=reference).first()
    if lot is None:
        raise Http404
    return lot


@require_GET
def attachment_download(request, pk):
    """Signed-in staff, or the partner whose organisation owns the lot; anyone else gets 404."""
    if not request.user.is_authenticated:
        raise Http404
    attachment = selectors.attachment_list(user=request.user).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return download_response(
        attachment.file,
        filename=attachment.original_name or attachment.file.name.rsplit("/", 1)[-1],
        content_type=attachment.content_type,
    )
