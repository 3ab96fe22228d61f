import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from crm import selectors, services
from crm.models import Customer, Order
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


# Orders and notes; the history source has its own tests (test_history.py).
KINDS = ["order", "interaction"]


def status(customer, day=None):
    return selectors.customer_status(customer=customer, day=day)


def test_a_new_customer_is_active_within_the_window_then_lapses():
    day = datetime.date(2025, 1, 1)
    customer = factories.customer(customer_since=day)
    assert status(customer, day) == "active"
    assert status(customer, day + datetime.timedelta(days=89)) == "active"
    assert status(customer, day + datetime.timedelta(days=90)) == "lapsed"
    assert status(customer, day - datetime.timedelta(days=1)) is None  # not yet acquired


def test_an_order_day_keeps_a_customer_active_for_the_window():
    customer = factories.customer(customer_since=datetime.date(2024, 1, 1))
    factories.order(customer, placed_at=factories.at_day(datetime.date(2025, 3, 1)))
    assert status(customer, datetime.date(2025, 5, 29)) == "active"  # day 90 of the window
    assert status(customer, datetime.date(2025, 5, 30)) == "lapsed"


def test_refunded_orders_do_not_keep_a_customer_active():
    customer = factories.customer(customer_since=datetime.date(2024, 1, 1))
    order = factories.order(customer, placed_at=factories.at_day(datetime.date(2025, 3, 1)))
    services.order_status_set(order=order, status=Order.Status.REFUNDED)
    assert status(customer, datetime.date(2025, 3, 2)) == "lapsed"


def test_closing_ends_activity_from_that_day_and_a_later_order_reopens():
    customer = factories.customer(customer_since=datetime.date(2025, 1, 1))
    services.customer_update(customer=customer, data={"closed_on": datetime.date(2025, 2, 1)})
    assert status(customer, datetime.date(2025, 1, 31)) == "active"
    assert status(customer, datetime.date(2025, 2, 1)) == "closed"
    factories.order(customer, placed_at=factories.at_day(datetime.date(2025, 3, 1)))
    assert status(customer, datetime.date(2025, 2, 15)) == "closed"
    assert status(customer, datetime.date(2025, 3, 1)) == "active"


@override_settings(ACTIVITY_WINDOW_DAYS=None)
def test_without_a_window_only_closing_ends_activity():
    customer = factories.customer(customer_since=datetime.date(2020, 1, 1))
    assert status(customer, datetime.date(2025, 1, 1)) == "active"


def test_the_list_carries_completed_order_totals_in_a_fixed_number_of_queries(
    support_user, django_assert_num_queries
):
    for n in range(3):
        customer = factories.customer(tags=[services.tag_create(name=f"T{n}")])
        factories.order(customer, total="10.50")
        factories.order(customer, total="4.50")
        refunded = factories.order(customer, total="99.00")
        services.order_status_set(order=refunded, status=Order.Status.REFUNDED)
    support_user = type(support_user).objects.get(pk=support_user.pk)
    support_user.has_perm("crm.view_customer")  # load the permission cache
    # 1: customers with aggregates, 2: their tags
    with django_assert_num_queries(2):
        rows = list(selectors.customer_list(user=support_user))
        tags = [[t.name for t in row.tags.all()] for row in rows]
    assert [(r.order_count, r.revenue) for r in rows] == [(2, Decimal("15.00"))] * 3
    assert sorted(t[0] for t in tags) == ["T0", "T1", "T2"]


def test_a_user_without_a_role_sees_no_customer(no_role_user):
    factories.customer()
    assert selectors.customer_list(user=no_role_user).count() == 0
    assert Customer.objects.count() == 1


def test_the_timeline_merges_orders_and_notes_newest_first_and_pages_by_cursor(support_user):
    customer = factories.customer(customer_since=datetime.date(2024, 1, 1))
    now = timezone.now()
    for hours in (1, 3, 5):
        factories.order(customer, placed_at=now - datetime.timedelta(hours=hours))
    for hours in (2, 4):
        services.interaction_create(
            customer=customer,
            author=support_user,
            body=f"n{hours}",
            occurred_at=now - datetime.timedelta(hours=hours),
        )
    entries, cursor = selectors.customer_timeline(
        customer=customer, user=support_user, kinds=KINDS, limit=3
    )
    assert [e.kind for e in entries] == ["order", "interaction", "order"]
    older, end = selectors.customer_timeline(
        customer=customer, user=support_user, until=cursor, limit=3
    )
    assert [e.kind for e in older] == ["interaction", "order"]
    assert end is None
    assert len({e.item.pk for e in entries + older if e.kind == "order"}) == 3


@override_settings(ACTIVITY_WINDOW_DAYS=None)
def test_without_a_window_nobody_is_lapsed(support_user):
    factories.customer(customer_since=datetime.date(2020, 1, 1))
    closed = factories.customer(customer_since=datetime.date(2020, 1, 1))
    services.customer_update(customer=closed, data={"closed_on": datetime.date(2021, 1, 1)})
    assert not Customer.objects.filter(selectors.customer_status_q("lapsed")).exists()
    assert Customer.objects.filter(selectors.customer_status_q("active")).count() == 1
    assert Customer.objects.filter(selectors.customer_status_q("closed")).get() == closed


def test_entries_sharing_an_instant_are_never_split_across_pages(support_user):
    customer = factories.customer(customer_since=datetime.date(2024, 1, 1))
    now = timezone.now()
    same = now - datetime.timedelta(days=1)
    factories.order(customer, placed_at=now)
    for n in range(4):
        services.interaction_create(
            customer=customer, author=support_user, body=f"tie{n}", occurred_at=same
        )
    factories.order(customer, placed_at=now - datetime.timedelta(days=2))
    seen, until, pages = [], None, 0
    while True:
        entries, until = selectors.customer_timeline(
            customer=customer, user=support_user, kinds=KINDS, until=until, limit=3
        )
        seen += [(e.kind, e.item.pk) for e in entries]
        pages += 1
        if until is None or pages > 10:
            break
    assert len(seen) == len(set(seen)) == 6


def test_a_bulk_import_at_one_instant_larger_than_a_page_is_shown_whole(support_user):
    customer = factories.customer(customer_since=datetime.date(2024, 1, 1))
    instant = timezone.now() - datetime.timedelta(days=3)
    for _ in range(7):
        factories.order(customer, placed_at=instant)
    factories.order(customer, placed_at=instant - datetime.timedelta(days=1))
    entries, until = selectors.customer_timeline(
        customer=customer, user=support_user, kinds=KINDS, limit=3
    )
    assert len(entries) == 7
    older, end = selectors.customer_timeline(
        customer=customer, user=support_user, kinds=KINDS, until=until, limit=3
    )
    assert len(older) == 1 and end is None


def test_the_timeline_filters_by_kind_and_leaves_out_what_the_role_may_not_see(
    support_user, marketing_user, no_role_user
):
    customer = factories.customer(customer_since=datetime.date(2024, 1, 1))
    factories.order(customer, days_ago=2)
    services.interaction_create(customer=customer, author=support_user, body="Called")
    only_orders, _ = selectors.customer_timeline(
        customer=customer, user=support_user, kinds=["order"]
    )
    assert [e.kind for e in only_orders] == ["order"]
    everything, _ = selectors.customer_timeline(customer=customer, user=marketing_user, kinds=KINDS)
    assert [e.kind for e in everything] == ["interaction", "order"]
    nothing, cursor = selectors.customer_timeline(customer=customer, user=no_role_user)
    assert nothing == [] and cursor is None
