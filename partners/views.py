"""Partner accounts: sign-up requests, staff invitations and the set-password link.

Also the access decorators every page view of the intake uses: who may call a view is stated
on the view itself.
"""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sfiec.exceptions import DomainError
from sfiec.roles import Role, user_has_role, user_is_staff_member
from sfiec.throttling import rate_limit

from . import services
from .forms import InviteAcceptForm, InviteForm, SignupRequestForm
from .models import SignupRequest
from .tokens import invite_token_user


def _require(check):
    """Anonymous users go to the login page; signed-in users who fail ``check`` get 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _require(user_is_staff_member)
partner_required = _require(lambda user: hasattr(user, "partner_membership"))


def role_required(*roles):
    """Staff holding one of ``roles`` (a manager holds them all)."""
    return _require(lambda user: user_has_role(user, *roles))


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


@role_required(Role.COORDINATOR)
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
def signup_list(request):
    """Staff: pending sign-up requests, to approve or refuse."""
    signups = SignupRequest.objects.filter(status=SignupRequest.Status.PENDING)
    return render(request, "partners/signup_list.html", {"signups": signups})


@role_required(Role.COORDINATOR)
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
