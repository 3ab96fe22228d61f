"""loyalty's nightly tasks: scheduled in code, each calling its service."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from loyalty import tasks
from loyalty.models import LedgerEntry
from tests.loyalty.conftest import earn

pytestmark = pytest.mark.django_db


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "loyalty.order_events_sweep",
        "loyalty.points_expire",
        "loyalty.tiers_recompute",
        "loyalty.birthday_bonuses",
    } <= scheduled
    assert scheduled <= set(app.tasks)


def test_the_tasks_run_their_services(member, monkeypatch):
    earn(member, total="40.00")
    assert tasks.tiers_recompute_task() == 0
    assert tasks.birthday_bonuses_task() == 0
    assert tasks.order_events_sweep_task() == {"earned": 0, "reversed": 0, "failed": 0}
    later = timezone.now() + datetime.timedelta(days=400)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert tasks.points_expire_task() == 1
    assert LedgerEntry.objects.filter(kind="expire").get().points == -40
