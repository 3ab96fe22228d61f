"""The production stack, read from docker-compose.yml (no Docker engine runs here)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["web", "worker", "beat"]


def test_it_declares_the_five_services_with_pinned_majors():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat"}
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")


def test_every_service_has_a_health_check():
    for name, service in SERVICES.items():
        assert service["healthcheck"]["test"], name
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(SERVICES["worker"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])


def test_web_migrates_then_serves_with_gunicorn():
    command = " ".join(SERVICES["web"]["command"])
    assert command.index("migrate") < command.index("gunicorn config.wsgi")
    assert "8000" in SERVICES["web"]["ports"][0]


def test_app_services_share_configuration_and_wait_for_healthy_backends():
    environments = [SERVICES[name]["environment"] for name in APP_SERVICES]
    assert environments[0] == environments[1] == environments[2]
    env = environments[0]
    assert (
        env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    )
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["DEBUG"] == "false"
    assert ":?" in env["SECRET_KEY"]  # compose refuses to start without it
    for name in APP_SERVICES:
        depends = SERVICES[name]["depends_on"]
        assert depends == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    assert "worker" in SERVICES["worker"]["command"]
    assert "beat" in SERVICES["beat"]["command"]


def test_data_lives_in_named_volumes():
    assert set(COMPOSE["volumes"]) >= {"postgres-data", "redis-data"}
    assert SERVICES["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert SERVICES["redis"]["volumes"] == ["redis-data:/data"]


def test_every_variable_the_compose_file_passes_is_documented():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in SERVICES["web"]["environment"]:
        assert name in example or name in ("DATABASE_URL", "REDIS_URL"), name
        assert f"`{name}`" in readme, name
