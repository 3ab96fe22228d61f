"""Where surveys show on crm's customer profile: the latest score, and every answer on
the timeline (crm.extensions)."""

from django.utils.translation import gettext_lazy

from crm.extensions import (
    ProfilePanel,
    TimelineEntry,
    TimelineSource,
    panel_register,
    timeline_source_register,
)
from surveys.models import Response


def _panel(customer, user) -> dict | None:
    """One query: the customer's latest scored answer and how many answers in all."""
    responses = Response.objects.filter(customer=customer).select_related("survey", "follow_up")
    latest = responses.exclude(score=None).order_by("-submitted_at", "-id").first()
    if latest is None:
        return None
    return {"customer": customer, "latest": latest}


def _responses_between(customer, start, end, limit) -> list[TimelineEntry]:
    rows = Response.objects.filter(customer=customer).select_related("survey", "follow_up")
    if start is not None:
        rows = rows.filter(submitted_at__gt=start)
    if end is not None:
        rows = rows.filter(submitted_at__lte=end)
    rows = rows.order_by("-submitted_at", "-id")
    rows = rows if limit is None else rows[:limit]
    return [
        TimelineEntry("survey", r.submitted_at, r, "surveys/timeline/_response.html") for r in rows
    ]


def register() -> None:
    panel_register(
        ProfilePanel(
            key="surveys",
            label=gettext_lazy("Feedback"),
            template="surveys/panels/_latest.html",
            load=_panel,
            permission="surveys.view_response",
            column="side",
            order=6,
        )
    )
    timeline_source_register(
        TimelineSource(
            kind="survey",
            label=gettext_lazy("Survey answers"),
            fetch=_responses_between,
            permission="surveys.view_response",
            order=50,
        )
    )
