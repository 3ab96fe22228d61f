"""Logs: one line per event, tracebacks only for real errors, every time in UTC."""

import re

from tests.config.test_settings_env import run_django

SCRIPT = """
import django, logging, sys
django.setup()
log = logging.getLogger("django.request")
try:
    raise PermissionError("not allowed")
except PermissionError:
    log.warning("Forbidden (Permission denied): /customers/1/", exc_info=True,
                extra={"status_code": 403})
try:
    raise RuntimeError("a real bug")
except RuntimeError:
    log.error("Internal Server Error: /customers/", exc_info=True, extra={"status_code": 500})
"""


def test_a_403_is_one_line_and_a_500_keeps_its_traceback(tmp_path):
    result = run_django(tmp_path, {"DEBUG": "true"}, "-c", SCRIPT)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "axes" not in line]
    forbidden = [line for line in lines if "Forbidden" in line]
    assert len(forbidden) == 1, result.stderr  # printed once, not by two handlers
    assert "PermissionError" not in result.stderr
    assert result.stderr.count("Traceback") == 1 and "RuntimeError: a real bug" in result.stderr
    stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.match(stamp + r" WARNING django\.request ", forbidden[0])


def test_the_process_time_zone_does_not_change_log_times(tmp_path):
    script = "import django, logging; django.setup(); logging.getLogger('x').warning('hello')"
    utc = run_django(tmp_path, {"DEBUG": "true", "TIME_ZONE": "UTC"}, "-c", script)
    tokyo = run_django(tmp_path, {"DEBUG": "true", "TIME_ZONE": "Asia/Tokyo"}, "-c", script)
    stamp = [line[:13] for line in (utc.stderr + tokyo.stderr).splitlines() if "hello" in line]
    assert len(stamp) == 2 and stamp[0] == stamp[1], stamp  # same hour, same clock
