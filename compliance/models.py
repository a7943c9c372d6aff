import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The catalogue moved to the standards app (below donations); re-exported for old imports.
from standards.models import EquivalenceGroup, SourceStatus, Standard  # noqa: F401


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


def finding_digest(finding: dict) -> str:
    """What identifies a finding: the SHA-256 of its texts (``StoredFinding.FIELDS``), each
    ended by a NUL (which no text holds: the middleware refuses it in input)."""
    text = "".join(f"{finding[name]}\0" for name in StoredFinding.FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()


class StoredFindingManager(models.Manager):
    def ids_for(self, findings: list[dict]) -> list[int]:
        """The ids of these findings (each a dict of ``StoredFinding.FIELDS``), in order;
        those not stored yet are stored."""
        return [
            self.get_or_create(digest=finding_digest(finding), defaults=finding)[0].pk
            for finding in findings
        ]


class StoredFinding(models.Model):
    """One finding of the engine (a rule's verdict on a lot, in English and Chinese, with its
    source), stored once for every check that found it.

    Messages quote the lot's category, standard and dates, so lots alike share them: 100,000
    checks hold a few tens of thousands of distinct findings. A check keeps their ids
    (``ComplianceCheck.finding_ids``), a few bytes instead of kilobytes of text each, which
    is what lets the re-check after a rule-set edit store 100,000 checks in seconds. Never
    changed or deleted: checks and their history refer to it.
    """

    FIELDS = ("rule", "severity", "message", "message_zh", "source")

    digest = models.CharField(max_length=64, unique=True, editable=False)
    rule = models.CharField(_("rule"), max_length=100, editable=False)
    severity = models.CharField(_("severity"), max_length=8, editable=False)
    message = models.TextField(_("message"), editable=False)
    message_zh = models.TextField(_("message (Chinese)"), editable=False)
    source = models.TextField(_("source"), editable=False)

    objects = StoredFindingManager()

    class Meta:
        verbose_name = _("finding")

    def __str__(self):
        return f"{self.rule} [{self.severity}]"

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


def findings_attach(checks: list["ComplianceCheck"]) -> None:
    """Load the findings of these checks, one query for all of them."""
    stored = StoredFinding.objects.in_bulk({pk for check in checks for pk in check.finding_ids})
    for check in checks:
        check._findings = [stored[pk].as_dict() for pk in check.finding_ids]


class ComplianceCheckQuerySet(models.QuerySet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._with_findings = False

    def with_findings(self) -> "ComplianceCheckQuerySet":
        """The checks with their findings loaded: one more query, whatever their number."""
        clone = self._chain()
        clone._with_findings = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._with_findings = self._with_findings
        return clone

    def _fetch_all(self):
        loaded = self._result_cache is not None
        super()._fetch_all()
        if (
            self._with_findings
            and not loaded
            and self._iterable_class is models.query.ModelIterable
        ):
            findings_attach(self._result_cache)


# A lot has at most one current check per destination country.
CURRENT_CHECK_CONSTRAINT = "one_current_check_per_lot_country"


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
    # The ids of its ``StoredFinding`` rows, in the engine's order; read ``findings``.
    finding_ids = models.JSONField(default=list, editable=False)
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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the partial index "overridden_check" below
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(_("override justification"), blank=True)
    override_carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the partial index "carried_override_check" below
        help_text=_(
            "The check the override was first given on; a re-check with the same findings keeps it."
        ),
    )
    override_lapsed = models.TextField(
        _("override lapsed"),
        blank=True,
        help_text=_("Why the override of the check this one replaced no longer applies."),
    )
    history = HistoricalRecords()

    objects = ComplianceCheckQuerySet.as_manager()

    class Meta:
        ordering = ["-evaluated_at"]
        verbose_name = _("compliance check")
        # Every update of a check writes a new row version into each index that holds it, and
        # the re-check after a rule-set edit updates every check twice (stale, then retired)
        # and inserts its successor. So the indexes hold only the rows they are read for: the
        # current checks, the overridden ones.
        indexes = [
            models.Index(
                fields=["result"], condition=models.Q(is_current=True), name="current_check_result"
            ),
            models.Index(
                fields=["country"],
                condition=models.Q(is_current=True),
                name="current_check_country",
            ),
            models.Index(
                fields=["overridden_by"],
                condition=models.Q(overridden_by__isnull=False),
                name="overridden_check",
            ),
            models.Index(
                fields=["override_carried_from"],
                condition=models.Q(override_carried_from__isnull=False),
                name="carried_override_check",
            ),
            # The re-check after a rule-set edit walks the stale current checks by id; the
            # index holds only those (none, most of the time).
            models.Index(
                fields=["id"],
                condition=models.Q(is_current=True, is_stale=True),
                name="stale_current_check",
            ),
            # The lots failing compliance without an override (the dashboard's card and the
            # lots list's filter) are read from this index alone: 50 ms to 8 ms at 100,000 lots.
            models.Index(
                fields=["lot"],
                condition=models.Q(is_current=True, result="fail", overridden_by__isnull=True),
                name="failing_current_check",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result__in=["pass", "warn", "fail"]), name="check_result_valid"
            ),
            models.UniqueConstraint(
                fields=["lot", "country"],
                condition=models.Q(is_current=True),
                name=CURRENT_CHECK_CONSTRAINT,
            ),
            models.CheckConstraint(
                condition=models.Q(overridden_by__isnull=True)
                | (models.Q(overridden_at__isnull=False) & ~models.Q(override_reason="")),
                name="override_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.lot} → {self.country}: {self.result}"

    _findings: list[dict] | None = None

    @property
    def findings(self) -> list[dict]:
        """The findings, as dicts of ``StoredFinding.FIELDS`` (read many checks
        ``with_findings()``)."""
        if self._findings is None:
            findings_attach([self])
        return self._findings

    @property
    def is_overridden(self) -> bool:
        return self.overridden_by_id is not None
