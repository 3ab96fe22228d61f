"""Segment writes: create, change, delete; and the record of each CSV export."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.exceptions import ApplicationError
from config.validation import is_blank
from crm.models import DataExport, Segment
from crm.segments import rule_clean

SEGMENT_FIELDS = {"name", "description", "rule", "tracked"}


def _check(segment: Segment) -> None:
    segment.name = (segment.name or "").strip()
    segment.description = (segment.description or "").strip()
    if is_blank(segment.name):
        raise ValidationError({"name": _("Give the segment a name.")})
    if len(segment.name) > 100:
        raise ValidationError({"name": _("Keep the name under %(n)s characters.") % {"n": 100}})
    if len(segment.description) > 500:
        raise ValidationError(
            {"description": _("Keep the description under %(n)s characters.") % {"n": 500}}
        )
    if Segment.objects.filter(name__iexact=segment.name).exclude(pk=segment.pk).exists():
        raise ValidationError({"name": _("A segment with this name already exists.")})


def _save(segment: Segment, **kwargs) -> None:
    try:
        with transaction.atomic():
            segment.save(**kwargs)
    except IntegrityError as exc:  # two requests raced past the check
        raise ValidationError({"name": _("A segment with this name already exists.")}) from exc


@transaction.atomic
def segment_create(
    *, name: str, rule: Any, description: str = "", tracked: bool = False, author=None
) -> Segment:
    """Save a rule under a name. The rule is checked condition by condition
    (crm.segments.rule_clean); an invalid one names each wrong condition."""
    segment = Segment(
        name=name, description=description, rule=rule_clean(rule), tracked=bool(tracked)
    )
    segment.created_by = author
    _check(segment)
    _save(segment)
    return segment


@transaction.atomic
def segment_update(*, segment: Segment, data: dict[str, Any]) -> Segment:
    """Change a segment's name, description, rule or tracking (keys: SEGMENT_FIELDS)."""
    unknown = set(data) - SEGMENT_FIELDS
    if unknown:
        raise ApplicationError(
            "unknown_fields", _("Unknown fields."), {f: [_("Unknown field.")] for f in unknown}
        )
    try:
        segment = Segment.objects.select_for_update().get(pk=segment.pk)
    except Segment.DoesNotExist:
        raise ApplicationError(
            "not_found", _("This segment no longer exists."), status_code=404
        ) from None
    if "rule" in data:
        data = {**data, "rule": rule_clean(data["rule"])}
    for field, value in data.items():
        setattr(segment, field, bool(value) if field == "tracked" else value)
    _check(segment)
    _save(segment, update_fields=sorted(set(data) | {"name", "description"}) + ["updated_at"])
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment) -> None:
    """Delete a segment; its customers stay as they are."""
    Segment.objects.filter(pk=segment.pk).delete()


def data_export_record(*, user, kind: str, filters: str = "", segment=None) -> DataExport:
    """Record that `user` exported customer data (kept in the history of changes)."""
    return DataExport.objects.create(user=user, kind=kind, filters=filters[:2000], segment=segment)
