"""Reads of predictive retention: a customer's score and its explanation in words, the
state of the fits, the at-risk list, and the stored series the dashboard draws. Stored
rows only, in a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.metrics.predictive import KEY as CLV_METRIC_KEY
from analytics.models import CustomerScore, ModelFit, Snapshot

# The at-risk list's sort keys: (label, ordering). The first is the default.
AT_RISK_SORTS = {
    "revenue": ("-revenue", "customer_id"),
    "clv": ("-clv", "customer_id"),
    "p_alive": ("p_alive", "customer_id"),
    "last_order": ("last_order_on", "customer_id"),
    "orders": ("-order_days", "customer_id"),
}
CLV_POINTS = 400  # days of the average predictive CLV's series


def score_get(*, customer_id: int) -> CustomerScore | None:
    """A customer's score (one query), or None."""
    return CustomerScore.objects.filter(customer_id=customer_id).first()


def _every(days: float) -> str:
    """'every 9 days', 'every 6 weeks', 'every 4 months'."""
    if days < 14:
        n = max(1, round(days))
        return ngettext("every %(n)s day", "every %(n)s days", n) % {"n": n}
    if days < 63:
        n = round(days / 7)
        return ngettext("every %(n)s week", "every %(n)s weeks", n) % {"n": n}
    n = round(days / 30.44)
    return ngettext("every %(n)s month", "every %(n)s months", n) % {"n": n}


def _ago(days: int) -> str:
    if days <= 0:
        return _("today")
    if days < 14:
        return ngettext("%(n)s day ago", "%(n)s days ago", days) % {"n": days}
    if days < 63:
        n = round(days / 7)
        return ngettext("%(n)s week ago", "%(n)s weeks ago", n) % {"n": n}
    if days < 730:
        n = round(days / 30.44)
        return ngettext("%(n)s month ago", "%(n)s months ago", n) % {"n": n}
    n = round(days / 365.25)
    return ngettext("%(n)s year ago", "%(n)s years ago", n) % {"n": n}


def score_explanation(score: CustomerScore, *, today: datetime.date | None = None) -> str:
    """One plain line: "Bought on 7 days, last 5 months ago, usually every 6 weeks." """
    today = today or timezone.localdate()
    ago = _ago((today - score.last_order_on).days)
    if score.order_days == 1:
        return _("Bought once, %(ago)s; the model needs a second order day to judge a pattern.") % {
            "ago": ago
        }
    gap = (score.last_order_on - score.first_order_on).days / (score.order_days - 1)
    bought = ngettext("Bought on %(n)s day", "Bought on %(n)s days", score.order_days) % {
        "n": score.order_days
    }
    return _("%(bought)s, last %(ago)s, usually %(every)s.") % {
        "bought": bought,
        "ago": ago,
        "every": _every(gap),
    }


@dataclass
class FitState:
    latest: ModelFit | None  # tonight's (or the last) nightly fit, whatever its status
    good: ModelFit | None  # the fit the scores come from
    holdout: ModelFit | None  # the latest holdout check

    @property
    def failing(self) -> bool:
        return self.latest is not None and self.latest.status not in (
            ModelFit.Status.OK,
            ModelFit.Status.RUNNING,
        )


def fit_state() -> FitState:
    """The latest nightly fit, the last good one and the latest holdout check (3 queries)."""
    nightly = ModelFit.objects.filter(kind=ModelFit.Kind.NIGHTLY)
    latest = nightly.order_by("-started_at", "-id").first()
    good = latest
    if latest is None or latest.status != ModelFit.Status.OK:
        good = nightly.filter(status=ModelFit.Status.OK).order_by("-as_of", "-id").first()
    holdout = (
        ModelFit.objects.filter(kind=ModelFit.Kind.HOLDOUT).order_by("-started_at", "-id").first()
    )
    return FitState(latest=latest, good=good, holdout=holdout)


def at_risk_list(*, risks: list[str], sort: str = "revenue") -> QuerySet[CustomerScore]:
    """Scored customers in the given risk bands, with their customer row, sorted by one of
    AT_RISK_SORTS (lifetime revenue first: the most valuable customers slipping away)."""
    ordering = AT_RISK_SORTS.get(sort, AT_RISK_SORTS["revenue"])
    return (
        CustomerScore.objects.filter(risk__in=risks).select_related("customer").order_by(*ordering)
    )


def clv_series() -> list[Snapshot]:
    """The average predictive CLV, one row per fitted night, oldest first."""
    rows = Snapshot.objects.filter(metric=CLV_METRIC_KEY, period_type="day", dimension="all")
    return list(reversed(rows.order_by("-period_start")[:CLV_POINTS]))
