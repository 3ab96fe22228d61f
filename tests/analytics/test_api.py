import datetime

import pytest
from django.utils import timezone

from analytics.models import RecomputeRun
from analytics.services import snapshot_recompute
from tests import factories
from tests.conftest import api_as

JUNE_END = datetime.date(2026, 6, 30)


@pytest.fixture
def computed(db):
    customer = factories.customer(customer_since=datetime.date(2026, 3, 2))
    for day in (datetime.date(2026, 3, 2), datetime.date(2026, 5, 5)):
        factories.order(
            customer,
            placed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
            total="12.00",
        )
    snapshot_recompute(as_of=JUNE_END)
    return customer


def test_snapshots_filter_by_metric_period_dimension_and_dates(computed, support_user):
    api = api_as(support_user)
    answer = api.get(
        "/api/v1/analytics/snapshots/",
        {"metric": "crr", "period_type": "month", "dimension": "all", "start": "2026-06-01"},
    )
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert row["period_start"] == "2026-06-01" and row["period_end"] == "2026-06-30"
    assert row["components"] == {"S": 1, "E": 1, "N": 0, "K": 1, "L": 0, "R": 0}
    assert row["value"] == "100.0000" and row["definition_version"] == 1
    nothing = api.get(
        "/api/v1/analytics/snapshots/",
        {"metric": "crr", "period_type": "month", "end": "2026-05-31"},
    )
    assert nothing.json()["count"] == 0
    for bad in ({"period_type": "fortnight"}, {"start": "2026-13-01"}, {"bogus": "1"}):
        refused = api.get("/api/v1/analytics/snapshots/", bad)
        assert refused.status_code == 400, bad
        assert set(refused.json()["fields"]) == set(bad)


def test_cohorts(computed, support_user):
    answer = api_as(support_user).get("/api/v1/analytics/cohorts/")
    assert answer.status_code == 200
    march = next(row for row in answer.json() if row["cohort"] == "2026-03-01")
    assert march["size"] == 1
    assert [(c["offset"], c["active"], c["share"]) for c in march["cells"][:3]] == [
        (0, 1, "100.00"),
        (1, 0, "0.00"),
        (2, 1, "100.00"),
    ]


def test_recompute_is_for_marketing_and_admin(
    computed, support_user, marketing_user, admin_user, django_capture_on_commit_callbacks
):
    assert (
        api_as(support_user).post("/api/v1/analytics/recompute/", {}, format="json").status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_as(marketing_user).post(
            "/api/v1/analytics/recompute/",
            {"as_of": "2026-06-30", "first_day": "2026-06-01", "metrics": ["crr"]},
            format="json",
        )
    assert answer.status_code == 202
    run = RecomputeRun.objects.get(pk=answer.json()["id"])
    assert (run.first_day, run.last_day, run.metrics) == (
        datetime.date(2026, 6, 1),
        JUNE_END,
        ["crr"],
    )
    # Celery runs eagerly in tests: the run is finished.
    progress = api_as(admin_user).get(f"/api/v1/analytics/recompute/{run.pk}/").json()
    assert progress["status"] == "done" and progress["percent"] == 100


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"as_of": "2999-01-01"}, "as_of"),
        ({"as_of": "1999-12-31"}, "as_of"),
        ({"as_of": "2026-06-30", "first_day": "2026-07-01"}, "first_day"),
        ({"as_of": "2026-06-30", "first_day": "2020-01-01"}, "first_day"),
        ({"metrics": ["nope"]}, "metrics"),
        ({"period_types": ["fortnight"]}, "period_types"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"extra": 1}, "extra"),
    ],
)
def test_recompute_refuses_bad_input_with_field_errors(db, marketing_user, body, field):
    answer = api_as(marketing_user).post("/api/v1/analytics/recompute/", body, format="json")
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["fields"]
    assert not RecomputeRun.objects.exists()


def test_a_second_recompute_while_one_runs_is_refused(db, marketing_user):
    RecomputeRun.objects.create(
        status="running", first_day=JUNE_END, last_day=JUNE_END, heartbeat_at=timezone.now()
    )
    answer = api_as(marketing_user).post("/api/v1/analytics/recompute/", {}, format="json")
    assert answer.status_code == 409 and answer.json()["code"] == "recompute_running"


def test_the_schema_lists_the_analytics_endpoints(admin_user):
    schema = api_as(admin_user).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/analytics/snapshots/",
        "/api/v1/analytics/cohorts/",
        "/api/v1/analytics/recompute/",
        "/api/v1/analytics/recompute/{id}/",
    ):
        assert path in schema["paths"], path


def test_snapshot_filters_take_known_metrics_iso_dates_and_an_ordered_range(computed, support_user):
    api = api_as(support_user)
    for bad in (
        {"metric": "zzz"},
        {"start": "01/02/2026"},
        {"start": "2026-06-01", "end": "2026-01-01"},
    ):
        refused = api.get("/api/v1/analytics/snapshots/", bad, HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 400, bad
    assert api.get("/api/v1/analytics/cohorts/", {"bogus": "1"}).status_code == 400
