"""Pages of the needs board (partners; anyone with NEEDS_BOARD_PUBLIC) and of staff matching."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from donations import services as donation_services
from donations.models import MaterialLot, Need
from donations.services import NEED_FIELDS, NEED_OPEN_STATUSES
from partners.models import Contact, Organisation, SisterCity
from sfiec.choices import Category
from sfiec.decorators import action_required, role_required
from sfiec.exceptions import DomainError
from sfiec.roles import Role, user_is_staff_member, user_may
from standards.models import Standard

from . import selectors, services
from .models import NeedMatch

ANY_STAFF = tuple(Role.values)


def _standard_words(standard: Standard) -> str:
    if (get_language() or "").startswith("zh") and standard.title_zh:
        return standard.title_zh
    return standard.title


@require_GET
def need_board(request):
    """Partners signed in, staff, or anyone when NEEDS_BOARD_PUBLIC: the open needs by city and
    category, with what is still unmet."""
    user = request.user
    if not (
        settings.NEEDS_BOARD_PUBLIC
        or hasattr(user, "partner_membership")
        or user_is_staff_member(user)
    ):
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    needs = selectors.need_list(statuses=NEED_OPEN_STATUSES).filter(quantity_unmet__gt=0)
    city = request.GET.get("city", "")
    category = request.GET.get("category", "")
    if city:
        needs = needs.filter(city__slug=city)
    if category:
        needs = needs.filter(category=category)
    rows = [
        {
            "need": need,
            "standards": [_standard_words(s) for s in need.accepted_standards.all()],
            "paused": need.city.offers_paused,
        }
        for need in needs
    ]
    return render(
        request,
        "needs/board.html",
        {
            "rows": rows,
            "cities": SisterCity.objects.filter(is_active=True).order_by("name"),
            "categories": Category.choices,
            "city": city,
            "category": category,
        },
    )


class NeedForm(forms.Form):
    recipient = forms.ModelChoiceField(
        label=_("Recipient"),
        queryset=Organisation.objects.filter(kind=Organisation.Kind.RECIPIENT, is_active=True),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    # The largest quantity every database holds (PostgreSQL's integer).
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=2_147_483_647)
    accepted_standards = forms.ModelMultipleChoiceField(
        label=_("Accepted standards"), queryset=Standard.objects.all(), required=False
    )
    needed_by = forms.DateField(
        label=_("Needed by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=Need._meta.get_field("priority").choices, initial=3
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args, city=None, **kwargs):
        super().__init__(*args, **kwargs)
        if city is not None:
            self.fields["recipient"].queryset = self.fields["recipient"].queryset.filter(city=city)


def _model_errors_on(form, error: ValidationError) -> None:
    """A model's validation errors beside the form's fields they name, else above the form."""
    fields = getattr(error, "error_dict", None)
    if fields and set(fields) <= set(form.fields):
        form.add_error(None, error)
    else:
        form.add_error(None, " ".join(error.messages))


def _refuse_input(request, form) -> None:
    """Put a malformed form's errors in the messages, each after its field's label."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@require_GET
@role_required(*ANY_STAFF)
def staff_need_list(request):
    """Any staff member: every need with its unmet quantity."""
    return _staff_list_page(request)


