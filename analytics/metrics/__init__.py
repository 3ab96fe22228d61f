"""The metric registry. A metric is one small record: its key, label, unit, the section
of docs/metrics.md that defines it, the source (analytics.engine.sources) whose
set-based query gives its components, which components it keeps, and the function that
turns them into its value (None when undefined: S = 0, n = 0).

Adding a metric is one `metric_register(Metric(...))` in one of this package's modules
(retention, purchases, voice, support, loyalty, predictive); a metric that needs data no
source reads brings its query to `analytics.engine.sources` first.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.urls import reverse

FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # count, percent, money, ratio, score, seconds, points
    anchor: str  # the docs/metrics.md section (its heading's slug)
    source: str
    value: Callable[[dict], Decimal | float | int | None]
    components: tuple[str, ...] = ()  # the source's components it keeps
    extra: Callable[[dict], dict] | None = None  # derived components, e.g. the margin
    period_types: tuple[str, ...] = ()  # empty: every type the source computes
    higher_is_better: bool = True
    headline: bool = False  # shown on the overview
    definition_version: int = 1
    help: str = ""

    @property
    def definition_url(self) -> str:
        return f"{reverse('analytics:definitions')}#{self.anchor}"

    def row(self, components: dict) -> tuple[Decimal | None, dict]:
        """(value, components to store) from the source's components."""
        kept = {name: components[name] for name in self.components if name in components}
        if self.extra:
            kept.update(self.extra(components))
        return as_decimal(self.value(components)), kept


def as_decimal(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Decimal(str(value)).quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN)


def share(part, whole) -> Decimal | None:
    """100 x part / whole, or None when whole is 0 (docs/metrics.md: never 0 or an error)."""
    if not whole:
        return None
    return Decimal(part) * 100 / Decimal(whole)


def ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


_metrics: dict[str, Metric] = {}


def metric_register(metric: Metric) -> None:
    if metric.key in _metrics:
        raise ValueError(f"metric {metric.key!r} is already registered")
    _metrics[metric.key] = metric


def metrics() -> list[Metric]:
    return list(_metrics.values())


def metric_get(key: str) -> Metric | None:
    return _metrics.get(key)


def register() -> None:
    from analytics.metrics import loyalty, predictive, purchases, retention, support, voice

    for module in (retention, purchases, voice, support, loyalty, predictive):
        module.register()
