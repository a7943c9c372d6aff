"""Partner accounts: sign-up requests, staff invitations and the set-password link."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sfiec.decorators import action_required, staff_required
from sfiec.exceptions import DomainError
from sfiec.throttling import rate_limit

from . import services
from .forms import InviteAcceptForm, InviteForm, SignupRequestForm
from .models import SignupRequest
from .tokens import invite_token_user


@require_http_methods(["GET", "POST"])
@rate_limit("offer_submit", template="donations/rate_limited.html")
def signup_request(request):
    """Public: ask for a partner account."""
    form = SignupRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_bot():
            data = {k: v for k, v in form.cleaned_data.items() if k != "website"}
            services.signup_request_create(**data)
        return render(request, "partners/signup_done.html")
    return render(request, "partners/signup_form.html", {"form": form})


@action_required("partner.invite")
@require_http_methods(["GET", "POST"])
def partner_invite(request):
    """Coordinators: invite a donor's contact to a partner account."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_invite(**form.cleaned_data, actor=request.user)
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, _("Invitation sent to %s.") % form.cleaned_data["email"])
            return redirect("partners:signup-list")
    return render(request, "partners/invite_form.html", {"form": form})


@staff_required
@require_GET
def signup_list(request):
    """Staff: pending sign-up requests, to approve or refuse."""
    signups = SignupRequest.objects.filter(status=SignupRequest.Status.PENDING)
    return render(request, "partners/signup_list.html", {"signups": signups})


@action_required("signup.decide")
@require_POST
def signup_decide(request, pk):
    """Coordinators: approve (sends an invitation) or refuse a sign-up request."""
    signup = get_object_or_404(SignupRequest, pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            services.signup_request_approve(signup=signup, actor=request.user)
            messages.success(request, _("Approved; an invitation was sent."))
        else:
            services.signup_request_reject(signup=signup, actor=request.user)
            messages.success(request, _("Request refused."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("partners:signup-list")


@require_http_methods(["GET", "POST"])
def invite_accept(request, token):
    """Public, with a valid invitation token: set a password, then log in."""
    user = invite_token_user(token)
    if user is None:
        return render(request, "partners/invite_invalid.html", status=400)
    form = InviteAcceptForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.invite_accept(user=user, password=form.cleaned_data["new_password1"])
        messages.success(request, _("Your password is set. Please log in."))
        return redirect("login")
    return render(request, "partners/invite_accept.html", {"form": form, "invited": user})
