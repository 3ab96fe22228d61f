"""The predictive page: tonight's fit and its health, the at-risk customers to call first
(sortable, exportable), the distribution of P(alive), the average predictive CLV over
time and the holdout check. Stored rows only: scores, fits and snapshots."""

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from analytics import presenters
from analytics.forms import AtRiskForm
from analytics.predictive import selectors
from analytics.views.dashboards import _dashboard, _Echo

PAGE_SIZE = 20
score_permission = permission_required("analytics.view_customerscore", raise_exception=True)


@require_safe
@login_required
@score_permission
def predictive(request):
    form = AtRiskForm(request.GET)
    risks, sort = form.picked()
    state = selectors.fit_state()
    series = selectors.clv_series()
    latest = series[-1] if series else None
    page = Paginator(selectors.at_risk_list(risks=risks, sort=sort), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    charts = [
        chart
        for chart in (
            presenters.p_alive_chart(latest),
            presenters.clv_chart(series) if series else None,
        )
        if chart is not None
    ]
    context = {
        "form": form,
        "risks": risks,
        "sort": sort,
        "sorts": AtRiskForm.SORTS,
        "state": state,
        "latest": latest,
        "summary": _summary(latest),
        "charts": charts,
        "holdout": presenters.holdout_chart(state.holdout),
        "page": page,
        "definitions_url": f"{reverse('analytics:definitions')}#predictive-retention",
        "risk_high": settings.CHURN_RISK_HIGH_BELOW,
        "risk_medium": settings.CHURN_RISK_MEDIUM_BELOW,
    }
    return _dashboard(request, "analytics/predictive.html", "predictive", context)


def _summary(row) -> list[tuple[str, str, str]]:
    """The cards above the charts: (label, value, test id), from the latest night's row."""
    if row is None:
        return []
    c = row.components
    n = c.get("customers") or 0
    share = (100 * (c.get("high_risk") or 0) / n) if n else None
    return [
        (_("Customers scored"), presenters.value_text(n, "count"), "summary-customers"),
        (
            _("High churn risk"),
            f"{presenters.value_text(c.get('high_risk') or 0, 'count')} "
            f"({presenters.value_text(share, 'percent')})",
            "summary-high",
        ),
        (
            _("Mean P(alive)"),
            presenters.value_text(100 * (c.get("mean_p_alive") or 0), "percent"),
            "summary-p-alive",
        ),
        (_("Average predictive CLV"), presenters.value_text(row.value, "money"), "summary-clv"),
        (
            _("Total predictive CLV, next 12 months"),
            presenters.value_text(c.get("clv_total"), "money"),
            "summary-total",
        ),
    ]


@require_safe
@login_required
@score_permission
def predictive_export(request):
    """The at-risk list as CSV, every row of the chosen bands in the chosen order; 400
    with the reasons when a parameter is not valid."""
    form = AtRiskForm(request.GET)
    if not form.is_valid():
        # A file of other customers than asked for looks right: refuse it.
        return render(
            request,
            "analytics/export_refused.html",
            {"section": "", "filter_errors": form.error_list()},
            status=400,
        )
    risks, sort = form.picked()
    rows = selectors.at_risk_list(risks=risks, sort=sort)
    response = StreamingHttpResponse(_csv_rows(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="at-risk-{"-".join(risks)}.csv"'
    return response


def _csv_rows(rows):
    writer = csv.writer(_Echo())
    header = [
        "customer_id",
        "external_id",
        "name",
        "email",
        "risk",
        "p_alive",
        "order_days",
        "first_order_on",
        "last_order_on",
        "revenue",
        "expected_orders_12m",
        "expected_spend_per_order_day",
        "clv_12m",
        "as_of",
    ]
    yield "\ufeff" + writer.writerow(header)
    for score in rows.iterator(chunk_size=2000):
        customer = score.customer
        cells = [
            customer.pk,
            customer.external_id,
            customer.display_name,
            customer.email,
            score.risk,
            score.p_alive,
            score.order_days,
            score.first_order_on.isoformat(),
            score.last_order_on.isoformat(),
            score.revenue,
            score.expected_orders,
            score.expected_spend,
            score.clv,
            score.as_of.isoformat(),
        ]
        yield writer.writerow([presenters.csv_cell(cell) for cell in cells])
