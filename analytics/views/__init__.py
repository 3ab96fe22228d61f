"""The analytics pages: `dashboards` (overview, retention, customer voice, loyalty,
support, definitions, the CSV export and the recompute button) and `predictive` (the
churn-risk page: the at-risk list, P(alive), predictive CLV and the holdout check)."""

from analytics.views.dashboards import (
    definitions,
    export,
    loyalty,
    overview,
    recompute,
    retention,
    run_latest,
    support,
    voice,
)
from analytics.views.predictive import predictive, predictive_export

__all__ = [
    "definitions",
    "export",
    "loyalty",
    "overview",
    "predictive",
    "predictive_export",
    "recompute",
    "retention",
    "run_latest",
    "support",
    "voice",
]
