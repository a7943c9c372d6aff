from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SourceStatus(models.TextChoices):
    VERIFIED = "V", _("seen in a retrieved source")
    PARTIAL = "P", _("partial or secondary source")
    INFERRED = "I", _("inference")
    NOT_FOUND = "NF", _("searched, not found")


class Standard(models.Model):
    """A product standard from the catalogue (compliance/data/standards.yaml)."""

    slug = models.SlugField(max_length=40, unique=True, help_text=_("e.g. CN_GB2626_KN95"))
    body = models.CharField(_("standard / body"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("Chinese title"), max_length=200, blank=True)
    categories = models.JSONField(
        _("categories"), default=list, help_text=_("Category slugs this standard applies to.")
    )
    protection_class = models.CharField(_("class"), max_length=200, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8)
    key_criteria = models.TextField(_("key criteria"), blank=True)
    source = models.TextField(_("source"))
    source_status = models.CharField(max_length=2, choices=SourceStatus.choices)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("standard")

    def __str__(self):
        return self.slug


class EquivalenceGroup(models.Model):
    """Standards accepted as equivalent for one purpose (N95 ≈ FFP2 ≈ KN95, non-oil particles)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    basis = models.TextField(_("basis"), blank=True)
    members = models.ManyToManyField(Standard, related_name="equivalence_groups")
    source = models.TextField(_("source"))
    source_status = models.CharField(max_length=2, choices=SourceStatus.choices)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("equivalence group")

    def __str__(self):
        return self.name


class RuleSet(models.Model):
    """One immutable version of the rules. Editing makes a new version; checks keep theirs."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    rules = models.JSONField(_("rules"), default=list)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_file = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    notes = models.TextField(_("change notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("rule set")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_ruleset"
            )
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"


class ComplianceCheck(models.Model):
    """The engine's verdict on one lot for one destination country, under one rule set."""

    class Result(models.TextChoices):
        PASS = "pass", _("pass")
        WARN = "warn", _("warn")
        FAIL = "fail", _("fail")

    lot = models.ForeignKey(
        "donations.MaterialLot", on_delete=models.CASCADE, related_name="compliance_checks"
    )
    country = models.CharField(_("destination country"), max_length=2)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="checks")
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    findings = models.JSONField(_("findings"), default=list)
    export_date = models.DateField(_("export date"))
    arrival_date = models.DateField(_("arrival date"))
    input_fingerprint = models.CharField(max_length=64)
    is_current = models.BooleanField(default=True)
    is_stale = models.BooleanField(
        _("stale"),
        default=False,
        help_text=_("The lot, destination or rule set has changed since."),
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now_add=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(_("override justification"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-evaluated_at"]
        verbose_name = _("compliance check")
        indexes = [
            models.Index(fields=["result", "is_current"]),
            models.Index(fields=["country", "is_current"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result__in=["pass", "warn", "fail"]), name="check_result_valid"
            ),
            models.UniqueConstraint(
                fields=["lot", "country"],
                condition=models.Q(is_current=True),
                name="one_current_check_per_lot_country",
            ),
            models.CheckConstraint(
                condition=models.Q(overridden_by__isnull=True)
                | (models.Q(overridden_at__isnull=False) & ~models.Q(override_reason="")),
                name="override_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.lot} → {self.country}: {self.result}"

    @property
    def is_overridden(self) -> bool:
        return self.overridden_by_id is not None
