"""The survey metrics' 95% margins of error, and whether the latest change is beyond them."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from analytics.metrics import Metric
from analytics.models import Snapshot
from analytics.presenters.formatting import TRAILING_DAYS, change_text, row_label


def survey_margin(metric_key: str, row: Snapshot | None) -> float | None:
    """The 95% margin of error of a survey row, in the metric's unit, as the snapshot
    stores it (analytics.metrics.voice: NPS's, a proportion's for CSAT, a mean's for
    CES); None without answers."""
    if row is None or row.value is None or not row.components.get("n"):
        return None
    margin = row.components.get("margin")
    return float(margin) if margin is not None else None


def previous_row(rows: list[Snapshot]) -> Snapshot | None:
    """The row to compare the latest with: the period before; for a trailing window, the
    window of the same length that ends where the latest starts (consecutive days
    overlap)."""
    if len(rows) < 2:
        return None
    latest = rows[-1]
    days = TRAILING_DAYS.get(latest.period_type)
    if days is None:
        return rows[-2]
    wanted = latest.period_start - datetime.timedelta(days=days)
    return next((row for row in rows if row.period_start == wanted), None)


@dataclass
class Comparison:
    change: str
    direction: str
    significant: bool | None  # None: no interval to compare
    text: str


def compare(metric: Metric, rows: list[Snapshot]) -> Comparison | None:
    """The latest period against the one before, flagged significant only when their 95%
    intervals do not overlap."""
    current = rows[-1] if rows else None
    previous = previous_row(rows)
    if current is None or previous is None or current.value is None or previous.value is None:
        return None
    change = current.value - previous.value
    direction = "up" if change > 0 else "down" if change < 0 else "flat"
    words = {
        "change": change_text(change, metric.unit),
        "previous": row_label(previous),
    }
    a, b = survey_margin(metric.key, current), survey_margin(metric.key, previous)
    if a is None or b is None:
        text = _("%(change)s against %(previous)s; no margin of error to test it against.")
        return Comparison(words["change"], direction, None, text % words)
    low_a, high_a = float(current.value) - a, float(current.value) + a
    low_b, high_b = float(previous.value) - b, float(previous.value) + b
    significant = high_a < low_b or high_b < low_a
    if significant:
        text = _(
            "%(change)s against %(previous)s: a significant change (the 95%% intervals do "
            "not overlap)."
        )
    else:
        text = _("%(change)s against %(previous)s: within the margin of error.")
    return Comparison(words["change"], direction, significant, text % words)
