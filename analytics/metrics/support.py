"""Support cases: time to the first response and to resolution, median and 90th
percentile, in calendar time (docs/metrics.md "Support and loyalty")."""

from django.utils.translation import gettext_lazy

from analytics.metrics import Metric, metric_register

DURATION = ("n", "median_seconds", "p90_seconds", "mean_seconds")


def register() -> None:
    for metric in (
        Metric(
            key="first_response_time",
            label=gettext_lazy("Time to first response"),
            unit="seconds",
            anchor="support-and-loyalty",
            source="first_responses",
            value=lambda c: c["median_seconds"],
            components=DURATION,
            higher_is_better=False,
            help=gettext_lazy(
                "Median time from a case's opening to its first reply, over the cases first "
                "answered in the period."
            ),
        ),
        Metric(
            key="resolution_time",
            label=gettext_lazy("Time to resolution"),
            unit="seconds",
            anchor="support-and-loyalty",
            source="resolutions",
            value=lambda c: c["median_seconds"],
            components=DURATION,
            higher_is_better=False,
            help=gettext_lazy(
                "Median time from a case's opening to its resolution, over the cases resolved "
                "in the period."
            ),
        ),
    ):
        metric_register(metric)
