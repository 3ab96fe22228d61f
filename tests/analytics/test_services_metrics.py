"""Every metric on small hand-built histories whose answers are worked out here.

June 2026 in Europe/Riga, W = 90 days: S is counted at the end of 31 May (window from
3 March), E at the end of 30 June (window from 2 April).

| customer | history | S (31 May) | E (30 June) |
| --- | --- | --- | --- |
| c1 | since Jan, orders 20 May, 15 and 25 June | yes | yes (K) |
| c2 | since Jan, orders 1 March, 10 June | no (lapsed) | yes (R) |
| c3 | since 15 March, no orders | yes (acquired in window) | no (L) |
| c4 | since 5 June, two orders on 5 June | new | yes (new, active) |
| c5 | since 3 June, closed 20 June | new | no (new, lapsed) |
| c6 | since 2025, order 10 May, closed 25 May, order 12 June | no (closed) | yes (reopened: R) |
| c7 | since Dec 2025, one refunded order 15 May | no | no |
| c8 | since Jan, an order at 00:30 on 1 June, Riga (31 May in UTC) | no | yes (R) |

S = 2, E = 5, N = 2, K = 1, L = 1, R = 3: CRR = (5 - 2) / 2 = 150 %, cohort retention
50 %, churn 50 %.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.models import Snapshot
from analytics.services import snapshot_recompute
from crm import services as crm
from crm.models import Order
from surveys import services as surveys
from tests import factories
from tests.surveys.conftest import consenting_customer, nps_survey

JUNE = datetime.date(2026, 6, 1)
JUNE_END = datetime.date(2026, 6, 30)


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def d(month: int, day: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


def buy(customer, day, total, *, hour=12, minute=0, status=Order.Status.COMPLETED):
    placed = at(day, hour, minute)
    order = factories.order(customer, placed_at=placed, total=total)
    if status != Order.Status.COMPLETED:
        crm.order_status_set(order=order, status=status)
    return order


@pytest.fixture
def june(db):
    c = {}
    c[1] = factories.customer(customer_since=d(1, 10))
    buy(c[1], d(5, 20), "40.00")
    buy(c[1], d(6, 15), "10.00")
    buy(c[1], d(6, 25), "20.00")
    c[2] = factories.customer(customer_since=d(1, 10))
    buy(c[2], d(3, 1), "15.00")
    buy(c[2], d(6, 10), "5.50")
    c[3] = factories.customer(customer_since=d(3, 15))
    c[4] = factories.customer(customer_since=d(6, 5))
    buy(c[4], d(6, 5), "7.25", hour=10)
    buy(c[4], d(6, 5), "2.75", hour=18)
    c[5] = factories.customer(customer_since=d(6, 3), closed_on=d(6, 20))
    c[6] = factories.customer(customer_since=d(6, 1, 2025))
    buy(c[6], d(5, 10), "50.00")
    crm.customer_update(customer=c[6], data={"closed_on": d(5, 25)})
    buy(c[6], d(6, 12), "100.00")
    c[7] = factories.customer(customer_since=d(12, 1, 2025))
    buy(c[7], d(5, 15), "99.00", status=Order.Status.REFUNDED)
    c[8] = factories.customer(customer_since=d(1, 1))
    # 00:30 on 1 June in Riga is 21:30 on 31 May in UTC: a June order.
    buy(c[8], d(6, 1), "0.10", hour=0, minute=30)
    return c


def row(metric, start=JUNE, period_type="month", dimension="all") -> Snapshot:
    return Snapshot.objects.get(
        metric=metric, period_type=period_type, period_start=start, dimension=dimension
    )


def test_retention_components_and_rates(june):
    snapshot_recompute(as_of=JUNE_END)
    crr = row("crr")
    assert crr.components == {"S": 2, "E": 5, "N": 2, "K": 1, "L": 1, "R": 3}
    assert crr.value == Decimal("150.0000")
    assert row("cohort_retention").value == Decimal("50.0000")
    assert row("churn_rate").value == Decimal("50.0000")
    assert row("active_customers").value == 5
    assert row("new_customers").value == 2
    assert row("reactivated").value == 3
    assert crr.period_end == JUNE_END and crr.as_of == JUNE_END


def test_purchases_count_business_days_and_leave_out_refunds(june):
    snapshot_recompute(as_of=JUNE_END)
    # June: c1 2 orders (2 days), c2 1, c4 2 (one day), c6 1, c8 1 (00:30 Riga).
    assert row("revenue").value == Decimal("145.6000")
    assert row("revenue").components == {"orders": 7, "buyers": 5, "revenue": "145.60"}
    assert row("aov").value == Decimal("20.8000")
    assert row("purchase_frequency").value == Decimal("1.4000")
    assert row("repeat_purchase_rate").value == Decimal("20.0000")  # c1 of 5
    # To 30 June: 250.60 over 8 customers (c7's refunded order counts nowhere).
    clv = row("historical_clv")
    assert clv.value == Decimal("31.3250")
    assert clv.components["revenue_to_date"] == "250.60"
    assert clv.components["customers_to_date"] == 8
    # Two or more order days up to 30 June: c1, c2, c6 of the 5 buyers (c1, c2, c4, c6, c8).
    assert row("repeat_purchase_rate_lifetime").value == Decimal("60.0000")


def test_the_day_and_week_periods_follow_the_business_time_zone(june):
    snapshot_recompute(as_of=d(6, 1))
    day = row("revenue", start=d(6, 1), period_type="day")
    assert day.value == Decimal("0.1000")  # the 00:30 order belongs to 1 June
    # ISO week of 1 June 2026 starts on Monday 1 June; May's figures hold no June order.
    snapshot_recompute(as_of=d(5, 31))
    may = row("revenue", start=d(5, 1))
    assert may.components["orders"] == 2  # 10 May (c6) and 20 May (c1); 15 May was refunded
    week = row("revenue", start=d(6, 1), period_type="week")
    assert week.period_end == d(6, 1) and week.value == Decimal("0.1000")


def test_contractual_model_counts_only_closing(june, settings):
    settings.ACTIVITY_WINDOW_DAYS = None
    snapshot_recompute(as_of=JUNE_END)
    # S: c1, c2, c3, c7, c8 (c6 closed); E: those, c4 and reopened c6 (c5 closed).
    assert row("crr").components == {"S": 5, "E": 7, "N": 2, "K": 5, "L": 0, "R": 1}
    assert row("crr").value == Decimal("100.0000")
    assert row("churn_rate").value == Decimal("0.0000")


def test_s_zero_gives_no_rate(june):
    snapshot_recompute(as_of=d(12, 31, 2025))
    december = row("crr", start=d(12, 1, 2025))
    assert december.components["S"] == 0 and december.components["N"] == 1  # c7
    assert december.value is None
    assert row("cohort_retention", start=d(12, 1, 2025)).value is None


def test_a_period_to_date_keeps_its_key_and_is_finished_by_its_last_day(june):
    snapshot_recompute(as_of=d(6, 14))
    to_date = row("crr")
    assert to_date.period_end == d(6, 14)
    snapshot_recompute(as_of=JUNE_END)
    assert (
        Snapshot.objects.filter(
            metric="crr", period_type="month", dimension="all", period_start=JUNE
        ).count()
        == 1
    )
    assert row("crr").period_end == JUNE_END


def _answer(survey, score: int, when: datetime.datetime, customer=None):
    question = survey.questions.get(kind__in=["nps", "csat", "ces"])
    link = surveys.invitation_create(
        survey=survey, customer=customer or consenting_customer(), channel="link"
    )
    response = surveys.response_submit(token=link.token, answers={f"q{question.pk}": score})
    type(response).objects.filter(pk=response.pk).update(submitted_at=when)
    return response


def test_nps_with_its_margin_and_n_zero(db):
    survey = nps_survey(frequency_days=0)
    for score in (10, 10, 9, 9, 8, 7, 6, 0, 3, 10):
        _answer(survey, score, at(d(6, 10)))
    _answer(survey, 0, at(d(7, 1), 0, 15))  # July in Riga
    snapshot_recompute(as_of=JUNE_END)
    nps = row("nps")
    assert nps.components == {
        "promoters": 5,
        "passives": 2,
        "detractors": 3,
        "n": 10,
        "margin": 54.03,
    }
    assert nps.value == Decimal("20.0000")
    trailing = row("nps", start=JUNE_END - datetime.timedelta(days=29), period_type="trailing30")
    assert trailing.value == Decimal("20.0000")
    may = Snapshot.objects.filter(metric="nps", period_type="month", period_start=d(5, 1))
    assert not may.exists()  # June's run writes June's periods only
    snapshot_recompute(as_of=d(5, 31))
    empty = row("nps", start=d(5, 1))
    assert empty.value is None and empty.components["n"] == 0
    assert row("csat").value is None and row("csat").components["n"] == 0


def test_csat_and_ces_with_their_margins(db):
    csat = surveys.survey_status_set(
        survey=surveys.survey_from_template(template="csat", name="After a case", languages=["en"]),
        status="active",
    )
    ces = surveys.survey_status_set(
        survey=surveys.survey_from_template(template="ces", name="Effort", languages=["en"]),
        status="active",
    )
    for score in (5, 4, 4, 2, 1):
        _answer(csat, score, at(d(6, 10)))
    for score in (7, 6, 2, 5):
        _answer(ces, score, at(d(6, 11)))
    snapshot_recompute(as_of=JUNE_END)
    satisfaction = row("csat")
    # 3 of 5 answered 4 or 5; margin 1.96 x 100 x sqrt(0.6 x 0.4 / 5).
    assert satisfaction.value == Decimal("60.0000")
    assert satisfaction.components == {"n": 5, "satisfied": 3, "mean": 3.2, "margin": 42.94}
    effort = row("ces")
    # Mean 5; sample variance (114 - 20^2 / 4) / 3 = 14/3; margin 1.96 x sqrt(14/3 / 4).
    assert effort.value == Decimal("5.0000")
    assert effort.components == {"n": 4, "easy": 3, "easy_share": 75.0, "margin": 2.117}


def test_nps_dimension_groups_retention_by_the_latest_answer(june):
    survey, spring = nps_survey(frequency_days=0), nps_survey(frequency_days=0)
    _answer(spring, 3, at(d(4, 1)), customer=june[1])
    _answer(survey, 10, at(d(6, 2)), customer=june[1])  # latest: promoter
    _answer(survey, 2, at(d(6, 3)), customer=june[3])
    snapshot_recompute(as_of=JUNE_END)
    promoters = row("crr", dimension="nps:promoter")
    assert promoters.components == {"S": 1, "E": 1, "N": 0, "K": 1, "L": 0, "R": 0}
    detractors = row("cohort_retention", dimension="nps:detractor")
    assert detractors.components["S"] == 1 and detractors.value == Decimal("0.0000")
    assert not Snapshot.objects.filter(dimension="nps:passive").exists()


def test_channel_and_segment_dimensions(june, marketing_user):
    from crm.services import segment_create

    app_buyer = factories.customer(customer_since=d(1, 5))
    factories.order(app_buyer, placed_at=at(d(6, 3)), total="1.00", channel="app")
    segment = segment_create(
        name="Acquired before February",
        rule={
            "match": "all",
            "conditions": [{"type": "customer_since", "op": "before", "value": "2026-02-01"}],
        },
        tracked=True,
        author=marketing_user,
    )
    snapshot_recompute(as_of=JUNE_END)
    assert row("revenue", dimension="channel:app").value == Decimal("1.0000")
    assert row("revenue", dimension="channel:web").value == Decimal("145.6000")
    # Acquired before February: c1, c2, c6, c7, c8 and the app buyer; active on 30 June:
    # all but c7.
    tracked = row("active_customers", dimension=f"segment:{segment.pk}")
    assert tracked.value == 5


def test_case_times_median_and_p90(db, support_user):
    customer = factories.customer(customer_since=d(1, 1))
    hours = [1, 2, 3, 4, 10]
    for n, hour in enumerate(hours):
        opened = at(d(6, 10), 8)
        case = crm.case_open(customer=customer, subject=f"Case {n}", opened_at=opened)
        crm.case_comment_add(
            case=case,
            author=support_user,
            kind="reply",
            body="On it",
            at=opened + datetime.timedelta(hours=hour),
            status="resolved",
        )
    snapshot_recompute(as_of=JUNE_END)
    first = row("first_response_time")
    # Ranks 1..5: median the 3rd (3 h); p90 at rank 1 + 0.9 x 4 = 4.6: 4 h + 0.6 x 6 h.
    assert first.components == {
        "n": 5,
        "median_seconds": 3 * 3600,
        "p90_seconds": int(7.6 * 3600),
        "mean_seconds": 4 * 3600,
    }
    assert first.value == 3 * 3600
    assert row("resolution_time").value == 3 * 3600
    snapshot_recompute(as_of=d(5, 31))
    assert row("resolution_time", start=d(5, 1)).value is None


def test_first_order_channel_as_of_the_day_and_on_a_tie(db):
    # Two first orders at the same moment: the channel whose code sorts first (phone,
    # not web). A customer whose first order comes after the day is in no channel yet.
    tie = factories.customer(customer_since=d(6, 1))
    factories.order(tie, placed_at=at(d(6, 2)), total="7.00", channel="web")
    factories.order(tie, placed_at=at(d(6, 2)), total="3.00", channel="phone")
    later = factories.customer(customer_since=d(6, 1))
    factories.order(later, placed_at=at(d(7, 2)), total="5.00", channel="store")
    snapshot_recompute(as_of=JUNE_END)
    assert row("revenue", dimension="channel:phone").value == Decimal("10.0000")
    assert row("new_customers", dimension="channel:phone").value == 1
    assert not Snapshot.objects.filter(dimension__in=["channel:web", "channel:store"]).exists()
    snapshot_recompute(as_of=d(7, 31))
    assert row("revenue", start=d(7, 1), dimension="channel:store").value == Decimal("5.0000")
