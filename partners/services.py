"""State changes of organisations, contacts and partner accounts."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sfiec.exceptions import DomainError

from .models import Contact, Organisation, PartnerMembership, SignupRequest, UserPreference
from .tokens import invite_token_make

logger = logging.getLogger(__name__)


def email_send_localised(*, to: list[str], language: str, template: str, context: dict) -> None:
    """Send ``emails/<template>_subject.txt`` / ``.txt`` / ``.html`` rendered in ``language``.

    Call it after the transaction has committed: sending is slow and must not hold locks.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "SITE_URL": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=recipients)
    message.attach_alternative(html, "text/html")
    message.send()


def user_language(user) -> str:
    """The language a user's emails are written in: their preference, else the site default."""
    preference = getattr(user, "preference", None) if user is not None else None
    return preference.language if preference else settings.LANGUAGE_CODE


def user_language_set(*, user, language: str) -> UserPreference:
    """Record the language of the emails a user is sent."""
    if language not in Contact.Language.values:
        raise DomainError(_("Choose English or Simplified Chinese."))
    preference, _created = UserPreference.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return preference


def email_send_staff(*, to: list[str], template: str, context: dict) -> None:
    """Send a staff notification, to each address in its user's language.

    Addresses that belong to an active user get that user's language (``user_language``);
    other addresses (``STAFF_NOTIFICATION_EMAILS`` of no account) get the site default. One
    email per language, sent after commit like ``email_send_localised``.
    """
    wanted = {address.strip().lower(): address for address in to if address and address.strip()}
    if not wanted:
        return
    languages = {}
    users = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(is_active=True, email_lower__in=list(wanted))
        .select_related("preference")
        .order_by("pk")
    )
    for user in users:
        languages.setdefault(user.email.lower(), user_language(user))
    by_language: dict[str, list[str]] = {}
    for key, address in sorted(wanted.items()):
        by_language.setdefault(languages.get(key, settings.LANGUAGE_CODE), []).append(address)
    for language, addresses in sorted(by_language.items()):
        email_send_localised(to=addresses, language=language, template=template, context=context)


@transaction.atomic
def donor_for_submission(
    *,
    user=None,
    organisation_name: str,
    organisation_name_zh: str = "",
    registration_number: str = "",
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    contact_language: str = "en",
) -> tuple[Organisation, Contact]:
    """The donor organisation and contact an offer is made for.

    A signed-in partner always offers for its own organisation, whatever the form says. An
    anonymous offer never attaches to a known organisation by its typed name: it goes to a
    pending organisation, reused for the same contact email, which staff later link to a known
    organisation or confirm (``organisation_pending_merge`` / ``organisation_pending_confirm``).
    """
    membership = getattr(user, "partner_membership", None) if user else None
    if membership is not None:
        organisation = membership.organisation
    else:
        organisation = Organisation.objects.filter(
            kind=Organisation.Kind.DONOR,
            is_pending=True,
            is_active=True,
            contacts__email__iexact=contact_email,
        ).first()
        if organisation is None:
            organisation = Organisation(
                kind=Organisation.Kind.DONOR,
                is_pending=True,
                name=organisation_name.strip(),
                name_zh=organisation_name_zh.strip(),
                registration_number=registration_number.strip(),
                email=contact_email,
                phone=contact_phone,
            )
            organisation.full_clean()
            organisation.save()
    contact = organisation.contacts.filter(email__iexact=contact_email).first()
    if contact is None:
        contact = Contact(
            organisation=organisation,
            name=contact_name.strip(),
            email=contact_email,
            phone=contact_phone,
            language=contact_language,
            is_primary=not organisation.contacts.exists(),
        )
        contact.full_clean()
        contact.save()
    return organisation, contact


def _pending_locked(organisation: Organisation) -> Organisation:
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not locked.is_pending or not locked.is_active:
        raise DomainError(_("This organisation is not waiting for review."))
    return locked


def organisation_pending_merge(
    *, pending: Organisation, into: Organisation, actor
) -> dict[int, Contact]:
    """Fold a pending organisation into a known one; call inside the caller's transaction.

    Its contacts move over (one whose email the known organisation already has is replaced by
    that contact); the pending organisation is deactivated and remembers where it went. Returns
    ``{old contact id: contact now in use}`` so the caller can re-point what referred to them.
    The caller moves its own records (offers) to ``into``.
    """
    pending = _pending_locked(pending)
    if into.pk == pending.pk or into.is_pending or not into.is_active or into.kind != pending.kind:
        raise DomainError(_("Choose a known, active organisation of the same kind."))
    contacts = {}
    for contact in pending.contacts.all():
        known = into.contacts.filter(email__iexact=contact.email).first()
        if known is None:
            contact.organisation = into
            contact.is_primary = not into.contacts.exists()
            contact.save(update_fields=["organisation", "is_primary"])
            known = contact
        contacts[contact.pk] = known
    pending.merged_into = into
    pending.is_active = False
    pending.save(update_fields=["merged_into", "is_active"])
    logger.info("pending organisation %s merged into %s by %s", pending.pk, into.pk, actor)
    return contacts


