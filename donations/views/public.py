"""Public pages: the offer form and the spreadsheet import, for anyone.

A signed-in partner offers for its own organisation; everyone else offers as a stranger, and the
submitting browser session alone sees its confirmation.
"""

import functools
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sfiec.choices import Category, Unit
from sfiec.exceptions import DomainError
from sfiec.throttling import rate_limit
from sfiec.uploads import request_too_large, upload_batch_check

from .. import imports, services
from ..forms import (
    LOT_VALUE_FIELDS,
    LotForm,
    LotFormSet,
    OfferForm,
    OfferImportForm,
    city_label,
    standard_label,
)
from ..models import DonationOffer, Need

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
        initial, lot_initial = {"submission_key": _new_key()}, None
        need = _need_from_query(request)
        if need is not None:
            context["need"] = need
            initial.update(need=need.pk, preferred_city=need.city_id)
            lot_initial = [
                {"category": need.category, "standard": _first_slug(need.accepted_standards.all())}
            ]
            try:
                services.offers_paused_check(need=need)
            except DomainError as error:
                context["need_refused"] = error.message
        form = OfferForm(user=user, initial=initial)
        formset = LotFormSet(prefix="lots", initial=lot_initial)
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


def _need_from_query(request) -> Need | None:
    need_id = request.GET.get("need", "")
    if not need_id.isdigit():
        return None
    return Need.objects.select_related("city").filter(pk=int(need_id)).first()


def _first_slug(queryset):
    first = queryset.order_by("slug").first()
    return first.slug if first else None


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
                need=form.cleaned_data.get("need"),
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
    token = form.cleaned_data["submission_key"]
    try:
        preview = services.offer_import_preview(
            spreadsheet=form.cleaned_data["spreadsheet"],
            token=token,
            donor=form.donor_values(),
            preferred_city=form.cleaned_data["preferred_city"],
            notes=form.cleaned_data["notes"],
            user=user,
        )
    except ValidationError as error:
        form.add_error("spreadsheet", error.messages)
        return render(request, "donations/offer_import.html", {"form": form})
    if not preview.errors:
        # Only this browser session may confirm the preview.
        request.session[SESSION_IMPORTS] = [*request.session.get(SESSION_IMPORTS, [])[-4:], token]
    context = {
        "form": form,
        "rows": _preview_rows(preview)[:20],
        "row_count": len(preview.rows),
        "lots": preview.lots[:20],
        "errors": preview.errors,
        "error_rows": preview.error_rows,
        "city": city_label(form.cleaned_data["preferred_city"]),
        "token": token,
        "seconds": preview.seconds,
    }
    return render(request, "donations/offer_import_preview.html", context)


def _preview_rows(preview) -> list[dict]:
    """The valid rows as people read them: labels, never codes."""
    if preview.errors:
        return []
    return [
        {
            "row": number,
            "category": Category(lot["category"]).label,
            "standard": standard_label(lot["standard"]),
            "product": lot["product"],
            "quantity": lot["quantity_offered"],
            "unit": Unit(lot["unit"]).label,
            "expires_on": lot["expires_on"],
            "is_manufacturer_whitelisted": lot["is_manufacturer_whitelisted"],
        }
        for (number, _raw), lot in zip(preview.rows, preview.lots, strict=True)
    ]


@require_POST
@rate_limit("offer_submit", template=RATE_TEMPLATE)
def offer_import_confirm(request):
    """Public, with the token of a preview made by the same user: save the whole offer."""
    token = request.POST.get("token", "")
    user = request.user if request.user.is_authenticated else None
    # Only the browser session that made the preview may confirm it.
    mine = token in request.session.get(SESSION_IMPORTS, [])
    try:
        offer = services.offer_import_confirm(token=token if mine else "", user=user)
    except services.ImportPreviewExpired as error:
        existing = DonationOffer.objects.filter(submission_key=token).first() if token else None
        if existing is not None and existing.reference in request.session.get(SESSION_OFFERS, []):
            return redirect("donations:offer-thanks", reference=existing.reference)
        messages.error(request, error.message)
        return redirect("donations:offer-import")
    except (ValidationError, DomainError) as error:
        messages.error(request, getattr(error, "message", None) or "; ".join(error.messages))
        return redirect("donations:offer-import")
    _remember_offer(request, offer)
    return redirect("donations:offer-thanks", reference=offer.reference)
