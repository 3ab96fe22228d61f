"""The nightly predictive fit: scores for every customer with an order, the statuses of a
fit that must not be used, the last good fit kept, the lock, and the holdout check."""

import datetime
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import CustomerScore, ModelFit, Snapshot
from analytics.predictive import fitting, services
from analytics.predictive.fitting import BgNbd, GammaGamma
from config.exceptions import ApplicationError
from crm import services as crm
from crm.models import Order
from tests import factories
from tests.analytics.predictive_data import population

AS_OF = datetime.date(2026, 6, 30)


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def weeks_before(weeks: float) -> datetime.date:
    return AS_OF - datetime.timedelta(days=round(7 * weeks))


@pytest.fixture
def shop(db):
    """400 customers drawn from BG/NBD, and three hand-built ones."""
    history = population(customers=400, as_of=AS_OF)
    loyal = factories.customer(customer_since=weeks_before(40))
    for week in range(40, -1, -1):  # every week for 40 weeks, the last one on AS_OF
        factories.order(loyal, placed_at=at(weeks_before(week)), total="50.00")
    lapsed = factories.customer(customer_since=weeks_before(60))
    for week in range(60, 50, -1):  # weekly for 10 weeks, then nothing for 51 weeks
        factories.order(lapsed, placed_at=at(weeks_before(week)), total="30.00")
    once = factories.customer(customer_since=weeks_before(20))
    factories.order(once, placed_at=at(weeks_before(20)), total="80.00")
    never = factories.customer()
    return {"history": history, "loyal": loyal, "lapsed": lapsed, "once": once, "never": never}


def test_the_nightly_fit_scores_every_customer_with_an_order(shop):
    fit = services.scores_recompute(as_of=AS_OF)

    assert fit.status == ModelFit.Status.OK, fit.message
    assert fit.customers == 403 == CustomerScore.objects.count() == fit.scored
    assert fit.scored_with == fit
    assert not CustomerScore.objects.filter(customer=shop["never"]).exists()
    # The model recovers the process behind the population roughly (400 customers).
    assert 0.3 < fit.r < 1.2 and 0.3 < fit.a < 3 and fit.q > 1

    loyal = CustomerScore.objects.get(customer=shop["loyal"])
    lapsed = CustomerScore.objects.get(customer=shop["lapsed"])
    once = CustomerScore.objects.get(customer=shop["once"])
    assert (loyal.order_days, loyal.first_order_on, loyal.last_order_on) == (
        41,
        weeks_before(40),
        AS_OF,
    )
    assert loyal.p_alive > Decimal("0.95") and loyal.risk == "low"
    assert lapsed.p_alive < Decimal("0.3") and lapsed.risk == "high"
    assert once.p_alive == Decimal("1.0000") and once.mean_spend is None
    assert loyal.expected_orders > 20 > once.expected_orders
    assert loyal.clv > lapsed.clv
    assert (loyal.revenue, lapsed.revenue, once.revenue) == (
        Decimal("2050.00"),
        Decimal("300.00"),
        Decimal("80.00"),
    )


def test_stored_scores_are_the_formulas_at_the_fits_parameters(shop, settings):
    settings.CLV_MARGIN = Decimal(40)
    settings.CLV_DISCOUNT_RATE = Decimal(12)
    fit = services.scores_recompute(as_of=AS_OF)
    bgnbd, spend = services.fit_models(fit)
    # The lapsed customer by hand: x = 9 repeat order days, t_x = 9 weeks, T = 60 weeks.
    x, t_x, T = np.array([9.0]), np.array([9.0]), np.array([60.0])
    alive = fitting.p_alive(bgnbd, x, t_x, T)[0]
    per_day = fitting.expected_spend(spend, x, np.array([30.0]))[0]
    orders, clv = fitting.clv(
        bgnbd, np.array([per_day]), x, t_x, T, margin=0.4, annual_discount=0.12
    )

    stored = CustomerScore.objects.get(customer=shop["lapsed"])
    assert stored.p_alive == Decimal(f"{alive:.4f}")
    assert stored.mean_spend == Decimal("30.00")
    assert stored.expected_spend == Decimal(f"{per_day:.2f}")
    assert stored.expected_orders == Decimal(f"{orders[0]:.4f}")
    assert stored.clv == Decimal(f"{clv[0]:.2f}")


def test_the_average_clv_is_stored_as_a_snapshot(shop):
    services.scores_recompute(as_of=AS_OF)

    row = Snapshot.objects.get(metric="predictive_clv", period_type="day", period_start=AS_OF)
    scores = list(CustomerScore.objects.values_list("clv", "p_alive", "risk"))
    total = sum(clv for clv, _p, _r in scores)
    assert row.components["customers"] == 403
    assert Decimal(row.components["clv_total"]) == pytest.approx(total, abs=Decimal("0.05"))
    assert row.value == pytest.approx(total / 403, abs=Decimal("0.01"))
    assert row.components["high_risk"] == sum(1 for *_x, risk in scores if risk == "high")
    assert sum(row.components["p_alive_histogram"]) == 403
    assert row.components["p_alive_histogram"][9] == sum(
        1 for _c, p, _r in scores if p >= Decimal("0.9")
    )


