"""analytics' rows of the role matrix (README: Roles): every staff role reads the
dashboards and the predictive scores; Marketing (and Admin, who holds all) may start a
recompute."""

from crm.roles import MARKETING, SUPPORT

ANALYTICS_GRANTS: dict[str, list[str]] = {
    SUPPORT: [
        "analytics.view_snapshot",
        "analytics.view_cohortcell",
        "analytics.view_recomputerun",
        "analytics.view_customerscore",
        "analytics.view_modelfit",
    ],
    MARKETING: [
        "analytics.view_snapshot",
        "analytics.view_cohortcell",
        "analytics.view_recomputerun",
        "analytics.add_recomputerun",
        "analytics.view_customerscore",
        "analytics.view_modelfit",
    ],
}
