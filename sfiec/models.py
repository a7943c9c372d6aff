from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceSequence(models.Model):
    """The last number handed out per reference prefix and year (OFF-2026-00042)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="unique_reference_sequence")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class StatusChange(models.Model):
    """One recorded status change of an offer, lot, need or receipt request: who, when, why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(_("from"), max_length=32, blank=True)
    to_status = models.CharField(_("to"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "changed_at"])]
        verbose_name = _("status change")

    def __str__(self):
        return f"{self.content_type.model} {self.object_id}: {self.from_status} → {self.to_status}"


class OutboxMessage(models.Model):
    """A task to run, written in the same transaction as the change that calls for it.

    The row commits or rolls back with the work, so a broker outage between commit and
    publish loses nothing: whatever is still unpublished is sent again by ``outbox_flush``.
    The message key is the Celery task id; a worker that receives a key already done skips it.
    """

    key = models.CharField(max_length=32, unique=True, editable=False)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    publish_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A worker running the message holds it until then; a duplicate delivery meanwhile is skipped.
    claimed_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # outbox_flush looks only at what is not yet published.
            models.Index(
                fields=["created_at"],
                condition=models.Q(published_at__isnull=True),
                name="outbox_unpublished",
            )
        ]
        verbose_name = _("outbox message")

    def __str__(self):
        return f"{self.task} {self.key}"