def test_an_order_at_half_past_midnight_counts_on_its_business_day(db):
    population(customers=300, as_of=AS_OF)
    customer = factories.customer(customer_since=datetime.date(2026, 5, 31))
    # 00:30 on 1 June in Riga is 21:30 on 31 May in UTC.
    factories.order(customer, placed_at=at(datetime.date(2026, 6, 1), 0, 30))
    factories.order(customer, placed_at=at(datetime.date(2026, 6, 1), 18))
    factories.order(customer, placed_at=at(datetime.date(2026, 6, 15)))

    services.scores_recompute(as_of=AS_OF)

    score = CustomerScore.objects.get(customer=customer)
    assert (score.order_days, score.first_order_on) == (2, datetime.date(2026, 6, 1))


def test_refunded_and_cancelled_orders_do_not_count(db):
    population(customers=300, as_of=AS_OF)
    customer = factories.customer(customer_since=datetime.date(2026, 1, 5))
    kept = factories.order(customer, placed_at=at(datetime.date(2026, 1, 5)), total="40.00")
    refunded = factories.order(customer, placed_at=at(datetime.date(2026, 3, 5)), total="90.00")
    cancelled = factories.order(customer, placed_at=at(datetime.date(2026, 4, 5)), total="70.00")
    crm.order_status_set(order=refunded, status=Order.Status.REFUNDED)
    crm.order_status_set(order=cancelled, status=Order.Status.CANCELLED)

    fit = services.scores_recompute(as_of=AS_OF)
    assert fit.status == ModelFit.Status.OK, fit.message

    score = CustomerScore.objects.get(customer=customer)
    assert (score.order_days, score.revenue, score.last_order_on) == (
        1,
        kept.total,
        datetime.date(2026, 1, 5),
    )


def test_too_little_data_gives_a_status_and_no_scores(db):
    for i in range(10):
        customer = factories.customer()
        factories.order(customer, placed_at=at(datetime.date(2026, 6, 1 + i)))

    fit = services.scores_recompute(as_of=AS_OF)

    assert fit.status == ModelFit.Status.TOO_LITTLE_DATA
    assert "10 customers with orders" in fit.message
    assert fit.scored == 0 and fit.scored_with is None and fit.finished_at
    assert not CustomerScore.objects.exists()
    assert not Snapshot.objects.filter(metric="predictive_clv").exists()


def test_a_failed_fit_keeps_the_last_good_fit(shop, monkeypatch):
    good = services.scores_recompute(as_of=AS_OF)
    before = dict(CustomerScore.objects.values_list("customer_id", "p_alive"))

    def refuse(*args):
        raise fitting.FitError("not_converged", "the optimiser stopped: too many evaluations")

    monkeypatch.setattr(fitting, "bgnbd_fit", refuse)
    later = AS_OF + datetime.timedelta(days=30)
    failed = services.scores_recompute(as_of=later)

    assert failed.status == ModelFit.Status.NOT_CONVERGED
    assert failed.message == "the optimiser stopped: too many evaluations"
    assert failed.r is None and failed.scored_with == good and failed.scored == 403
    # Rescored with the good fit's parameters for a month more of silence.
    assert set(CustomerScore.objects.values_list("fit", flat=True)) == {good.pk}
    assert set(CustomerScore.objects.values_list("as_of", flat=True)) == {later}
    after = dict(CustomerScore.objects.values_list("customer_id", "p_alive"))
    assert after[shop["loyal"].pk] < before[shop["loyal"].pk]


def test_implausible_parameters_are_refused(shop, monkeypatch):
    monkeypatch.setattr(
        fitting, "bgnbd_fit", lambda *a: BgNbd(r=3e5, alpha=5.0, a=0.5, b=2.0, log_likelihood=-1.0)
    )
    fit = services.scores_recompute(as_of=AS_OF)
    assert fit.status == ModelFit.Status.IMPLAUSIBLE
    assert fit.message == "The parameters r ran off to a bound; the history does not fit the model."
    # No good fit before it: nothing is scored rather than nonsense.
    assert fit.scored_with is None and not CustomerScore.objects.exists()

    monkeypatch.undo()
    monkeypatch.setattr(
        fitting,
        "gamma_gamma_fit",
        lambda *a: GammaGamma(p=2.0, q=0.8, gamma=5.0, log_likelihood=-1.0),
    )
    fit = services.scores_recompute(as_of=AS_OF)
    assert fit.status == ModelFit.Status.IMPLAUSIBLE and "q <= 1" in fit.message


def test_a_fit_that_never_converges_is_reported(shop, monkeypatch):
    class Stuck:
        success, fun, x, message = False, 1.0, np.zeros(4), "ABNORMAL_TERMINATION"

    monkeypatch.setattr(fitting, "minimize", lambda *a, **k: Stuck())
    fit = services.scores_recompute(as_of=AS_OF)
    assert fit.status == ModelFit.Status.NOT_CONVERGED
    assert "ABNORMAL_TERMINATION" in fit.message


