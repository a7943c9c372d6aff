"""Status machines: one table of allowed moves per model, one way to apply a move."""

from collections.abc import Callable, Iterable, Mapping

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from .exceptions import InvalidTransition
from .models import StatusChange


class Workflow:
    """The allowed status moves of one model, as a mapping ``from -> {to, ...}``."""

    def __init__(self, name: str, moves: Mapping[str, Iterable[str]], labels: Mapping[str, str]):
        self.name = name
        self.moves = {source: frozenset(targets) for source, targets in moves.items()}
        self.labels = labels

    def allowed(self, source: str) -> frozenset[str]:
        return self.moves.get(source, frozenset())

    def check(self, source: str, target: str) -> None:
        if target not in self.labels:
            raise InvalidTransition(f"“{target}” is not a {self.name} status.")
        if target not in self.allowed(source):
            allowed = ", ".join(sorted(self.allowed(source))) or "none"
            raise InvalidTransition(
                f"A {self.name} cannot move from “{source}” to “{target}” "
                f"(allowed from “{source}”: {allowed})."
            )

    def pairs(self) -> list[tuple[str, str]]:
        return [(s, t) for s, targets in self.moves.items() for t in sorted(targets)]


def transition_apply(
    *,
    instance: models.Model,
    workflow: Workflow,
    target: str,
    actor=None,
    note: str = "",
    apply: Callable[[models.Model], None] | None = None,
    record: Callable[[models.Model, str, str], None] | None = None,
) -> models.Model:
    """Move ``instance`` to ``target`` atomically, or raise InvalidTransition and change nothing.

    The row is re-read under a lock, so two concurrent moves are serialised and the second
    is judged against the status the first left. ``apply`` sees the locked row still in its old
    status and may refuse (raise) or set further fields; ``record`` replaces the default
    StatusChange row (shipments write a TrackingEvent instead).

    A move to the status the record already has is a no-op, not an error: nothing is checked,
    changed or recorded, so a retried request or task is harmless. (``target`` must still be a
    status of the workflow.)
    """
    model = type(instance)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=instance.pk)
        source = locked.status
        if source == target and target in workflow.labels:
            for field in locked._meta.concrete_fields:
                setattr(instance, field.attname, getattr(locked, field.attname))
            return instance
        workflow.check(source, target)
        if apply is not None:
            apply(locked)
        locked.status = target
        locked._change_reason = note or f"{source} → {target}"
        locked.save()
        if record is not None:
            record(locked, source, target)
        else:
            StatusChange.objects.create(
                content_type=ContentType.objects.get_for_model(model),
                object_id=locked.pk,
                from_status=source,
                to_status=target,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                note=note,
            )
    for field in locked._meta.concrete_fields:
        setattr(instance, field.attname, getattr(locked, field.attname))
    return instance
