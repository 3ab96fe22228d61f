"""crm's order events reach loyalty after commit; seed_demo builds a loyalty history."""

import logging

import pytest
from django.core.management import call_command

from crm import services as crm_services
from crm.models import Order
from loyalty import services
from loyalty.models import Account, LedgerEntry, Programme, Redemption, TierChange
from tests import factories

pytestmark = pytest.mark.django_db


def test_order_events_earn_and_reverse_after_commit(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = factories.order(member, total="42.00")
    assert Account.objects.get(customer=member).balance == 42
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.order_status_set(order=order, status=Order.Status.REFUNDED)
    assert Account.objects.get(customer=member).balance == 0
    assert list(LedgerEntry.objects.values_list("kind", "points").order_by("id")) == [
        ("earn", 42),
        ("reverse", -42),
    ]


def test_a_failing_receiver_logs_and_the_sweep_catches_up(
    member, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "order_points_earn", broken)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        order = factories.order(member, total="30.00")
    assert "nightly sweep retries" in caplog.text
    assert not LedgerEntry.objects.exists()
    monkeypatch.undo()
    assert services.order_events_sweep() == {"earned": 1, "reversed": 0, "failed": 0}
    assert services.order_events_sweep() == {"earned": 0, "reversed": 0, "failed": 0}
    assert LedgerEntry.objects.get().order == order


def test_seed_demo_builds_a_sound_loyalty_history(settings):
    settings.DEBUG = True
    call_command("seed_demo", customers=150, seed=7, stdout=open("/dev/null", "w"))
    programme = Programme.objects.get()
    assert programme.name == "Retain Rewards"
    assert Account.objects.count() > 50
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"earn", "reverse", "expire", "redeem", "adjust"} <= kinds
    assert Redemption.objects.exists() and TierChange.objects.exists()
    assert services.ledger_check() == []
