"""entry_reason: a ledger line in the reader's language, from what it links to."""

import datetime

import pytest
from django.utils import timezone, translation

from crm import services as crm_services
from loyalty import services
from loyalty.models import LedgerEntry
from loyalty.templatetags.loyalty_tags import entry_reason
from tests.loyalty.conftest import earn, reward

pytestmark = pytest.mark.django_db


def test_each_kind_of_line_reads_from_its_links(member, admin_user, django_assert_num_queries):
    order = earn(member, total="300.00", external_id="SHOP-1")
    redemption, _ = services.reward_redeem(customer=member, reward=reward(cost=100), author=None)
    services.redemption_cancel(redemption=redemption, author=None)
    services.points_adjust(customer=member, points=-10, reason="Typo fixed", author=admin_user)
    crm_services.order_status_set(order=order, status="refunded")
    services.order_points_reverse(order_id=order.pk)
    earn(member, total="50.00", external_id="SHOP-2")
    services.points_expire(now=timezone.now() + datetime.timedelta(days=800))
    entries = list(
        LedgerEntry.objects.select_related("order", "rule", "redemption__reward", "lot").order_by(
            "id"
        )
    )
    with translation.override("en"), django_assert_num_queries(0):
        texts = [entry_reason(e) for e in entries]
    day = timezone.localdate().strftime("%-d %b %Y")
    assert texts == [
        "Points per euro, order SHOP-1",
        "Redeemed Coffee voucher",
        f"Voucher {redemption.code} cancelled",
        "Typo fixed",
        "Order SHOP-1 was refunded",
        "Points per euro, order SHOP-2",
        f"40 points earned on {day} expired",
    ]
