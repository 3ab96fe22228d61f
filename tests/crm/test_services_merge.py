"""Merging duplicate customers: everything moves to the survivor, nothing is lost."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from crm import services, signals
from crm.models import Customer, Interaction, Order
from tests import factories

pytestmark = pytest.mark.django_db


def test_orders_notes_tags_and_missing_contacts_move_to_the_survivor(
    admin_user, support_user, django_capture_on_commit_callbacks
):
    vip, b2b = services.tag_create(name="VIP"), services.tag_create(name="B2B")
    survivor = factories.customer(
        first_name="Anna", email="", customer_since=datetime.date(2025, 3, 1), tags=[vip]
    )
    duplicate = factories.customer(
        first_name="Anna", email="anna@shop.lv", phone="+37129123456", tags=[b2b],
        customer_since=datetime.date(2024, 6, 1), email_consent=True,
    )  # fmt: skip
    factories.order(survivor, days_ago=3)
    factories.order(duplicate, placed_at=factories.at_day(datetime.date(2024, 6, 1)))
    services.interaction_create(customer=duplicate, author=support_user, body="Called")
    sent = []
    signals.customers_merged.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="m")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.customer_merge(survivor=survivor, duplicate=duplicate, author=admin_user)
    finally:
        signals.customers_merged.disconnect(dispatch_uid="m")
    survivor.refresh_from_db()
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert Order.objects.filter(customer=survivor).count() == 2
    assert survivor.email == "anna@shop.lv" and str(survivor.phone) == "+37129123456"
    assert survivor.customer_since == datetime.date(2024, 6, 1)
    assert survivor.email_consent and survivor.email_consent_at is not None
    assert {t.name for t in survivor.tags.all()} == {"VIP", "B2B"}
    record = Interaction.objects.get(customer=survivor, subject="Merged a duplicate customer")
    assert f"#{duplicate.pk}" in record.body and "1 orders" in record.body
    assert record.author == admin_user
    assert Interaction.objects.filter(customer=survivor, body="Called").exists()
    assert sent == [
        {"signal": signals.customers_merged, "sender": Customer,
         "survivor_id": survivor.pk, "merged_id": duplicate.pk}
    ]  # fmt: skip


def test_a_customer_cannot_be_merged_into_itself(admin_user):
    customer = factories.customer()
    with pytest.raises(ValidationError):
        services.customer_merge(survivor=customer, duplicate=customer, author=admin_user)
    assert Customer.objects.filter(pk=customer.pk).exists()
