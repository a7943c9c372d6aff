"""The standards catalogue: product standards and the groups accepted as equivalent.

Moved from compliance with a state-only migration; the tables keep their names
(``compliance_standard``, ``compliance_equivalencegroup``), so no row moved.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
        db_table = "compliance_standard"
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
        db_table = "compliance_equivalencegroup"
        ordering = ["slug"]
        verbose_name = _("equivalence group")

    def __str__(self):
        return self.name
