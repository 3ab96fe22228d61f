"""NPS, CSAT and CES over the answers submitted in each period, and in the trailing 30
and 90 days (docs/metrics.md "Survey answers"). n = 0 gives no value."""

import math
from decimal import Decimal

from django.utils.translation import gettext_lazy

from analytics.metrics import Metric, metric_register, ratio, share


def nps_margin(c: dict) -> float | None:
    """The 95% margin of error: 1.96 x 100 x sqrt((p + d - (p - d)^2) / n)."""
    n = c["nps_n"]
    if not n:
        return None
    p, d = c["promoters"] / n, c["detractors"] / n
    return round(1.96 * 100 * math.sqrt(max(p + d - (p - d) ** 2, 0) / n), 2)


def csat_margin(c: dict) -> float | None:
    """The 95% margin of a proportion, in points: 1.96 x 100 x sqrt(p (1 - p) / n)."""
    n = c["csat_n"]
    if not n:
        return None
    p = c["csat_ok"] / n
    return round(1.96 * 100 * math.sqrt(max(p * (1 - p), 0) / n), 2)


def ces_margin(c: dict) -> float | None:
    """The 95% margin of a mean: 1.96 x s / sqrt(n), s the answers' sample deviation."""
    n = c["ces_n"]
    if n < 2:
        return None
    variance = (c["ces_sq"] - c["ces_sum"] ** 2 / n) / (n - 1)
    return round(1.96 * math.sqrt(max(variance, 0) / n), 3)


def _nps(c: dict) -> Decimal | None:
    return share(c["promoters"] - c["detractors"], c["nps_n"])


def _mean(total: int, n: int) -> float | None:
    return round(total / n, 4) if n else None


def register() -> None:
    for metric in (
        Metric(
            key="nps",
            label=gettext_lazy("Net Promoter Score"),
            unit="score",
            anchor="survey-answers",
            source="responses",
            value=_nps,
            components=("promoters", "passives", "detractors"),
            extra=lambda c: {"n": c["nps_n"], "margin": nps_margin(c)},
            headline=True,
            help=gettext_lazy("100 x (promoters - detractors) / n, from -100 to 100."),
        ),
        Metric(
            key="csat",
            label=gettext_lazy("Customer satisfaction (CSAT)"),
            unit="percent",
            anchor="survey-answers",
            source="responses",
            value=lambda c: share(c["csat_ok"], c["csat_n"]),
            components=(),
            extra=lambda c: {
                "n": c["csat_n"],
                "satisfied": c["csat_ok"],
                "mean": _mean(c["csat_sum"], c["csat_n"]),
                "margin": csat_margin(c),
            },
            help=gettext_lazy("The share of 4 and 5 answers on the 1-5 scale."),
        ),
        Metric(
            key="ces",
            label=gettext_lazy("Customer effort (CES)"),
            unit="score",
            anchor="survey-answers",
            source="responses",
            value=lambda c: ratio(c["ces_sum"], c["ces_n"]),
            components=(),
            extra=lambda c: {
                "n": c["ces_n"],
                "easy": c["ces_ok"],
                "easy_share": float(share(c["ces_ok"], c["ces_n"]) or 0) if c["ces_n"] else None,
                "margin": ces_margin(c),
            },
            help=gettext_lazy("The mean answer on the 1-7 scale (7: very easy)."),
        ),
    ):
        metric_register(metric)