@transaction.atomic
def organisation_pending_confirm(*, organisation: Organisation, actor) -> Organisation:
    """Staff confirm a pending organisation as a new known one (refused if the name is taken)."""
    locked = _pending_locked(organisation)
    locked.is_pending = False
    try:
        locked.full_clean()
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None
    locked.save(update_fields=["is_pending"])
    logger.info("pending organisation %s confirmed by %s", locked.pk, actor)
    return locked


def partner_invite(
    *, organisation: Organisation, email: str, name: str, language: str = "en", actor
) -> PartnerMembership:
    """Give a contact of ``organisation`` a partner account and email them a set-password link.

    The account has no usable password until the link is followed. Refused if the email
    already belongs to a user.
    """
    email = email.strip().lower()
    User = get_user_model()
    with transaction.atomic():
        if (
            User.objects.filter(email__iexact=email).exists()
            or User.objects.filter(username__iexact=email).exists()
        ):
            raise DomainError(_("A user with this email already exists."))
        user = User(username=email, email=email, first_name=name[:150])
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        contact = organisation.contacts.filter(email__iexact=email).first()
        if contact is None:
            contact = Contact.objects.create(
                organisation=organisation, name=name, email=email, language=language
            )
        membership = PartnerMembership.objects.create(
            user=user, organisation=organisation, contact=contact
        )
        transaction.on_commit(lambda: partner_invite_send(membership=membership))
    logger.info("partner invited: %s for %s by %s", email, organisation.pk, actor)
    return membership


def partner_invite_send(*, membership: PartnerMembership) -> None:
    """Email (or email again) the set-password link to an invited partner user."""
    user = membership.user
    language = membership.contact.language if membership.contact else "en"
    link = settings.SITE_URL + reverse(
        "partners:invite-accept", kwargs={"token": invite_token_make(user)}
    )
    email_send_localised(
        to=[user.email],
        language=language,
        template="partner_invite",
        context={
            "organisation": membership.organisation,
            "name": membership.contact.name if membership.contact else user.first_name,
            "link": link,
            "days": settings.PARTNER_INVITE_MAX_AGE // 86400,
        },
    )


def invite_accept(*, user, password: str):
    """The invited user sets a password; this also spends the invitation link."""
    with transaction.atomic():
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
    return user


def signup_request_create(
    *,
    organisation_name: str,
    contact_name: str,
    email: str,
    phone: str = "",
    language: str = "en",
    message: str = "",
) -> SignupRequest:
    """Record a request for a partner account; staff decide on it."""
    signup = SignupRequest(
        organisation_name=organisation_name.strip(),
        contact_name=contact_name.strip(),
        email=email.strip().lower(),
        phone=phone,
        language=language,
        message=message,
    )
    signup.full_clean()
    signup.save()
    transaction.on_commit(lambda: _signup_staff_notify(signup))
    return signup


def _signup_staff_notify(signup: SignupRequest) -> None:
    email_send_staff(
        to=list(settings.STAFF_NOTIFICATION_EMAILS),
        template="signup_request_staff",
        context={"signup": signup},
    )


def signup_request_approve(
    *, signup: SignupRequest, actor, organisation: Organisation | None = None
) -> SignupRequest:
    """Approve a pending request: find or create the donor organisation, then invite the contact."""
    with transaction.atomic():
        locked = SignupRequest.objects.select_for_update().get(pk=signup.pk)
        if locked.status != SignupRequest.Status.PENDING:
            raise DomainError(_("This request has already been decided."))
        if organisation is None:
            organisation, _created = Organisation.objects.get_or_create(
                kind=Organisation.Kind.DONOR,
                is_pending=False,
                name=locked.organisation_name,
                defaults={"email": locked.email, "phone": locked.phone},
            )
        partner_invite(
            organisation=organisation,
            email=locked.email,
            name=locked.contact_name,
            language=locked.language,
            actor=actor,
        )
        locked.status = SignupRequest.Status.APPROVED
        locked.organisation = organisation
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "organisation", "decided_by", "decided_at"])
    return locked


def signup_request_reject(*, signup: SignupRequest, actor) -> SignupRequest:
    """Refuse a pending request (no email is sent)."""
    with transaction.atomic():
        locked = SignupRequest.objects.select_for_update().get(pk=signup.pk)
        if locked.status != SignupRequest.Status.PENDING:
            raise DomainError(_("This request has already been decided."))
        locked.status = SignupRequest.Status.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
    return locked
