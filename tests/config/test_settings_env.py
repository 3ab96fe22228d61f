"""Configuration from the environment: bad values stop start-up naming the variable."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parents[2]


def run_django(tmp_path, extra_env: dict, *args: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "EMAIL_URL",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(
        {"RETAIN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    )
    environment.update(extra_env)
    command = args or ("-c", "import django; django.setup(); print('started')")
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"DEBUG": "false", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "crm.example.com"},
            "Set the environment variable EMAIL_URL",
        ),
        ({"DEBUG": "false"}, "Set the environment variable SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (
            {"DEBUG": "true", "ACTIVITY_WINDOW_DAYS": "ninety"},
            "ACTIVITY_WINDOW_DAYS='ninety' is not a whole number",
        ),
        (
            {"DEBUG": "true", "ACTIVITY_WINDOW_DAYS": "0"},
            "ACTIVITY_WINDOW_DAYS='0' must be at least 1",
        ),
        (
            {"DEBUG": "true", "TIME_ZONE": "Mars/Olympus"},
            "TIME_ZONE='Mars/Olympus' is not a known time zone",
        ),
        (
            {"DEBUG": "true", "CURRENCY": "EURO"},
            "CURRENCY='EURO' is not a three-letter ISO 4217 code",
        ),
        (
            {"DEBUG": "true", "DATABASE_URL": "mysql://u:p@h/db"},
            "DATABASE_URL must point at PostgreSQL or SQLite",
        ),
        (
            {"DEBUG": "true", "DATABASE_URL": "nonsense"},
            "DATABASE_URL='nonsense' is not a database URL",
        ),
        (
            {"DEBUG": "true", "REDIS_URL": "http://localhost:6379"},
            "REDIS_URL='http://localhost:6379' must start with redis://",
        ),
    ],
)
def test_a_bad_variable_stops_start_up_with_its_name(tmp_path, variables, message):
    result = run_django(tmp_path, variables)
    assert result.returncode != 0
    assert message in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = run_django(
        tmp_path,
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "crm.example.com",
            "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
        },
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_activity_window_accepts_none_for_the_contractual_model(monkeypatch):
    monkeypatch.setenv("ACTIVITY_WINDOW_DAYS", "none")
    assert env.env_int("ACTIVITY_WINDOW_DAYS", 90, minimum=1, allow_none=True) is None
    monkeypatch.setenv("ACTIVITY_WINDOW_DAYS", "30")
    assert env.env_int("ACTIVITY_WINDOW_DAYS", 90, minimum=1, allow_none=True) == 30
    monkeypatch.delenv("ACTIVITY_WINDOW_DAYS")
    assert env.env_int("ACTIVITY_WINDOW_DAYS", 90, minimum=1, allow_none=True) == 90


def test_lists_and_currency_are_normalised(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example.com, ,b.example.com ")
    assert env.env_list("ALLOWED_HOSTS", []) == ["a.example.com", "b.example.com"]
    monkeypatch.setenv("CURRENCY", "pln")
    assert env.env_currency("CURRENCY", "EUR") == "PLN"
    monkeypatch.setenv("CURRENCY", "€€€")
    with pytest.raises(ImproperlyConfigured):
        env.env_currency("CURRENCY", "EUR")


def test_every_variable_the_settings_read_is_documented():
    import re

    names = set(re.findall(r'env_[a-z_]+\("([A-Z_]+)"', (ROOT / "config/settings.py").read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TIME_ZONE"} <= names
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    assert [n for n in sorted(names) if n not in example] == []
    assert [n for n in sorted(names) if f"`{n}`" not in readme] == []
