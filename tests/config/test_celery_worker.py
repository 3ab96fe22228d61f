"""A task's round trip through the real broker to a real worker process.

Under CI the broker is Redis (REDIS_URL); on a laptop without it, the embedded
filesystem broker that `make run` uses.
"""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app as celery_app
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.worker
def test_a_task_goes_through_the_broker_to_a_worker_process_and_back(worker, monkeypatch):
    # The test settings run enqueued tasks in-process; this one goes to the real worker.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    if os.environ.get("CI"):
        require(
            settings.CELERY_BROKER_URL.startswith("redis://"),
            "CI must run the worker test against Redis (REDIS_URL)",
        )
    queue, process = worker
    token = uuid.uuid4().hex
    result = celery_app.send_task("retain.ping", args=[token], queue=queue)
    try:
        answer = result.get(timeout=60)
    except Exception:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
        pytest.fail(f"no answer from the worker; its log:\n{output[-4000:]}")
    assert answer["echo"] == token
    assert answer["pid"] == process.pid  # answered by the worker process, not this one
    assert answer["pid"] != os.getpid()
