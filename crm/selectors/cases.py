"""Reads of support cases: the queue, one case with its activity, a customer's cases."""

import datetime
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from crm.models import Case, Interaction


def case_visible(*, user) -> QuerySet[Case]:
    """Cases the user may see: all of them with crm.view_case, none otherwise."""
    if user is None or not user.is_authenticated or not user.has_perm("crm.view_case"):
        return Case.objects.none()
    return Case.objects.all()


def overdue_q(*, now: datetime.datetime | None = None) -> Q:
    """Cases past their due time while the team has to act (new or open); a case
    pending the customer waits on them, so its clock does not run."""
    return Q(status__in=Case.ON_THE_CLOCK, due_at__lt=now or timezone.now())


def case_list(*, user) -> QuerySet[Case]:
    """The queue's rows: customer, assignee, team and opener loaded, `is_overdue` annotated,
    most urgent first (overdue, then by due time)."""
    return (
        case_visible(user=user)
        .select_related("customer", "assignee", "team", "opened_by")
        .annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
        .order_by("-is_overdue", "due_at", "pk")
    )


def case_get(*, user, number: int) -> Case:
    """The case C-`number` with what its page shows; Case.DoesNotExist when the user
    may not see it."""
    return case_list(user=user).select_related("customer__owner").get(number=number)


def customer_cases(*, customer, user, limit: int = 5) -> tuple[list[Case], int]:
    """The customer's active cases first, then the latest others (at most `limit`), and
    how many active cases there are: two queries."""
    rows = case_list(user=user).filter(customer=customer)
    active = rows.filter(status__in=Case.ACTIVE).count()
    latest = list(rows.order_by("-is_overdue", "-opened_at", "-pk")[:limit])
    latest.sort(key=lambda c: (c.status not in Case.ACTIVE, -c.opened_at.timestamp()))
    return latest, active


@dataclass(frozen=True)
class Activity:
    """One line of a case's activity: a comment, or a change recorded in its history."""

    at: datetime.datetime
    kind: str  # "comment" or "change"
    item: Any


def case_activity(*, case: Case) -> list[Activity]:
    """The case's comments and recorded changes, oldest first: two queries."""
    comments = Interaction.objects.filter(case=case).select_related("author")
    changes = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Case), object_id=case.pk
        )
        .exclude(action=LogEntry.Action.CREATE)
        .select_related("actor", "content_type")
    )
    rows = [Activity(c.occurred_at, "comment", c) for c in comments]
    rows += [Activity(e.timestamp, "change", e) for e in changes]
    return sorted(rows, key=lambda a: (a.at, a.kind == "change"))


def case_assignees(*, keep: int | None = None) -> QuerySet:
    """Active staff who work cases (crm.change_case), who may be assigned one; with
    `keep`, also that user (a case's assignee who has left stays until changed)."""
    perm = Permission.objects.filter(content_type__app_label="crm", codename="change_case")
    working = (
        Q(is_active=True, is_superuser=True)
        | Q(is_active=True, groups__permissions__in=perm)
        | Q(is_active=True, user_permissions__in=perm)
    )
    users = get_user_model().objects.filter(
        pk__in=get_user_model().objects.filter(working).values("pk")
    )
    if keep is not None:
        users = users | get_user_model().objects.filter(pk=keep)
    return users.order_by("first_name", "last_name", "username")


def case_assignee_choices() -> QuerySet:
    """Everyone the queue can filter by: who works cases, and whoever still has one."""
    return (
        get_user_model()
        .objects.filter(
            Q(pk__in=case_assignees().values("pk"))
            | Q(pk__in=Case.objects.exclude(assignee=None).values("assignee"))
        )
        .order_by("first_name", "last_name", "username")
    )
