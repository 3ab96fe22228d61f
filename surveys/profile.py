"""Where surveys show on crm's customer profile: the latest score, and every answer on
the timeline (crm.extensions)."""

from django.utils.translation import gettext_lazy

from crm.extensions import (
    CasePanel,
    ProfilePanel,
    TimelineEntry,
    TimelineSource,
    case_panel_register,
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


def _loop(case, user) -> dict | None:
    """The answer behind a follow-up case, the loop's state and whether the customer's
    next answer of the same kind improved; two queries (none for other cases)."""
    if case.source != "survey":
        return None
    response = Response.objects.filter(follow_up=case).select_related("survey").first()
    if response is None:
        return None
    if case.status in ("resolved", "closed"):
        state = "resolved"
    elif case.first_response_at is not None:
        state = "contacted"
    else:
        state = "open"
    following = (
        Response.objects.filter(
            customer_id=response.customer_id,
            score_kind=response.score_kind,
            submitted_at__gt=response.submitted_at,
        )
        .order_by("submitted_at", "id")
        .first()
    )
    trend = None
    if following is not None and following.score is not None:
        trend = (following.score > response.score) - (following.score < response.score)
    return {"response": response, "state": state, "following": following, "trend": trend}


def register() -> None:
    case_panel_register(
        CasePanel(
            key="survey-loop",
            label=gettext_lazy("Survey answer"),
            template="surveys/panels/_loop.html",
            load=_loop,
            permission="surveys.view_response",
            order=10,
        )
    )
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
