"""The analytics dashboards: overview, retention, customer voice, loyalty, support, the
metric definitions, the CSV export of any stored series, and the recompute button with
its progress.

Every page reads stored snapshots through analytics.selectors (a few queries, never the
orders) and hands them to analytics.presenters for the cards, charts and tables. With no
snapshots yet each page says so and offers the recompute (or names who can start it).
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from analytics import presenters, selectors, services, tasks
from analytics.dimensions import ALL
from analytics.forms import (
    CALENDAR_PERIODS,
    DEFAULT_PERIOD,
    SURVEY_PERIODS,
    DashboardFilterForm,
    ExportForm,
)
from analytics.metrics import metric_get, metrics
from config.exceptions import ApplicationError

VOICE_KEYS = ["nps", "csat", "ces"]
# The groups the retention page compares, in order.
BREAKDOWNS = ["tier", "nps", "segment", "channel"]

view_permission = permission_required("analytics.view_snapshot", raise_exception=True)


# --- Shared ------------------------------------------------------------------------------


def _pickers(request, periods=CALENDAR_PERIODS) -> tuple[DashboardFilterForm, str, str]:
    data = request.GET.copy()
    data.setdefault("period", DEFAULT_PERIOD)  # the picker shows the default as chosen
    data.setdefault("dimension", ALL)
    form = DashboardFilterForm(data, periods=periods, dimensions=selectors.dimension_choices())
    period, dimension = form.picked()
    return form, period, dimension


def _dashboard(request, template: str, section: str, context: dict):
    """A dashboard page with the state every page shows: when the figures were last
    computed, the latest recompute, the pickers' errors."""
    run = selectors.run_latest()
    form = context.get("form")
    # The tabs keep the picked period and group (a survey-only period stays behind).
    carry = {}
    if context.get("period") in dict(CALENDAR_PERIODS) and context["period"] != DEFAULT_PERIOD:
        carry["period"] = context["period"]
    if context.get("dimension", ALL) != ALL:
        carry["dimension"] = context["dimension"]
    context.update(
        section=section,
        last_computed=selectors.last_computed_at(),
        run=run,
        run_active=selectors.run_is_active(run),
        filter_errors=form.error_list() if form is not None else [],
        nav_query=f"?{urlencode(carry)}" if carry else "",
    )
    return render(request, template, context)


# --- Pages -------------------------------------------------------------------------------


@require_safe
@login_required
@view_permission
def overview(request):
    """A card per headline metric (its value, the change and a trend), and retention
    against the goal."""
    form, period, dimension = _pickers(request)
    headlines = selectors.overview(period_type=period, dimension=dimension)
    by_key = {headline.metric.key: headline for headline in headlines}
    # The headline trends hold the retention chart's rows: no other query.
    retention = {key: by_key[key].trend for key in presenters.RETENTION_KEYS if key in by_key}
    crr = by_key.get("crr")
    context = {
        "form": form,
        "period": period,
        "dimension": dimension,
        "cards": [presenters.headline_card(h, period, dimension) for h in headlines],
        "has_rows": any(headline.current for headline in headlines),
        "retention_chart": presenters.retention_chart(retention, period, dimension),
        "note": selectors.retention_note(crr.current) if crr else "",
    }
    return _dashboard(request, "analytics/overview.html", "overview", context)


@require_safe
@login_required
@view_permission
def retention(request):
    """CRR, cohort retention and churn over time with S, E, N, K, L and R; the cohort
    heatmap; retention by tier, NPS category, tracked segment and first channel."""
    form, period, dimension = _pickers(request)
    keys = presenters.RETENTION_KEYS
    series = selectors.series(metric_keys=keys, period_type=period, dimension=dimension)
    crr_rows = series["crr"]
    labels = selectors.dimension_labels()
    breakdowns = []
    for kind in BREAKDOWNS:
        _start, found = selectors.by_dimension(metric_keys=keys, kind=kind, period_type=period)
        breakdowns.append(presenters.breakdown_chart(kind, found, labels, period))
    context = {
        "form": form,
        "period": period,
        "dimension": dimension,
        "has_rows": bool(crr_rows),
        "retention_chart": presenters.retention_chart(series, period, dimension),
        "senklr": [
            (presenters.row_label(row), [row.components.get(s) for s in "SENKLR"])
            for row in reversed(crr_rows)
        ],
        "note": selectors.retention_note(crr_rows[-1]) if crr_rows else "",
        "cohorts": presenters.cohort_heatmap(selectors.cohort_table()),
        "breakdowns": breakdowns,
    }
    return _dashboard(request, "analytics/retention.html", "retention", context)


@require_safe
@login_required
@view_permission
def voice(request):
    """NPS, CSAT and CES over time with n and the 95% margin of error as a band; whether
    the latest change is beyond the margin; the latest NPS answers' distribution."""
    form, period, dimension = _pickers(request, periods=SURVEY_PERIODS)
    series = selectors.series(
        metric_keys=VOICE_KEYS,
        period_type=period,
        dimension=dimension,
        points=presenters.trailing_points(period),
    )
    charts = []
    for key in VOICE_KEYS:
        metric, rows = metric_get(key), series[key]
        chart = presenters.survey_chart(metric, rows, period, dimension)
        charts.append((chart, presenters.compare(metric, rows)))
    answered = [row for row in series["nps"] if row.components.get("n")]
    latest = answered[-1] if answered else None
    context = {
        "form": form,
        "period": period,
        "dimension": dimension,
        "has_rows": any(series.values()),
        "charts": charts,
        "distribution": presenters.nps_distribution(latest, period, dimension),
    }
    return _dashboard(request, "analytics/voice.html", "voice", context)