def _staff_list_page(request, status=200):
    return render(
        request,
        "needs/staff_list.html",
        {
            "needs": selectors.need_list(),
            "cities": SisterCity.objects.filter(is_active=True),
            "contacts": Contact.objects.filter(
                organisation__kind=Organisation.Kind.RECIPIENT, organisation__city__isnull=False
            ).select_related("organisation__city"),
            "may_change": user_may(request.user, "need.change"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@action_required("need.change")
def staff_need_new(request, city_slug):
    """Coordinators (and managers): record a need on a sister city's behalf."""
    city = get_object_or_404(SisterCity, slug=city_slug)
    form = NeedForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in NEED_FIELDS}
        try:
            need = donation_services.need_create(
                recipient=form.cleaned_data["recipient"],
                city=city,
                accepted_standards=form.cleaned_data["accepted_standards"],
                actor=request.user,
                **values,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            _model_errors_on(form, error)
        else:
            messages.success(request, _("The need was recorded."))
            return redirect("needs:staff-detail", pk=need.pk)
    return render(request, "needs/staff_form.html", {"form": form, "city": city})


@require_GET
@role_required(*ANY_STAFF)
def staff_need_detail(request, pk):
    """Any staff member: a need, its candidate lots (best first) and its matches."""
    return _staff_detail_page(request, pk)


def _staff_detail_page(request, pk, status=200):
    need = get_object_or_404(selectors.need_list(), pk=pk)
    return render(
        request,
        "needs/staff_detail.html",
        {
            "need": need,
            "candidates": list(selectors.need_candidates(need=need)),
            "matches": selectors.need_matches(need),
            "rank_unchecked": selectors.RANK_UNCHECKED,
            "labels": selectors.RANK_LABELS,
            "may_match": user_may(request.user, "need.match"),
            "may_change": user_may(request.user, "need.change"),
        },
        status=status,
    )


class ConfirmForm(forms.Form):
    lot = forms.IntegerField(label=_("Lot"), min_value=1)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        required=False,
    )
    # What the page showed as matched: a second click, or a colleague's confirmation since,
    # is refused instead of reserving twice.
    matched_seen = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)


@require_POST
@action_required("need.match")
def staff_need_confirm(request, pk):
    """Coordinators and logistics officers (and managers): reserve a lot for the need."""
    need = get_object_or_404(Need, pk=pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        _refuse_input(request, form)
        return _staff_detail_page(request, pk, status=400)
    lot = get_object_or_404(MaterialLot, pk=form.cleaned_data["lot"])
    try:
        services.need_match_confirm(
            need=need,
            lot=lot,
            quantity=form.cleaned_data["quantity"],
            actor=request.user,
            matched_seen=form.cleaned_data["matched_seen"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The match was confirmed and the quantity reserved."))
    return redirect("needs:staff-detail", pk=pk)


@require_POST
@action_required("need.match")
def staff_need_release(request, pk, match_pk):
    """Coordinators and logistics officers (and managers): give a reservation back."""
    match = get_object_or_404(NeedMatch, pk=match_pk, need_id=pk)
    services.need_match_release(
        match=match, actor=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("The reservation was released."))
    return redirect("needs:staff-detail", pk=pk)


@require_POST
@action_required("need.change")
def staff_need_transition(request, pk):
    """Coordinators (and managers): pause, resume or close a need."""
    need = get_object_or_404(Need, pk=pk)
    target = request.POST.get("status", "")
    if target not in (Need.Status.OPEN, Need.Status.PAUSED, Need.Status.CLOSED):
        raise PermissionDenied
    try:
        donation_services.need_transition(need=need, actor=request.user, target=target)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("needs:staff-detail", pk=pk)


# --- a recipient contact records needs through a signed link ---------------------------------


class RecipientNeedForm(NeedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["recipient"]
        del self.fields["notes"]


@require_http_methods(["GET", "POST"])
def recipient_need_record(request, city_slug, token, need_pk=None):
    """Anyone holding a valid signed link for this city (and need, if the link names one):
    record a new need, or correct the one the link was made for. No account."""
    from django.db import IntegrityError

    from donations.need_links import NeedLinkRefused, need_link_read

    city = get_object_or_404(SisterCity, slug=city_slug)
    try:
        claims = need_link_read(token, city=city, need_id=need_pk)
    except NeedLinkRefused:
        return render(request, "needs/link_refused.html", status=403)
    recipient = get_object_or_404(Organisation, pk=claims["o"])
    need = get_object_or_404(Need, pk=need_pk, city=city, recipient=recipient) if need_pk else None
    initial = None
    if need is not None:
        initial = {name: getattr(need, name) for name in NEED_FIELDS}
        initial["accepted_standards"] = list(need.accepted_standards.all())
    form = RecipientNeedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in NEED_FIELDS if name != "notes"}
        try:
            if need is None:
                need = donation_services.need_create(
                    recipient=recipient,
                    city=city,
                    accepted_standards=form.cleaned_data["accepted_standards"],
                    link_nonce=claims["x"],
                    **values,
                )
            else:
                donation_services.need_update(
                    need=need,
                    accepted_standards=form.cleaned_data["accepted_standards"],
                    **values,
                )
        except DomainError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            _model_errors_on(form, error)
        except IntegrityError:
            form.add_error(None, _("This link was already used."))
        else:
            return render(request, "needs/link_thanks.html", {"need": need, "city": city})
    return render(
        request, "needs/link_form.html", {"form": form, "city": city, "recipient": recipient}
    )


class LinkSendForm(forms.Form):
    contact = forms.IntegerField(label=_("Contact"), min_value=1)


@require_POST
@action_required("need.change")
def staff_need_link_send(request, city_slug):
    """Coordinators (and managers): email a recipient contact a signed link to record a need."""
    from .tasks import need_link_send_task

    city = get_object_or_404(SisterCity, slug=city_slug)
    form = LinkSendForm(request.POST)
    if not form.is_valid():
        _refuse_input(request, form)
        return _staff_list_page(request, status=400)
    contact = get_object_or_404(
        Contact,
        pk=form.cleaned_data["contact"],
        organisation__city=city,
        organisation__kind=Organisation.Kind.RECIPIENT,
    )
    from sfiec.outbox import outbox_enqueue

    outbox_enqueue(need_link_send_task, contact.pk, city.pk)
    messages.success(request, _("A link to record a need was emailed to %s.") % contact.email)
    return redirect("needs:staff-list")