def test_one_fit_runs_at_a_time_and_a_dead_one_is_taken_over(shop):
    now = timezone.now()
    running = ModelFit.objects.create(
        kind="nightly", status="running", as_of=AS_OF, calibration_end=AS_OF,
        started_at=now, heartbeat_at=now,
    )  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        services.scores_recompute(as_of=AS_OF)
    assert refused.value.code == "fit_running"
    # The holdout check is another kind: it may run.
    assert services.holdout_check(as_of=AS_OF, weeks=13).status == ModelFit.Status.OK

    ModelFit.objects.filter(pk=running.pk).update(heartbeat_at=now - datetime.timedelta(hours=1))
    fit = services.scores_recompute(as_of=AS_OF)
    assert fit.status == ModelFit.Status.OK
    running.refresh_from_db()
    assert (
        running.status == ModelFit.Status.FAILED and running.message == "stopped without finishing"
    )


def test_the_holdout_check_compares_predicted_and_actual_order_days(shop):
    weeks = 26
    calibration_end = AS_OF - datetime.timedelta(weeks=weeks)

    check = services.holdout_check(as_of=AS_OF, weeks=weeks)

    assert check.status == ModelFit.Status.OK and check.kind == "holdout"
    assert check.calibration_end == calibration_end
    # Every customer who had bought by the calibration end, grouped by repeat order days.
    histories = list(shop["history"].values())
    histories += [
        sorted({o.placed_at.astimezone(timezone.get_default_timezone()).date()
                for o in shop[name].orders.all()})
        for name in ("loyal", "lapsed", "once")
    ]  # fmt: skip
    groups: dict[str, list[int]] = {}
    for days in histories:
        before = [d for d in days if d <= calibration_end]
        if not before:
            continue
        label = "7+" if len(before) - 1 >= 7 else str(len(before) - 1)
        groups.setdefault(label, []).append(sum(1 for d in days if d > calibration_end))
    assert {g["frequency"]: g["customers"] for g in check.checks} == {
        label: len(later) for label, later in groups.items()
    }
    for group in check.checks:
        later = groups[group["frequency"]]
        assert group["actual"] == pytest.approx(sum(later) / len(later), abs=1e-4)
        assert group["predicted"] > 0
    # The model is honest about this population, which it generated: the total predicted
    # repeat order days are within a quarter of the actual ones.
    predicted = sum(g["predicted"] * g["customers"] for g in check.checks)
    actual = sum(g["actual"] * g["customers"] for g in check.checks)
    assert abs(predicted - actual) / actual < 0.25


def test_the_fit_runs_a_fixed_number_of_queries(db):
    population(customers=60, as_of=AS_OF, seed=1)
    services.scores_recompute(as_of=AS_OF)  # the second run updates the day's snapshot row
    with CaptureQueriesContext(connection) as small:
        services.scores_recompute(as_of=AS_OF)
    population(customers=240, as_of=AS_OF, seed=2)
    with CaptureQueriesContext(connection) as large:
        services.scores_recompute(as_of=AS_OF)
    assert len(large) == len(small)


def test_a_merge_drops_both_scores_until_the_next_fit(shop, admin_user):
    services.scores_recompute(as_of=AS_OF)
    crm.customer_merge(survivor=shop["loyal"], duplicate=shop["once"], author=admin_user)
    assert not CustomerScore.objects.filter(customer_id__in=[shop["loyal"].pk]).exists()


def test_the_command_reports_both_fits(shop, capsys):
    call_command("predict_retention", "--as-of", AS_OF.isoformat(), "--holdout-weeks", "13")
    out = capsys.readouterr().out
    assert "Nightly fit as of 2026-06-30: Good fit, 403 customers, 403 scored" in out
    assert "Holdout check as of 2026-06-30: Good fit" in out


def test_the_nightly_task_fits_after_the_snapshots(shop, settings, monkeypatch):
    from analytics import tasks

    monkeypatch.setattr(tasks.timezone, "localdate", lambda: AS_OF + datetime.timedelta(days=1))
    tasks.recompute_nightly()

    fit = ModelFit.objects.get(kind="nightly")
    assert (fit.as_of, fit.status) == (AS_OF, ModelFit.Status.OK)
    assert ModelFit.objects.get(kind="holdout").status == ModelFit.Status.OK
    assert Snapshot.objects.filter(metric="crr", as_of=AS_OF).exists()


def test_a_recompute_refuses_the_metric_the_fit_writes(db):
    from analytics.services import snapshot_recompute

    with pytest.raises(ApplicationError) as refused:
        snapshot_recompute(as_of=AS_OF, metric_keys=["predictive_clv"])
    assert refused.value.code == "unknown_metric"
    assert "predictive_clv" not in refused.value.message.split("Known metrics:")[1]


def test_the_average_clv_is_read_through_the_snapshots_api(shop, support_user):
    from tests.conftest import api_as

    services.scores_recompute(as_of=AS_OF)
    answer = api_as(support_user).get(
        "/api/v1/analytics/snapshots/", {"metric": "predictive_clv", "period_type": "day"}
    )
    [row] = answer.json()["results"]
    assert row["period_start"] == "2026-06-30" and row["components"]["customers"] == 403