@require_safe
@login_required
@view_permission
def loyalty(request):
    """Members, points earned, redeemed and expired, the redemption rate and the
    liability over time."""
    form, period, dimension = _pickers(request)
    series = selectors.series(
        metric_keys=presenters.LOYALTY_KEYS, period_type=period, dimension=dimension
    )
    context = {
        "form": form,
        "period": period,
        "dimension": dimension,
        "has_rows": any(series.values()),
        "charts": presenters.loyalty_charts(series, period, dimension),
    }
    return _dashboard(request, "analytics/charts_page.html", "loyalty", context)


@require_safe
@login_required
@view_permission
def support(request):
    """Time to first response and to resolution: median and 90th percentile, in hours."""
    form, period, dimension = _pickers(request)
    series = selectors.series(
        metric_keys=presenters.SUPPORT_KEYS, period_type=period, dimension=dimension
    )
    context = {
        "form": form,
        "period": period,
        "dimension": dimension,
        "has_rows": any(series.values()),
        "charts": presenters.support_charts(series, period, dimension),
    }
    return _dashboard(request, "analytics/charts_page.html", "support", context)


@require_safe
@login_required
@view_permission
def definitions(request):
    """docs/metrics.md, the definitions every figure and tooltip links to."""
    return _dashboard(
        request,
        "analytics/definitions.html",
        "definitions",
        {"definitions": presenters.definitions()},
    )


# --- CSV export --------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer and streaming."""

    def write(self, value: str) -> str:
        return value


@require_safe
@login_required
@view_permission
def export(request):
    """One metric's stored rows as CSV: period_start, period_end, value, then its
    components; 400 with the reasons when a parameter is not valid."""
    form = ExportForm(
        request.GET,
        metrics=[(metric.key, metric.label) for metric in metrics()],
        dimensions=selectors.dimension_choices(),
    )
    if not form.is_valid():
        return render(
            request,
            "analytics/export_refused.html",
            {"section": "", "filter_errors": form.error_list()},
            status=400,
        )
    data = form.cleaned_data
    metric = metric_get(data["metric"])
    rows = selectors.snapshot_list(
        metric=metric.key,
        period_type=data["period"],
        dimension=data["dimension"],
        start=data["start"],
        end=data["end"],
    )
    components = list(metric.components)
    for row in rows[:50]:  # the extras (margin, liability…) come after the kept ones
        components += [name for name in row.components if name not in components]
    response = StreamingHttpResponse(
        _csv_rows(rows, components), content_type="text/csv; charset=utf-8"
    )
    dimension = data["dimension"].replace(":", "-")
    response["Content-Disposition"] = (
        f'attachment; filename="{metric.key}-{data["period"]}-{dimension}.csv"'
    )
    return response


def _csv_rows(rows, components: list[str]):
    writer = csv.writer(_Echo())
    header = ["period_start", "period_end", "value", *components]
    yield "\ufeff" + writer.writerow([presenters.csv_cell(name) for name in header])
    for row in rows.iterator(chunk_size=2000):
        cells = [row.period_start.isoformat(), row.period_end.isoformat(), row.value]
        cells += [row.components.get(name) for name in components]
        yield writer.writerow([presenters.csv_cell(cell) for cell in cells])


# --- Recompute ---------------------------------------------------------------------------


@require_POST
@login_required
@permission_required("analytics.add_recomputerun", raise_exception=True)
def recompute(request):
    """Queue a recompute of today's figures and run it after commit; htmx gets the
    progress bar, a plain form post a message and the page again."""
    try:
        run = services.run_request(as_of=timezone.localdate(), trigger="button", user=request.user)
    except ApplicationError as exc:
        if request.htmx:
            return render(
                request,
                "analytics/_run.html",
                {"run": selectors.run_latest(), "poll": True, "refused": exc.message},
            )
        messages.warning(request, exc.message)
        return _back(request)
    transaction.on_commit(lambda: tasks.recompute_run.delay(run.pk))
    run.refresh_from_db()  # outside a transaction (eager tasks) it has already run
    if request.htmx:
        return render(request, "analytics/_run.html", {"run": run, "poll": True})
    messages.success(request, _("The figures are being recomputed."))
    return _back(request)


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("analytics:overview")


@require_safe
@login_required
@view_permission
def run_latest(request):
    """The latest recompute's progress, polled every second while it runs; once it has
    finished the page reloads (HX-Refresh) to show the new figures."""
    run = selectors.run_latest()
    finished = not selectors.run_is_active(run)
    response = render(request, "analytics/_run.html", {"run": run, "poll": not finished})
    if finished and request.htmx:
        response["HX-Refresh"] = "true"
    return response
