"""The Celery application: settings under the CELERY_ namespace, tasks found in each app."""

import os
import socket

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("retain")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_CACHE_KEY = "retain:worker-heartbeat"


@app.task(name="retain.ping")
def ping(value: str) -> dict:
    """Answer a health probe: echo the value with the worker's host and pid.

    Used by the readiness check's optional worker probe and by the test that
    sends a task through the real broker to a real worker process.
    """
    return {"echo": value, "host": socket.gethostname(), "pid": os.getpid()}


@app.task(name="retain.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that beat and a worker are alive; /readyz reports the age of this mark."""
    from django.core.cache import cache
    from django.utils import timezone

    cache.set(HEARTBEAT_CACHE_KEY, timezone.now().isoformat(), timeout=None)
