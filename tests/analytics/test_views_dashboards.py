"""The analytics dashboards: who may see them and start a recompute, what each page shows
from the stored snapshots, the CSV export, the definitions' anchors and the overview's
query count."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import presenters
from analytics.metrics import metric_get, metrics
from analytics.models import RecomputeRun, Snapshot
from analytics.services import snapshot_recompute
from crm import services as crm_services
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = ["overview", "retention", "voice", "loyalty", "support", "definitions"]
CHART_PAGES = ["overview", "retention", "loyalty", "support"]


@pytest.fixture
def figures(db):
    """Five customers with orders over the last three months, and their snapshots."""
    today = timezone.localdate()
    for first, later in ((85, 50), (80, 20), (70, 5), (40, 2), (12, None)):
        customer = factories.customer()
        factories.order(customer, days_ago=first, total="40.00")
        if later is not None:
            factories.order(customer, days_ago=later, total="25.50")
    case = factories.case(opened_at=timezone.now() - datetime.timedelta(days=3))
    crm_services.case_status_set(case=case, status="resolved")
    return snapshot_recompute(as_of=today, first_day=today - datetime.timedelta(days=62))


@pytest.fixture
def support(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def marketing(client, marketing_user):
    client.force_login(marketing_user)
    return client


def html(response) -> str:
    return response.content.decode()


# --- Access ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_support_with_the_time_of_the_last_computation(
    support, figures, name
):
    response = support.get(reverse(f"analytics:{name}"))
    assert response.status_code == 200
    page = html(response)
    assert 'data-testid="last-computed-time"' in page
    assert 'data-testid="recompute"' not in page  # support reads, marketing recomputes
    assert 'data-testid="nav-analytics"' in page
    if name in CHART_PAGES:
        assert "data-chart=" in page
        assert "vendor/chartjs/chart.umd.js" in page


@pytest.mark.parametrize("name", [*PAGES, "export", "run-latest"])
def test_pages_need_a_login_and_an_analytics_role(client, no_role_user, name):
    url = reverse(f"analytics:{name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403


def test_the_main_nav_leads_to_analytics_and_is_active_on_its_pages(support, figures):
    page = html(support.get(reverse("crm:customer-list")))
    assert reverse("analytics:overview") in page
    page = html(support.get(reverse("analytics:retention")))
    item = page[: page.index('data-testid="nav-analytics"')].rsplit("<li", 1)[1]
    assert "active" in item


def test_marketing_sees_the_recompute_button(marketing, figures):
    page = html(marketing.get(reverse("analytics:overview")))
    assert 'data-testid="recompute"' in page
    assert 'hx-post="/analytics/recompute/"' in page


# --- What the pages show -----------------------------------------------------------------


def test_the_overview_shows_a_card_per_headline_metric_formatted_by_unit(support, figures):
    response = support.get(reverse("analytics:overview"))
    cards = response.context["cards"]
    assert [card.metric.key for card in cards] == [m.key for m in metrics() if m.headline]
    by_key = {card.metric.key: card for card in cards}
    crr = Snapshot.objects.filter(metric="crr", period_type="month", dimension="all").latest(
        "period_start"
    )
    assert by_key["crr"].value == presenters.value_text(crr.value, "percent")
    assert by_key["crr"].value.endswith("%") or by_key["crr"].value == "n/a"
    revenue = Snapshot.objects.filter(metric="revenue", period_type="month", dimension="all")
    assert by_key["revenue"].value.startswith("€")
    assert revenue.latest("period_start").value is not None
    page = html(response)
    assert 'data-testid="card-crr"' in page
    assert metric_get("crr").definition_url in page
    assert "Retention against the goal" in page
    assert "Goal (85.0%)" in page  # settings.RETENTION_GOAL


def test_the_retention_page_shows_senklr_cohorts_and_the_groups(support, figures):
    response = support.get(reverse("analytics:retention"))
    page = html(response)
    assert 'data-testid="senklr-table"' in page
    assert 'data-testid="cohort-table"' in page
    assert "#retention-over-a-period" in page
    label, values = response.context["senklr"][0]
    crr = Snapshot.objects.filter(metric="crr", period_type="month", dimension="all").latest(
        "period_start"
    )
    assert values == [crr.components[s] for s in "SENKLR"]
    cohorts = response.context["cohorts"]
    assert all(row["cells"][0]["text"] == "100%" for row in cohorts["rows"])  # k = 0
    assert len(cohorts["offsets"]) <= presenters.MAX_OFFSETS
    kinds = [chart.key for chart in response.context["breakdowns"]]
    assert kinds == ["by-tier", "by-nps", "by-segment", "by-channel"]


def test_a_bad_picker_falls_back_to_the_month_and_says_so(support, figures):
    response = support.get(reverse("analytics:overview"), {"period": "decade", "dimension": "x"})
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in html(response)
    assert response.context["period"] == "month"
    assert response.context["dimension"] == "all"


def test_the_voice_page_offers_the_trailing_windows(support, figures):
    response = support.get(reverse("analytics:voice"), {"period": "trailing30"})
    assert response.status_code == 200
    assert response.context["period"] == "trailing30"
    assert 'value="trailing90"' in html(response)
    # Not on the calendar-only pages: there it is named and left out.
    response = support.get(reverse("analytics:retention"), {"period": "trailing30"})
    assert response.context["period"] == "month"
    assert 'data-testid="filter-errors"' in html(response)


@pytest.mark.parametrize("name", PAGES)
def test_with_no_snapshots_marketing_is_offered_the_recompute(marketing, name):
    response = marketing.get(reverse(f"analytics:{name}"))
    assert response.status_code == 200
    if name != "definitions":
        assert 'data-testid="recompute-empty"' in html(response)


@pytest.mark.parametrize("name", PAGES)
def test_with_no_snapshots_support_is_told_to_ask_marketing(support, name):
    response = support.get(reverse(f"analytics:{name}"))
    assert response.status_code == 200
    page = html(response)
    assert "Not computed yet" in page
    if name != "definitions":
        assert 'data-testid="ask-marketing"' in page
        assert "recompute" not in page.split('data-testid="no-figures"')[1].lower()


# --- Definitions -------------------------------------------------------------------------


def test_the_definitions_page_has_the_anchor_of_every_metric(support):
    page = html(support.get(reverse("analytics:definitions")))
    for metric in metrics():
        assert metric.definition_url.startswith(reverse("analytics:definitions") + "#")
        assert f'id="{metric.anchor}"' in page, metric.key
    assert "<table>" in page  # the "tables" extension
    assert 'href="#acquisition-cohorts"' in page  # the section list


# --- CSV export --------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_export_has_the_header_and_a_row_per_stored_period(support, figures):
    response = support.get(
        reverse("analytics:export"), {"metric": "crr", "period": "month", "dimension": "all"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="crr-month-all.csv"' in response["Content-Disposition"]
    header, *lines = read_csv(response)
    assert header == ["period_start", "period_end", "value", "S", "E", "N", "K", "L", "R"]
    stored = list(
        Snapshot.objects.filter(metric="crr", period_type="month", dimension="all").order_by(
            "period_start"
        )
    )
    assert [line[0] for line in lines] == [row.period_start.isoformat() for row in stored]
    last = stored[-1]
    assert lines[-1][2:] == [
        str(last.value) if last.value is not None else "",
        *[str(last.components[s]) for s in "SENKLR"],
    ]


def test_the_export_keeps_the_derived_components_after_the_kept_ones(support, figures):
    response = support.get(reverse("analytics:export"), {"metric": "nps", "period": "month"})
    header = read_csv(response)[0]
    assert header[:6] == [
        "period_start",
        "period_end",
        "value",
        "promoters",
        "passives",
        "detractors",
    ]
    assert {"n", "margin"} <= set(header)


@pytest.mark.parametrize(
    "params",
    [
        {"metric": "nope"},
        {},
        {"metric": "crr", "period": "decade"},
        {"metric": "crr", "dimension": "tier:999"},
        {"metric": "crr", "start": "2026-13-01"},
        {"metric": "crr", "start": "2026-05-01", "end": "2026-04-01"},
    ],
)
def test_the_export_refuses_bad_parameters_with_a_400_page(support, figures, params):
    response = support.get(reverse("analytics:export"), params)
    assert response.status_code == 400
    assert 'data-testid="export-refused"' in html(response)


def test_a_csv_cell_that_a_spreadsheet_would_run_is_defused():
    assert presenters.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert presenters.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert presenters.csv_cell("-12.50") == "-12.50"  # a number stays a number
    assert presenters.csv_cell(Decimal("-3.5000")) == "-3.5000"
    assert presenters.csv_cell(None) == ""


# --- Recompute ---------------------------------------------------------------------------


def test_marketing_starts_a_recompute_that_runs_after_commit(
    marketing, marketing_user, figures, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = marketing.post(
            reverse("analytics:recompute"), {"next": reverse("analytics:voice")}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:voice")
    run = RecomputeRun.objects.first()
    assert (run.trigger, run.requested_by, run.last_day) == (
        "button",
        marketing_user,
        timezone.localdate(),
    )
    assert run.status == RecomputeRun.Status.DONE  # Celery runs eagerly in tests
    assert run.steps_done == run.steps_total > 0


def test_from_htmx_the_recompute_answers_the_progress_bar_that_polls(
    marketing, figures, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = marketing.post(reverse("analytics:recompute"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = html(response)
    assert 'data-testid="recompute-progress"' in page
    assert 'hx-trigger="every 1s"' in page
    assert reverse("analytics:run-latest") in page


def test_a_second_recompute_while_one_runs_is_refused_with_a_message(marketing, figures):
    RecomputeRun.objects.create(
        status=RecomputeRun.Status.RUNNING,
        first_day=timezone.localdate(),
        last_day=timezone.localdate(),
        heartbeat_at=timezone.now(),
    )
    before = RecomputeRun.objects.count()
    response = marketing.post(reverse("analytics:recompute"), follow=True)
    assert "already running" in html(response)
    assert RecomputeRun.objects.count() == before
    page = html(marketing.get(reverse("analytics:overview")))
    assert 'data-testid="recompute-progress"' in page  # the running one's progress


def test_support_may_not_start_a_recompute(support, figures):
    before = RecomputeRun.objects.count()
    assert support.post(reverse("analytics:recompute")).status_code == 403
    assert RecomputeRun.objects.count() == before


def test_the_progress_reloads_the_page_once_the_run_has_finished(support, figures):
    running = RecomputeRun.objects.create(
        status=RecomputeRun.Status.RUNNING,
        first_day=timezone.localdate(),
        last_day=timezone.localdate(),
        steps_done=1,
        steps_total=4,
        heartbeat_at=timezone.now(),
    )
    response = support.get(reverse("analytics:run-latest"), headers={"HX-Request": "true"})
    assert "HX-Refresh" not in response
    assert 'aria-valuenow="25"' in html(response)
    assert 'hx-trigger="every 1s"' in html(response)
    RecomputeRun.objects.filter(pk=running.pk).update(status=RecomputeRun.Status.DONE)
    response = support.get(reverse("analytics:run-latest"), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in html(response)


# --- Presenting values -------------------------------------------------------------------


def test_values_are_written_by_unit():
    assert presenters.value_text(Decimal("91.2345"), "percent") == "91.2%"
    assert presenters.value_text(Decimal("54718.5700"), "money") == "€54,718.57"
    assert presenters.value_text(Decimal("1100.0000"), "count") == "1,100"
    assert presenters.value_text(Decimal("47629"), "seconds") == "13.2 h"
    assert presenters.value_text(Decimal("259200"), "seconds") == "3.0 d"
    assert presenters.value_text(Decimal("1.2345"), "ratio") == "1.23"
    assert presenters.value_text(None, "percent") == "n/a"
    assert presenters.change_text(Decimal("-0.4038"), "percent") == "−0.4 pp"
    assert presenters.change_text(Decimal("4591.2"), "money") == "+€4,591.20"


def nps_row(start: datetime.date, value: str, margin: float, n: int = 20) -> Snapshot:
    return Snapshot(
        metric="nps",
        period_type="month",
        period_start=start,
        period_end=start + datetime.timedelta(days=27),
        value=Decimal(value),
        components={"n": n, "margin": margin},
    )


def test_a_survey_change_is_significant_only_when_the_intervals_do_not_overlap():
    nps = metric_get("nps")
    rows = [
        nps_row(datetime.date(2026, 1, 1), "10", 8.0),
        nps_row(datetime.date(2026, 2, 1), "30", 9.0),
    ]
    comparison = presenters.compare(nps, rows)
    assert comparison.significant is True  # 2..18 against 21..39
    assert "significant" in comparison.text
    rows[1] = nps_row(datetime.date(2026, 2, 1), "20", 9.0)  # 11..29 overlaps
    comparison = presenters.compare(nps, rows)
    assert comparison.significant is False
    assert "within the margin of error" in comparison.text


def test_the_survey_margins_are_the_stored_ones():
    row = Snapshot(metric="csat", value=Decimal("80"), components={"n": 100, "margin": 7.84})
    assert presenters.survey_margin("csat", row) == pytest.approx(7.84)
    row = Snapshot(metric="ces", value=Decimal("5.5"), components={"n": 1, "margin": None})
    assert presenters.survey_margin("ces", row) is None
    row = Snapshot(metric="ces", value=None, components={"n": 0, "margin": None})
    assert presenters.survey_margin("ces", row) is None


def test_a_trailing_window_is_compared_with_the_window_before_it():
    days = [datetime.date(2026, 10, 1) + datetime.timedelta(days=i) for i in range(31)]
    rows = [
        Snapshot(
            metric="nps",
            period_type="trailing30",
            period_start=day,
            period_end=day + datetime.timedelta(days=29),
            value=Decimal(1),
            components={},
        )
        for day in days
    ]
    assert presenters.previous_row(rows).period_start == datetime.date(2026, 10, 1)
    assert presenters.previous_row(rows[1:]) is None  # no whole window before it


# --- Queries -----------------------------------------------------------------------------


def test_the_overview_reads_a_fixed_number_of_queries(support, figures, django_assert_num_queries):
    url = reverse("analytics:overview")
    support.get(url)  # warm up: the session and the permission cache
    # session, user, the user's and the groups' permissions, tiers and segments (the
    # dimensions' labels), the stored dimensions, the series' period starts and rows,
    # the latest run, the last computation
    with django_assert_num_queries(11):
        assert support.get(url).status_code == 200
    for first in (30, 20):
        factories.order(factories.customer(), days_ago=first)
    snapshot_recompute(as_of=timezone.localdate())
    with django_assert_num_queries(11):
        assert support.get(url).status_code == 200
