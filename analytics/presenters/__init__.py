"""How the dashboards show stored figures, as plain data for the templates and for
static/js/analytics.js. Presentation only: the views read the rows through
analytics.selectors and hand them here.

- `formatting`: values by unit in the active language, period labels, CSV cells;
- `charts`: a chart's spec and its table, the overview's cards, the cohort heatmap;
- `surveys`: the survey metrics' 95% margins and whether a change is beyond them;
- `dashboards`: each page's charts;
- `definitions`: docs/metrics.md rendered.
"""

from analytics.presenters.charts import (
    MAX_COHORTS,
    MAX_OFFSETS,
    Card,
    Chart,
    Line,
    cohort_heatmap,
    export_url,
    headline_card,
)
from analytics.presenters.dashboards import (
    LOYALTY_KEYS,
    RETENTION_KEYS,
    SUPPORT_KEYS,
    breakdown_chart,
    loyalty_charts,
    nps_distribution,
    retention_chart,
    support_charts,
    survey_chart,
    trailing_points,
)
from analytics.presenters.definitions import Definitions, definitions
from analytics.presenters.formatting import (
    TRAILING_DAYS,
    change_text,
    csv_cell,
    decimal_text,
    row_label,
    value_text,
)
from analytics.presenters.predictive import clv_chart, holdout_chart, p_alive_chart
from analytics.presenters.surveys import Comparison, compare, previous_row, survey_margin

__all__ = [
    "LOYALTY_KEYS",
    "MAX_COHORTS",
    "MAX_OFFSETS",
    "RETENTION_KEYS",
    "SUPPORT_KEYS",
    "TRAILING_DAYS",
    "Card",
    "Chart",
    "Comparison",
    "Definitions",
    "Line",
    "breakdown_chart",
    "change_text",
    "clv_chart",
    "cohort_heatmap",
    "compare",
    "holdout_chart",
    "p_alive_chart",
    "csv_cell",
    "decimal_text",
    "definitions",
    "export_url",
    "headline_card",
    "loyalty_charts",
    "nps_distribution",
    "previous_row",
    "retention_chart",
    "row_label",
    "support_charts",
    "survey_chart",
    "survey_margin",
    "trailing_points",
    "value_text",
]
