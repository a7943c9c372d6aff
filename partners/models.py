from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SisterCity(models.Model):
    """A city abroad twinned with ours; shipments go to one."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. IT, KR, KH.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    offers_paused = models.BooleanField(
        _("offers paused"),
        default=False,
        help_text=_("While paused, no new offers are taken for this city or against its needs."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("sister city")
        verbose_name_plural = _("sister cities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(country__regex=r"^[A-Z]{2}$"), name="sistercity_country_iso2"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.country})"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        DONOR = "donor", _("Donor")
        RECIPIENT = "recipient", _("Recipient")
        CARRIER = "carrier", _("Carrier")
        FOUNDATION = "foundation", _("Foundation")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    city = models.ForeignKey(
        SisterCity,
        verbose_name=_("sister city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("For recipients: the sister city they are in."),
    )
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    registration_number = models.CharField(
        _("registration number"),
        max_length=64,
        blank=True,
        help_text=_("Unified social credit code or the local charity registration."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # An anonymous offer never attaches to a known organisation by its typed name: it makes a
    # pending one, which staff link to a known organisation or confirm as new on review.
    is_pending = models.BooleanField(
        _("pending"),
        default=False,
        db_index=True,
        help_text=_("Made by an anonymous offer; not yet confirmed by staff."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("The known organisation this pending one was linked to."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=models.Q(is_pending=False),
                name="unique_organisation_name_kind",
                violation_error_message=_("An organisation of this kind and name exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["donor", "recipient", "carrier", "foundation"]),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} / {self.name_zh}" if self.name_zh else self.name


class Contact(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        CHINESE = "zh-hans", _("Simplified Chinese")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("Emails and documents for this contact use this language."),
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["organisation__name", "-is_primary", "name"]
        verbose_name = _("contact")
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return f"{self.name} <{self.email}>"


class PartnerMembership(models.Model):
    """Links a partner user account to the one organisation whose data it may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner membership")

    def __str__(self):
        return f"{self.user} → {self.organisation}"


class SignupRequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class SignupRequest(models.Model):
    """Someone asks for a partner account; staff approve it (an invitation follows) or refuse."""

    Status = SignupRequestStatus

    organisation_name = models.CharField(_("organisation"), max_length=200)
    contact_name = models.CharField(_("your name"), max_length=120)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Contact.Language.choices, default="en"
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign-up request")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "rejected"]),
                name="signup_request_status_valid",
            )
        ]

    def __str__(self):
        return f"{self.organisation_name}: {self.contact_name} <{self.email}>"


class UserPreference(models.Model):
    """A signed-in user's own settings; for now the language of the emails they are sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Contact.Language.choices,
        default=Contact.Language.ENGLISH,
        help_text=_("Notification emails to this user are written in this language."),
    )

    class Meta:
        verbose_name = _("user preference")

    def __str__(self):
        return f"{self.user}: {self.language}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once.

    Scopes: ``full`` (whatever the owner's role allows), ``read_only`` (safe methods only, on
    every endpoint), ``tracking`` (only the tracking operations of one carrier's shipments).
    """

    class Scope(models.TextChoices):
        FULL = "full", _("Full (whatever my role allows)")
        READ_ONLY = "read_only", _("Read-only")
        TRACKING = "tracking", _("Tracking updates for one carrier")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    carrier = models.ForeignKey(
        Organisation,
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "carrier"},
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["full", "read_only", "tracking"]),
                name="apitoken_scope_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(scope="tracking", carrier__isnull=False)
                | (~models.Q(scope="tracking") & models.Q(carrier__isnull=True)),
                name="apitoken_tracking_has_carrier",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
