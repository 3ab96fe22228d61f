"""The history of staff changes to crm's records, kept by django-auditlog.

Every create, change and delete of a customer (tags included), an order's status or
date, an interaction, a case, a team and a tag, by a page, the API or a task, is a LogEntry: who,
when, from which address (config.history.HistoryMiddleware), which field changed from
what to what. crm registers its models here; higher apps register theirs the same way.
History rows are never edited through the app: the administration shows them
read-only and no service writes them.
"""

import datetime

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from crm.extensions import TimelineEntry, TimelineSource, timeline_source_register
from crm.models import Case, Customer, DataExport, Interaction, Order, Segment, Tag, Team


def register() -> None:
    auditlog.register(Customer, m2m_fields={"tags"}, exclude_fields=["created_at", "updated_at"])
    auditlog.register(Order, include_fields=["status", "placed_at"])
    auditlog.register(Interaction, exclude_fields=["created_at"])
    auditlog.register(Tag, exclude_fields=["created_at"])
    auditlog.register(Case, exclude_fields=["updated_at"])
    auditlog.register(Team, m2m_fields={"members"}, exclude_fields=["created_at"])
    auditlog.register(Segment, exclude_fields=["created_at", "updated_at"])
    auditlog.register(DataExport, exclude_fields=["created_at"])
    timeline_source_register(
        TimelineSource(
            kind="history",
            label=_("Changes"),
            fetch=history_between,
            # Changes to orders and notes tell what they are: only for who sees both.
            permission=("crm.view_order", "crm.view_interaction"),
            order=90,
        )
    )


def customer_history(*, customer: Customer) -> QuerySet[LogEntry]:
    """Log entries of a customer and of its orders, interactions and cases, newest first
    (the creation of an order, interaction or case is left out: it is its own entry)."""
    types = ContentType.objects.get_for_models(Customer, Order, Interaction, Case)
    own = Q(content_type=types[Customer], object_id=customer.pk)
    cases = Q(
        content_type=types[Case],
        object_id__in=Case.objects.filter(customer=customer).values("pk"),
    )
    orders = Q(
        content_type=types[Order],
        object_id__in=Order.objects.filter(customer=customer).values("pk"),
    )
    notes = Q(
        content_type=types[Interaction],
        object_id__in=Interaction.objects.filter(customer=customer).values("pk"),
    )
    # An order or a note being created is on the timeline as itself already.
    created_there = Q(action=LogEntry.Action.CREATE) & ~Q(content_type=types[Customer])
    return (
        LogEntry.objects.filter(own | orders | notes | cases)
        .exclude(created_there)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")
    )


def history_between(
    customer: Customer, start: datetime.datetime | None, end, limit: int | None
) -> list[TimelineEntry]:
    """One query (content types are cached): the customer's history in (start, end]."""
    rows = customer_history(customer=customer)
    if start is not None:
        rows = rows.filter(timestamp__gt=start)
    if end is not None:
        rows = rows.filter(timestamp__lte=end)
    if limit is not None:
        rows = rows[:limit]
    entries = []
    for entry in rows:
        entry.change_rows = change_rows(entry)
        template = "crm/timeline/_history.html"
        entries.append(TimelineEntry("history", entry.timestamp, entry, template))
    return entries


def change_rows(entry: LogEntry) -> list[tuple[str, str, str]]:
    """(field label, old, new) of a log entry, as people read them: choice labels,
    yes/no, times in the business time zone; tags added or removed read "+ VIP"."""
    model = entry.content_type.model_class()
    rows = []
    for name, values in (entry.changes_dict or {}).items():
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name
        if isinstance(values, dict):  # many-to-many: {"operation": "add", "objects": [...]}
            sign = "+" if values.get("operation") == "add" else "−"
            rows.append((label, "", f"{sign} {', '.join(map(str, values.get('objects', [])))}"))
        elif isinstance(values, list | tuple) and len(values) == 2:
            rows.append((label, _display(field, values[0]), _display(field, values[1])))
    return rows


def _field(model, name: str):
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:  # a field since removed from the model
        return None
    return field if getattr(field, "concrete", False) else None


def _display(field, value) -> str:
    if value in (None, "None", ""):
        return ""
    text = str(value)
    if isinstance(field, models.BooleanField):
        return str(_("yes") if text in ("True", "true", "1") else _("no"))
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(text, text))
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(text.replace(" ", "T"))
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        day = parse_date(text)
        if day is not None:
            return formats.date_format(day, "DATE_FORMAT")
    return text


def history_search(*, text: str = "", model: str = "", actor: str = "") -> QuerySet[LogEntry]:
    """Every recorded change, for the Admin history page: `text` in the record's name,
    `model` one of crm's model names, `actor` a username."""
    rows = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    if text:
        rows = rows.filter(object_repr__icontains=text)
    if model:
        rows = rows.filter(content_type__app_label="crm", content_type__model=model)
    if actor:
        rows = rows.filter(actor__username__iexact=actor)
    return rows
